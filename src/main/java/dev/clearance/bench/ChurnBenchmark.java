package dev.clearance.bench;

import dev.clearance.catalog.InputTable;
import dev.clearance.config.JobConfig;
import dev.clearance.policy.Policy;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunObserver;
import dev.clearance.run.RunRequest;
import dev.clearance.run.Stage;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A day of change, timed as a platform lives it: a first run, the day's change committed to the lake, the second
 * run as the job chooses it (incremental), the same second run forced full on a copy of the first run's outputs,
 * then a run after which nothing changed. The empty floor is what any run pays before it does anything: a Spark
 * session, the three inputs' Delta snapshots, one commit.
 */
public final class ChurnBenchmark {
    /** The first run's as_of; the change happens in the day after it, and the second run is at its end. */
    public static final Instant FIRST_AS_OF = Instant.parse("2026-06-01T00:00:00Z");
    public static final Instant SECOND_AS_OF = FIRST_AS_OF.plus(Duration.ofDays(1));
    /** An hour later: a run that finds nothing changed. */
    private static final Instant IDLE_AS_OF = SECOND_AS_OF.plus(Duration.ofHours(1));
    private static final StructType FLOOR_ROW = new StructType().add("run_id", DataTypes.StringType);

    private final SparkSession spark;
    private final JobConfig incremental;
    private final JobConfig full;
    private final Policy policy;

    /**
     * @param incremental the runs as scheduled; its output root must not exist yet
     * @param full        the same lake, another output root: the first run's outputs are copied there
     */
    public ChurnBenchmark(SparkSession spark, JobConfig incremental, JobConfig full, Policy policy) {
        if (incremental.output().equals(full.output())) {
            throw new IllegalArgumentException("the full run needs an output root of its own");
        }
        this.spark = spark;
        this.incremental = incremental;
        this.full = full;
        this.policy = policy;
    }

    /** One run, timed. {@code changedRows} and {@code affectedTracks} are -1 for a full run. */
    public record Timed(long nanos, long cpuNanos, Map<Stage, Long> stages, RunRecord record, long changedRows,
                        long affectedTracks) {}

    /**
     * What one invocation measured, in nanoseconds. {@code emptyFloorFresh} is a JVM's whole life, start-up
     * included, and is empty where no JVM of its own could be started (under spark-submit).
     */
    public record Result(long tracks, long inputRows, int purposes, double churn, Timed first, long changeNanos,
                         Timed incremental, Timed full, Timed idle, long emptyFloorWarm,
                         Optional<Long> emptyFloorFresh, long peakLiveHeap) {}

    /**
     * @param change       commits the day's change to the lake
     * @param freshFloor   the empty floor in a JVM of its own, if one can be started
     */
    public Result run(double churn, Runnable change, Supplier<Optional<Long>> freshFloor) {
        try (HeapWatch heap = new HeapWatch()) {
            Timed first = time(incremental, FIRST_AS_OF, false);
            long start = System.nanoTime();
            change.run();
            long changeNanos = System.nanoTime() - start;
            Benchmark.deleteTree(Path.of(full.output()));
            Benchmark.copyTree(Path.of(incremental.output()), Path.of(full.output()));
            Timed second = time(incremental, SECOND_AS_OF, false);
            Timed forced = time(full, SECOND_AS_OF, true);
            Timed idle = time(incremental, IDLE_AS_OF, false);
            Map<InputTable, Long> rows = new EnumMap<>(InputTable.class);
            for (InputTable table : InputTable.values()) {
                rows.put(table, DeltaTables.read(spark, incremental.location(table).path()).count());
            }
            long tracks = rows.get(InputTable.TRACKS);
            long inputRows = rows.values().stream().mapToLong(Long::longValue).sum();
            long warmFloor = emptyFloor();
            return new Result(tracks, inputRows, policy.purposes().size(), churn, first, changeNanos, second, forced,
                    idle, warmFloor, freshFloor.get(), heap.peakLive());
        }
    }

    /**
     * The empty floor: each input's latest Delta snapshot loaded and one row committed to a new Delta table (next
     * to the output root, removed afterwards). Returns its wall time.
     */
    public long emptyFloor() {
        long start = System.nanoTime();
        for (InputTable table : InputTable.values()) {
            String path = incremental.location(table).path();
            DeltaTables.version(spark, path);
            DeltaTables.read(spark, path).schema();
        }
        Path root = Path.of(incremental.output()).resolveSibling(Path.of(incremental.output()).getFileName()
                + "-empty-floor");
        spark.createDataFrame(List.<Row>of(RowFactory.create("floor")), FLOOR_ROW).write().format("delta")
                .mode(SaveMode.Append).save(root.toString());
        long nanos = System.nanoTime() - start;
        Benchmark.deleteTree(root);
        return nanos;
    }

    private Timed time(JobConfig job, Instant asOf, boolean forcedFull) {
        Map<Stage, Long> stages = new EnumMap<>(Stage.class);
        long[] scope = {-1, -1};
        RunObserver observer = new RunObserver() {
            @Override
            public void stageFinished(Stage stage, long nanos) {
                stages.merge(stage, nanos, Long::sum);
            }

            @Override
            public void scoped(long changedRows, long affectedTracks) {
                scope[0] = changedRows;
                scope[1] = affectedTracks;
            }
        };
        long start = System.nanoTime();
        long cpuStart = Benchmark.cpuNanos();
        RunRecord record = new ClearanceJob(spark, job, policy, Clock.systemUTC(), observer)
                .run(new RunRequest(Optional.of(asOf), Optional.empty(), forcedFull)).record();
        return new Timed(System.nanoTime() - start, Benchmark.cpuNanos() - cpuStart, Map.copyOf(stages), record,
                scope[0], scope[1]);
    }
}
