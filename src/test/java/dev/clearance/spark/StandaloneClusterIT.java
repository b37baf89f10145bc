package dev.clearance.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.cli.Main;
import dev.clearance.errors.ExitCode;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import dev.clearance.testing.StandaloneCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar, submitted with spark-submit to a real standalone cluster (a Master and two Workers,
 * each its own JVM), publishes exactly what a local run publishes on the same lake, and spark-submit ends
 * with the job's exit code, which the Airflow DAG relies on.
 */
@ExtendWith(SparkExtension.class)
class StandaloneClusterIT {
    private static final String AS_OF = "2026-11-27T00:00:00Z";
    private static final String RUN_ID = "cluster-it";
    private static final Path POLICY = Path.of("conf/policy.yaml").toAbsolutePath();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aClusterRunPublishesWhatALocalRunPublishes(SparkSession spark) throws Exception {
        Path lake = dir.resolve("lake");
        LakeGenerator.Lake generated = LakeGenerator.generate(spark, 2_000, 11);
        save(generated.tracks(), lake.resolve(InputTable.TRACKS.tableName()));
        save(generated.licenses(), lake.resolve(InputTable.LICENSES.tableName()));
        save(generated.consents(), lake.resolve(InputTable.CONSENTS.tableName()));

        Path local = config("local", lake);
        assertThat(Main.execute("run", "--config", local.toString(), "--as-of", AS_OF, "--run-id", RUN_ID))
                .isEqualTo(ExitCode.OK.code());

        Path jar = Path.of(System.getProperty("clearance.application.jar"));
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"),
                StandaloneCluster.classpath(Path.of(System.getProperty("clearance.spark.classpath.file"))),
                StandaloneCluster.flags(System.getProperty("clearance.cluster.jvm.flags")), 2)) {
            Path remote = config("cluster", lake);
            assertThat(submit(cluster, "submit", jar, "run", "--config", remote.toString(), "--as-of", AS_OF,
                    "--run-id", RUN_ID))
                    .as("spark-submit exit code; its log ends:%n%s", cluster.tail("submit", 60))
                    .isEqualTo(ExitCode.OK.code());
            assertThat(Files.readString(cluster.log("submit")))
                    .contains("Clearance run " + RUN_ID + "  as_of " + AS_OF + "  status SUCCEEDED");
            assertBothWorkersRanTasks(cluster);

            assertSameOutputs(spark, dir.resolve("local/out"), dir.resolve("cluster/out"));

            assertThat(submit(cluster, "bad-as-of", jar, "run", "--config", remote.toString(),
                    "--as-of", "2026-11-28"))
                    .as("a bad --as-of through spark-submit; its log ends:%n%s", cluster.tail("bad-as-of", 60))
                    .isEqualTo(ExitCode.USAGE.code());
            assertThat(Files.readString(cluster.log("bad-as-of")))
                    .contains("clearance: --as-of '2026-11-28' is not an ISO-8601 instant with an offset");
        }
    }

    /** spark-submit of the application jar in client mode, as the README and the Airflow DAG do it. */
    private static int submit(StandaloneCluster cluster, String name, Path jar, String... args)
            throws InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "--master", cluster.masterUrl(), "--deploy-mode", "client",
                "--class", "dev.clearance.cli.Main", "--name", "clearance-" + name,
                "--conf", "spark.cores.max=2",
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.memory=512m",
                "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", cluster.javaOptions()),
                "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
                "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
                "--conf", "spark.sql.shuffle.partitions=2",
                "--conf", "spark.databricks.delta.snapshotPartitions=2",
                "--conf", "spark.ui.enabled=false",
                jar.toString()));
        command.addAll(List.of(args));
        Process process = cluster.launch(cluster.java(name, "1g", "org.apache.spark.deploy.SparkSubmit", command));
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            throw new AssertionError("spark-submit " + name + " did not finish; its log ends:\n" + cluster.tail(name, 60));
        }
        return process.exitValue();
    }

    /** Each worker started an executor for the run, and that executor ran tasks: the cluster did the work. */
    private static void assertBothWorkersRanTasks(StandaloneCluster cluster) throws IOException {
        for (String worker : List.of("work-1", "work-2")) {
            Path work = cluster.sparkHome().resolve(worker);
            List<Path> executorLogs;
            try (Stream<Path> files = Files.walk(work)) {
                executorLogs = files.filter(f -> f.getFileName().toString().equals("stderr")).toList();
            }
            assertThat(executorLogs).as("executor logs under %s", work).isNotEmpty();
            StringBuilder all = new StringBuilder();
            for (Path log : executorLogs) {
                all.append(Files.readString(log));
            }
            assertThat(all.toString()).as("executor log of %s", worker).contains("Running task");
        }
    }

    private static void assertSameOutputs(SparkSession spark, Path local, Path cluster) {
        Policy policy = PolicyLoader.load(POLICY);
        List<String> tables = new ArrayList<>(List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, OutputRoot.QUARANTINE));
        policy.purposeNames().forEach(purpose -> tables.add(OutputRoot.CURATED_DIR + "/" + purpose));
        for (String table : tables) {
            Dataset<Row> expected = DeltaTables.read(spark, local.resolve(table).toString());
            Frames.assertNoOrderEquals(expected, DeltaTables.read(spark, cluster.resolve(table).toString()));
        }
        assertThat(DeltaTables.read(spark, local.resolve(OutputRoot.QUARANTINE).toString()).count())
                .as("the generated lake has malformed rows").isPositive();

        Dataset<Row> expectedRun = comparableRunLog(spark, local);
        Dataset<Row> actualRun = comparableRunLog(spark, cluster);
        assertThat(actualRun.select("status").as(Encoders.STRING()).collectAsList())
                .containsExactly("SUCCEEDED");
        Frames.assertNoOrderEquals(expectedRun, actualRun);
    }

    /** The run log without what legitimately differs: wall-clock times and the output root in output paths. */
    private static Dataset<Row> comparableRunLog(SparkSession spark, Path root) {
        return DeltaTables.read(spark, root.resolve(OutputRoot.RUNS).toString())
                .drop("started_at", "finished_at")
                .withColumn("outputs", functions.expr(
                        "transform(outputs, o -> named_struct('table', o.table, 'version', o.version, 'rows', o.rows))"));
    }

    /**
     * A configuration over the shared lake with its own output root. Its {@code spark:} section asks for local
     * Spark: under spark-submit it must be ignored.
     */
    private Path config(String name, Path lake) {
        return Fixtures.write(dir.resolve(name).resolve("clearance.yaml"), """
                lake:
                  tracks:   {path: %1$s/tracks,   format: delta}
                  licenses: {path: %1$s/licenses, format: delta}
                  consents: {path: %1$s/consents, format: delta}
                output: %2$s/out
                policy: %3$s
                quarantine: {max_fraction: 0.01}
                spark:
                  master: "local[2]"
                  conf: {spark.sql.shuffle.partitions: "2", spark.databricks.delta.snapshotPartitions: "2"}
                """.formatted(lake, dir.resolve(name), POLICY));
    }

    private static void save(Dataset<Row> rows, Path path) {
        rows.write().format("delta").mode(SaveMode.Overwrite).save(path.toString());
    }
}
