package dev.clearance.cli;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.errors.ExitCode;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end through its main entry point: output and exit codes of §6 and §7. */
@ExtendWith(SparkExtension.class)
class MainTest {
    @TempDir
    Path dir;

    private Path config;
    private String out;
    private String err;

    @BeforeEach
    void lake() {
        List<Row> tracks = new ArrayList<>(List.of(track("t1", "u1", "ACTIVE", null, null),
                track("t2", "u2", "ACTIVE", null, null)));
        Fixtures.writeLake(dir.resolve("lake"), tracks,
                List.of(license("l1", "t1", "SELF", null, null, null), license("l2", "t2", "MAJOR_LABEL", null, null, null)),
                List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
        config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
    }

    private int main(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            return Main.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            out = outBytes.toString(StandardCharsets.UTF_8);
            err = errBytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void runPrintsTheSummaryAndARerunIsAHarmlessNoOp() {
        assertThat(main("run", "--config", config.toString(), "--as-of", "2026-06-01T00:00:00Z"))
                .isEqualTo(ExitCode.OK.code());
        assertThat(out).contains("Clearance run run-20260601T000000Z  as_of 2026-06-01T00:00:00Z  status SUCCEEDED")
                .containsPattern("generative_training\\s+1\\s+1\\s+CONSENT_NOT_GIVEN 1, LICENSOR_EXCLUDED 1")
                .contains("quarantine: no invalid rows")
                .contains("ledger rows written: 6");

        assertThat(main("run", "--config", config.toString(), "--as-of", "2026-06-01T00:00:00Z"))
                .isEqualTo(ExitCode.OK.code());
        assertThat(out).contains("run run-20260601T000000Z already succeeded");

        assertThat(main("run", "--config", config.toString(), "--as-of", "2026-05-01T00:00:00+02:00"))
                .isEqualTo(ExitCode.CONFLICT.code());
        assertThat(err).contains("the ledger only moves forward");
    }

    @Test
    void badUsageAndConfigurationExitTwo() {
        assertThat(main("run")).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("Missing required option: '--config=FILE'");
        assertThat(main("run", "--config", config.toString(), "--as-of", "yesterday")).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("--as-of 'yesterday' is not an ISO-8601 instant");
        assertThat(main("run", "--config", config.toString(), "--run-id", "a b")).isEqualTo(ExitCode.USAGE.code());
        assertThat(main("run", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("job configuration " + dir.resolve("missing.yaml") + " does not exist");
        assertThat(main("frobnicate")).isEqualTo(ExitCode.USAGE.code());
        assertThat(main("generate", "--out", dir.resolve("g").toString(), "--tracks", "5", "--format", "csv"))
                .isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("--format 'csv' is not a table format; use delta or parquet");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void aBrokenInputExitsThreeAndABadBatchExitsFour(SparkSession spark) throws Exception {
        Files.writeString(config, Files.readString(config).replace("lake/licenses", "lake/nothing"));
        assertThat(main("run", "--config", config.toString())).isEqualTo(ExitCode.INPUT_CONTRACT.code());
        assertThat(err).contains("input table licenses not found at " + dir.resolve("lake/nothing"));

        Files.writeString(config, Files.readString(config).replace("lake/nothing", "lake/licenses"));
        Fixtures.writeLake(dir.resolve("lake"), List.of(track("t1", "u1", "GONE", null, null)), List.of(), List.of());
        assertThat(main("run", "--config", config.toString(), "--run-id", "bad")).isEqualTo(ExitCode.QUARANTINE_LIMIT.code());
        assertThat(err).contains("quarantine limit exceeded (max_fraction 0.01): tracks: 1 of 1 rows invalid (100.00%)");
        assertThat(spark.read().format("delta").load(dir.resolve("out/quarantine").toString()).count()).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("out/lineage"))).isFalse();
    }

    @Test
    void anInvalidPolicyExitsTwoBeforeAnyDataIsRead() throws Exception {
        Path policy = Fixtures.write(dir.resolve("bad-policy.yaml"),
                Files.readString(Fixtures.DEFAULT_POLICY).replace("honor_no_ai_tag: true", "honour_no_ai_tag: true"));
        Path badConfig = Fixtures.writeConfig(dir, policy, 0.01);
        assertThat(main("run", "--config", badConfig.toString())).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("unknown key 'purposes.generative_training.honour_no_ai_tag'");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void generateWritesAParquetLakeThatRunsCleanly() {
        Path lake = dir.resolve("generated");
        assertThat(main("generate", "--out", lake.toString(), "--tracks", "300", "--seed", "3", "--format", "parquet"))
                .isEqualTo(0);
        assertThat(out).contains("generated 300 tracks (seed 3) as parquet");
        Path generatedConfig = Fixtures.write(dir.resolve("generated.yaml"), readConfig()
                .replace(dir.resolve("lake").toString(), lake.toString()).replace("format: delta", "format: parquet"));
        assertThat(main("run", "--config", generatedConfig.toString(), "--as-of", "2026-06-01T00:00:00Z"))
                .isEqualTo(ExitCode.OK.code());
        assertThat(out).contains("status SUCCEEDED").containsPattern("tracks\\s+[1-9]\\d*\\s+");
    }

    private String readConfig() {
        try {
            return Files.readString(config);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
