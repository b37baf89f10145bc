package dev.clearance.runlog;

import static dev.clearance.catalog.Columns.AS_OF;
import static dev.clearance.catalog.Columns.POLICY_SHA256;
import static dev.clearance.catalog.Columns.POLICY_VERSION;
import static dev.clearance.catalog.Columns.RUN_ID;

import dev.clearance.catalog.InputVersion;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.spark.DeltaTables;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The runs table: one row per run_id, replaced in place as the run progresses (RUNNING, then SUCCEEDED or
 * FAILED). It is small (one row a run), so it is read whole on the driver.
 */
public final class RunLog {
    public static final StructType SCHEMA = new StructType(new StructField[] {
        field(RUN_ID, DataTypes.StringType),
        field(AS_OF, DataTypes.TimestampType),
        field("started_at", DataTypes.TimestampType),
        field("finished_at", DataTypes.TimestampType),
        field("status", DataTypes.StringType),
        field(POLICY_VERSION, DataTypes.StringType),
        field(POLICY_SHA256, DataTypes.StringType),
        field("message", DataTypes.StringType),
        field("inputs", array(
                field("table", DataTypes.StringType), field("format", DataTypes.StringType),
                field("path", DataTypes.StringType), field("version", DataTypes.LongType),
                field("fingerprint", DataTypes.StringType))),
        field("outputs", array(
                field("table", DataTypes.StringType), field("path", DataTypes.StringType),
                field("version", DataTypes.LongType), field("rows", DataTypes.LongType))),
        field("decision_counts", array(
                field("purpose", DataTypes.StringType), field("included", DataTypes.LongType),
                field("excluded", DataTypes.LongType))),
        field("reason_counts", array(
                field("purpose", DataTypes.StringType), field("reason", DataTypes.StringType),
                field("tracks", DataTypes.LongType))),
        field("quarantine_counts", array(
                field("source_table", DataTypes.StringType), field("reason", DataTypes.StringType),
                field("rows", DataTypes.LongType))),
        field("ledger_rows", DataTypes.LongType),
        field("mode", DataTypes.StringType),
        field("mode_reason", DataTypes.StringType)
    });

    private final SparkSession spark;
    private final String path;

    public RunLog(SparkSession spark, String path) {
        this.spark = spark;
        this.path = path;
    }

    public List<RunRecord> all() {
        if (!DeltaTables.exists(spark, path)) {
            return List.of();
        }
        return DeltaTables.read(spark, path).collectAsList().stream().map(RunLog::fromRow).toList();
    }

    public Optional<RunRecord> find(String runId) {
        return all().stream().filter(r -> r.runId().equals(runId)).findFirst();
    }

    public String path() {
        return path;
    }

    /** The run's row, to insert or replace with {@link #predicate}. */
    public Dataset<Row> rowOf(RunRecord record) {
        return spark.createDataFrame(List.of(toRow(record)), SCHEMA);
    }

    /** Matches exactly the run's row. */
    public static String predicate(String runId) {
        return RUN_ID + " = '" + runId + "'";
    }

    static Row toRow(RunRecord r) {
        return RowFactory.create(r.runId(), ts(r.asOf()), ts(r.startedAt()), ts(r.finishedAt()), r.status().name(),
                r.policyVersion(), r.policySha256(), r.message(),
                rows(r.inputs(), i -> RowFactory.create(i.table(), i.format(), i.path(), i.version(), i.fingerprint())),
                rows(r.outputs(), o -> RowFactory.create(o.table(), o.path(), o.version(), o.rows())),
                rows(r.decisionCounts(), c -> RowFactory.create(c.purpose(), c.included(), c.excluded())),
                rows(r.reasonCounts(), c -> RowFactory.create(c.purpose(), c.reason(), c.tracks())),
                rows(r.quarantineCounts(), c -> RowFactory.create(c.sourceTable(), c.reason(), c.rows())),
                r.ledgerRows(), r.mode() == null ? null : r.mode().kind().label(),
                r.mode() == null ? null : r.mode().reason());
    }

    static RunRecord fromRow(Row row) {
        return new RunRecord(
                row.getAs(RUN_ID), instant(row.getAs(AS_OF)), instant(row.getAs("started_at")),
                instant(row.getAs("finished_at")), RunStatus.valueOf(row.getAs("status")),
                row.getAs(POLICY_VERSION), row.getAs(POLICY_SHA256), row.getAs("message"),
                list(row, "inputs", r -> new InputVersion(r.getString(0), r.getString(1), r.getString(2),
                        r.isNullAt(3) ? null : r.getLong(3), r.getString(4))),
                list(row, "outputs", r -> new OutputVersion(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3))),
                list(row, "decision_counts", r -> new PurposeCount(r.getString(0), r.getLong(1), r.getLong(2))),
                list(row, "reason_counts", r -> new ReasonCount(r.getString(0), r.getString(1), r.getLong(2))),
                list(row, "quarantine_counts", r -> new QuarantineCount(r.getString(0), r.getString(1), r.getLong(2))),
                row.<Long>getAs("ledger_rows"), mode(row));
    }

    /** Rows written before runs had modes have no mode columns until the next run adds them. */
    private static RunMode mode(Row row) {
        if (!Arrays.asList(row.schema().fieldNames()).contains("mode") || row.getAs("mode") == null) {
            return null;
        }
        return new RunMode(RunMode.Kind.ofLabel(row.getAs("mode")), row.getAs("mode_reason"));
    }

    private static <T> List<Row> rows(List<T> items, Function<T, Row> toRow) {
        return items.stream().map(toRow).toList();
    }

    private static <T> List<T> list(Row row, String field, Function<Row, T> fromRow) {
        List<Row> rows = row.getList(row.fieldIndex(field));
        return rows.stream().map(fromRow).toList();
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    private static DataType array(StructField... fields) {
        return DataTypes.createArrayType(new StructType(fields));
    }
}
