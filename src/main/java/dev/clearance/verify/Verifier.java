package dev.clearance.verify;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Runs {@link Checks#ALL} on what a run published, reading only the output tables, their Delta logs and the
 * run log. "Published" means both the versions the run recorded (what a consumer who pins a snapshot reads)
 * and, for the latest run, the tables' latest versions (what a consumer who pins nothing reads): a commit
 * made after the run, by hand or by any other writer, is checked like the run's own.
 */
public final class Verifier {
    /** Offending rows shown per check. */
    public static final int SHOWN = 20;

    public record Violation(String location, String row, String problem) {}

    public enum Status { PASSED, FAILED }

    /** @param first the first {@link #SHOWN} violations, by location, row and problem */
    public record CheckResult(String name, String description, Status status, long checked, String unit,
                              long violations, List<Violation> first) {
        public boolean passed() {
            return status == Status.PASSED;
        }
    }

    /** {@code snapshots}: every table version that was checked. */
    public record Report(String runId, String asOf, String outputRoot, List<String> snapshots,
                         List<CheckResult> checks) {
        public boolean passed() {
            return checks.stream().allMatch(CheckResult::passed);
        }
    }

    private Verifier() {}

    /** @param runId null for the latest SUCCEEDED run */
    public static Report verify(OutputRoot outputs, String runId) {
        RunRecord run = outputs.succeededRun(runId);
        try (LoadedOutputs loaded = LoadedOutputs.load(outputs, run)) {
            List<CheckResult> results = Checks.ALL.stream().map(check -> run(check, loaded)).toList();
            return new Report(run.runId(), run.asOf().toString(), outputs.root(), loaded.locations(), results);
        }
    }

    /** Counts all of a check's violations but brings only the first few to the driver. */
    private static CheckResult run(Check check, LoadedOutputs outputs) {
        Dataset<Row> found = check.violations().apply(outputs).persist(StorageLevel.MEMORY_AND_DISK());
        found.sparkSession().sparkContext().setJobDescription("clearance verify: " + check.name());
        try {
            long total = found.count();
            List<Violation> first = total == 0 ? List.of() : found.orderBy(Checks.LOCATION, Checks.ROW, Checks.PROBLEM)
                    .limit(SHOWN).collectAsList().stream()
                    .map(r -> new Violation(r.getString(0), r.getString(1), r.getString(2))).toList();
            return new CheckResult(check.name(), check.description(), total == 0 ? Status.PASSED : Status.FAILED,
                    check.checked().applyAsLong(outputs), check.unit(), total, first);
        } finally {
            found.unpersist();
            found.sparkSession().sparkContext().setJobDescription(null);
        }
    }
}
