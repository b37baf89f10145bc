package dev.clearance.catalog;

/**
 * Why an input row was quarantined. Declaration order is the order the checks run in: a row records the
 * first check it fails.
 */
public enum QuarantineReason {
    /** The row's own key (track_id, license_id, event_id) is null or blank. */
    BLANK_KEY,
    /** The row's reference (uploader_id of a track, track_id of a license, user_id of a consent) is null or blank. */
    BLANK_REFERENCE,
    /** state, licensor_type or action is not a known value after trimming and upper-casing. */
    UNKNOWN_ENUM,
    /** A consent event has no event_ts. */
    NULL_TIMESTAMP,
    /** A license's valid_to is at or before its valid_from. */
    BAD_INTERVAL,
    /** A consent purpose or a license's prohibited purpose is neither '*', a policy purpose nor an ignored one. */
    UNKNOWN_PURPOSE,
    /** The row's key appears in two or more rows of the table (every such row is quarantined). */
    DUPLICATE_KEY
}
