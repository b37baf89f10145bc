package dev.clearance.run;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.clearance.catalog.Columns;
import dev.clearance.config.JobConfig;
import dev.clearance.errors.InputContractException;
import dev.clearance.errors.QuarantineLimitException;
import dev.clearance.errors.RunConflictException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs against Delta tables in a temporary folder: outputs, change rows, reruns and refusals (§4, §4.1). */
@ExtendWith(SparkExtension.class)
class ClearanceJobTest {
    private static final Instant T1 = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-06-02T00:00:00Z");
    private static final String REC = "recommendation";
    private static final String FRAUD = "fraud_detection";
    private static final String GEN = "generative_training";

    /** Holds the lake and output root of run "first" of catalog v1 at T1, made once for the tests that start there. */
    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    private final List<Row> tracks = new ArrayList<>();
    private final List<Row> licenses = new ArrayList<>();
    private final List<Row> consents = new ArrayList<>();

    /** t1 is included everywhere; t2 has no opt-in (excluded from generative training); t3 is private. */
    private void catalogV1() {
        tracks.add(track("t1", "u1", "ACTIVE", list("lofi"), null));
        tracks.add(track("t2", "u2", "ACTIVE", null, null));
        tracks.add(track("t3", "u1", "PRIVATE", null, null));
        licenses.add(license("l1", "t1", "SELF", null, null, null));
        licenses.add(license("l2", "t2", "SELF", null, null, null));
        licenses.add(license("l3", "t3", "SELF", null, null, null));
        consents.add(consent("e1", "u1", "generative_training", "OPT_IN", "2026-01-01T00:00:00Z"));
    }

    private Path config(double maxFraction) {
        Fixtures.writeLake(dir.resolve("lake"), tracks, licenses, consents);
        return Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, maxFraction);
    }

    @BeforeAll
    static void firstRunOfCatalogV1() {
        ClearanceJobTest setup = new ClearanceJobTest();
        setup.dir = shared;
        setup.catalogV1();
        setup.run(setup.config(0.5), T1, "first");
    }

    /** Catalog v1 in this test's lake, and in its output root a copy of what run "first" left there. */
    private Path afterFirstRun(double maxFraction) {
        catalogV1();
        Path config = config(maxFraction);
        Fixtures.copyTree(shared.resolve("out"), dir.resolve("out"));
        return config;
    }

    private RunRecord firstRun() {
        return new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog().find("first")
                .orElseThrow();
    }

    private ClearanceJob.Outcome run(Path config, Instant asOf, String runId) {
        JobConfig job = JobConfig.load(config);
        return new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()),
                Clock.fixed(asOf.plusSeconds(3600), ZoneOffset.UTC))
                .run(new RunRequest(Optional.of(asOf), Optional.ofNullable(runId)));
    }

    private Dataset<Row> table(String name) {
        return DeltaTables.read(SparkExtension.spark(), dir.resolve("out").resolve(name).toString());
    }

    private List<String> ledger(String runId) {
        return table(OutputRoot.LEDGER).filter(col(Columns.RUN_ID).equalTo(runId)).collectAsList().stream()
                .map(r -> r.getAs(Columns.TRACK_ID) + "/" + r.getAs(Columns.PURPOSE) + " " + r.getAs(Columns.DECISION)
                        + " " + r.getList(r.fieldIndex(Columns.REASONS)))
                .toList();
    }

    @Test
    void firstRunRecordsEveryPairAndPublishesExactlyTheIncludedTracks() {
        catalogV1();
        RunRecord run = run(config(0.5), T1, null).record();

        assertThat(run.runId()).isEqualTo("run-20260601T000000Z");
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ledger(run.runId())).containsExactlyInAnyOrder(
                "t1/recommendation INCLUDED []", "t1/fraud_detection INCLUDED []", "t1/generative_training INCLUDED []",
                "t2/recommendation INCLUDED []", "t2/fraud_detection INCLUDED []",
                "t2/generative_training EXCLUDED [CONSENT_NOT_GIVEN]",
                "t3/recommendation EXCLUDED [STATE_NOT_ELIGIBLE]", "t3/fraud_detection INCLUDED []",
                "t3/generative_training EXCLUDED [STATE_NOT_ELIGIBLE]");
        Frames.assertNoOrderEquals(table(OutputRoot.LEDGER).drop(Columns.RUN_ID),
                table(OutputRoot.CURRENT).drop(Columns.RUN_ID));

        Timestamp asOf = Timestamp.from(T1);
        Frames.assertNoOrderEquals(
                SparkExtension.spark().createDataFrame(List.of(
                        curated("t1", "u1", "l1", "OPT_IN", "e1", run.runId(), asOf)), OutputRoot.CURATED_SCHEMA),
                table("curated/" + GEN));
        Frames.assertNoOrderEquals(
                SparkExtension.spark().createDataFrame(List.of(
                        curated("t1", "u1", "l1", "NONE", null, run.runId(), asOf),
                        curated("t2", "u2", "l2", "NONE", null, run.runId(), asOf)), OutputRoot.CURATED_SCHEMA),
                table("curated/" + REC));
        assertThat(table("curated/" + FRAUD).count()).isEqualTo(3);
        assertThat(table(OutputRoot.LEDGER).select(Columns.POLICY_SHA256).distinct().head().getString(0))
                .isEqualTo(PolicyLoader.load(Fixtures.DEFAULT_POLICY).sha256());

        assertThat(run.decisionCounts()).containsExactlyInAnyOrder(
                new PurposeCount(REC, 2, 1), new PurposeCount(FRAUD, 3, 0), new PurposeCount(GEN, 1, 2));
        assertThat(run.reasonCounts()).containsExactlyInAnyOrder(
                new ReasonCount(REC, "STATE_NOT_ELIGIBLE", 1), new ReasonCount(GEN, "STATE_NOT_ELIGIBLE", 1),
                new ReasonCount(GEN, "CONSENT_NOT_GIVEN", 1));
        assertThat(run.ledgerRows()).isEqualTo(9);
        assertThat(run.inputs()).extracting(i -> i.table() + "@" + i.version())
                .containsExactly("tracks@0", "licenses@0", "consents@0");
        assertThat(run.outputs()).extracting(RunRecord.OutputVersion::table).containsExactlyInAnyOrder(
                "quarantine", "lineage/decisions", "lineage/current", "curated/" + REC, "curated/" + FRAUD,
                "curated/" + GEN);
        assertThat(run.output("curated/" + GEN).orElseThrow().version())
                .isEqualTo(DeltaTables.version(SparkExtension.spark(), dir.resolve("out/curated/" + GEN).toString()));
        assertThat(new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog().all())
                .containsExactly(run);
    }

    @Test
    void sameInputsSameAsOfAndSamePolicyGiveTheSameLedgerAndCuratedRows() {
        catalogV1();
        tracks.add(track("t4", "u3", " Active", list("No AI"), "DMI-PROHIBITED-GENAIMLTRAINING"));
        licenses.add(license("l4", "t4", "MAJOR_LABEL", list("recommendation"), null, null));
        consents.add(consent("e2", "u3", "*", "OPT_OUT", "2026-02-01T00:00:00Z"));
        Path config = config(0.5);
        run(config, T1, "same");
        Path other = dir.resolve("other");
        Fixtures.write(other.resolve("clearance.yaml"), readString(config).replace(dir + "/out", other + "/out"));
        run(other.resolve("clearance.yaml"), T1, "same");

        for (String name : List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, "curated/" + REC, "curated/" + FRAUD,
                "curated/" + GEN)) {
            Frames.assertNoOrderEquals(table(name), DeltaTables.read(SparkExtension.spark(),
                    other.resolve("out").resolve(name).toString()));
        }
    }

    @Test
    void theLedgerIsCreatedAppendOnly() {
        afterFirstRun(0.5);
        String ledger = dir.resolve("out").resolve(OutputRoot.LEDGER).toString();
        Row detail = io.delta.tables.DeltaTable.forPath(SparkExtension.spark(), ledger).detail().head();
        assertThat(detail.getJavaMap(detail.fieldIndex("properties"))).containsEntry("delta.appendOnly", "true");
        assertThatThrownBy(() -> io.delta.tables.DeltaTable.forPath(SparkExtension.spark(), ledger).delete())
                .hasMessageContaining("DELTA_CANNOT_MODIFY_APPEND_ONLY");
        assertThat(io.delta.tables.DeltaTable.forPath(SparkExtension.spark(), ledger).history().count())
                .as("created with its properties, then one append").isEqualTo(2);
    }

    @Test
    void laterRunsWriteOnlyChangedNewAndRemovedPairs() {
        afterFirstRun(0.5);
        RunRecord first = firstRun();

        tracks.remove(2);                                                // t3 leaves the catalog
        tracks.set(0, track("t1", "u1", "ACTIVE", list("lofi"), "DMI-ALLOWED")); // t1's file declares DMI-ALLOWED
        tracks.add(track("t4", "u1", "ACTIVE", null, null));           // t4 arrives
        licenses.add(license("l4", "t4", "SELF", null, null, null));
        consents.add(consent("e2", "u2", "generative_training", "OPT_IN", "2026-06-01T12:00:00Z")); // t2 opts in
        RunRecord second = run(config(0.5), T2, "second").record();

        // t1's decisions do not change, but its evidence does: a row per pair (contract v2 §4).
        assertThat(ledger("second")).containsExactlyInAnyOrder(
                "t1/recommendation INCLUDED []", "t1/fraud_detection INCLUDED []", "t1/generative_training INCLUDED []",
                "t2/generative_training INCLUDED []",
                "t3/recommendation REMOVED [TRACK_NOT_IN_CATALOG]", "t3/fraud_detection REMOVED [TRACK_NOT_IN_CATALOG]",
                "t3/generative_training REMOVED [TRACK_NOT_IN_CATALOG]",
                "t4/recommendation INCLUDED []", "t4/fraud_detection INCLUDED []", "t4/generative_training INCLUDED []");
        assertThat(second.ledgerRows()).isEqualTo(10);
        assertThat(ledger("first")).hasSize(9);
        // Run "first" read another lake (the shared one this test's output root was copied from).
        assertThat(second.mode()).isEqualTo(RunMode.full("tracks is read from " + dir.resolve("lake/tracks")
                + ", run first read it from " + shared.resolve("lake/tracks")));

        // lineage/current: this run's rows where something changed, the earlier ledger row where nothing did.
        List<String> current = table(OutputRoot.CURRENT).collectAsList().stream()
                .map(r -> r.getAs(Columns.TRACK_ID) + "/" + r.getAs(Columns.PURPOSE) + "@" + r.getAs(Columns.RUN_ID)
                        + " dmi=" + r.getAs(Columns.EMBEDDED_DMI))
                .toList();
        assertThat(current).containsExactlyInAnyOrder(
                "t1/recommendation@second dmi=DMI-ALLOWED", "t1/fraud_detection@second dmi=DMI-ALLOWED",
                "t1/generative_training@second dmi=DMI-ALLOWED",
                "t2/recommendation@first dmi=null", "t2/fraud_detection@first dmi=null",
                "t2/generative_training@second dmi=null",
                "t4/recommendation@second dmi=null", "t4/fraud_detection@second dmi=null",
                "t4/generative_training@second dmi=null");
        // curated: a row keeps the stamp of the run that last wrote it; DMI is not a curated column (§4, §8)
        assertThat(table("curated/" + GEN).collectAsList()).extracting(r -> r.getAs(Columns.TRACK_ID) + "@"
                + r.getAs(Columns.RUN_ID)).containsExactlyInAnyOrder("t1@first", "t2@second", "t4@second");
        assertThat(first.asOf()).isBefore(second.asOf());
    }

    @Test
    void aPurposeThatLeftThePolicyGetsRemovedRowsAndAnEmptyCuratedTable() {
        afterFirstRun(0.5);

        String policy = new String(readAll(Fixtures.DEFAULT_POLICY));
        String withoutFraud = policy.substring(0, policy.indexOf("  fraud_detection:"))
                + policy.substring(policy.indexOf("  generative_training:"));
        Path policyFile = Fixtures.write(dir.resolve("policy-v2.yaml"), withoutFraud);
        RunRecord second = run(Fixtures.writeConfig(dir, policyFile, 0.5), T2, "second").record();

        assertThat(ledger("second")).containsExactlyInAnyOrder(
                "t1/fraud_detection REMOVED [PURPOSE_NOT_IN_POLICY]", "t2/fraud_detection REMOVED [PURPOSE_NOT_IN_POLICY]",
                "t3/fraud_detection REMOVED [PURPOSE_NOT_IN_POLICY]");
        assertThat(table("curated/" + FRAUD).count()).isZero();
        assertThat(second.output("curated/" + FRAUD)).isPresent();
        assertThat(table(OutputRoot.CURRENT).filter(col(Columns.PURPOSE).equalTo(FRAUD)).count()).isZero();
    }

    /**
     * A curated table as an earlier version left it, without a change feed, gets one in a commit of the next run;
     * from then on its feed holds exactly the tracks that entered or left (§8).
     */
    @Test
    void aCuratedTableWithoutAChangeFeedGetsOneAndItsFeedHoldsOnlyTheTracksThatEnteredOrLeft() {
        afterFirstRun(0.5);
        String fraud = dir.resolve("out/curated/" + FRAUD).toString();
        SparkExtension.spark().sql("ALTER TABLE delta.`" + fraud
                + "` UNSET TBLPROPERTIES ('delta.enableChangeDataFeed')");
        tracks.remove(2);                                                // t3 leaves the catalog
        tracks.add(track("t4", "u1", "ACTIVE", null, null));           // t4 arrives
        licenses.add(license("l4", "t4", "SELF", null, null, null));
        RunRecord second = run(config(0.5), T2, "second").record();

        List<DeltaTables.Commit> commits = DeltaTables.commits(SparkExtension.spark(), fraud);
        assertThat(commits.subList(0, 2)).extracting(DeltaTables.Commit::operation, DeltaTables.Commit::userMetadata)
                .containsExactly(tuple("MERGE", "second"), tuple("SET TBLPROPERTIES", "second"));
        long published = second.output("curated/" + FRAUD).orElseThrow().version();
        assertThat(published).isEqualTo(commits.get(0).version());
        List<String> changes = SparkExtension.spark().read().format("delta").option("readChangeFeed", "true")
                .option("startingVersion", commits.get(1).version()).option("endingVersion", published).load(fraud)
                .collectAsList().stream().map(r -> r.getAs("_change_type") + " " + r.getAs(Columns.TRACK_ID)).toList();
        assertThat(changes).containsExactlyInAnyOrder("delete t3", "insert t4");
    }

    @Test
    void anEmptyCatalogRemovesEveryPairAndEmptiesEveryCuratedTable() {
        afterFirstRun(0.5);
        tracks.clear();
        RunRecord second = run(config(0.5), T2, "second").record();

        assertThat(ledger("second")).hasSize(9).allMatch(r -> r.endsWith("REMOVED [TRACK_NOT_IN_CATALOG]"));
        for (String purpose : List.of(REC, FRAUD, GEN)) {
            assertThat(table("curated/" + purpose).count()).as(purpose).isZero();
        }
        assertThat(table(OutputRoot.CURRENT).count()).isZero();
        assertThat(second.decisionCounts()).containsExactly(
                new PurposeCount(REC, 0, 0), new PurposeCount(FRAUD, 0, 0), new PurposeCount(GEN, 0, 0));
    }

    @Test
    @SuppressWarnings("try")    // the lease is held, not used
    void aRunIsRefusedWhileAnotherHoldsTheOutputRootAndLeavesNoLeaseBehind() {
        Path config = afterFirstRun(0.5);
        RunRecord first = firstRun();
        assertThat(dir.resolve("out")).isDirectoryNotContaining("glob:**/" + Lease.PREFIX + "*");

        try (Lease other = Lease.acquire(dir.resolve("out").toString(), "other",
                SparkExtension.spark().sparkContext().hadoopConfiguration(), Clock.systemUTC(), () -> {})) {
            assertThatThrownBy(() -> run(config, T2, "second"))
                    .isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("run other (");
        }
        assertThat(new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog().all())
                .containsExactly(first);
    }

    @Test
    void aRunWhoseLeaseIsTakenOverWhileItRunsCommitsNothingMoreAndExitsFive() throws Exception {
        Path config = afterFirstRun(0.5);
        consents.add(consent("e2", "u1", "*", "OPT_OUT", "2026-06-01T12:00:00Z"));
        config(0.5);
        Path out = dir.resolve("out");
        long ledgerBefore = DeltaTables.version(SparkExtension.spark(), out.resolve(OutputRoot.LEDGER).toString());
        List<String> commits = new ArrayList<>();
        RunObserver takeover = new RunObserver() {
            @Override
            public void committed(int ordinal, String table, long version) {
                commits.add(ordinal + ":" + table);
                if (ordinal == 2) {
                    Fixtures.write(out.resolve(Lease.PREFIX + 2), "{\"run_id\":\"intruder\"}");
                }
            }
        };
        JobConfig job = JobConfig.load(config);
        ClearanceJob second = new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()),
                Clock.fixed(T2.plusSeconds(3600), ZoneOffset.UTC), takeover);

        assertThatThrownBy(() -> second.run(new RunRequest(Optional.of(T2), Optional.of("second"))))
                .isInstanceOf(RunConflictException.class)
                .hasMessageStartingWith("run second lost its lease " + out.resolve(Lease.PREFIX + 1)
                        + " (run intruder took the lease over (generation 2)) and stopped before its next commit");
        assertThat(commits).containsExactly("1:runs", "2:quarantine");
        assertThat(DeltaTables.version(SparkExtension.spark(), out.resolve(OutputRoot.LEDGER).toString()))
                .isEqualTo(ledgerBefore);
        RunLog runLog = new OutputRoot(SparkExtension.spark(), out.toString()).runLog();
        assertThat(runLog.find("second").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(out.resolve(Lease.PREFIX + 2)).exists();

        Files.delete(out.resolve(Lease.PREFIX + 2));
        RunRecord completed = run(config, T2, "second").record();
        assertThat(completed.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ledger("second")).containsExactlyInAnyOrder(
                "t1/recommendation EXCLUDED [CONSENT_OPTED_OUT]", "t1/generative_training EXCLUDED [CONSENT_OPTED_OUT]",
                "t1/fraud_detection INCLUDED []", "t3/fraud_detection INCLUDED []",
                "t3/recommendation EXCLUDED [STATE_NOT_ELIGIBLE, CONSENT_OPTED_OUT]",
                "t3/generative_training EXCLUDED [STATE_NOT_ELIGIBLE, CONSENT_OPTED_OUT]");
    }

    @Test
    void whenOneConcurrentWriteFailsTheRunFailsWithItAndTheSameRunIdCompletesTheRun() throws Exception {
        Path config = afterFirstRun(0.5);
        tracks.add(track("t4", "u1", "ACTIVE", null, null));
        licenses.add(license("l4", "t4", "SELF", null, null, null));
        config(0.5);
        // curated/fraud_detection's last commit is unreadable: its write fails while the others run.
        Path commit = dir.resolve("out/curated/" + FRAUD + "/_delta_log/00000000000000000001.json");
        byte[] original = Files.readAllBytes(commit);
        Files.writeString(commit, "{ not a Delta action");

        assertThatThrownBy(() -> run(config, T2, "second"))
                .satisfies(e -> assertThat(e.toString() + e.getCause()).contains("00000000000000000001.json"));
        RunLog runLog = new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog();
        assertThat(runLog.find("second").orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        assertThat(ledger("second")).hasSize(3);

        Files.write(commit, original);
        RunRecord completed = run(config, T2, "second").record();
        assertThat(completed.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ledger("second")).hasSize(3);
        assertThat(table("curated/" + FRAUD).collectAsList()).extracting(r -> r.getAs(Columns.TRACK_ID) + "@"
                + r.getAs(Columns.RUN_ID)).containsExactlyInAnyOrder("t1@first", "t2@first", "t3@first", "t4@second");
    }

    @Test
    void everyCommitOfARunOnEveryOutputCarriesItsRunIdAndTheRunLogRecordsItsOwnVersions() {
        afterFirstRun(0.5);
        RunRecord first = firstRun();
        tracks.remove(2);
        RunRecord second = run(config(0.5), T2, "second").record();
        Path out = dir.resolve("out");
        for (String table : List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, OutputRoot.QUARANTINE, OutputRoot.RUNS,
                "curated/" + REC, "curated/" + FRAUD, "curated/" + GEN)) {
            assertThat(DeltaTables.commits(SparkExtension.spark(), out.resolve(table).toString()))
                    .as(table).extracting(DeltaTables.Commit::userMetadata).containsOnly("first", "second");
        }
        for (RunRecord run : List.of(first, second)) {
            for (RunRecord.OutputVersion output : run.outputs()) {
                assertThat(DeltaTables.latestCommitBy(SparkExtension.spark(), out.resolve(output.table()).toString(),
                        run.runId()))
                        .as(output.table()).contains(output.version());
            }
        }
    }

    @Test
    void rerunningASucceededRunIdChangesNothing() {
        Path config = afterFirstRun(0.5);
        RunRecord first = firstRun();
        long ledgerVersion = DeltaTables.version(SparkExtension.spark(), dir.resolve("out/lineage/decisions").toString());

        ClearanceJob.Outcome again = run(config, T1, "first");
        assertThat(again.alreadySucceeded()).isTrue();
        assertThat(again.record()).isEqualTo(first);
        assertThat(DeltaTables.version(SparkExtension.spark(), dir.resolve("out/lineage/decisions").toString()))
                .isEqualTo(ledgerVersion);
    }

    @Test
    void anAsOfEarlierThanTheLastSuccessfulRunIsRefused() {
        catalogV1();
        Path config = config(0.5);
        run(config, T2, "later");
        assertThatThrownBy(() -> run(config, T1, "earlier"))
                .isInstanceOf(RunConflictException.class)
                .hasMessageContaining("earlier than 2026-06-02T00:00:00Z")
                .hasMessageContaining("last successful run later");
        assertThat(ledger("earlier")).isEmpty();
    }

    @Test
    void aBatchOverTheQuarantineLimitPublishesOnlyQuarantineAndAFailedRun() {
        afterFirstRun(0.2);
        RunRecord first = firstRun();

        tracks.add(track("t9", "u9", "ARCHIVED", null, null));
        licenses.add(license("l9", null, "SELF", null, null, null));
        assertThatThrownBy(() -> run(config(0.2), T2, "bad"))
                .isInstanceOf(QuarantineLimitException.class)
                .hasMessageContaining("tracks: 1 of 4 rows invalid (25.00%)");

        for (String purpose : List.of(REC, FRAUD, GEN)) {
            assertThat(DeltaTables.version(SparkExtension.spark(), dir.resolve("out/curated/" + purpose).toString()))
                    .isEqualTo(first.output("curated/" + purpose).orElseThrow().version());
        }
        assertThat(ledger("bad")).isEmpty();
        RunRecord bad = new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog().find("bad").orElseThrow();
        assertThat(bad.status()).isEqualTo(RunStatus.FAILED);
        assertThat(bad.quarantineCounts()).containsExactlyInAnyOrder(
                new QuarantineCount("tracks", "UNKNOWN_ENUM", 1), new QuarantineCount("licenses", "BLANK_REFERENCE", 1));
        assertThat(table(OutputRoot.QUARANTINE).filter(col(Columns.RUN_ID).equalTo("bad")).count()).isEqualTo(2);
    }

    @Test
    void anInputBreakingTheContractFailsBeforeAnyOutputExists() {
        catalogV1();
        Path config = config(0.5);
        SparkExtension.spark().read().format("delta").load(dir.resolve("lake/consents").toString())
                .drop(Columns.ACTION).write().format("delta").mode(SaveMode.Overwrite).option("overwriteSchema", "true")
                .save(dir.resolve("lake/consents").toString());

        assertThatThrownBy(() -> run(config, T1, null))
                .isInstanceOf(InputContractException.class)
                .hasMessageContaining("input table consents")
                .hasMessageContaining("missing column 'action' (expected string)");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void anInterruptedRunIsCompletedOnTheInputsItFirstReadWithoutWritingLedgerRowsTwice() {
        Path config = afterFirstRun(0.5);
        tracks.add(track("t4", "u2", "ACTIVE", null, null));
        licenses.add(license("l4", "t4", "SELF", null, null, null));
        RunRecord second = run(config(0.5), T2, "second").record();
        assertThat(ledger("second")).hasSize(3);

        // "second" died after its ledger append: its run-log row still says RUNNING. Meanwhile t5 arrived.
        RunLog runLog = new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog();
        Fixtures.forgeRunRow(runLog, new RunRecord(second.runId(), second.asOf(), second.startedAt(), null, RunStatus.RUNNING,
                second.policyVersion(), second.policySha256(), null, second.inputs(), List.of(), List.of(), List.of(),
                List.of(), 0, null));
        tracks.add(track("t5", "u2", "ACTIVE", null, null));
        licenses.add(license("l5", "t5", "SELF", null, null, null));
        config(0.5);

        assertThatThrownBy(() -> run(config, Instant.parse("2026-06-03T00:00:00Z"), "third"))
                .isInstanceOf(RunConflictException.class)
                .hasMessageContaining("run second (as_of 2026-06-02T00:00:00Z) wrote ledger rows but did not finish");

        RunRecord completed = run(config, T2, "second").record();
        assertThat(completed.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(completed.inputs()).isEqualTo(second.inputs());
        assertThat(ledger("second")).containsExactlyInAnyOrder("t4/recommendation INCLUDED []",
                "t4/fraud_detection INCLUDED []", "t4/generative_training EXCLUDED [CONSENT_NOT_GIVEN]");
        assertThat(table("curated/" + FRAUD).collectAsList()).extracting(r -> r.<String>getAs(Columns.TRACK_ID))
                .containsExactlyInAnyOrder("t1", "t2", "t3", "t4");
        assertThat(runLog.all()).extracting(RunRecord::status).containsOnly(RunStatus.SUCCEEDED);

        run(config, Instant.parse("2026-06-03T00:00:00Z"), "third");
        assertThat(ledger("third")).containsExactlyInAnyOrder("t5/recommendation INCLUDED []",
                "t5/fraud_detection INCLUDED []", "t5/generative_training EXCLUDED [CONSENT_NOT_GIVEN]");
    }

    @Test
    void aResumedRunRefusesAChangedPolicy() {
        Path config = afterFirstRun(0.5);
        RunRecord first = firstRun();
        Fixtures.forgeRunRow(new OutputRoot(SparkExtension.spark(), dir.resolve("out").toString()).runLog(),
                new RunRecord(first.runId(),
                first.asOf(), first.startedAt(), null, RunStatus.RUNNING, first.policyVersion(), "0".repeat(64), null,
                first.inputs(), List.of(), List.of(), List.of(), List.of(), 0, null));
        assertThatThrownBy(() -> run(config, T1, "first"))
                .isInstanceOf(RunConflictException.class)
                .hasMessageContaining("already wrote ledger rows under policy sha256 " + "0".repeat(64));
    }

    private static Row curated(String track, String uploader, String license, String consentState, String eventId,
                               String runId, Timestamp asOf) {
        return Frames.row(track, uploader, "Title " + track, "ambient", 180_000L, "s3://audio/" + track + ".flac",
                List.of(license), List.of("SELF"), consentState, eventId, "2026-11-27.1", runId, asOf);
    }

    private static String readString(Path file) {
        return new String(readAll(file), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
