package dev.clearance.catalog;

/**
 * Column names of the input lake and of every output table, defined once so that a rename is one edit
 * and a typo is a compile error rather than an AnalysisException at run time.
 */
public final class Columns {
    private Columns() {}

    // tracks
    public static final String TRACK_ID = "track_id";
    public static final String UPLOADER_ID = "uploader_id";
    public static final String TITLE = "title";
    public static final String GENRE = "genre";
    public static final String DURATION_MS = "duration_ms";
    public static final String AUDIO_URI = "audio_uri";
    public static final String TAGS = "tags";
    public static final String STATE = "state";
    public static final String EMBEDDED_DMI = "embedded_dmi";
    public static final String UPLOADED_AT = "uploaded_at";

    // licenses
    public static final String LICENSE_ID = "license_id";
    public static final String LICENSOR_TYPE = "licensor_type";
    public static final String LICENSOR_NAME = "licensor_name";
    public static final String PROHIBITED_PURPOSES = "prohibited_purposes";
    public static final String VALID_FROM = "valid_from";
    public static final String VALID_TO = "valid_to";

    // consents
    public static final String EVENT_ID = "event_id";
    public static final String USER_ID = "user_id";
    public static final String PURPOSE = "purpose";
    public static final String ACTION = "action";
    public static final String EVENT_TS = "event_ts";
    public static final String SOURCE = "source";

    // decisions, ledger, curated tables
    public static final String RUN_ID = "run_id";
    public static final String AS_OF = "as_of";
    public static final String DECISION = "decision";
    public static final String REASONS = "reasons";
    public static final String CONSENT_STATE = "consent_state";
    public static final String CONSENT_EVENT_ID = "consent_event_id";
    public static final String LICENSE_IDS = "license_ids";
    public static final String LICENSOR_TYPES = "licensor_types";
    public static final String MATCHED_NO_AI_TAG = "matched_no_ai_tag";
    public static final String POLICY_VERSION = "policy_version";
    public static final String POLICY_SHA256 = "policy_sha256";

    // quarantine
    public static final String SOURCE_TABLE = "source_table";
    public static final String REASON = "reason";
    public static final String RECORD = "record";
}
