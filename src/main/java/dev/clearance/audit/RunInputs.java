package dev.clearance.audit;

import static dev.clearance.catalog.Columns.REASON;
import static dev.clearance.catalog.Columns.RECORD;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.SOURCE_TABLE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;

import dev.clearance.catalog.Conform;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.catalog.LakeReader;
import dev.clearance.config.JobConfig.TableLocation;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.RunConflictException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Input rows as a past run read them: each input table is re-read at the Delta version (or checked against
 * the Parquet fingerprint) that the run recorded, with what the run made of them ({@link Readings}). Evidence
 * is only ever shown from that exact state; when it cannot be read any more (vacuumed, log expired, files
 * rewritten or moved), the result says so instead.
 */
public final class RunInputs {
    private RunInputs() {}

    /** Rows of one input, or why they cannot be shown ({@code unavailable} non-null, {@code rows} empty). */
    public record Read(String source, List<Row> rows, String unavailable) {
        public boolean available() {
            return unavailable == null;
        }
    }

    /** A quarantined input row: its key as written (null when blank or absent), its reason, the raw row as JSON. */
    public record Quarantined(String sourceTable, String key, String reason, String record) {}

    /**
     * The rows of {@code table} whose {@code column} equals {@code value} exactly, at the version {@code run}
     * recorded, conformed to the contract's column types as the run conformed them, with {@code readings} (see
     * {@link Readings}) computed on them.
     */
    public static Read rows(SparkSession spark, RunRecord run, InputTable table, String column, String value,
                            Column... readings) {
        Optional<InputVersion> recorded = run.input(table.tableName());
        if (recorded.isEmpty()) {
            return new Read(table.tableName(), List.of(), "run " + run.runId() + " recorded no version of "
                    + table.tableName());
        }
        InputVersion version = recorded.get();
        String source = describe(version);
        try {
            LakeReader.Snapshot snapshot = LakeReader.open(spark, table,
                    new TableLocation(version.path(), TableFormat.fromYaml(version.format())), Optional.of(version));
            Dataset<Row> matching = snapshot.rows().filter(col(column).equalTo(value));
            List<Row> rows = Readings.added(matching.select(Conform.required(matching, table)), readings)
                    .collectAsList();
            return new Read(source, rows, null);
        } catch (RunConflictException e) {
            return new Read(source, List.of(), source + " has changed since run " + run.runId()
                    + " read it, so its rows as of that run cannot be shown");
        } catch (Exception e) {
            return new Read(source, List.of(), source + " is no longer readable: " + firstLine(e));
        }
    }

    /** The quarantine rows of {@code run} from {@code table} whose raw {@code column} equals {@code value}. */
    public static List<Quarantined> quarantined(SparkSession spark, OutputRoot outputs, RunRecord run,
                                                InputTable table, String column, String value) {
        String path = outputs.path(OutputRoot.QUARANTINE);
        if (value == null || !DeltaTables.exists(spark, path)) {
            return List.of();
        }
        return DeltaTables.read(spark, path)
                .filter(col(RUN_ID).equalTo(run.runId()).and(col(SOURCE_TABLE).equalTo(table.tableName()))
                        .and(get_json_object(col(RECORD), "$." + column).equalTo(value)))
                .orderBy(RECORD)
                .select(col(SOURCE_TABLE), get_json_object(col(RECORD), "$." + table.keyColumn()), col(REASON), col(RECORD))
                .collectAsList().stream()
                .map(r -> new Quarantined(r.getString(0), r.getString(1), r.getString(2), r.getString(3)))
                .toList();
    }

    /** E.g. {@code licenses (delta v3, /lake/licenses)}. */
    public static String describe(InputVersion version) {
        return version.table() + " (" + version.describe() + ", " + version.path() + ")";
    }

    private static String firstLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
