package dev.clearance.run;

import static dev.clearance.catalog.Columns.REASON;
import static dev.clearance.catalog.Columns.RECORD;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.SOURCE_TABLE;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;

import dev.clearance.catalog.ChangeScope;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.catalog.RowValidation;
import dev.clearance.policy.Policy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Every input row checked (contract §3.1): each row annotated valid or with its quarantine reason, each
 * table's row count, and the quarantine rows of the run. Writes nothing.
 *
 * <p>An incremental run checks only what can have changed: the rows deciding its affected tracks (their keys
 * counted for duplicates over the whole table), and for the quarantine the rows sharing a key with a changed row;
 * every other quarantine row of the previous run is carried over, since a row's verdict depends only on the row
 * and on whether its key is shared.
 */
final class ValidateInputs {
    /** Above this many duplicate keys in one input (a broken export), they are joined by shuffle, not broadcast. */
    private static final long BROADCAST_MAX_KEYS = 1_000_000;

    /** The validated inputs (see {@link RowValidation#annotate}), their row counts, and the rows to quarantine. */
    record Result(Map<InputTable, Dataset<Row>> validated, Map<InputTable, Long> totals, Dataset<Row> quarantine) {}

    /**
     * What an incremental run checks.
     *
     * @param deciding           per input, the rows deciding the affected tracks ({@link ChangeScope#decidingRows})
     * @param changedKeys        per input, the keys of its changed rows ({@link ChangeScope#changedKeys})
     * @param previousQuarantine the previous run's quarantine rows
     */
    record Scope(Map<InputTable, Dataset<Row>> deciding, Map<InputTable, Dataset<Row>> changedKeys,
                 Dataset<Row> previousQuarantine) {}

    private final SparkWork work;
    private final Policy policy;
    private final String runId;

    ValidateInputs(SparkWork work, Policy policy, String runId) {
        this.work = work;
        this.policy = policy;
        this.runId = runId;
    }

    /** @param counted the row counts of inputs already counted in this run (by the mode choice): not counted again */
    Result execute(Map<InputTable, Snapshot> inputs, Optional<Scope> scope, Map<InputTable, Long> counted) {
        // Each input's row count and its duplicate keys (computed over the key column alone): up to six small jobs
        // at once.
        List<Callable<Long>> scanning = new ArrayList<>();
        Map<InputTable, Dataset<Row>> checked = new EnumMap<>(InputTable.class);
        Map<InputTable, Dataset<Row>> duplicateKeys = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            Dataset<Row> rows = inputs.get(table).rows();
            Dataset<Row> deciding = scope.map(s -> s.deciding().get(table)).orElse(rows);
            // The deciding rows' keys, counted over every row of the table that has one of them.
            Dataset<Row> sharing = scope.isEmpty() || table == InputTable.TRACKS ? deciding
                    : ChangeScope.withKeys(table, rows, deciding.select(table.keyColumn()));
            Dataset<Row> keys = work.persist(RowValidation.duplicateKeys(table, sharing));
            checked.put(table, deciding);
            duplicateKeys.put(table, keys);
            Long known = counted.get(table);
            scanning.add(known != null ? () -> known : () -> work.describe("counting " + table.tableName(), rows::count));
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
            Dataset<Row> annotated = RowValidation.annotate(table, checked.get(table),
                    scanned.get(2 * table.ordinal() + 1) <= BROADCAST_MAX_KEYS ? broadcast(keys) : keys, policy);
            validated.put(table, annotated);
            Dataset<Row> invalid = scope.isEmpty() ? quarantineRows(table, annotated)
                    : rechecked(table, inputs.get(table).rows(), scope.get());
            quarantine = quarantine == null ? invalid : quarantine.unionByName(invalid);
        }
        return new Result(validated, totals, quarantine);
    }

    /**
     * The quarantine rows of {@code table} in an incremental run: the rows sharing a key with a changed row checked
     * again, and the previous run's other quarantine rows of the table, now this run's.
     */
    private Dataset<Row> rechecked(InputTable table, Dataset<Row> rows, Scope scope) {
        Dataset<Row> changedKeys = scope.changedKeys().get(table);
        Dataset<Row> group = ChangeScope.withKeys(table, rows, changedKeys);
        Dataset<Row> checkedAgain = quarantineRows(table, RowValidation.annotate(table, group, policy));
        Dataset<Row> previous = scope.previousQuarantine().filter(col(SOURCE_TABLE).equalTo(table.tableName()));
        Dataset<Row> carried = ChangeScope.withoutKeys(previous,
                get_json_object(previous.col(RECORD), "$." + table.keyColumn()), changedKeys, table)
                .select(lit(runId).as(RUN_ID), col(SOURCE_TABLE), col(REASON), col(RECORD));
        return carried.unionByName(checkedAgain);
    }

    private Dataset<Row> quarantineRows(InputTable table, Dataset<Row> annotated) {
        return annotated.filter(col(RowValidation.INVALID_REASON).isNotNull())
                .select(lit(runId).as(RUN_ID), lit(table.tableName()).as(SOURCE_TABLE),
                        col(RowValidation.INVALID_REASON).as(REASON), col(RowValidation.RAW_RECORD).as(RECORD));
    }
}
