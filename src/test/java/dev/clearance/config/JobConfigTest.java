package dev.clearance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.catalog.InputTable;
import dev.clearance.errors.ConfigException;
import dev.clearance.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/clearance.yaml (contract §5): relative paths, defaults, and unknown keys as exit-2 errors. */
class JobConfigTest {

    @Test
    void theShippedConfigurationResolvesAgainstTheWorkingDirectory() {
        JobConfig config = JobConfig.load(Path.of("conf/clearance.yaml"));
        Path cwd = Path.of("").toAbsolutePath();
        assertThat(config.location(InputTable.TRACKS))
                .isEqualTo(new JobConfig.TableLocation(cwd.resolve("data/lake/tracks").toString(), TableFormat.DELTA));
        assertThat(config.output()).isEqualTo(cwd.resolve("data/out").toString());
        assertThat(config.policy()).isEqualTo(cwd.resolve("conf/policy.yaml"));
        assertThat(config.maxQuarantineFraction()).isEqualTo(0.01);
        assertThat(config.sparkMaster()).isEqualTo("local[*]");
        assertThat(config.sparkConf()).containsEntry("spark.sql.shuffle.partitions", "8");
    }

    @Test
    void unknownKeysAndBadValuesNameTheKey(@TempDir Path dir) {
        String valid = """
                lake:
                  tracks:   {path: a, format: delta}
                  licenses: {path: "s3a://bucket/lake/licenses", format: parquet}
                  consents: {path: c, format: delta}
                output: out
                policy: p.yaml
                quarantine: {max_fraction: 0.5}
                """;
        JobConfig ok = JobConfig.load(Fixtures.write(dir.resolve("ok.yaml"), valid));
        assertThat(ok.sparkConf()).isEqualTo(Map.of());
        assertThat(ok.location(InputTable.LICENSES).path()).isEqualTo("s3a://bucket/lake/licenses");
        assertThat(ok.location(InputTable.TRACKS).path()).isEqualTo(Path.of("a").toAbsolutePath().toString());

        assertFails(dir, valid.replace("format: parquet", "format: csv"), "bad value at 'lake.licenses.format'");
        assertFails(dir, valid.replace("{path: a, format: delta}", "{path: a, format: delta, owner: x}"),
                "unknown key 'lake.tracks.owner'");
        assertFails(dir, valid + "retries: 3\n", "unknown key 'retries'");
        assertFails(dir, valid.replace("max_fraction: 0.5", "max_fraction: 2"), "quarantine.max_fraction must be between 0 and 1");
        assertFails(dir, valid.replace("output: out\n", ""), "missing required key 'output'");
        assertFails(dir, valid.replace("  consents: {path: c, format: delta}\n", ""), "missing required key 'lake.consents'");
    }

    private static void assertFails(Path dir, String yaml, String message) {
        Path file = Fixtures.write(dir.resolve("bad.yaml"), yaml);
        assertThatThrownBy(() -> JobConfig.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(message);
    }
}
