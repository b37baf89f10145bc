package dev.clearance.verify;

import static dev.clearance.testing.AuditScenario.RUN2;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clearance.catalog.Columns;
import dev.clearance.errors.ExitCode;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clearance verify}: passes on honest outputs, exit 1 naming the rows on tampered ones.
 *
 * <p>{@link #identified} is a one-run output root that the tests of the commit-identity check tamper with.
 */
@ExtendWith(SparkExtension.class)
class VerifyTest {
    private static final String NL = System.lineSeparator();

    /** One run (run 2 of {@link AuditScenario}'s lake), every commit carrying its run_id as the job writes it. */
    @TempDir
    static Path identified;

    @TempDir
    Path dir;

    @BeforeAll
    static void runTheJobOnce() {
        Path config = Fixtures.write(identified.resolve("clearance.yaml"), readString(AuditScenario.config())
                .replace(AuditScenario.output().toString(), identified.resolve("out").toString()));
        Cli.Result run = Cli.run("run", "--config", config.toString(), "--as-of", AuditScenario.AS_OF2.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.OK.code());
    }

    @Test
    void honestOutputsPassEveryCheck() {
        Cli.Result result = Cli.run("verify", "--config", AuditScenario.config().toString());

        assertThat(result.out()).isEqualTo(String.join(NL,
                "Verifying run " + RUN2 + " (as_of 2026-11-27T00:00:00Z) in " + AuditScenario.output(),
                "tables checked: curated/recommendation@v2, curated/fraud_detection@v2, curated/generative_training@v2,"
                        + " lineage/current@v2",
                "",
                "ok    curated-rows-included                     9 curated rows        0 violations  every curated row"
                        + " has an INCLUDED decision for its purpose in lineage/current",
                "ok    curated-no-excluded-or-removed            9 curated rows        0 violations  no pair that the"
                        + " ledger says is EXCLUDED or REMOVED is in a curated table",
                "ok    counts-match-run-log                      8 counts              0 violations  curated,"
                        + " lineage/current and ledger row counts equal the run log's",
                "ok    ledger-replay-equals-current             21 current rows        0 violations  replaying the"
                        + " ledger up to the run gives exactly lineage/current",
                "ok    decision-matches-reasons                 54 decisions           0 violations  INCLUDED exactly"
                        + " when reasons is empty, and a REMOVED row gives one of its two reasons",
                "ok    ledger-append-only                        3 commits             0 violations  the ledger's Delta"
                        + " history holds only appends",
                "ok    ledger-append-only-property               1 table property      0 violations  the ledger's table"
                        + " property delta.appendOnly is still true",
                "ok    policy-matches-run-log                   33 ledger rows         0 violations  each run's recorded"
                        + " policy version and sha256 match its ledger rows",
                "ok    ledger-pairs-once-per-run                33 ledger rows         0 violations  no run wrote a"
                        + " (track, purpose) twice to the ledger",
                "ok    commits-carry-run-id                     23 commits             0 violations  every commit on an"
                        + " output table carries, as userMetadata, a run_id of the run log",
                "",
                "verify: all 10 checks passed",
                ""));
        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());

        Cli.Result earlier = Cli.run("verify", "--config", AuditScenario.config().toString(), "--run",
                AuditScenario.RUN1, "--json");
        assertThat(earlier.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(earlier.out()).contains("\"run_id\" : \"" + AuditScenario.RUN1 + "\"",
                "\"snapshots\" : [ \"curated/recommendation@v1\", \"curated/fraud_detection@v1\","
                        + " \"curated/generative_training@v1\", \"lineage/current@v1\" ]");
    }

    @Test
    void aRowSlippedIntoACuratedTableByAHandWrittenCommitIsNamed(SparkSession spark) throws Exception {
        Path config = AuditScenario.copy(dir);
        Path table = dir.resolve("out/curated/" + AuditScenario.GEN);
        Timestamp asOf = Timestamp.from(AuditScenario.AS_OF2);
        Path staged = dir.resolve("staged");
        spark.createDataFrame(List.of(
                        curated(AuditScenario.T2, AuditScenario.U2, asOf),
                        curated("t999999999", "u9999999", asOf)), OutputRoot.CURATED_SCHEMA)
                .coalesce(1).write().mode(SaveMode.Overwrite).parquet(staged.toString());
        Path file;
        try (Stream<Path> files = Files.list(staged)) {
            file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        Path added = Files.copy(file, table.resolve("part-00000-slipped-in.snappy.parquet"));
        Files.writeString(table.resolve("_delta_log/00000000000000000003.json"), String.join("\n",
                "{\"commitInfo\":{\"timestamp\":1795000000000,\"operation\":\"WRITE\","
                        + "\"operationParameters\":{\"mode\":\"Append\"}}}",
                "{\"add\":{\"path\":\"" + added.getFileName() + "\",\"partitionValues\":{},\"size\":" + Files.size(added)
                        + ",\"modificationTime\":1795000000000,\"dataChange\":true}}",
                ""));

        Cli.Result result = Cli.run("verify", "--config", config.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCode.VIOLATION.code());
        String head = "curated/generative_training@v3 (latest; not recorded by the run)";
        assertThat(result.out())
                .contains("tables checked: curated/recommendation@v2, curated/fraud_detection@v2,"
                        + " curated/generative_training@v2, " + head + ", lineage/current@v2")
                .contains("FAIL  curated-rows-included                    12 curated rows        2 violations")
                .contains("curated-rows-included: 2 violations" + NL
                        + "  " + head + "  track_id=t000000002: lineage/current says EXCLUDED [LICENSOR_EXCLUDED]" + NL
                        + "  " + head + "  track_id=t999999999: no decision for this purpose in lineage/current" + NL)
                .contains("curated-no-excluded-or-removed: 1 violation" + NL
                        + "  " + head + "  track_id=t000000002: the ledger says EXCLUDED [LICENSOR_EXCLUDED] (run "
                        + RUN2 + ")" + NL)
                .contains("counts-match-run-log: 2 violations" + NL
                        + "  " + head + "  included tracks recorded in decision_counts: 3 rows, the run log records 1"
                        + NL
                        + "  " + head + "  rows recorded in the run's outputs: 3 rows, the run log records 1" + NL)
                .contains("ok    ledger-append-only")
                .contains("  curated/generative_training@v3  WRITE: no userMetadata: not a commit of a Clearance run"
                        + NL)
                .endsWith("verify: 4 of 10 checks failed" + NL);
    }

    @Test
    void aLedgerRowDeletedByAnOverwriteIsCaught(SparkSession spark) {
        Path config = AuditScenario.copy(dir);
        String ledger = dir.resolve("out/lineage/decisions").toString();
        spark.sql("ALTER TABLE delta.`" + ledger + "` SET TBLPROPERTIES ('delta.appendOnly' = 'false')");
        List<Row> kept = spark.read().format("delta").load(ledger)
                .filter(not(col(Columns.TRACK_ID).equalTo(AuditScenario.T8)
                        .and(col(Columns.PURPOSE).equalTo(AuditScenario.REC))))
                .collectAsList();
        spark.createDataFrame(kept, OutputRoot.LEDGER_SCHEMA).write().format("delta").mode(SaveMode.Overwrite)
                .save(ledger);

        Cli.Result result = Cli.run("verify", "--config", config.toString(), "--json");

        assertThat(result.exitCode()).isEqualTo(ExitCode.VIOLATION.code());
        JsonNode checks = readTree(result.out()).get("checks");
        assertThat(check(checks, "ledger-append-only").get("violations").asLong()).isEqualTo(2);
        JsonNode commits = check(checks, "ledger-append-only").get("first");
        assertThat(commits.get(0).get("row").asText()).isEqualTo("version 3");
        assertThat(commits.get(0).get("problem").asText()).startsWith("SET TBLPROPERTIES {\"properties\":"
                + "\"{\\\"delta.appendOnly\\\":\\\"false\\\"}\"}");
        assertThat(commits.get(1).get("row").asText()).isEqualTo("version 4");
        assertThat(commits.get(1).get("problem").asText()).startsWith("WRITE {\"mode\":\"Overwrite\"")
                .endsWith(": not an append");

        JsonNode property = check(checks, "ledger-append-only-property");
        assertThat(property.get("status").asText()).isEqualTo("FAILED");
        assertThat(property.get("first")).hasSize(1);
        assertThat(property.get("first").get(0).get("location").asText()).isEqualTo("lineage/decisions");
        assertThat(property.get("first").get(0).get("row").asText()).isEqualTo("delta.appendOnly");
        assertThat(property.get("first").get(0).get("problem").asText())
                .isEqualTo("is 'false': Delta accepts a delete, an update or an overwrite of ledger rows");

        JsonNode replay = check(checks, "ledger-replay-equals-current").get("first");
        assertThat(replay).hasSize(1);
        assertThat(replay.get(0).get("location").asText()).isEqualTo("lineage/current@v2");
        assertThat(replay.get(0).get("row").asText()).isEqualTo("track_id=t000000008 purpose=recommendation run_id="
                + RUN2 + " decision=INCLUDED");
        assertThat(replay.get(0).get("problem").asText()).isEqualTo("in lineage/current but not in the ledger replay");
        JsonNode counts = check(checks, "counts-match-run-log").get("first");
        assertThat(counts.get(0).get("problem").asText()).isEqualTo("11 rows, the run log records 12");
        assertThat(check(checks, "curated-rows-included").get("violations").asLong()).isZero();
    }

    @Test
    void nothingToVerifyOrAnUnfinishedRunExitsTwo() {
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
        Cli.Result empty = Cli.run("verify", "--config", config.toString());
        assertThat(empty.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(empty.err()).contains("no run log at " + dir.resolve("out/runs"));
        Cli.Result unknown = Cli.run("verify", "--config", AuditScenario.config().toString(), "--run", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(unknown.err()).contains("run nope is not in the run log");
    }

    @Test
    void aRootWhoseCommitsCarryTheirRunIdPassesEveryCheckAndTheJsonListsThemAll() {
        Path config = identified.resolve("clearance.yaml");
        Cli.Result text = Cli.run("verify", "--config", config.toString());

        assertThat(text.exitCode()).isEqualTo(ExitCode.OK.code());
        List<String> lines = text.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Verifying run " + RUN2 + " (as_of 2026-11-27T00:00:00Z) in "
                + identified.resolve("out"));
        assertThat(lines.subList(3, 3 + Checks.ALL.size())).zipSatisfy(Checks.ALL, (line, check) -> assertThat(line)
                .startsWith("ok    " + check.name() + " ").contains(" 0 violations  " + check.description()));
        assertThat(lines.get(lines.size() - 1)).isEqualTo("verify: all 10 checks passed");

        Cli.Result json = Cli.run("verify", "--config", config.toString(), "--json");
        assertThat(json.exitCode()).isEqualTo(ExitCode.OK.code());
        JsonNode checks = readTree(json.out()).get("checks");
        assertThat(checks).hasSameSizeAs(Checks.ALL);
        for (int i = 0; i < Checks.ALL.size(); i++) {
            JsonNode check = checks.get(i);
            assertThat(check.get("name").asText()).isEqualTo(Checks.ALL.get(i).name());
            assertThat(check.get("description").asText()).isEqualTo(Checks.ALL.get(i).description());
            assertThat(check.get("status").asText()).isEqualTo("PASSED");
            assertThat(check.get("violations").asLong()).isZero();
            assertThat(check.get("first")).isEmpty();
        }
    }

    @Test
    void aHandWrittenCommitOnAnOutputIsNamedWithItsOperationAndUserMetadata(SparkSession spark) {
        Path config = copyOfIdentified(dir);
        String curated = dir.resolve("out/curated/" + AuditScenario.GEN).toString();
        String quarantine = dir.resolve("out/quarantine").toString();
        long curatedHead = DeltaTables.version(spark, curated);
        long quarantineHead = DeltaTables.version(spark, quarantine);
        spark.sql("DELETE FROM delta.`" + curated + "` WHERE " + Columns.TRACK_ID + " = '" + AuditScenario.T8 + "'");
        Dataset<Row> quarantined = spark.createDataFrame(List.of(RowFactory.create(RUN2, "tracks", "UNKNOWN_ENUM",
                "{}")), OutputRoot.QUARANTINE_SCHEMA);
        quarantined.write().format("delta").mode(SaveMode.Append).save(quarantine);
        quarantined.write().format("delta").mode(SaveMode.Append).option("userMetadata", "hand-fix").save(quarantine);

        Cli.Result result = Cli.run("verify", "--config", config.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCode.VIOLATION.code());
        assertThat(result.out())
                .containsPattern("\\nFAIL  commits-carry-run-id +\\d+ commits +3 violations  every commit on an"
                        + " output table carries, as userMetadata, a run_id of the run log\\n")
                .contains(NL + "commits-carry-run-id: 3 violations" + NL
                        + "  curated/generative_training@v" + (curatedHead + 1)
                        + "  DELETE: no userMetadata: not a commit of a Clearance run" + NL
                        + "  quarantine@v" + (quarantineHead + 1)
                        + "  WRITE: no userMetadata: not a commit of a Clearance run" + NL
                        + "  quarantine@v" + (quarantineHead + 2)
                        + "  WRITE: userMetadata 'hand-fix' is not a run_id of the run log" + NL)
                .contains("FAIL  counts-match-run-log")
                .endsWith("verify: 2 of 10 checks failed" + NL);
    }

    @Test
    void aDecisionThatContradictsItsReasonsIsNamedInTheLedgerAndInCurrent(SparkSession spark) {
        Path config = copyOfIdentified(dir);
        String ledger = dir.resolve("out/lineage/decisions").toString();
        String current = dir.resolve("out/lineage/current").toString();
        long currentHead = DeltaTables.version(spark, current) + 1;
        spark.createDataFrame(List.of(
                        decision("run-forged", AuditScenario.T1, "INCLUDED", "CONSENT_OPTED_OUT"),
                        decision("run-forged", AuditScenario.T2, "EXCLUDED"),
                        decision("run-forged", AuditScenario.T3, "REMOVED", "TRACK_NOT_IN_CATALOG",
                                "PURPOSE_NOT_IN_POLICY"),
                        decision("run-forged", AuditScenario.T4, "REMOVED", "TRACK_NOT_IN_CATALOG"),
                        decision("run-forged", AuditScenario.T5, "EXCLUDED", "LICENSOR_EXCLUDED")),
                        OutputRoot.LEDGER_SCHEMA)
                .write().format("delta").mode(SaveMode.Append).option("userMetadata", RUN2).save(ledger);
        spark.createDataFrame(List.of(decision(RUN2, "t000000009", "INCLUDED", "NO_AI_TAG")), OutputRoot.LEDGER_SCHEMA)
                .write().format("delta").mode(SaveMode.Append).option("userMetadata", RUN2).save(current);

        Cli.Result result = Cli.run("verify", "--config", config.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCode.VIOLATION.code());
        String head = "lineage/current@v" + currentHead + " (latest; not recorded by the run)";
        assertThat(result.out())
                .contains(NL + "FAIL  decision-matches-reasons                 69 decisions           4 violations  "
                        + "INCLUDED exactly when reasons is empty, and a REMOVED row gives one of its two reasons" + NL)
                .contains(NL + "decision-matches-reasons: 4 violations" + NL
                        + "  " + head + "  run_id=" + RUN2 + " track_id=t000000009 purpose=recommendation:"
                        + " INCLUDED with reasons [NO_AI_TAG]" + NL
                        + "  lineage/decisions  run_id=run-forged track_id=t000000001 purpose=recommendation:"
                        + " INCLUDED with reasons [CONSENT_OPTED_OUT]" + NL
                        + "  lineage/decisions  run_id=run-forged track_id=t000000002 purpose=recommendation:"
                        + " EXCLUDED with no reason" + NL
                        + "  lineage/decisions  run_id=run-forged track_id=t000000003 purpose=recommendation:"
                        + " REMOVED with reasons [TRACK_NOT_IN_CATALOG, PURPOSE_NOT_IN_POLICY], not exactly"
                        + " TRACK_NOT_IN_CATALOG or PURPOSE_NOT_IN_POLICY" + NL)
                .contains("FAIL  policy-matches-run-log", "FAIL  counts-match-run-log",
                        "FAIL  ledger-replay-equals-current", "ok    commits-carry-run-id")
                .endsWith("verify: 4 of 10 checks failed" + NL);
    }

    private static JsonNode check(JsonNode checks, String name) {
        for (JsonNode check : checks) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + checks);
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    /** A ledger-shaped row for recommendation, at run 2's as_of and policy. */
    private static Row decision(String runId, String track, String decision, String... reasons) {
        return RowFactory.create(runId, Timestamp.from(AuditScenario.AS_OF2), track, AuditScenario.REC, decision,
                List.of(reasons), AuditScenario.U1, "NONE", null, List.of(), List.of(), null, null, "2026-11-27.1",
                "forged");
    }

    /**
     * A private copy of {@link #identified}, with a configuration pointing at it. The copy keeps the Delta
     * logs byte for byte, so the commits keep their userMetadata.
     */
    private static Path copyOfIdentified(Path target) {
        Fixtures.copyTree(identified.resolve("out"), target.resolve("out"));
        return Fixtures.write(target.resolve("clearance.yaml"), readString(identified.resolve("clearance.yaml"))
                .replace(identified.resolve("out").toString(), target.resolve("out").toString()));
    }

    private static Row curated(String track, String uploader, Timestamp asOf) {
        return RowFactory.create(track, uploader, "Title", "ambient", 1000L, "s3://audio/x.flac", List.of("l"),
                List.of("SELF"), "OPT_IN", "e", "2026-11-27.1", RUN2, asOf);
    }
}
