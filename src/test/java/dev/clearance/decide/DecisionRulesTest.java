package dev.clearance.decide;

import static dev.clearance.testing.Fixtures.AS_OF;
import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.Columns;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.RowValidation;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One focused case per reason of contract §3.3 under the default policy. The baseline track "t" is INCLUDED
 * for every purpose; each case changes one thing and checks the exact reasons of every purpose.
 */
@ExtendWith(SparkExtension.class)
class DecisionRulesTest {
    private static final String REC = "recommendation";
    private static final String FRAUD = "fraud_detection";
    private static final String GEN = "generative_training";
    private static Policy policy;

    @BeforeAll
    static void loadPolicy() {
        policy = Fixtures.defaultPolicy();
    }

    /** The baseline: active, one SELF license in force, uploader opted in to everything. */
    private static Lake baseline() {
        Lake lake = new Lake();
        lake.tracks.add(track("t", "u", "ACTIVE", list("chill"), null));
        lake.licenses.add(license("l1", "t", "SELF", null, "2025-01-01T00:00:00Z", null));
        lake.consents.add(consent("e1", "u", "*", "OPT_IN", "2026-01-01T00:00:00Z"));
        return lake;
    }

    @Test
    void baselineIsIncludedEverywhere() {
        Map<String, Row> d = baseline().decide();
        for (String purpose : List.of(REC, FRAUD, GEN)) {
            Row row = d.get(purpose);
            assertThat(row.<String>getAs(Columns.DECISION)).isEqualTo("INCLUDED");
            assertThat(reasons(row)).isEmpty();
            assertThat(row.<String>getAs(Columns.CONSENT_STATE)).isEqualTo("OPT_IN");
            assertThat(row.<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e1");
            assertThat(row.getList(row.fieldIndex(Columns.LICENSE_IDS))).containsExactly("l1");
            assertThat(row.getList(row.fieldIndex(Columns.LICENSOR_TYPES))).containsExactly("SELF");
        }
    }

    @Test
    void stateNotEligible() {
        Lake lake = baseline();
        lake.tracks.set(0, track("t", "u", " private ", null, null));
        assertReasons(lake, List.of("STATE_NOT_ELIGIBLE"), List.of(), List.of("STATE_NOT_ELIGIBLE"));
    }

    @Test
    void invalidLicenseRowPoisonsEveryPurpose() {
        Lake lake = baseline();
        lake.licenses.add(license("l2", "t", "RECORD_COMPANY", null, null, null));
        assertReasons(lake, List.of("LICENSE_RECORD_INVALID"), List.of("LICENSE_RECORD_INVALID"),
                List.of("LICENSE_RECORD_INVALID"));
    }

    @Test
    void licenseEndingExactlyAtAsOfIsNotInForce() {
        Lake lake = baseline();
        lake.licenses.set(0, license("l1", "t", "SELF", null, "2025-01-01T00:00:00Z", AS_OF.toString()));
        Map<String, Row> d = lake.decide();
        assertThat(reasons(d.get(REC))).containsExactly("NO_VALID_LICENSE");
        assertThat(reasons(d.get(FRAUD))).isEmpty();
        assertThat(reasons(d.get(GEN))).containsExactly("NO_VALID_LICENSE");
        assertThat(d.get(FRAUD).getList(d.get(FRAUD).fieldIndex(Columns.LICENSE_IDS))).isEmpty();
    }

    @Test
    void licenseStartingExactlyAtAsOfIsInForceAndOneStartingLaterIsNot() {
        Lake lake = baseline();
        lake.licenses.set(0, license("l1", "t", "SELF", null, AS_OF.toString(), null));
        lake.licenses.add(license("l0", "t", "MAJOR_LABEL", null, "2026-06-01T00:00:01Z", null));
        Map<String, Row> d = lake.decide();
        assertThat(reasons(d.get(GEN))).isEmpty();
        assertThat(d.get(GEN).getList(d.get(GEN).fieldIndex(Columns.LICENSE_IDS))).containsExactly("l1");
    }

    @Test
    void majorLabelExcludedOnlyFromGenerativeTraining() {
        Lake lake = baseline();
        lake.licenses.add(license("l0", "t", " major_label", null, null, null));
        Map<String, Row> d = lake.decide();
        assertReasons(lake, List.of(), List.of(), List.of("LICENSOR_EXCLUDED"));
        assertThat(d.get(REC).getList(d.get(REC).fieldIndex(Columns.LICENSE_IDS))).containsExactly("l0", "l1");
        assertThat(d.get(REC).getList(d.get(REC).fieldIndex(Columns.LICENSOR_TYPES)))
                .containsExactly("MAJOR_LABEL", "SELF");
    }

    @ParameterizedTest(name = "prohibited {0} excludes {1}")
    @CsvSource(delimiter = ';', value = {
        "Generative-Training;generative_training",
        " fraud detection ;fraud_detection",
        "*;recommendation fraud_detection generative_training"})
    void licenseProhibitsPurpose(String prohibited, String excluded) {
        Lake lake = baseline();
        lake.licenses.set(0, license("l1", "t", "SELF", list(null, prohibited), null, null));
        Map<String, Row> d = lake.decide();
        List<String> excludedPurposes = List.of(excluded.split(" "));
        for (String purpose : List.of(REC, FRAUD, GEN)) {
            assertThat(reasons(d.get(purpose))).as(purpose).isEqualTo(excludedPurposes.contains(purpose)
                    ? List.of("LICENSE_PROHIBITS_PURPOSE") : List.of());
        }
    }

    @ParameterizedTest(name = "tag {0}")
    @CsvSource(delimiter = ';', value = {"No AI", "#noai", "no-ai-training", "NOAI", "Do Not Train!"})
    void noAiTagInAnySpellingExcludesGenerativeTrainingOnly(String tag) {
        Lake lake = baseline();
        lake.tracks.set(0, track("t", "u", "ACTIVE", list("lofi", null, tag, "noai"), null));
        Map<String, Row> d = lake.decide();
        assertReasons(lake, List.of(), List.of(), List.of("NO_AI_TAG"));
        for (Row row : d.values()) {
            assertThat(row.<String>getAs(Columns.MATCHED_NO_AI_TAG)).isEqualTo(tag);
        }
    }

    @Test
    void tagsThatOnlyLookLikeNoAiDoNotMatch() {
        Lake lake = baseline();
        lake.tracks.set(0, track("t", "u", "ACTIVE", list("noai2", "nóai", "ai"), null));
        assertReasons(lake, List.of(), List.of(), List.of());
        assertThat(lake.decide().get(GEN).<String>getAs(Columns.MATCHED_NO_AI_TAG)).isNull();
    }

    @ParameterizedTest(name = "dmi {0}")
    @CsvSource(delimiter = ';', value = {
        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING;GEN",
        " dmi-prohibited-aimltraining ;REC GEN",
        "DMI-PROHIBITED;REC GEN",
        "DMI-SOMETHING-NEW;REC GEN",
        "http://ns.useplus.org/ldf/vocab/;REC GEN",
        "DMI-ALLOWED;",
        "dmi-unspecified;",
        "'   ';"})
    void embeddedReservation(String dmi, String reservedFor) {
        Lake lake = baseline();
        lake.tracks.set(0, track("t", "u", "ACTIVE", null, dmi));
        List<String> reserved = reservedFor == null ? List.of() : List.of(reservedFor.split(" "));
        assertReasons(lake,
                reserved.contains("REC") ? List.of("EMBEDDED_RESERVATION") : List.of(),
                List.of(),
                reserved.contains("GEN") ? List.of("EMBEDDED_RESERVATION") : List.of());
        assertThat(lake.decide().get(GEN).<String>getAs(Columns.EMBEDDED_DMI)).isEqualTo(dmi);
    }

    @Test
    void unspecifiedAndAllowedReserveNothingEvenWhereAPolicyListsThem(@TempDir Path dir) {
        Policy listing = PolicyLoader.load(Fixtures.write(dir.resolve("policy.yaml"), """
                policy_version: x
                purposes:
                  generative_training:
                    consent: not_required
                    eligible_states: [ACTIVE]
                    requires_valid_license: false
                    honor_no_ai_tag: false
                    reserved_by_dmi: [DMI-ALLOWED, DMI-UNSPECIFIED, DMI-PROHIBITED]
                """));
        Lake lake = baseline();
        lake.tracks.set(0, track("t", "u", "ACTIVE", null, "DMI-ALLOWED"));
        lake.tracks.add(track("t2", "u", "ACTIVE", null, "http://ns.useplus.org/ldf/vocab/DMI-UNSPECIFIED"));
        lake.tracks.add(track("t3", "u", "ACTIVE", null, "DMI-PROHIBITED"));
        assertThat(lake.decideAll(listing)).extracting(r -> r.getAs(Columns.TRACK_ID) + "=" + reasons(r))
                .containsExactlyInAnyOrder("t=[]", "t2=[]", "t3=[EMBEDDED_RESERVATION]");
    }

    @Test
    void invalidConsentRowPoisonsOnlyConsentGatedPurposes() {
        Lake lake = baseline();
        lake.consents.add(consent("e2", "u", "recommendation", "MAYBE", "2026-02-01T00:00:00Z"));
        assertReasons(lake, List.of("CONSENT_RECORD_INVALID"), List.of(), List.of("CONSENT_RECORD_INVALID"));
    }

    @Test
    void invalidConsentRowOfAnIgnoredPurposeStillPoisons() {
        Lake lake = baseline();
        lake.consents.add(consent("e1", "u", "marketing_email", "OPT_OUT", "2026-02-01T00:00:00Z"));
        // e1 is now a duplicate key: both rows are invalid, so u has no valid consent left at all.
        assertReasons(lake, List.of("CONSENT_RECORD_INVALID"), List.of(),
                List.of("CONSENT_RECORD_INVALID", "CONSENT_NOT_GIVEN"));
    }

    @Test
    void optOutOfEverythingIsRecordedEvenWhereConsentIsNotRequired() {
        Lake lake = baseline();
        lake.consents.add(consent("e2", "u", " * ", " opt_out", "2026-03-01T00:00:00Z"));
        Map<String, Row> d = assertReasons(lake, List.of("CONSENT_OPTED_OUT"), List.of(), List.of("CONSENT_OPTED_OUT"));
        assertThat(d.get(FRAUD).<String>getAs(Columns.CONSENT_STATE)).isEqualTo("OPT_OUT");
        assertThat(d.get(FRAUD).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e2");
    }

    @Test
    void noConsentEventMeansNotGivenForOptInOnly() {
        Lake lake = baseline();
        lake.consents.clear();
        Map<String, Row> d = assertReasons(lake, List.of(), List.of(), List.of("CONSENT_NOT_GIVEN"));
        assertThat(d.get(GEN).<String>getAs(Columns.CONSENT_STATE)).isEqualTo("NONE");
        assertThat(d.get(GEN).<String>getAs(Columns.CONSENT_EVENT_ID)).isNull();
    }

    @Test
    void sameInstantOptOutBeatsOptIn() {
        Lake lake = baseline();
        lake.consents.add(consent("e0", "u", "generative_training", "OPT_IN", "2026-04-01T00:00:00Z"));
        lake.consents.add(consent("e9", "u", "Generative-Training", "OPT_OUT", "2026-04-01T00:00:00Z"));
        Map<String, Row> d = assertReasons(lake, List.of(), List.of(), List.of("CONSENT_OPTED_OUT"));
        assertThat(d.get(GEN).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e9");
        assertThat(d.get(REC).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e1");
    }

    @Test
    void sameInstantSameActionTakesTheSmallestEventId() {
        Lake lake = baseline();
        lake.consents.add(consent("e7", "u", "generative_training", "OPT_IN", "2026-04-01T00:00:00Z"));
        lake.consents.add(consent("e5", "u", "generative_training", "OPT_IN", "2026-04-01T00:00:00Z"));
        assertThat(lake.decide().get(GEN).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e5");
    }

    @Test
    void eventsAfterAsOfAndForIgnoredPurposesAreValidButUnused() {
        Lake lake = baseline();
        lake.consents.add(consent("e2", "u", "*", "OPT_OUT", "2026-06-01T00:00:00.000001Z"));
        lake.consents.add(consent("e3", "u", "marketing_email", "OPT_OUT", "2026-05-01T00:00:00Z"));
        lake.consents.add(consent("e4", "u", "generative_training", "OPT_IN", AS_OF.toString()));
        Map<String, Row> d = assertReasons(lake, List.of(), List.of(), List.of());
        assertThat(d.get(GEN).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e4");
        assertThat(d.get(REC).<String>getAs(Columns.CONSENT_EVENT_ID)).isEqualTo("e1");
    }

    @Test
    void everyReasonThatAppliesIsListedInContractOrder() {
        Lake lake = new Lake();
        lake.tracks.add(track("t", "u", "DELETED", list("noai"), "DMI-PROHIBITED"));
        lake.licenses.add(license("l1", "t", "MAJOR_LABEL", list("*"), null, null));
        lake.licenses.add(license("l2", "t", "SELF", null, "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"));
        lake.consents.add(consent("e1", "u", "*", "OPT_OUT", "2026-01-01T00:00:00Z"));
        lake.consents.add(consent(" ", "u", "*", "OPT_IN", "2026-01-01T00:00:00Z"));
        assertReasons(lake,
                List.of("STATE_NOT_ELIGIBLE", "LICENSE_RECORD_INVALID", "LICENSE_PROHIBITS_PURPOSE",
                        "EMBEDDED_RESERVATION", "CONSENT_RECORD_INVALID", "CONSENT_OPTED_OUT"),
                List.of("LICENSE_RECORD_INVALID", "LICENSE_PROHIBITS_PURPOSE"),
                List.of("STATE_NOT_ELIGIBLE", "LICENSE_RECORD_INVALID", "LICENSOR_EXCLUDED",
                        "LICENSE_PROHIBITS_PURPOSE", "NO_AI_TAG", "EMBEDDED_RESERVATION", "CONSENT_RECORD_INVALID",
                        "CONSENT_OPTED_OUT"));
    }

    @Test
    void noLicenseAtAllGivesNoValidLicenseAndEmptyEvidenceArrays() {
        Lake lake = baseline();
        lake.licenses.clear();
        Map<String, Row> d = assertReasons(lake, List.of("NO_VALID_LICENSE"), List.of(), List.of("NO_VALID_LICENSE"));
        assertThat(d.get(FRAUD).getList(d.get(FRAUD).fieldIndex(Columns.LICENSE_IDS))).isEmpty();
        assertThat(d.get(FRAUD).getList(d.get(FRAUD).fieldIndex(Columns.LICENSOR_TYPES))).isEmpty();
    }

    @Test
    void duplicateTrackRowsGiveOnlyInvalidTrackRecordWithNullEvidence() {
        Lake lake = baseline();
        lake.tracks.add(track("t", "u2", "ACTIVE", null, null));
        lake.tracks.add(track("  ", "u", "ACTIVE", null, null));
        lake.tracks.add(track("t3", " ", "ACTIVE", null, null));
        List<Row> all = lake.decideAll();
        assertThat(all).extracting(r -> r.<String>getAs(Columns.TRACK_ID) + "/" + r.getAs(Columns.PURPOSE) + "="
                        + reasons(r))
                .containsExactlyInAnyOrder(
                        "t/recommendation=[INVALID_TRACK_RECORD]", "t/fraud_detection=[INVALID_TRACK_RECORD]",
                        "t/generative_training=[INVALID_TRACK_RECORD]", "t3/recommendation=[INVALID_TRACK_RECORD]",
                        "t3/fraud_detection=[INVALID_TRACK_RECORD]", "t3/generative_training=[INVALID_TRACK_RECORD]");
        for (Row row : all) {
            assertThat(row.<String>getAs(Columns.DECISION)).isEqualTo("EXCLUDED");
            for (String evidence : List.of(Columns.UPLOADER_ID, Columns.CONSENT_STATE, Columns.CONSENT_EVENT_ID,
                    Columns.LICENSE_IDS, Columns.LICENSOR_TYPES, Columns.MATCHED_NO_AI_TAG, Columns.EMBEDDED_DMI)) {
                assertThat(row.isNullAt(row.fieldIndex(evidence))).as(evidence).isTrue();
            }
        }
    }

    @Test
    void keysAreComparedExactlyAsWritten() {
        Lake lake = baseline();
        lake.licenses.set(0, license("l1", "t ", "SELF", null, null, null));
        lake.consents.set(0, consent("e1", " u", "*", "OPT_IN", "2026-01-01T00:00:00Z"));
        Map<String, Row> d = assertReasons(lake, List.of("NO_VALID_LICENSE"), List.of(),
                List.of("NO_VALID_LICENSE", "CONSENT_NOT_GIVEN"));
        assertThat(d.get(GEN).<String>getAs(Columns.CONSENT_STATE)).isEqualTo("NONE");
    }

    private static Map<String, Row> assertReasons(Lake lake, List<String> rec, List<String> fraud, List<String> gen) {
        Map<String, Row> d = lake.decide();
        assertThat(reasons(d.get(REC))).as(REC).isEqualTo(rec);
        assertThat(reasons(d.get(FRAUD))).as(FRAUD).isEqualTo(fraud);
        assertThat(reasons(d.get(GEN))).as(GEN).isEqualTo(gen);
        for (Row row : d.values()) {
            assertThat(row.<String>getAs(Columns.DECISION)).isEqualTo(reasons(row).isEmpty() ? "INCLUDED" : "EXCLUDED");
        }
        return d;
    }

    private static List<String> reasons(Row row) {
        return row.getList(row.fieldIndex(Columns.REASONS));
    }

    /** Mutable input rows of one small catalog. */
    private static final class Lake {
        final List<Row> tracks = new ArrayList<>();
        final List<Row> licenses = new ArrayList<>();
        final List<Row> consents = new ArrayList<>();

        List<Row> decideAll() {
            return decideAll(policy);
        }

        List<Row> decideAll(Policy policy) {
            return Decisions.decide(policy, AS_OF,
                    RowValidation.annotate(InputTable.TRACKS, Fixtures.frame(InputTable.TRACKS, tracks), policy),
                    RowValidation.annotate(InputTable.LICENSES, Fixtures.frame(InputTable.LICENSES, licenses), policy),
                    RowValidation.annotate(InputTable.CONSENTS, Fixtures.frame(InputTable.CONSENTS, consents), policy))
                    .collectAsList();
        }

        /** Decisions of track "t" by purpose. */
        Map<String, Row> decide() {
            Map<String, Row> byPurpose = new HashMap<>();
            for (Row row : decideAll()) {
                if ("t".equals(row.getAs(Columns.TRACK_ID))) {
                    byPurpose.put(row.getAs(Columns.PURPOSE), row);
                }
            }
            assertThat(byPurpose).containsOnlyKeys(REC, FRAUD, GEN);
            return byPurpose;
        }
    }
}
