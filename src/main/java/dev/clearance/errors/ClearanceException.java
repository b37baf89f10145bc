package dev.clearance.errors;

/**
 * A failure the user can act on. The message says what is wrong and how to fix it; the exit code tells a
 * scheduler what kind of failure it was. Anything else escaping the job is a bug or an infrastructure fault.
 */
public abstract class ClearanceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected ClearanceException(String message) {
        super(message);
    }

    protected ClearanceException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract ExitCode exitCode();
}
