package dev.clearance.errors;

import java.time.Instant;

/**
 * The run's refusals, conflicts and unreadable inputs, each with a message that says what happened and what to
 * do, made in one place so that the same situation reads the same wherever it is detected.
 */
public final class Errors {
    private Errors() {}

    public static RunConflictException leaseHeld(String outputRoot, String runId, String owner, String acquiredAt,
                                                 String leaseFile, Instant expires) {
        return new RunConflictException("run " + runId + " (" + owner + ", started " + acquiredAt + ") is running on"
                + " output root " + outputRoot + "; wait for it to finish. If that process is gone, its lease "
                + leaseFile + " expires at " + expires + ", " + "and the next run takes it over.");
    }

    public static RunConflictException leaseUnreadable(String outputRoot, String leaseFile, Instant expires) {
        return new RunConflictException("the run lease " + leaseFile + " of output root " + outputRoot + " cannot be"
                + " read (being written, or damaged); it counts as held until " + expires + ". Run again after that,"
                + " or remove the file once you are sure no run is using this output root.");
    }

    public static RunConflictException leaseRace(String outputRoot, String leaseFile) {
        return new RunConflictException("another run took the lease of output root " + outputRoot + " at the same"
                + " moment (" + leaseFile + " exists); wait for it to finish");
    }

    public static RunConflictException leaseLost(String runId, String leaseFile, String reason) {
        return new RunConflictException("run " + runId + " lost its lease " + leaseFile + " (" + reason + ") and"
                + " stopped before its next commit; what it committed so far is consistent. Run the same --run-id"
                + " again to complete it once no other run holds the output root.");
    }

    public static RunConflictException asOfBeforeLastRun(String runId, Instant asOf, String lastRunId,
                                                         Instant lastAsOf) {
        return new RunConflictException("as_of " + asOf + " of run " + runId + " is earlier than " + lastAsOf
                + ", the as_of of the last successful run " + lastRunId + "; the ledger only moves forward. Use an"
                + " --as-of at or after " + lastAsOf + ".");
    }

    public static RunConflictException asOfChanged(String runId, Instant recorded, Instant requested) {
        return new RunConflictException("run " + runId + " was started with as_of " + recorded + ", not " + requested
                + "; rerun it without --as-of (or with the same one), or use another --run-id");
    }

    public static RunConflictException incompleteRun(String runId, Instant asOf) {
        return new RunConflictException("run " + runId + " (as_of " + asOf + ") wrote ledger rows but did not"
                + " finish; complete it first with --run-id " + runId);
    }

    public static RunConflictException policyChangedMidRun(String runId, String recordedSha, String currentSha) {
        return new RunConflictException("run " + runId + " already wrote ledger rows under policy sha256 "
                + recordedSha + " but the policy file now has sha256 " + currentSha + "; restore that policy to"
                + " complete the run, or start a new run with another --run-id.");
    }

    public static RunConflictException runLogChanged(String outputRoot, String runId) {
        return new RunConflictException("the run log of " + outputRoot + " changed while run " + runId + " was"
                + " starting (another run finished meanwhile); run it again");
    }

    public static QuarantineLimitException quarantineLimit(double maxFraction, String overLimit, String runId) {
        return new QuarantineLimitException("quarantine limit exceeded (max_fraction " + maxFraction + "): "
                + overLimit + ". Nothing but the quarantine was published; see the quarantine table for run " + runId
                + ", fix the upstream export and run again.");
    }

    /** Why a file of an input table cannot be read, and what makes it readable again. */
    public enum Unreadable {
        CORRUPT("corrupt Parquet", "restore or rewrite the file, or repair the table"),
        CHECKSUM_MISMATCH("checksum mismatch: corrupt, or rewritten without its .crc file",
                "restore or rewrite the file, or repair the table"),
        MISSING_FROM_DELTA_LOG("listed in the Delta log but missing",
                "restore the file, or repair the table so that its log no longer lists it"),
        PERMISSION_DENIED("permission denied", "let the job's user read the table's files");

        private final String cause;
        private final String fix;

        Unreadable(String cause, String fix) {
            this.cause = cause;
            this.fix = fix;
        }
    }

    /** One line naming the table and the file; {@code failure} (Spark's) is kept as the cause for --verbose. */
    public static InputContractException unreadableFile(String table, String file, Unreadable why,
                                                        Throwable failure) {
        return new InputContractException("input table " + table + ": cannot read file " + file + " (" + why.cause
                + "); " + why.fix + ", then run again; nothing was published", failure);
    }
}
