package dev.clearance.bench;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.clearance.catalog.InputTable;
import dev.clearance.config.JobConfig;
import dev.clearance.decide.Decision;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunObserver;
import dev.clearance.run.RunRequest;
import dev.clearance.run.Stage;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Times one full run on a lake against the floor: what Spark needs just to read the inputs once and write as
 * many rows to the same kinds of Delta tables. The ratio between the two is the cost of the decisions
 * themselves. A JVM's first Spark work pays for class loading and JIT compilation, so the floor is measured
 * twice: in a fresh JVM of its own, on the footing of the job, and again in the job's JVM once it is warm.
 */
public final class Benchmark {
    private static final Instant BENCH_AS_OF = Instant.parse("2026-06-01T00:00:00Z");

    private final SparkSession spark;
    private final JobConfig job;
    private final Policy policy;

    /** @param job the run to time; its output root must not exist yet */
    public Benchmark(SparkSession spark, JobConfig job, Policy policy) {
        this.spark = spark;
        this.job = job;
        this.policy = policy;
    }

    /** How many rows the floor writes: as many pairs as the job decided, as many curated rows as it included. */
    public record FloorSize(long pairs, long included) {
        static FloorSize of(RunRecord record) {
            long included = record.decisionCounts().stream().mapToLong(PurposeCount::included).sum();
            return new FloorSize(record.decisions(), included);
        }
    }

    /** One measurement of the floor. Times in nanoseconds. */
    public record Floor(long nanos, long cpuNanos, long rows) {}

    /**
     * What one benchmark invocation measured. Times in nanoseconds, sizes in bytes. {@code freshFloor} is
     * empty where no JVM of its own could be started for it (under spark-submit).
     */
    public record Result(long tracks, int purposes, Map<Stage, Long> stages, long jobNanos, long jobCpuNanos,
                         RunRecord record, Optional<Floor> freshFloor, Floor warmFloor, long peakLiveHeap,
                         long peakHeap, long peakRss, List<TableSize> outputs) {
        public long decisions() {
            return record.decisions();
        }

        /** Rows the job wrote to the ledger, lineage/current and the curated tables. */
        public long outputRows() {
            return record.outputs().stream().filter(o -> !o.table().equals(OutputRoot.QUARANTINE))
                    .mapToLong(OutputVersion::rows).sum();
        }
    }

    /** A Delta table's data files: how many and how large. */
    public record TableSize(String table, long rows, long files, long bytes) {}

    /**
     * Runs the job, then the floor in a fresh JVM ({@code freshFloor}, given the floor's size), then the floor
     * in this one.
     */
    public Result run(Function<FloorSize, Optional<Floor>> freshFloor) {
        Map<Stage, Long> stages = new EnumMap<>(Stage.class);
        RunObserver timings = new RunObserver() {
            @Override
            public void stageFinished(Stage stage, long nanos) {
                stages.merge(stage, nanos, Long::sum);
            }
        };
        RunRecord record;
        long jobNanos;
        long tracks;
        try (HeapWatch heap = new HeapWatch()) {
            long start = System.nanoTime();
            long cpuStart = cpuNanos();
            record = new ClearanceJob(spark, job, policy, Clock.systemUTC(), timings)
                    .run(new RunRequest(Optional.of(BENCH_AS_OF), Optional.empty())).record();
            jobNanos = System.nanoTime() - start;
            long jobCpu = cpuNanos() - cpuStart;
            long peakLive = heap.peakLive();
            long peakUsed = heap.peakUsed();
            tracks = read(InputTable.TRACKS).count();
            FloorSize size = FloorSize.of(record);
            Optional<Floor> fresh = freshFloor.apply(size);
            return new Result(tracks, policy.purposes().size(), stages, jobNanos, jobCpu, record, fresh, floor(size),
                    peakLive, peakUsed, peakRss(), sizes(record));
        }
    }

    /** Times the floor alone: {@link #run} calls it in this JVM after the job, a fresh JVM calls it on its own. */
    public Floor floor(FloorSize size) {
        long start = System.nanoTime();
        long cpuStart = cpuNanos();
        long rows = writeFloor(size);
        return new Floor(System.nanoTime() - start, cpuNanos() - cpuStart, rows);
    }

    /**
     * Reads every input in full once, then writes the job's ledger, lineage/current and curated row counts as
     * plain projections of tracks × purposes into Delta tables with the job's table properties.
     */
    private long writeFloor(FloorSize size) {
        spark.sparkContext().setJobDescription("bench: floor");
        for (InputTable table : InputTable.values()) {
            read(table).write().format("noop").mode("overwrite").save();
        }
        Column[] purposes = policy.purposeNames().stream().map(p -> lit(p)).toArray(Column[]::new);
        Dataset<Row> pairs = read(InputTable.TRACKS).withColumn(PURPOSE, explode(array(purposes)));
        Path root = Path.of(job.output()).resolveSibling(Path.of(job.output()).getFileName() + "-floor");
        long pairCount = size.pairs();
        int cores = spark.sparkContext().defaultParallelism();
        Dataset<Row> ledger = OutputRoot.sizedForFiles(project(pairs, OutputRoot.LEDGER_SCHEMA), pairCount, cores);
        write(ledger, root.resolve("ledger"), OutputRoot.LEDGER_SCHEMA, OutputRoot.LEDGER_PROPERTIES);
        write(ledger, root.resolve("current"), OutputRoot.LEDGER_SCHEMA, OutputRoot.CURRENT_PROPERTIES);
        long included = size.included();
        Dataset<Row> curated = project(pairs.filter(pmod(xxhash64(col(TRACK_ID), col(PURPOSE)), lit(pairCount))
                .lt(included)), OutputRoot.CURATED_SCHEMA);
        curated = OutputRoot.sizedForFiles(curated, included, cores);
        write(curated, root.resolve("curated"), OutputRoot.CURATED_SCHEMA, OutputRoot.CURATED_PROPERTIES);
        spark.sparkContext().setJobDescription(null);
        long rows = 0;
        for (String table : List.of("ledger", "current", "curated")) {
            rows += DeltaTables.read(spark, root.resolve(table).toString()).count();
        }
        deleteTree(root);
        return rows;
    }

    /** Tracks × purposes in an output schema: track columns as they are, everything else a constant. */
    private Dataset<Row> project(Dataset<Row> pairs, StructType schema) {
        List<Column> columns = new ArrayList<>();
        for (var field : schema.fields()) {
            String name = field.name();
            Column value = switch (name) {
                case TRACK_ID, UPLOADER_ID, PURPOSE, TITLE, GENRE, DURATION_MS, AUDIO_URI, EMBEDDED_DMI -> col(name);
                case RUN_ID -> lit("floor");
                case AS_OF -> lit(Timestamp.from(BENCH_AS_OF));
                case DECISION -> lit(Decision.INCLUDED.name());
                case POLICY_VERSION -> lit(policy.version());
                case POLICY_SHA256 -> lit(policy.sha256());
                case CONSENT_STATE -> lit("NONE");
                default -> lit(null);
            };
            columns.add(value.cast(field.dataType()).as(name));
        }
        return pairs.select(columns.toArray(Column[]::new));
    }

    /** Into a new table, as the job's first run: an append (the ledger refuses anything else). */
    private void write(Dataset<Row> rows, Path path, StructType schema, Map<String, String> properties) {
        DeltaTables.ensure(spark, path.toString(), schema, properties);
        rows.write().format("delta").mode(SaveMode.Append).save(path.toString());
    }

    private Dataset<Row> read(InputTable table) {
        JobConfig.TableLocation location = job.location(table);
        return spark.read().format(location.format().yamlName()).load(location.path());
    }

    private List<TableSize> sizes(RunRecord record) {
        List<TableSize> sizes = new ArrayList<>();
        for (OutputVersion output : record.outputs()) {
            long[] filesAndBytes = dataFiles(Path.of(output.path()));
            sizes.add(new TableSize(output.table(), output.rows(), filesAndBytes[0], filesAndBytes[1]));
        }
        return sizes;
    }

    private static long[] dataFiles(Path table) {
        try (Stream<Path> files = Files.walk(table)) {
            long[] totals = new long[2];
            files.filter(f -> f.getFileName().toString().endsWith(".parquet") && !f.toString().contains("_delta_log"))
                    .forEach(f -> {
                        totals[0]++;
                        totals[1] += f.toFile().length();
                    });
            return totals;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + table, e);
        }
    }

    /** CPU time of the whole process (driver and local executors), all threads. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The process's peak resident set (VmHWM), or -1 where /proc is not available. */
    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** A copy of a local directory tree: a lake, or a finished run's output root. */
    public static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** Removes a benchmark's output root (local paths only). */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
