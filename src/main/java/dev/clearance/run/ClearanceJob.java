package dev.clearance.run;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.catalog.LakeReader;
import dev.clearance.catalog.RowValidation;
import dev.clearance.config.JobConfig;
import dev.clearance.decide.Decision;
import dev.clearance.decide.Decisions;
import dev.clearance.decide.Reason;
import dev.clearance.errors.ClearanceException;
import dev.clearance.errors.QuarantineLimitException;
import dev.clearance.errors.RunConflictException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.publish.LedgerDiff;
import dev.clearance.runlog.RunLog;
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
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Clearance run: read → validate → decide → publish, wired in the order that keeps every published
 * state supported by a recorded decision. Quarantine first, then the ledger, then lineage/current and the
 * curated tables (concurrently), and the SUCCEEDED run-log row last. Every step is idempotent for the same
 * run_id, so a run that died is completed by running it again. One run at a time holds the output root.
 */
public final class ClearanceJob {
    private static final Logger LOG = LoggerFactory.getLogger(ClearanceJob.class);
    /** Above this many duplicate keys in one input (a broken export), they are joined by shuffle, not broadcast. */
    private static final long BROADCAST_MAX_KEYS = 1_000_000;

    /** Actions run at once, e.g. the writes after the ledger (Delta commits to different tables do not conflict). */
    private static final int MAX_PARALLEL_ACTIONS = 8;

    private final SparkSession spark;
    private final JobConfig config;
    private final Policy policy;
    private final OutputRoot outputs;
    private final RunLog runLog;
    private final Clock clock;
    private final RunObserver observer;
    private final List<Dataset<Row>> persisted = new CopyOnWriteArrayList<>();

    /** The run's result; {@code alreadySucceeded} when the run_id had succeeded before and nothing was done. */
    public record Outcome(RunRecord record, boolean alreadySucceeded) {}

    public ClearanceJob(SparkSession spark, JobConfig config, Policy policy, Clock clock) {
        this(spark, config, policy, clock, RunObserver.NONE);
    }

    public ClearanceJob(SparkSession spark, JobConfig config, Policy policy, Clock clock, RunObserver observer) {
        this.spark = spark;
        this.observer = observer;
        this.config = config;
        this.policy = policy;
        this.outputs = new OutputRoot(spark, config.output());
        this.runLog = outputs.runLog();
        this.clock = clock;
        OutputRoot.PARQUET_WRITER_SETTINGS.forEach(spark.conf()::set);
    }

    @SuppressWarnings("try")    // the lease is held, not used, inside the try
    public Outcome run(RunRequest request) {
        Optional<Instant> requestedAsOf = request.asOf().map(t -> t.truncatedTo(ChronoUnit.MICROS));
        Instant startedAt = clock.instant();
        observer.stageStarted(Stage.PLAN);
        long planStart = System.nanoTime();
        String runId = request.runId().map(RunIds::validate)
                .orElseGet(() -> RunIds.fromAsOf(requestedAsOf.orElse(startedAt.truncatedTo(ChronoUnit.SECONDS))));
        Plan plan = plan(runId, requestedAsOf, startedAt);
        if (plan.alreadySucceeded()) {
            LOG.info("run {} already succeeded at {}; nothing to do", runId, plan.existing().get().finishedAt());
            return new Outcome(plan.existing().get(), true);
        }
        LOG.info("run {} as_of {} under policy {} ({}){}", runId, plan.asOf(), policy.version(), policy.sha256(),
                plan.resuming() ? ", completing an interrupted run on the inputs it first read" : "");
        // Inputs are opened (and their schemas checked) before anything is written, even the lease.
        List<Callable<Snapshot>> opening = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            Optional<InputVersion> pinned = plan.resuming() ? plan.existing().get().input(table.tableName())
                    : Optional.empty();
            opening.add(() -> LakeReader.open(spark, table, config.location(table), pinned));
        }
        Map<InputTable, Snapshot> inputs = new EnumMap<>(InputTable.class);
        inParallel(opening).forEach(snapshot -> inputs.put(snapshot.table(), snapshot));

        try (RunLock lease = RunLock.acquire(outputs.root(), runId, spark.sparkContext().hadoopConfiguration(), clock)) {
            Plan underLease = plan(runId, requestedAsOf, startedAt);
            if (underLease.alreadySucceeded()) {
                return new Outcome(underLease.existing().get(), true);
            }
            if (!underLease.equals(plan)) {
                throw new RunConflictException("the run log of " + outputs.root() + " changed while run " + runId
                        + " was starting (another run finished meanwhile); run it again");
            }
            RunRecord running = new RunRecord(runId, plan.asOf(),
                    plan.existing().map(RunRecord::startedAt).orElse(startedAt), null, RunStatus.RUNNING,
                    policy.version(), policy.sha256(), null, inputs.values().stream().map(Snapshot::version).toList(),
                    List.of(), List.of(), List.of(), List.of(), 0);
            runLog.write(running);
            observer.stageFinished(Stage.PLAN, System.nanoTime() - planStart);
            try {
                return new Outcome(publish(running, inputs, plan.previous(), plan.resuming()), false);
            } catch (QuarantineLimitException e) {
                throw e;
            } catch (RuntimeException e) {
                recordFailure(running, e);
                throw e;
            } finally {
                persisted.forEach(Dataset::unpersist);
                persisted.clear();
            }
        }
    }

    /**
     * What the run log says about this run: its as_of, its earlier attempt, the run it is compared with, and
     * whether it completes an attempt whose ledger rows are written. Refuses what the run log forbids.
     */
    private Plan plan(String runId, Optional<Instant> requestedAsOf, Instant startedAt) {
        List<RunRecord> runs = runLog.all();
        Optional<RunRecord> existing = runs.stream().filter(r -> r.runId().equals(runId)).findFirst();
        Optional<RunRecord> previous = RunLog.lastSucceeded(runs);
        if (existing.isPresent() && existing.get().status() == RunStatus.SUCCEEDED) {
            return new Plan(existing.get().asOf(), existing, previous, false, true);
        }
        Instant asOf = asOf(runId, existing, requestedAsOf, startedAt);
        if (previous.isPresent() && asOf.isBefore(previous.get().asOf())) {
            throw new RunConflictException("as_of " + asOf + " of run " + runId + " is earlier than " + previous.get().asOf()
                    + ", the as_of of the last successful run " + previous.get().runId()
                    + "; the ledger only moves forward. Use an --as-of at or after " + previous.get().asOf() + ".");
        }
        refuseWhileAnotherRunIsIncomplete(runs, runId);
        boolean resuming = existing.isPresent() && ledgerHasRows(runId);
        if (resuming && !existing.get().policySha256().equals(policy.sha256())) {
            throw new RunConflictException("run " + runId + " already wrote ledger rows under policy sha256 "
                    + existing.get().policySha256() + " but the policy file now has sha256 " + policy.sha256()
                    + "; restore that policy to complete the run, or start a new run with another --run-id.");
        }
        return new Plan(asOf, existing, previous, resuming, false);
    }

    private record Plan(Instant asOf, Optional<RunRecord> existing, Optional<RunRecord> previous, boolean resuming,
                        boolean alreadySucceeded) {}

    private RunRecord publish(RunRecord running, Map<InputTable, Snapshot> inputs, Optional<RunRecord> previous,
                              boolean resuming) {
        String runId = running.runId();
        observer.stageStarted(Stage.READ_VALIDATE);
        long validateStart = System.nanoTime();
        // Each input's row count and its duplicate keys (computed over the key column alone): six small jobs at once.
        List<Callable<Long>> scanning = new ArrayList<>();
        Map<InputTable, Dataset<Row>> duplicateKeys = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            Dataset<Row> rows = inputs.get(table).rows();
            Dataset<Row> keys = persist(RowValidation.duplicateKeys(table, rows));
            duplicateKeys.put(table, keys);
            scanning.add(() -> describe("counting " + table.tableName(), rows::count));
            scanning.add(() -> describe("finding duplicate " + table.keyColumn() + " in " + table.tableName(),
                    keys::count));
        }
        List<Long> scanned = inParallel(scanning);
        Map<InputTable, Dataset<Row>> validated = new EnumMap<>(InputTable.class);
        Map<InputTable, Long> totals = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            totals.put(table, scanned.get(2 * table.ordinal()));
            // Broadcast to the rows unless there are too many to ship to every executor (a broken export).
            Dataset<Row> keys = duplicateKeys.get(table);
            validated.put(table, RowValidation.annotate(table, inputs.get(table).rows(),
                    scanned.get(2 * table.ordinal() + 1) <= BROADCAST_MAX_KEYS ? broadcast(keys) : keys, policy));
        }
        String quarantinePath = outputs.path(OutputRoot.QUARANTINE);
        Dataset<Row> quarantine = null;
        for (InputTable table : InputTable.values()) {
            Dataset<Row> rows = validated.get(table)
                    .filter(col(RowValidation.INVALID_REASON).isNotNull())
                    .select(lit(runId).as(RUN_ID), lit(table.tableName()).as(SOURCE_TABLE),
                            col(RowValidation.INVALID_REASON).as(REASON), col(RowValidation.RAW_RECORD).as(RECORD));
            quarantine = quarantine == null ? rows : quarantine.unionByName(rows);
        }
        Dataset<Row> quarantineRows = quarantine;
        DeltaTables.ensure(spark, quarantinePath, OutputRoot.QUARANTINE_SCHEMA, Map.of());
        long quarantineVersion = describe("writing " + OutputRoot.QUARANTINE, () ->
                DeltaTables.replaceWhere(quarantineRows, quarantinePath, RUN_ID + " = '" + runId + "'"));
        List<QuarantineCount> quarantineCounts = describe("counting the quarantine", () ->
                countQuarantine(DeltaTables.readVersion(spark, quarantinePath, quarantineVersion), runId));
        List<String> overLimit = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            long total = totals.get(table);
            long invalid = quarantineCounts.stream().filter(q -> q.sourceTable().equals(table.tableName()))
                    .mapToLong(QuarantineCount::rows).sum();
            LOG.info("{} ({}): {} rows, {} quarantined", table.tableName(), inputs.get(table).version().describe(),
                    String.format("%,d", total), String.format("%,d", invalid));
            if (total > 0 && (double) invalid / total > config.maxQuarantineFraction()) {
                overLimit.add(String.format("%s: %d of %d rows invalid (%.2f%%)", table.tableName(), invalid, total,
                        100.0 * invalid / total));
            }
        }
        OutputVersion quarantineOutput = new OutputVersion(OutputRoot.QUARANTINE, quarantinePath, quarantineVersion,
                quarantineCounts.stream().mapToLong(QuarantineCount::rows).sum());
        observer.stageFinished(Stage.READ_VALIDATE, System.nanoTime() - validateStart);

        if (!overLimit.isEmpty()) {
            String message = "quarantine limit exceeded (max_fraction " + config.maxQuarantineFraction() + "): "
                    + String.join("; ", overLimit) + ". Nothing but the quarantine was published; see the"
                    + " quarantine table for run " + runId + ", fix the upstream export and run again.";
            runLog.write(finished(running, RunStatus.FAILED, message, List.of(quarantineOutput), List.of(), List.of(),
                    quarantineCounts, 0));
            throw new QuarantineLimitException(message);
        }

        observer.stageStarted(Stage.DECIDE);
        long decideStart = System.nanoTime();
        // Materialized first, the per-user consents are broadcast to the tracks when their real size allows.
        Dataset<Row> consents = persist(
                Decisions.consentsAt(policy, running.asOf(), validated.get(InputTable.CONSENTS)));
        describe("resolving consents per user", consents::count);
        // Kept once per track (a quarter of the pairs) and exploded to pairs by every reader.
        Dataset<Row> decisions = Decisions.perPair(persistLarge(Decisions.perTrack(policy, running.asOf(),
                validated.get(InputTable.TRACKS), validated.get(InputTable.LICENSES), consents)));
        Counts counts = describe("deciding every (track, purpose)", () -> countDecisions(decisions));
        observer.stageFinished(Stage.DECIDE, System.nanoTime() - decideStart);

        LedgerDiff.Stamp stamp = new LedgerDiff.Stamp(runId, Timestamp.from(running.asOf()), policy.version(),
                policy.sha256());
        String currentPath = outputs.path(OutputRoot.CURRENT);
        Dataset<Row> stamped = stamp.apply(decisions, OutputRoot.LEDGER_SCHEMA);
        Dataset<Row> diff;
        long ledgerRows;
        long currentRows;
        if (previous.isEmpty()) {
            diff = LedgerDiff.diff(stamped, null, Set.copyOf(policy.purposeNames()), stamp);
            ledgerRows = counts.total();
            currentRows = counts.total();
        } else {
            long previousVersion = previous.get().output(OutputRoot.CURRENT)
                    .orElseThrow(() -> new IllegalStateException("run " + previous.get().runId() + " recorded no "
                            + OutputRoot.CURRENT + " version")).version();
            Dataset<Row> previousCurrent = DeltaTables.readVersion(spark, currentPath, previousVersion);
            diff = persistLarge(LedgerDiff.diff(stamped, previousCurrent, Set.copyOf(policy.purposeNames()), stamp));
            Map<String, Long> changes = stage(Stage.DIFF, "comparing with the current state of " + previous.get().runId(),
                    () -> countChanges(diff));
            ledgerRows = changes.entrySet().stream()
                    .filter(e -> !e.getKey().equals(LedgerDiff.UNCHANGED)).mapToLong(Map.Entry::getValue).sum();
            currentRows = changes.entrySet().stream()
                    .filter(e -> !e.getKey().equals(LedgerDiff.REMOVED)).mapToLong(Map.Entry::getValue).sum();
        }

        List<OutputVersion> written = new ArrayList<>();
        written.add(quarantineOutput);
        String ledgerPath = outputs.path(OutputRoot.LEDGER);
        DeltaTables.ensure(spark, ledgerPath, OutputRoot.LEDGER_SCHEMA, OutputRoot.LEDGER_PROPERTIES);
        long ledgerVersion = stage(Stage.WRITE_LEDGER, "appending to " + OutputRoot.LEDGER, () -> {
            if (resuming) {
                LOG.info("ledger rows of run {} were written by an earlier attempt; not writing them again", runId);
                return DeltaTables.version(spark, ledgerPath);
            }
            return DeltaTables.append(sized(LedgerDiff.ledgerRows(diff), ledgerRows), ledgerPath);
        });
        written.add(new OutputVersion(OutputRoot.LEDGER, ledgerPath, ledgerVersion, ledgerRows));

        // Ledger first: from here on every table written below is supported by a recorded decision. The
        // remaining tables are independent of each other, so their writes overlap.
        List<Callable<OutputVersion>> writes = new ArrayList<>();
        writes.add(() -> {
            DeltaTables.ensure(spark, currentPath, OutputRoot.LEDGER_SCHEMA, OutputRoot.CURRENT_PROPERTIES);
            long version = describe("writing " + OutputRoot.CURRENT, () ->
                    DeltaTables.overwrite(sized(LedgerDiff.currentRows(diff), currentRows), currentPath));
            return new OutputVersion(OutputRoot.CURRENT, currentPath, version, currentRows);
        });
        for (PurposeCount count : counts.purposes()) {
            Dataset<Row> included = stamp.apply(decisions.filter(col(PURPOSE).equalTo(count.purpose())
                    .and(col(DECISION).equalTo(Decision.INCLUDED.name()))), OutputRoot.CURATED_SCHEMA);
            writes.add(() -> writeCurated(count.purpose(), included, count.included()));
        }
        for (String gone : purposesThatLeft(previous)) {
            if (DeltaTables.exists(spark, outputs.curated(gone))) {
                Dataset<Row> empty = spark.createDataFrame(List.of(), OutputRoot.CURATED_SCHEMA);
                writes.add(() -> writeCurated(gone, empty, 0));
            }
        }
        written.addAll(stage(Stage.WRITE_OUTPUTS, "publishing current and curated", () -> inParallel(writes)));

        RunRecord done = finished(running, RunStatus.SUCCEEDED, null, written, counts.purposes(), counts.reasons(),
                quarantineCounts, ledgerRows);
        stage(Stage.FINISH, "recording the run", () -> {
            runLog.write(done);
            return done;
        });
        LOG.info("run {} succeeded: {} ledger rows, {} pairs current", runId, ledgerRows, currentRows);
        return done;
    }

    private OutputVersion writeCurated(String purpose, Dataset<Row> rows, long count) {
        String path = outputs.curated(purpose);
        DeltaTables.ensure(spark, path, OutputRoot.CURATED_SCHEMA, OutputRoot.CURATED_PROPERTIES);
        long version = describe("writing curated/" + purpose, () -> DeltaTables.overwrite(sized(rows, count), path));
        return new OutputVersion(OutputRoot.CURATED_DIR + "/" + purpose, path, version, count);
    }

    /**
     * Runs independent Spark actions at once: their driver-side work (planning, Delta commits) overlaps the
     * others' tasks. Results in the order given; the first failure in that order is thrown.
     */
    private static <T> List<T> inParallel(List<Callable<T>> work) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL_ACTIONS, work.size()));
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> future : pool.invokeAll(work)) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> purposesThatLeft(Optional<RunRecord> previous) {
        Set<String> now = Set.copyOf(policy.purposeNames());
        return previous.map(p -> p.decisionCounts().stream().map(PurposeCount::purpose)
                .filter(purpose -> !now.contains(purpose)).toList()).orElse(List.of());
    }

    /** Decision counts per purpose and per (purpose, reason); zeros for a purpose nothing was decided for. */
    private record Counts(List<PurposeCount> purposes, List<ReasonCount> reasons) {
        long total() {
            return purposes.stream().mapToLong(p -> p.included() + p.excluded()).sum();
        }
    }

    /** One aggregate over the decisions: included, excluded and every reason, per purpose. */
    private Counts countDecisions(Dataset<Row> decisions) {
        List<Column> sums = new ArrayList<>();
        sums.add(sum(when(col(DECISION).equalTo(Decision.INCLUDED.name()), 1L).otherwise(0L)));
        sums.add(sum(when(col(DECISION).equalTo(Decision.EXCLUDED.name()), 1L).otherwise(0L)));
        for (Reason reason : Reason.values()) {
            sums.add(sum(when(array_contains(col(REASONS), reason.name()), 1L).otherwise(0L)));
        }
        Map<String, PurposeCount> counted = new HashMap<>();
        List<ReasonCount> reasons = new ArrayList<>();
        for (Row r : decisions.groupBy(PURPOSE).agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new))
                .collectAsList()) {
            String purpose = r.getString(0);
            counted.put(purpose, new PurposeCount(purpose, r.getLong(1), r.getLong(2)));
            for (Reason reason : Reason.values()) {
                long n = r.getLong(3 + reason.ordinal());
                if (n > 0) {
                    reasons.add(new ReasonCount(purpose, reason.name(), n));
                }
            }
        }
        reasons.sort(Comparator.comparing(ReasonCount::purpose).thenComparing(ReasonCount::reason));
        return new Counts(policy.purposeNames().stream()
                .map(p -> counted.getOrDefault(p, new PurposeCount(p, 0, 0))).toList(), reasons);
    }

    private static List<QuarantineCount> countQuarantine(Dataset<Row> quarantine, String runId) {
        return quarantine.filter(col(RUN_ID).equalTo(runId)).groupBy(SOURCE_TABLE, REASON).count()
                .collectAsList().stream()
                .map(r -> new QuarantineCount(r.getString(0), r.getString(1), r.getLong(2)))
                .sorted(Comparator.comparing(QuarantineCount::sourceTable).thenComparing(QuarantineCount::reason))
                .toList();
    }

    private static Map<String, Long> countChanges(Dataset<Row> diff) {
        Map<String, Long> counts = new HashMap<>();
        diff.groupBy(LedgerDiff.CHANGE).count().collectAsList().forEach(r -> counts.put(r.getString(0), r.getLong(1)));
        return counts;
    }

    private Instant asOf(String runId, Optional<RunRecord> existing, Optional<Instant> requested, Instant startedAt) {
        if (existing.isPresent()) {
            Instant recorded = existing.get().asOf();
            if (requested.isPresent() && !requested.get().equals(recorded)) {
                throw new RunConflictException("run " + runId + " was started with as_of " + recorded + ", not "
                        + requested.get() + "; rerun it without --as-of (or with the same one), or use another --run-id");
            }
            return recorded;
        }
        return requested.orElse(startedAt.truncatedTo(ChronoUnit.SECONDS));
    }

    /** A run that wrote ledger rows but did not finish must be completed before the ledger moves on. */
    private void refuseWhileAnotherRunIsIncomplete(List<RunRecord> runs, String runId) {
        for (RunRecord other : runs) {
            if (other.status() != RunStatus.SUCCEEDED && !other.runId().equals(runId) && ledgerHasRows(other.runId())) {
                throw new RunConflictException("run " + other.runId() + " (as_of " + other.asOf() + ") wrote ledger"
                        + " rows but did not finish; complete it first with --run-id " + other.runId());
            }
        }
    }

    private boolean ledgerHasRows(String runId) {
        String path = outputs.path(OutputRoot.LEDGER);
        return DeltaTables.exists(spark, path)
                && !DeltaTables.read(spark, path).filter(col(RUN_ID).equalTo(runId)).isEmpty();
    }

    private void recordFailure(RunRecord running, RuntimeException failure) {
        String message = failure instanceof ClearanceException ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        try {
            runLog.write(finished(running, RunStatus.FAILED, message, List.of(), List.of(), List.of(), List.of(), 0));
        } catch (RuntimeException secondary) {
            failure.addSuppressed(secondary);
        }
    }

    private RunRecord finished(RunRecord running, RunStatus status, String message, List<OutputVersion> written,
                               List<PurposeCount> decisionCounts, List<ReasonCount> reasonCounts,
                               List<QuarantineCount> quarantineCounts, long ledgerRows) {
        return new RunRecord(running.runId(), running.asOf(), running.startedAt(), clock.instant(), status,
                running.policyVersion(), running.policySha256(), message, running.inputs(), written, decisionCounts,
                reasonCounts, quarantineCounts, ledgerRows);
    }

    /** Keeps small, reused results (keys, per-user facts) in memory, spilling only if they are not small. */
    private Dataset<Row> persist(Dataset<Row> rows) {
        return persist(rows, StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * Keeps catalog-sized results on local disk, where the OS page cache serves them as fast as memory when it
     * has room: in the heap, a partition is unrolled whole before it can spill, and that does not stay bounded.
     */
    private Dataset<Row> persistLarge(Dataset<Row> rows) {
        return persist(rows, StorageLevel.DISK_ONLY());
    }

    private Dataset<Row> persist(Dataset<Row> rows, StorageLevel level) {
        Dataset<Row> cached = rows.persist(level);
        persisted.add(cached);
        return cached;
    }

    private Dataset<Row> sized(Dataset<Row> rows, long rowCount) {
        return OutputRoot.sizedForFiles(rows, rowCount, spark.sparkContext().defaultParallelism());
    }

    /** Runs one stage of the run: observed, timed and named in the Spark UI. */
    private <T> T stage(Stage stage, String description, Supplier<T> work) {
        observer.stageStarted(stage);
        long start = System.nanoTime();
        T result = describe(description, work);
        observer.stageFinished(stage, System.nanoTime() - start);
        return result;
    }

    /** Runs Spark work under a job description, with its time in the log. */
    private <T> T describe(String description, Supplier<T> work) {
        spark.sparkContext().setJobDescription("clearance: " + description);
        LOG.info("{}", description);
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            LOG.info("{}: {} s", description, String.format("%.1f", (System.nanoTime() - start) / 1e9));
            spark.sparkContext().setJobDescription(null);
        }
    }
}
