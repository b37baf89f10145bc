package dev.clearance.testing;

import dev.clearance.bench.Benchmark;
import dev.clearance.catalog.InputTable;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;

/** Inline input rows with the contract's schemas, and lakes/configurations written to a temporary folder. */
public final class Fixtures {
    public static final Instant AS_OF = Instant.parse("2026-06-01T00:00:00Z");
    public static final Path DEFAULT_POLICY = Path.of("conf/policy.yaml");

    private Fixtures() {}

    public static Policy defaultPolicy() {
        return PolicyLoader.load(DEFAULT_POLICY);
    }

    public static Timestamp ts(String instant) {
        return instant == null ? null : Timestamp.from(Instant.parse(instant));
    }

    public static List<String> list(String... values) {
        return values == null ? null : Arrays.asList(values);
    }

    /** A track with the given key fields and plausible descriptive columns. */
    public static Row track(String trackId, String uploaderId, String state, List<String> tags, String dmi) {
        return RowFactory.create(trackId, uploaderId, "Title " + trackId, "ambient", 180_000L,
                "s3://audio/" + trackId + ".flac", tags, state, dmi, ts("2025-01-01T00:00:00Z"));
    }

    public static Row license(String licenseId, String trackId, String licensorType, List<String> prohibited,
                              String validFrom, String validTo) {
        return RowFactory.create(licenseId, trackId, licensorType, "Licensor of " + trackId, prohibited,
                ts(validFrom), ts(validTo));
    }

    public static Row consent(String eventId, String userId, String purpose, String action, String eventTs) {
        return RowFactory.create(eventId, userId, purpose, action, ts(eventTs), "settings_page");
    }

    public static Dataset<Row> frame(InputTable table, List<Row> rows) {
        return SparkExtension.spark().createDataFrame(rows, table.schema());
    }

    /** Writes the three tables as Delta under {@code lake}/{tracks,licenses,consents}, replacing them. */
    public static void writeLake(Path lake, List<Row> tracks, List<Row> licenses, List<Row> consents) {
        Map<InputTable, List<Row>> tables = Map.of(
                InputTable.TRACKS, tracks, InputTable.LICENSES, licenses, InputTable.CONSENTS, consents);
        tables.forEach((table, rows) -> frame(table, rows).write().format("delta").mode(SaveMode.Overwrite)
                .option("overwriteSchema", "true").save(lake.resolve(table.tableName()).toString()));
    }

    /** A job configuration over {@code dir}/lake (delta), output {@code dir}/out and the given policy file. */
    public static Path writeConfig(Path dir, Path policy, double maxFraction) {
        String yaml = """
                lake:
                  tracks:   {path: %1$s/lake/tracks,   format: delta}
                  licenses: {path: %1$s/lake/licenses, format: delta}
                  consents: {path: %1$s/lake/consents, format: delta}
                output: %1$s/out
                policy: %2$s
                quarantine: {max_fraction: %3$s}
                spark:
                  master: "local[2]"
                  conf: {spark.sql.shuffle.partitions: "2"}
                """.formatted(dir.toAbsolutePath(), policy.toAbsolutePath(), maxFraction);
        return write(dir.resolve("clearance.yaml"), yaml);
    }

    /**
     * A job configuration over the Delta lake {@code lake}, output {@code output} and the default policy, with the
     * two limits, written next to the output root as {@code <output>.yaml}. {@code moreYaml} follows as it is.
     */
    public static Path deltaLakeConfig(Path lake, Path output, double maxQuarantineFraction, double maxChangedFraction,
                                       String moreYaml) {
        String yaml = """
                lake:
                  tracks:   {path: %1$s/tracks,   format: delta}
                  licenses: {path: %1$s/licenses, format: delta}
                  consents: {path: %1$s/consents, format: delta}
                output: %2$s
                policy: %3$s
                quarantine: {max_fraction: %4$s}
                incremental: {max_changed_fraction: %5$s}
                """.formatted(lake, output, DEFAULT_POLICY.toAbsolutePath(), maxQuarantineFraction, maxChangedFraction);
        return write(output.resolveSibling(output.getFileName() + ".yaml"), yaml + moreYaml);
    }

    /** A new Delta table of {@code rows} at {@code path}, then its change data feed turned on (version 1). */
    public static void saveWithChangeFeed(Dataset<Row> rows, String path) {
        rows.write().format("delta").save(path);
        SparkExtension.spark().sql("ALTER TABLE " + DeltaTables.sqlName(path)
                + " SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
    }

    public static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces a run's row of the run log by hand, as a run that died at some point would have left it. */
    public static void forgeRunRow(RunLog runLog, RunRecord record) {
        runLog.rowOf(record).write().format("delta").mode(SaveMode.Overwrite)
                .option("replaceWhere", RunLog.predicate(record.runId())).save(runLog.path());
    }

    /** Copies a folder with everything below it, byte for byte (Delta logs and their commits' userMetadata too). */
    public static void copyTree(Path from, Path to) {
        Benchmark.copyTree(from, to);
    }

    /**
     * Each output table of {@code root} (the ledger, lineage/current, the quarantine and the curated tables of
     * {@code purposes}) as its rows' texts, sorted: a multiset compared in one read per table.
     */
    public static Map<String, List<String>> contents(Path root, List<String> purposes) {
        OutputRoot tables = new OutputRoot(SparkExtension.spark(), root.toString());
        List<String> names = new ArrayList<>(List.of(OutputRoot.LEDGER, OutputRoot.CURRENT, OutputRoot.QUARANTINE));
        purposes.forEach(purpose -> names.add(OutputRoot.CURATED_DIR + "/" + purpose));
        Map<String, List<String>> contents = new TreeMap<>();
        for (String table : names) {
            contents.put(table, DeltaTables.read(SparkExtension.spark(), tables.path(table)).collectAsList().stream()
                    .map(Row::toString).sorted().toList());
        }
        return contents;
    }
}
