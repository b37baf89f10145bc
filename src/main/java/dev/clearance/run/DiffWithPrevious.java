package dev.clearance.run;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.publish.LedgerDiff;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * This run's decisions against the previous successful run's lineage/current, at the version that run
 * recorded (contract §4): what the ledger gains and what lineage/current becomes. An incremental run compares
 * only the pairs of its affected tracks; every other pair is unchanged. Writes nothing.
 */
final class DiffWithPrevious {
    /** The diff ({@link LedgerDiff#diff}) and how many rows the ledger and lineage/current get from it. */
    record Result(Dataset<Row> diff, long ledgerRows, long currentRows) {}

    private final SparkWork work;
    private final OutputRoot outputs;
    private final Set<String> purposes;
    private final LedgerDiff.Stamp stamp;

    DiffWithPrevious(SparkWork work, OutputRoot outputs, Set<String> purposes, LedgerDiff.Stamp stamp) {
        this.work = work;
        this.outputs = outputs;
        this.purposes = purposes;
        this.stamp = stamp;
    }

    /**
     * @param previousOfScope for an incremental run, the previous run's lineage/current rows of the affected tracks
     *                        ({@link #previousCurrent} narrowed): the only rows its decisions can change
     */
    Result execute(DecidePairs.Result decided, Optional<RunRecord> previous, Optional<Dataset<Row>> previousOfScope) {
        Dataset<Row> stamped = stamp.apply(decided.decisions(), OutputRoot.LEDGER_SCHEMA);
        if (previous.isEmpty()) {
            return new Result(LedgerDiff.diff(stamped, null, purposes, stamp), decided.total(), decided.total());
        }
        RunRecord last = previous.get();
        Dataset<Row> compared = previousOfScope.orElseGet(() -> previousCurrent(outputs, last));
        Dataset<Row> diff = work.persistLarge(LedgerDiff.diff(stamped, compared, purposes, stamp));
        Map<String, Long> changes = work.stage(Stage.DIFF, "comparing with the current state of " + last.runId(),
                () -> countChanges(diff));
        long ledgerRows = changes.entrySet().stream()
                .filter(e -> !e.getKey().equals(LedgerDiff.UNCHANGED)).mapToLong(Map.Entry::getValue).sum();
        long currentRows = previousOfScope.isEmpty()
                ? changes.entrySet().stream().filter(e -> !e.getKey().equals(LedgerDiff.REMOVED))
                        .mapToLong(Map.Entry::getValue).sum()
                : previousCurrentRows(last) + changes.getOrDefault(LedgerDiff.NEW, 0L)
                        - changes.getOrDefault(LedgerDiff.REMOVED, 0L);
        return new Result(diff, ledgerRows, currentRows);
    }

    /** lineage/current as the previous run left it: at the version that run recorded. */
    static Dataset<Row> previousCurrent(OutputRoot outputs, RunRecord previous) {
        return DeltaTables.readVersion(outputs.spark(), outputs.path(OutputRoot.CURRENT), currentOf(previous).version());
    }

    private static long previousCurrentRows(RunRecord previous) {
        return currentOf(previous).rows();
    }

    private static RunRecord.OutputVersion currentOf(RunRecord previous) {
        return previous.output(OutputRoot.CURRENT).orElseThrow(() -> new IllegalStateException(
                "run " + previous.runId() + " recorded no " + OutputRoot.CURRENT + " version"));
    }

    private static Map<String, Long> countChanges(Dataset<Row> diff) {
        Map<String, Long> counts = new HashMap<>();
        diff.groupBy(LedgerDiff.CHANGE).count().collectAsList().forEach(r -> counts.put(r.getString(0), r.getLong(1)));
        return counts;
    }
}
