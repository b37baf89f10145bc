package dev.clearance.catalog;

import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.config.JobConfig.TableLocation;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.errors.InputContractException;
import dev.clearance.errors.RunConflictException;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The schema contract of §1: what is accepted, what is converted, and the message when it is broken. */
@ExtendWith(SparkExtension.class)
class LakeReaderTest {

    @Test
    void missingColumnAndWrongTypeFailWithExitThreeNamingTableColumnAndType(@TempDir Path dir, SparkSession spark) {
        Dataset<Row> tracks = Fixtures.frame(InputTable.TRACKS, List.of(track("t", "u", "ACTIVE", null, null)))
                .drop(Columns.STATE)
                .withColumn(Columns.DURATION_MS, org.apache.spark.sql.functions.lit("3 minutes"));
        String path = dir.resolve("tracks").toString();
        tracks.write().format("delta").save(path);

        assertThatThrownBy(() -> LakeReader.open(spark, InputTable.TRACKS,
                new TableLocation(path, TableFormat.DELTA), Optional.empty()))
                .isInstanceOf(InputContractException.class)
                .hasMessageContaining("input table tracks at " + path)
                .hasMessageContaining("missing column 'state' (expected string)")
                .hasMessageContaining("column 'duration_ms' has type string, expected bigint")
                .satisfies(e -> assertThat(((InputContractException) e).exitCode()).isEqualTo(ExitCode.INPUT_CONTRACT));
    }

    @Test
    void missingTableAndNonDeltaFolderFailWithExitThree(@TempDir Path dir, SparkSession spark) {
        assertThatThrownBy(() -> LakeReader.open(spark, InputTable.CONSENTS,
                new TableLocation(dir.resolve("nope").toString(), TableFormat.DELTA), Optional.empty()))
                .isInstanceOf(InputContractException.class)
                .hasMessageContaining("input table consents not found at " + dir.resolve("nope"));

        Fixtures.frame(InputTable.CONSENTS, List.of()).write().parquet(dir.resolve("plain").toString());
        assertThatThrownBy(() -> LakeReader.open(spark, InputTable.CONSENTS,
                new TableLocation(dir.resolve("plain").toString(), TableFormat.DELTA), Optional.empty()))
                .isInstanceOf(InputContractException.class)
                .hasMessageContaining("is not a Delta table");
    }

    @Test
    void intIsWidenedTimestampNtzIsReadAsUtcAndExtraColumnsAreIgnored(@TempDir Path dir, SparkSession spark) {
        Dataset<Row> tracks = Fixtures.frame(InputTable.TRACKS, List.of(track("t", "u", "ACTIVE", null, null)))
                .withColumn(Columns.DURATION_MS, org.apache.spark.sql.functions.lit(42).cast(DataTypes.IntegerType))
                .withColumn(Columns.UPLOADED_AT, org.apache.spark.sql.functions
                        .lit("2026-03-01 12:30:00").cast(DataTypes.TimestampNTZType))
                .withColumn("mood", org.apache.spark.sql.functions.lit("calm"));
        String path = dir.resolve("tracks").toString();
        tracks.write().format("delta").save(path);

        LakeReader.Snapshot snapshot = LakeReader.open(spark, InputTable.TRACKS,
                new TableLocation(path, TableFormat.DELTA), Optional.empty());
        Row row = RowValidation.annotate(InputTable.TRACKS, snapshot.rows(), Fixtures.defaultPolicy()).head();
        assertThat(row.<Long>getAs(Columns.DURATION_MS)).isEqualTo(42L);
        assertThat(row.<Timestamp>getAs(Columns.UPLOADED_AT).toInstant())
                .isEqualTo(Instant.parse("2026-03-01T12:30:00Z"));
        assertThat(row.schema().fieldNames()).doesNotContain("mood");
        assertThat(snapshot.version().version()).isZero();
        assertThat(snapshot.version().format()).isEqualTo("delta");
    }

    @Test
    void pinnedDeltaVersionIsReadEvenAfterTheTableMoved(@TempDir Path dir, SparkSession spark) {
        String path = dir.resolve("tracks").toString();
        Fixtures.frame(InputTable.TRACKS, List.of(track("t1", "u", "ACTIVE", null, null))).write().format("delta").save(path);
        Fixtures.frame(InputTable.TRACKS, List.of(track("t2", "u", "ACTIVE", null, null))).write().format("delta")
                .mode(SaveMode.Append).save(path);
        TableLocation location = new TableLocation(path, TableFormat.DELTA);
        InputVersion v0 = new InputVersion("tracks", "delta", path, 0L, null);

        assertThat(LakeReader.open(spark, InputTable.TRACKS, location, Optional.empty()).version().version()).isEqualTo(1L);
        assertThat(LakeReader.open(spark, InputTable.TRACKS, location, Optional.of(v0)).rows().count()).isEqualTo(1L);
    }

    @Test
    void parquetIsFingerprintedAndAChangedFingerprintRefusesAResume(@TempDir Path dir, SparkSession spark) {
        String path = dir.resolve("tracks").toString();
        Fixtures.frame(InputTable.TRACKS, List.of(track("t1", "u", "ACTIVE", null, null))).write().parquet(path);
        TableLocation location = new TableLocation(path, TableFormat.PARQUET);
        InputVersion first = LakeReader.open(spark, InputTable.TRACKS, location, Optional.empty()).version();
        assertThat(first.fingerprint()).startsWith("sha256:");
        assertThat(LakeReader.open(spark, InputTable.TRACKS, location, Optional.of(first)).version()).isEqualTo(first);

        Fixtures.frame(InputTable.TRACKS, List.of(track("t2", "u", "ACTIVE", null, null))).write()
                .mode(SaveMode.Append).parquet(path);
        assertThatThrownBy(() -> LakeReader.open(spark, InputTable.TRACKS, location, Optional.of(first)))
                .isInstanceOf(RunConflictException.class)
                .hasMessageContaining("changed since this run first read it");
    }
}
