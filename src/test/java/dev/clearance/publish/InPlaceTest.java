package dev.clearance.publish;

import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.ts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.SparkExtension;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** In-place publishing (contract §8): what each MERGE changes, what its change feed says, what a repeat changes. */
@ExtendWith(SparkExtension.class)
class InPlaceTest {
    @TempDir
    Path dir;

    private static Row curated(String track, String title, String runId) {
        return RowFactory.create(track, "u1", title, "lofi", 1000L, "s3://a/" + track, list("l-" + track), list("SELF"),
                "OPT_IN", "e1", "p-" + runId, runId, ts("2026-06-01T00:00:00Z"));
    }

    private static Row pair(String runId, String track, String decision, List<String> reasons) {
        return RowFactory.create(runId, ts("2026-06-01T00:00:00Z"), track, "recommendation", decision, reasons, "u1",
                "NONE", null, list(), list(), null, null, "p", "sha");
    }

    private static long commit(SparkSession spark, String runId, String path,
                               Function<DeltaTable, DeltaMergeBuilder> merge, boolean curated) {
        RunCommits.Target target = new RunCommits.Target("t", path,
                curated ? OutputRoot.CURATED_SCHEMA : OutputRoot.LEDGER_SCHEMA,
                curated ? OutputRoot.CURATED_PROPERTIES : OutputRoot.CURRENT_PROPERTIES);
        try (RunCommits commits = new RunCommits(spark, runId, () -> {}, (k, t, v) -> {})) {
            return commits.merge(target, merge);
        }
    }

    /** As the run computes a MERGE's source: against the table as it stands, computed before the MERGE reads it. */
    private static Dataset<Row> changes(SparkSession spark, String path, Dataset<Row> after) {
        return InPlace.curatedChanges(DeltaTables.read(spark, path), after).localCheckpoint();
    }

    /** Each change of {@code path} after {@code version}: "change_type track title". */
    private static List<String> changesAfter(SparkSession spark, String path, long version, String detail) {
        return spark.read().format("delta").option("readChangeFeed", "true").option("startingVersion", version + 1)
                .load(path).collectAsList().stream()
                .map(r -> r.getAs("_change_type") + " " + r.getAs("track_id") + " " + r.getAs(detail)).toList();
    }

    @Test
    void aCuratedTableGetsOnlyWhatEnteredLeftOrChangedAndAnUnchangedRowKeepsItsStamp(SparkSession spark) {
        String path = dir.resolve("curated").toString();
        Dataset<Row> first = spark.createDataFrame(List.of(curated("a", "A", "run-1"), curated("b", "B", "run-1"),
                curated("c", "C", "run-1")), OutputRoot.CURATED_SCHEMA);
        long v1 = commit(spark, "run-1", path, t -> InPlace.curated(t, changes(spark, path, first)), true);
        Dataset<Row> second = spark.createDataFrame(List.of(curated("a", "A", "run-2"), curated("b", "B2", "run-2"),
                curated("d", "D", "run-2")), OutputRoot.CURATED_SCHEMA);

        commit(spark, "run-2", path, t -> InPlace.curated(t, changes(spark, path, second)), true);

        assertThat(DeltaTables.read(spark, path).collectAsList()).extracting(r -> r.getAs("track_id") + " "
                + r.getAs("title") + " " + r.getAs("run_id")).containsExactlyInAnyOrder("a A run-1", "b B2 run-2",
                "d D run-2");
        assertThat(changesAfter(spark, path, v1, "title")).containsExactlyInAnyOrder("update_preimage b B",
                "update_postimage b B2", "delete c C", "insert d D");
        // against the table as run 2 left it, nothing is left to change
        assertThat(InPlace.curatedChanges(DeltaTables.read(spark, path), second).count()).isZero();
        assertThat(DeltaTables.properties(spark, path))
                .containsEntry("delta.enableChangeDataFeed", "true").containsEntry("delta.enableDeletionVectors", "true");
    }

    @Test
    void theChangesOfACuratedTableNameEachRowThatEntersLeavesOrChangesOutsideItsStamp(SparkSession spark) {
        Dataset<Row> before = spark.createDataFrame(List.of(curated("a", "A", "run-1"), curated("b", "B", "run-1"),
                curated("c", "C", "run-1")), OutputRoot.CURATED_SCHEMA);
        Dataset<Row> after = spark.createDataFrame(List.of(curated("a", "A", "run-2"), curated("b", "B2", "run-2"),
                curated("d", "D", "run-2")), OutputRoot.CURATED_SCHEMA);

        assertThat(InPlace.curatedChanges(before, after).collectAsList()).extracting(r -> r.getAs(InPlace.ACTION) + " "
                + r.getAs("track_id") + " " + r.getAs("title") + " " + r.getAs("run_id")).containsExactlyInAnyOrder(
                "update b B2 run-2", "delete c null null", "insert d D run-2");
    }

    @Test
    void currentMovesForwardByTheRunsLedgerRowsAndARepeatChangesNothing(SparkSession spark) {
        String path = dir.resolve("current").toString();
        Dataset<Row> firstRows = spark.createDataFrame(List.of(pair("run-1", "x", "INCLUDED", list()),
                pair("run-1", "y", "INCLUDED", list()), pair("run-1", "w", "INCLUDED", list())), OutputRoot.LEDGER_SCHEMA);
        long v1 = commit(spark, "run-1", path, t -> InPlace.current(t, firstRows), false);
        Dataset<Row> ledgerRows = spark.createDataFrame(List.of(
                pair("run-2", "x", "EXCLUDED", list("LICENSE_PROHIBITS_PURPOSE")),
                pair("run-2", "y", "REMOVED", list("TRACK_NOT_IN_CATALOG")),
                pair("run-2", "z", "INCLUDED", list())), OutputRoot.LEDGER_SCHEMA);

        long v2 = commit(spark, "run-2", path, t -> InPlace.current(t, ledgerRows), false);

        assertThat(DeltaTables.read(spark, path).collectAsList()).extracting(r -> r.getAs("track_id") + " "
                + r.getAs("decision") + " " + r.getAs("run_id")).containsExactlyInAnyOrder("w INCLUDED run-1",
                "x EXCLUDED run-2", "z INCLUDED run-2");
        assertThat(changesAfter(spark, path, v1, "decision")).containsExactlyInAnyOrder(
                "update_preimage x INCLUDED", "update_postimage x EXCLUDED", "delete y INCLUDED", "insert z INCLUDED");
        commit(spark, "run-2", path, t -> InPlace.current(t, ledgerRows), false);
        assertThat(changesAfter(spark, path, v2, "decision")).isEmpty();
    }
}
