package dev.clearance.verify;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.clearance.decide.Decision;
import dev.clearance.outputs.OutputRoot;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The checks of {@code clearance verify}, each a pure transformation that returns the offending rows as
 * violations (location, row, problem). They re-derive what the outputs must satisfy from the ledger and the
 * run log alone, without the code that wrote them (decide/, publish/), so a defect there cannot hide itself.
 */
public final class Checks {
    /** Where the offending row is, e.g. {@code curated/generative_training@v5}. */
    public static final String LOCATION = "location";
    /** Which row, e.g. {@code track_id=t1}. */
    public static final String ROW = "row";
    public static final String PROBLEM = "problem";
    public static final StructType VIOLATION_SCHEMA = new StructType()
            .add(LOCATION, DataTypes.StringType).add(ROW, DataTypes.StringType).add(PROBLEM, DataTypes.StringType);

    private static final String OTHER = "_other_";

    private Checks() {}

    /**
     * Curated rows whose (track, purpose) has no INCLUDED decision in lineage/current.
     *
     * @param curated the rows of the curated tables, each with {@link #LOCATION} and {@code purpose} added
     * @param current lineage/current at the version the run recorded
     */
    public static Dataset<Row> curatedWithoutIncludedDecision(Dataset<Row> curated, Dataset<Row> current) {
        Dataset<Row> decisions = current.select(col(TRACK_ID).as(OTHER + TRACK_ID), col(PURPOSE).as(OTHER + PURPOSE),
                col(DECISION).as(OTHER + DECISION), col(REASONS).as(OTHER + REASONS));
        return curated.join(decisions, col(TRACK_ID).equalTo(col(OTHER + TRACK_ID))
                        .and(col(PURPOSE).equalTo(col(OTHER + PURPOSE))), "left")
                .filter(coalesce(col(OTHER + DECISION).notEqual(Decision.INCLUDED.name()), lit(true)))
                .select(col(LOCATION), trackRow(),
                        when(col(OTHER + DECISION).isNull(), lit("no decision for this purpose in lineage/current"))
                                .otherwise(format_string("lineage/current says %s [%s]", col(OTHER + DECISION),
                                        array_join(col(OTHER + REASONS), ", "))).as(PROBLEM));
    }

    /**
     * Curated rows whose (track, purpose) is EXCLUDED or REMOVED in the replayed ledger.
     *
     * @param state the state of every pair at the run, REMOVED included ({@link #stateAt})
     */
    public static Dataset<Row> curatedExcludedOrRemoved(Dataset<Row> curated, Dataset<Row> state) {
        Dataset<Row> decisions = state.select(col(TRACK_ID).as(OTHER + TRACK_ID), col(PURPOSE).as(OTHER + PURPOSE),
                col(DECISION).as(OTHER + DECISION), col(REASONS).as(OTHER + REASONS), col(RUN_ID).as(OTHER + RUN_ID));
        return curated.join(decisions, col(TRACK_ID).equalTo(col(OTHER + TRACK_ID))
                        .and(col(PURPOSE).equalTo(col(OTHER + PURPOSE))))
                .filter(col(OTHER + DECISION).isin(Decision.EXCLUDED.name(), Decision.REMOVED.name()))
                .select(col(LOCATION), trackRow(),
                        format_string("the ledger says %s [%s] (run %s)", col(OTHER + DECISION),
                                array_join(col(OTHER + REASONS), ", "), col(OTHER + RUN_ID)).as(PROBLEM));
    }

    /**
     * The state of every (track, purpose) at the run with sequence {@code seq}: its latest ledger row among
     * SUCCEEDED runs up to that one, REMOVED rows included. Rows of runs that did not succeed are ignored.
     *
     * @param runOrder SUCCEEDED runs with {@link OutputRoot#RUN_SEQ}
     */
    public static Dataset<Row> stateAt(Dataset<Row> ledger, Dataset<Row> runOrder, int seq) {
        String rank = "_rank";
        Dataset<Row> order = runOrder.select(col(RUN_ID).as(OTHER + RUN_ID), col(OutputRoot.RUN_SEQ));
        return ledger.join(order, col(RUN_ID).equalTo(col(OTHER + RUN_ID)))
                .filter(col(OutputRoot.RUN_SEQ).leq(seq))
                .withColumn(rank, row_number().over(Window.partitionBy(TRACK_ID, PURPOSE)
                        .orderBy(col(OutputRoot.RUN_SEQ).desc())))
                .filter(col(rank).equalTo(1))
                .select(OutputRoot.columns(OutputRoot.LEDGER_SCHEMA).stream().map(c -> col(c)).toArray(Column[]::new));
    }

    /** Rows that differ between the replayed ledger (REMOVED dropped) and lineage/current at {@code location}. */
    public static Dataset<Row> replayDiffers(Dataset<Row> state, Dataset<Row> current, String location) {
        Column[] columns = OutputRoot.columns(OutputRoot.LEDGER_SCHEMA).stream().map(c -> col(c)).toArray(Column[]::new);
        Dataset<Row> replayed = state.filter(col(DECISION).notEqual(Decision.REMOVED.name())).select(columns);
        Dataset<Row> published = current.select(columns);
        return pairRows(replayed.exceptAll(published), location, "in the ledger replay but not in lineage/current")
                .unionByName(pairRows(published.exceptAll(replayed), location,
                        "in lineage/current but not in the ledger replay"));
    }

    /**
     * Commits of the ledger's Delta history that are not appends: anything but the table's creation (version
     * 0) and {@code WRITE} with mode {@code Append}. An overwrite, delete, update, merge, restore or a change
     * of table properties (such as lifting delta.appendOnly) is reported.
     *
     * @param history the table's Delta history (version, operation, operationParameters, ...)
     */
    public static Dataset<Row> nonAppendCommits(Dataset<Row> history, String location) {
        Column creation = col("version").equalTo(0).and(col("operation").isin("CREATE TABLE", "WRITE"));
        Column append = col("operation").equalTo("WRITE")
                .and(col("operationParameters").getItem("mode").equalTo("Append"));
        return history.filter(creation.or(append).unary_$bang())
                .select(lit(location).as(LOCATION), format_string("version %d", col("version")).as(ROW),
                        format_string("%s %s at %s: not an append", col("operation"), to_json(col("operationParameters")),
                                col("timestamp")).as(PROBLEM));
    }

    /**
     * Runs whose ledger rows carry another policy (version or sha256) than the run log records, and ledger
     * rows of a run the run log does not know.
     *
     * @param runs the run log (run_id, policy_version, policy_sha256)
     */
    public static Dataset<Row> policyMismatch(Dataset<Row> ledger, Dataset<Row> runs, String location) {
        Dataset<Row> recorded = runs.select(col(RUN_ID).as(OTHER + RUN_ID), col(POLICY_VERSION).as(OTHER + POLICY_VERSION),
                col(POLICY_SHA256).as(OTHER + POLICY_SHA256));
        return ledger.groupBy(RUN_ID, POLICY_VERSION, POLICY_SHA256).agg(count(lit(1)).as("_rows"))
                .join(recorded, col(RUN_ID).equalTo(col(OTHER + RUN_ID)), "left")
                .filter(col(OTHER + RUN_ID).isNull()
                        .or(col(POLICY_SHA256).eqNullSafe(col(OTHER + POLICY_SHA256)).unary_$bang())
                        .or(col(POLICY_VERSION).eqNullSafe(col(OTHER + POLICY_VERSION)).unary_$bang()))
                .select(lit(location).as(LOCATION), format_string("run_id=%s", col(RUN_ID)).as(ROW),
                        when(col(OTHER + RUN_ID).isNull(), format_string(
                                "%d ledger rows of a run that is not in the run log", col("_rows")))
                                .otherwise(format_string("%d ledger rows carry policy %s sha256 %s; the run log"
                                                + " records %s sha256 %s", col("_rows"), col(POLICY_VERSION),
                                        col(POLICY_SHA256), col(OTHER + POLICY_VERSION), col(OTHER + POLICY_SHA256)))
                                .as(PROBLEM));
    }

    /** (run, track, purpose) with more than one ledger row: a run writes each pair at most once. */
    public static Dataset<Row> duplicateLedgerRows(Dataset<Row> ledger, String location) {
        return ledger.groupBy(RUN_ID, TRACK_ID, PURPOSE).agg(count(lit(1)).as("_rows"))
                .filter(col("_rows").gt(1))
                .select(lit(location).as(LOCATION),
                        format_string("run_id=%s track_id=%s purpose=%s", col(RUN_ID), col(TRACK_ID), col(PURPOSE)).as(ROW),
                        format_string("%d ledger rows for one pair in one run", col("_rows")).as(PROBLEM));
    }

    /**
     * Counts that differ from what the run log recorded.
     *
     * @param counted  (location, actual) counts of the published tables
     * @param recorded (location, expected, what) counts from the run log
     */
    public static Dataset<Row> countMismatch(Dataset<Row> counted, Dataset<Row> recorded) {
        return recorded.join(counted, recorded.col(LOCATION).equalTo(counted.col(LOCATION)), "left")
                .filter(counted.col("actual").eqNullSafe(recorded.col("expected")).unary_$bang())
                .select(recorded.col(LOCATION), recorded.col("what").as(ROW),
                        format_string("%s rows, the run log records %d", coalesce(counted.col("actual").cast("string"),
                                lit("no")), recorded.col("expected")).as(PROBLEM));
    }

    private static Column trackRow() {
        return format_string("track_id=%s", col(TRACK_ID)).as(ROW);
    }

    private static Dataset<Row> pairRows(Dataset<Row> rows, String location, String problem) {
        return rows.select(lit(location).as(LOCATION),
                format_string("track_id=%s purpose=%s run_id=%s decision=%s", col(TRACK_ID), col(PURPOSE), col(RUN_ID),
                        col(DECISION)).as(ROW),
                lit(problem).as(PROBLEM));
    }
}
