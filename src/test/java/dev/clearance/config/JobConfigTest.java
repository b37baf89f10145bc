package dev.clearance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.catalog.InputTable;
import dev.clearance.errors.ConfigException;
import dev.clearance.testing.Fixtures;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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
        assertThat(config.maxChangedFraction()).isEqualTo(0.2);
        assertThat(config.sparkMaster()).isEqualTo("local[*]");
        assertThat(config.sparkConf()).containsEntry("spark.sql.shuffle.partitions", "8");
        assertThat(config.lineage()).isEmpty();
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
        assertThat(ok.maxChangedFraction()).isEqualTo(JobConfig.DEFAULT_MAX_CHANGED_FRACTION);
        assertThat(JobConfig.load(Fixtures.write(dir.resolve("changed.yaml"),
                valid + "incremental: {max_changed_fraction: 0.05}\n")).maxChangedFraction()).isEqualTo(0.05);
        assertThat(ok.location(InputTable.LICENSES).path()).isEqualTo("s3a://bucket/lake/licenses");
        assertThat(ok.location(InputTable.TRACKS).path()).isEqualTo(Path.of("a").toAbsolutePath().toString());

        assertFails(dir, valid.replace("format: parquet", "format: csv"), "bad value at 'lake.licenses.format'");
        assertFails(dir, valid.replace("{path: a, format: delta}", "{path: a, format: delta, owner: x}"),
                "unknown key 'lake.tracks.owner'");
        assertFails(dir, valid + "retries: 3\n", "unknown key 'retries'");
        assertFails(dir, valid.replace("max_fraction: 0.5", "max_fraction: 2"), "quarantine.max_fraction must be between 0 and 1");
        assertFails(dir, valid + "incremental: {max_changed_fraction: -0.1}\n",
                "incremental.max_changed_fraction must be between 0 and 1");
        assertFails(dir, valid + "incremental: {max_changed: 0.1}\n", "unknown key 'incremental.max_changed'");
        assertFails(dir, valid.replace("output: out\n", ""), "missing required key 'output'");
        assertFails(dir, valid.replace("  consents: {path: c, format: delta}\n", ""), "missing required key 'lake.consents'");
    }

    private static final String LAKE = """
            lake:
              tracks:   {path: a, format: delta}
              licenses: {path: b, format: delta}
              consents: {path: c, format: delta}
            output: out
            policy: p.yaml
            quarantine: {max_fraction: 0.5}
            """;

    private static final Map<String, String> ENVIRONMENT = Map.of("MARQUEZ_KEY", "s3cret", "EMPTY", " ");

    private static Optional<LineageConfig> lineage(Path dir, String block) {
        return JobConfig.load(Fixtures.write(dir.resolve("lineage.yaml"), LAKE + block), ENVIRONMENT::get).lineage();
    }

    @Test
    void theLineageBlockIsTypedWithDefaults(@TempDir Path dir) {
        Path cwd = Path.of("").toAbsolutePath();
        assertThat(lineage(dir, "lineage: {transport: {type: file, path: lineage/events.jsonl}}\n")).contains(
                new LineageConfig("clearance", "clearance.run",
                        new LineageConfig.FileTarget(cwd.resolve("lineage/events.jsonl"))));
        assertThat(lineage(dir, "lineage: {transport: {type: console}}\n"))
                .contains(new LineageConfig("clearance", "clearance.run", new LineageConfig.ConsoleTarget()));
        assertThat(lineage(dir, "lineage: {transport: {type: http, url: 'http://marquez:5000'}}\n")).contains(
                new LineageConfig("clearance", "clearance.run", new LineageConfig.HttpTarget(
                        URI.create("http://marquez:5000"), "/api/v1/lineage", Optional.empty(), Duration.ofSeconds(5))));

        String http = """
                lineage:
                  namespace: prod-governance
                  job_name: clearance.daily
                  transport:
                    type: http
                    url: https://lineage.example.com
                    endpoint: /api/v2/lineage
                    api_key_env: MARQUEZ_KEY
                    timeout_ms: 2000
                """;
        LineageConfig config = lineage(dir, http).orElseThrow();
        assertThat(config).isEqualTo(new LineageConfig("prod-governance", "clearance.daily", new LineageConfig.HttpTarget(
                URI.create("https://lineage.example.com"), "/api/v2/lineage", Optional.of("s3cret"), Duration.ofMillis(2000))));
        assertThat(config.toString()).doesNotContain("s3cret").contains("apiKey=***");
    }

    @Test
    void aBadLineageBlockNamesTheKey(@TempDir Path dir) {
        String file = "lineage: {transport: {type: file, path: events.jsonl}}\n";
        String http = "lineage: {transport: {type: http, url: 'http://marquez:5000'}}\n";
        assertFails(dir, LAKE + "lineage: {}\n", "missing required key 'lineage.transport'");
        assertFails(dir, LAKE + "lineage: {enabled: true, transport: {type: console}}\n", "unknown key 'lineage.enabled'");
        assertFails(dir, LAKE + "lineage: {transport: {}}\n", "missing required key 'lineage.transport.type'");
        assertFails(dir, LAKE + "lineage: {transport: {type: kafka}}\n",
                "bad value at 'lineage.transport.type'",
                "'kafka' is not a lineage transport; use file, http or console");
        assertFails(dir, LAKE + file.replace("path:", "file:"), "unknown key 'lineage.transport.file'");
        assertFails(dir, LAKE + "lineage: {transport: {type: file}}\n", "missing required key 'lineage.transport.path'");
        assertFails(dir, LAKE + file.replace("events.jsonl", "' '"), "lineage.transport.path is blank");
        assertFails(dir, LAKE + file.replace("}}", ", url: 'http://x'}}"),
                "lineage.transport.url does not apply to transport type file (its keys: path)");
        assertFails(dir, LAKE + "lineage: {transport: {type: console, timeout_ms: 5}}\n",
                "lineage.transport.timeout_ms does not apply to transport type console (its keys: none)");
        assertFails(dir, LAKE + "lineage: {transport: {type: http}}\n", "missing required key 'lineage.transport.url'");
        assertFails(dir, LAKE + http.replace("http://marquez:5000", "marquez:5000"),
                "lineage.transport.url 'marquez:5000' is not an http(s) URL with a host");
        assertFails(dir, LAKE + http.replace("}}", ", endpoint: api/v1/lineage}}"),
                "lineage.transport.endpoint 'api/v1/lineage' must start with '/'");
        assertFails(dir, LAKE + http.replace("}}", ", timeout_ms: 0}}"), "lineage.transport.timeout_ms must be positive");
        assertFails(dir, LAKE + http.replace("}}", ", timeout_ms: 1.5}}"), "bad value at 'lineage.transport.timeout_ms'");
        assertFails(dir, LAKE + http.replace("}}", ", api_key_env: NOT_SET}}"),
                "lineage.transport.api_key_env names the environment variable NOT_SET, which is not set or is blank");
        assertFails(dir, LAKE + http.replace("}}", ", api_key_env: EMPTY}}"), "EMPTY, which is not set or is blank");
        assertFails(dir, LAKE + http.replace("{transport", "{namespace: '', transport"), "lineage.namespace is blank");
        assertFails(dir, LAKE + http.replace("{transport", "{job_name: ' ', transport"), "lineage.job_name is blank");
    }

    private static void assertFails(Path dir, String yaml, String... messages) {
        Path file = Fixtures.write(dir.resolve("bad.yaml"), yaml);
        assertThatThrownBy(() -> JobConfig.load(file, ENVIRONMENT::get)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString()).hasMessageContainingAll(messages);
    }
}
