-- The Clearance contract for a FIRST run (every (track, purpose) pair) in plain DuckDB SQL: Parquet in, Parquet out.
-- It is the baseline of issue 5's performance target, written from the contract (§ = section of docs/contract.md)
-- and, where the contract is silent, from docs/decisions.md (numbered "decisions.md N" below). It has no Delta, no
-- run log and no diff against a previous run: a first run writes a ledger row for every pair.
--
-- run.mjs executes the statements in file order, one per `-- @step NAME` marker, and times each step (statements
-- with the same NAME add up). Before the first one it creates two tables from the policy file:
--   run_policy      one row: run_id, as_of (TIMESTAMPTZ), policy_version, policy_sha256, no_ai_tags (normalised
--                   like tags), prohibitable (policy purposes + '*'), consentable (policy purposes + ignored + '*')
--   policy_purposes one row per purpose: purpose_index, purpose, consent (opt_in|opt_out|not_required),
--                   eligible_states, requires_valid_license, excluded_licensor_types, honor_no_ai_tag, reserved_by_dmi
-- Placeholders: {{tracks}}, {{licenses}}, {{consents}} (Parquet globs), {{out}} (output directory), {{max_fraction}}
-- (quarantine.max_fraction), {{purpose}} in a
-- step marked `per purpose` (it runs once for each policy purpose), and {{<table>_record_timestamps}}: for every
-- timestamp column of the input, `col := iso_ts(_raw.col, 'Z' or '')`, so that a record renders it as Spark does.

-- @step setup
-- §1, decisions.md 1: whitespace is Unicode Z* plus tab, LF, VT, FF, CR and U+001C..U+001F.
CREATE OR REPLACE TEMP MACRO ws_trim(s) AS
    regexp_replace(s, '^[\t\n\x0B\f\r\x1C-\x1F\p{Z}]+|[\t\n\x0B\f\r\x1C-\x1F\p{Z}]+$', '', 'g');

-- @step setup
-- §3.1: null, empty or whitespace only (never null itself).
CREATE OR REPLACE TEMP MACRO is_blank(s) AS
    s IS NULL OR regexp_full_match(s, '[\t\n\x0B\f\r\x1C-\x1F\p{Z}]*');

-- @step setup
-- Spark changes case with Java's full Unicode mapping, DuckDB with the simple one. They differ where the result can
-- be ASCII (and so an enum value or a purpose name) only for these: upper-case ß ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ become SS FF FI FL FFI
-- FFL ST ST ('diﬆributor' is DISTRIBUTOR), and lower-case İ becomes i + U+0307 (not a purpose name), not i.
-- An ASCII value (as many bytes as characters) skips the replacements.
CREATE OR REPLACE TEMP MACRO java_upper(s) AS
    CASE WHEN strlen(s) = length(s) THEN upper(s) ELSE upper(
        replace(replace(replace(replace(replace(replace(replace(replace(s,
            'ß', 'SS'), 'ﬀ', 'FF'), 'ﬁ', 'FI'), 'ﬂ', 'FL'), 'ﬃ', 'FFI'), 'ﬄ', 'FFL'), 'ﬅ', 'ST'), 'ﬆ', 'ST'))
    END;

-- @step setup
CREATE OR REPLACE TEMP MACRO java_lower(s) AS lower(replace(s, 'İ', 'i' || chr(775)));

-- @step setup
-- §1: enum columns (state, licensor_type, action) are trimmed and upper-cased.
CREATE OR REPLACE TEMP MACRO enum_value(s) AS java_upper(ws_trim(s));

-- @step setup
-- §1: purpose names anywhere are trimmed, lower-cased, and '-' and ' ' become '_'.
CREATE OR REPLACE TEMP MACRO purpose_name(s) AS translate(java_lower(ws_trim(s)), '- ', '__');

-- @step setup
-- §3.2: a tag is compared lower-cased with every character outside a-z and 0-9 removed.
CREATE OR REPLACE TEMP MACRO tag_key(s) AS regexp_replace(java_lower(s), '[^a-z0-9]', '', 'g');

-- @step setup
-- §3.2, decisions.md 5 and 21: the DMI value that can reserve, from the text after the last '/', trimmed and
-- upper-cased. Null for a null or blank raw value and for DMI-UNSPECIFIED and DMI-ALLOWED; a reserving IPTC value
-- as is; anything else (also nothing after the last '/') counts as DMI-PROHIBITED.
CREATE OR REPLACE TEMP MACRO effective_dmi(raw) AS
    CASE
        WHEN is_blank(raw) THEN NULL
        WHEN enum_value(string_split(raw, '/')[-1]) IN ('DMI-UNSPECIFIED', 'DMI-ALLOWED') THEN NULL
        WHEN enum_value(string_split(raw, '/')[-1]) IN ('DMI-PROHIBITED-AIMLTRAINING', 'DMI-PROHIBITED-GENAIMLTRAINING',
                'DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING', 'DMI-PROHIBITED', 'DMI-PROHIBITED-SEECONSTRAINT',
                'DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR', 'DMI-PROHIBITED-SEELINKEDRIGHTSEXPR')
            THEN enum_value(string_split(raw, '/')[-1])
        ELSE 'DMI-PROHIBITED'
    END;

-- @step setup
-- decisions.md 16: a quarantine record renders a timestamp in UTC ISO-8601 with milliseconds, as Spark's to_json
-- does: with the suffix 'Z' for a UTC instant, none for a timestamp_ntz column (run.mjs tells which).
CREATE OR REPLACE TEMP MACRO iso_ts(ts, zone) AS strftime(ts::TIMESTAMPTZ, '%Y-%m-%dT%H:%M:%S.%g') || zone;

-- @step read+validate
-- §1 and §3.1, tracks: every row with the first failing check (null = valid) and, when invalid, the raw row as JSON.
-- Keys are compared exactly as written; DUPLICATE_KEY counts over all rows of the table (a null key is BLANK_KEY
-- before it could be a duplicate, so the join's null semantics do not matter). A TIMESTAMP column (INT96
-- or not UTC-adjusted) is read as UTC: the session time zone is UTC.
CREATE TEMP TABLE tracks_checked AS
WITH raw AS (
    SELECT r AS _raw, r.* FROM read_parquet('{{tracks}}') AS r
),
duplicated AS (
    SELECT track_id AS _duplicated_key FROM raw GROUP BY track_id HAVING count(*) > 1
),
counted AS (
    SELECT raw.*, _duplicated_key IS NOT NULL AS _duplicate
    FROM raw LEFT JOIN duplicated ON raw.track_id = duplicated._duplicated_key
)
SELECT
    track_id::VARCHAR AS track_id, uploader_id::VARCHAR AS uploader_id, title::VARCHAR AS title,
    genre::VARCHAR AS genre, duration_ms::BIGINT AS duration_ms, audio_uri::VARCHAR AS audio_uri,
    tags::VARCHAR[] AS tags, state::VARCHAR AS state, embedded_dmi::VARCHAR AS embedded_dmi,
    CASE
        WHEN is_blank(track_id) THEN 'BLANK_KEY'
        WHEN is_blank(uploader_id) THEN 'BLANK_REFERENCE'
        WHEN coalesce(enum_value(state) NOT IN ('ACTIVE', 'PRIVATE', 'TAKEN_DOWN', 'DELETED'), true) THEN 'UNKNOWN_ENUM'
        WHEN _duplicate THEN 'DUPLICATE_KEY'
    END AS invalid_reason,
    CASE WHEN invalid_reason IS NOT NULL
        THEN to_json(struct_update(_raw, {{tracks_record_timestamps}}))
    END AS record
FROM counted;

-- @step read+validate
-- §3.1, licenses: BLANK_KEY, BLANK_REFERENCE (track_id), UNKNOWN_ENUM (licensor_type), BAD_INTERVAL (only when both
-- bounds are set, decisions.md 3), UNKNOWN_PURPOSE (a non-null prohibited purpose that is neither '*' nor a policy
-- purpose; an ignored consent purpose or '' is unknown here, decisions.md 3), DUPLICATE_KEY.
CREATE TEMP TABLE licenses_checked AS
WITH raw AS (
    SELECT r AS _raw, r.* FROM read_parquet('{{licenses}}') AS r
),
duplicated AS (
    SELECT license_id AS _duplicated_key FROM raw GROUP BY license_id HAVING count(*) > 1
),
counted AS (
    SELECT raw.*, _duplicated_key IS NOT NULL AS _duplicate, run_policy.prohibitable
    FROM raw LEFT JOIN duplicated ON raw.license_id = duplicated._duplicated_key CROSS JOIN run_policy
)
SELECT
    license_id::VARCHAR AS license_id, track_id::VARCHAR AS track_id, licensor_type::VARCHAR AS licensor_type,
    prohibited_purposes::VARCHAR[] AS prohibited_purposes,
    valid_from::TIMESTAMPTZ AS valid_from, valid_to::TIMESTAMPTZ AS valid_to,
    CASE
        WHEN is_blank(license_id) THEN 'BLANK_KEY'
        WHEN is_blank(track_id) THEN 'BLANK_REFERENCE'
        WHEN coalesce(enum_value(licensor_type) NOT IN ('SELF', 'MAJOR_LABEL', 'INDEPENDENT_LABEL', 'DISTRIBUTOR',
                                                        'CREATIVE_COMMONS', 'PUBLIC_DOMAIN'), true) THEN 'UNKNOWN_ENUM'
        WHEN valid_to::TIMESTAMPTZ <= valid_from::TIMESTAMPTZ THEN 'BAD_INTERVAL'
        WHEN len(list_filter(prohibited_purposes,
                 p -> p IS NOT NULL AND NOT list_contains(prohibitable, purpose_name(p)))) > 0 THEN 'UNKNOWN_PURPOSE'
        WHEN _duplicate THEN 'DUPLICATE_KEY'
    END AS invalid_reason,
    CASE WHEN invalid_reason IS NOT NULL
        THEN to_json(struct_update(_raw, {{licenses_record_timestamps}}))
    END AS record
FROM counted;

-- @step read+validate
-- §3.1, consents: BLANK_KEY, BLANK_REFERENCE (user_id), UNKNOWN_ENUM (action), NULL_TIMESTAMP (event_ts),
-- UNKNOWN_PURPOSE (null or blank included, decisions.md 3: neither '*', a policy purpose nor an ignored one),
-- DUPLICATE_KEY.
CREATE TEMP TABLE consents_checked AS
WITH raw AS (
    SELECT r AS _raw, r.* FROM read_parquet('{{consents}}') AS r
),
duplicated AS (
    SELECT event_id AS _duplicated_key FROM raw GROUP BY event_id HAVING count(*) > 1
),
counted AS (
    SELECT raw.*, _duplicated_key IS NOT NULL AS _duplicate, run_policy.consentable
    FROM raw LEFT JOIN duplicated ON raw.event_id = duplicated._duplicated_key CROSS JOIN run_policy
)
SELECT
    event_id::VARCHAR AS event_id, user_id::VARCHAR AS user_id, purpose::VARCHAR AS purpose,
    action::VARCHAR AS action, event_ts::TIMESTAMPTZ AS event_ts,
    CASE
        WHEN is_blank(event_id) THEN 'BLANK_KEY'
        WHEN is_blank(user_id) THEN 'BLANK_REFERENCE'
        WHEN coalesce(enum_value(action) NOT IN ('OPT_IN', 'OPT_OUT'), true) THEN 'UNKNOWN_ENUM'
        WHEN event_ts IS NULL THEN 'NULL_TIMESTAMP'
        WHEN coalesce(NOT list_contains(consentable, purpose_name(purpose)), true) THEN 'UNKNOWN_PURPOSE'
        WHEN _duplicate THEN 'DUPLICATE_KEY'
    END AS invalid_reason,
    CASE WHEN invalid_reason IS NOT NULL
        THEN to_json(struct_update(_raw, {{consents_record_timestamps}}))
    END AS record
FROM counted;

-- @step write quarantine
-- §4 quarantine: one row per invalid input row: run_id, source_table, reason, record (the raw row as JSON).
COPY (
    SELECT run_policy.run_id, q.source_table, q.reason, q.record
    FROM (
        SELECT 'tracks' AS source_table, invalid_reason AS reason, record FROM tracks_checked
        WHERE invalid_reason IS NOT NULL
        UNION ALL
        SELECT 'licenses', invalid_reason, record FROM licenses_checked WHERE invalid_reason IS NOT NULL
        UNION ALL
        SELECT 'consents', invalid_reason, record FROM consents_checked WHERE invalid_reason IS NOT NULL
    ) AS q CROSS JOIN run_policy
) TO '{{out}}/quarantine/part-0.parquet' (FORMAT parquet);

-- @step quarantine limit
-- §4.1, decisions.md 12: the tables with more than max_fraction invalid rows (strictly more; an empty table never).
-- run.mjs stops with exit 4 when there is one: the quarantine is written, nothing else is.
CREATE TEMP TABLE quarantine_limit_exceeded AS
SELECT source_table, invalid, total
FROM (
    SELECT 'tracks' AS source_table, count(invalid_reason) AS invalid, count(*) AS total FROM tracks_checked
    UNION ALL
    SELECT 'licenses', count(invalid_reason), count(*) FROM licenses_checked
    UNION ALL
    SELECT 'consents', count(invalid_reason), count(*) FROM consents_checked
)
WHERE total > 0 AND invalid / total > {{max_fraction}};

-- @step resolve
-- §3.2 consent of user u for purpose p: among u's valid events whose purpose is p or '*' and whose event_ts <= as_of,
-- the latest by event_ts; on a tie OPT_OUT beats OPT_IN, then the smallest event_id (binary order, decisions.md 14).
-- Events for ignored purposes match no policy purpose; events after as_of are filtered out. No row = NONE.
CREATE TEMP TABLE consent_resolved AS
WITH candidates AS (
    SELECT c.user_id, p.purpose, c.event_id, enum_value(c.action) AS action, c.event_ts
    FROM consents_checked AS c
    CROSS JOIN run_policy
    JOIN policy_purposes AS p ON purpose_name(c.purpose) IN (p.purpose, '*')
    WHERE c.invalid_reason IS NULL AND c.event_ts <= run_policy.as_of
)
SELECT user_id, purpose, event_id AS consent_event_id, action AS consent_state
FROM candidates
QUALIFY row_number() OVER (
    PARTITION BY user_id, purpose
    ORDER BY event_ts DESC, CASE action WHEN 'OPT_OUT' THEN 0 ELSE 1 END, event_id) = 1;

-- @step resolve
-- §3.2, once per valid track, everything the rules look at: licenses in force, the invalid-record flags, the
-- matched no-AI tag and the effective DMI value.
CREATE TEMP TABLE track_facts AS
WITH valid_tracks AS (
    SELECT * EXCLUDE (invalid_reason, record) FROM tracks_checked WHERE invalid_reason IS NULL
),
-- §3.1 effect: a track with an invalid license row (referenced by a non-blank track_id, exactly as written).
license_invalid AS (
    SELECT DISTINCT track_id FROM licenses_checked WHERE invalid_reason IS NOT NULL AND NOT is_blank(track_id)
),
-- §3.2 licenses in force at as_of: valid rows with valid_from null or <= as_of, and valid_to null or > as_of.
-- license_ids sorted; licensor_types normalised, sorted, distinct; prohibited purposes normalised, nulls ignored.
licenses_in_force AS (
    SELECT l.track_id,
        list_sort(list(l.license_id)) AS license_ids,
        list_sort(list_distinct(list(enum_value(l.licensor_type)))) AS licensor_types,
        list_distinct(flatten(list(coalesce(
            list_transform(list_filter(l.prohibited_purposes, p -> p IS NOT NULL), p -> purpose_name(p)),
            [])))) AS prohibited
    FROM licenses_checked AS l CROSS JOIN run_policy
    WHERE l.invalid_reason IS NULL
      AND (l.valid_from IS NULL OR l.valid_from <= run_policy.as_of)
      AND (l.valid_to IS NULL OR run_policy.as_of < l.valid_to)
    GROUP BY l.track_id
),
-- §3.1 effect: an uploader with an invalid consent row (a non-blank user_id, exactly as written).
consent_invalid AS (
    SELECT DISTINCT user_id FROM consents_checked WHERE invalid_reason IS NOT NULL AND NOT is_blank(user_id)
)
SELECT
    t.track_id, t.uploader_id, t.title, t.genre, t.duration_ms, t.audio_uri, t.embedded_dmi,
    enum_value(t.state) AS state_value,
    -- §4: the first tag in array order that matches no_ai_tags, as written; null elements never match.
    list_filter(t.tags, tag -> tag IS NOT NULL AND list_contains(run_policy.no_ai_tags, tag_key(tag)))[1]
        AS matched_no_ai_tag,
    effective_dmi(t.embedded_dmi) AS dmi_value,
    coalesce(f.license_ids, []) AS license_ids,
    coalesce(f.licensor_types, []) AS licensor_types,
    coalesce(f.prohibited, []) AS prohibited,
    li.track_id IS NOT NULL AS license_invalid,
    ci.user_id IS NOT NULL AS consent_invalid
FROM valid_tracks AS t
CROSS JOIN run_policy
LEFT JOIN licenses_in_force AS f ON f.track_id = t.track_id
LEFT JOIN license_invalid AS li ON li.track_id = t.track_id
LEFT JOIN consent_invalid AS ci ON ci.user_id = t.uploader_id;

-- @step decide (view)
-- §3.3 the decision for every (track, purpose): every reason that applies, in contract order; INCLUDED exactly when
-- none applies. An invalid track (§3.1) gets the single reason INVALID_TRACK_RECORD and null evidence
-- (decisions.md 4). A view rather than a table: the ledger write computes every pair once, each curated write only
-- its purpose's pairs (the purpose filter reaches the cross join), and 4 x N rows never sit in memory.
CREATE TEMP VIEW decisions AS
WITH pairs AS (
    SELECT f.*, p.*,
        coalesce(c.consent_state, 'NONE') AS consent_state,
        c.consent_event_id
    FROM track_facts AS f
    CROSS JOIN policy_purposes AS p
    LEFT JOIN consent_resolved AS c ON c.user_id = f.uploader_id AND c.purpose = p.purpose
),
reasoned AS (
    SELECT *,
        list_filter([
            CASE WHEN NOT list_contains(eligible_states, state_value) THEN 'STATE_NOT_ELIGIBLE' END,
            CASE WHEN license_invalid THEN 'LICENSE_RECORD_INVALID' END,
            CASE WHEN requires_valid_license AND len(license_ids) = 0 THEN 'NO_VALID_LICENSE' END,
            CASE WHEN list_has_any(licensor_types, excluded_licensor_types) THEN 'LICENSOR_EXCLUDED' END,
            CASE WHEN list_contains(prohibited, purpose) OR list_contains(prohibited, '*')
                THEN 'LICENSE_PROHIBITS_PURPOSE' END,
            CASE WHEN honor_no_ai_tag AND matched_no_ai_tag IS NOT NULL THEN 'NO_AI_TAG' END,
            CASE WHEN list_contains(reserved_by_dmi, dmi_value) THEN 'EMBEDDED_RESERVATION' END,
            CASE WHEN consent <> 'not_required' AND consent_invalid THEN 'CONSENT_RECORD_INVALID' END,
            CASE WHEN consent IN ('opt_in', 'opt_out') AND consent_state = 'OPT_OUT' THEN 'CONSENT_OPTED_OUT' END,
            CASE WHEN consent = 'opt_in' AND consent_state = 'NONE' THEN 'CONSENT_NOT_GIVEN' END
        ], reason -> reason IS NOT NULL) AS reasons
    FROM pairs
),
invalid_tracks AS (
    SELECT DISTINCT track_id FROM tracks_checked WHERE invalid_reason IS NOT NULL AND NOT is_blank(track_id)
)
SELECT
    track_id, purpose, CASE WHEN len(reasons) = 0 THEN 'INCLUDED' ELSE 'EXCLUDED' END AS decision, reasons,
    uploader_id, consent_state, consent_event_id, license_ids, licensor_types, matched_no_ai_tag, embedded_dmi,
    title, genre, duration_ms, audio_uri
FROM reasoned
UNION ALL
SELECT
    i.track_id, p.purpose, 'EXCLUDED', ['INVALID_TRACK_RECORD'],
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL
FROM invalid_tracks AS i CROSS JOIN policy_purposes AS p;

-- @step write ledger
-- §4 lineage/decisions of a first run: a row for every pair, with the run's id, as_of and policy.
COPY (
    SELECT run_policy.run_id, run_policy.as_of, d.track_id, d.purpose, d.decision, d.reasons, d.uploader_id,
        d.consent_state, d.consent_event_id, d.license_ids, d.licensor_types, d.matched_no_ai_tag, d.embedded_dmi,
        run_policy.policy_version, run_policy.policy_sha256
    FROM decisions AS d CROSS JOIN run_policy
) TO '{{out}}/lineage/decisions/part-0.parquet' (FORMAT parquet);

-- @step write curated (per purpose)
-- §4 curated/<purpose>: exactly the INCLUDED tracks of the purpose.
COPY (
    SELECT d.track_id, d.uploader_id, d.title, d.genre, d.duration_ms, d.audio_uri, d.license_ids, d.licensor_types,
        d.consent_state, d.consent_event_id, run_policy.policy_version, run_policy.run_id, run_policy.as_of
    FROM decisions AS d CROSS JOIN run_policy
    WHERE d.purpose = '{{purpose}}' AND d.decision = 'INCLUDED'
) TO '{{out}}/curated/{{purpose}}/part-0.parquet' (FORMAT parquet);
