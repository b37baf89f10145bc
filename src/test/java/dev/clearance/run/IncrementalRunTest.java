package dev.clearance.run;

import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.cli.Main;
import dev.clearance.config.JobConfig;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental runs produce exactly what full runs produce (contract §8): a generated catalog with change data
 * feeds on, changed between runs by Delta's own DELETE, UPDATE and INSERT, is run on two output roots, one always
 * with {@code --full}, one choosing its mode. After every run both roots hold the same ledger, lineage/current,
 * curated tables and quarantine, and their run logs the same counts. Then a run with nothing to change.
 */
@ExtendWith(SparkExtension.class)
class IncrementalRunTest {
    private static final Instant T1 = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-06-02T00:00:00Z");
    private static final Instant T3 = Instant.parse("2026-06-03T00:00:00Z");

    @TempDir
    static Path dir;

    @BeforeAll
    static void changeFeedLake() {
        SparkSession spark = SparkExtension.spark();
        LakeGenerator.Lake lake = LakeGenerator.generate(spark, 200, 5);
        // Time crossings between the first and second run: a license that ends, one that starts, an opt-in that
        // becomes effective, an opt-out that does.
        List<Row> tracks = List.of(track("x1", "ux1", "ACTIVE", null, null), track("x2", "ux2", "ACTIVE", null, null),
                track("x3", "ux3", "ACTIVE", null, null));
        List<Row> licenses = List.of(license("lx1", "x1", "SELF", null, null, "2026-06-01T12:00:00Z"),
                license("lx2", "x2", "SELF", null, "2026-06-01T06:00:00Z", null),
                license("lx3", "x3", "SELF", null, null, null));
        List<Row> consents = List.of(consent("ex2", "ux2", "*", "OPT_IN", "2026-06-01T01:00:00Z"),
                consent("ex3a", "ux3", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                consent("ex3b", "ux3", "generative_training", "OPT_OUT", "2026-06-01T18:00:00Z"));
        save(lake.tracks().unionByName(Fixtures.frame(InputTable.TRACKS, tracks)), InputTable.TRACKS);
        save(lake.licenses().unionByName(Fixtures.frame(InputTable.LICENSES, licenses)), InputTable.LICENSES);
        save(lake.consents().unionByName(Fixtures.frame(InputTable.CONSENTS, consents)), InputTable.CONSENTS);
    }

    @Test
    void everyIncrementalRunPublishesWhatAFullRunPublishes() {
        Path full = dir.resolve("full");
        Path auto = dir.resolve("auto");
        // A first run is full whatever it may choose: the forced root starts from a copy of it.
        assertThat(run(auto, T1, "run-1", false).mode())
                .isEqualTo(RunMode.full("no earlier run succeeded on this output root"));
        Fixtures.copyTree(auto, full);

        // Tracks leave, change hands, gain a no-AI tag, arrive with a license and an opt-in, get a duplicate row;
        // a license goes, a blank-keyed one arrives; an opt-out, an invalid event, a duplicate event_id.
        sql("DELETE FROM %s WHERE track_id IN ('t000000005', 't000000006')", InputTable.TRACKS);
        sql("UPDATE %s SET uploader_id = 'u0000002' WHERE track_id = 't000000010'", InputTable.TRACKS);
        sql("UPDATE %s SET tags = array('No AI') WHERE track_id = 't000000011'", InputTable.TRACKS);
        insert(InputTable.TRACKS, track("n1", "un1", "ACTIVE", list("lofi"), null),
                track("t000000012", "u0000003", "ACTIVE", null, null));
        insert(InputTable.LICENSES, license("ln1", "n1", "SELF", null, null, null),
                license("", "t000000020", "SELF", null, null, null));
        sql("DELETE FROM %s WHERE track_id = 't000000013'", InputTable.LICENSES);
        insert(InputTable.CONSENTS, consent("en1", "un1", "*", "OPT_IN", "2026-06-01T03:00:00Z"),
                consent("eo1", "u0000004", "*", "OPT_OUT", "2026-06-01T02:00:00Z"),
                consent("eb1", "u0000005", "*", "MAYBE", "2026-06-01T02:00:00Z"));
        sql("INSERT INTO %s SELECT event_id, 'u0000009', purpose, action, event_ts, source FROM %<s"
                + " WHERE event_id IN (SELECT min(event_id) FROM %<s WHERE event_id <> '')", InputTable.CONSENTS);
        RunMode second = runBoth(full, auto, T2, "run-2");
        assertThat(second.kind()).isEqualTo(RunMode.Kind.INCREMENTAL);
        assertThat(second.reason()).startsWith("every input's change data feed covers the versions since run run-1;"
                + " changed: tracks 6 of 203 rows, licenses 3 of 239 rows, consents 4 of 83 rows");

        // The duplicate goes, a track returns, a new one is taken down; the invalid event and every blank
        // license_id are fixed, the latter into one shared, so duplicate, key.
        sql("DELETE FROM %s WHERE track_id = 't000000012' AND uploader_id = 'u0000003'", InputTable.TRACKS);
        insert(InputTable.TRACKS, track("t000000005", "u0000001", "ACTIVE", null, null));
        sql("UPDATE %s SET state = 'TAKEN_DOWN' WHERE track_id = 'n1'", InputTable.TRACKS);
        sql("UPDATE %s SET action = 'OPT_OUT' WHERE event_id = 'eb1'", InputTable.CONSENTS);
        sql("UPDATE %s SET license_id = 'lfix' WHERE trim(license_id) = ''", InputTable.LICENSES);
        // And a generated day of change on top, several commits per table: edits, take-downs, transfers, removals,
        // new uploads with their licences, licences starting and expiring, events of the day
        // and late ones.
        assertThat(Main.execute("generate", "--changes-from", dir.resolve("lake").toString(), "--churn", "0.05",
                "--at", T3.toString(), "--seed", "7")).isZero();
        assertThat(runBoth(full, auto, T3, "run-3").kind()).isEqualTo(RunMode.Kind.INCREMENTAL);

        // Nothing changed at all, at the same as_of: no ledger row, no output row changes, the same quarantine.
        Map<String, List<String>> before = contents(auto);
        RunRecord idle = run(auto, T3, "run-4", false);
        assertThat(idle.mode().reason()).endsWith("changed: tracks 0 of 202 rows, licenses 0 of 242 rows,"
                + " consents 0 of 86 rows");
        assertThat(idle.ledgerRows()).isZero();
        Map<String, List<String>> after = contents(auto);
        assertThat(quarantine(auto, "run-4")).isEqualTo(quarantine(auto, "run-3")).isNotEmpty();
        before.remove(OutputRoot.QUARANTINE);
        after.remove(OutputRoot.QUARANTINE);
        assertThat(after).isEqualTo(before);

        assertThat(Main.execute("verify", "--config", config(auto, dir.resolve("lake")).toString())).as("verify of the incremental root")
                .isZero();
    }

    @Test
    void aChangeFeedThatCannotBeReadMakesTheRunFullAndTheRunLogSaysWhy(@TempDir Path own) throws Exception {
        Path lake = own.resolve("lake");
        Fixtures.writeLake(lake, List.of(track("t1", "u1", "ACTIVE", null, null), track("t2", "u2", "ACTIVE", null, null)),
                List.of(license("l1", "t1", "SELF", null, null, null), license("l2", "t2", "SELF", null, null, null)),
                List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
        for (InputTable table : List.of(InputTable.TRACKS, InputTable.LICENSES)) {
            SparkExtension.spark().sql("ALTER TABLE delta.`" + lake.resolve(table.tableName())
                    + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
        }
        Path root = own.resolve("out");
        Path config = config(root, lake);
        assertThat(runWith(config, T1, "run-1", false).mode().kind()).isEqualTo(RunMode.Kind.FULL);

        // consents has no change feed: its new event cannot be read as a change.
        Fixtures.frame(InputTable.CONSENTS, List.of(consent("e2", "u2", "*", "OPT_OUT", "2026-06-01T01:00:00Z")))
                .write().format("delta").mode("append").save(lake.resolve("consents").toString());
        assertThat(runWith(config, T2, "run-2", false).mode().reason())
                .startsWith("the change data feed of consents cannot be read for versions 1 to 1 (");

        // A column added to tracks: its rows before and after are not comparable.
        SparkExtension.spark().sql("ALTER TABLE delta.`" + lake.resolve("tracks") + "` ADD COLUMNS (mood STRING)");
        assertThat(runWith(config, T3, "run-3", false).mode().reason())
                .isEqualTo("the schema of tracks changed between version 1 and version 2");

        // An update whose change files were removed, as VACUUM removes them.
        SparkExtension.spark().sql("UPDATE delta.`" + lake.resolve("tracks") + "` SET state = 'PRIVATE'"
                + " WHERE track_id = 't1'");
        FileUtils.deleteDirectory(lake.resolve("tracks/_change_data").toFile());
        RunRecord vacuumed = runWith(config, T3.plusSeconds(3600), "run-4", false);
        assertThat(vacuumed.mode().reason())
                .startsWith("the change data feed of tracks cannot be read for versions 3 to 3 (");
        assertThat(new OutputRoot(SparkExtension.spark(), root.toString()).runLog().find("run-4").orElseThrow().mode())
                .isEqualTo(vacuumed.mode());
    }

    /** Runs {@code runId} on both roots, checks they agree, and returns the mode the choosing root took. */
    private static RunMode runBoth(Path full, Path auto, Instant asOf, String runId) {
        RunRecord forced = run(full, asOf, runId, true);
        RunRecord chosen = run(auto, asOf, runId, false);
        assertThat(forced.mode()).isEqualTo(RunMode.full("run --full was given"));
        assertThat(contents(auto)).as("outputs after %s", runId).isEqualTo(contents(full));
        assertThat(comparable(chosen)).as("run log of %s", runId).isEqualTo(comparable(forced));
        return chosen.mode();
    }

    private static RunRecord run(Path root, Instant asOf, String runId, boolean full) {
        return runWith(config(root, dir.resolve("lake")), asOf, runId, full);
    }

    private static RunRecord runWith(Path config, Instant asOf, String runId, boolean full) {
        JobConfig job = JobConfig.load(config);
        return new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()),
                Clock.fixed(asOf.plusSeconds(60), ZoneOffset.UTC))
                .run(new RunRequest(Optional.of(asOf), Optional.of(runId), full)).record();
    }

    /** What must be equal whatever the mode: the counts, the ledger rows, and every output's row count. */
    private static List<Object> comparable(RunRecord run) {
        return List.of(run.status(), run.decisionCounts(), run.reasonCounts(), run.quarantineCounts(),
                run.ledgerRows(), run.outputs().stream().map(o -> o.table() + " " + o.rows()).toList());
    }

    private static Map<String, List<String>> contents(Path root) {
        return Fixtures.contents(root, Fixtures.defaultPolicy().purposeNames());
    }

    /** A run's quarantine rows without their run_id. */
    private static List<String> quarantine(Path root, String runId) {
        return DeltaTables.read(SparkExtension.spark(), root.resolve(OutputRoot.QUARANTINE).toString())
                .filter(col(RUN_ID).equalTo(runId)).drop(RUN_ID).collectAsList().stream().map(Row::toString)
                .sorted().toList();
    }

    private static Path config(Path root, Path lake) {
        return Fixtures.deltaLakeConfig(lake, root, 0.05, 0.2, "");
    }

    private static void save(Dataset<Row> rows, InputTable table) {
        Fixtures.saveWithChangeFeed(rows, path(table));
    }

    private static void insert(InputTable table, Row... rows) {
        Fixtures.frame(table, List.of(rows)).write().format("delta").mode("append").save(path(table));
    }

    private static void sql(String statement, InputTable table) {
        SparkExtension.spark().sql(statement.formatted("delta.`" + path(table) + "`"));
    }

    private static String path(InputTable table) {
        return dir.resolve("lake").resolve(table.tableName()).toString();
    }
}
