package dev.clearance.run;

import static dev.clearance.catalog.Columns.REASON;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.SOURCE_TABLE;
import static org.apache.spark.sql.functions.col;

import dev.clearance.catalog.InputTable;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.publish.RunCommits;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.spark.DeltaTables;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The run's quarantine rows committed (replacing an earlier attempt's), counted from what was committed,
 * and held against quarantine.max_fraction (contract §4.1).
 */
final class PublishQuarantine {
    /** The committed quarantine, its counts, and one line per input table over the limit (none = within it). */
    record Result(OutputVersion output, List<QuarantineCount> counts, List<String> overLimit) {}

    private final SparkWork work;
    private final RunCommits commits;
    private final OutputRoot outputs;
    private final String runId;
    private final double maxFraction;

    PublishQuarantine(SparkWork work, RunCommits commits, OutputRoot outputs, String runId, double maxFraction) {
        this.work = work;
        this.commits = commits;
        this.outputs = outputs;
        this.runId = runId;
        this.maxFraction = maxFraction;
    }

    Result execute(ValidateInputs.Result validated) {
        RunCommits.Target target = new RunCommits.Target(OutputRoot.QUARANTINE, outputs.path(OutputRoot.QUARANTINE),
                OutputRoot.QUARANTINE_SCHEMA, Map.of());
        long version = work.describe("writing " + OutputRoot.QUARANTINE, () ->
                commits.replaceWhere(target, validated.quarantine(), RunLog.predicate(runId)));
        List<QuarantineCount> counts = work.describe("counting the quarantine", () ->
                count(DeltaTables.readVersion(outputs.spark(), target.path(), version)));
        List<String> overLimit = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            long total = validated.totals().get(table);
            long invalid = counts.stream().filter(q -> q.sourceTable().equals(table.tableName()))
                    .mapToLong(QuarantineCount::rows).sum();
            if (total > 0 && (double) invalid / total > maxFraction) {
                overLimit.add(String.format("%s: %d of %d rows invalid (%.2f%%)", table.tableName(), invalid, total,
                        100.0 * invalid / total));
            }
        }
        long rows = counts.stream().mapToLong(QuarantineCount::rows).sum();
        return new Result(new OutputVersion(OutputRoot.QUARANTINE, target.path(), version, rows), counts, overLimit);
    }

    private List<QuarantineCount> count(Dataset<Row> quarantine) {
        return quarantine.filter(col(RUN_ID).equalTo(runId)).groupBy(SOURCE_TABLE, REASON).count()
                .collectAsList().stream()
                .map(r -> new QuarantineCount(r.getString(0), r.getString(1), r.getLong(2)))
                .sorted(Comparator.comparing(QuarantineCount::sourceTable).thenComparing(QuarantineCount::reason))
                .toList();
    }
}
