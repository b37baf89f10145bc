package dev.clearance.errors;

/** The command line, the job configuration or the policy is wrong; nothing has been read or written. */
public final class ConfigException extends ClearanceException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.USAGE;
    }
}
