package dev.clearance.cli;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clearance.errors.ExitCode;
import dev.clearance.policy.Policy;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** run --summary-json: the exact document for each outcome, with the exit code the process returns. */
@ExtendWith(SparkExtension.class)
class RunSummaryJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Policy POLICY = Fixtures.defaultPolicy();

    @TempDir
    Path dir;

    private Path summary;
    private Instant before;

    @BeforeEach
    void lake() {
        // t2 is excluded from generative_training; license l9 (of a track not in the catalog) is quarantined.
        Fixtures.writeLake(dir.resolve("lake"),
                List.of(track("t1", "u1", "ACTIVE", null, null), track("t2", "u2", "ACTIVE", null, null)),
                List.of(license("l1", "t1", "SELF", null, null, null), license("l2", "t2", "MAJOR_LABEL", null, null, null),
                        license("l9", "t9", "BOGUS", null, null, null)),
                List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
        summary = dir.resolve("xcom/summary.json");
    }

    private int run(double maxFraction, String... args) {
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, maxFraction);
        List<String> all = Stream.concat(Stream.of("run", "--config", config.toString(), "--summary-json",
                summary.toString()), Stream.of(args)).toList();
        before = Instant.now();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return Main.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    /** The written document, its timestamps checked to be this invocation's and replaced by placeholders. */
    private JsonNode written() throws IOException {
        Instant after = Instant.now();
        try (Stream<Path> files = Files.list(summary.getParent())) {
            assertThat(files).containsExactly(summary); // no temporary file left behind
        }
        ObjectNode json = (ObjectNode) MAPPER.readTree(summary.toFile());
        for (String key : List.of("started_at", "finished_at")) {
            assertThat(Instant.parse(json.get(key).asText())).isBetween(before, after);
            json.put(key, key);
        }
        return json;
    }

    private JsonNode expected(String json) throws IOException {
        return MAPPER.readTree(json.replace("$DIR", dir.toAbsolutePath().toString())
                .replace("$POLICY_VERSION", POLICY.version()).replace("$SHA", POLICY.sha256()));
    }

    private static final String INPUTS = """
            [{"table": "tracks", "format": "delta", "path": "$DIR/lake/tracks", "version": 0, "fingerprint": null},
             {"table": "licenses", "format": "delta", "path": "$DIR/lake/licenses", "version": 0, "fingerprint": null},
             {"table": "consents", "format": "delta", "path": "$DIR/lake/consents", "version": 0, "fingerprint": null}]
            """;

    private static final String COUNTS = """
            {"decisions": {"recommendation": {"included": 2, "excluded": 0},
                           "fraud_detection": {"included": 2, "excluded": 0},
                           "generative_training": {"included": 1, "excluded": 1}},
             "reasons": {"recommendation": {}, "fraud_detection": {},
                         "generative_training": {"CONSENT_NOT_GIVEN": 1, "LICENSOR_EXCLUDED": 1}},
             "quarantine": {"tracks": {}, "licenses": {"UNKNOWN_ENUM": 1}, "consents": {}},
             "quarantined_rows": 1,
             "ledger_rows": 6}
            """;

    private static final String RECORDED_OUTPUTS = """
            {"table": "quarantine", "path": "$DIR/out/quarantine", "version": 1, "rows": 1},
            {"table": "lineage/decisions", "path": "$DIR/out/lineage/decisions", "version": 1, "rows": 6},
            {"table": "lineage/current", "path": "$DIR/out/lineage/current", "version": 1, "rows": 6},
            {"table": "curated/recommendation", "path": "$DIR/out/curated/recommendation", "version": 1, "rows": 2},
            {"table": "curated/fraud_detection", "path": "$DIR/out/curated/fraud_detection", "version": 1, "rows": 2},
            {"table": "curated/generative_training", "path": "$DIR/out/curated/generative_training", "version": 1, "rows": 1}
            """;

    @Test
    void aSuccessAndItsNoOpRerun() throws IOException {
        assertThat(run(0.5, "--as-of", "2026-06-01T00:00:00Z")).isEqualTo(ExitCode.OK.code());
        assertThat(written()).isEqualTo(expected("""
                {"status": "SUCCEEDED", "exit_code": 0, "already_succeeded": false, "message": null,
                 "run_id": "run-20260601T000000Z", "as_of": "2026-06-01T00:00:00Z",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": "full", "mode_reason": "no earlier run succeeded on this output root",
                 "inputs": %s,
                 "outputs": [%s, {"table": "runs", "path": "$DIR/out/runs", "version": 2, "rows": 1}],
                 "counts": %s}
                """.formatted(INPUTS, RECORDED_OUTPUTS, COUNTS)));

        assertThat(run(0.5, "--run-id", "run-20260601T000000Z")).isEqualTo(ExitCode.OK.code());
        ObjectNode rerun = (ObjectNode) written();
        assertThat(rerun.get("message").asText())
                .matches("run run-20260601T000000Z already succeeded at 2026-.*Z; nothing to do");
        rerun.put("message", "message");
        assertThat(rerun).isEqualTo(expected("""
                {"status": "SUCCEEDED", "exit_code": 0, "already_succeeded": true, "message": "message",
                 "run_id": "run-20260601T000000Z", "as_of": "2026-06-01T00:00:00Z",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": "full", "mode_reason": "no earlier run succeeded on this output root",
                 "inputs": %s,
                 "outputs": [%s],
                 "counts": %s}
                """.formatted(INPUTS, RECORDED_OUTPUTS, COUNTS)));

        // A summary that cannot be written after a success fails the command (a rerun is a no-op that writes it).
        Path published = summary;
        summary = dir.resolve("xcom");
        assertThat(run(0.5, "--run-id", "run-20260601T000000Z")).isEqualTo(ExitCode.INTERNAL.code());
        summary = published;

        assertThat(run(0.5, "--as-of", "2026-05-01T00:00:00Z")).isEqualTo(ExitCode.CONFLICT.code());
        assertThat(written()).isEqualTo(expected("""
                {"status": "FAILED", "exit_code": 5, "already_succeeded": false,
                 "message": "as_of 2026-05-01T00:00:00Z of run run-20260501T000000Z is earlier than 2026-06-01T00:00:00Z, the as_of of the last successful run run-20260601T000000Z; the ledger only moves forward. Use an --as-of at or after 2026-06-01T00:00:00Z.",
                 "run_id": "run-20260501T000000Z", "as_of": "2026-05-01T00:00:00Z",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": null, "mode_reason": null,
                 "inputs": [], "outputs": [], "counts": null}
                """));
    }

    @Test
    void aBadBatchExitsFourWithTheQuarantineCounts() throws IOException {
        assertThat(run(0.01, "--run-id", "bad-batch")).isEqualTo(ExitCode.QUARANTINE_LIMIT.code());
        JsonNode json = written();
        assertThat(Instant.parse(json.get("as_of").asText())).isBetween(before.truncatedTo(ChronoUnit.SECONDS),
                Instant.now());
        ((ObjectNode) json).put("as_of", "as_of");
        assertThat(json).isEqualTo(expected("""
                {"status": "FAILED", "exit_code": 4, "already_succeeded": false,
                 "message": "quarantine limit exceeded (max_fraction 0.01): licenses: 1 of 3 rows invalid (33.33%%). Nothing but the quarantine was published; see the quarantine table for run bad-batch, fix the upstream export and run again.",
                 "run_id": "bad-batch", "as_of": "as_of",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": "full", "mode_reason": "no earlier run succeeded on this output root",
                 "inputs": %s,
                 "outputs": [{"table": "quarantine", "path": "$DIR/out/quarantine", "version": 1, "rows": 1},
                             {"table": "runs", "path": "$DIR/out/runs", "version": 2, "rows": 1}],
                 "counts": {"decisions": null, "reasons": null,
                            "quarantine": {"tracks": {}, "licenses": {"UNKNOWN_ENUM": 1}, "consents": {}},
                            "quarantined_rows": 1, "ledger_rows": 0}}
                """.formatted(INPUTS)));
    }

    @Test
    void aBrokenInputExitsThreeAndNothingIsRecorded() throws IOException {
        Files.move(dir.resolve("lake/licenses"), dir.resolve("lake/gone"));
        assertThat(run(0.5, "--as-of", "2026-06-01T00:00:00+02:00")).isEqualTo(ExitCode.INPUT_CONTRACT.code());
        assertThat(written()).isEqualTo(expected("""
                {"status": "FAILED", "exit_code": 3, "already_succeeded": false,
                 "message": "input table licenses not found at $DIR/lake/licenses (format delta); check lake.licenses.path in the job configuration",
                 "run_id": "run-20260531T220000Z", "as_of": "2026-05-31T22:00:00Z",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": null, "mode_reason": null,
                 "inputs": [], "outputs": [], "counts": null}
                """));
    }

    @Test
    void usageErrorsAndUnexpectedFailuresAreReportedToo() throws IOException {
        Path missing = dir.resolve("missing.yaml");
        before = Instant.now();
        assertThat(Main.execute("run", "--config", missing.toString(), "--as-of", "2026-06-01T00:00:00Z",
                "--summary-json", summary.toString())).isEqualTo(ExitCode.USAGE.code());
        assertThat(written()).isEqualTo(expected("""
                {"status": "FAILED", "exit_code": 2, "already_succeeded": false,
                 "message": "job configuration $DIR/missing.yaml does not exist",
                 "run_id": "run-20260601T000000Z", "as_of": "2026-06-01T00:00:00Z",
                 "started_at": "started_at", "finished_at": "finished_at",
                 "policy": null, "mode": null, "mode_reason": null, "inputs": [], "outputs": [], "counts": null}
                """));

        // An output root under a regular file: the run lease cannot be created (an I/O failure, exit 70).
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.5);
        Files.writeString(dir.resolve("blocker"), "not a directory");
        Files.writeString(config, Files.readString(config).replace("/out", "/blocker/out"));
        before = Instant.now();
        assertThat(Main.execute("run", "--config", config.toString(), "--run-id", "io", "--summary-json",
                summary.toString())).isEqualTo(ExitCode.INTERNAL.code());
        ObjectNode json = (ObjectNode) written();
        assertThat(json.get("message").asText())
                .startsWith("java.io.UncheckedIOException: cannot take the run lease at " + dir.toAbsolutePath()
                        + "/blocker/out");
        json.put("message", "message");
        assertThat(json).isEqualTo(expected("""
                {"status": "FAILED", "exit_code": 70, "already_succeeded": false, "message": "message",
                 "run_id": "io", "as_of": null, "started_at": "started_at", "finished_at": "finished_at",
                 "policy": {"version": "$POLICY_VERSION", "sha256": "$SHA"},
                 "mode": null, "mode_reason": null,
                 "inputs": [], "outputs": [], "counts": null}
                """));
    }
}
