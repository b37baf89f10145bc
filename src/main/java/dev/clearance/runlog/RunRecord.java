package dev.clearance.runlog;

import dev.clearance.catalog.InputVersion;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One row of the run log: what a run read, under which policy, what it wrote at which versions, and what it
 * decided in numbers. The run log is the entry point for an auditor and for pinning a curated snapshot.
 * {@code mode} is null until the run has chosen it, and in rows written before runs had modes.
 */
public record RunRecord(String runId, Instant asOf, Instant startedAt, Instant finishedAt, RunStatus status,
                        String policyVersion, String policySha256, String message, List<InputVersion> inputs,
                        List<OutputVersion> outputs, List<PurposeCount> decisionCounts, List<ReasonCount> reasonCounts,
                        List<QuarantineCount> quarantineCounts, long ledgerRows, RunMode mode) {

    /** A table written by the run, its Delta version after the write and its row count. */
    public record OutputVersion(String table, String path, long version, long rows) {}

    public record PurposeCount(String purpose, long included, long excluded) {}

    /** Tracks excluded (or, for INVALID_TRACK_RECORD, affected) for one reason and purpose. */
    public record ReasonCount(String purpose, String reason, long tracks) {}

    public record QuarantineCount(String sourceTable, String reason, long rows) {}

    /** (track, purpose) pairs decided by the run, included or excluded. */
    public long decisions() {
        return decisionCounts.stream().mapToLong(p -> p.included() + p.excluded()).sum();
    }

    public Optional<OutputVersion> output(String table) {
        return outputs.stream().filter(o -> o.table().equals(table)).findFirst();
    }

    public Optional<InputVersion> input(String table) {
        return inputs.stream().filter(i -> i.table().equals(table)).findFirst();
    }
}
