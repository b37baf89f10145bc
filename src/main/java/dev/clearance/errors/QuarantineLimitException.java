package dev.clearance.errors;

/** Too many invalid rows: the batch looks broken, so nothing but the quarantine and the run log is published. */
public final class QuarantineLimitException extends ClearanceException {
    private static final long serialVersionUID = 1L;

    public QuarantineLimitException(String message) {
        super(message);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.QUARANTINE_LIMIT;
    }
}
