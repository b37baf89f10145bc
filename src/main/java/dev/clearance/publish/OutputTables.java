package dev.clearance.publish;

import static dev.clearance.catalog.Columns.*;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Where each output table lives under the output root, and its schema (contract §4). */
public final class OutputTables {
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
     * Table properties, set when a table is created. Statistics are collected only on the columns readers
     * filter by: on every column they cost as much as the write itself.
     */
    public static final Map<String, String> LEDGER_PROPERTIES = Map.of(
            "delta.appendOnly", "true",
            "delta.dataSkippingStatsColumns", String.join(",", RUN_ID, AS_OF, TRACK_ID, PURPOSE, DECISION, UPLOADER_ID));
    public static final Map<String, String> CURRENT_PROPERTIES = Map.of(
            "delta.dataSkippingStatsColumns", String.join(",", TRACK_ID, PURPOSE, DECISION, UPLOADER_ID));
    public static final Map<String, String> CURATED_PROPERTIES = Map.of(
            "delta.dataSkippingStatsColumns", String.join(",", TRACK_ID, UPLOADER_ID));

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

    private final String root;

    /** @param root a local path or a URI */
    public OutputTables(String root) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
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
}
