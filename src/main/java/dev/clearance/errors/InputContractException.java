package dev.clearance.errors;

/** An input table does not meet the contract's schema; detected before anything is written. */
public final class InputContractException extends ClearanceException {
    private static final long serialVersionUID = 1L;

    public InputContractException(String message) {
        super(message);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.INPUT_CONTRACT;
    }
}
