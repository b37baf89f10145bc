package dev.clearance.decide;

/**
 * Every reason a decision can carry. The first ten are the exclusion rules of contract §3.3, declared in the
 * order a decision lists them; the conditions themselves are in {@link DecisionRules}.
 */
public enum Reason {
    STATE_NOT_ELIGIBLE,
    LICENSE_RECORD_INVALID,
    NO_VALID_LICENSE,
    LICENSOR_EXCLUDED,
    LICENSE_PROHIBITS_PURPOSE,
    NO_AI_TAG,
    EMBEDDED_RESERVATION,
    CONSENT_RECORD_INVALID,
    CONSENT_OPTED_OUT,
    CONSENT_NOT_GIVEN,
    /** The track's own record is invalid (quarantined); the only reason such a track gets. */
    INVALID_TRACK_RECORD,
    /** Ledger only: the track was decided by the previous run but is no longer in the catalog. */
    TRACK_NOT_IN_CATALOG,
    /** Ledger only: the purpose was decided by the previous run but is no longer in the policy. */
    PURPOSE_NOT_IN_POLICY
}
