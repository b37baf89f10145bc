package dev.clearance.audit;

import static dev.clearance.testing.AuditScenario.GEN;
import static dev.clearance.testing.AuditScenario.REC;
import static dev.clearance.testing.AuditScenario.RUN1;
import static dev.clearance.testing.AuditScenario.RUN2;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clearance.errors.ExitCode;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code clearance explain} on the two-run scenario: every reason as a sentence with the evidence the run read. */
@ExtendWith(SparkExtension.class)
class ExplainTest {
    private static final String SHA = Fixtures.defaultPolicy().sha256();

    private static Cli.Result explain(String... args) {
        return Cli.run(Stream.concat(Stream.of("explain", "--config", AuditScenario.config().toString()),
                Stream.of(args)).toArray(String[]::new));
    }

    @Test
    void printsTheHistoryOfEveryPurposeWithSentencesAndEvidence() {
        Cli.Result result = explain("--track", AuditScenario.T2);

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        String licence = "l000000002 MAJOR_LABEL 'Licensor of t000000002' [always .. open-ended)";
        String runHeader1 = "  * run " + RUN1 + "  as_of 2026-11-20T00:00:00Z\n    policy 2026-11-27.1  sha256 " + SHA + "\n";
        String runHeader2 = "  * run " + RUN2 + "  as_of 2026-11-27T00:00:00Z\n    policy 2026-11-27.1  sha256 " + SHA + "\n";
        String noTagNoDmi = "      no-AI tag: none; embedded DMI: none\n";
        assertThat(result.out()).isEqualTo(String.join("",
                "Track t000000002 at run " + RUN2 + " (as_of 2026-11-27T00:00:00Z)\n",
                "\n",
                "fraud_detection: INCLUDED (since run " + RUN1 + ")\n",
                "  history, 1 change:\n",
                runHeader1,
                "    INCLUDED\n",
                "    - INCLUDED: no exclusion rule of policy 2026-11-27.1 applied to track t000000002 for"
                        + " fraud_detection at 2026-11-20T00:00:00Z\n",
                "    evidence: uploader u0000002; consent NONE\n",
                "      licences in force: " + licence + "\n",
                noTagNoDmi,
                "\n",
                "generative_training: EXCLUDED [LICENSOR_EXCLUDED] (since run " + RUN2 + ")\n",
                "  history, 2 changes:\n",
                runHeader1,
                "    EXCLUDED [LICENSOR_EXCLUDED, CONSENT_NOT_GIVEN]\n",
                "    - LICENSOR_EXCLUDED: a licence in force has a licensor type that policy 2026-11-27.1 excludes"
                        + " from generative_training: l000000002 (MAJOR_LABEL 'Licensor of t000000002', valid without"
                        + " time limits)\n",
                "    - CONSENT_NOT_GIVEN: uploader u0000002 has no OPT_IN for generative_training at or before"
                        + " 2026-11-20T00:00:00Z; later choices, not in effect at that as_of: e0000000004 OPT_IN for"
                        + " 'generative_training' at 2026-12-15T00:00:00Z (source settings_page)\n",
                "    evidence: uploader u0000002; consent NONE\n",
                "      licences in force: " + licence + "\n",
                noTagNoDmi,
                runHeader2,
                "    EXCLUDED [LICENSOR_EXCLUDED]\n",
                "    - LICENSOR_EXCLUDED: a licence in force has a licensor type that policy 2026-11-27.1 excludes"
                        + " from generative_training: l000000002 (MAJOR_LABEL 'Licensor of t000000002', valid without"
                        + " time limits)\n",
                "    evidence: uploader u0000002; consent OPT_IN by event e0000000006 (OPT_IN for"
                        + " 'generative_training' at 2026-11-21T08:00:00Z, source support)\n",
                "      licences in force: " + licence + "\n",
                noTagNoDmi,
                "\n",
                "recommendation: INCLUDED (since run " + RUN1 + ")\n",
                "  history, 1 change:\n",
                runHeader1,
                "    INCLUDED\n",
                "    - INCLUDED: no exclusion rule of policy 2026-11-27.1 applied to track t000000002 for"
                        + " recommendation at 2026-11-20T00:00:00Z\n",
                "    evidence: uploader u0000002; consent NONE\n",
                "      licences in force: " + licence + "\n",
                noTagNoDmi).replace("\n", System.lineSeparator()));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "t000000003|recommendation|STATE_NOT_ELIGIBLE: track t000000003 has state 'PRIVATE', which policy 2026-11-27.1"
                + " does not make eligible for recommendation",
        "t000000007|recommendation|LICENSE_RECORD_INVALID: licence rows of track t000000007 were quarantined by run"
                + " run-20261120T000000Z: BAD_INTERVAL {\"license_id\":\"l000000072\",\"track_id\":\"t000000007\","
                + "\"licensor_type\":\"SELF\",\"licensor_name\":\"Licensor of t000000007\",\"prohibited_purposes\":null,"
                + "\"valid_from\":\"2026-05-01T00:00:00.000Z\",\"valid_to\":\"2026-04-01T00:00:00.000Z\"}",
        "t000000005|recommendation|NO_VALID_LICENSE: no licence of track t000000005 was in force at"
                + " 2026-11-20T00:00:00Z, and recommendation requires one (its licences: l000000005 (SELF 'Licensor of"
                + " t000000005', valid from 2027-01-01T00:00:00Z, open-ended): not yet in force)",
        "t000000004|recommendation|LICENSE_PROHIBITS_PURPOSE: l000000004 (INDEPENDENT_LABEL 'Licensor of t000000004',"
                + " valid from 2026-01-01T00:00:00Z until 2027-01-01T00:00:00Z (exclusive), prohibits [recommendation])"
                + " is in force at 2026-11-20T00:00:00Z and prohibits recommendation",
        "t000000004|generative_training|NO_AI_TAG: track t000000004 carries the tag 'No AI', which matches a no-AI tag"
                + " of policy 2026-11-27.1, and generative_training honours no-AI tags",
        "t000000004|generative_training|EMBEDDED_RESERVATION: the audio file's embedded DMI value"
                + " 'http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING' (DMI-PROHIBITED-GENAIMLTRAINING)"
                + " reserves it from generative_training under policy 2026-11-27.1",
        "t000000005|generative_training|CONSENT_RECORD_INVALID: consent rows of uploader u0000004 were quarantined by"
                + " run run-20261120T000000Z: UNKNOWN_ENUM {\"event_id\":\"e0000000005\",\"user_id\":\"u0000004\","
                + "\"purpose\":\"recommendation\",\"action\":\"MAYBE\",\"event_ts\":\"2026-04-01T00:00:00.000Z\","
                + "\"source\":\"support\"}; one of them may have been an opt-out, so generative_training, which needs"
                + " consent, is closed to the track",
        "t000000004|recommendation|CONSENT_OPTED_OUT: uploader u0000003 opted out of recommendation: event e0000000002"
                + " OPT_OUT for '*' at 2026-03-01T12:00:00Z (source api) is the latest applicable choice at or before"
                + " 2026-11-20T00:00:00Z",
        "t000000005|generative_training|CONSENT_NOT_GIVEN: uploader u0000004 has no OPT_IN for generative_training at"
                + " or before 2026-11-20T00:00:00Z",
        "t000000006|fraud_detection|INVALID_TRACK_RECORD: the track's own row was quarantined by run"
                + " run-20261120T000000Z: UNKNOWN_ENUM {\"track_id\":\"t000000006\",\"uploader_id\":\"u0000005\","
                + "\"title\":\"Title t000000006\",\"genre\":\"ambient\",\"duration_ms\":180000,\"audio_uri\":"
                + "\"s3://audio/t000000006.flac\",\"tags\":null,\"state\":\"ARCHIVED\",\"embedded_dmi\":null,"
                + "\"uploaded_at\":\"2025-01-01T00:00:00.000Z\"}",
        "t000000003|generative_training|TRACK_NOT_IN_CATALOG: track t000000003 was no longer in the tracks table that"
                + " run run-20261127T000000Z read (tracks (delta v1, ",
    })
    void everyReasonIsASentenceWithItsEvidence(String track, String purpose, String sentence) {
        Cli.Result result = explain("--track", track, "--purpose", purpose);
        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(result.out()).contains("    - " + sentence);
    }

    @Test
    void atRunGivesTheStateAsOfThatRunAndOnlyTheHistoryUpToIt() {
        // the purpose is normalised like any purpose name
        Cli.Result then = explain("--track", AuditScenario.T1, "--purpose", " Generative-Training", "--at-run", RUN1);
        assertThat(then.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(then.out()).startsWith("Track t000000001 at run " + RUN1 + " (as_of 2026-11-20T00:00:00Z)")
                .contains("generative_training: INCLUDED (since run " + RUN1 + ")", "history, 1 change:",
                        "consent OPT_IN by event e0000000001 (OPT_IN for 'generative_training' at 2026-01-10T09:30:00Z,"
                                + " source settings_page)")
                .doesNotContain(RUN2);

        Cli.Result now = explain("--track", AuditScenario.T1, "--purpose", GEN);
        assertThat(now.out()).contains("generative_training: EXCLUDED [CONSENT_OPTED_OUT] (since run " + RUN2 + ")",
                "history, 2 changes:");

        Cli.Result removed = explain("--track", AuditScenario.T3, "--purpose", REC);
        assertThat(removed.out()).contains("recommendation: REMOVED [TRACK_NOT_IN_CATALOG] (since run " + RUN2 + ")",
                "    evidence: none recorded on this row (uploader u0000001)");
        Cli.Result notYet = explain("--track", AuditScenario.T8, "--at-run", RUN1);
        assertThat(notYet.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(notYet.err()).contains("track t000000008 had no decision yet at run " + RUN1
                + " (as_of 2026-11-20T00:00:00Z); its first decision is in run " + RUN2);
    }

    @Test
    void jsonCarriesTheSameFacts() throws Exception {
        Cli.Result result = explain("--track", AuditScenario.T1, "--purpose", GEN, "--json");
        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertThat(json.get("track_id").asText()).isEqualTo(AuditScenario.T1);
        assertThat(json.get("at_run").asText()).isEqualTo(RUN2);
        JsonNode purpose = json.get("purposes").get(0);
        assertThat(purpose.get("purpose").asText()).isEqualTo(GEN);
        assertThat(purpose.get("history")).hasSize(2);
        JsonNode state = purpose.get("state");
        assertThat(state.get("run_id").asText()).isEqualTo(RUN2);
        assertThat(state.get("decision").asText()).isEqualTo("EXCLUDED");
        assertThat(state.get("policy_sha256").asText()).isEqualTo(SHA);
        assertThat(state.get("explanation").get(0).get("reason").asText()).isEqualTo("CONSENT_OPTED_OUT");
        JsonNode event = state.get("evidence").get("consent_event");
        assertThat(List.of(event.get("event_id").asText(), event.get("action").asText(), event.get("event_ts").asText(),
                event.get("source").asText()))
                .containsExactly("e0000000007", "OPT_OUT", "2026-11-25T18:45:00Z", "api");
        JsonNode licence = state.get("evidence").get("licenses_in_force").get(0);
        assertThat(List.of(licence.get("license_id").asText(), licence.get("licensor_type").asText(),
                licence.get("valid_from").asText()))
                .containsExactly("l000000001", "SELF", "2025-01-01T00:00:00Z");
        assertThat(licence.get("valid_to").isNull()).isTrue();
    }

    @Test
    void anUnknownTrackPurposeOrRunExitsTwo() {
        Cli.Result track = explain("--track", "t000000001 ");
        assertThat(track.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(track.err()).contains("clearance: track t000000001  is not in the ledger at "
                + AuditScenario.output().resolve("lineage/decisions") + ": no run has decided it");

        Cli.Result purpose = explain("--track", AuditScenario.T1, "--purpose", "marketing_email");
        assertThat(purpose.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(purpose.err()).contains("track t000000001 has no decision for purpose 'marketing_email' in the"
                + " ledger; its purposes are fraud_detection, generative_training, recommendation");

        Cli.Result run = explain("--track", AuditScenario.T1, "--at-run", "run-19990101T000000Z");
        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(run.err()).contains("run run-19990101T000000Z is not in the run log");

        assertThat(Cli.run("explain", "--config", AuditScenario.config().toString()).exitCode())
                .isEqualTo(ExitCode.USAGE.code());
    }

    @Test
    void aDmiValueIsExplainedAsTheRunReadIt(@TempDir Path dir) {
        String uri = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING";
        String unknown = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-EVERYTHING";
        String allowed = " dmi-allowed ";
        Fixtures.writeLake(dir.resolve("lake"),
                List.of(track("d1", "u1", "ACTIVE", null, uri), track("d2", "u1", "ACTIVE", null, unknown),
                        track("d3", "u1", "ACTIVE", null, allowed)),
                List.of(license("l1", "d1", "SELF", null, null, null), license("l2", "d2", "SELF", null, null, null),
                        license("l3", "d3", "SELF", null, null, null)),
                List.of(Fixtures.consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
        assertThat(Cli.run("run", "--config", config.toString(), "--as-of", "2026-06-01T00:00:00Z").exitCode())
                .isEqualTo(ExitCode.OK.code());
        String run = " (since run run-20260601T000000Z)";
        String reserves = "    - EMBEDDED_RESERVATION: the audio file's embedded DMI value ";

        // The decisions (header lines) are the ledger's; the sentences must read the value the same way.
        assertThat(Cli.run("explain", "--config", config.toString(), "--track", "d1").out()).contains(
                "generative_training: EXCLUDED [EMBEDDED_RESERVATION]" + run,
                reserves + "'" + uri + "' (DMI-PROHIBITED-GENAIMLTRAINING) reserves it from generative_training under"
                        + " policy 2026-11-27.1",
                "recommendation: INCLUDED" + run);
        assertThat(Cli.run("explain", "--config", config.toString(), "--track", "d2").out()).contains(
                "generative_training: EXCLUDED [EMBEDDED_RESERVATION]" + run,
                reserves + "'" + unknown + "' (not an IPTC value, so read as DMI-PROHIBITED) reserves it from"
                        + " generative_training under policy 2026-11-27.1",
                "recommendation: EXCLUDED [EMBEDDED_RESERVATION]" + run,
                reserves + "'" + unknown + "' (not an IPTC value, so read as DMI-PROHIBITED) reserves it from"
                        + " recommendation under policy 2026-11-27.1");
        assertThat(Cli.run("explain", "--config", config.toString(), "--track", "d3").out())
                .contains("generative_training: INCLUDED" + run, "recommendation: INCLUDED" + run,
                        "embedded DMI: '" + allowed + "'")
                .doesNotContain("EMBEDDED_RESERVATION");
    }

    @Test
    void evidenceThatCanNoLongerBeReadIsReportedNotInvented(@TempDir Path dir) throws Exception {
        Fixtures.writeLake(dir.resolve("lake"), List.of(track("t1", "u1", "ACTIVE", null, null)),
                List.of(license("l1", "t1", "MAJOR_LABEL", null, null, null)), List.of());
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
        assertThat(Cli.run("run", "--config", config.toString(), "--as-of", "2026-06-01T00:00:00Z").exitCode())
                .isEqualTo(ExitCode.OK.code());
        try (Stream<Path> files = Files.walk(dir.resolve("lake/licenses"))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        Cli.Result result = Cli.run("explain", "--config", config.toString(), "--track", "t1", "--purpose", GEN);

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        String gone = "licenses (delta v0, " + dir.resolve("lake/licenses") + ") is no longer readable: input table"
                + " licenses not found at " + dir.resolve("lake/licenses");
        assertThat(result.out())
                .contains("    - LICENSOR_EXCLUDED: a licence in force has a licensor type that policy 2026-11-27.1"
                        + " excludes from generative_training: licences in force [l1] (" + gone)
                .contains("      licences in force: l1" + System.lineSeparator())
                .contains("      note: " + gone);
    }
}
