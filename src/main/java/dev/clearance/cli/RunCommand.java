package dev.clearance.cli;

import dev.clearance.audit.RunSummary;
import dev.clearance.config.JobConfig;
import dev.clearance.errors.ConfigException;
import dev.clearance.errors.ExitCode;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunRequest;
import dev.clearance.spark.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clearance run}: one run of the job. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Decide every (track, purpose) pair at as_of and publish curated tables, ledger and run log.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "job configuration (clearance.yaml)")
    Path config;

    @Option(names = "--as-of", paramLabel = "INSTANT",
            description = "evaluate the catalog at this instant, e.g. 2026-11-27T00:00:00Z (default: now)")
    String asOf;

    @Option(names = "--run-id", paramLabel = "ID", description = "run id (default: derived from as_of)")
    String runId;

    @Override
    public Integer call() {
        Optional<Instant> instant = Optional.ofNullable(asOf).map(RunCommand::parseInstant);
        return run(JobConfig.load(config), new RunRequest(instant, Optional.ofNullable(runId)),
                spec.commandLine().getOut());
    }

    /** Runs the job and prints its summary; the policy is loaded and validated before Spark starts. */
    static int run(JobConfig job, RunRequest request, PrintWriter out) {
        Policy policy = PolicyLoader.load(job.policy());
        SparkSession spark = SparkSessions.getOrCreate("clearance", job.sparkMaster(), job.sparkConf());
        ClearanceJob.Outcome outcome = new ClearanceJob(spark, job, policy, Clock.systemUTC()).run(request);
        if (outcome.alreadySucceeded()) {
            out.printf("run %s already succeeded at %s; nothing to do%n", outcome.record().runId(),
                    outcome.record().finishedAt());
        } else {
            out.print(RunSummary.render(outcome.record()));
        }
        out.flush();
        return ExitCode.OK.code();
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
