package dev.clearance.run;

import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.col;

import dev.clearance.catalog.ChangeScope;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * An incremental run's scope (contract §8): the tracks whose decision or evidence can have changed since the
 * previous run, the input rows to check for them, and that run's lineage/current rows of them. Writes nothing.
 */
final class FindAffected {
    /**
     * @param affected        the affected track_ids (one column), kept
     * @param tracks          how many
     * @param validation      what {@link ValidateInputs} checks
     * @param previousOfScope the previous run's lineage/current rows of the affected tracks, kept
     */
    record Result(Dataset<Row> affected, long tracks, ValidateInputs.Scope validation, Dataset<Row> previousOfScope) {}

    private final SparkWork work;
    private final OutputRoot outputs;

    FindAffected(SparkWork work, OutputRoot outputs) {
        this.work = work;
        this.outputs = outputs;
    }

    Result execute(Map<InputTable, Dataset<Row>> changes, Map<InputTable, Snapshot> inputs, RunRecord previous,
                   Instant asOf) {
        Map<InputTable, Dataset<Row>> rows = new EnumMap<>(InputTable.class);
        Map<InputTable, Dataset<Row>> changedKeys = new EnumMap<>(InputTable.class);
        // Not kept: an input that did not change has an empty feed the optimizer sees, and prunes what joins it.
        for (InputTable table : InputTable.values()) {
            rows.put(table, inputs.get(table).rows());
            changedKeys.put(table, ChangeScope.changedKeys(table, changes.get(table)));
        }
        Dataset<Row> found = work.persist(ChangeScope.affectedTracks(changes, rows, previous.asOf(), asOf));
        long tracks = work.describe("finding the tracks affected since run " + previous.runId(), found::count);
        // No affected track: a relation the optimizer knows to be empty, so nothing is decided or compared.
        Dataset<Row> affected = tracks > 0 ? found : found.limit(0);
        Dataset<Row> previousQuarantine = DeltaTables.read(outputs.spark(), outputs.path(OutputRoot.QUARANTINE))
                .filter(col(RUN_ID).equalTo(previous.runId()));
        Dataset<Row> previousOfScope = work.persist(DiffWithPrevious.previousCurrent(outputs, previous)
                .join(affected, TRACK_ID, "left_semi"));
        return new Result(affected, tracks,
                new ValidateInputs.Scope(ChangeScope.decidingRows(affected, rows), changedKeys, previousQuarantine),
                previousOfScope);
    }
}
