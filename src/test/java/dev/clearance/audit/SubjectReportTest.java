package dev.clearance.audit;

import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clearance.audit.SubjectReport.ConsentEventStatus;
import dev.clearance.audit.SubjectReport.EventStatus;
import dev.clearance.audit.SubjectReport.PurposeStatus;
import dev.clearance.audit.SubjectReport.Subject;
import dev.clearance.errors.ExitCode;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code clearance subject}: a creator's tracks and consent events as the latest run applied them. */
@ExtendWith(SparkExtension.class)
class SubjectReportTest {
    private static final String NL = System.lineSeparator();

    private static Cli.Result subject(String user, String... more) {
        List<String> args = new ArrayList<>(List.of("subject", "--config", AuditScenario.config().toString(),
                "--user", user));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static void run(Path config, String asOf) {
        assertThat(Cli.run("run", "--config", config.toString(), "--as-of", asOf).exitCode())
                .isEqualTo(ExitCode.OK.code());
    }

    @Test
    void listsTheTracksAndWhichConsentEventWonOrWasIgnoredAndWhy() {
        Cli.Result result = subject(AuditScenario.U2);

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        String consents = "consents (delta v1, " + AuditScenario.dir().resolve("lake/consents") + ")";
        assertThat(result.out()).isEqualTo(String.join(NL,
                "Data-subject report for user u0000002 at run run-20261127T000000Z (as_of 2026-11-27T00:00:00Z)",
                "",
                "Tracks (2), current status per purpose:",
                "  t000000002",
                "    fraud_detection          INCLUDED   consent NONE  (since run run-20261120T000000Z)",
                "    generative_training      EXCLUDED  [LICENSOR_EXCLUDED]  consent OPT_IN by e0000000006  (since run"
                        + " run-20261127T000000Z)",
                "    recommendation           INCLUDED   consent NONE  (since run run-20261120T000000Z)",
                "  t000000008",
                "    fraud_detection          INCLUDED   consent NONE  (since run run-20261127T000000Z)",
                "    generative_training      INCLUDED   consent OPT_IN by e0000000006  (since run run-20261127T000000Z)",
                "    recommendation           INCLUDED   consent NONE  (since run run-20261127T000000Z)",
                "",
                "Consent events (3) in " + consents + ", as applied:",
                "  e0000000003  OPT_IN  for 'marketing_email' at 2026-02-01T00:00:00Z (source settings_page)",
                "    IGNORED_PURPOSE: 'marketing_email' is a consent purpose the policy ignores (not one of"
                        + " [recommendation, fraud_detection, generative_training])",
                "  e0000000006  OPT_IN  for 'generative_training' at 2026-11-21T08:00:00Z (source support)",
                "    APPLIED: won for generative_training",
                "  e0000000004  OPT_IN  for 'generative_training' at 2026-12-15T00:00:00Z (source settings_page)",
                "    FUTURE: after the run's as_of 2026-11-27T00:00:00Z: not in effect yet",
                ""));
    }

    @Test
    void aSupersededEventNamesTheWinnerAndAQuarantinedOneItsReason() {
        assertThat(subject(AuditScenario.U1).out()).contains(
                "  e0000000001  OPT_IN  for 'generative_training' at 2026-01-10T09:30:00Z (source settings_page)" + NL
                        + "    SUPERSEDED: superseded for generative_training (by e0000000007)" + NL,
                "  e0000000007  OPT_OUT for 'generative_training' at 2026-11-25T18:45:00Z (source api)" + NL
                        + "    APPLIED: won for generative_training" + NL,
                "    generative_training      EXCLUDED  [LICENSE_RECORD_INVALID, CONSENT_OPTED_OUT]  consent OPT_OUT by"
                        + " e0000000007  (since run run-20261127T000000Z)");
        assertThat(subject(AuditScenario.U3).out()).contains(
                "  e0000000002  OPT_OUT for '*' at 2026-03-01T12:00:00Z (source api)" + NL
                        + "    APPLIED: won for recommendation, fraud_detection, generative_training" + NL);
        assertThat(subject(AuditScenario.U4).out()).contains("  e0000000005  QUARANTINED  UNKNOWN_ENUM"
                + " {\"event_id\":\"e0000000005\",\"user_id\":\"u0000004\",\"purpose\":\"recommendation\",\"action\":"
                + "\"MAYBE\",\"event_ts\":\"2026-04-01T00:00:00.000Z\",\"source\":\"support\"}");
        Cli.Result invalidTrack = subject(AuditScenario.U5);
        assertThat(invalidTrack.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(invalidTrack.out()).contains("Tracks (0), current status per purpose:" + NL + "  none in lineage/current",
                "Quarantined track rows (excluded everywhere as INVALID_TRACK_RECORD):" + NL
                        + "  t000000006  UNKNOWN_ENUM  {\"track_id\":\"t000000006\",\"uploader_id\":\"u0000005\"");
    }

    @Test
    void jsonGivesEachEventItsStatus() throws Exception {
        Cli.Result result = subject(AuditScenario.U2, "--json");
        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertThat(json.get("run_id").asText()).isEqualTo(AuditScenario.RUN2);
        List<String> events = new ArrayList<>();
        json.get("consent_events").forEach(e -> events.add(e.get("event_id").asText() + " " + e.get("status").asText()));
        assertThat(events).containsExactly("e0000000003 IGNORED_PURPOSE", "e0000000006 APPLIED", "e0000000004 FUTURE");
        List<String> tracks = new ArrayList<>();
        json.get("tracks").forEach(t -> t.get("purposes").forEach(p -> tracks.add(t.get("track_id").asText() + "/"
                + p.get("purpose").asText() + " " + p.get("decision").asText())));
        assertThat(tracks).containsExactly("t000000002/fraud_detection INCLUDED",
                "t000000002/generative_training EXCLUDED", "t000000002/recommendation INCLUDED",
                "t000000008/fraud_detection INCLUDED", "t000000008/generative_training INCLUDED",
                "t000000008/recommendation INCLUDED");
    }

    @Test
    void anUploaderTransferMovesTheTrackToItsNewUploader(@TempDir Path dir) {
        // Neither uploader has a consent event and no decision changes: only the uploader_id on the ledger row
        // (contract v2 §4) records the transfer.
        List<Row> licenses = List.of(license("l1", "t1", "SELF", null, null, null),
                license("l2", "t2", "SELF", null, null, null));
        Fixtures.writeLake(dir.resolve("lake"), List.of(track("t1", "uOld", "ACTIVE", null, null),
                track("t2", "uOld", "ACTIVE", null, null)), licenses, List.of());
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
        run(config, "2026-06-01T00:00:00Z");
        Fixtures.writeLake(dir.resolve("lake"), List.of(track("t1", "uNew", "ACTIVE", null, null),
                track("t2", "uOld", "ACTIVE", null, null)), licenses, List.of());
        run(config, "2026-06-08T00:00:00Z");

        Cli.Result newUploader = Cli.run("subject", "--config", config.toString(), "--user", "uNew");
        assertThat(newUploader.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(newUploader.out()).startsWith(String.join(NL,
                "Data-subject report for user uNew at run run-20260608T000000Z (as_of 2026-06-08T00:00:00Z)",
                "",
                "Tracks (1), current status per purpose:",
                "  t1",
                "    fraud_detection          INCLUDED   consent NONE  (since run run-20260608T000000Z)",
                "    generative_training      EXCLUDED  [CONSENT_NOT_GIVEN]  consent NONE  (since run"
                        + " run-20260608T000000Z)",
                "    recommendation           INCLUDED   consent NONE  (since run run-20260608T000000Z)",
                ""));
        assertThat(Cli.run("subject", "--config", config.toString(), "--user", "uOld").out())
                .contains("Tracks (1), current status per purpose:" + NL + "  t2" + NL)
                .doesNotContain("  t1" + NL);
    }

    @Test
    void aConsentPurposeIsLabelledAsTheRunNormalisedIt(@TempDir Path dir) {
        String spaced = "Generative-Training\u00a0"; // trimmed (a no-break space), '-' becomes '_'
        String kelvin = "MAR\u212AETING_EMAIL"; // KELVIN SIGN lower-cases to 'k': the ignored marketing_email
        String dotted = "RECOMMENDAT\u0130ON"; // U+0130 lower-cases to 'i' and a combining dot: no purpose
        Fixtures.writeLake(dir.resolve("lake"), List.of(track("t1", "u1", "ACTIVE", null, null)),
                List.of(license("l1", "t1", "SELF", null, null, null)),
                List.of(Fixtures.consent("e1", "u1", spaced, "OPT_IN", "2026-01-01T00:00:00Z"),
                        Fixtures.consent("e2", "u1", kelvin, "OPT_OUT", "2026-02-01T00:00:00Z"),
                        Fixtures.consent("e3", "u1", dotted, "OPT_OUT", "2026-03-01T00:00:00Z")));
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.5);
        run(config, "2026-06-01T00:00:00Z");

        // Not through the command line: the raw purposes must not depend on the console's encoding.
        Subject subject = SubjectReport.report(OutputRoot.open(SparkExtension.spark(), dir.resolve("out").toString()),
                "u1");

        assertThat(subject.tracks().get(0).purposes())
                .extracting(PurposeStatus::purpose, PurposeStatus::reasons, PurposeStatus::consentEventId)
                .containsExactly(tuple("fraud_detection", List.of(), null),
                        tuple("generative_training", List.of("CONSENT_RECORD_INVALID"), "e1"),
                        tuple("recommendation", List.of("CONSENT_RECORD_INVALID"), null));
        assertThat(subject.consentEvents())
                .extracting(ConsentEventStatus::eventId, ConsentEventStatus::purpose, ConsentEventStatus::status)
                .containsExactly(tuple("e1", spaced, EventStatus.APPLIED),
                        tuple("e2", kelvin, EventStatus.IGNORED_PURPOSE), tuple("e3", null, EventStatus.QUARANTINED));
        assertThat(subject.consentEvents()).extracting(ConsentEventStatus::detail).containsExactly(
                "won for generative_training",
                "'marketing_email' is a consent purpose the policy ignores (not one of [recommendation,"
                        + " fraud_detection, generative_training])",
                "UNKNOWN_PURPOSE {\"event_id\":\"e3\",\"user_id\":\"u1\",\"purpose\":\"" + dotted
                        + "\",\"action\":\"OPT_OUT\",\"event_ts\":\"2026-03-01T00:00:00.000Z\",\"source\":"
                        + "\"settings_page\"}");
    }

    @Test
    void anUnknownUserExitsTwo() {
        Cli.Result result = subject("u9999999");
        assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(result.err()).contains("clearance: user u9999999 has no track in lineage/current and no consent"
                + " event in consents (delta v1, ");
    }
}
