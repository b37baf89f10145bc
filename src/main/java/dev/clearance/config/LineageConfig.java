package dev.clearance.config;

import static dev.clearance.config.YamlFiles.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.clearance.errors.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the run command sends its OpenLineage events (the {@code lineage} block of clearance.yaml). Checked at
 * load time like the rest of the configuration, so that a typo fails the run with exit 2 instead of silently
 * losing the lineage; an emission that fails later only logs a warning.
 */
public record LineageConfig(String namespace, String jobName, Target target) {
    public static final String DEFAULT_NAMESPACE = "clearance";
    public static final String DEFAULT_JOB_NAME = "clearance.run";
    public static final String DEFAULT_HTTP_ENDPOINT = "/api/v1/lineage";
    public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(5);

    /** One of the OpenLineage client's transports. */
    public sealed interface Target permits FileTarget, HttpTarget, ConsoleTarget {}

    /** Appends one JSON event per line to a local file. */
    public record FileTarget(Path path) implements Target {}

    /** POSTs each event to {@code url + endpoint}, with a bearer API key when one is configured. */
    public record HttpTarget(URI url, String endpoint, Optional<String> apiKey, Duration timeout) implements Target {
        @Override
        public String toString() {
            return "HttpTarget[url=" + url + ", endpoint=" + endpoint + ", apiKey=" + apiKey.map(k -> "***").orElse("none")
                    + ", timeout=" + timeout + "]";
        }
    }

    /** Logs each event at INFO (logger io.openlineage.client.transports.ConsoleTransport). */
    public record ConsoleTarget() implements Target {}

    enum TransportType {
        FILE, HTTP, CONSOLE;

        @JsonValue
        String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        static TransportType fromYaml(String value) {
            return Arrays.stream(values())
                    .filter(t -> t.yamlName().equals(value))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "'" + value + "' is not a lineage transport; use file, http or console"));
        }
    }

    // The YAML shape; unknown keys fail at binding.
    record Yaml(String namespace, @JsonProperty("job_name") String jobName, Transport transport) {}

    record Transport(TransportType type, String path, String url, String endpoint,
                     @JsonProperty("api_key_env") String apiKeyEnv, @JsonProperty("timeout_ms") Integer timeoutMs) {}

    /**
     * Validates the block; {@code environment} resolves {@code api_key_env} (the key itself is not written in a
     * file that is versioned with the job).
     */
    static LineageConfig from(Yaml yaml, Path file, Path workingDir, Function<String, String> environment) {
        String namespace = nonBlank(yaml.namespace, DEFAULT_NAMESPACE, file, "lineage.namespace");
        String jobName = nonBlank(yaml.jobName, DEFAULT_JOB_NAME, file, "lineage.job_name");
        Transport transport = required(yaml.transport, file, "lineage.transport");
        TransportType type = required(transport.type, file, "lineage.transport.type");
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("path", transport.path);
        given.put("url", transport.url);
        given.put("endpoint", transport.endpoint);
        given.put("api_key_env", transport.apiKeyEnv);
        given.put("timeout_ms", transport.timeoutMs);
        Target target = switch (type) {
            case FILE -> {
                onlyKeys(given, file, type, "path");
                String path = nonBlank(required(transport.path, file, "lineage.transport.path"), null, file,
                        "lineage.transport.path");
                yield new FileTarget(workingDir.resolve(path).normalize());
            }
            case HTTP -> {
                onlyKeys(given, file, type, "url", "endpoint", "api_key_env", "timeout_ms");
                yield new HttpTarget(httpUrl(required(transport.url, file, "lineage.transport.url"), file),
                        endpoint(transport.endpoint, file),
                        Optional.ofNullable(transport.apiKeyEnv).map(name -> apiKey(name, file, environment)),
                        timeout(transport.timeoutMs, file));
            }
            case CONSOLE -> {
                onlyKeys(given, file, type);
                yield new ConsoleTarget();
            }
        };
        return new LineageConfig(namespace, jobName, target);
    }

    private static void onlyKeys(Map<String, Object> given, Path file, TransportType type, String... allowed) {
        given.forEach((key, value) -> {
            if (value != null && !Arrays.asList(allowed).contains(key)) {
                throw new ConfigException(file + ": lineage.transport." + key + " does not apply to transport type "
                        + type.yamlName() + " (its keys: " + (allowed.length == 0 ? "none" : String.join(", ", allowed))
                        + ")");
            }
        });
    }

    private static String nonBlank(String value, String fallback, Path file, String key) {
        if (value == null) {
            return fallback;
        }
        if (value.isBlank()) {
            throw new ConfigException(file + ": " + key + " is blank");
        }
        return value;
    }

    private static URI httpUrl(String value, Path file) {
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below with the expected form
        }
        throw new ConfigException(file + ": lineage.transport.url '" + value + "' is not an http(s) URL with a host,"
                + " e.g. http://marquez:5000");
    }

    private static String endpoint(String value, Path file) {
        if (value == null) {
            return DEFAULT_HTTP_ENDPOINT;
        }
        if (!value.startsWith("/")) {
            throw new ConfigException(file + ": lineage.transport.endpoint '" + value + "' must start with '/',"
                    + " e.g. " + DEFAULT_HTTP_ENDPOINT);
        }
        return value;
    }

    private static String apiKey(String variable, Path file, Function<String, String> environment) {
        String key = environment.apply(variable);
        if (key == null || key.isBlank()) {
            throw new ConfigException(file + ": lineage.transport.api_key_env names the environment variable "
                    + variable + ", which is not set or is blank; export it or remove api_key_env");
        }
        return key;
    }

    private static Duration timeout(Integer millis, Path file) {
        if (millis == null) {
            return DEFAULT_HTTP_TIMEOUT;
        }
        if (millis <= 0) {
            throw new ConfigException(file + ": lineage.transport.timeout_ms must be positive, got " + millis);
        }
        return Duration.ofMillis(millis);
    }
}
