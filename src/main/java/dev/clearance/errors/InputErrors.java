package dev.clearance.errors;

/**
 * The messages of the input failures that are not schema checks, kept together so that what an operator reads
 * (what is wrong, how to fix it) does not drift between the places that detect them.
 */
public final class InputErrors {
    private InputErrors() {}

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
