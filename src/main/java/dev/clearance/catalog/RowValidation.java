package dev.clearance.catalog;

import static dev.clearance.catalog.Columns.*;
import static dev.clearance.catalog.Normalize.enumValue;
import static dev.clearance.catalog.Normalize.isBlank;
import static dev.clearance.catalog.Normalize.purposeName;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.clearance.policy.Policy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The row checks of contract §3.1, one ordered list per input table. Fail closed, lose nothing: every row
 * comes out of {@link #annotate} either valid or with the first failed check's reason and its raw JSON.
 */
public final class RowValidation {
    /** The quarantine reason of an invalid row; null for a valid row. */
    public static final String INVALID_REASON = "_invalid_reason";
    /** The raw input row as JSON, set on invalid rows only. */
    public static final String RAW_RECORD = "_raw_record";
    private static final String RAW_STRUCT = "_raw";
    /** Set (true) on rows whose key is shared by 2+ rows of the table. */
    private static final String DUPLICATE = "_duplicate";
    /** The whole row: null columns are written as null rather than left out. */
    private static final Map<String, String> JSON_OPTIONS = Map.of("ignoreNullFields", "false");

    private RowValidation() {}

    /**
     * The keys of {@code table} shared by two or more of its rows, as one column named after the key. A
     * hash aggregate over the key column alone: usually tiny, so the caller can broadcast it.
     */
    public static Dataset<Row> duplicateKeys(InputTable table, Dataset<Row> raw) {
        String key = table.keyColumn();
        return raw.groupBy(col(key)).agg(count(lit(1)).as(DUPLICATE))
                .filter(col(DUPLICATE).gt(1))
                .select(col(key));
    }

    /** {@link #annotate(InputTable, Dataset, Dataset, Policy)} with the duplicate keys joined as planned. */
    public static Dataset<Row> annotate(InputTable table, Dataset<Row> raw, Policy policy) {
        return annotate(table, raw, duplicateKeys(table, raw), policy);
    }

    /**
     * Adds {@link #INVALID_REASON} and {@link #RAW_RECORD} to an input table already conformed to its required
     * schema. {@code raw} is the same rows as read (all columns, original types), kept for the quarantine record;
     * {@code duplicateKeys} is {@link #duplicateKeys} of the same rows (the caller may broadcast it).
     */
    public static Dataset<Row> annotate(InputTable table, Dataset<Row> raw, Dataset<Row> duplicateKeys,
                                        Policy policy) {
        List<Column> projection = new ArrayList<>();
        projection.add(struct(Arrays.stream(raw.columns()).map(raw::col).toArray(Column[]::new)).as(RAW_STRUCT));
        projection.addAll(Arrays.asList(Conform.required(raw, table)));
        String key = table.keyColumn();
        // Keys compare exactly as written; a null key never joins (it is a BLANK_KEY anyway).
        Dataset<Row> conformed = raw.select(projection.toArray(Column[]::new))
                .join(duplicateKeys.withColumn(DUPLICATE, lit(true)), new String[] {key}, "left");

        Column reason = lit(null).cast("string");
        List<Map.Entry<QuarantineReason, Column>> checks = new ArrayList<>(checks(table, policy).entrySet());
        for (int i = checks.size() - 1; i >= 0; i--) {
            Map.Entry<QuarantineReason, Column> check = checks.get(i);
            reason = when(check.getValue(), lit(check.getKey().name())).otherwise(reason);
        }
        return conformed
                .withColumn(INVALID_REASON, reason)
                .withColumn(RAW_RECORD, when(col(INVALID_REASON).isNotNull(), to_json(col(RAW_STRUCT), JSON_OPTIONS)))
                .drop(RAW_STRUCT, DUPLICATE);
    }

    /** Each check is true when the row fails it; in the order they are evaluated. */
    static Map<QuarantineReason, Column> checks(InputTable table, Policy policy) {
        Map<QuarantineReason, Column> checks = new LinkedHashMap<>();
        switch (table) {
            case TRACKS -> {
                checks.put(QuarantineReason.BLANK_KEY, isBlank(col(TRACK_ID)));
                checks.put(QuarantineReason.BLANK_REFERENCE, isBlank(col(UPLOADER_ID)));
                checks.put(QuarantineReason.UNKNOWN_ENUM, notOneOf(enumValue(col(STATE)), TrackState.values()));
            }
            case LICENSES -> {
                checks.put(QuarantineReason.BLANK_KEY, isBlank(col(LICENSE_ID)));
                checks.put(QuarantineReason.BLANK_REFERENCE, isBlank(col(TRACK_ID)));
                checks.put(QuarantineReason.UNKNOWN_ENUM, notOneOf(enumValue(col(LICENSOR_TYPE)), LicensorType.values()));
                checks.put(QuarantineReason.BAD_INTERVAL, coalesce(col(VALID_TO).leq(col(VALID_FROM)), lit(false)));
                List<String> known = new ArrayList<>(policy.purposeNames());
                known.add(Purposes.ALL);
                checks.put(QuarantineReason.UNKNOWN_PURPOSE, coalesce(exists(col(PROHIBITED_PURPOSES),
                        p -> p.isNotNull().and(not(purposeName(p).isin(known.toArray())))), lit(false)));
            }
            case CONSENTS -> {
                checks.put(QuarantineReason.BLANK_KEY, isBlank(col(EVENT_ID)));
                checks.put(QuarantineReason.BLANK_REFERENCE, isBlank(col(USER_ID)));
                checks.put(QuarantineReason.UNKNOWN_ENUM, notOneOf(enumValue(col(ACTION)), ConsentAction.values()));
                checks.put(QuarantineReason.NULL_TIMESTAMP, col(EVENT_TS).isNull());
                List<String> known = new ArrayList<>(policy.purposeNames());
                known.addAll(policy.ignoredConsentPurposes());
                known.add(Purposes.ALL);
                checks.put(QuarantineReason.UNKNOWN_PURPOSE, notOneOf(purposeName(col(PURPOSE)), known.toArray()));
            }
            default -> throw new IllegalArgumentException(table.name());
        }
        checks.put(QuarantineReason.DUPLICATE_KEY, coalesce(col(DUPLICATE), lit(false)));
        return checks;
    }

    /** True when the value is null or not among the allowed values. */
    private static Column notOneOf(Column value, Object[] allowed) {
        Object[] names = Arrays.stream(allowed).map(Object::toString).toArray();
        return not(coalesce(value.isin(names), lit(false)));
    }
}
