package dev.clearance.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.errors.Errors;
import dev.clearance.errors.RunConflictException;
import dev.clearance.spark.DeltaTables;
import dev.clearance.spark.DeltaTables.Commit;
import dev.clearance.testing.SparkExtension;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A run's commits: fenced, identified by run_id, and versions that are the run's own. */
@ExtendWith(SparkExtension.class)
class RunCommitsTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType);

    @TempDir
    Path dir;

    private Dataset<Row> rows(SparkSession spark, String... ids) {
        List<Row> rows = new ArrayList<>();
        for (String id : ids) {
            rows.add(RowFactory.create(id));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    private RunCommits.Target target(String name) {
        return new RunCommits.Target(name, dir.resolve(name).toString(), SCHEMA,
                name.equals("ledger") ? Map.of("delta.appendOnly", "true") : Map.of());
    }

    private static Function<DeltaTable, DeltaMergeBuilder> insert(Dataset<Row> rows) {
        return table -> table.as("t").merge(rows.as("s"), "t.id = s.id").whenNotMatched().insertAll();
    }

    @Test
    void aTableWrittenBeforeGetsTheTablePropertiesItLacksInACommitOfTheRun(SparkSession spark) {
        String path = dir.resolve("u").toString();
        rows(spark, "a").write().format("delta").option("delta.dataSkippingStatsColumns", "id").save(path);
        RunCommits.Target target = new RunCommits.Target("u", path, SCHEMA, Map.of(
                "delta.dataSkippingStatsColumns", "other", "delta.enableChangeDataFeed", "true"));
        List<String> seen = new ArrayList<>();
        try (RunCommits commits = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> seen.add(k + ":" + t + "@" + v))) {
            commits.merge(target, insert(rows(spark, "b")));
            commits.merge(target, insert(rows(spark, "c")));
        }
        assertThat(seen).containsExactly("1:u@1", "2:u@2", "3:u@3");
        assertThat(DeltaTables.commits(spark, path)).extracting(Commit::operation)
                .containsExactly("MERGE", "MERGE", "SET TBLPROPERTIES", "WRITE");
        // a property the table has keeps its value; the one it lacked is set once
        assertThat(DeltaTables.properties(spark, path))
                .containsEntry("delta.dataSkippingStatsColumns", "id").containsEntry("delta.enableChangeDataFeed", "true");
    }

    @Test
    void aTableWrittenBeforeGetsTheColumnsItLacksAndKeepsItsRows(SparkSession spark) {
        String path = dir.resolve("runs").toString();
        rows(spark, "old").write().format("delta").save(path);
        StructType wider = SCHEMA.add("mode", DataTypes.StringType);
        RunCommits.Target target = new RunCommits.Target("runs", path, wider, Map.of());
        List<String> seen = new ArrayList<>();
        try (RunCommits commits = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> seen.add(k + ":" + t + "@" + v))) {
            commits.replaceWhere(target, spark.createDataFrame(List.of(RowFactory.create("new", "incremental")), wider),
                    "id = 'new'");
        }
        assertThat(seen).containsExactly("1:runs@1", "2:runs@2");
        assertThat(DeltaTables.commits(spark, path)).extracting(Commit::operation)
                .containsExactly("WRITE", "ADD COLUMNS", "WRITE");
        assertThat(DeltaTables.read(spark, path).collectAsList()).extracting(Row::toString)
                .containsExactlyInAnyOrder("[old,null]", "[new,incremental]");
    }

    @Test
    void everyCommitIncludingTheTableCreationCarriesTheRunIdAndEachWriteReturnsItsOwnVersion(SparkSession spark) {
        List<String> seen = new ArrayList<>();
        try (RunCommits commits = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> seen.add(k + ":" + t + "@" + v))) {
            assertThat(commits.appendOnce(target("ledger"), rows(spark, "a"))).isEqualTo(1);
            assertThat(commits.replaceWhere(target("u"), rows(spark, "b"), "id = 'b'")).isEqualTo(1);
            assertThat(commits.merge(target("u"), insert(rows(spark, "c")))).isEqualTo(2);
        }
        assertThat(seen).containsExactly("1:ledger@0", "2:ledger@1", "3:u@0", "4:u@1", "5:u@2");
        assertThat(DeltaTables.commits(spark, dir.resolve("u").toString())).extracting(Commit::userMetadata)
                .containsExactly("run-a", "run-a", "run-a");
        // A commit made after the run, outside it, carries nothing.
        rows(spark, "d").write().format("delta").mode(SaveMode.Append).save(dir.resolve("u").toString());
        assertThat(DeltaTables.commits(spark, dir.resolve("u").toString()).get(0)).isEqualTo(new Commit(3, "WRITE", null));
    }

    @Test
    void theVersionOfARunsCommitIsFoundByItsRunIdNotTakenAsTheLatest(SparkSession spark) {
        String path = dir.resolve("ledger").toString();
        try (RunCommits commits = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> {})) {
            commits.appendOnce(target("ledger"), rows(spark, "a"));
            rows(spark, "x").write().format("delta").mode(SaveMode.Append).option("userMetadata", "someone-else")
                    .save(path);
        }
        assertThat(DeltaTables.version(spark, path)).isEqualTo(2);
        assertThat(DeltaTables.latestCommitBy(spark, path, "run-a")).contains(1L);
        assertThat(DeltaTables.latestCommitBy(spark, path, "run-b")).isEmpty();
    }

    @Test
    void aRetriedAppendOfTheSameRunWritesNothingTwice(SparkSession spark) {
        try (RunCommits commits = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> {})) {
            commits.appendOnce(target("ledger"), rows(spark, "a", "b"));
        }
        try (RunCommits retry = new RunCommits(spark, "run-a", () -> {}, (k, t, v) -> {})) {
            assertThat(retry.appendOnce(target("ledger"), rows(spark, "a", "b"))).isEqualTo(1);
        }
        assertThat(DeltaTables.read(spark, dir.resolve("ledger").toString()).count()).isEqualTo(2);
        try (RunCommits next = new RunCommits(spark, "run-b", () -> {}, (k, t, v) -> {})) {
            assertThat(next.appendOnce(target("ledger"), rows(spark, "c"))).isEqualTo(2);
        }
        assertThat(DeltaTables.read(spark, dir.resolve("ledger").toString()).count()).isEqualTo(3);
    }

    @Test
    void aFenceThatNoLongerHoldsStopsTheCommitBeforeAnythingIsWritten(SparkSession spark) {
        AtomicBoolean held = new AtomicBoolean(true);
        Fence fence = () -> {
            if (!held.get()) {
                throw Errors.leaseLost("run-a", "lease", "taken over");
            }
        };
        try (RunCommits commits = new RunCommits(spark, "run-a", fence, (k, t, v) -> {})) {
            commits.appendOnce(target("ledger"), rows(spark, "a"));
            held.set(false);
            assertThatThrownBy(() -> commits.appendOnce(target("ledger"), rows(spark, "b")))
                    .isInstanceOf(RunConflictException.class).hasMessageContaining("lost its lease");
        }
        assertThat(DeltaTables.version(spark, dir.resolve("ledger").toString())).isEqualTo(1);
        assertThat(spark.conf().getOption(DeltaTables.COMMIT_USER_METADATA).isEmpty()).isTrue();
    }
}
