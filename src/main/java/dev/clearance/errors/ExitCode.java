package dev.clearance.errors;

/** The process exit codes of the contract, so that schedulers can tell a bad batch from a conflict. */
public enum ExitCode {
    OK(0),
    /** A verification found a violation. */
    VIOLATION(1),
    /** Bad usage or configuration (command line, clearance.yaml, policy.yaml). */
    USAGE(2),
    /** An input table breaks the contract (missing table, missing column, wrong type, a file that cannot be read). */
    INPUT_CONTRACT(3),
    /** More than quarantine.max_fraction of an input table's rows are invalid. */
    QUARANTINE_LIMIT(4),
    /** The run conflicts with the run log or with another run; retrying later may succeed. */
    CONFLICT(5),
    /** An unexpected failure (I/O, Spark); not covered by the contract, the log has the stack trace. */
    INTERNAL(70);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The code a failure ends the process with: its own for a {@link ClearanceException}, otherwise INTERNAL. */
    public static ExitCode of(Throwable failure) {
        return failure instanceof ClearanceException clearance ? clearance.exitCode() : INTERNAL;
    }
}
