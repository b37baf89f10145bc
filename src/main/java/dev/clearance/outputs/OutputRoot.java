package dev.clearance.outputs;

import static dev.clearance.catalog.Columns.*;

import dev.clearance.errors.ConfigException;
import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One output root: where each output table lives under it and its schema (contract §4), and, for the
 * auditor's views, every table at the version a run recorded. Tables are found under this root (not at the
 * paths recorded in the run log), so an output root that was copied or moved stays readable; the recorded
 * versions pin what each run published.
 */
public final class OutputRoot {
    public static final String CURATED_DIR = "curated";
    public static final String LEDGER = "lineage/decisions";
    public static final String CURRENT = "lineage/current";
    public static final String RUNS = "runs";
    public static final String QUARANTINE = "quarantine";

    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType);

    /** The ledger and lineage/current. */
    public static final StructType LEDGER_SCHEMA = schema(
            field(RUN_ID, DataTypes.StringType), field(AS_OF, DataTypes.TimestampType),
            field(TRACK_ID, DataTypes.StringType), field(PURPOSE, DataTypes.StringType),
            field(DECISION, DataTypes.StringType), field(REASONS, STRINGS),
            field(UPLOADER_ID, DataTypes.StringType), field(CONSENT_STATE, DataTypes.StringType),
            field(CONSENT_EVENT_ID, DataTypes.StringType), field(LICENSE_IDS, STRINGS),
            field(LICENSOR_TYPES, STRINGS), field(MATCHED_NO_AI_TAG, DataTypes.StringType),
            field(EMBEDDED_DMI, DataTypes.StringType), field(POLICY_VERSION, DataTypes.StringType),
            field(POLICY_SHA256, DataTypes.StringType));

    public static final StructType CURATED_SCHEMA = schema(
            field(TRACK_ID, DataTypes.StringType), field(UPLOADER_ID, DataTypes.StringType),
            field(TITLE, DataTypes.StringType), field(GENRE, DataTypes.StringType),
            field(DURATION_MS, DataTypes.LongType), field(AUDIO_URI, DataTypes.StringType),
            field(LICENSE_IDS, STRINGS), field(LICENSOR_TYPES, STRINGS),
            field(CONSENT_STATE, DataTypes.StringType), field(CONSENT_EVENT_ID, DataTypes.StringType),
            field(POLICY_VERSION, DataTypes.StringType), field(RUN_ID, DataTypes.StringType),
            field(AS_OF, DataTypes.TimestampType));

    public static final StructType QUARANTINE_SCHEMA = schema(
            field(RUN_ID, DataTypes.StringType), field(SOURCE_TABLE, DataTypes.StringType),
            field(REASON, DataTypes.StringType), field(RECORD, DataTypes.StringType));

    /**
     * Table properties, set when a table is created; a table written by an earlier version gets those it lacks
     * on the next run. Statistics are collected only on the columns readers filter by: on every column they cost
     * as much as the write itself. lineage/current and the curated tables are updated in place (contract §8):
     * their change data feed tells a consumer what entered, left or changed, and deletion vectors let an update
     * mark the rows it replaces instead of rewriting their files.
     */
    public static final Map<String, String> LEDGER_PROPERTIES = Map.of(
            "delta.appendOnly", "true",
            "delta.dataSkippingStatsColumns", String.join(",", RUN_ID, AS_OF, TRACK_ID, PURPOSE, DECISION, UPLOADER_ID));
    public static final Map<String, String> CURRENT_PROPERTIES = Map.of(
            "delta.dataSkippingStatsColumns", String.join(",", TRACK_ID, PURPOSE, DECISION, UPLOADER_ID),
            "delta.enableChangeDataFeed", "true",
            "delta.enableDeletionVectors", "true");
    public static final Map<String, String> CURATED_PROPERTIES = Map.of(
            "delta.dataSkippingStatsColumns", String.join(",", TRACK_ID, UPLOADER_ID),
            "delta.enableChangeDataFeed", "true",
            "delta.enableDeletionVectors", "true");

    /**
     * Session settings for the Parquet writer of every output. Identifiers, whose distinct values grow with
     * the catalog, are written plainly: a dictionary costs a hash lookup per value, a cache miss each once it
     * holds tens of thousands of entries, and at catalog scale it overflows and falls back to plain encoding
     * anyway. Columns with a bounded set of values (purpose, decision, reasons, states, tags, genres, run and
     * policy constants) keep their dictionaries, and so do titles, which repeat enough to be worth one.
     */
    public static final Map<String, String> PARQUET_WRITER_SETTINGS = Map.of(
            "parquet.enable.dictionary#" + TRACK_ID, "false",
            "parquet.enable.dictionary#" + AUDIO_URI, "false",
            "parquet.enable.dictionary#" + LICENSE_IDS + ".list.element", "false",
            "parquet.enable.dictionary#" + UPLOADER_ID, "false",
            "parquet.enable.dictionary#" + CONSENT_EVENT_ID, "false");

    /** About 100 MB of Parquet per file for ledger-shaped rows. */
    static final long ROWS_PER_FILE = 4_000_000;
    /** Below this a file is not worth a task of its own. */
    static final long MIN_ROWS_PER_FILE = 100_000;

    /** The position of a SUCCEEDED run in ledger order (as_of, then finished_at), from 0. */
    public static final String RUN_SEQ = "_run_seq";
    public static final StructType RUN_ORDER_SCHEMA = new StructType()
            .add(RUN_ID, DataTypes.StringType).add(AS_OF, DataTypes.TimestampType).add(RUN_SEQ, DataTypes.IntegerType);

    private final SparkSession spark;
    private final String root;
    private List<RunRecord> runs;

    /** @param root a local path or a URI */
    public OutputRoot(SparkSession spark, String root) {
        this.spark = spark;
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    /** Opens an output root for reading what it published; fails with exit 2 when it holds no run log. */
    public static OutputRoot open(SparkSession spark, String root) {
        OutputRoot outputs = new OutputRoot(spark, root);
        if (!DeltaTables.exists(spark, outputs.path(RUNS))) {
            throw new ConfigException("no run log at " + outputs.path(RUNS) + ": nothing has run with"
                    + " this output root yet; check 'output' in the job configuration, or run 'clearance run' first");
        }
        return outputs;
    }

    public SparkSession spark() {
        return spark;
    }

    /** The run log, read afresh at every call of its methods. */
    public RunLog runLog() {
        return new RunLog(spark, path(RUNS));
    }

    public String root() {
        return root;
    }

    public String curated(String purpose) {
        return path(CURATED_DIR + "/" + purpose);
    }

    /** The path of a table given by its name relative to the output root, e.g. {@link #LEDGER}. */
    public String path(String name) {
        return root + "/" + name;
    }

    /**
     * The rows to write, in as many partitions as files wanted: one per {@link #ROWS_PER_FILE} rows, but at
     * least one per core while each gets {@link #MIN_ROWS_PER_FILE}. Never more than the rows already have
     * (coalesce does not shuffle), so a small run writes one file rather than one per shuffle partition.
     */
    public static Dataset<Row> sizedForFiles(Dataset<Row> rows, long rowCount, int cores) {
        long bySize = (rowCount + ROWS_PER_FILE - 1) / ROWS_PER_FILE;
        long byCores = Math.min(cores, (rowCount + MIN_ROWS_PER_FILE - 1) / MIN_ROWS_PER_FILE);
        return rows.coalesce((int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.max(bySize, byCores))));
    }

    public static List<String> columns(StructType schema) {
        return Arrays.asList(schema.fieldNames());
    }

    static StructType schema(StructField... fields) {
        return new StructType(fields);
    }

    static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    /** Every run of the run log, in ledger order; runs that did not succeed sort after succeeded ones of equal as_of. */
    public List<RunRecord> runs() {
        if (runs == null) {
            runs = runLog().all();
        }
        return runs.stream().sorted(ORDER).toList();
    }

    /** SUCCEEDED runs in ledger order: as_of, then finished_at. */
    public List<RunRecord> succeeded() {
        return runs().stream().filter(r -> r.status() == RunStatus.SUCCEEDED).sorted(ORDER).toList();
    }

    public Optional<RunRecord> find(String runId) {
        return runs().stream().filter(r -> r.runId().equals(runId)).findFirst();
    }

    /** The latest SUCCEEDED run: what the published tables currently stand for. */
    public RunRecord latest() {
        List<RunRecord> done = succeeded();
        if (done.isEmpty()) {
            throw new ConfigException("the run log at " + path(RUNS) + " has no SUCCEEDED run"
                    + " yet; nothing has been published");
        }
        return done.get(done.size() - 1);
    }

    /** The SUCCEEDED run {@code runId}, or the latest one when null; exit 2 for an unknown or unfinished run. */
    public RunRecord succeededRun(String runId) {
        if (runId == null) {
            return latest();
        }
        RunRecord run = find(runId).orElseThrow(() -> new ConfigException("run " + runId + " is not in the run log at "
                + path(RUNS) + "; known runs: " + String.join(", ", runs().stream()
                .map(RunRecord::runId).toList())));
        if (run.status() != RunStatus.SUCCEEDED) {
            throw new ConfigException("run " + runId + " is " + run.status() + ", not SUCCEEDED: it published"
                    + " nothing to check or explain" + (run.message() == null ? "" : " (" + run.message() + ")"));
        }
        return run;
    }

    public boolean isLatest(RunRecord run) {
        return run.runId().equals(latest().runId());
    }

    /** The position of a SUCCEEDED run in ledger order. */
    public int sequence(RunRecord run) {
        List<RunRecord> done = succeeded();
        return IntStream.range(0, done.size()).filter(i -> done.get(i).runId().equals(run.runId())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(run.runId() + " did not succeed"));
    }

    /** SUCCEEDED runs with their {@link #RUN_SEQ}: the order in which ledger rows are replayed. */
    public Dataset<Row> runOrder() {
        List<RunRecord> done = succeeded();
        List<Row> rows = IntStream.range(0, done.size())
                .mapToObj(i -> RowFactory.create(done.get(i).runId(), Timestamp.from(done.get(i).asOf()), i))
                .toList();
        return spark.createDataFrame(rows, RUN_ORDER_SCHEMA);
    }

    /** The version of {@code table} (e.g. {@code curated/generative_training}) that {@code run} recorded. */
    public OutputVersion recorded(RunRecord run, String table) {
        return run.output(table).orElseThrow(() -> new ConfigException("run " + run.runId() + " recorded no version"
                + " of " + table + " in the run log"));
    }

    /** The table at the version {@code run} recorded for it. */
    public Dataset<Row> atRecordedVersion(RunRecord run, String table) {
        return DeltaTables.readVersion(spark, path(table), recorded(run, table).version());
    }

    public Dataset<Row> ledger() {
        return DeltaTables.read(spark, path(LEDGER));
    }

    /** The latest version of a table (what a reader that pins nothing gets). */
    public long headVersion(String table) {
        return DeltaTables.version(spark, path(table));
    }

    public Dataset<Row> atVersion(String table, long version) {
        return DeltaTables.readVersion(spark, path(table), version);
    }

    /** The curated tables a run wrote: {@code curated/<purpose>} outputs, in the order recorded. */
    public static List<OutputVersion> curatedOutputs(RunRecord run) {
        return run.outputs().stream().filter(o -> o.table().startsWith(CURATED_DIR + "/")).toList();
    }

    public static String purposeOf(OutputVersion curated) {
        return curated.table().substring(CURATED_DIR.length() + 1);
    }

    private static final Comparator<RunRecord> ORDER = Comparator.comparing(RunRecord::asOf)
            .thenComparing(r -> r.status() == RunStatus.SUCCEEDED ? 0 : 1)
            .thenComparing(RunRecord::finishedAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(RunRecord::runId);
}
