package dev.clearance.cli;

import dev.clearance.audit.RunReport;
import dev.clearance.audit.RunSummary;
import dev.clearance.catalog.UnreadableInput;
import dev.clearance.config.JobConfig;
import dev.clearance.errors.ClearanceException;
import dev.clearance.errors.ExitCode;
import dev.clearance.openlineage.LineageEmitter;
import dev.clearance.openlineage.ParentRun;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunRequest;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import dev.clearance.spark.SparkSessions;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of the job from the command line (run, demo): the job between its OpenLineage events, and
 * its outcome as a {@link RunReport} however far it got, so that --summary-json is written for every exit code.
 * The steps are supplied rather than done by the caller so that a failure in any of them is reported the same way.
 */
final class RunInvocation {
    private static final Logger LOG = LoggerFactory.getLogger(RunInvocation.class);

    /** The report, and the failure to rethrow (which decides the exit code) when the run did not succeed. */
    record Result(RunReport report, Optional<RuntimeException> failure) {}

    private final Clock clock;
    private final Instant startedAt;
    // What is known so far; each is null until its step has succeeded.
    private String runId;
    private Instant asOf;
    private JobConfig job;
    private Policy policy;
    private SparkSession spark;
    private LineageEmitter lineage;

    RunInvocation(Clock clock) {
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    Result execute(Supplier<RunRequest> request, Supplier<Optional<ParentRun>> parent, Supplier<JobConfig> config,
                   PrintWriter out) {
        try {
            RunRequest identified = request.get().identified(startedAt);
            runId = identified.runId().orElseThrow();
            asOf = identified.asOf().orElse(null);
            Optional<ParentRun> parentRun = parent.get();
            job = config.get();
            lineage = LineageEmitter.create(job, parentRun);
            policy = PolicyLoader.load(job.policy());
            spark = SparkSessions.getOrCreate("clearance", job.sparkMaster(), job.sparkConf());
            boolean started = lineage.enabled() && startUnlessSucceeded();
            ClearanceJob.Outcome outcome = new ClearanceJob(spark, job, policy, clock).run(identified);
            RunReport report = succeeded(outcome);
            if (!outcome.alreadySucceeded() || started) {
                lineage.complete(report);
            }
            out.print(outcome.alreadySucceeded() ? report.message() + System.lineSeparator()
                    : RunSummary.render(outcome.record()));
            out.flush();
            return new Result(report, Optional.empty());
        } catch (Exception caught) {
            RuntimeException failure = explained(caught);
            RunReport report = failed(failure);
            if (lineage != null && policy != null) {
                lineage.fail(report, failure);
            }
            return new Result(report, Optional.of(failure));
        } finally {
            if (lineage != null) {
                lineage.close();
            }
        }
    }

    /** The failure as the contract names it (see {@link UnreadableInput#explain}). */
    private RuntimeException explained(Exception failure) {
        if (job == null) {
            return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
        }
        return UnreadableInput.explain(failure, job.lake());
    }

    /** Emits START unless the run log says the run already succeeded (a rerun does nothing, so it says nothing). */
    private boolean startUnlessSucceeded() {
        Optional<RunRecord> existing;
        try {
            existing = runLog().find(runId);
        } catch (RuntimeException e) {
            LOG.warn("could not read the run log before the OpenLineage START event: {}", e.toString());
            existing = Optional.empty();
        }
        if (existing.filter(r -> r.status() == RunStatus.SUCCEEDED).isPresent()) {
            return false;
        }
        lineage.start(runId, existing.map(RunRecord::asOf).orElse(asOf), policy);
        return true;
    }

    private RunReport succeeded(ClearanceJob.Outcome outcome) {
        RunRecord record = outcome.record();
        List<OutputVersion> outputs = new ArrayList<>(record.outputs());
        String message = null;
        if (outcome.alreadySucceeded()) {
            message = "run " + record.runId() + " already succeeded at " + record.finishedAt() + "; nothing to do";
        } else {
            runsTable().ifPresent(outputs::add);
        }
        return new RunReport(ExitCode.OK, outcome.alreadySucceeded(), message, record.runId(), record.asOf(),
                record.policyVersion(), record.policySha256(), startedAt, clock.instant(), record.inputs(),
                List.copyOf(outputs), Optional.of(record));
    }

    private RunReport failed(RuntimeException failure) {
        Optional<RunRecord> record = recordOfThisAttempt();
        List<OutputVersion> outputs = new ArrayList<>();
        record.ifPresent(r -> {
            outputs.addAll(r.outputs());
            runsTable().ifPresent(outputs::add);
        });
        String message = failure instanceof ClearanceException ? failure.getMessage() : failure.toString();
        return new RunReport(ExitCode.of(failure), false, message, runId,
                record.map(RunRecord::asOf).orElse(asOf),
                record.map(RunRecord::policyVersion).orElse(policy == null ? null : policy.version()),
                record.map(RunRecord::policySha256).orElse(policy == null ? null : policy.sha256()),
                startedAt, clock.instant(), record.map(RunRecord::inputs).orElse(List.of()), List.copyOf(outputs),
                record);
    }

    /** The FAILED row this attempt wrote, if it got that far (not an older attempt's row for the same run_id). */
    private Optional<RunRecord> recordOfThisAttempt() {
        if (spark == null || runId == null) {
            return Optional.empty();
        }
        try {
            return runLog().find(runId).filter(r -> r.status() == RunStatus.FAILED && r.finishedAt() != null
                    && !r.finishedAt().isBefore(startedAt));
        } catch (RuntimeException e) {
            LOG.warn("could not read the run log after the failure of run {}: {}", runId, e.toString());
            return Optional.empty();
        }
    }

    /** The runs table at the version of this run's latest commit to it (its final row); one row written. */
    private Optional<OutputVersion> runsTable() {
        String path = new OutputRoot(spark, job.output()).path(OutputRoot.RUNS);
        try {
            return DeltaTables.latestCommitBy(spark, path, runId).map(v -> new OutputVersion(OutputRoot.RUNS, path, v, 1));
        } catch (RuntimeException e) {
            LOG.warn("could not read the version of {}: {}", path, e.toString());
            return Optional.empty();
        }
    }

    private RunLog runLog() {
        return new OutputRoot(spark, job.output()).runLog();
    }
}
