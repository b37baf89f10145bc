package dev.clearance.run;

import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.cli.Main;
import dev.clearance.config.JobConfig;
import dev.clearance.decide.Decision;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.ChildJvm;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crashes and concurrent starts, with real separate JVMs (contract §4.1). The first run of each scenario
 * succeeds; the second, incremental, on a changed catalog (tracks gone, consents added), is interrupted, then run
 * again. The result must equal an uninterrupted pair of runs.
 *
 * <p>A run killed between two commits leaves exactly the files it had written when its last commit returned, and
 * its lease. So one child run stops at each commit boundary in turn, its output root is copied there (that copy
 * is what a kill -9 at that moment leaves), and it goes on to succeed; each copy is then completed by a rerun. A
 * run killed while other writes of it are still under way is killed for real.
 *
 * <p>It runs in surefire although it starts child JVMs: most of its time is runs in this JVM, which failsafe's
 * C1-only JVM makes slower (409 s there against 320 s here).
 */
@ExtendWith(SparkExtension.class)
class CrashSafetyTest {
    private static final Instant T1 = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-06-02T00:00:00Z");
    private static final String RUN1 = "run-1";
    private static final String RUN2 = "run-2";
    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(3);
    /** The second run commits its quarantine second: the moment another run tries to start. */
    private static final int SECOND_START_AT = 2;
    /** lineage/current and the three curated tables are written concurrently, as commits 4 to 7. */
    private static final int FIRST_OUTPUT = 4;

    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    /** A copy of the output root after the first run, and the outputs after both runs uninterrupted. */
    private static Path afterRun1;
    private static Map<String, List<String>> referenceContents;
    private static StoppedRun stoppedRun;

    /**
     * Where the second run stops: after its k-th commit. It commits, in order, its RUNNING row (1), the
     * quarantine (2), the ledger (3), the outputs (4 to 7) and its SUCCEEDED row (8). One point per state a
     * rerun finds: no ledger rows yet (it reads the inputs afresh; after the quarantine is the same state, and
     * ClearanceJobTest reruns over a written quarantine); ledger rows but no output (it reads the inputs its
     * attempt read); every output written but the run not recorded.
     */
    enum Boundary {
        AFTER_RUNNING_ROW(1),
        AFTER_LEDGER(3),
        AFTER_OUTPUTS(7);

        final int commit;

        Boundary(int commit) {
            this.commit = commit;
        }
    }

    /**
     * The second run, stopped at every {@link Boundary} and at {@link #SECOND_START_AT}, then let go: the output
     * roots copied at the boundaries, what another run's start did meanwhile, and how the run ended.
     */
    private record StoppedRun(Path output, Map<Boundary, Path> copies, int secondStartCode, String secondStartError,
                              int exitCode) {}

    @BeforeAll
    static void lakeAndReference() throws IOException {
        SparkSession spark = SparkExtension.spark();
        LakeGenerator.Lake lake = LakeGenerator.generate(spark, 500, 7);
        save(lake.tracks(), InputTable.TRACKS);
        save(lake.licenses(), InputTable.LICENSES);
        save(lake.consents(), InputTable.CONSENTS);
        Path reference = shared.resolve("reference");
        runInProcess(config(reference), T1, RUN1);
        afterRun1 = shared.resolve("after-run-1");
        Fixtures.copyTree(reference, afterRun1);

        // The second day: a tenth of the tracks gone, and a few creators opting out of everything. The second run
        // reads these changes from the lake's change data feed: it is incremental.
        spark.sql("DELETE FROM delta.`" + lake(InputTable.TRACKS) + "` WHERE track_id LIKE '%7'");
        lake.tracks().select(col("uploader_id").as("user_id")).distinct().limit(40)
                .selectExpr("concat('late-', user_id) as event_id", "user_id", "'*' as purpose",
                        "'OPT_OUT' as action", "timestamp'2026-06-01 12:00:00' as event_ts", "'test' as source")
                .write().format("delta").mode(SaveMode.Append).save(lake(InputTable.CONSENTS));
        RunRecord second = runInProcess(config(reference), T2, RUN2);
        assertThat(second.mode().kind()).as(second.mode().reason()).isEqualTo(RunMode.Kind.INCREMENTAL);
        referenceContents = contents(reference);
        Dataset<Row> ledger = DeltaTables.read(spark, reference.resolve(OutputRoot.LEDGER).toString());
        assertThat(ledger.groupBy(RUN_ID, TRACK_ID, PURPOSE).count().filter(col("count").gt(1)).count()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Boundary.class)
    void aRunKilledBetweenTwoCommitsIsCompletedByRunningItAgain(Boundary boundary) {
        Path output = dir.resolve("out");
        Fixtures.copyTree(stoppedRun().copies().get(boundary), output);
        // The stopped run's lease is in the copy, fresh: its process is gone, so the retry takes it over.
        assertThat(output).isDirectoryContaining("glob:**/" + Lease.PREFIX + "*");
        assertCompletedByARerun(output);
    }

    @Test
    void aRunKilledWhileItWritesItsOutputsIsCompletedByRunningItAgain() throws Exception {
        Path output = dir.resolve("out");
        Fixtures.copyTree(afterRun1, output);
        Path config = config(output);

        try (ChildJvm child = ChildJvm.start(StoppableRun.class, dir.resolve("child.log"), config.toString(),
                T2.toString(), RUN2, String.valueOf(FIRST_OUTPUT), "hang")) {
            child.await("AT commit " + FIRST_OUTPUT + " ", CHILD_TIMEOUT);
            child.kill();    // the three other output writes still under way
        }
        assertThat(output).isDirectoryContaining("glob:**/" + Lease.PREFIX + "*");
        assertCompletedByARerun(output);
    }

    @Test
    void aSecondRunOnTheSameOutputRootExitsFiveNamingTheFirstWhichCompletesUnharmed() {
        StoppedRun first = stoppedRun();
        assertThat(first.secondStartCode()).isEqualTo(5);
        assertThat(first.secondStartError()).contains("run " + RUN2 + " (")
                .contains("is running on output root " + first.output());
        assertThat(first.exitCode()).isZero();
        assertSameOutputs(first.output());
        assertThat(new OutputRoot(SparkExtension.spark(), first.output().toString()).runLog().find("run-3")).isEmpty();
    }

    /** The second run in a child JVM, stopped at each boundary in turn; computed once, by the first test that asks. */
    private static synchronized StoppedRun stoppedRun() {
        if (stoppedRun != null) {
            return stoppedRun;
        }
        Path output = shared.resolve("stopped/out");
        Fixtures.copyTree(afterRun1, output);
        Path config = config(output);
        Path release = shared.resolve("stopped/release");
        List<Integer> stops = new ArrayList<>(List.of(SECOND_START_AT));
        Arrays.stream(Boundary.values()).map(b -> b.commit).forEach(stops::add);
        stops.sort(null);
        Map<Boundary, Path> copies = new EnumMap<>(Boundary.class);
        int secondStartCode = -1;
        String secondStartError = null;
        try (ChildJvm child = ChildJvm.start(StoppableRun.class, shared.resolve("stopped/child.log"),
                config.toString(), T2.toString(), RUN2,
                String.join(",", stops.stream().map(String::valueOf).toList()), "pause:" + release)) {
            Files.createDirectories(release);
            for (int stop : stops) {
                child.await("AT commit " + stop + " ", CHILD_TIMEOUT);
                if (stop == SECOND_START_AT) {
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    PrintStream stderr = System.err;
                    try {
                        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                        secondStartCode = Main.execute("run", "--config", config.toString(), "--as-of",
                                "2026-06-03T00:00:00Z", "--run-id", "run-3");
                    } finally {
                        System.setErr(stderr);
                    }
                    secondStartError = err.toString(StandardCharsets.UTF_8);
                }
                for (Boundary boundary : Boundary.values()) {
                    if (boundary.commit == stop) {
                        copies.put(boundary, copyOfLiveRoot(output, shared.resolve("stopped/at-" + stop)));
                    }
                }
                Files.createFile(release.resolve(String.valueOf(stop)));
            }
            child.await("DONE", CHILD_TIMEOUT);
            stoppedRun = new StoppedRun(output, Map.copyOf(copies), secondStartCode, secondStartError,
                    child.waitFor(CHILD_TIMEOUT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return stoppedRun;
    }

    /**
     * A copy of an output root whose run waits between two commits. Only its lease heartbeat writes meanwhile, a
     * staged file renamed over the lease: a staged file gone before it was copied is not part of the state.
     */
    private static Path copyOfLiveRoot(Path source, Path copy) throws IOException {
        if (Files.isDirectory(source)) {
            Files.createDirectories(copy);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(source)) {
                for (Path entry : entries) {
                    copyOfLiveRoot(entry, copy.resolve(entry.getFileName().toString()));
                }
            }
        } else if (!source.getFileName().toString().endsWith(".tmp")) {
            Files.copy(source, copy);
        }
        return copy;
    }

    private static void assertCompletedByARerun(Path output) {
        runInProcess(config(output), T2, RUN2);

        assertSameOutputs(output);
        List<RunRecord> runs = new OutputRoot(SparkExtension.spark(), output.toString()).runLog().all();
        assertThat(runs).extracting(RunRecord::runId, RunRecord::status)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(RUN1, RunStatus.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(RUN2, RunStatus.SUCCEEDED));
        assertNoCuratedVersionEverHeldAnExcludedTrack(output);
    }

    private static Map<String, List<String>> contents(Path root) {
        return Fixtures.contents(root, Fixtures.defaultPolicy().purposeNames());
    }

    /** The rows of every output of the uninterrupted runs, so no ledger row twice either (the reference has none). */
    private static void assertSameOutputs(Path actual) {
        Map<String, List<String>> found = contents(actual);
        for (Map.Entry<String, List<String>> table : referenceContents.entrySet()) {
            assertThat(found.get(table.getKey())).as(table.getKey()).isEqualTo(table.getValue());
        }
    }

    /**
     * Every version of every curated table holds only pairs INCLUDED in the state of the run that committed that
     * version. A row's own run_id does not say that: an unchanged row keeps the stamp of the run that wrote it.
     */
    private static void assertNoCuratedVersionEverHeldAnExcludedTrack(Path output) {
        SparkSession spark = SparkExtension.spark();
        OutputRoot tables = new OutputRoot(SparkExtension.spark(), output.toString());
        Dataset<Row> includedAtRun1 = DeltaTables.read(spark, tables.path(OutputRoot.LEDGER))
                .filter(col(DECISION).equalTo(Decision.INCLUDED.name()).and(col(RUN_ID).equalTo(RUN1)))
                .select(RUN_ID, TRACK_ID, PURPOSE);
        // Run 1 wrote every pair; run 2's state is lineage/current once the rerun has completed it.
        Dataset<Row> includedAtRun2 = DeltaTables.read(spark, tables.path(OutputRoot.CURRENT))
                .filter(col(DECISION).equalTo(Decision.INCLUDED.name())).select(lit(RUN2).as(RUN_ID), col(TRACK_ID),
                        col(PURPOSE));
        Dataset<Row> supported = includedAtRun1.unionByName(includedAtRun2);
        // Every version of every curated table in one query, each row labelled with its table, version and the run
        // that committed the version.
        Dataset<Row> published = null;
        for (String purpose : Fixtures.defaultPolicy().purposeNames()) {
            String path = tables.curated(purpose);
            for (DeltaTables.Commit commit : DeltaTables.commits(spark, path)) {
                Dataset<Row> rows = DeltaTables.readVersion(spark, path, commit.version()).select(
                        lit(commit.userMetadata()).as(RUN_ID), col(TRACK_ID), lit(purpose).as(PURPOSE),
                        lit(commit.version()).as("version"));
                published = published == null ? rows : published.unionByName(rows);
            }
        }
        assertThat(published.join(supported, new String[] {RUN_ID, TRACK_ID, PURPOSE}, "left_anti")
                .select(PURPOSE, "version", TRACK_ID, RUN_ID).collectAsList())
                .as("curated rows (purpose, version, track, committing run) not INCLUDED at that run").isEmpty();
    }

    private static RunRecord runInProcess(Path config, Instant asOf, String runId) {
        JobConfig job = JobConfig.load(config);
        return new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()), Clock.systemUTC())
                .run(new RunRequest(Optional.of(asOf), Optional.of(runId))).record();
    }

    private static Path config(Path output) {
        return Fixtures.deltaLakeConfig(shared.resolve("lake"), output, 0.02, 0.5, """
                spark:
                  master: "local[2]"
                  conf:
                    spark.sql.shuffle.partitions: "2"
                    spark.ui.enabled: "false"
                    # As the test session (SparkExtension): interpreted, without adaptive execution, for a child JVM
                    # that lives one run.
                    spark.sql.adaptive.enabled: "false"
                    spark.sql.codegen.wholeStage: "false"
                    spark.sql.codegen.factoryMode: "NO_CODEGEN"
                """);
    }

    /** An input of the lake, written with its change data feed on. */
    private static void save(Dataset<Row> rows, InputTable table) {
        Fixtures.saveWithChangeFeed(rows, lake(table));
    }

    private static String lake(InputTable table) {
        return shared.resolve("lake").resolve(table.tableName()).toString();
    }
}
