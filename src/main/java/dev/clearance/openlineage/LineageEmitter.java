package dev.clearance.openlineage;

import dev.clearance.audit.RunReport;
import dev.clearance.audit.RunSummaryJson;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.config.JobConfig;
import dev.clearance.config.LineageConfig.FileTarget;
import dev.clearance.config.LineageConfig.HttpTarget;
import dev.clearance.config.LineageConfig;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunRecord.OutputVersion;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.ApiKeyTokenProvider;
import io.openlineage.client.transports.ConsoleTransport;
import io.openlineage.client.transports.FileConfig;
import io.openlineage.client.transports.FileTransport;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import io.openlineage.client.transports.Transport;
import io.openlineage.client.utils.DatasetIdentifier;
import io.openlineage.client.utils.filesystem.FilesystemDatasetUtils;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits the run command's OpenLineage events (START, then COMPLETE or FAIL) with the OpenLineage client, so
 * that a lineage backend shows which input versions each curated snapshot came from. Lineage is an
 * observer: a failure to build or send an event is logged as a warning and never changes the run's outcome.
 *
 * <p>The OpenLineage run id is a name-based UUID of (job namespace, job name, run_id), so every attempt of
 * one Clearance run_id (an Airflow retry, a completion after a crash) reports on the same OpenLineage run.
 */
public final class LineageEmitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LineageEmitter.class);
    /** The {@code producer} of every event and the {@code _producer} of every facet. */
    static final URI PRODUCER = Release.producer();

    private final LineageConfig config;
    private final JobConfig job;
    private final Optional<ParentRun> parent;
    private final OpenLineageClient client;
    private final OpenLineage ol = new OpenLineage(PRODUCER);

    private LineageEmitter(LineageConfig config, JobConfig job, Optional<ParentRun> parent, OpenLineageClient client) {
        this.config = config;
        this.job = job;
        this.parent = parent;
        this.client = client;
    }

    /** An emitter for the job's {@code lineage} block; one that emits nothing when the block is absent. */
    public static LineageEmitter create(JobConfig job, Optional<ParentRun> parent) {
        if (job.lineage().isEmpty()) {
            return new LineageEmitter(null, job, parent, null);
        }
        LineageConfig config = job.lineage().get();
        try {
            return new LineageEmitter(config, job, parent, OpenLineageClient.builder()
                    .transport(transport(config.target())).build());
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("OpenLineage is configured ({}) but its client could not be created; no lineage events will be"
                    + " sent for this run: {}", config.target(), e.toString());
            return new LineageEmitter(null, job, parent, null);
        }
    }

    public boolean enabled() {
        return client != null;
    }

    /** The OpenLineage run id of a Clearance run_id under this job's namespace and name. */
    static UUID runUuid(String namespace, String jobName, String runId) {
        return UUID.nameUUIDFromBytes((namespace + "/" + jobName + "/" + runId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * START: the inputs as configured and the outputs the run will write (versions are not known yet).
     *
     * @param asOf null when the run log will decide it (a --run-id without --as-of)
     */
    public void start(String runId, Instant asOf, Policy policy) {
        send(EventType.START, runId, () -> {
            OutputRoot tables = new OutputRoot(null, job.output());
            List<OpenLineage.OutputDataset> outputs = new ArrayList<>();
            for (String purpose : policy.purposeNames()) {
                outputs.add(output(tables.curated(purpose), Optional.empty()));
            }
            for (String table : List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, OutputRoot.RUNS,
                    OutputRoot.QUARANTINE)) {
                outputs.add(output(tables.path(table), Optional.empty()));
            }
            return event(EventType.START, runId, asOf, facet(runId, asOf, policy.version(), policy.sha256(), null),
                    null, configuredInputs(), outputs);
        });
    }

    /** COMPLETE: the inputs at the versions read, and the outputs at the versions written with their row counts. */
    public void complete(RunReport report) {
        send(EventType.COMPLETE, report.runId(), () -> event(EventType.COMPLETE, report, null));
    }

    /** FAIL: what the failed attempt recorded (its inputs and the tables it wrote, if any) and the error. */
    public void fail(RunReport report, Throwable failure) {
        send(EventType.FAIL, report.runId(), () -> event(EventType.FAIL, report, failure));
    }

    /** Builds and sends one event; nothing that goes wrong here reaches the run. */
    private void send(EventType type, String runId, Supplier<OpenLineage.RunEvent> event) {
        if (!enabled()) {
            return;
        }
        try {
            OpenLineage.RunEvent built = event.get();
            client.emit(built);
            LOG.info("OpenLineage {} event for run {} (OpenLineage run {}) handed to the {} transport", type, runId,
                    built.getRun().getRunId(), transportName(config.target()));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("could not send the OpenLineage {} event for run {} to {}; the run is not affected: {}", type,
                    runId, config.target(), e.toString());
        }
    }

    private OpenLineage.RunEvent event(EventType type, RunReport report, Throwable failure) {
        List<OpenLineage.InputDataset> inputs = report.inputs().isEmpty() ? configuredInputs()
                : report.inputs().stream().map(this::input).toList();
        List<OpenLineage.OutputDataset> outputs = report.outputs().stream().map(this::output).toList();
        OpenLineage.RunFacet custom = facet(report.runId(), report.asOf(), report.policyVersion(), report.policySha256(),
                report);
        OpenLineage.ErrorMessageRunFacet error = failure == null ? null
                : ol.newErrorMessageRunFacet(report.message(), "JAVA",
                        ExitCode.of(failure) == ExitCode.INTERNAL ? stackTrace(failure) : null);
        return event(type, report.runId(), report.asOf(), custom, error, inputs, outputs);
    }

    private OpenLineage.RunEvent event(EventType type, String runId, Instant asOf, OpenLineage.RunFacet custom,
                                       OpenLineage.ErrorMessageRunFacet error, List<OpenLineage.InputDataset> inputs,
                                       List<OpenLineage.OutputDataset> outputs) {
        OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder().put(ClearanceRunFacet.KEY, custom);
        parent.ifPresent(p -> facets.parent(ol.newParentRunFacetBuilder()
                .run(ol.newParentRunFacetRunBuilder().runId(p.runId()).build())
                .job(ol.newParentRunFacetJobBuilder().namespace(p.namespace()).name(p.name()).build())
                .build()));
        if (asOf != null) {
            facets.nominalTime(ol.newNominalTimeRunFacetBuilder().nominalStartTime(utc(asOf)).build());
        }
        if (error != null) {
            facets.errorMessage(error);
        }
        return ol.newRunEventBuilder()
                .eventType(type)
                .eventTime(ZonedDateTime.now(ZoneOffset.UTC))
                .run(ol.newRun(runUuid(config.namespace(), config.jobName(), runId), facets.build()))
                .job(ol.newJobBuilder().namespace(config.namespace()).name(config.jobName())
                        .facets(ol.newJobFacetsBuilder().jobType(ol.newJobTypeJobFacetBuilder()
                                .processingType("BATCH").integration("CLEARANCE").jobType("JOB").build()).build())
                        .build())
                .inputs(inputs)
                .outputs(outputs)
                .build();
    }

    /**
     * Clearance's own run facet; {@code report} (COMPLETE, FAIL) adds the exit code and the counts. What is not
     * known is left out, not null: the client drops null fields anyway, and the schema says so.
     */
    private OpenLineage.RunFacet facet(String runId, Instant asOf, String policyVersion, String policySha256,
                                       RunReport report) {
        OpenLineage.RunFacet facet = new ClearanceRunFacet(PRODUCER);
        Map<String, Object> fields = facet.getAdditionalProperties();
        fields.put("run_id", runId);
        if (asOf != null) {
            fields.put("as_of", asOf.toString());
        }
        fields.put("policy_version", policyVersion);
        fields.put("policy_sha256", policySha256);
        if (report != null) {
            fields.put("exit_code", report.exitCode().code());
            report.record().map(RunRecord::mode).ifPresent(mode -> {
                fields.put("mode", mode.kind().label());
                fields.put("mode_reason", mode.reason());
            });
            report.record().flatMap(RunSummaryJson::counts).ifPresent(counts -> fields.put("counts", counts));
        }
        return facet;
    }

    private List<OpenLineage.InputDataset> configuredInputs() {
        List<OpenLineage.InputDataset> inputs = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            JobConfig.TableLocation location = job.location(table);
            DatasetIdentifier id = dataset(location.path());
            inputs.add(ol.newInputDatasetBuilder().namespace(id.getNamespace()).name(id.getName())
                    .facets(datasetFacets(location.format() == TableFormat.DELTA, null)).build());
        }
        return inputs;
    }

    private OpenLineage.InputDataset input(InputVersion input) {
        DatasetIdentifier id = dataset(input.path());
        boolean delta = TableFormat.DELTA.yamlName().equals(input.format());
        String version = delta ? String.valueOf(input.version()) : input.fingerprint();
        return ol.newInputDatasetBuilder().namespace(id.getNamespace()).name(id.getName())
                .facets(datasetFacets(delta, version)).build();
    }

    private OpenLineage.OutputDataset output(OutputVersion output) {
        return output(output.path(), Optional.of(output));
    }

    private OpenLineage.OutputDataset output(String path, Optional<OutputVersion> written) {
        DatasetIdentifier id = dataset(path);
        OpenLineage.OutputDatasetBuilder builder = ol.newOutputDatasetBuilder().namespace(id.getNamespace())
                .name(id.getName()).facets(datasetFacets(true, written.map(w -> String.valueOf(w.version())).orElse(null)));
        written.ifPresent(w -> builder.outputFacets(ol.newOutputDatasetOutputFacetsBuilder()
                .outputStatistics(ol.newOutputStatisticsOutputDatasetFacetBuilder().rowCount(w.rows()).build())
                .build()));
        return builder.build();
    }

    private OpenLineage.DatasetFacets datasetFacets(boolean delta, String version) {
        OpenLineage.DatasetFacetsBuilder facets = ol.newDatasetFacetsBuilder();
        if (delta) {
            facets.storage(ol.newStorageDatasetFacet("delta", "parquet"));
        }
        if (version != null) {
            facets.version(ol.newDatasetVersionDatasetFacet(version));
        }
        return facets.build();
    }

    /**
     * OpenLineage's dataset naming for a table location: {@code file} + absolute path, or bucket/authority + key.
     * The location is parsed by Hadoop, as Spark reads it.
     */
    static DatasetIdentifier dataset(String location) {
        return FilesystemDatasetUtils.fromLocation(new Path(location).toUri());
    }

    private static Transport transport(LineageConfig.Target target) {
        if (target instanceof FileTarget file) {
            return new FileTransport(new FileConfig(file.path().toString()));
        }
        if (target instanceof HttpTarget http) {
            HttpConfig config = new HttpConfig();
            config.setUrl(http.url());
            config.setEndpoint(http.endpoint());
            config.setTimeoutInMillis(Math.toIntExact(http.timeout().toMillis()));
            http.apiKey().ifPresent(key -> {
                ApiKeyTokenProvider auth = new ApiKeyTokenProvider();
                auth.setApiKey(key);
                config.setAuth(auth);
            });
            return new HttpTransport(config);
        }
        return new ConsoleTransport();
    }

    private static String transportName(LineageConfig.Target target) {
        return target.getClass().getSimpleName().replace("Target", "").toLowerCase(Locale.ROOT);
    }

    private static ZonedDateTime utc(Instant instant) {
        return instant.atZone(ZoneOffset.UTC);
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    @Override
    public void close() {
        if (client == null) {
            return;
        }
        try {
            client.close();
        } catch (Exception e) {
            LOG.warn("could not close the OpenLineage client: {}", e.toString());
        }
    }
}
