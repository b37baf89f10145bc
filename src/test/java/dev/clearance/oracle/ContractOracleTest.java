package dev.clearance.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.clearance.oracle.ContractOracle.Consent;
import dev.clearance.oracle.ContractOracle.CuratedRow;
import dev.clearance.oracle.ContractOracle.Decision;
import dev.clearance.oracle.ContractOracle.LedgerRow;
import dev.clearance.oracle.ContractOracle.License;
import dev.clearance.oracle.ContractOracle.Policy;
import dev.clearance.oracle.ContractOracle.Published;
import dev.clearance.oracle.ContractOracle.PurposeRule;
import dev.clearance.oracle.ContractOracle.QuarantineEntry;
import dev.clearance.oracle.ContractOracle.Result;
import dev.clearance.oracle.ContractOracle.Stamp;
import dev.clearance.oracle.ContractOracle.Track;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hand-computed cases that check the oracle itself against the contract (no Spark). */
class ContractOracleTest {

    static final Instant AS_OF = Instant.parse("2026-06-01T00:00:00Z");
    static final Instant DAY_BEFORE = AS_OF.minus(Duration.ofDays(1));
    static final Instant DAY_AFTER = AS_OF.plus(Duration.ofDays(1));

    static final Set<String> ALL_DMI_PROHIBITED = Set.of("DMI-PROHIBITED", "DMI-PROHIBITED-AIMLTRAINING",
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "DMI-PROHIBITED-SEECONSTRAINT",
            "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR");

    /** The example policy of the contract (section 2). */
    static final Policy POLICY = new Policy(
            List.of("noai", "noaitraining", "donottrain"),
            List.of("marketing_email"),
            List.of(
                    new PurposeRule("recommendation", "opt_out", Set.of("ACTIVE"), true, Set.of(), false, ALL_DMI_PROHIBITED),
                    new PurposeRule("fraud_detection", "not_required", Set.of("ACTIVE", "PRIVATE", "TAKEN_DOWN", "DELETED"),
                            false, Set.of(), false, Set.of()),
                    new PurposeRule("generative_training", "opt_in", Set.of("ACTIVE"), true, Set.of("MAJOR_LABEL"), true,
                            union(ALL_DMI_PROHIBITED, Set.of("DMI-PROHIBITED-GENAIMLTRAINING")))));

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    // ------------------------------------------------------------------ builders

    static Track track(String id, String uploader, String state, List<String> tags, String dmi) {
        return new Track(id, uploader, "title", "pop", 1000L, "s3://x", tags, state, dmi, DAY_BEFORE);
    }

    static Track track(String id) {
        return track(id, "u1", "ACTIVE", null, null);
    }

    static License license(String id, String trackId, String type, List<String> prohibited, Instant from, Instant to) {
        return new License(id, trackId, type, "name", prohibited, from, to);
    }

    static License license(String id, String trackId) {
        return license(id, trackId, "SELF", null, null, null);
    }

    static Consent consent(String id, String user, String purpose, String action, Instant ts) {
        return new Consent(id, user, purpose, action, ts, "api");
    }

    static Consent optInAll() {
        return consent("e1", "u1", "*", "OPT_IN", DAY_BEFORE);
    }

    static Result run(List<Track> tracks, List<License> licenses, List<Consent> consents) {
        return ContractOracle.evaluate(POLICY, tracks, licenses, consents, AS_OF);
    }

    static Map<String, Decision> decisionsOf(Result r, String trackId) {
        Map<String, Decision> m = new HashMap<>();
        for (Decision d : r.decisions()) {
            if (d.trackId().equals(trackId)) {
                m.put(d.purpose(), d);
            }
        }
        return m;
    }

    static List<String> reasons(Result r, String trackId, String purpose) {
        Decision d = decisionsOf(r, trackId).get(purpose);
        assertThat(d).as("decision for %s/%s", trackId, purpose).isNotNull();
        return d.reasons();
    }

    static final String REC = "recommendation";
    static final String FRAUD = "fraud_detection";
    static final String GEN = "generative_training";

    // ------------------------------------------------------------------ baseline and each reason

    @Test
    void baselineIsIncludedEverywhere() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")), List.of(optInAll()));
        assertThat(r.quarantine()).isEmpty();
        assertThat(r.decisions()).hasSize(3);
        for (Decision d : r.decisions()) {
            assertThat(d.decision()).isEqualTo("INCLUDED");
            assertThat(d.reasons()).isEmpty();
            assertThat(d.consentState()).isEqualTo("OPT_IN");
            assertThat(d.consentEventId()).isEqualTo("e1");
            assertThat(d.licenseIds()).containsExactly("L1");
            assertThat(d.licensorTypes()).containsExactly("SELF");
            assertThat(d.matchedNoAiTag()).isNull();
            assertThat(d.uploaderId()).isEqualTo("u1");
            assertThat(d.embeddedDmi()).isNull();
        }
        // decisions sorted by track, then purpose in policy order
        assertThat(r.decisions()).extracting(Decision::purpose).containsExactly(REC, FRAUD, GEN);
    }

    @Test
    void stateNotEligible() {
        Result r = run(List.of(track("t1", "u1", " private ", null, null)), List.of(license("L1", "t1")),
                List.of(optInAll()));
        assertThat(reasons(r, "t1", REC)).containsExactly("STATE_NOT_ELIGIBLE");
        assertThat(reasons(r, "t1", FRAUD)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("STATE_NOT_ELIGIBLE");
    }

    @Test
    void licenseRecordInvalidPoisonsEveryPurpose() {
        Result r = run(List.of(track("t1")),
                List.of(license("L1", "t1"), license("L2", "t1", "RECORD_LABEL", null, null, null)),
                List.of(optInAll()));
        assertThat(r.quarantine()).containsExactly(new QuarantineEntry("licenses", "UNKNOWN_ENUM", "L2", 1));
        assertThat(reasons(r, "t1", REC)).containsExactly("LICENSE_RECORD_INVALID");
        assertThat(reasons(r, "t1", FRAUD)).containsExactly("LICENSE_RECORD_INVALID");
        assertThat(reasons(r, "t1", GEN)).containsExactly("LICENSE_RECORD_INVALID");
        // the valid license is still evidence
        assertThat(decisionsOf(r, "t1").get(GEN).licenseIds()).containsExactly("L1");
    }

    @Test
    void invalidLicenseWithBlankKeyStillPoisonsItsTrack() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1"), license("  ", "t1")), List.of(optInAll()));
        assertThat(r.quarantine()).containsExactly(new QuarantineEntry("licenses", "BLANK_KEY", "  ", 1));
        assertThat(reasons(r, "t1", FRAUD)).containsExactly("LICENSE_RECORD_INVALID");
    }

    @Test
    void noValidLicense() {
        Result r = run(List.of(track("t1")), List.of(), List.of(optInAll()));
        assertThat(reasons(r, "t1", REC)).containsExactly("NO_VALID_LICENSE");
        assertThat(reasons(r, "t1", FRAUD)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("NO_VALID_LICENSE");
        assertThat(decisionsOf(r, "t1").get(FRAUD).licenseIds()).isEmpty();
        assertThat(decisionsOf(r, "t1").get(FRAUD).licensorTypes()).isEmpty();
    }

    @Test
    void licensorExcluded() {
        Result r = run(List.of(track("t1")),
                List.of(license("L2", "t1", " major_label ", null, null, null), license("L1", "t1", "Self", null, null, null)),
                List.of(optInAll()));
        assertThat(reasons(r, "t1", REC)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("LICENSOR_EXCLUDED");
        Decision d = decisionsOf(r, "t1").get(GEN);
        assertThat(d.licenseIds()).containsExactly("L1", "L2");
        assertThat(d.licensorTypes()).containsExactly("MAJOR_LABEL", "SELF");
    }

    @Test
    void licenseProhibitsPurpose() {
        Result r = run(List.of(track("t1"), track("t2")),
                List.of(license("L1", "t1", "SELF", Arrays.asList(null, "Generative-Training"), null, null),
                        license("L2", "t2", "SELF", List.of(" * "), null, null)),
                List.of(optInAll()));
        assertThat(r.quarantine()).isEmpty();
        assertThat(reasons(r, "t1", REC)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("LICENSE_PROHIBITS_PURPOSE");
        assertThat(reasons(r, "t2", REC)).containsExactly("LICENSE_PROHIBITS_PURPOSE");
        assertThat(reasons(r, "t2", FRAUD)).containsExactly("LICENSE_PROHIBITS_PURPOSE");
        assertThat(reasons(r, "t2", GEN)).containsExactly("LICENSE_PROHIBITS_PURPOSE");
    }

    @Test
    void noAiTag() {
        Result r = run(List.of(track("t1", "u1", "ACTIVE", Arrays.asList(null, "lofi", "nóai", "No AI", "#noai"), null),
                        track("t2", "u1", "ACTIVE", List.of("n o a i"), null),
                        track("t3", "u1", "ACTIVE", List.of("no-ai-training", "DoNotTrain"), null),
                        track("t4", "u1", "ACTIVE", List.of("noai!"), null)),
                List.of(license("L1", "t1"), license("L2", "t2"), license("L3", "t3"), license("L4", "t4")),
                List.of(optInAll()));
        assertThat(reasons(r, "t1", REC)).isEmpty();
        assertThat(decisionsOf(r, "t1").get(REC).matchedNoAiTag()).isEqualTo("No AI");
        assertThat(reasons(r, "t1", GEN)).containsExactly("NO_AI_TAG");
        assertThat(decisionsOf(r, "t2").get(GEN).matchedNoAiTag()).isEqualTo("n o a i");
        assertThat(decisionsOf(r, "t3").get(GEN).matchedNoAiTag()).isEqualTo("no-ai-training");
        assertThat(decisionsOf(r, "t4").get(GEN).matchedNoAiTag()).isEqualTo("noai!");
        Result none = run(List.of(track("t1", "u1", "ACTIVE", Arrays.asList("nóai", null, "lofi"), null)),
                List.of(license("L1", "t1")), List.of(optInAll()));
        assertThat(reasons(none, "t1", GEN)).isEmpty();
        assertThat(decisionsOf(none, "t1").get(GEN).matchedNoAiTag()).isNull();
    }

    @Test
    void embeddedReservation() {
        Result r = run(List.of(
                        track("t1", "u1", "ACTIVE", null, "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"),
                        track("t2", "u1", "ACTIVE", null, " DMI-SOMETHING "),
                        track("t3", "u1", "ACTIVE", null, "dmi-allowed"),
                        track("t4", "u1", "ACTIVE", null, "   "),
                        track("t5", "u1", "ACTIVE", null, " dmi-prohibited-aimltraining\t"),
                        track("t6", "u1", "ACTIVE", null, "http://ns.useplus.org/ldf/vocab/DMI-UNSPECIFIED")),
                List.of(license("L1", "t1"), license("L2", "t2"), license("L3", "t3"), license("L4", "t4"),
                        license("L5", "t5"), license("L6", "t6")),
                List.of(optInAll()));
        assertThat(reasons(r, "t1", REC)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("EMBEDDED_RESERVATION");
        assertThat(reasons(r, "t2", REC)).containsExactly("EMBEDDED_RESERVATION");    // unknown = DMI-PROHIBITED
        assertThat(reasons(r, "t2", FRAUD)).isEmpty();
        assertThat(reasons(r, "t2", GEN)).containsExactly("EMBEDDED_RESERVATION");
        for (String t : List.of("t3", "t4", "t6")) {
            assertThat(reasons(r, t, REC)).isEmpty();
            assertThat(reasons(r, t, GEN)).isEmpty();
        }
        assertThat(reasons(r, "t5", REC)).containsExactly("EMBEDDED_RESERVATION");
        assertThat(reasons(r, "t5", GEN)).containsExactly("EMBEDDED_RESERVATION");
        // the evidence is the value as read, not its normalised form
        assertThat(decisionsOf(r, "t5").get(REC).embeddedDmi()).isEqualTo(" dmi-prohibited-aimltraining\t");
    }

    @Test
    void consentRecordInvalidOnlyForConsentGatedPurposes() {
        Result r = run(List.of(track("t1"), track("t2", "u2", "ACTIVE", null, null)),
                List.of(license("L1", "t1"), license("L2", "t2")),
                List.of(optInAll(), consent("e2", "u1", "generative_training", "MAYBE", DAY_BEFORE),
                        consent("e3", "u2", "*", "OPT_IN", DAY_BEFORE)));
        assertThat(r.quarantine()).containsExactly(new QuarantineEntry("consents", "UNKNOWN_ENUM", "e2", 1));
        assertThat(reasons(r, "t1", REC)).containsExactly("CONSENT_RECORD_INVALID");
        assertThat(reasons(r, "t1", FRAUD)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("CONSENT_RECORD_INVALID");
        // the valid event still resolves
        assertThat(decisionsOf(r, "t1").get(GEN).consentState()).isEqualTo("OPT_IN");
        // another user is unaffected
        assertThat(reasons(r, "t2", GEN)).isEmpty();
    }

    @Test
    void consentOptedOut() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(optInAll(), consent("e2", "u1", " * ", " opt_out ", AS_OF)));
        assertThat(reasons(r, "t1", REC)).containsExactly("CONSENT_OPTED_OUT");
        assertThat(reasons(r, "t1", FRAUD)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("CONSENT_OPTED_OUT");
        // consent is resolved for every purpose, including fraud detection
        Decision fraud = decisionsOf(r, "t1").get(FRAUD);
        assertThat(fraud.consentState()).isEqualTo("OPT_OUT");
        assertThat(fraud.consentEventId()).isEqualTo("e2");
    }

    @Test
    void consentNotGiven() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(consent("e1", "u1", "Marketing-Email", "OPT_IN", DAY_BEFORE),   // ignored purpose: valid, unused
                        consent("e2", "u1", "generative training", "OPT_IN", DAY_AFTER)));  // future: unused
        assertThat(r.quarantine()).isEmpty();
        assertThat(reasons(r, "t1", REC)).isEmpty();
        assertThat(reasons(r, "t1", GEN)).containsExactly("CONSENT_NOT_GIVEN");
        Decision gen = decisionsOf(r, "t1").get(GEN);
        assertThat(gen.consentState()).isEqualTo("NONE");
        assertThat(gen.consentEventId()).isNull();
    }

    @Test
    void invalidTrackHasOnlyInvalidTrackRecordAndNullEvidence() {
        Result r = run(List.of(track("t1", "  ", "ACTIVE", List.of("noai"), "DMI-PROHIBITED")),
                List.of(license("L1", "t1")), List.of(optInAll()));
        assertThat(r.quarantine()).containsExactly(new QuarantineEntry("tracks", "BLANK_REFERENCE", "t1", 0));
        assertThat(r.decisions()).hasSize(3);
        for (Decision d : r.decisions()) {
            assertThat(d.decision()).isEqualTo("EXCLUDED");
            assertThat(d.reasons()).containsExactly("INVALID_TRACK_RECORD");
            assertThat(d.consentState()).isNull();
            assertThat(d.consentEventId()).isNull();
            assertThat(d.licenseIds()).isNull();
            assertThat(d.licensorTypes()).isNull();
            assertThat(d.matchedNoAiTag()).isNull();
            assertThat(d.uploaderId()).isNull();
            assertThat(d.embeddedDmi()).isNull();
        }
    }

    @Test
    void allApplicableReasonsInContractOrder() {
        Result r = run(List.of(track("t1", "u1", "DELETED", List.of("DoNotTrain"), "DMI-PROHIBITED")),
                List.of(license("L1", "t1", "MAJOR_LABEL", List.of("*"), null, null),
                        license("L2", "t1", "SELF", null, DAY_AFTER, null),              // not yet in force
                        license("L3", "t1", "SELF", null, DAY_AFTER, DAY_AFTER)),        // BAD_INTERVAL
                List.of(consent("e1", "u1", "*", "OPT_OUT", DAY_BEFORE), consent("e2", "u1", "*", "OPT_IN", null)));
        assertThat(reasons(r, "t1", GEN)).containsExactly("STATE_NOT_ELIGIBLE", "LICENSE_RECORD_INVALID",
                "LICENSOR_EXCLUDED", "LICENSE_PROHIBITS_PURPOSE", "NO_AI_TAG", "EMBEDDED_RESERVATION",
                "CONSENT_RECORD_INVALID", "CONSENT_OPTED_OUT");
        assertThat(reasons(r, "t1", FRAUD)).containsExactly("LICENSE_RECORD_INVALID", "LICENSE_PROHIBITS_PURPOSE");
        Result r2 = run(List.of(track("t1", "u1", "TAKEN_DOWN", null, null)), List.of(), List.of());
        assertThat(reasons(r2, "t1", GEN)).containsExactly("STATE_NOT_ELIGIBLE", "NO_VALID_LICENSE", "CONSENT_NOT_GIVEN");
        assertThat(reasons(r2, "t1", REC)).containsExactly("STATE_NOT_ELIGIBLE", "NO_VALID_LICENSE");
        assertThat(reasons(r2, "t1", FRAUD)).isEmpty();
    }

    // ------------------------------------------------------------------ resolution rules

    @Test
    void tieOptOutBeatsOptIn() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(consent("e1", "u1", "generative_training", "OPT_IN", DAY_BEFORE),
                        consent("e0", "u1", "*", "OPT_IN", DAY_BEFORE),
                        consent("e9", "u1", "Generative-Training", "Opt_Out", DAY_BEFORE)));
        Decision gen = decisionsOf(r, "t1").get(GEN);
        assertThat(gen.consentState()).isEqualTo("OPT_OUT");
        assertThat(gen.consentEventId()).isEqualTo("e9");
        assertThat(gen.reasons()).containsExactly("CONSENT_OPTED_OUT");
        // recommendation only sees the '*' event
        Decision rec = decisionsOf(r, "t1").get(REC);
        assertThat(rec.consentState()).isEqualTo("OPT_IN");
        assertThat(rec.consentEventId()).isEqualTo("e0");
    }

    @Test
    void tieBetweenSameActionsTakesSmallestEventId() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(consent("e9", "u1", "generative_training", "OPT_IN", AS_OF),
                        consent("e10", "u1", "*", "OPT_IN", AS_OF),
                        consent("e2", "u1", "generative_training", "OPT_OUT", DAY_BEFORE)));   // older
        Decision gen = decisionsOf(r, "t1").get(GEN);
        assertThat(gen.consentState()).isEqualTo("OPT_IN");
        assertThat(gen.consentEventId()).isEqualTo("e10");                 // "e10" < "e9"
        assertThat(gen.decision()).isEqualTo("INCLUDED");
    }

    @Test
    void latestEventAtOrBeforeAsOfWins() {
        Result r = run(List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(consent("e1", "u1", "generative_training", "OPT_OUT", DAY_BEFORE),
                        consent("e2", "u1", "generative_training", "OPT_IN", AS_OF),           // exactly as_of: counts
                        consent("e3", "u1", "generative_training", "OPT_OUT", AS_OF.plusSeconds(3600)))); // future
        Decision gen = decisionsOf(r, "t1").get(GEN);
        assertThat(gen.consentEventId()).isEqualTo("e2");
        assertThat(gen.decision()).isEqualTo("INCLUDED");
    }

    @Test
    void validToIsExclusiveAndValidFromInclusive() {
        Result r = run(List.of(track("t1"), track("t2"), track("t3")),
                List.of(license("L1", "t1", "SELF", null, DAY_BEFORE, AS_OF),     // ends exactly at as_of: not in force
                        license("L2", "t2", "SELF", null, AS_OF, DAY_AFTER),          // starts exactly at as_of: in force
                        license("L3", "t3", "SELF", null, null, AS_OF.plusMillis(1))),
                List.of(optInAll()));
        assertThat(reasons(r, "t1", GEN)).containsExactly("NO_VALID_LICENSE");
        assertThat(decisionsOf(r, "t1").get(GEN).licenseIds()).isEmpty();
        assertThat(reasons(r, "t2", GEN)).isEmpty();
        assertThat(decisionsOf(r, "t2").get(GEN).licenseIds()).containsExactly("L2");
        assertThat(reasons(r, "t3", GEN)).isEmpty();
    }

    @Test
    void referencesAreComparedExactlyAsWritten() {
        Result r = run(List.of(track("t1"), track(" t1", "u1 ", "ACTIVE", null, null)),
                List.of(license("L1", "t1"), license("L2", " t1", "MAJOR_LABEL", null, null, null)),
                List.of(optInAll(), consent("e2", "u1 ", "*", "OPT_OUT", DAY_BEFORE)));
        assertThat(r.quarantine()).isEmpty();
        assertThat(decisionsOf(r, "t1").get(GEN).decision()).isEqualTo("INCLUDED");
        assertThat(reasons(r, " t1", GEN)).containsExactly("LICENSOR_EXCLUDED", "CONSENT_OPTED_OUT");
        assertThat(r.decisions()).extracting(Decision::trackId).containsExactly(" t1", " t1", " t1", "t1", "t1", "t1");
    }

    // ------------------------------------------------------------------ quarantine

    @Test
    void quarantineReasonIsTheFirstFailingCheck() {
        Result r = run(
                List.of(track("t1", null, "ARCHIVED", null, null), track(null, null, "ARCHIVED", null, null),
                        track("t2", "u1", "TAKEN DOWN", null, null)),
                List.of(license("L1", "  ", "RECORD_LABEL", List.of("bogus"), DAY_AFTER, DAY_BEFORE),
                        license("L2", "t2", "RECORD_LABEL", List.of("bogus"), DAY_AFTER, DAY_BEFORE),
                        license("L3", "t2", "SELF", List.of("bogus"), DAY_AFTER, DAY_BEFORE),
                        license("L4", "t2", "SELF", List.of("marketing_email"), null, null),
                        license("L4", "t2", "SELF", null, null, null)),
                List.of(consent("e1", null, "bogus", "MAYBE", null), consent("e2", "u1", "bogus", "MAYBE", null),
                        consent("e3", "u1", "bogus", "OPT_IN", null), consent("e4", "u1", "bogus", "OPT_IN", AS_OF),
                        consent(" ", "u1", "*", "OPT_IN", AS_OF)));
        assertThat(r.quarantine()).containsExactly(
                new QuarantineEntry("tracks", "BLANK_REFERENCE", "t1", 0),
                new QuarantineEntry("tracks", "BLANK_KEY", null, 1),
                new QuarantineEntry("tracks", "UNKNOWN_ENUM", "t2", 2),
                new QuarantineEntry("licenses", "BLANK_REFERENCE", "L1", 0),
                new QuarantineEntry("licenses", "UNKNOWN_ENUM", "L2", 1),
                new QuarantineEntry("licenses", "BAD_INTERVAL", "L3", 2),
                new QuarantineEntry("licenses", "UNKNOWN_PURPOSE", "L4", 3),   // ignored purposes are not allowed here
                new QuarantineEntry("licenses", "DUPLICATE_KEY", "L4", 4),
                new QuarantineEntry("consents", "BLANK_REFERENCE", "e1", 0),
                new QuarantineEntry("consents", "UNKNOWN_ENUM", "e2", 1),
                new QuarantineEntry("consents", "NULL_TIMESTAMP", "e3", 2),
                new QuarantineEntry("consents", "UNKNOWN_PURPOSE", "e4", 3),
                new QuarantineEntry("consents", "BLANK_KEY", " ", 4));
        // decisions only for the non-blank track ids
        assertThat(r.decisions()).extracting(Decision::trackId).containsOnly("t1", "t2");
    }

    @Test
    void duplicatesQuarantineEveryRow() {
        Result r = run(List.of(track("t1"), track("t1"), track(" t1"), track("t2"), track("t2", null, "X", null, null)),
                List.of(license("L1", "t1"), license("L1", "t2"), license(" L1", " t1"), license("L3", "t3")),
                List.of(optInAll(), consent("e1", "u9", "*", "OPT_OUT", DAY_BEFORE),
                        consent("e2", "u1", "*", "OPT_IN", DAY_BEFORE), consent("e2 ", "u1", "*", "OPT_IN", DAY_BEFORE)));
        assertThat(r.quarantine()).containsExactly(
                new QuarantineEntry("tracks", "DUPLICATE_KEY", "t1", 0),
                new QuarantineEntry("tracks", "DUPLICATE_KEY", "t1", 1),
                new QuarantineEntry("tracks", "DUPLICATE_KEY", "t2", 3),
                new QuarantineEntry("tracks", "BLANK_REFERENCE", "t2", 4),
                new QuarantineEntry("licenses", "DUPLICATE_KEY", "L1", 0),
                new QuarantineEntry("licenses", "DUPLICATE_KEY", "L1", 1),
                new QuarantineEntry("consents", "DUPLICATE_KEY", "e1", 0),
                new QuarantineEntry("consents", "DUPLICATE_KEY", "e1", 1));
        // one decision per distinct track id per purpose
        assertThat(r.decisions()).hasSize(9);
        assertThat(reasons(r, "t1", GEN)).containsExactly("INVALID_TRACK_RECORD");
        assertThat(reasons(r, "t2", GEN)).containsExactly("INVALID_TRACK_RECORD");
        // " t1" is a different, valid key; its license " L1" too; u1's invalid e1 poisons consent-gated purposes
        Decision spaced = decisionsOf(r, " t1").get(GEN);
        assertThat(spaced.licenseIds()).containsExactly(" L1");
        assertThat(spaced.reasons()).containsExactly("CONSENT_RECORD_INVALID");
        assertThat(spaced.consentEventId()).isEqualTo("e2");
        assertThat(reasons(r, " t1", FRAUD)).isEmpty();
    }

    // ------------------------------------------------------------------ a sequence of runs: the v2 ledger

    static final Stamp RUN1 = new Stamp("r1", AS_OF, "v1", "sha-1");
    static final Stamp RUN2 = new Stamp("r2", DAY_AFTER, "v1", "sha-1");

    static Published publish(Published previous, Policy policy, Stamp stamp, List<Track> tracks,
            List<License> licenses, List<Consent> consents) {
        return ContractOracle.run(previous, policy, stamp, tracks, licenses, consents);
    }

    /** "track/purpose DECISION [reasons] @run" */
    static List<String> pairs(List<LedgerRow> rows) {
        return rows.stream().map(l -> l.trackId() + "/" + l.purpose() + " " + l.decision() + " " + l.reasons() + " @"
                + l.runId()).toList();
    }

    @Test
    void theFirstRunWritesEveryPairAndItsCurrentIsItsLedger() {
        Published p = publish(null, POLICY, RUN1,
                List.of(track("t1", "u1", "ACTIVE", List.of("lofi"), "dmi-allowed"),
                        track("t2", "u2", "PRIVATE", null, null)),
                List.of(license("L1", "t1"), license("L2", "t2")), List.of(optInAll()));
        assertThat(pairs(p.ledgerRows())).containsExactly(
                "t1/recommendation INCLUDED [] @r1", "t1/fraud_detection INCLUDED [] @r1",
                "t1/generative_training INCLUDED [] @r1",
                "t2/recommendation EXCLUDED [STATE_NOT_ELIGIBLE] @r1", "t2/fraud_detection INCLUDED [] @r1",
                "t2/generative_training EXCLUDED [STATE_NOT_ELIGIBLE, CONSENT_NOT_GIVEN] @r1");
        assertThat(p.current()).isEqualTo(p.ledgerRows());
        assertThat(p.ledgerRows().get(0)).isEqualTo(new LedgerRow("r1", AS_OF, "t1", REC, "INCLUDED", List.of(), "u1",
                "OPT_IN", "e1", List.of("L1"), List.of("SELF"), null, "dmi-allowed", "v1", "sha-1"));
        assertThat(p.curated().keySet()).containsExactly(REC, FRAUD, GEN);
        CuratedRow t1 = new CuratedRow("t1", "u1", "title", "pop", 1000L, "s3://x", List.of("L1"), List.of("SELF"),
                "OPT_IN", "e1", "v1", "r1", AS_OF);
        assertThat(p.curated().get(REC)).containsExactly(t1);
        assertThat(p.curated().get(GEN)).containsExactly(t1);
        assertThat(p.curated().get(FRAUD)).extracting(CuratedRow::trackId).containsExactly("t1", "t2");
    }

    /**
     * The case v2 changed: t2's uploader moves between two accounts without consent rows, it gains a no-AI tag
     * before the one that matched, and its DMI value is re-spelled; t1's licence changes licensor type between two
     * types no purpose excludes. No decision or reason changes, yet every pair of t1 and t2 gets a row carrying the
     * new evidence. t3 is untouched, and a new policy version alone writes nothing for it.
     */
    @Test
    void evidenceThatChangesWithoutTheDecisionWritesARowAndPolicyVersionAloneDoesNot() {
        List<License> licenses1 = List.of(license("L1", "t1"), license("L2", "t2"), license("L3", "t3"));
        Published first = publish(null, POLICY, RUN1,
                List.of(track("t1"), track("t2", "u2", "ACTIVE", List.of("noai"), "DMI-PROHIBITED"), track("t3")),
                licenses1, List.of(optInAll()));

        Stamp run2 = new Stamp("r2", DAY_AFTER, "v2", "sha-2");
        Published second = publish(first, POLICY, run2,
                List.of(track("t1"), track("t2", "u9", "ACTIVE", List.of("#NoAI", "noai"),
                                "http://ns.useplus.org/ldf/vocab/dmi-prohibited"), track("t3")),
                List.of(license("L1", "t1", " independent_label ", null, null, null), license("L2", "t2"),
                        license("L3", "t3")),
                List.of(optInAll()));

        assertThat(pairs(second.ledgerRows())).containsExactly(
                "t1/recommendation INCLUDED [] @r2", "t1/fraud_detection INCLUDED [] @r2",
                "t1/generative_training INCLUDED [] @r2",
                "t2/recommendation EXCLUDED [EMBEDDED_RESERVATION] @r2", "t2/fraud_detection INCLUDED [] @r2",
                "t2/generative_training EXCLUDED [NO_AI_TAG, EMBEDDED_RESERVATION, CONSENT_NOT_GIVEN] @r2");
        assertThat(pairs(first.ledgerRows()).subList(3, 6)).containsExactly(
                "t2/recommendation EXCLUDED [EMBEDDED_RESERVATION] @r1", "t2/fraud_detection INCLUDED [] @r1",
                "t2/generative_training EXCLUDED [NO_AI_TAG, EMBEDDED_RESERVATION, CONSENT_NOT_GIVEN] @r1");
        assertThat(second.ledgerRows().get(5)).isEqualTo(new LedgerRow("r2", DAY_AFTER, "t2", GEN, "EXCLUDED",
                List.of("NO_AI_TAG", "EMBEDDED_RESERVATION", "CONSENT_NOT_GIVEN"), "u9", "NONE", null, List.of("L2"),
                List.of("SELF"), "#NoAI", "http://ns.useplus.org/ldf/vocab/dmi-prohibited", "v2", "sha-2"));
        assertThat(second.ledgerRows().get(0).licensorTypes()).containsExactly("INDEPENDENT_LABEL");
        // current: the latest evidence of every pair; t3's rows are still those of r1, with r1's policy
        assertThat(pairs(second.current())).containsExactly(
                "t1/recommendation INCLUDED [] @r2", "t1/fraud_detection INCLUDED [] @r2",
                "t1/generative_training INCLUDED [] @r2",
                "t2/recommendation EXCLUDED [EMBEDDED_RESERVATION] @r2", "t2/fraud_detection INCLUDED [] @r2",
                "t2/generative_training EXCLUDED [NO_AI_TAG, EMBEDDED_RESERVATION, CONSENT_NOT_GIVEN] @r2",
                "t3/recommendation INCLUDED [] @r1", "t3/fraud_detection INCLUDED [] @r1",
                "t3/generative_training INCLUDED [] @r1");
        assertThat(second.current().subList(6, 9)).isEqualTo(first.current().subList(6, 9));
        // a curated row carries the run that last wrote it: t1's licensor type changed, t3's row did not (§4, §8)
        assertThat(second.curated().get(GEN)).extracting(CuratedRow::trackId, CuratedRow::runId,
                CuratedRow::policyVersion).containsExactly(tuple("t1", "r2", "v2"), tuple("t3", "r1", "v1"));

        // the same inputs again under a third policy version: nothing to write
        Published third = publish(second, POLICY, new Stamp("r3", DAY_AFTER.plus(Duration.ofDays(1)), "v3", "sha-3"),
                List.of(track("t1"), track("t2", "u9", "ACTIVE", List.of("#NoAI", "noai"),
                                "http://ns.useplus.org/ldf/vocab/dmi-prohibited"), track("t3")),
                List.of(license("L1", "t1", " independent_label ", null, null, null), license("L2", "t2"),
                        license("L3", "t3")),
                List.of(optInAll()));
        assertThat(third.ledgerRows()).isEmpty();
        assertThat(third.current()).isEqualTo(second.current());
    }

    @Test
    void aTrackOrAPurposeThatLeftGetsRemovedRowsAndItsCuratedTableIsEmptied() {
        Published first = publish(null, POLICY, RUN1, List.of(track("t1"), track("t2", "u2", "ACTIVE", null, null)),
                List.of(license("L1", "t1"), license("L2", "t2")), List.of(optInAll()));
        Policy withoutRecommendation = new Policy(POLICY.noAiTags(), POLICY.ignoredConsentPurposes(),
                POLICY.purposes().subList(1, 3));

        Published second = publish(first, withoutRecommendation, RUN2, List.of(track("t1")),
                List.of(license("L1", "t1"), license("L2", "t2")), List.of(optInAll()));

        assertThat(pairs(second.ledgerRows())).containsExactly(
                "t1/recommendation REMOVED [PURPOSE_NOT_IN_POLICY] @r2",
                "t2/recommendation REMOVED [PURPOSE_NOT_IN_POLICY] @r2",      // the purpose is the broader cause
                "t2/fraud_detection REMOVED [TRACK_NOT_IN_CATALOG] @r2",
                "t2/generative_training REMOVED [TRACK_NOT_IN_CATALOG] @r2");
        assertThat(second.ledgerRows().get(2)).isEqualTo(new LedgerRow("r2", DAY_AFTER, "t2", FRAUD, "REMOVED",
                List.of("TRACK_NOT_IN_CATALOG"), "u2", null, null, null, null, null, null, "v1", "sha-1"));
        assertThat(pairs(second.current())).containsExactly(
                "t1/fraud_detection INCLUDED [] @r1", "t1/generative_training INCLUDED [] @r1");
        assertThat(second.curated().keySet()).containsExactly(FRAUD, GEN, REC);
        assertThat(second.curated().get(REC)).isEmpty();
        assertThat(second.curated().get(FRAUD)).extracting(CuratedRow::trackId).containsExactly("t1");
    }

    @Test
    void aTrackThatBecomesInvalidLosesItsEvidence() {
        Published first = publish(null, POLICY, RUN1, List.of(track("t1")), List.of(license("L1", "t1")),
                List.of(optInAll()));
        Published second = publish(first, POLICY, RUN2, List.of(track("t1"), track("t1")), List.of(license("L1", "t1")),
                List.of(optInAll()));
        assertThat(second.ledgerRows()).hasSize(3).allSatisfy(row -> assertThat(row).isEqualTo(new LedgerRow("r2",
                DAY_AFTER, "t1", row.purpose(), "EXCLUDED", List.of("INVALID_TRACK_RECORD"), null, null, null, null,
                null, null, null, "v1", "sha-1")));
        assertThat(second.curated().values()).allSatisfy(rows -> assertThat(rows).isEmpty());
        assertThat(second.quarantine()).containsExactly(new QuarantineEntry("tracks", "DUPLICATE_KEY", "t1", 0),
                new QuarantineEntry("tracks", "DUPLICATE_KEY", "t1", 1));
    }

    @Test
    void policySha256IsTheDigestOfTheFileBytes() {
        // sha256sum of an empty file, and of "abc"
        assertThat(ContractOracle.sha256("")).isEqualTo(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(ContractOracle.sha256("abc")).isEqualTo(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    // ------------------------------------------------------------------ generator sanity

    @Test
    void generatorIsDeterministicAndProducesSomeInvalidRows() {
        List<String> purposes = List.of(REC, FRAUD, GEN);
        RandomCatalog.Catalog a = RandomCatalog.generate(42, 60, purposes, List.of("marketing_email"));
        RandomCatalog.Catalog b = RandomCatalog.generate(42, 60, purposes, List.of("marketing_email"));
        assertThat(a).isEqualTo(b);
        Result r = ContractOracle.evaluate(POLICY, a.tracks(), a.licenses(), a.consents(), a.asOf());
        List<String> tables = new ArrayList<>();
        for (QuarantineEntry q : r.quarantine()) {
            tables.add(q.table());
        }
        assertThat(tables).contains("tracks", "licenses", "consents");
        assertThat(r.decisions()).isNotEmpty();
    }

    @Test
    void theNextDaysCatalogIsDeterministicAndAlwaysChangesEvidenceTheLedgerRecords() {
        List<String> purposes = List.of(REC, FRAUD, GEN);
        RandomCatalog.Catalog a = RandomCatalog.generate(42, 60, purposes, List.of("marketing_email"));
        RandomCatalog.Mutated b = RandomCatalog.mutate(a, 42, DAY_AFTER, purposes, List.of("marketing_email"));
        assertThat(RandomCatalog.mutate(a, 42, DAY_AFTER, purposes, List.of("marketing_email"))).isEqualTo(b);
        assertThat(b.catalog().asOf()).isEqualTo(DAY_AFTER);
        assertThat(b.changes()).anyMatch(c -> c.startsWith("tag ") && c.contains(" first on "))
                .anyMatch(c -> c.endsWith("(same meaning)"));
        assertThat(a.tracks()).isNotEqualTo(b.catalog().tracks());
    }
}
