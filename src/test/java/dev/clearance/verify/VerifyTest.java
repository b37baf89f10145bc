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
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code clearance verify}: passes on honest outputs, exit 1 naming the rows on tampered ones. */
@ExtendWith(SparkExtension.class)
class VerifyTest {
    private static final String NL = System.lineSeparator();

    @TempDir
    Path dir;

    @Test
    void honestOutputsPassEveryCheck() {
        Cli.Result result = Cli.run("verify", "--config", AuditScenario.config().toString());

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
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
                "ok    ledger-append-only                        3 commits             0 violations  the ledger's Delta"
                        + " history holds only appends",
                "ok    policy-matches-run-log                   33 ledger rows         0 violations  each run's recorded"
                        + " policy version and sha256 match its ledger rows",
                "ok    ledger-pairs-once-per-run                33 ledger rows         0 violations  no run wrote a"
                        + " (track, purpose) twice to the ledger",
                "",
                "verify: all 7 checks passed",
                ""));

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
                .endsWith("verify: 3 of 7 checks failed" + NL);
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

    private static JsonNode check(JsonNode checks, String name) {
        for (JsonNode check : checks) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + checks);
    }

    private static JsonNode readTree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private static Row curated(String track, String uploader, Timestamp asOf) {
        return RowFactory.create(track, uploader, "Title", "ambient", 1000L, "s3://audio/x.flac", List.of("l"),
                List.of("SELF"), "OPT_IN", "e", "2026-11-27.1", RUN2, asOf);
    }
}
