package dev.clearance.catalog;

/** Purpose values with a meaning of their own in the catalog. */
public final class Purposes {
    /** In a consent event or a license's prohibited purposes: every purpose. */
    public static final String ALL = "*";

    private Purposes() {}
}
