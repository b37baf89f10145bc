package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.testing.SparkExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.function.ForeachFunction;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Concurrent actions of a run: the first failure cancels the others, and every failure is reported. */
@ExtendWith(SparkExtension.class)
class SparkWorkTest {
    /** Set by the Spark task that blocks, so the failing action fails only once that task is running. */
    private static final CountDownLatch BLOCKING_TASK_STARTED = new CountDownLatch(1);

    @Test
    void theFirstFailureCancelsTheOtherActionsSparkJobsAndTheOtherFailuresAreKept(SparkSession spark) {
        Callable<Long> blocked = () -> {
            // A task that would run for an hour unless its job is cancelled (the local executor interrupts it).
            spark.range(0, 1, 1, 1).foreach((ForeachFunction<Long>) x -> {
                BLOCKING_TASK_STARTED.countDown();
                new CountDownLatch(1).await(1, TimeUnit.HOURS);
            });
            return 0L;
        };
        Callable<Long> fails = () -> {
            assertThat(BLOCKING_TASK_STARTED.await(2, TimeUnit.MINUTES)).isTrue();
            throw new IllegalStateException("the write of curated/x failed");
        };
        long start = System.nanoTime();
        try (SparkWork work = new SparkWork(spark.sparkContext(), "run-x", RunObserver.NONE)) {
            assertThatThrownBy(() -> work.inParallel(List.<Callable<Long>>of(blocked, fails)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the write of curated/x failed")
                    .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                            .isInstanceOf(SparkException.class)
                            .satisfies(s -> assertThat(s.getMessage()).contains("cancelled")));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(5));
        // Nothing of the run's is left to cancel, and its tag is gone from this thread.
        assertThat(spark.sparkContext().getJobTags().isEmpty()).isTrue();
        assertThat(spark.range(3).count()).isEqualTo(3);
    }

    @Test
    void resultsComeInTheOrderGiven(SparkSession spark) {
        try (SparkWork work = new SparkWork(spark.sparkContext(), "run-y", RunObserver.NONE)) {
            assertThat(work.inParallel(List.<Callable<Long>>of(() -> spark.range(5).count(), () -> 7L,
                    () -> spark.range(2).count()))).containsExactly(5L, 7L, 2L);
        }
    }
}
