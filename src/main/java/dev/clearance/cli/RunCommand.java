package dev.clearance.cli;

import dev.clearance.audit.RunSummaryJson;
import dev.clearance.config.JobConfig;
import dev.clearance.errors.ConfigException;
import dev.clearance.errors.ExitCode;
import dev.clearance.openlineage.ParentRun;
import dev.clearance.run.RunRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clearance run}: one run of the job. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Decide every (track, purpose) pair at as_of and publish curated tables, ledger and run log.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "job configuration (clearance.yaml)")
    Path config;

    @Option(names = "--as-of", paramLabel = "INSTANT",
            description = "evaluate the catalog at this instant, e.g. 2026-11-27T00:00:00Z (default: now)")
    String asOf;

    @Option(names = "--run-id", paramLabel = "ID", description = "run id (default: derived from as_of)")
    String runId;

    @Option(names = "--full", description = "decide the whole catalog even where an incremental run is possible")
    boolean full;

    @Option(names = "--summary-json", paramLabel = "FILE",
            description = "also write the outcome as JSON to FILE (replaced atomically), whatever the exit code")
    Path summaryJson;

    @Option(names = ParentRun.NAMESPACE_OPTION, paramLabel = "NS",
            description = "OpenLineage namespace of the parent job (e.g. the Airflow task's)")
    String parentJobNamespace;

    @Option(names = ParentRun.NAME_OPTION, paramLabel = "NAME", description = "OpenLineage name of the parent job")
    String parentJobName;

    @Option(names = ParentRun.RUN_ID_OPTION, paramLabel = "UUID", description = "OpenLineage run id of the parent run")
    String parentRunId;

    @Override
    public Integer call() {
        RunInvocation.Result result = new RunInvocation(Clock.systemUTC()).execute(
                () -> new RunRequest(Optional.ofNullable(asOf).map(RunCommand::parseInstant), Optional.ofNullable(runId),
                        full),
                () -> ParentRun.fromOptions(parentJobNamespace, parentJobName, parentRunId),
                () -> JobConfig.load(config),
                spec.commandLine().getOut());
        if (summaryJson != null) {
            writeSummary(result);
        }
        result.failure().ifPresent(failure -> {
            throw failure;
        });
        return ExitCode.OK.code();
    }

    /** After a success, a summary that cannot be written fails the command; after a failure, the failure wins. */
    private void writeSummary(RunInvocation.Result result) {
        try {
            RunSummaryJson.write(summaryJson, result.report());
        } catch (RuntimeException e) {
            if (result.failure().isEmpty()) {
                throw e;
            }
            LOG.error("{}", e.getMessage());
            result.failure().get().addSuppressed(e);
        }
    }

    static Instant parseInstant(String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new ConfigException("--as-of '" + value + "' is not an ISO-8601 instant with an offset,"
                    + " e.g. 2026-11-27T00:00:00Z", e);
        }
    }
}
