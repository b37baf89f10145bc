package dev.clearance.cli;

import dev.clearance.catalog.InputTable;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.generate.LakeChurn;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.spark.DeltaTables;
import dev.clearance.spark.SparkSessions;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code clearance generate}: a synthetic, deterministic catalog lake for demos, tests and benchmarks, or a day of
 * change applied to one. Delta tables are written with their change data feed on, so that runs on them can be
 * incremental.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Write a synthetic catalog lake (tracks, licenses, consents) to DIR (--out, --tracks), or apply"
                + " a day of change to a Delta lake (--changes-from, --churn) as a few Delta commits with the change"
                + " data feed on."})
final class GenerateCommand implements Callable<Integer> {
    /** The day after the generated past ends (LakeGenerator): a first run at or before it sees none of the change. */
    private static final String DEFAULT_CHANGE_DAY_END = "2026-11-02T00:00:00Z";
    private static final String CHANGE_FEED = "delta.enableChangeDataFeed";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "lake directory; tables are replaced")
    Path out;

    @Option(names = "--tracks", paramLabel = "N", description = "number of tracks")
    long tracks;

    @Option(names = "--changes-from", paramLabel = "DIR",
            description = "a Delta lake (as generate writes it) to change in place, one day's worth")
    Path changesFrom;

    @Option(names = "--churn", paramLabel = "F", defaultValue = "0.01",
            description = "with --changes-from: the share of tracks changed (default: ${DEFAULT-VALUE})")
    double churn;

    @Option(names = "--at", paramLabel = "INSTANT", defaultValue = DEFAULT_CHANGE_DAY_END,
            description = "with --changes-from: the end of the day of change; its events and licence boundaries fall"
                    + " in the 24 hours before it, so a run --as-of it sees them all (default: ${DEFAULT-VALUE})")
    String at;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "delta",
            description = "delta or parquet (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--master", paramLabel = "MASTER", defaultValue = "local[*]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
    String master;

    @Override
    public Integer call() {
        if (changesFrom != null) {
            return change();
        }
        if (out == null) {
            throw new ParameterException(spec.commandLine(), "give --out DIR and --tracks N to write a lake, or"
                    + " --changes-from DIR to change one");
        }
        TableFormat tableFormat;
        try {
            tableFormat = TableFormat.fromYaml(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format " + e.getMessage());
        }
        if (tracks < 1) {
            throw new ParameterException(spec.commandLine(), "--tracks must be at least 1");
        }
        SparkSession spark = SparkSessions.getOrCreate("clearance-generate", master, Map.of());
        write(spark, out, tracks, seed, tableFormat);
        spec.commandLine().getOut().printf("generated %,d tracks (seed %d) as %s in %s%n", tracks, seed,
                tableFormat.yamlName(), out.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }

    private Integer change() {
        Instant end;
        try {
            end = Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--at '" + at + "' is not an ISO-8601 instant, e.g. "
                    + DEFAULT_CHANGE_DAY_END);
        }
        LakeChurn.Day day;
        try {
            day = new LakeChurn.Day(end, churn, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--churn: " + e.getMessage());
        }
        SparkSession spark = SparkSessions.getOrCreate("clearance-generate", master, Map.of());
        for (InputTable table : InputTable.values()) {
            Path path = changesFrom.resolve(table.tableName());
            if (!DeltaTables.exists(spark, path.toAbsolutePath().toString())) {
                throw new ParameterException(spec.commandLine(), "--changes-from " + changesFrom + ": " + path
                        + " is not a Delta table; the change is applied as Delta commits (generate --format delta)");
            }
        }
        Churned churned = change(spark, changesFrom, day);
        spec.commandLine().getOut().printf("changed %.2f%% of %,d tracks in %s, the day ending %s: tracks %s,"
                        + " licenses %s, consents %s%n", 100 * churn, churned.tracksBefore(), changesFrom.toAbsolutePath(),
                at, churned.versions().get(InputTable.TRACKS), churned.versions().get(InputTable.LICENSES),
                churned.versions().get(InputTable.CONSENTS));
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }

    /** Tracks before the change, and per table the versions its change committed ("v3..v5"). */
    record Churned(long tracksBefore, Map<InputTable, String> versions) {}

    static void write(SparkSession spark, Path out, long tracks, long seed, TableFormat format) {
        LakeGenerator.Lake lake = LakeGenerator.generate(spark, tracks, seed);
        save(lake.tracks(), out.resolve("tracks"), format);
        save(lake.licenses(), out.resolve("licenses"), format);
        save(lake.consents(), out.resolve("consents"), format);
    }

    /**
     * One day of change ({@link LakeChurn}) committed to a Delta lake: an UPDATE, a DELETE and an append on tracks,
     * an UPDATE and an append on licenses, an append on consents. Each table's change data feed is turned on first
     * where it is off.
     */
    static Churned change(SparkSession spark, Path lake, LakeChurn.Day day) {
        enableChangeFeed(spark, lake);
        Map<InputTable, String> paths = new EnumMap<>(InputTable.class);
        Map<InputTable, Long> before = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            String path = path(lake, table);
            paths.put(table, path);
            before.put(table, DeltaTables.version(spark, path));
        }
        LakeGenerator.Lake current = new LakeGenerator.Lake(
                DeltaTables.readVersion(spark, paths.get(InputTable.TRACKS), before.get(InputTable.TRACKS)),
                DeltaTables.readVersion(spark, paths.get(InputTable.LICENSES), before.get(InputTable.LICENSES)),
                DeltaTables.readVersion(spark, paths.get(InputTable.CONSENTS), before.get(InputTable.CONSENTS)));
        long tracksBefore = current.tracks().count();
        LakeChurn.Changes changes = new LakeChurn(day, before.get(InputTable.TRACKS)).plan(current);
        // The appended rows come from the versions read above, which the UPDATE and DELETE leave as they were.
        DeltaTable tracks = DeltaTable.forPath(spark, paths.get(InputTable.TRACKS));
        tracks.update(changes.tracksUpdated(), changes.trackAssignments());
        tracks.delete(changes.tracksRemoved());
        append(changes.newTracks(), paths.get(InputTable.TRACKS));
        DeltaTable.forPath(spark, paths.get(InputTable.LICENSES)).update(changes.licensesExpiring(),
                changes.licenseAssignments());
        append(changes.newLicenses(), paths.get(InputTable.LICENSES));
        append(changes.newConsents(), paths.get(InputTable.CONSENTS));
        Map<InputTable, String> versions = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            versions.put(table, "v" + (before.get(table) + 1) + ".." + "v" + DeltaTables.version(spark, paths.get(table)));
        }
        return new Churned(tracksBefore, versions);
    }

    /** Each table's change data feed turned on (a commit) where it is off. */
    static void enableChangeFeed(SparkSession spark, Path lake) {
        for (InputTable table : InputTable.values()) {
            String path = path(lake, table);
            if (!"true".equals(DeltaTables.properties(spark, path).get(CHANGE_FEED))) {
                spark.sql("ALTER TABLE " + DeltaTables.sqlName(path) + " SET TBLPROPERTIES (" + CHANGE_FEED + " = true)");
            }
        }
    }

    /** A Delta lake's latest versions as plain Parquet tables, for readers without Delta (bench/duckdb). */
    static void exportParquet(SparkSession spark, Path lake, Path out) {
        for (InputTable table : InputTable.values()) {
            save(DeltaTables.read(spark, path(lake, table)), out.resolve(table.tableName()), TableFormat.PARQUET);
        }
    }

    private static String path(Path lake, InputTable table) {
        return lake.resolve(table.tableName()).toAbsolutePath().toString();
    }

    private static void save(Dataset<Row> rows, Path path, TableFormat format) {
        DataFrameWriter<Row> writer = rows.write().format(format.yamlName()).mode(SaveMode.Overwrite);
        if (format == TableFormat.DELTA) {
            writer = writer.option(CHANGE_FEED, "true");
        }
        writer.save(path.toAbsolutePath().toString());
    }

    private static void append(Dataset<Row> rows, String path) {
        rows.write().format("delta").mode(SaveMode.Append).save(path);
    }
}
