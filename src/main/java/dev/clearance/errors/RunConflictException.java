package dev.clearance.errors;

/** The run contradicts the run log (as_of going backwards, a resumed run whose inputs changed). */
public final class RunConflictException extends ClearanceException {
    private static final long serialVersionUID = 1L;

    public RunConflictException(String message) {
        super(message);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.CONFLICT;
    }
}
