package dev.clearance.run;

import static dev.clearance.catalog.Columns.REASON;
import static dev.clearance.catalog.Columns.RECORD;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.SOURCE_TABLE;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.catalog.RowValidation;
import dev.clearance.policy.Policy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Every input row checked (contract §3.1): each row annotated valid or with its quarantine reason, each
 * table's row count, and the quarantine rows of the run. Writes nothing.
 */
final class ValidateInputs {
    /** Above this many duplicate keys in one input (a broken export), they are joined by shuffle, not broadcast. */
    private static final long BROADCAST_MAX_KEYS = 1_000_000;

    /** The validated inputs (see {@link RowValidation#annotate}), their row counts, and the rows to quarantine. */
    record Result(Map<InputTable, Dataset<Row>> validated, Map<InputTable, Long> totals, Dataset<Row> quarantine) {}

    private final SparkWork work;
    private final Policy policy;
    private final String runId;

    ValidateInputs(SparkWork work, Policy policy, String runId) {
        this.work = work;
        this.policy = policy;
        this.runId = runId;
    }

    Result execute(Map<InputTable, Snapshot> inputs) {
        // Each input's row count and its duplicate keys (computed over the key column alone): six small jobs at once.
        List<Callable<Long>> scanning = new ArrayList<>();
        Map<InputTable, Dataset<Row>> duplicateKeys = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            Dataset<Row> rows = inputs.get(table).rows();
            Dataset<Row> keys = work.persist(RowValidation.duplicateKeys(table, rows));
            duplicateKeys.put(table, keys);
            scanning.add(() -> work.describe("counting " + table.tableName(), rows::count));
            scanning.add(() -> work.describe("finding duplicate " + table.keyColumn() + " in " + table.tableName(),
                    keys::count));
        }
        List<Long> scanned = work.inParallel(scanning);    // per table: its row count, then its duplicate keys
        Map<InputTable, Dataset<Row>> validated = new EnumMap<>(InputTable.class);
        Map<InputTable, Long> totals = new EnumMap<>(InputTable.class);
        Dataset<Row> quarantine = null;
        for (InputTable table : InputTable.values()) {
            totals.put(table, scanned.get(2 * table.ordinal()));
            Dataset<Row> keys = duplicateKeys.get(table);
            Dataset<Row> annotated = RowValidation.annotate(table, inputs.get(table).rows(),
                    scanned.get(2 * table.ordinal() + 1) <= BROADCAST_MAX_KEYS ? broadcast(keys) : keys, policy);
            validated.put(table, annotated);
            Dataset<Row> invalid = annotated.filter(col(RowValidation.INVALID_REASON).isNotNull())
                    .select(lit(runId).as(RUN_ID), lit(table.tableName()).as(SOURCE_TABLE),
                            col(RowValidation.INVALID_REASON).as(REASON), col(RowValidation.RAW_RECORD).as(RECORD));
            quarantine = quarantine == null ? invalid : quarantine.unionByName(invalid);
        }
        return new Result(validated, totals, quarantine);
    }
}
