package dev.clearance.cli;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.Cli;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --changes-from}: a day of change committed to a generated Delta lake, read back through the
 * lake's own change data feed, as an incremental run reads it.
 */
@ExtendWith(SparkExtension.class)
class GenerateChangesTest {
    private static final String DAY_END = "2026-11-02T00:00:00Z";
    private static final Timestamp END = Timestamp.from(Instant.parse(DAY_END));
    private static final Timestamp START = Timestamp.from(Instant.parse(DAY_END).minusSeconds(86_400));
    private static final long TRACKS = 3_000;

    @TempDir
    static Path dir;

    private static Cli.Result changed;

    @BeforeAll
    static void aLakeChangedOnce() {
        assertThat(Cli.run("generate", "--out", lake("a").toString(), "--tracks", String.valueOf(TRACKS), "--seed", "5")
                .exitCode()).isZero();
        Fixtures.copyTree(lake("a"), lake("b"));
        changed = Cli.run("generate", "--changes-from", lake("a").toString(), "--churn", "0.1", "--at", DAY_END);
    }

    @Test
    void theChangeIsAFewCommitsPerTableSaidInOneLine(SparkSession spark) {
        assertThat(changed.exitCode()).as(changed.err()).isZero();
        assertThat(changed.out()).contains("changed 10.00% of 3,000 tracks in " + lake("a").toAbsolutePath()
                + ", the day ending " + DAY_END + ": tracks v1..v3, licenses v1..v2, consents v1..v1");
        assertThat(operations(spark, InputTable.TRACKS)).containsExactly("WRITE", "UPDATE", "DELETE", "WRITE");
        assertThat(operations(spark, InputTable.LICENSES)).containsExactly("WRITE", "UPDATE", "WRITE");
        assertThat(operations(spark, InputTable.CONSENTS)).containsExactly("WRITE", "WRITE");
    }

    @Test
    void aboutTheChurnOfTheTracksChangesInEveryWayAPlatformSees(SparkSession spark) {
        Dataset<Row> feed = feed(spark, InputTable.TRACKS).cache();
        Dataset<Row> after = feed.filter(col("_change_type").equalTo("update_postimage"));
        Dataset<Row> before = feed.filter(col("_change_type").equalTo("update_preimage"));
        // 55% of the churned 10% are updated, 10% removed, 35% are the templates of new uploads.
        assertThat(after.count()).isBetween(110L, 220L);
        assertThat(feed.filter(col("_change_type").equalTo("delete")).count()).isBetween(15L, 50L);
        assertThat(feed.filter(col("_change_type").equalTo("insert")).count()).isBetween(70L, 140L);
        assertThat(after.filter(col(TITLE).endsWith(" (Remastered)")).count()).isPositive();
        assertThat(after.filter(col(EMBEDDED_DMI).equalTo("DMI-PROHIBITED-AIMLTRAINING")).count()).isPositive();
        assertThat(after.filter(array_contains(col(TAGS), "NoAI")).count()).isPositive();
        assertThat(after.filter(col(STATE).equalTo("TAKEN_DOWN")).count()).isPositive();
        assertThat(after.filter(col(STATE).equalTo("PRIVATE")).count()).isPositive();
        assertThat(after.join(before, new String[] {TRACK_ID, UPLOADER_ID}, "left_anti").count())
                .as("tracks transferred to another uploader").isPositive();
        // A new upload has a new id, or (rarely) repeats its template's, which makes both rows invalid.
        Dataset<Row> original = DeltaTables.readVersion(spark, path(InputTable.TRACKS), 0).select(TRACK_ID);
        Dataset<Row> inserted = feed.filter(col("_change_type").equalTo("insert"));
        assertThat(inserted.filter(col(TRACK_ID).endsWith("n0").unary_$bang()).join(original, TRACK_ID, "left_anti")
                .count()).isZero();
        assertThat(inserted.filter(col(UPLOADED_AT).lt(START).or(col(UPLOADED_AT).geq(END))).count()).isZero();
    }

    @Test
    void licencesStartAndEndDuringTheDay(SparkSession spark) {
        Dataset<Row> feed = feed(spark, InputTable.LICENSES).cache();
        Dataset<Row> expired = feed.filter(col("_change_type").equalTo("update_postimage"));
        assertThat(expired.count()).isPositive();
        assertThat(expired.filter(during(col(VALID_TO)).unary_$bang()).count()).isZero();
        assertThat(expired.filter(col(VALID_FROM).geq(col(VALID_TO))).count()).as("valid_from before valid_to").isZero();
        Dataset<Row> started = feed.filter(col("_change_type").equalTo("insert"));
        assertThat(started.filter(col(LICENSOR_TYPE).equalTo("MAJOR_LABEL")).count()).isPositive();
        assertThat(started.filter(during(col(VALID_FROM)).unary_$bang().or(col(VALID_TO).isNotNull())).count())
                .isZero();
    }

    @Test
    void consentEventsOfTheDayAndLateOnesBackDatedAMonth(SparkSession spark) {
        Dataset<Row> events = feed(spark, InputTable.CONSENTS).cache();
        Timestamp lateStart = Timestamp.from(START.toInstant().minusSeconds(30L * 86_400));
        Timestamp lateEnd = Timestamp.from(END.toInstant().minusSeconds(30L * 86_400));
        Column late = col(EVENT_TS).geq(lateStart).and(col(EVENT_TS).lt(lateEnd));
        assertThat(events.filter(during(col(EVENT_TS))).count()).isPositive();
        assertThat(events.filter(late).count()).isPositive();
        assertThat(events.filter(during(col(EVENT_TS)).or(late).unary_$bang()).count()).isZero();
        assertThat(events.filter(col(ACTION).isin("OPT_IN", "OPT_OUT").unary_$bang()).count()).isZero();
    }

    @Test
    void theSameLakeAndDayGiveTheSameChange(SparkSession spark) {
        Cli.Result again = Cli.run("generate", "--changes-from", lake("b").toString(), "--churn", "0.1", "--at",
                DAY_END);
        assertThat(again.exitCode()).as(again.err()).isZero();
        for (InputTable table : InputTable.values()) {
            assertThat(rows(spark, lake("b"), table)).as(table.tableName()).isEqualTo(rows(spark, lake("a"), table));
        }
    }

    @Test
    void aLakeThatIsNotDeltaOrABadChurnExitsTwoSayingWhy() {
        Path parquet = dir.resolve("parquet");
        assertThat(Cli.run("generate", "--out", parquet.toString(), "--tracks", "5", "--format", "parquet")
                .exitCode()).isZero();
        Cli.Result notDelta = Cli.run("generate", "--changes-from", parquet.toString());
        assertThat(notDelta.exitCode()).isEqualTo(2);
        assertThat(notDelta.err()).contains(parquet.resolve("tracks") + " is not a Delta table");
        Map<String, List<String>> refused = Map.of(
                "--churn: the churn must be in (0, 1], got 0.0", List.of("--churn", "0"),
                "--at 'tomorrow' is not an ISO-8601 instant", List.of("--at", "tomorrow"));
        refused.forEach((message, options) -> {
            List<String> args = new ArrayList<>(List.of("generate", "--changes-from", lake("b").toString()));
            args.addAll(options);
            Cli.Result result = Cli.run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(message).isEqualTo(2);
            assertThat(result.err()).contains(message);
        });
    }

    private static Column during(Column timestamp) {
        return timestamp.geq(lit(START)).and(timestamp.lt(lit(END)));
    }

    private static List<String> operations(SparkSession spark, InputTable table) {
        return DeltaTables.commits(spark, path(table)).stream().sorted(Comparator.comparing(DeltaTables.Commit::version))
                .map(DeltaTables.Commit::operation).toList();
    }

    private static Dataset<Row> feed(SparkSession spark, InputTable table) {
        return spark.read().format("delta").option("readChangeFeed", "true").option("startingVersion", 1)
                .load(path(table));
    }

    private static List<String> rows(SparkSession spark, Path lake, InputTable table) {
        return DeltaTables.read(spark, lake.resolve(table.tableName()).toString()).collectAsList().stream()
                .map(Row::toString).sorted().toList();
    }

    private static Path lake(String name) {
        return dir.resolve("lake-" + name);
    }

    private static String path(InputTable table) {
        return lake("a").resolve(table.tableName()).toString();
    }
}
