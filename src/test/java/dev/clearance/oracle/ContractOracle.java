package dev.clearance.oracle;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Independent, plain-Java reference implementation of the Clearance contract (../shared/SPEC.md v2, docs/contract.md:
 * validation, resolution and decisions, and what a sequence of runs publishes: the ledger rows of each run,
 * lineage/current, the curated tables and the quarantine). It is written from the contract only, never from the
 * Spark code, as plain loops, for use as the oracle of the differential test. The §3.4 signal columns are not
 * modelled yet (the job does not read them yet either).
 *
 * <p>Choices made where the contract is silent (all deliberate, change them only together with the test):
 * <ol>
 *   <li>Whitespace: a char c is whitespace when {@code Character.isWhitespace(c) || Character.isSpaceChar(c)}.
 *       "trim" strips such chars from both ends; "blank" = null or only such chars.</li>
 *   <li>Case mapping uses {@code Locale.ROOT}.</li>
 *   <li>Purpose-name normalisation: trim, lower-case, then every '-' and every ASCII space ' ' becomes '_'
 *       (other inner whitespace such as a tab or U+00A0 is kept as is, so the name will not match).</li>
 *   <li>References are joined exactly as written, like keys: a license's track_id must equal a track's
 *       track_id, and a consent's user_id must equal a track's uploader_id, character for character
 *       (" t1" and "t1" are different tracks).</li>
 *   <li>Null enum values (state, licensor_type, action) are UNKNOWN_ENUM. A null consent purpose, and a
 *       blank one, are UNKNOWN_PURPOSE. A blank (non-null) element of prohibited_purposes is UNKNOWN_PURPOSE
 *       (it normalises to "", which is neither '*' nor a policy purpose); null elements are ignored.</li>
 *   <li>Ignored consent purposes are not acceptable in a license's prohibited_purposes (the contract allows
 *       only '*' or a policy purpose there) -> UNKNOWN_PURPOSE.</li>
 *   <li>Tracks and licenses have no required timestamp, so NULL_TIMESTAMP only applies to consents
 *       (event_ts); BAD_INTERVAL only applies to licenses with both valid_from and valid_to non-null.</li>
 *   <li>DUPLICATE_KEY: a row's key (exactly as written) occurs in 2+ rows of the table, counting every row,
 *       also rows that are invalid for another reason. Null keys are never duplicates (they are BLANK_KEY
 *       first anyway).</li>
 *   <li>An invalid license row with a non-blank track_id poisons the track whose track_id equals it exactly
 *       (whatever the reason the license row is invalid, including BLANK_KEY and DUPLICATE_KEY).
 *       An invalid consent row with a non-blank user_id poisons every track whose uploader_id equals it
 *       exactly, for the purposes whose consent mode is not not_required.</li>
 *   <li>A track_id that occurs in 2+ rows yields one decision (per purpose), INVALID_TRACK_RECORD.</li>
 *   <li>DMI: a blank or null raw value is "none". Otherwise take the text after the last '/' (the whole
 *       value if there is no '/'), trim it and upper-case it; if the result is not one of the nine known
 *       values (including when it is empty, e.g. a raw value ending in '/') it counts as DMI-PROHIBITED
 *       (fail closed).</li>
 *   <li>No-AI tag: lower-case the tag (Locale.ROOT), drop every char outside a-z0-9, and compare with
 *       noAiTags. A tag that normalises to "" only matches if "" is in noAiTags. matchedNoAiTag is reported
 *       for every purpose of a valid track, whether or not the purpose honours it.</li>
 *   <li>Consent: an event counts for purpose p when its normalised purpose equals p or is '*'. If a name were
 *       both a policy purpose and an ignored one, the event counts for p (fail closed: an opt-out for a
 *       purpose we use is honoured). consentEventId is the event_id of the resolved event, null for NONE.</li>
 *   <li>license_ids: ids of the in-force licenses as written, sorted by String.compareTo (they are distinct,
 *       because duplicated ids are invalid). licensor_types: normalised, distinct, sorted by String.compareTo.</li>
 *   <li>Output order: decisions sorted by track_id (String.compareTo), then by purpose in policy order.
 *       Quarantine: all tracks rows in input order, then licenses, then consents.</li>
 *   <li>A purpose's consent mode is compared after trimming and lower-casing; a mode other than opt_in /
 *       opt_out / not_required is treated like opt_in (fail closed). This cannot happen with a policy that
 *       passed validation.</li>
 *   <li>uploader_id and embedded_dmi are recorded as written in the track row (embedded_dmi "as read": not
 *       trimmed, not upper-cased), null for an invalid track.</li>
 *   <li>The ledger (v2 §4): a run writes a row for a pair that is not in the previous run's current, and for a
 *       pair whose decision, reasons or any evidence column (uploader_id, consent_state, consent_event_id,
 *       license_ids, licensor_types, matched_no_ai_tag, embedded_dmi) differs from its row there, compared with
 *       {@code Objects.equals} (lists element by element). The stamp (run_id, as_of, policy_version,
 *       policy_sha256) is never compared, so a new policy alone writes nothing. An unchanged pair keeps its
 *       previous row in current as it was, stamp included; a changed or new pair gets this run's row.</li>
 *   <li>A pair of the previous current with no decision in this run gets a REMOVED row: track_id, purpose and
 *       uploader_id of its previous row, every other evidence column null, this run's stamp, and the reason
 *       PURPOSE_NOT_IN_POLICY when its purpose is not in this run's policy (even if the track is gone too),
 *       otherwise TRACK_NOT_IN_CATALOG. It is not in the new current.</li>
 *   <li>Curated: for every purpose of the policy, one row per INCLUDED track with the track row's descriptive
 *       columns and the decision's evidence. Its stamp (policy_version, run_id, as_of) is that of the run that
 *       last wrote it (v2 §4, §8): the previous run's row as it was when every other column equals this run's,
 *       otherwise this run's stamp. A purpose of the previous run that is not in this policy has an empty table
 *       (kept, so that pinned versions stay readable).</li>
 *   <li>A quarantine entry names its input row by its position in its table, so that the test can compare the
 *       whole raw row the job recorded.</li>
 * </ol>
 */
public final class ContractOracle {

    private ContractOracle() {}

    public record Track(String trackId, String uploaderId, String title, String genre, Long durationMs,
            String audioUri, List<String> tags, String state, String embeddedDmi, Instant uploadedAt) {}

    public record License(String licenseId, String trackId, String licensorType, String licensorName,
            List<String> prohibitedPurposes, Instant validFrom, Instant validTo) {}

    public record Consent(String eventId, String userId, String purpose, String action, Instant eventTs, String source) {}

    /** consent is "opt_in" | "opt_out" | "not_required"; states / licensor types / DMI values already upper-case. */
    public record PurposeRule(String name, String consent, Set<String> eligibleStates, boolean requiresValidLicense,
            Set<String> excludedLicensorTypes, boolean honorNoAiTag, Set<String> reservedByDmi) {}

    /** Names already normalised per the contract; noAiTags already lower-case a-z0-9 only. */
    public record Policy(List<String> noAiTags, List<String> ignoredConsentPurposes, List<PurposeRule> purposes) {}

    public record Decision(String trackId, String purpose, String decision /* INCLUDED|EXCLUDED */, List<String> reasons,
            String uploaderId /* as written; null for an invalid track */,
            String consentState /* NONE|OPT_IN|OPT_OUT, null for an invalid track */, String consentEventId,
            List<String> licenseIds /* sorted; empty list if none in force; null for invalid track */,
            List<String> licensorTypes /* sorted distinct, normalised upper-case; same null rule */,
            String matchedNoAiTag /* first tag in array order that matches, as written; null if none or invalid */,
            String embeddedDmi /* as written; null for an invalid track */) {}

    /**
     * One per invalid input row. table is "tracks"|"licenses"|"consents"; key is the row's own key as written (may
     * be null); row is the position of the row in its input table, from 0.
     */
    public record QuarantineEntry(String table, String reason, String key, int row) {}

    public record Result(List<Decision> decisions, List<QuarantineEntry> quarantine) {}

    /** Who wrote a row: the run's id and as_of, and its policy's version and SHA-256. */
    public record Stamp(String runId, Instant asOf, String policyVersion, String policySha256) {}

    /** A row of lineage/decisions or lineage/current, in the ledger's column order. */
    public record LedgerRow(String runId, Instant asOf, String trackId, String purpose, String decision,
            List<String> reasons, String uploaderId, String consentState, String consentEventId,
            List<String> licenseIds, List<String> licensorTypes, String matchedNoAiTag, String embeddedDmi,
            String policyVersion, String policySha256) {}

    /** A row of curated/&lt;purpose&gt;, in the table's column order. */
    public record CuratedRow(String trackId, String uploaderId, String title, String genre, Long durationMs,
            String audioUri, List<String> licenseIds, List<String> licensorTypes, String consentState,
            String consentEventId, String policyVersion, String runId, Instant asOf) {
        /** The row without its stamp (policy_version, run_id, as_of): what decides whether a run rewrites it. */
        CuratedRow unstamped() {
            return new CuratedRow(trackId, uploaderId, title, genre, durationMs, audioUri, licenseIds, licensorTypes,
                    consentState, consentEventId, null, null, null);
        }
    }

    /**
     * What a run publishes: the ledger rows it appends, the new lineage/current (sorted by track, then purpose),
     * every curated table by purpose (policy order, then purposes that left) and its quarantine entries.
     */
    public record Published(List<LedgerRow> ledgerRows, List<LedgerRow> current,
            Map<String, List<CuratedRow>> curated, List<QuarantineEntry> quarantine) {}

    // ---------------------------------------------------------------- constants

    public static final List<String> TRACK_STATES = List.of("ACTIVE", "PRIVATE", "TAKEN_DOWN", "DELETED");
    public static final List<String> LICENSOR_TYPES = List.of(
            "SELF", "MAJOR_LABEL", "INDEPENDENT_LABEL", "DISTRIBUTOR", "CREATIVE_COMMONS", "PUBLIC_DOMAIN");
    public static final List<String> ACTIONS = List.of("OPT_IN", "OPT_OUT");
    public static final List<String> KNOWN_DMI = List.of(
            "DMI-UNSPECIFIED", "DMI-ALLOWED", "DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-GENAIMLTRAINING",
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "DMI-PROHIBITED", "DMI-PROHIBITED-SEECONSTRAINT",
            "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR");

    // quarantine reason codes, in the order they are checked
    public static final String BLANK_KEY = "BLANK_KEY";
    public static final String BLANK_REFERENCE = "BLANK_REFERENCE";
    public static final String UNKNOWN_ENUM = "UNKNOWN_ENUM";
    public static final String NULL_TIMESTAMP = "NULL_TIMESTAMP";
    public static final String BAD_INTERVAL = "BAD_INTERVAL";
    public static final String UNKNOWN_PURPOSE = "UNKNOWN_PURPOSE";
    public static final String DUPLICATE_KEY = "DUPLICATE_KEY";

    // decision reasons, in the contract's order
    public static final String INVALID_TRACK_RECORD = "INVALID_TRACK_RECORD";
    public static final String STATE_NOT_ELIGIBLE = "STATE_NOT_ELIGIBLE";
    public static final String LICENSE_RECORD_INVALID = "LICENSE_RECORD_INVALID";
    public static final String NO_VALID_LICENSE = "NO_VALID_LICENSE";
    public static final String LICENSOR_EXCLUDED = "LICENSOR_EXCLUDED";
    public static final String LICENSE_PROHIBITS_PURPOSE = "LICENSE_PROHIBITS_PURPOSE";
    public static final String NO_AI_TAG = "NO_AI_TAG";
    public static final String EMBEDDED_RESERVATION = "EMBEDDED_RESERVATION";
    public static final String CONSENT_RECORD_INVALID = "CONSENT_RECORD_INVALID";
    public static final String CONSENT_OPTED_OUT = "CONSENT_OPTED_OUT";
    public static final String CONSENT_NOT_GIVEN = "CONSENT_NOT_GIVEN";
    public static final String TRACK_NOT_IN_CATALOG = "TRACK_NOT_IN_CATALOG";
    public static final String PURPOSE_NOT_IN_POLICY = "PURPOSE_NOT_IN_POLICY";
    public static final String REMOVED = "REMOVED";

    // ---------------------------------------------------------------- string helpers

    static boolean isWs(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Strips whitespace (see {@link #isWs}) from both ends; null stays null. */
    public static String trim(String s) {
        if (s == null) {
            return null;
        }
        int start = 0;
        int end = s.length();
        while (start < end && isWs(s.charAt(start))) {
            start++;
        }
        while (end > start && isWs(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    public static boolean isBlank(String s) {
        return s == null || trim(s).isEmpty();
    }

    /** Enum normalisation: trim + upper-case; null stays null. */
    public static String normEnum(String s) {
        return s == null ? null : trim(s).toUpperCase(Locale.ROOT);
    }

    /** Purpose-name normalisation: trim, lower-case, '-' and ' ' become '_'; null stays null. */
    public static String normPurpose(String s) {
        if (s == null) {
            return null;
        }
        String t = trim(s).toLowerCase(Locale.ROOT);
        return t.replace('-', '_').replace(' ', '_');
    }

    /** No-AI tag normalisation: lower-case, then keep only a-z and 0-9. */
    public static String normTag(String tag) {
        String lower = tag.toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Effective DMI value: null for "none", otherwise one of the nine known values (unknown -> DMI-PROHIBITED). */
    public static String effectiveDmi(String raw) {
        if (isBlank(raw)) {
            return null;
        }
        int slash = raw.lastIndexOf('/');
        String v = trim(raw.substring(slash + 1)).toUpperCase(Locale.ROOT);
        if (!KNOWN_DMI.contains(v)) {
            return "DMI-PROHIBITED";
        }
        // "DMI-UNSPECIFIED and DMI-ALLOWED reserve nothing", even where a policy lists them.
        if (v.equals("DMI-UNSPECIFIED") || v.equals("DMI-ALLOWED")) {
            return null;
        }
        return v;
    }

    // ---------------------------------------------------------------- validation

    /** Null-safe membership test (null is never one of the values). */
    static boolean isOneOf(String value, List<String> values) {
        return value != null && values.contains(value);
    }

    static Map<String, Integer> keyCounts(List<String> keys) {
        Map<String, Integer> counts = new HashMap<>();
        for (String k : keys) {
            if (k != null) {
                counts.put(k, counts.getOrDefault(k, 0) + 1);
            }
        }
        return counts;
    }

    /** The first failing quarantine code of a tracks row, or null if the row is valid. */
    static String trackProblem(Track t, Map<String, Integer> idCounts) {
        if (isBlank(t.trackId())) {
            return BLANK_KEY;
        }
        if (isBlank(t.uploaderId())) {
            return BLANK_REFERENCE;
        }
        if (!isOneOf(normEnum(t.state()), TRACK_STATES)) {
            return UNKNOWN_ENUM;
        }
        if (idCounts.get(t.trackId()) > 1) {
            return DUPLICATE_KEY;
        }
        return null;
    }

    static String licenseProblem(License l, Map<String, Integer> idCounts, Set<String> policyPurposes) {
        if (isBlank(l.licenseId())) {
            return BLANK_KEY;
        }
        if (isBlank(l.trackId())) {
            return BLANK_REFERENCE;
        }
        if (!isOneOf(normEnum(l.licensorType()), LICENSOR_TYPES)) {
            return UNKNOWN_ENUM;
        }
        if (l.validFrom() != null && l.validTo() != null && !l.validTo().isAfter(l.validFrom())) {
            return BAD_INTERVAL;
        }
        if (l.prohibitedPurposes() != null) {
            for (String raw : l.prohibitedPurposes()) {
                if (raw == null) {
                    continue;
                }
                String p = normPurpose(raw);
                if (!p.equals("*") && !policyPurposes.contains(p)) {
                    return UNKNOWN_PURPOSE;
                }
            }
        }
        if (idCounts.get(l.licenseId()) > 1) {
            return DUPLICATE_KEY;
        }
        return null;
    }

    static String consentProblem(Consent c, Map<String, Integer> idCounts, Set<String> policyPurposes,
            Set<String> ignoredPurposes) {
        if (isBlank(c.eventId())) {
            return BLANK_KEY;
        }
        if (isBlank(c.userId())) {
            return BLANK_REFERENCE;
        }
        if (!isOneOf(normEnum(c.action()), ACTIONS)) {
            return UNKNOWN_ENUM;
        }
        if (c.eventTs() == null) {
            return NULL_TIMESTAMP;
        }
        String p = normPurpose(c.purpose());
        if (p == null || !(p.equals("*") || policyPurposes.contains(p) || ignoredPurposes.contains(p))) {
            return UNKNOWN_PURPOSE;
        }
        if (idCounts.get(c.eventId()) > 1) {
            return DUPLICATE_KEY;
        }
        return null;
    }

    // ---------------------------------------------------------------- evaluation

    public static Result evaluate(Policy policy, List<Track> tracks, List<License> licenses, List<Consent> consents,
            Instant asOf) {
        Set<String> policyPurposes = new HashSet<>();
        for (PurposeRule r : policy.purposes()) {
            policyPurposes.add(normPurpose(r.name()));
        }
        Set<String> ignoredPurposes = new HashSet<>();
        if (policy.ignoredConsentPurposes() != null) {
            for (String s : policy.ignoredConsentPurposes()) {
                ignoredPurposes.add(normPurpose(s));
            }
        }
        Set<String> noAiTags = new HashSet<>();
        if (policy.noAiTags() != null) {
            noAiTags.addAll(policy.noAiTags());
        }

        List<QuarantineEntry> quarantine = new ArrayList<>();

        // ---- tracks
        List<String> trackIds = new ArrayList<>();
        for (Track t : tracks) {
            trackIds.add(t.trackId());
        }
        Map<String, Integer> trackIdCounts = keyCounts(trackIds);
        Map<String, Track> validTracks = new HashMap<>();   // track_id -> the single valid row
        Set<String> invalidTrackIds = new HashSet<>();      // non-blank track_ids with an invalid row
        for (int i = 0; i < tracks.size(); i++) {
            Track t = tracks.get(i);
            String problem = trackProblem(t, trackIdCounts);
            if (problem != null) {
                quarantine.add(new QuarantineEntry("tracks", problem, t.trackId(), i));
                if (!isBlank(t.trackId())) {
                    invalidTrackIds.add(t.trackId());
                }
            } else {
                validTracks.put(t.trackId(), t);
            }
        }

        // ---- licenses
        List<String> licenseIds = new ArrayList<>();
        for (License l : licenses) {
            licenseIds.add(l.licenseId());
        }
        Map<String, Integer> licenseIdCounts = keyCounts(licenseIds);
        List<License> validLicenses = new ArrayList<>();
        Set<String> tracksWithInvalidLicense = new HashSet<>();
        for (int i = 0; i < licenses.size(); i++) {
            License l = licenses.get(i);
            String problem = licenseProblem(l, licenseIdCounts, policyPurposes);
            if (problem != null) {
                quarantine.add(new QuarantineEntry("licenses", problem, l.licenseId(), i));
                if (!isBlank(l.trackId())) {
                    tracksWithInvalidLicense.add(l.trackId());
                }
            } else {
                validLicenses.add(l);
            }
        }

        // ---- consents
        List<String> eventIds = new ArrayList<>();
        for (Consent c : consents) {
            eventIds.add(c.eventId());
        }
        Map<String, Integer> eventIdCounts = keyCounts(eventIds);
        List<Consent> validConsents = new ArrayList<>();
        Set<String> usersWithInvalidConsent = new HashSet<>();
        for (int i = 0; i < consents.size(); i++) {
            Consent c = consents.get(i);
            String problem = consentProblem(c, eventIdCounts, policyPurposes, ignoredPurposes);
            if (problem != null) {
                quarantine.add(new QuarantineEntry("consents", problem, c.eventId(), i));
                if (!isBlank(c.userId())) {
                    usersWithInvalidConsent.add(c.userId());
                }
            } else {
                validConsents.add(c);
            }
        }

        // ---- decisions, for every distinct non-blank track_id, sorted
        TreeSet<String> allTrackIds = new TreeSet<>();
        allTrackIds.addAll(validTracks.keySet());
        allTrackIds.addAll(invalidTrackIds);

        List<Decision> decisions = new ArrayList<>();
        for (String trackId : allTrackIds) {
            Track t = validTracks.get(trackId);
            if (t == null) {
                for (PurposeRule rule : policy.purposes()) {
                    decisions.add(new Decision(trackId, rule.name(), "EXCLUDED", List.of(INVALID_TRACK_RECORD),
                            null, null, null, null, null, null, null));
                }
                continue;
            }

            // licenses in force
            List<License> inForce = new ArrayList<>();
            for (License l : validLicenses) {
                if (!l.trackId().equals(trackId)) {
                    continue;
                }
                boolean started = l.validFrom() == null || !l.validFrom().isAfter(asOf);
                boolean notEnded = l.validTo() == null || asOf.isBefore(l.validTo());
                if (started && notEnded) {
                    inForce.add(l);
                }
            }
            List<String> inForceIds = new ArrayList<>();
            TreeSet<String> inForceTypes = new TreeSet<>();
            for (License l : inForce) {
                inForceIds.add(l.licenseId());
                inForceTypes.add(normEnum(l.licensorType()));
            }
            Collections.sort(inForceIds);

            // no-AI tag
            String matchedTag = null;
            if (t.tags() != null) {
                for (String tag : t.tags()) {
                    if (tag != null && noAiTags.contains(normTag(tag))) {
                        matchedTag = tag;
                        break;
                    }
                }
            }

            String dmi = effectiveDmi(t.embeddedDmi());
            String state = normEnum(t.state());
            boolean licenseInvalid = tracksWithInvalidLicense.contains(trackId);
            boolean consentInvalid = usersWithInvalidConsent.contains(t.uploaderId());

            for (PurposeRule rule : policy.purposes()) {
                String p = normPurpose(rule.name());
                String mode = rule.consent() == null ? "" : trim(rule.consent()).toLowerCase(Locale.ROOT);
                boolean notRequired = mode.equals("not_required");
                boolean optOutMode = mode.equals("opt_out");
                boolean optInMode = !notRequired && !optOutMode;

                // consent resolution
                Consent best = null;
                for (Consent c : validConsents) {
                    if (!c.userId().equals(t.uploaderId())) {
                        continue;
                    }
                    String cp = normPurpose(c.purpose());
                    if (!(cp.equals(p) || cp.equals("*"))) {
                        continue;
                    }
                    if (c.eventTs().isAfter(asOf)) {
                        continue;
                    }
                    if (best == null || beats(c, best)) {
                        best = c;
                    }
                }
                String consentState = best == null ? "NONE" : normEnum(best.action());
                String consentEventId = best == null ? null : best.eventId();

                List<String> reasons = new ArrayList<>();
                if (!rule.eligibleStates().contains(state)) {
                    reasons.add(STATE_NOT_ELIGIBLE);
                }
                if (licenseInvalid) {
                    reasons.add(LICENSE_RECORD_INVALID);
                }
                if (rule.requiresValidLicense() && inForce.isEmpty()) {
                    reasons.add(NO_VALID_LICENSE);
                }
                boolean excluded = false;
                for (String type : inForceTypes) {
                    if (rule.excludedLicensorTypes().contains(type)) {
                        excluded = true;
                    }
                }
                if (excluded) {
                    reasons.add(LICENSOR_EXCLUDED);
                }
                boolean prohibits = false;
                for (License l : inForce) {
                    if (l.prohibitedPurposes() == null) {
                        continue;
                    }
                    for (String raw : l.prohibitedPurposes()) {
                        if (raw == null) {
                            continue;
                        }
                        String pp = normPurpose(raw);
                        if (pp.equals(p) || pp.equals("*")) {
                            prohibits = true;
                        }
                    }
                }
                if (prohibits) {
                    reasons.add(LICENSE_PROHIBITS_PURPOSE);
                }
                if (rule.honorNoAiTag() && matchedTag != null) {
                    reasons.add(NO_AI_TAG);
                }
                if (dmi != null && rule.reservedByDmi().contains(dmi)) {
                    reasons.add(EMBEDDED_RESERVATION);
                }
                if (!notRequired && consentInvalid) {
                    reasons.add(CONSENT_RECORD_INVALID);
                }
                if ((optInMode || optOutMode) && consentState.equals("OPT_OUT")) {
                    reasons.add(CONSENT_OPTED_OUT);
                }
                if (optInMode && consentState.equals("NONE")) {
                    reasons.add(CONSENT_NOT_GIVEN);
                }

                decisions.add(new Decision(trackId, rule.name(), reasons.isEmpty() ? "INCLUDED" : "EXCLUDED",
                        List.copyOf(reasons), t.uploaderId(), consentState, consentEventId, List.copyOf(inForceIds),
                        List.copyOf(inForceTypes), matchedTag, t.embeddedDmi()));
            }
        }
        return new Result(decisions, quarantine);
    }

    /** True when consent event a wins over b: later event_ts; on a tie OPT_OUT over OPT_IN, then smaller event_id. */
    static boolean beats(Consent a, Consent b) {
        int byTs = a.eventTs().compareTo(b.eventTs());
        if (byTs != 0) {
            return byTs > 0;
        }
        boolean aOut = normEnum(a.action()).equals("OPT_OUT");
        boolean bOut = normEnum(b.action()).equals("OPT_OUT");
        if (aOut != bOut) {
            return aOut;
        }
        return a.eventId().compareTo(b.eventId()) < 0;
    }

    // ---------------------------------------------------------------- a sequence of runs (v2 §4)

    /**
     * What a run publishes, given what the previous successful run published ({@code previous}, null on the first
     * run) and this run's inputs, policy and stamp.
     */
    public static Published run(Published previous, Policy policy, Stamp stamp, List<Track> tracks,
            List<License> licenses, List<Consent> consents) {
        Result result = evaluate(policy, tracks, licenses, consents, stamp.asOf());
        Set<String> policyPurposes = new HashSet<>();
        for (PurposeRule r : policy.purposes()) {
            policyPurposes.add(normPurpose(r.name()));
        }
        Map<List<String>, LedgerRow> before = new LinkedHashMap<>();
        if (previous != null) {
            for (LedgerRow row : previous.current()) {
                before.put(List.of(row.trackId(), row.purpose()), row);
            }
        }

        List<LedgerRow> appended = new ArrayList<>();
        List<LedgerRow> current = new ArrayList<>();
        Set<List<String>> decided = new HashSet<>();
        for (Decision d : result.decisions()) {
            List<String> key = List.of(d.trackId(), d.purpose());
            decided.add(key);
            LedgerRow now = new LedgerRow(stamp.runId(), stamp.asOf(), d.trackId(), d.purpose(), d.decision(),
                    d.reasons(), d.uploaderId(), d.consentState(), d.consentEventId(), d.licenseIds(),
                    d.licensorTypes(), d.matchedNoAiTag(), d.embeddedDmi(), stamp.policyVersion(),
                    stamp.policySha256());
            LedgerRow was = before.get(key);
            if (was != null && sameStateAndEvidence(was, now)) {
                current.add(was);
            } else {
                appended.add(now);
                current.add(now);
            }
        }
        for (Map.Entry<List<String>, LedgerRow> e : before.entrySet()) {
            if (decided.contains(e.getKey())) {
                continue;
            }
            LedgerRow was = e.getValue();
            String reason = policyPurposes.contains(was.purpose()) ? TRACK_NOT_IN_CATALOG : PURPOSE_NOT_IN_POLICY;
            appended.add(new LedgerRow(stamp.runId(), stamp.asOf(), was.trackId(), was.purpose(), REMOVED,
                    List.of(reason), was.uploaderId(), null, null, null, null, null, null, stamp.policyVersion(),
                    stamp.policySha256()));
        }

        Map<String, Track> validTracks = new HashMap<>();
        Map<String, Integer> idCounts = new HashMap<>();
        for (Track t : tracks) {
            if (t.trackId() != null) {
                idCounts.merge(t.trackId(), 1, Integer::sum);
                validTracks.put(t.trackId(), t);
            }
        }
        Map<String, Map<String, CuratedRow>> previousCurated = new HashMap<>();
        if (previous != null) {
            previous.curated().forEach((purpose, rows) -> rows.forEach(row -> previousCurated
                    .computeIfAbsent(purpose, p -> new HashMap<>()).put(row.trackId(), row)));
        }
        Map<String, List<CuratedRow>> curated = new LinkedHashMap<>();
        for (PurposeRule rule : policy.purposes()) {
            curated.put(rule.name(), new ArrayList<>());
        }
        for (Decision d : result.decisions()) {
            if (!d.decision().equals("INCLUDED")) {
                continue;
            }
            // An INCLUDED track is valid, so its track_id is on exactly one row.
            if (idCounts.get(d.trackId()) != 1) {
                throw new IllegalStateException("INCLUDED track " + d.trackId() + " is not on exactly one row");
            }
            Track t = validTracks.get(d.trackId());
            CuratedRow now = new CuratedRow(t.trackId(), t.uploaderId(), t.title(), t.genre(),
                    t.durationMs(), t.audioUri(), d.licenseIds(), d.licensorTypes(), d.consentState(),
                    d.consentEventId(), stamp.policyVersion(), stamp.runId(), stamp.asOf());
            CuratedRow was = previousCurated.getOrDefault(d.purpose(), Map.of()).get(d.trackId());
            curated.get(d.purpose()).add(was != null && was.unstamped().equals(now.unstamped()) ? was : now);
        }
        if (previous != null) {
            for (String purpose : previous.curated().keySet()) {
                curated.putIfAbsent(purpose, List.of());
            }
        }
        return new Published(appended, current, curated, result.quarantine());
    }

    /** Decision, reasons and every evidence column equal; the stamp is not compared. */
    static boolean sameStateAndEvidence(LedgerRow a, LedgerRow b) {
        return a.decision().equals(b.decision()) && a.reasons().equals(b.reasons())
                && Objects.equals(a.uploaderId(), b.uploaderId())
                && Objects.equals(a.consentState(), b.consentState())
                && Objects.equals(a.consentEventId(), b.consentEventId())
                && Objects.equals(a.licenseIds(), b.licenseIds())
                && Objects.equals(a.licensorTypes(), b.licensorTypes())
                && Objects.equals(a.matchedNoAiTag(), b.matchedNoAiTag())
                && Objects.equals(a.embeddedDmi(), b.embeddedDmi());
    }

    /** The policy_sha256 of a policy file: SHA-256 of its bytes, lower-case hex (what sha256sum prints). */
    public static String sha256(String policyFile) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(policyFile.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
