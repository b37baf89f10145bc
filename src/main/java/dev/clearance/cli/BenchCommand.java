package dev.clearance.cli;

import dev.clearance.bench.BenchReport;
import dev.clearance.bench.Benchmark;
import dev.clearance.bench.ChurnBenchmark;
import dev.clearance.bench.ChurnReport;
import dev.clearance.catalog.InputTable;
import dev.clearance.config.JobConfig;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.generate.LakeChurn;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.spark.SparkSessions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code clearance bench}: a full run on a generated lake, timed per stage against the floor; with {@code --churn},
 * a day of change: the incremental second run and the same run forced full, side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Generate (or reuse) a lake of N tracks, run the full job on it and print wall time per stage,"
                + " throughput, peak heap and output sizes, and the floor: reading the inputs once and writing as"
                + " many rows. The lake is kept in DIR for the next invocation; the outputs are removed unless --keep.",
                "With --churn F: on a copy of the lake, a first run, a day of change to F of the tracks, the second run"
                + " as the job chooses it (incremental) and the same run forced full on a copy of the first run's"
                + " outputs, a run with nothing changed, and the empty floor (a Spark session, the inputs' snapshots,"
                + " one commit). The changed lake is exported as Parquet for bench/duckdb."})
final class BenchCommand implements Callable<Integer> {
    private static final String DEFAULT_POLICY = "/dev/clearance/bench/policy.yaml";
    /** The generator makes about 0.5% of rows invalid; a tiny lake can go over 1% by chance. */
    private static final double MAX_QUARANTINE_FRACTION = 0.05;
    /** The lines by which the fresh-JVM floors report to the bench that started them. */
    private static final String FLOOR_RESULT = "floor-result";
    private static final String EMPTY_FLOOR_RESULT = "empty-floor-result";
    /** As conf/clearance.yaml: few shuffle partitions for one machine, no UI. */
    private static final Map<String, String> SPARK_CONF = Map.of("spark.sql.shuffle.partitions", "8",
            "spark.ui.enabled", "false");

    @Spec
    CommandSpec spec;

    @Option(names = "--tracks", required = true, paramLabel = "N", description = "tracks in the lake")
    long tracks;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "lake seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--keep", description = "keep the run's output tables in DIR")
    boolean keep;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "target/bench",
            description = "where lakes and outputs go (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "policy file (default: conf/policy.yaml's three purposes plus content_moderation)")
    Path policyFile;

    @Option(names = "--master", paramLabel = "MASTER", defaultValue = "local[2]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "extra Spark setting (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--churn", paramLabel = "F",
            description = "time a day of change to this share of the tracks, incremental against full (e.g. 0.01)")
    Double churn;

    /** Set by the bench itself on the JVM it starts for the fresh-JVM floor: PAIRS,INCLUDED. */
    @Option(names = "--floor-only", hidden = true, split = ",", paramLabel = "PAIRS,INCLUDED")
    long[] floorOnly;

    /** Set by the bench itself on the JVM it starts for the fresh-JVM empty floor. */
    @Option(names = "--empty-floor-only", hidden = true)
    boolean emptyFloorOnly;

    @Override
    public Integer call() throws IOException {
        if (tracks < 1) {
            throw new ParameterException(spec.commandLine(), "--tracks must be at least 1");
        }
        if (churn != null && !(churn > 0 && churn <= 1)) {
            throw new ParameterException(spec.commandLine(), "--churn must be in (0, 1], got " + churn);
        }
        Path work = dir.toAbsolutePath();
        Files.createDirectories(work);
        Path policyPath = policyFile != null ? policyFile : exportDefaultPolicy(work);
        Policy policy = PolicyLoader.load(policyPath);
        Map<String, String> sparkConf = new LinkedHashMap<>(SPARK_CONF);
        sparkConf.putAll(conf);
        SparkSession spark = SparkSessions.getOrCreate("clearance-bench", master, sparkConf);

        Path lake = work.resolve("lake-" + tracks + "-s" + seed);
        if (Files.exists(lake.resolve("consents"))) {
            spec.commandLine().getOut().printf("reusing the lake in %s%n", lake);
        } else {
            spec.commandLine().getOut().printf("generating %,d tracks (seed %d) in %s%n", tracks, seed, lake);
            spec.commandLine().getOut().flush();
            GenerateCommand.write(spark, lake, tracks, seed, TableFormat.DELTA);
        }
        if (churn != null || emptyFloorOnly) {
            return dayOfChange(spark, work, lake, policyPath, policy, sparkConf);
        }
        Path output = work.resolve("out-" + tracks + "-s" + seed);
        JobConfig job = job(lake, output, policyPath, sparkConf);
        if (floorOnly != null) {
            Benchmark.Floor floor = new Benchmark(spark, job, policy).floor(new Benchmark.FloorSize(floorOnly[0],
                    floorOnly[1]));
            spec.commandLine().getOut().printf("%s %d %d %d%n", FLOOR_RESULT, floor.nanos(), floor.cpuNanos(),
                    floor.rows());
            spec.commandLine().getOut().flush();
            return ExitCode.OK.code();
        }
        Benchmark.deleteTree(output);
        Benchmark.Result result = new Benchmark(spark, job, policy).run(size -> freshFloor(size, policyPath));
        spec.commandLine().getOut().print(BenchReport.render(result, setting(spark)));
        if (keep) {
            spec.commandLine().getOut().printf("%noutputs kept in %s%n", output);
        } else {
            Benchmark.deleteTree(output);
        }
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }

    /**
     * The day-of-change benchmark, on a copy of the lake (so that every invocation starts from the same lake). The
     * changed lake is kept as Parquet for bench/duckdb; the Delta copy and the outputs go unless --keep.
     */
    private Integer dayOfChange(SparkSession spark, Path work, Path lake, Path policyPath, Policy policy,
                                Map<String, String> sparkConf) {
        String name = "-" + tracks + "-s" + seed + "-churn";
        Path changing = work.resolve("lake" + name);
        Path output = work.resolve("out" + name);
        Path fullOutput = work.resolve("out" + name + "-full");
        ChurnBenchmark bench = new ChurnBenchmark(spark, job(changing, output, policyPath, sparkConf),
                job(changing, fullOutput, policyPath, sparkConf), policy);
        if (emptyFloorOnly) {
            bench.emptyFloor();
            long lifetime = ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
            spec.commandLine().getOut().printf("%s %d%n", EMPTY_FLOOR_RESULT, lifetime);
            spec.commandLine().getOut().flush();
            return ExitCode.OK.code();
        }
        for (Path path : List.of(changing, output, fullOutput)) {
            Benchmark.deleteTree(path);
        }
        Benchmark.copyTree(lake, changing);
        GenerateCommand.enableChangeFeed(spark, changing);
        LakeChurn.Day day = new LakeChurn.Day(ChurnBenchmark.SECOND_AS_OF, churn, seed);
        ChurnBenchmark.Result result = bench.run(churn, () -> GenerateCommand.change(spark, changing, day),
                () -> freshJvm(List.of("--empty-floor-only"), EMPTY_FLOOR_RESULT, policyPath).map(f -> f[0]));
        spec.commandLine().getOut().print(ChurnReport.render(result, setting(spark)));
        Path parquet = work.resolve("lake" + name + "-parquet");
        GenerateCommand.exportParquet(spark, changing, parquet);
        spec.commandLine().getOut().printf("%nthe changed lake, as Parquet for bench/duckdb: %s%n"
                + "  node bench/duckdb/run.mjs --lake %s --out /tmp/duck%s --as-of %s --threads 2%n", parquet, parquet,
                name, ChurnBenchmark.SECOND_AS_OF);
        if (keep) {
            spec.commandLine().getOut().printf("outputs kept in %s and %s, the changed Delta lake in %s%n", output,
                    fullOutput, changing);
        } else {
            for (Path path : List.of(changing, output, fullOutput)) {
                Benchmark.deleteTree(path);
            }
        }
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }

    private JobConfig job(Path lake, Path output, Path policyPath, Map<String, String> sparkConf) {
        Map<InputTable, JobConfig.TableLocation> inputs = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            inputs.put(table, new JobConfig.TableLocation(lake.resolve(table.tableName()).toString(), TableFormat.DELTA));
        }
        return new JobConfig(inputs, output.toString(), policyPath, MAX_QUARANTINE_FRACTION,
                JobConfig.DEFAULT_MAX_CHANGED_FRACTION, master, sparkConf, Optional.empty());
    }

    private String setting(SparkSession spark) {
        return String.format("%s, shuffle partitions %s, max heap %,d MB",
                SparkSessions.launchedBySparkSubmit() ? spark.sparkContext().master() : master,
                spark.conf().get("spark.sql.shuffle.partitions"), Runtime.getRuntime().maxMemory() >> 20);
    }

    /**
     * The floor in a JVM of its own, started like this one (same java, JVM options and classpath), so that it
     * pays the same class loading and JIT compilation as the job. Not under spark-submit, which owns the driver.
     */
    private Optional<Benchmark.Floor> freshFloor(Benchmark.FloorSize size, Path policyPath) {
        return freshJvm(List.of("--floor-only", size.pairs() + "," + size.included()), FLOOR_RESULT, policyPath)
                .map(f -> new Benchmark.Floor(f[0], f[1], f[2]));
    }

    /**
     * This bench in a JVM of its own, started like this one, with {@code arguments} added: the numbers of the
     * line it prints starting with {@code resultTag}. Empty under spark-submit.
     */
    private Optional<long[]> freshJvm(List<String> arguments, String resultTag, Path policyPath) {
        if (SparkSessions.launchedBySparkSubmit()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> !arg.startsWith("-XX:StartFlightRecording") && !arg.startsWith("-agentlib:jdwp"))
                .forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench",
                "--tracks", Long.toString(tracks), "--seed", Long.toString(seed),
                "--dir", dir.toAbsolutePath().toString(), "--policy", policyPath.toString(), "--master", master));
        command.addAll(arguments);
        conf.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = process.waitFor();
            for (String line : out.split("\\R")) {
                String[] fields = line.split(" ");
                if (exit == 0 && fields.length > 1 && fields[0].equals(resultTag)) {
                    return Optional.of(Arrays.stream(fields).skip(1).mapToLong(Long::parseLong).toArray());
                }
            }
            throw new IllegalStateException("the bench's own JVM (" + String.join(" ", arguments) + ") exited with "
                    + exit + " without a result; its output: " + out.strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for the bench: " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the bench ran in its own JVM", e);
        }
    }

    private static Path exportDefaultPolicy(Path work) throws IOException {
        Path target = work.resolve("policy-4-purposes.yaml");
        try (InputStream in = BenchCommand.class.getResourceAsStream(DEFAULT_POLICY)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("missing resource " + DEFAULT_POLICY));
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
