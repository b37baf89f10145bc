package dev.clearance.errors;

/**
 * An input table breaks the contract: its schema, or a file that cannot be read. Retrying the same inputs fails
 * the same way, so a scheduler must not retry it.
 */
public final class InputContractException extends ClearanceException {
    private static final long serialVersionUID = 1L;

    public InputContractException(String message) {
        super(message);
    }

    public InputContractException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.INPUT_CONTRACT;
    }
}
