package dev.clearance.run;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.catalog.UnreadableInput;
import dev.clearance.catalog.LakeReader;
import dev.clearance.config.JobConfig;
import dev.clearance.errors.ClearanceException;
import dev.clearance.errors.Errors;
import dev.clearance.errors.QuarantineLimitException;
import dev.clearance.errors.RunConflictException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.publish.LedgerDiff;
import dev.clearance.publish.RunCommits;
import dev.clearance.run.RunPlanner.RunPlan;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Clearance run, in the order that keeps every published state supported by a recorded decision: plan,
 * open the inputs, take the lease, then the RUNNING row; choose the mode (for an incremental run, read the changes
 * and find the affected tracks); then the quarantine, the ledger, lineage/current and the curated tables
 * (concurrently), and the SUCCEEDED row last. Every commit is fenced by the lease and carries
 * the run_id; every step is idempotent for the same run_id, so a run that died is completed by running it again.
 */
public final class ClearanceJob {
    private static final Logger LOG = LoggerFactory.getLogger(ClearanceJob.class);

    private final SparkSession spark;
    private final JobConfig config;
    private final Policy policy;
    private final OutputRoot outputs;
    private final Clock clock;
    private final RunObserver observer;

    /** The run's result; {@code alreadySucceeded} when the run_id had succeeded before and nothing was done. */
    public record Outcome(RunRecord record, boolean alreadySucceeded) {}

    public ClearanceJob(SparkSession spark, JobConfig config, Policy policy, Clock clock) {
        this(spark, config, policy, clock, RunObserver.NONE);
    }

    public ClearanceJob(SparkSession spark, JobConfig config, Policy policy, Clock clock, RunObserver observer) {
        this.spark = spark;
        this.config = config;
        this.policy = policy;
        this.outputs = new OutputRoot(spark, config.output());
        this.clock = clock;
        this.observer = observer;
        OutputRoot.PARQUET_WRITER_SETTINGS.forEach(spark.conf()::set);
    }

    public Outcome run(RunRequest request) {
        Instant startedAt = clock.instant();
        observer.stageStarted(Stage.PLAN);
        long planStart = System.nanoTime();
        RunPlan plan = plan(request, startedAt);
        if (plan.alreadySucceeded()) {
            LOG.info("run {} already succeeded at {}; nothing to do", plan.runId(), plan.attempt().get().finishedAt());
            return new Outcome(plan.attempt().get(), true);
        }
        LOG.info("run {} as_of {} under policy {} ({}){}", plan.runId(), plan.asOf(), policy.version(), policy.sha256(),
                plan.ledgerWritten() ? ", completing an interrupted run on the inputs it first read" : "");
        Map<InputTable, Snapshot> inputs = open(plan);    // and their schemas checked, before anything is written
        try (SparkWork work = new SparkWork(spark.sparkContext(), plan.runId(), observer);
             Lease lease = Lease.acquire(outputs.root(), plan.runId(), spark.sparkContext().hadoopConfiguration(),
                     clock, () -> work.cancel("the run lost its lease"));
             RunCommits commits = new RunCommits(spark, plan.runId(), lease, observer::committed)) {
            RunPlan underLease = plan(request, startedAt);
            if (underLease.alreadySucceeded()) {
                return new Outcome(underLease.attempt().get(), true);
            }
            if (!underLease.equals(plan)) {
                throw Errors.runLogChanged(outputs.root(), plan.runId());
            }
            RunRecord running = running(plan, startedAt, inputs);
            record(commits, running);
            observer.stageFinished(Stage.PLAN, System.nanoTime() - planStart);
            try {
                return new Outcome(publish(work, commits, running, inputs, plan, request.full()), false);
            } catch (QuarantineLimitException e) {
                throw e;
            } catch (Exception e) {    // Spark's checked exceptions are thrown undeclared
                throw failed(commits, lease, running, UnreadableInput.explain(e, config.lake()));
            }
        }
    }

    private RunRecord publish(SparkWork work, RunCommits commits, RunRecord running, Map<InputTable, Snapshot> inputs,
                              RunPlan plan, boolean forcedFull) {
        String runId = running.runId();
        ChooseRunMode.Result chosen = new ChooseRunMode(work, new ReadChanges(work, spark, config.maxChangedFraction()),
                new FindAffected(work, outputs)).execute(forcedFull, plan.previous(), policy.sha256(), inputs,
                running.asOf());
        LOG.info("run {} is {}: {}", runId, chosen.mode().kind().label(), chosen.mode().reason());
        Optional<FindAffected.Result> scope = chosen.scope();
        scope.ifPresent(s -> {
            LOG.info("run {}: {} tracks affected since run {}", runId, String.format("%,d", s.tracks()),
                    plan.previous().get().runId());
            observer.scoped(chosen.changedRows(), s.tracks());
        });
        record Checked(ValidateInputs.Result rows, PublishQuarantine.Result quarantine) {}
        Checked checked = work.stage(Stage.READ_VALIDATE, "validating every input row", () -> {
            ValidateInputs.Result rows = new ValidateInputs(work, policy, runId)
                    .execute(inputs, scope.map(FindAffected.Result::validation), chosen.counted());
            return new Checked(rows, new PublishQuarantine(work, commits, outputs, runId,
                    config.maxQuarantineFraction()).execute(rows));
        });
        PublishQuarantine.Result quarantine = checked.quarantine();
        logInputs(inputs, checked.rows(), quarantine);
        if (!quarantine.overLimit().isEmpty()) {
            QuarantineLimitException limit = Errors.quarantineLimit(config.maxQuarantineFraction(),
                    String.join("; ", quarantine.overLimit()), runId);
            record(commits, finished(running, RunStatus.FAILED, limit.getMessage(), List.of(quarantine.output()),
                    List.of(), List.of(), quarantine.counts(), 0, chosen.mode()));
            throw limit;
        }
        DecidePairs decide = new DecidePairs(work, policy, running.asOf());
        DecidePairs.Result decided = work.stage(Stage.DECIDE, "deciding every (track, purpose)", () -> {
            DecidePairs.Result pairs = decide.execute(checked.rows().validated());
            return scope.map(s -> decide.rebased(pairs, s.previousOfScope(), plan.previous().get())).orElse(pairs);
        });
        LedgerDiff.Stamp stamp = new LedgerDiff.Stamp(runId, Timestamp.from(running.asOf()), policy.version(),
                policy.sha256());
        DiffWithPrevious.Result diffed = new DiffWithPrevious(work, outputs, Set.copyOf(policy.purposeNames()), stamp)
                .execute(decided, plan.previous(), scope.map(FindAffected.Result::previousOfScope));
        List<OutputVersion> written = new ArrayList<>(List.of(quarantine.output()));
        written.addAll(new PublishOutputs(work, commits, outputs, stamp, scope.map(FindAffected.Result::affected))
                .execute(decided, diffed, plan.ledgerWritten(), purposesThatLeft(plan.previous())));
        RunRecord done = finished(running, RunStatus.SUCCEEDED, null, written, decided.purposes(), decided.reasons(),
                quarantine.counts(), diffed.ledgerRows(), chosen.mode());
        work.stage(Stage.FINISH, "recording the run", () -> record(commits, done));
        LOG.info("run {} succeeded: {} ledger rows, {} pairs current", runId, diffed.ledgerRows(), diffed.currentRows());
        return done;
    }

    static Map<InputTable, InputVersion> versions(Map<InputTable, Snapshot> inputs) {
        Map<InputTable, InputVersion> versions = new EnumMap<>(InputTable.class);
        inputs.forEach((table, snapshot) -> versions.put(table, snapshot.version()));
        return versions;
    }

    /** What the run log allows, from its rows and the runs whose ledger append is committed. */
    private RunPlan plan(RunRequest request, Instant startedAt) {
        Optional<Instant> asOf = request.asOf().map(t -> t.truncatedTo(ChronoUnit.MICROS));
        String runId = request.runId().map(RunIds::validate)
                .orElseGet(() -> RunIds.fromAsOf(asOf.orElse(startedAt.truncatedTo(ChronoUnit.SECONDS))));
        String ledger = outputs.path(OutputRoot.LEDGER);
        Set<String> ledgerAppends = !DeltaTables.exists(spark, ledger) ? Set.of()
                : DeltaTables.commits(spark, ledger).stream()
                .filter(c -> "WRITE".equals(c.operation()) && c.userMetadata() != null)
                .map(DeltaTables.Commit::userMetadata).collect(Collectors.toUnmodifiableSet());
        return RunPlanner.plan(outputs.runLog().all(), ledgerAppends, runId, asOf, startedAt, policy.sha256());
    }

    /** The inputs at their latest versions, or at the ones an attempt whose ledger rows are committed read. */
    private Map<InputTable, Snapshot> open(RunPlan plan) {
        List<Callable<Snapshot>> opening = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            Optional<InputVersion> pinned = plan.ledgerWritten() ? plan.attempt().get().input(table.tableName())
                    : Optional.empty();
            opening.add(() -> LakeReader.open(spark, table, config.location(table), pinned));
        }
        Map<InputTable, Snapshot> inputs = new EnumMap<>(InputTable.class);
        try (SparkWork work = new SparkWork(spark.sparkContext(), plan.runId(), observer)) {
            work.inParallel(opening).forEach(snapshot -> inputs.put(snapshot.table(), snapshot));
        }
        return inputs;
    }

    private RunRecord running(RunPlan plan, Instant startedAt, Map<InputTable, Snapshot> inputs) {
        return new RunRecord(plan.runId(), plan.asOf(), plan.attempt().map(RunRecord::startedAt).orElse(startedAt),
                null, RunStatus.RUNNING, policy.version(), policy.sha256(), null,
                inputs.values().stream().map(Snapshot::version).toList(), List.of(), List.of(), List.of(), List.of(), 0,
                null);
    }

    /** Inserts or replaces the run's row in the run log: one fenced commit. */
    private RunRecord record(RunCommits commits, RunRecord record) {
        RunLog runLog = outputs.runLog();
        commits.replaceWhere(new RunCommits.Target(OutputRoot.RUNS, runLog.path(), RunLog.SCHEMA, Map.of()),
                runLog.rowOf(record), RunLog.predicate(record.runId()));
        return record;
    }

    /**
     * The failure to report. A run that still holds its lease records it as a FAILED row; one that lost its
     * lease commits nothing more and reports that (exit 5), with what failed attached.
     */
    private RuntimeException failed(RunCommits commits, Lease lease, RunRecord running, RuntimeException failure) {
        try {
            lease.check();
        } catch (RunConflictException lost) {
            if (lost != failure && !(failure instanceof RunConflictException)) {
                lost.addSuppressed(failure);
                return lost;
            }
            return failure;
        }
        String message = failure instanceof ClearanceException ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        try {
            record(commits, finished(running, RunStatus.FAILED, message, List.of(), List.of(), List.of(), List.of(), 0,
                    null));
        } catch (RuntimeException secondary) {
            failure.addSuppressed(secondary);
        }
        return failure;
    }

    private void logInputs(Map<InputTable, Snapshot> inputs, ValidateInputs.Result rows,
                           PublishQuarantine.Result quarantine) {
        for (InputTable table : InputTable.values()) {
            long invalid = quarantine.counts().stream().filter(q -> q.sourceTable().equals(table.tableName()))
                    .mapToLong(QuarantineCount::rows).sum();
            LOG.info("{} ({}): {} rows, {} quarantined", table.tableName(), inputs.get(table).version().describe(),
                    String.format("%,d", rows.totals().get(table)), String.format("%,d", invalid));
        }
    }

    private List<String> purposesThatLeft(Optional<RunRecord> previous) {
        Set<String> now = Set.copyOf(policy.purposeNames());
        return previous.map(p -> p.decisionCounts().stream().map(PurposeCount::purpose)
                .filter(purpose -> !now.contains(purpose)).toList()).orElse(List.of());
    }

    private RunRecord finished(RunRecord running, RunStatus status, String message, List<OutputVersion> written,
                               List<PurposeCount> decisionCounts, List<ReasonCount> reasonCounts,
                               List<QuarantineCount> quarantineCounts, long ledgerRows, RunMode mode) {
        return new RunRecord(running.runId(), running.asOf(), running.startedAt(), clock.instant(), status,
                running.policyVersion(), running.policySha256(), message, running.inputs(), written, decisionCounts,
                reasonCounts, quarantineCounts, ledgerRows, mode);
    }
}
