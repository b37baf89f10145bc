package dev.clearance.audit;

import dev.clearance.catalog.InputVersion;
import dev.clearance.errors.ExitCode;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How one invocation of the run command ended, for machines: the exit code it returns and whatever the run
 * log knows about the run. Failures happen at any point, so every field that depends on how far the run got
 * may be absent: run_id and as_of (null only for a usage error before they were known), the policy (null
 * before it loaded), and the run-log record (absent when this attempt wrote no run-log row).
 *
 * @param outputs the tables this invocation wrote, with their versions: the record's, plus the run log itself
 * @param startedAt when this invocation started (not the run's first attempt, which the record holds)
 */
public record RunReport(ExitCode exitCode, boolean alreadySucceeded, String message, String runId, Instant asOf,
                        String policyVersion, String policySha256, Instant startedAt, Instant finishedAt,
                        List<InputVersion> inputs, List<OutputVersion> outputs, Optional<RunRecord> record) {

    public boolean succeeded() {
        return exitCode == ExitCode.OK;
    }
}
