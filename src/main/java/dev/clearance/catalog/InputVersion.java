package dev.clearance.catalog;

/**
 * Which exact state of an input table a run read: a Delta version, or for Parquet a fingerprint of its
 * files. Recorded in the run log so that a resumed run reads the same data and an auditor can find it.
 */
public record InputVersion(String table, String format, String path, Long version, String fingerprint) {}
