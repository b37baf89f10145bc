package dev.clearance.run;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The run's mode (contract §8), and for an incremental run the tracks its changes affect: the run log and the
 * inputs' versions decide whether the change data feeds are read, what they hold decides the mode.
 */
final class ChooseRunMode {
    /**
     * @param scope       for an incremental run, the affected tracks and what they need checked and compared
     * @param counted     the inputs' row counts the choice made (validation reuses them)
     * @param changedRows for an incremental run, the changed input rows its feeds held
     */
    record Result(RunMode mode, Optional<FindAffected.Result> scope, Map<InputTable, Long> counted,
                  long changedRows) {}

    private final SparkWork work;
    private final ReadChanges changes;
    private final FindAffected affected;

    ChooseRunMode(SparkWork work, ReadChanges changes, FindAffected affected) {
        this.work = work;
        this.changes = changes;
        this.affected = affected;
    }

    /**
     * @param previous the run this one follows, if any succeeded
     * @param policySha256 the policy this run applies
     */
    Result execute(boolean forcedFull, Optional<RunRecord> previous, String policySha256,
                   Map<InputTable, Snapshot> inputs, Instant asOf) {
        return work.stage(Stage.CHANGES, "choosing the run's mode", () -> {
            ReadChanges.Result read = changes.execute(
                    ChooseMode.precheck(forcedFull, previous, policySha256, ClearanceJob.versions(inputs)), inputs);
            Optional<FindAffected.Result> scope = read.changes().isEmpty() ? Optional.empty()
                    : Optional.of(affected.execute(read.changes(), inputs, previous.orElseThrow(), asOf));
            return new Result(read.mode(), scope, read.totals(), read.changedRows());
        });
    }
}
