package dev.clearance.decide;

/** The outcome for a (track, purpose) pair. */
public enum Decision {
    INCLUDED,
    EXCLUDED,
    /** Ledger only: the pair no longer exists (track left the catalog or purpose left the policy). */
    REMOVED
}
