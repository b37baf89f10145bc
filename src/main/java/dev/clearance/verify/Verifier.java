package dev.clearance.verify;

import static dev.clearance.catalog.Columns.POLICY_SHA256;
import static dev.clearance.catalog.Columns.POLICY_VERSION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.RUN_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Re-checks what a run published, reading only the output tables and the run log. "Published" means both
 * the versions the run recorded (what a consumer who pins a snapshot reads) and, for the latest run, the
 * tables' latest versions (what a consumer who pins nothing reads): a commit made after the run, by hand or
 * by any other writer, is checked like the run's own.
 */
public final class Verifier {
    /** Offending rows shown per check. */
    public static final int SHOWN = 20;

    public record Violation(String location, String row, String problem) {}

    public record CheckResult(String name, String description, long checked, String unit, long violations,
                              List<Violation> first) {
        public boolean passed() {
            return violations == 0;
        }
    }

    /** {@code snapshots}: every table version that was checked. */
    public record Report(String runId, String asOf, String outputRoot, List<String> snapshots,
                         List<CheckResult> checks) {
        public boolean passed() {
            return checks.stream().allMatch(CheckResult::passed);
        }
    }

    private static final StructType COUNTED = new StructType()
            .add(Checks.LOCATION, DataTypes.StringType).add("actual", DataTypes.LongType);
    private static final StructType RECORDED = new StructType()
            .add(Checks.LOCATION, DataTypes.StringType).add("expected", DataTypes.LongType)
            .add("what", DataTypes.StringType);

    private Verifier() {}

    /** @param runId null for the latest SUCCEEDED run */
    public static Report verify(OutputRoot outputs, String runId) {
        SparkSession spark = outputs.spark();
        RunRecord run = outputs.succeededRun(runId);
        boolean latest = outputs.isLatest(run);
        List<String> snapshots = new ArrayList<>();
        List<Row> counted = new ArrayList<>();
        List<Row> recorded = new ArrayList<>();

        Dataset<Row> curated = null;
        for (OutputVersion output : OutputRoot.curatedOutputs(run)) {
            String purpose = OutputRoot.purposeOf(output);
            long expectedIncluded = run.decisionCounts().stream().filter(c -> c.purpose().equals(purpose))
                    .mapToLong(PurposeCount::included).findFirst().orElse(0);
            for (long version : versions(outputs, run, output.table(), latest)) {
                String location = location(output.table(), version, output.version());
                snapshots.add(location);
                Dataset<Row> rows = outputs.atVersion(output.table(), version)
                        .withColumn(PURPOSE, lit(purpose)).withColumn(Checks.LOCATION, lit(location));
                curated = curated == null ? rows : curated.unionByName(rows);
                recorded.add(RowFactory.create(location, output.rows(), "rows recorded in the run's outputs"));
                recorded.add(RowFactory.create(location, expectedIncluded, "included tracks recorded in decision_counts"));
            }
        }
        Dataset<Row> curatedRows = curated.persist(StorageLevel.MEMORY_AND_DISK());
        curatedRows.groupBy(Checks.LOCATION).agg(count(lit(1)).as("actual")).collectAsList().forEach(counted::add);
        long curatedCount = counted.stream().mapToLong(r -> r.getLong(1)).sum();

        OutputVersion currentOutput = outputs.recorded(run, OutputRoot.CURRENT);
        Dataset<Row> current = outputs.atRecordedVersion(run, OutputRoot.CURRENT);
        Dataset<Row> ledger = outputs.ledger();
        Dataset<Row> state = Checks.stateAt(ledger, outputs.runOrder(), outputs.sequence(run))
                .persist(StorageLevel.MEMORY_AND_DISK());

        List<CheckResult> checks = new ArrayList<>();
        checks.add(result("curated-rows-included",
                "every curated row has an INCLUDED decision for its purpose in lineage/current", curatedCount,
                "curated rows", Checks.curatedWithoutIncludedDecision(curatedRows, current)));
        checks.add(result("curated-no-excluded-or-removed",
                "no pair that the ledger says is EXCLUDED or REMOVED is in a curated table", curatedCount,
                "curated rows", Checks.curatedExcludedOrRemoved(curatedRows, state)));

        Dataset<Row> replayDiffs = null;
        long pairs = 0;
        for (long version : versions(outputs, run, OutputRoot.CURRENT, latest)) {
            String location = location(OutputRoot.CURRENT, version, currentOutput.version());
            snapshots.add(location);
            Dataset<Row> snapshot = outputs.atVersion(OutputRoot.CURRENT, version);
            long rows = snapshot.count();
            pairs += rows;
            counted.add(RowFactory.create(location, rows));
            recorded.add(RowFactory.create(location, currentOutput.rows(), "rows recorded in the run's outputs"));
            Dataset<Row> diffs = Checks.replayDiffers(state, snapshot, location);
            replayDiffs = replayDiffs == null ? diffs : replayDiffs.unionByName(diffs);
        }
        String ledgerOfRun = OutputRoot.LEDGER + " rows of run " + run.runId();
        counted.add(RowFactory.create(ledgerOfRun, ledger.filter(col(RUN_ID).equalTo(run.runId())).count()));
        recorded.add(RowFactory.create(ledgerOfRun, run.ledgerRows(), "ledger rows recorded for the run"));

        checks.add(result("counts-match-run-log",
                "curated, lineage/current and ledger row counts equal the run log's", recorded.size(),
                "counts", Checks.countMismatch(spark.createDataFrame(counted, COUNTED),
                        spark.createDataFrame(recorded, RECORDED))));
        checks.add(result("ledger-replay-equals-current",
                "replaying the ledger up to the run gives exactly lineage/current", pairs, "current rows",
                replayDiffs));

        String ledgerPath = outputs.path(OutputRoot.LEDGER);
        Dataset<Row> history = DeltaTable.forPath(spark, ledgerPath).history();
        checks.add(result("ledger-append-only", "the ledger's Delta history holds only appends", history.count(),
                "commits", Checks.nonAppendCommits(history, OutputRoot.LEDGER)));

        long ledgerRows = ledger.count();
        Dataset<Row> runs = spark.createDataFrame(outputs.runs().stream()
                .map(r -> RowFactory.create(r.runId(), r.policyVersion(), r.policySha256())).toList(),
                new StructType().add(RUN_ID, DataTypes.StringType).add(POLICY_VERSION, DataTypes.StringType)
                        .add(POLICY_SHA256, DataTypes.StringType));
        checks.add(result("policy-matches-run-log",
                "each run's recorded policy version and sha256 match its ledger rows", ledgerRows, "ledger rows",
                Checks.policyMismatch(ledger, runs, OutputRoot.LEDGER)));
        checks.add(result("ledger-pairs-once-per-run", "no run wrote a (track, purpose) twice to the ledger",
                ledgerRows, "ledger rows", Checks.duplicateLedgerRows(ledger, OutputRoot.LEDGER)));

        curatedRows.unpersist();
        state.unpersist();
        return new Report(run.runId(), run.asOf().toString(), outputs.root(), snapshots, checks);
    }

    /** The recorded version, and for the latest run also the head version when a later commit exists. */
    private static List<Long> versions(OutputRoot outputs, RunRecord run, String table, boolean latest) {
        long recorded = outputs.recorded(run, table).version();
        Optional<Long> head = latest ? Optional.of(outputs.headVersion(table)) : Optional.empty();
        return head.filter(h -> h != recorded).map(h -> List.of(recorded, h)).orElse(List.of(recorded));
    }

    private static String location(String table, long version, long recorded) {
        return table + "@v" + version + (version == recorded ? "" : " (latest; not recorded by the run)");
    }

    private static CheckResult result(String name, String description, long checked, String unit,
                                      Dataset<Row> violations) {
        Dataset<Row> found = violations.persist(StorageLevel.MEMORY_AND_DISK());
        found.sparkSession().sparkContext().setJobDescription("clearance verify: " + name);
        try {
            long total = found.count();
            List<Violation> first = total == 0 ? List.of() : found.orderBy(Checks.LOCATION, Checks.ROW, Checks.PROBLEM)
                    .limit(SHOWN).collectAsList().stream()
                    .map(r -> new Violation(r.getString(0), r.getString(1), r.getString(2))).toList();
            return new CheckResult(name, description, checked, unit, total, first);
        } finally {
            found.unpersist();
            found.sparkSession().sparkContext().setJobDescription(null);
        }
    }
}
