package dev.clearance.config;

import static dev.clearance.config.YamlFiles.required;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.clearance.catalog.InputTable;
import dev.clearance.errors.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The job configuration (conf/clearance.yaml), validated and with every relative path resolved against the
 * working directory. Table locations stay strings so that a URI (s3a://, abfss://, hdfs://) passes through
 * to Hadoop untouched; the policy is a local file. It lives on the driver only.
 */
public record JobConfig(Map<InputTable, TableLocation> lake, String output, Path policy, double maxQuarantineFraction,
                        double maxChangedFraction, String sparkMaster, Map<String, String> sparkConf,
                        Optional<LineageConfig> lineage) {

    /** {@code incremental.max_changed_fraction} when the file does not set it (contract §8). */
    public static final double DEFAULT_MAX_CHANGED_FRACTION = 0.2;

    /** Where an input table lives (a local path or a URI) and in which format. */
    public record TableLocation(String path, TableFormat format) {}

    private static final Pattern URI_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]+:.*");

    public static JobConfig load(Path file) {
        return load(file, System::getenv);
    }

    /** @param environment resolves environment variables named by the file (lineage.transport.api_key_env) */
    static JobConfig load(Path file, Function<String, String> environment) {
        Path workingDir = Path.of("").toAbsolutePath();
        File raw = YamlFiles.bind(YamlFiles.readBytes(file, "job configuration"), file, File.class);
        Lake lake = required(raw.lake, file, "lake");
        Map<InputTable, TableLocation> tables = new LinkedHashMap<>();
        tables.put(InputTable.TRACKS, location(lake.tracks, file, "lake.tracks", workingDir));
        tables.put(InputTable.LICENSES, location(lake.licenses, file, "lake.licenses", workingDir));
        tables.put(InputTable.CONSENTS, location(lake.consents, file, "lake.consents", workingDir));
        Quarantine quarantine = required(raw.quarantine, file, "quarantine");
        double maxFraction = required(quarantine.maxFraction, file, "quarantine.max_fraction");
        if (!(maxFraction >= 0.0 && maxFraction <= 1.0)) {
            throw new ConfigException(file + ": quarantine.max_fraction must be between 0 and 1, got " + maxFraction);
        }
        double maxChanged = raw.incremental == null || raw.incremental.maxChangedFraction == null
                ? DEFAULT_MAX_CHANGED_FRACTION : raw.incremental.maxChangedFraction;
        if (!(maxChanged >= 0.0 && maxChanged <= 1.0)) {
            throw new ConfigException(file + ": incremental.max_changed_fraction must be between 0 and 1, got "
                    + maxChanged);
        }
        Spark spark = raw.spark == null ? new Spark(null, null) : raw.spark;
        String master = spark.master == null ? "local[*]" : spark.master;
        Map<String, String> conf = spark.conf == null ? Map.of() : Map.copyOf(spark.conf);
        return new JobConfig(Map.copyOf(tables),
                location(required(raw.output, file, "output"), workingDir),
                workingDir.resolve(required(raw.policy, file, "policy")).normalize(),
                maxFraction, maxChanged, master, conf,
                Optional.ofNullable(raw.lineage).map(l -> LineageConfig.from(l, file, workingDir, environment)));
    }

    private static TableLocation location(Table table, Path file, String key, Path workingDir) {
        required(table, file, key);
        String path = required(table.path, file, key + ".path");
        if (path.isBlank()) {
            throw new ConfigException(file + ": " + key + ".path is blank");
        }
        return new TableLocation(location(path, workingDir), required(table.format, file, key + ".format"));
    }

    /** A URI as written; a local path made absolute against the working directory. */
    private static String location(String value, Path workingDir) {
        return URI_SCHEME.matcher(value).matches() ? value : workingDir.resolve(value).normalize().toString();
    }

    public TableLocation location(InputTable table) {
        return lake.get(table);
    }

    // The YAML shape; unknown keys fail at binding.
    private record File(Lake lake, String output, String policy, Quarantine quarantine, Incremental incremental,
                        Spark spark, LineageConfig.Yaml lineage) {}

    private record Lake(Table tracks, Table licenses, Table consents) {}

    private record Table(String path, TableFormat format) {}

    private record Quarantine(@JsonProperty("max_fraction") Double maxFraction) {}

    private record Incremental(@JsonProperty("max_changed_fraction") Double maxChangedFraction) {}

    private record Spark(String master, Map<String, String> conf) {}
}
