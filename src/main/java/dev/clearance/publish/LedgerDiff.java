package dev.clearance.publish;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.clearance.decide.Decision;
import dev.clearance.decide.Reason;
import dev.clearance.outputs.OutputRoot;
import java.sql.Timestamp;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Compares this run's decisions with the previous successful run's lineage/current (contract §4). A pair is
 * written to the ledger when it is new, when its decision, reasons or any evidence column changed, or when it
 * disappeared (REMOVED); a new policy_version alone writes nothing. lineage/current keeps, for an unchanged
 * pair, the previous row as it stands in the ledger, so that replaying the ledger gives lineage/current
 * exactly, and since every evidence change is a ledger row, it also carries the latest evidence.
 */
public final class LedgerDiff {
    /** NEW, CHANGED, UNCHANGED or REMOVED. */
    public static final String CHANGE = "_change";
    public static final String NEW = "NEW";
    public static final String CHANGED = "CHANGED";
    public static final String UNCHANGED = "UNCHANGED";
    public static final String REMOVED = "REMOVED";
    private static final String OLD = "_old_";
    private static final List<String> KEY = List.of(TRACK_ID, PURPOSE);
    /** Everything a ledger row says about a pair except its stamp (contract v2 §4). */
    private static final List<String> COMPARED = List.of(DECISION, REASONS, UPLOADER_ID, CONSENT_STATE,
            CONSENT_EVENT_ID, LICENSE_IDS, LICENSOR_TYPES, MATCHED_NO_AI_TAG, EMBEDDED_DMI);
    private static final List<String> STAMP = List.of(RUN_ID, AS_OF, POLICY_VERSION, POLICY_SHA256);

    private LedgerDiff() {}

    /**
     * @param decisions this run's rows in the ledger schema, stamped with this run
     * @param previous  the previous run's lineage/current, or null on the first run
     * @param stamp     this run's identity, written on REMOVED rows
     * @return ledger-schema rows plus {@link #CHANGE}
     */
    public static Dataset<Row> diff(Dataset<Row> decisions, Dataset<Row> previous, Set<String> policyPurposes,
                                    Stamp stamp) {
        List<String> columns = OutputRoot.columns(OutputRoot.LEDGER_SCHEMA);
        if (previous == null) {
            return decisions.select(columns.stream().map(c -> col(c)).toArray(Column[]::new))
                    .withColumn(CHANGE, lit(NEW));
        }
        Dataset<Row> old = previous.select(columns.stream().map(c -> col(c).as(OLD + c)).toArray(Column[]::new));
        Column on = col(TRACK_ID).equalTo(col(OLD + TRACK_ID)).and(col(PURPOSE).equalTo(col(OLD + PURPOSE)));
        Dataset<Row> joined = decisions.join(old, on, "full_outer");

        Column same = lit(true);
        for (String c : COMPARED) {
            same = same.and(col(c).eqNullSafe(col(OLD + c)));
        }
        Column change = when(col(OLD + TRACK_ID).isNull(), lit(NEW))
                .when(col(TRACK_ID).isNull(), lit(REMOVED))
                .when(same, lit(UNCHANGED))
                .otherwise(lit(CHANGED));
        Column removedReason = when(col(OLD + PURPOSE).isin(policyPurposes.toArray()),
                array(lit(Reason.TRACK_NOT_IN_CATALOG.name())))
                .otherwise(array(lit(Reason.PURPOSE_NOT_IN_POLICY.name())));

        Column[] projection = new Column[columns.size() + 1];
        for (int i = 0; i < columns.size(); i++) {
            String c = columns.get(i);
            Column removed;
            if (KEY.contains(c) || c.equals(UPLOADER_ID)) {
                removed = col(OLD + c);
            } else if (STAMP.contains(c)) {
                removed = stamp.column(c);
            } else if (c.equals(DECISION)) {
                removed = lit(Decision.REMOVED.name());
            } else if (c.equals(REASONS)) {
                removed = removedReason;
            } else {
                removed = lit(null).cast(OutputRoot.LEDGER_SCHEMA.apply(c).dataType());
            }
            projection[i] = when(col(CHANGE).equalTo(UNCHANGED), col(OLD + c))
                    .when(col(CHANGE).equalTo(REMOVED), removed)
                    .otherwise(col(c))
                    .as(c);
        }
        projection[columns.size()] = col(CHANGE);
        return joined.withColumn(CHANGE, change).select(projection);
    }

    /** Rows to append to the ledger. */
    public static Dataset<Row> ledgerRows(Dataset<Row> diff) {
        return diff.filter(col(CHANGE).notEqual(UNCHANGED)).drop(CHANGE);
    }

    /** The new lineage/current. */
    public static Dataset<Row> currentRows(Dataset<Row> diff) {
        return diff.filter(col(CHANGE).notEqual(REMOVED)).drop(CHANGE);
    }

    /** This run's identity as literal columns. */
    public record Stamp(String runId, Timestamp asOf, String policyVersion, String policySha256) {
        Column column(String name) {
            return switch (name) {
                case RUN_ID -> lit(runId);
                case AS_OF -> lit(asOf);
                case POLICY_VERSION -> lit(policyVersion);
                case POLICY_SHA256 -> lit(policySha256);
                default -> throw new IllegalArgumentException(name);
            };
        }

        /** Projects decision-set rows onto {@code schema}'s columns, stamped with this run. */
        public Dataset<Row> apply(Dataset<Row> decisions, StructType schema) {
            return decisions.select(OutputRoot.columns(schema).stream()
                    .map(c -> STAMP.contains(c) ? column(c).as(c) : col(c))
                    .toArray(Column[]::new));
        }
    }
}
