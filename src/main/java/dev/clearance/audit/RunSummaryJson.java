package dev.clearance.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The run's outcome as one JSON document (run --summary-json), for Airflow's XCom and for alerting: a
 * scheduler reads the exit code, the counts and the published versions without parsing the human summary.
 * The shape is documented in docs/outputs.md and is stable: every key is always present, null when unknown.
 */
public final class RunSummaryJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunSummaryJson() {}

    public static String render(RunReport report) {
        ObjectNode json = NODES.objectNode();
        json.put("status", report.succeeded() ? RunStatus.SUCCEEDED.name() : RunStatus.FAILED.name());
        json.put("exit_code", report.exitCode().code());
        json.put("already_succeeded", report.alreadySucceeded());
        json.put("message", report.message());
        json.put("run_id", report.runId());
        json.put("as_of", text(report.asOf()));
        json.put("started_at", text(report.startedAt()));
        json.put("finished_at", text(report.finishedAt()));
        if (report.policySha256() == null) {
            json.putNull("policy");
        } else {
            json.putObject("policy").put("version", report.policyVersion()).put("sha256", report.policySha256());
        }
        RunMode mode = report.record().map(RunRecord::mode).orElse(null);
        json.put("mode", mode == null ? null : mode.kind().label());
        json.put("mode_reason", mode == null ? null : mode.reason());
        ArrayNode inputs = json.putArray("inputs");
        for (InputVersion input : report.inputs()) {
            inputs.addObject().put("table", input.table()).put("format", input.format()).put("path", input.path())
                    .put("version", input.version()).put("fingerprint", input.fingerprint());
        }
        ArrayNode outputs = json.putArray("outputs");
        for (OutputVersion output : report.outputs()) {
            outputs.addObject().put("table", output.table()).put("path", output.path()).put("version", output.version())
                    .put("rows", output.rows());
        }
        json.set("counts", report.record().flatMap(RunSummaryJson::counts).orElse(null));
        try {
            return MAPPER.writeValueAsString(json) + System.lineSeparator();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the run counted, as recorded in its run-log row. Decisions and reasons are known only for a
     * SUCCEEDED run, the quarantine also for a run that wrote it (one stopped by the quarantine limit); the
     * parts not counted are null, and the whole is absent when the run counted nothing.
     */
    public static Optional<ObjectNode> counts(RunRecord record) {
        boolean decided = record.status() == RunStatus.SUCCEEDED;
        boolean quarantined = decided || record.output(OutputRoot.QUARANTINE).isPresent();
        if (!quarantined) {
            return Optional.empty();
        }
        ObjectNode counts = NODES.objectNode();
        if (decided) {
            ObjectNode decisions = counts.putObject("decisions");
            ObjectNode reasons = counts.putObject("reasons");
            for (PurposeCount count : record.decisionCounts()) {
                decisions.putObject(count.purpose()).put("included", count.included()).put("excluded", count.excluded());
                reasons.putObject(count.purpose());
            }
            for (ReasonCount count : record.reasonCounts()) {
                ObjectNode purpose = reasons.has(count.purpose()) ? (ObjectNode) reasons.get(count.purpose())
                        : reasons.putObject(count.purpose());
                purpose.put(count.reason(), count.tracks());
            }
        } else {
            counts.putNull("decisions");
            counts.putNull("reasons");
        }
        ObjectNode quarantine = counts.putObject("quarantine");
        for (InputTable table : InputTable.values()) {
            quarantine.putObject(table.tableName());
        }
        for (QuarantineCount count : record.quarantineCounts()) {
            ((ObjectNode) quarantine.get(count.sourceTable())).put(count.reason(), count.rows());
        }
        counts.put("quarantined_rows", record.quarantineCounts().stream().mapToLong(QuarantineCount::rows).sum());
        counts.put("ledger_rows", record.ledgerRows());
        return Optional.of(counts);
    }

    /** Replaces {@code file} atomically (a temporary file in the same directory, then a rename). */
    public static void write(Path file, RunReport report) {
        Path target = file.toAbsolutePath();
        // Not Files.createTempFile: its owner-only permissions would carry over to the summary.
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try {
                Files.writeString(temporary, render(report), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run summary to " + target + ": " + e, e);
        }
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
