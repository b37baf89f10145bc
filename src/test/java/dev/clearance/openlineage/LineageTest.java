package dev.clearance.openlineage;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.sun.net.httpserver.HttpServer;
import dev.clearance.audit.RunReport;
import dev.clearance.catalog.InputTable;
import dev.clearance.cli.Main;
import dev.clearance.config.JobConfig;
import dev.clearance.config.LineageConfig;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.errors.InputContractException;
import dev.clearance.policy.Policy;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.openlineage.client.OpenLineage.RunEvent;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClientUtils;
import io.openlineage.client.utils.DatasetIdentifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenLineage events of the run command, read back with the OpenLineage client's own model, and Clearance's own
 * facet of each checked against its shipped JSON Schema by a JSON Schema validator.
 */
@ExtendWith(SparkExtension.class)
class LineageTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REPOSITORY = "https://github.com/clearance-dev/clearance";
    private static final URI PRODUCER = URI.create(REPOSITORY + "/tree/v" + Release.VERSION);
    private static final String SCHEMA_URL = REPOSITORY + "/raw/v" + Release.VERSION
            + "/src/main/resources/dev/clearance/openlineage/ClearanceRunFacet.json#/$defs/ClearanceRunFacet";
    /**
     * The facet's schema, found as a consumer would through the {@code _schemaURL} the events carry: the release
     * tag's files are this build's src/main/resources, on the classpath. Formats ({@code uri}, {@code date-time})
     * are asserted, not only annotated.
     */
    private static final Schema FACET_SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                    registry -> registry
                            .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build())
                            .schemaIdResolvers(ids -> ids.mapPrefix(REPOSITORY + "/raw/v" + Release.VERSION
                                    + "/src/main/resources/", "classpath:")))
            .getSchema(SchemaLocation.of(SCHEMA_URL));
    private static final Policy POLICY = Fixtures.defaultPolicy();
    private static final String PARENT_RUN = "01890f4e-6c5a-7b3e-9d2f-3a4b5c6d7e8f";

    @TempDir
    Path dir;

    private Path events;
    private Path config;

    @BeforeEach
    void lake() {
        writeLake(List.of(license("l1", "t1", "SELF", null, null, null), license("l2", "t2", "MAJOR_LABEL", null, null, null),
                license("l9", "t9", "BOGUS", null, null, null)));
        events = dir.resolve("lineage/events.jsonl");
    }

    private void writeLake(List<Row> licenses) {
        Fixtures.writeLake(dir.resolve("lake"),
                List.of(track("t1", "u1", "ACTIVE", null, null), track("t2", "u2", "ACTIVE", null, null)),
                licenses, List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
    }

    private void configure(double maxFraction) throws IOException {
        config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, maxFraction);
        Files.writeString(config, Files.readString(config) + """
                lineage:
                  namespace: governance
                  job_name: clearance.daily
                  transport: {type: file, path: %s}
                """.formatted(events));
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--config", config.toString()));
        all.addAll(List.of(args));
        return Main.execute(all.toArray(String[]::new));
    }

    /** The events written, each one's custom facet validated first ({@link #parsed}). */
    private List<RunEvent> emitted() throws IOException {
        return parsed(Files.readAllLines(events));
    }

    /**
     * Parses events with the OpenLineage client, after checking that each names this release as its producer and
     * that its {@code clearance_run} facet points at, and is valid against, the facet's schema.
     */
    private static List<RunEvent> parsed(List<String> lines) throws IOException {
        for (String line : lines) {
            JsonNode event = MAPPER.readTree(line);
            JsonNode facet = event.at("/run/facets/" + ClearanceRunFacet.KEY);
            assertThat(event.get("producer").asText()).isEqualTo(PRODUCER.toString());
            assertThat(facet.get("_producer").asText()).isEqualTo(PRODUCER.toString());
            assertThat(facet.get("_schemaURL").asText()).isEqualTo(SCHEMA_URL);
            assertThat(FACET_SCHEMA.validate(facet)).as("%s facet %s", event.get("eventType"), facet).isEmpty();
        }
        List<RunEvent> parsed = lines.stream().map(OpenLineageClientUtils::runEventFromJson).toList();
        assertThat(parsed).allSatisfy(event -> assertThat(event.getRun().getFacets().getAdditionalProperties())
                .containsOnlyKeys(ClearanceRunFacet.KEY));
        return parsed;
    }

    private String path(String relative) {
        return dir.toAbsolutePath().resolve(relative).toString();
    }

    private static UUID uuid(String runId) {
        return UUID.nameUUIDFromBytes(("governance/clearance.daily/" + runId).getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(Object value) {
        return MAPPER.valueToTree(value);
    }

    private static final List<String> OUTPUTS = List.of("out/curated/recommendation", "out/curated/fraud_detection",
            "out/curated/generative_training", "out/lineage/decisions", "out/lineage/current", "out/runs", "out/quarantine");

    @Test
    void aRunEmitsStartAndCompleteWithVersionsCountsAndItsParent() throws IOException {
        configure(0.5);
        assertThat(run("--as-of", "2026-06-01T00:00:00Z", "--lineage-parent-job-namespace", "airflow",
                "--lineage-parent-job-name", "clearance_daily.clearance", "--lineage-parent-run-id", PARENT_RUN))
                .isEqualTo(ExitCode.OK.code());

        List<RunEvent> emitted = emitted();
        assertThat(emitted).extracting(RunEvent::getEventType).containsExactly(EventType.START, EventType.COMPLETE);
        for (RunEvent event : emitted) {
            assertThat(event.getRun().getRunId()).isEqualTo(uuid("run-20260601T000000Z"));
            assertThat(event.getJob().getNamespace()).isEqualTo("governance");
            assertThat(event.getJob().getName()).isEqualTo("clearance.daily");
            assertThat(event.getJob().getFacets().getJobType().getProcessingType()).isEqualTo("BATCH");
            OpenLineage.ParentRunFacet parent = event.getRun().getFacets().getParent();
            assertThat(parent.getRun().getRunId()).isEqualTo(UUID.fromString(PARENT_RUN));
            assertThat(parent.getJob().getNamespace()).isEqualTo("airflow");
            assertThat(parent.getJob().getName()).isEqualTo("clearance_daily.clearance");
            assertThat(event.getRun().getFacets().getNominalTime().getNominalStartTime().toInstant())
                    .isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
            assertThat(event.getInputs()).extracting(OpenLineage.Dataset::getNamespace, OpenLineage.Dataset::getName)
                    .containsExactly(tuple("file", path("lake/tracks")), tuple("file", path("lake/licenses")),
                            tuple("file", path("lake/consents")));
            assertThat(event.getInputs()).allSatisfy(input ->
                    assertThat(input.getFacets().getStorage().getStorageLayer()).isEqualTo("delta"));
        }

        RunEvent start = emitted.get(0);
        assertThat(start.getInputs()).allSatisfy(input -> assertThat(input.getFacets().getVersion()).isNull());
        assertThat(start.getOutputs()).extracting(OpenLineage.Dataset::getName)
                .containsExactlyElementsOf(OUTPUTS.stream().map(this::path).toList());
        assertThat(start.getOutputs()).allSatisfy(output -> {
            assertThat(output.getFacets().getVersion()).isNull();
            assertThat(output.getOutputFacets()).isNull();
        });
        assertThat(json(start.getRun().getFacets().getAdditionalProperties().get(ClearanceRunFacet.KEY).getAdditionalProperties()))
                .isEqualTo(MAPPER.readTree("""
                        {"run_id": "run-20260601T000000Z", "as_of": "2026-06-01T00:00:00Z",
                         "policy_version": "%s", "policy_sha256": "%s"}
                        """.formatted(POLICY.version(), POLICY.sha256())));

        RunEvent complete = emitted.get(1);
        assertThat(complete.getInputs()).extracting(i -> i.getFacets().getVersion().getDatasetVersion())
                .containsExactly("0", "0", "0");
        assertThat(complete.getOutputs()).extracting(OpenLineage.Dataset::getName,
                        o -> o.getFacets().getVersion().getDatasetVersion(),
                        o -> o.getOutputFacets().getOutputStatistics().getRowCount())
                .containsExactly(
                        tuple(path("out/quarantine"), "1", 1L),
                        tuple(path("out/lineage/decisions"), "1", 6L),
                        tuple(path("out/lineage/current"), "1", 6L),
                        tuple(path("out/curated/recommendation"), "1", 2L),
                        tuple(path("out/curated/fraud_detection"), "1", 2L),
                        tuple(path("out/curated/generative_training"), "1", 1L),
                        tuple(path("out/runs"), "2", 1L));
        assertThat(complete.getRun().getFacets().getErrorMessage()).isNull();
        assertThat(json(complete.getRun().getFacets().getAdditionalProperties().get(ClearanceRunFacet.KEY).getAdditionalProperties()))
                .isEqualTo(MAPPER.readTree("""
                        {"run_id": "run-20260601T000000Z", "as_of": "2026-06-01T00:00:00Z",
                         "policy_version": "%s", "policy_sha256": "%s", "exit_code": 0,
                         "mode": "full", "mode_reason": "no earlier run succeeded on this output root",
                         "counts": {"decisions": {"recommendation": {"included": 2, "excluded": 0},
                                                  "fraud_detection": {"included": 2, "excluded": 0},
                                                  "generative_training": {"included": 1, "excluded": 1}},
                                    "reasons": {"recommendation": {}, "fraud_detection": {},
                                                "generative_training": {"CONSENT_NOT_GIVEN": 1, "LICENSOR_EXCLUDED": 1}},
                                    "quarantine": {"tracks": {}, "licenses": {"UNKNOWN_ENUM": 1}, "consents": {}},
                                    "quarantined_rows": 1, "ledger_rows": 6}}
                        """.formatted(POLICY.version(), POLICY.sha256())));

        // A rerun of the succeeded run_id does nothing, so it says nothing.
        assertThat(run("--run-id", "run-20260601T000000Z")).isEqualTo(ExitCode.OK.code());
        assertThat(emitted()).hasSize(2);
    }

    @Test
    void aBadBatchEmitsFailAndItsRetryCompletesTheSameOpenLineageRun() throws IOException {
        configure(0.01);
        assertThat(run("--run-id", "daily-1")).isEqualTo(ExitCode.QUARANTINE_LIMIT.code());
        List<RunEvent> emitted = emitted();
        assertThat(emitted).extracting(RunEvent::getEventType).containsExactly(EventType.START, EventType.FAIL);
        assertThat(emitted).extracting(e -> e.getRun().getRunId()).containsOnly(uuid("daily-1"));
        assertThat(emitted).allSatisfy(e -> assertThat(e.getRun().getFacets().getParent()).isNull());

        RunEvent fail = emitted.get(1);
        assertThat(fail.getRun().getFacets().getErrorMessage().getMessage())
                .startsWith("quarantine limit exceeded (max_fraction 0.01): licenses: 1 of 3 rows invalid (33.33%)");
        assertThat(fail.getRun().getFacets().getErrorMessage().getProgrammingLanguage()).isEqualTo("JAVA");
        assertThat(fail.getRun().getFacets().getErrorMessage().getStackTrace()).isNull();
        assertThat(fail.getInputs()).extracting(i -> i.getFacets().getVersion().getDatasetVersion())
                .containsExactly("0", "0", "0");
        assertThat(fail.getOutputs()).extracting(OpenLineage.Dataset::getName,
                        o -> o.getFacets().getVersion().getDatasetVersion(),
                        o -> o.getOutputFacets().getOutputStatistics().getRowCount())
                .containsExactly(tuple(path("out/quarantine"), "1", 1L), tuple(path("out/runs"), "2", 1L));
        Map<String, Object> facet = fail.getRun().getFacets().getAdditionalProperties().get(ClearanceRunFacet.KEY)
                .getAdditionalProperties();
        assertThat(facet).containsEntry("exit_code", 4).containsEntry("run_id", "daily-1");
        assertThat(json(facet.get("counts"))).isEqualTo(MAPPER.readTree("""
                {"decisions": null, "reasons": null,
                 "quarantine": {"tracks": {}, "licenses": {"UNKNOWN_ENUM": 1}, "consents": {}},
                 "quarantined_rows": 1, "ledger_rows": 0}
                """));
        String asOf = (String) facet.get("as_of");
        assertThat(fail.getRun().getFacets().getNominalTime().getNominalStartTime().toInstant())
                .isEqualTo(Instant.parse(asOf));

        // The upstream export is fixed and the task retried: the same OpenLineage run completes.
        writeLake(List.of(license("l1", "t1", "SELF", null, null, null), license("l2", "t2", "MAJOR_LABEL", null, null, null)));
        assertThat(run("--run-id", "daily-1")).isEqualTo(ExitCode.OK.code());
        List<RunEvent> retried = emitted().subList(2, emitted().size());
        assertThat(retried).extracting(RunEvent::getEventType).containsExactly(EventType.START, EventType.COMPLETE);
        assertThat(retried).extracting(e -> e.getRun().getRunId()).containsOnly(uuid("daily-1"));
        assertThat(retried).allSatisfy(e -> assertThat(e.getRun().getFacets().getNominalTime().getNominalStartTime()
                .toInstant()).isEqualTo(Instant.parse(asOf)));
        assertThat(retried.get(1).getInputs()).extracting(i -> i.getFacets().getVersion().getDatasetVersion())
                .containsExactly("1", "1", "1");
    }

    @Test
    void parentOptionsAreAllOrNoneAndTheRunIdIsAUuid() throws IOException {
        configure(0.5);
        assertThat(run("--lineage-parent-job-namespace", "airflow", "--lineage-parent-job-name", "dag.task",
                "--lineage-parent-run-id", "not-a-uuid")).isEqualTo(ExitCode.USAGE.code());
        assertThat(run("--lineage-parent-job-namespace", "airflow", "--lineage-parent-job-name", "dag.task",
                "--lineage-parent-run-id", "1-2-3-4-5")).isEqualTo(ExitCode.USAGE.code());
        assertThat(run("--lineage-parent-job-namespace", "airflow", "--lineage-parent-run-id", PARENT_RUN))
                .isEqualTo(ExitCode.USAGE.code());
        assertThat(Files.exists(events)).isFalse();
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    /** The HTTP transport against a loopback server: bearer API key, then a server that is gone. */
    @Test
    void httpTransportPostsEventsAndAFailingBackendDoesNotThrow() throws IOException {
        List<String> bodies = Collections.synchronizedList(new ArrayList<>());
        List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/lineage", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(201, -1);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        RunReport failure = new RunReport(ExitCode.INPUT_CONTRACT, false, "input table tracks not found", "r1", null,
                POLICY.version(), POLICY.sha256(), Instant.now(), Instant.now(), List.of(), List.of(), Optional.empty());
        try (LineageEmitter emitter = LineageEmitter.create(job(url, Optional.of("s3cret")), Optional.empty())) {
            emitter.start("r1", null, POLICY);
            emitter.fail(failure, new InputContractException("input table tracks not found"));
        } finally {
            server.stop(0);
        }
        assertThat(authorizations).containsExactly("Bearer s3cret", "Bearer s3cret");
        List<RunEvent> posted = parsed(bodies);
        assertThat(posted).extracting(RunEvent::getEventType, e -> e.getRun().getRunId())
                .containsExactly(tuple(EventType.START, uuid("r1")), tuple(EventType.FAIL, uuid("r1")));
        assertThat(posted.get(1).getRun().getFacets().getErrorMessage().getMessage())
                .isEqualTo("input table tracks not found");
        assertThat(posted.get(1).getInputs()).extracting(OpenLineage.Dataset::getName)
                .containsExactly("/lake/tracks", "/lake/licenses", "/lake/consents");

        // The server is gone now: emitting logs a warning and returns.
        try (LineageEmitter emitter = LineageEmitter.create(job(url, Optional.empty()), Optional.empty())) {
            assertThat(emitter.enabled()).isTrue();
            emitter.start("r2", null, POLICY);
            emitter.fail(failure, new IllegalStateException("boom"));
        }
    }

    /** An unexpected failure (70): its FAIL carries the stack trace; the facet is valid without counts. */
    @Test
    void anUnexpectedFailureSendsItsStackTrace() throws IOException {
        RunReport failure = new RunReport(ExitCode.INTERNAL, false, "unexpected failure: boom", "r3",
                Instant.parse("2026-06-01T00:00:00Z"), POLICY.version(), POLICY.sha256(), Instant.now(), Instant.now(),
                List.of(), List.of(), Optional.empty());
        try (LineageEmitter emitter = LineageEmitter.create(job(new LineageConfig.FileTarget(events)), Optional.empty())) {
            emitter.start("r3", failure.asOf(), POLICY);
            emitter.fail(failure, new IllegalStateException("boom"));
        }
        List<RunEvent> emitted = emitted();
        assertThat(emitted).extracting(RunEvent::getEventType).containsExactly(EventType.START, EventType.FAIL);
        OpenLineage.ErrorMessageRunFacet error = emitted.get(1).getRun().getFacets().getErrorMessage();
        assertThat(error.getMessage()).isEqualTo("unexpected failure: boom");
        assertThat(error.getProgrammingLanguage()).isEqualTo("JAVA");
        assertThat(error.getStackTrace()).startsWith("java.lang.IllegalStateException: boom");
        assertThat(emitted.get(1).getRun().getFacets().getAdditionalProperties().get(ClearanceRunFacet.KEY)
                .getAdditionalProperties()).containsEntry("exit_code", 70).doesNotContainKey("counts");
    }

    /** The schema is no formality: what the facet must not say, it refuses. */
    @Test
    void theFacetSchemaRefusesAMalformedFacet() throws IOException {
        ObjectNode valid = (ObjectNode) MAPPER.readTree("""
                {"_producer": "%s", "_schemaURL": "%s", "run_id": "r1", "as_of": "2026-06-01T00:00:00Z",
                 "policy_version": "v1", "policy_sha256": "%s", "exit_code": 4,
                 "mode": "full", "mode_reason": "run --full was given",
                 "counts": {"decisions": null, "reasons": null,
                            "quarantine": {"tracks": {}, "licenses": {"UNKNOWN_ENUM": 1}, "consents": {}},
                            "quarantined_rows": 1, "ledger_rows": 0}}
                """.formatted(PRODUCER, SCHEMA_URL, "0".repeat(64)));
        assertThat(FACET_SCHEMA.validate(valid)).isEmpty();
        List<ObjectNode> broken = List.of(valid.deepCopy().put("exit_code", "4"),
                valid.deepCopy().put("as_of", "yesterday"),
                valid.deepCopy().put("policy_sha256", "ABC"),
                valid.deepCopy().put("colour", "blue"),
                valid.deepCopy().put("mode", "partial"),
                (ObjectNode) valid.deepCopy().without("mode_reason"),
                (ObjectNode) valid.deepCopy().without("exit_code"),
                (ObjectNode) valid.deepCopy().without("run_id"),
                valid.deepCopy().put("_schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet"));
        assertThat(broken).allSatisfy(facet -> assertThat(FACET_SCHEMA.validate(facet)).extracting(Error::getMessage)
                .as("%s", facet).isNotEmpty());
    }

    @Test
    void datasetsAreNamedByOpenLineageFileSystemConventions() {
        assertThat(List.of("/data/my lake/tracks", "s3a://bucket/lake/tracks", "hdfs://nn:8020/lake/tracks",
                        "abfss://c@acct.dfs.core.windows.net/lake/tracks", "s3a://bucket/a key/with spaces"))
                .extracting(LineageEmitter::dataset)
                .extracting(DatasetIdentifier::getNamespace, DatasetIdentifier::getName)
                .containsExactly(tuple("file", "/data/my lake/tracks"), tuple("s3://bucket", "lake/tracks"),
                        tuple("hdfs://nn:8020", "/lake/tracks"),
                        tuple("abfss://c@acct.dfs.core.windows.net", "lake/tracks"),
                        tuple("s3://bucket", "a key/with spaces"));
    }

    private static JobConfig job(URI url, Optional<String> apiKey) {
        return job(new LineageConfig.HttpTarget(url, LineageConfig.DEFAULT_HTTP_ENDPOINT, apiKey, Duration.ofSeconds(2)));
    }

    private static JobConfig job(LineageConfig.Target target) {
        Map<InputTable, JobConfig.TableLocation> lake = Map.of(
                InputTable.TRACKS, new JobConfig.TableLocation("/lake/tracks", TableFormat.DELTA),
                InputTable.LICENSES, new JobConfig.TableLocation("/lake/licenses", TableFormat.DELTA),
                InputTable.CONSENTS, new JobConfig.TableLocation("/lake/consents", TableFormat.PARQUET));
        return new JobConfig(lake, "/out", Fixtures.DEFAULT_POLICY, 0.01, JobConfig.DEFAULT_MAX_CHANGED_FRACTION,
                "local[2]", Map.of(),
                Optional.of(new LineageConfig("governance", "clearance.daily", target)));
    }
}
