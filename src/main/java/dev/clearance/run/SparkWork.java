package dev.clearance.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark side of one run: every job it starts carries the run's job tag (so that a lost lease or a failed
 * write cancels all of them at once), is named in the Spark UI and timed in the log, and what it caches is
 * released when the run ends.
 */
final class SparkWork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkWork.class);
    /** Actions run at once, e.g. the writes after the ledger (Delta commits to different tables do not conflict). */
    private static final int MAX_PARALLEL_ACTIONS = 8;
    /** Spark's local property (SparkContext's SPARK_JOB_INTERRUPT_ON_CANCEL, not public) for interrupting cancelled tasks. */
    private static final String INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";

    private final SparkContext sc;
    private final String tag;
    private final RunObserver observer;
    private final List<Dataset<Row>> persisted = new CopyOnWriteArrayList<>();

    SparkWork(SparkContext sc, String runId, RunObserver observer) {
        this.sc = sc;
        this.tag = "clearance:" + runId;
        this.observer = observer;
        sc.addJobTag(tag);
        // A cancelled job's tasks are interrupted, not left running (a lost lease must stop a write at once).
        sc.setLocalProperty(INTERRUPT_ON_CANCEL, "true");
    }

    /** Cancels every running Spark job of the run; callable from any thread. */
    void cancel(String reason) {
        LOG.warn("cancelling the Spark jobs of {}: {}", tag, reason);
        sc.cancelJobsWithTag(tag);
    }

    /** Runs one stage of the run: observed, timed and named in the Spark UI. */
    <T> T stage(Stage stage, String description, Supplier<T> work) {
        observer.stageStarted(stage);
        long start = System.nanoTime();
        T result = describe(description, work);
        observer.stageFinished(stage, System.nanoTime() - start);
        return result;
    }

    /** Runs Spark work under a job description, with its time in the log. */
    <T> T describe(String description, Supplier<T> work) {
        sc.setJobDescription("clearance: " + description);
        LOG.info("{}", description);
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            LOG.info("{}: {} s", description, String.format("%.1f", (System.nanoTime() - start) / 1e9));
            sc.setJobDescription(null);
        }
    }

    /**
     * Runs independent Spark actions at once: their driver-side work (planning, Delta commits) overlaps the
     * others' tasks. Results in the order given. The first failure cancels the run's Spark jobs (and the actions
     * not started yet), and is thrown once every action has ended, with the others' failures attached as
     * suppressed: nothing after this call starts while one of these actions may still commit.
     */
    <T> List<T> inParallel(List<Callable<T>> work) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL_ACTIONS, work.size()));
        CompletionService<T> done = new ExecutorCompletionService<>(pool);
        AtomicBoolean stopping = new AtomicBoolean();
        List<Future<T>> futures = new ArrayList<>();
        try {
            for (Callable<T> action : work) {
                futures.add(done.submit(tagged(action, stopping)));
            }
            RuntimeException failure = null;
            for (int i = 0; i < futures.size(); i++) {
                Throwable cause = failureOf(done.take());
                if (cause instanceof NotStarted || cause == null && failure == null) {
                    continue;
                }
                if (failure == null) {
                    failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                    stopping.set(true);
                    cancel("a concurrent action failed: " + failure.toString().lines().findFirst().orElse(""));
                } else {
                    sc.cancelJobsWithTag(tag);    // again: an action may have started a job since
                }
                if (cause != failure && cause != null) {
                    failure.addSuppressed(cause);
                }
            }
            if (failure != null) {
                throw failure;
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("interrupted");
            throw new IllegalStateException("interrupted while waiting for Spark", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());    // every failure was handled above
        } finally {
            pool.shutdownNow();
        }
    }

    /** An action skipped because another had failed first. */
    private static final class NotStarted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotStarted() {
            super(null, null, false, false);
        }
    }

    /** The action's failure, or null when it succeeded. */
    private static Throwable failureOf(Future<?> future) throws InterruptedException {
        try {
            future.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Spark's job tags are per thread: a pool thread carries the run's tag (and interruptibility) for its action. */
    private <T> Callable<T> tagged(Callable<T> action, AtomicBoolean stopping) {
        return () -> {
            if (stopping.get()) {
                throw new NotStarted();
            }
            sc.addJobTag(tag);
            sc.setLocalProperty(INTERRUPT_ON_CANCEL, "true");
            try {
                return action.call();
            } finally {
                sc.removeJobTag(tag);
            }
        };
    }

    /** Keeps small, reused results (keys, per-user facts) in memory, spilling only if they are not small. */
    Dataset<Row> persist(Dataset<Row> rows) {
        return persist(rows, StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * Keeps catalog-sized results on local disk, where the OS page cache serves them as fast as memory when it
     * has room: in the heap, a partition is unrolled whole before it can spill, and that does not stay bounded.
     */
    Dataset<Row> persistLarge(Dataset<Row> rows) {
        return persist(rows, StorageLevel.DISK_ONLY());
    }

    /**
     * Keeps a result computed on its first use, under a plan that no longer reads its inputs. Unlike a persisted
     * Dataset, which Spark matches against every later query's plan (and, when it reads a Delta table, Delta lists
     * that table's files again each time), it costs nothing once written. Lost with an executor: the run then fails
     * and its rerun completes it.
     */
    Dataset<Row> checkpoint(Dataset<Row> rows) {
        return rows.localCheckpoint(false);
    }

    private Dataset<Row> persist(Dataset<Row> rows, StorageLevel level) {
        Dataset<Row> cached = rows.persist(level);
        persisted.add(cached);
        return cached;
    }

    @Override
    public void close() {
        persisted.forEach(Dataset::unpersist);
        persisted.clear();
        sc.removeJobTag(tag);
        sc.setLocalProperty(INTERRUPT_ON_CANCEL, null);
    }
}
