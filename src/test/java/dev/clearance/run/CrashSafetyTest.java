package dev.clearance.run;

import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.cli.Main;
import dev.clearance.config.JobConfig;
import dev.clearance.decide.Decision;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.ChildJvm;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
 * Kill -9 and concurrent starts, with real separate JVMs (contract §4.1). The first run of each scenario
 * succeeds; the second, on a changed catalog (tracks gone, consents added), is killed at a stage boundary or
 * in the middle of the output writes, then run again. The result must equal an uninterrupted pair of runs.
 */
@ExtendWith(SparkExtension.class)
class CrashSafetyTest {
    private static final Instant T1 = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-06-02T00:00:00Z");
    private static final String RUN1 = "run-1";
    private static final String RUN2 = "run-2";
    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    /** A copy of the output root after the first run, and the outputs after both runs uninterrupted. */
    private static Path afterRun1;
    private static Map<String, List<String>> referenceContents;

    /**
     * Where the child JVM is killed: at its k-th commit. The second run commits, in order, its RUNNING row (1),
     * the quarantine (2), the ledger (3), lineage/current and the three curated tables concurrently (4 to 7) and
     * its SUCCEEDED row (8). One point per state a rerun finds: no ledger rows yet (it reads the inputs afresh;
     * after the quarantine, 2, is the same state, and ClearanceJobTest reruns over a written quarantine); ledger
     * rows but no output (it reads the inputs its attempt read); some outputs written, the other three still under
     * way (4); every output written but the run not recorded (7).
     */
    enum KillPoint {
        AFTER_RUNNING_ROW(1),
        AFTER_LEDGER(3),
        DURING_OUTPUTS(4),
        AFTER_OUTPUTS(7);

        final int commit;

        KillPoint(int commit) {
            this.commit = commit;
        }
    }

    @BeforeAll
    static void lakesAndReference() throws IOException {
        SparkSession spark = SparkExtension.spark();
        LakeGenerator.Lake lake = LakeGenerator.generate(spark, 1_500, 7);
        save(lake.tracks(), shared.resolve("lake1/tracks"));
        save(lake.licenses(), shared.resolve("lake1/licenses"));
        save(lake.consents(), shared.resolve("lake1/consents"));
        // The second catalog: a tenth of the tracks gone, and a few creators opting out of everything.
        save(lake.tracks().filter(col(TRACK_ID).endsWith("7").unary_$bang()), shared.resolve("lake2/tracks"));
        save(lake.licenses(), shared.resolve("lake2/licenses"));
        save(lake.consents().unionByName(lake.tracks().select(col("uploader_id").as("user_id")).distinct()
                .limit(40).selectExpr("concat('late-', user_id) as event_id", "user_id", "'*' as purpose",
                        "'OPT_OUT' as action", "timestamp'2026-06-01 12:00:00' as event_ts", "'test' as source")),
                shared.resolve("lake2/consents"));

        Path reference = shared.resolve("reference");
        runInProcess(config(shared.resolve("lake1"), reference), T1, RUN1);
        afterRun1 = shared.resolve("after-run-1");
        Fixtures.copyTree(reference, afterRun1);
        runInProcess(config(shared.resolve("lake2"), reference), T2, RUN2);
        referenceContents = contents(reference);
        Dataset<Row> ledger = DeltaTables.read(spark, reference.resolve(OutputRoot.LEDGER).toString());
        assertThat(ledger.groupBy(RUN_ID, TRACK_ID, PURPOSE).count().filter(col("count").gt(1)).count()).isZero();
    }

    @ParameterizedTest
    @EnumSource(KillPoint.class)
    void aRunKilledAnywhereIsCompletedByRunningItAgain(KillPoint killPoint) throws Exception {
        Path output = dir.resolve("out");
        Fixtures.copyTree(afterRun1, output);
        Path config = config(shared.resolve("lake2"), output);

        try (ChildJvm child = ChildJvm.start(StoppableRun.class, dir.resolve("child.log"), config.toString(),
                T2.toString(), RUN2, String.valueOf(killPoint.commit), "hang")) {
            child.await("AT commit " + killPoint.commit + " ", CHILD_TIMEOUT);
            child.kill();
        }
        // The killed run's lease is left behind, fresh: its process is gone, so the retry takes it over.
        assertThat(output).isDirectoryContaining("glob:**/" + Lease.PREFIX + "*");
        runInProcess(config, T2, RUN2);

        assertSameOutputs(output);
        List<RunRecord> runs = new OutputRoot(SparkExtension.spark(), output.toString()).runLog().all();
        assertThat(runs).extracting(RunRecord::runId, RunRecord::status)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(RUN1, RunStatus.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(RUN2, RunStatus.SUCCEEDED));
        assertNoCuratedVersionEverHeldAnExcludedTrack(output);
    }

    @Test
    void aSecondRunOnTheSameOutputRootExitsFiveNamingTheFirstWhichCompletesUnharmed() throws Exception {
        Path output = dir.resolve("out");
        Fixtures.copyTree(afterRun1, output);
        Path config = config(shared.resolve("lake2"), output);
        Path release = dir.resolve("release");

        try (ChildJvm first = ChildJvm.start(StoppableRun.class, dir.resolve("child.log"), config.toString(),
                T2.toString(), RUN2, "2", "pause:" + release)) {
            first.await("AT commit 2 ", CHILD_TIMEOUT);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream stderr = System.err;
            int code;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                code = Main.execute("run", "--config", config.toString(), "--as-of", "2026-06-03T00:00:00Z",
                        "--run-id", "run-3");
            } finally {
                System.setErr(stderr);
            }
            assertThat(code).isEqualTo(5);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("run " + RUN2 + " (")
                    .contains("is running on output root " + output);

            Files.createFile(release);
            first.await("DONE", CHILD_TIMEOUT);
            assertThat(first.waitFor(CHILD_TIMEOUT)).isZero();
        }
        assertSameOutputs(output);
        assertThat(new OutputRoot(SparkExtension.spark(), output.toString()).runLog().find("run-3")).isEmpty();
    }

    @Test
    void aRunWhoseLeaseIsTakenOverWhileItRunsExitsFiveAndCommitsNothingMore() throws Exception {
        Path output = dir.resolve("out");
        Fixtures.copyTree(afterRun1, output);
        Path config = config(shared.resolve("lake2"), output);
        Path release = dir.resolve("release");
        String ledger = output.resolve(OutputRoot.LEDGER).toString();
        long ledgerBefore = DeltaTables.version(SparkExtension.spark(), ledger);

        try (ChildJvm run = ChildJvm.start(StoppableRun.class, dir.resolve("child.log"), config.toString(),
                T2.toString(), RUN2, "2", "pause:" + release)) {
            run.await("AT commit 2 quarantine", CHILD_TIMEOUT);
            // Another run takes the lease over while this one is between two commits.
            Files.writeString(output.resolve(Lease.PREFIX + 2), "{\"run_id\":\"run-3\"}");
            Files.createFile(release);
            run.await("EXIT 5 run " + RUN2 + " lost its lease " + output.resolve(Lease.PREFIX + 1)
                    + " (run run-3 took the lease over (generation 2)) and stopped before its next commit", CHILD_TIMEOUT);
            assertThat(run.waitFor(CHILD_TIMEOUT)).isEqualTo(5);
        }
        assertThat(DeltaTables.version(SparkExtension.spark(), ledger)).isEqualTo(ledgerBefore);
        assertThat(new OutputRoot(SparkExtension.spark(), output.toString()).runLog().find(RUN2).orElseThrow().status())
                .isEqualTo(RunStatus.RUNNING);
        assertThat(output.resolve(Lease.PREFIX + 2)).exists();
    }

    /** Each output table of {@code root} as its rows' texts, sorted: a multiset compared in one read per table. */
    private static Map<String, List<String>> contents(Path root) {
        OutputRoot tables = new OutputRoot(SparkExtension.spark(), root.toString());
        Map<String, List<String>> contents = new TreeMap<>();
        List<String> names = new ArrayList<>(List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, OutputRoot.QUARANTINE));
        Fixtures.defaultPolicy().purposeNames().forEach(purpose -> names.add(OutputRoot.CURATED_DIR + "/" + purpose));
        for (String table : names) {
            contents.put(table, DeltaTables.read(SparkExtension.spark(), tables.path(table)).collectAsList().stream()
                    .map(Row::toString).sorted().toList());
        }
        return contents;
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

    private static void runInProcess(Path config, Instant asOf, String runId) {
        JobConfig job = JobConfig.load(config);
        new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()), Clock.systemUTC())
                .run(new RunRequest(Optional.of(asOf), Optional.of(runId)));
    }

    private static Path config(Path lake, Path output) {
        String yaml = """
                lake:
                  tracks:   {path: %1$s/tracks,   format: delta}
                  licenses: {path: %1$s/licenses, format: delta}
                  consents: {path: %1$s/consents, format: delta}
                output: %2$s
                policy: %3$s
                quarantine: {max_fraction: 0.02}
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
                """.formatted(lake, output, Fixtures.DEFAULT_POLICY.toAbsolutePath());
        return Fixtures.write(output.resolveSibling(output.getFileName() + ".yaml"), yaml);
    }

    private static void save(Dataset<Row> rows, Path path) {
        rows.write().format("delta").mode(SaveMode.Overwrite).save(path.toString());
    }

}
