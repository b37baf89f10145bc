package dev.clearance.catalog;

/**
 * Which exact state of an input table a run read: a Delta version, or for Parquet a fingerprint of its
 * files. Recorded in the run log so that a resumed run reads the same data and an auditor can find it.
 */
public record InputVersion(String table, String format, String path, Long version, String fingerprint) {
    /** For the log: "delta v12" or "parquet sha256:1a2b3c4d5e6f…". */
    public String describe() {
        return version != null ? format + " v" + version
                : format + " " + fingerprint.substring(0, Math.min(fingerprint.length(), 19)) + "…";
    }
}
