package dev.clearance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.run.Stage;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.Cli;
import dev.clearance.testing.SparkExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark command on a tiny lake: what it prints and what it leaves behind, not how fast it is. */
@ExtendWith(SparkExtension.class)
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsEveryStageTheFloorAndTheOutputsThenRemovesTheOutputsButKeepsTheLake() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Main.execute("bench", "--tracks", "400", "--dir", dir.toString());
        } finally {
            System.setOut(stdout);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(code).isZero();
        assertThat(out).containsPattern("Clearance bench: 400 tracks, 4 purposes, 1,\\d{3} decisions");
        Arrays.stream(Stage.values()).filter(s -> s != Stage.DIFF)
                .forEach(stage -> assertThat(out).containsPattern("(?m)^" + stage.label()
                        .replace("+", "\\+") + "\\s+\\d+\\.\\d\\s+\\d+%$"));
        // The floor in a JVM of its own (started by the bench) and again in this one, each writing the job's rows.
        assertThat(out).containsPattern("(?m)^floor, fresh JVM\\s+\\d+\\.\\d\\s+CPU \\d+\\.\\d s; read the inputs once,"
                        + " write \\d,\\d{3} rows")
                .containsPattern("(?m)^floor, warm JVM\\s+\\d+\\.\\d\\s+CPU \\d+\\.\\d s")
                .containsPattern("(?m)^job / floor\\s+\\d+\\.\\d\\d\\s+CPU \\d+\\.\\d\\d;"
                        + " against the warm floor \\d+\\.\\d\\d")
                .containsPattern("(?m)^peak driver heap\\s+\\d")
                // A small run's rows go to a file or two, not one per shuffle partition.
                .containsPattern("(?m)^lineage/decisions\\s+1,\\d{3}\\s+[12]\\s")
                .containsPattern("(?m)^curated/content_moderation\\s+\\d");
        assertThat(dir.resolve("lake-400-s1/tracks/_delta_log")).exists();
        assertThat(dir.resolve("out-400-s1")).doesNotExist();
        assertThat(dir.resolve("out-400-s1-floor")).doesNotExist();
    }

    /**
     * The bench on a tiny lake, its outputs kept: what it prints, and that its two second runs, incremental and
     * forced full, published the same rows on a generated day of change.
     */
    @Test
    void withChurnTimesTheSecondRunAsChosenAgainstTheSameRunForcedFullWhichPublishTheSameRows() {
        Cli.Result bench = Cli.run("bench", "--tracks", "300", "--churn", "0.05", "--dir", dir.toString(), "--keep");
        String out = bench.out();

        assertThat(bench.exitCode()).as(bench.err()).isZero();
        assertThat(out).containsPattern("Clearance bench, a day of change: 3\\d\\d tracks \\([\\d,]+ input rows\\),"
                + " 5.00% churn, 4 purposes");
        String time = "\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\s+";
        assertThat(out).containsPattern("(?m)^first run" + time + "full\\s+all\\s+all\\s+1,\\d{3}\\s+1,\\d{3}$")
                .containsPattern("(?m)^day of change\\s+\\d+\\.\\d\\s")
                .containsPattern("(?m)^second run, as chosen" + time + "incremental\\s+[1-9][\\d,]*\\s+[1-9][\\d,]*\\s")
                .containsPattern("(?m)^second run, forced full" + time + "full\\s+all\\s+all\\s")
                // An hour later nothing changed, and in this lake nothing comes into force: no track decided.
                .containsPattern("(?m)^run with nothing changed" + time + "incremental\\s+0\\s+0\\s+0\\s+0$")
                .containsPattern("(?m)^empty floor, warm JVM\\s+\\d+\\.\\d\\s")
                .containsPattern("(?m)^empty floor, fresh JVM\\s+\\d+\\.\\d\\s")
                .containsPattern("(?m)^second runs agree\\s+yes\\s")
                .containsPattern("(?m)^as chosen / forced full\\s+\\d+\\.\\d\\d$")
                .containsPattern("(?m)^changes\\s+\\d+\\.\\d\\s+\\d+\\.\\d$");
        Path parquet = dir.resolve("lake-300-s1-churn-parquet");
        assertThat(out).contains("node bench/duckdb/run.mjs --lake " + parquet);
        assertThat(parquet.resolve("consents")).isDirectoryContaining("glob:**.parquet");
        assertThat(dir.resolve("lake-300-s1/tracks/_delta_log")).exists();

        List<String> purposes = PolicyLoader.load(dir.resolve("policy-4-purposes.yaml")).purposeNames();
        Map<String, List<String>> incremental = Fixtures.contents(dir.resolve("out-300-s1-churn"), purposes);
        Map<String, List<String>> full = Fixtures.contents(dir.resolve("out-300-s1-churn-full"), purposes);
        // The run with nothing changed ran on the incremental root only: it wrote quarantine rows, nothing else.
        String idle = "[run-20260602T010000Z,";
        incremental.put(OutputRoot.QUARANTINE, incremental.get(OutputRoot.QUARANTINE).stream()
                .filter(row -> !row.startsWith(idle)).toList());
        assertThat(incremental).isEqualTo(full);
    }
}
