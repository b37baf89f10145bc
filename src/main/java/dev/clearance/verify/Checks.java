package dev.clearance.verify;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.clearance.decide.Decision;
import dev.clearance.decide.Reason;
import dev.clearance.outputs.OutputRoot;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The checks of {@code clearance verify} ({@link #ALL}) and the transformations they are made of, each a pure
 * function from frames to violations (location, row, problem), so that each can be tried on a few inline
 * rows. They re-derive what the outputs must satisfy from the ledger, the Delta logs and the run log alone,
 * without the code that wrote them (decide/, publish/), so a defect there cannot hide itself.
 */
public final class Checks {
    /** Where the offending row is, e.g. {@code curated/generative_training@v5}. */
    public static final String LOCATION = "location";
    /** Which row, e.g. {@code track_id=t1}. */
    public static final String ROW = "row";
    public static final String PROBLEM = "problem";
    public static final StructType VIOLATION_SCHEMA = new StructType()
            .add(LOCATION, DataTypes.StringType).add(ROW, DataTypes.StringType).add(PROBLEM, DataTypes.StringType);

    /** Columns of {@link #countMismatch}'s inputs. */
    public static final String ACTUAL = "actual";
    public static final String EXPECTED = "expected";
    public static final String WHAT = "what";
    /** Rows counted by {@link #ledgerRowsByRun}. */
    public static final String ROWS = "_rows";
    /** Columns of {@link #commits}: the output table, then Delta's own history columns. */
    public static final String TABLE = "table";
    public static final String VERSION = "version";
    public static final String TIMESTAMP = "timestamp";
    public static final String OPERATION = "operation";
    public static final String OPERATION_PARAMETERS = "operationParameters";
    public static final String USER_METADATA = "userMetadata";
    public static final String APPEND_ONLY = "delta.appendOnly";

    private static final String OTHER = "_other_";
    private static final String DETAIL_PROPERTIES = "properties";

    /** Every check, in the order the report lists them. */
    public static final List<Check> ALL = List.of(
            new Check("curated-rows-included",
                    "every curated row has an INCLUDED decision for its purpose in lineage/current",
                    "curated rows", LoadedOutputs::curatedRows,
                    o -> curatedWithoutIncludedDecision(o.curated(), o.recordedCurrent())),
            new Check("curated-no-excluded-or-removed",
                    "no pair that the ledger says is EXCLUDED or REMOVED is in a curated table",
                    "curated rows", LoadedOutputs::curatedRows,
                    o -> curatedExcludedOrRemoved(o.curated(), o.state())),
            new Check("counts-match-run-log",
                    "curated, lineage/current and ledger row counts equal the run log's",
                    "counts", LoadedOutputs::recordedCounts,
                    o -> countMismatch(o.counted(), o.recorded())),
            new Check("ledger-replay-equals-current",
                    "replaying the ledger up to the run gives exactly lineage/current",
                    "current rows", LoadedOutputs::currentRows,
                    o -> overCurrents(o, (rows, location) -> replayDiffers(o.state(), rows, location))),
            new Check("decision-matches-reasons",
                    "INCLUDED exactly when reasons is empty, and a REMOVED row gives one of its two reasons",
                    "decisions", o -> o.ledgerRows() + o.currentRows(),
                    o -> decisionDisagreesWithReasons(o.ledger(), OutputRoot.LEDGER)
                            .unionByName(overCurrents(o, Checks::decisionDisagreesWithReasons))),
            new Check("ledger-append-only",
                    "the ledger's Delta history holds only appends",
                    "commits", o -> o.commitCount(OutputRoot.LEDGER),
                    o -> nonAppendCommits(o.commits().filter(col(TABLE).equalTo(OutputRoot.LEDGER)),
                            OutputRoot.LEDGER)),
            new Check("ledger-append-only-property",
                    "the ledger's table property delta.appendOnly is still true",
                    "table property", o -> 1,
                    o -> appendOnlyLifted(o.ledgerDetail(), OutputRoot.LEDGER)),
            new Check("policy-matches-run-log",
                    "each run's recorded policy version and sha256 match its ledger rows",
                    "ledger rows", LoadedOutputs::ledgerRows,
                    o -> policyMismatch(o.ledgerByRun(), o.runs(), OutputRoot.LEDGER)),
            new Check("ledger-pairs-once-per-run",
                    "no run wrote a (track, purpose) twice to the ledger",
                    "ledger rows", LoadedOutputs::ledgerRows,
                    o -> duplicateLedgerRows(o.ledger(), OutputRoot.LEDGER)),
            new Check("commits-carry-run-id",
                    "every commit on an output table carries, as userMetadata, a run_id of the run log",
                    "commits", LoadedOutputs::commitCount,
                    o -> commitsWithoutKnownRunId(o.commits(), o.runs())));

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
     * A table's Delta history reduced to what the commit checks read, tagged with the table, so that the
     * histories of every output table can be checked as one frame.
     *
     * @param history {@code DeltaTable.history()}
     * @param table   e.g. {@link OutputRoot#LEDGER}
     */
    public static Dataset<Row> commits(Dataset<Row> history, String table) {
        return history.select(lit(table).as(TABLE), col(VERSION), col(TIMESTAMP), col(OPERATION),
                col(OPERATION_PARAMETERS), col(USER_METADATA));
    }

    /**
     * Commits of the ledger's Delta history that are not appends: anything but the table's creation (version
     * 0) and {@code WRITE} with mode {@code Append}. An overwrite, delete, update, merge, restore or a change
     * of table properties (such as lifting delta.appendOnly) is reported.
     *
     * @param history the table's commits ({@link #commits})
     */
    public static Dataset<Row> nonAppendCommits(Dataset<Row> history, String location) {
        Column creation = col(VERSION).equalTo(0).and(col(OPERATION).isin("CREATE TABLE", "WRITE"));
        Column append = col(OPERATION).equalTo("WRITE")
                .and(col(OPERATION_PARAMETERS).getItem("mode").equalTo("Append"));
        return history.filter(creation.or(append).unary_$bang())
                .select(lit(location).as(LOCATION), format_string("version %d", col(VERSION)).as(ROW),
                        format_string("%s %s at %s: not an append", col(OPERATION), to_json(col(OPERATION_PARAMETERS)),
                                col(TIMESTAMP)).as(PROBLEM));
    }

    /**
     * The ledger's table property {@code delta.appendOnly}, unless it is true (as Delta reads it, in any
     * case). The history check sees the commit that lifted it only while that commit is in the Delta log;
     * the property says whether Delta itself still refuses to delete or rewrite a ledger row.
     *
     * @param detail the table's {@code DESCRIBE DETAIL}
     */
    public static Dataset<Row> appendOnlyLifted(Dataset<Row> detail, String location) {
        Column value = col(DETAIL_PROPERTIES).getItem(APPEND_ONLY);
        String consequence = ": Delta accepts a delete, an update or an overwrite of ledger rows";
        return detail.filter(coalesce(lower(value).equalTo("true"), lit(false)).unary_$bang())
                .select(lit(location).as(LOCATION), lit(APPEND_ONLY).as(ROW),
                        when(value.isNull(), lit("is not set" + consequence))
                                .otherwise(format_string("is '%s'" + consequence, value)).as(PROBLEM));
    }

    /**
     * Commits whose userMetadata is not the run_id of a run in the run log, whatever its status: a run
     * stamps each of its commits, so any other commit was made by hand or by another writer, and its
     * rows are backed by no run's decisions.
     *
     * @param commits {@link #commits} of one or more tables
     * @param runs    the run log (run_id)
     */
    public static Dataset<Row> commitsWithoutKnownRunId(Dataset<Row> commits, Dataset<Row> runs) {
        Dataset<Row> known = runs.select(col(RUN_ID).as(OTHER + RUN_ID)).distinct();
        return commits.join(known, col(USER_METADATA).equalTo(col(OTHER + RUN_ID)), "left_anti")
                .select(format_string("%s@v%d", col(TABLE), col(VERSION)).as(LOCATION), col(OPERATION).as(ROW),
                        when(col(USER_METADATA).isNull(), lit("no userMetadata: not a commit of a Clearance run"))
                                .otherwise(format_string("userMetadata '%s' is not a run_id of the run log",
                                        col(USER_METADATA))).as(PROBLEM));
    }

    /**
     * Ledger or lineage/current rows whose reasons do not fit their decision: INCLUDED needs none, EXCLUDED
     * at least one, REMOVED exactly [TRACK_NOT_IN_CATALOG] or [PURPOSE_NOT_IN_POLICY]. Curated tables are
     * checked against the decision alone, so a decision that contradicts its own reasons would otherwise
     * publish a track its reasons exclude.
     */
    public static Dataset<Row> decisionDisagreesWithReasons(Dataset<Row> rows, String location) {
        Column decision = col(DECISION);
        Column reasons = col(REASONS);
        Column listed = array_join(reasons, ", ", "null");
        Column removedReason = reasons.equalTo(array(lit(Reason.TRACK_NOT_IN_CATALOG.name())))
                .or(reasons.equalTo(array(lit(Reason.PURPOSE_NOT_IN_POLICY.name()))));
        Column problem = when(decision.isNull(), lit("decision is null"))
                .when(decision.isin(Decision.INCLUDED.name(), Decision.EXCLUDED.name(), Decision.REMOVED.name())
                        .unary_$bang(), format_string("decision '%s' is none of INCLUDED, EXCLUDED, REMOVED", decision))
                .when(reasons.isNull(), format_string("%s with reasons null, not an array", decision))
                .when(decision.equalTo(Decision.INCLUDED.name()).and(size(reasons).gt(0)),
                        format_string("INCLUDED with reasons [%s]", listed))
                .when(decision.equalTo(Decision.EXCLUDED.name()).and(size(reasons).equalTo(0)),
                        lit("EXCLUDED with no reason"))
                .when(decision.equalTo(Decision.REMOVED.name()).and(removedReason.unary_$bang()),
                        format_string("REMOVED with reasons [%s], not exactly TRACK_NOT_IN_CATALOG or"
                                + " PURPOSE_NOT_IN_POLICY", listed));
        return rows.withColumn(PROBLEM, problem).filter(col(PROBLEM).isNotNull())
                .select(lit(location).as(LOCATION), format_string("run_id=%s track_id=%s purpose=%s", col(RUN_ID),
                        col(TRACK_ID), col(PURPOSE)).as(ROW), col(PROBLEM));
    }

    /**
     * The ledger's rows per run and policy: a run's own count, its policy and the ledger's size all come
     * from this one aggregate, whose size is that of the run log, not of the catalog.
     *
     * @return run_id, policy_version, policy_sha256, {@link #ROWS}
     */
    public static Dataset<Row> ledgerRowsByRun(Dataset<Row> ledger) {
        return ledger.groupBy(RUN_ID, POLICY_VERSION, POLICY_SHA256).agg(count(lit(1)).as(ROWS));
    }

    /**
     * Runs whose ledger rows carry another policy (version or sha256) than the run log records, and ledger
     * rows of a run the run log does not know.
     *
     * @param byRun {@link #ledgerRowsByRun}
     * @param runs  the run log (run_id, policy_version, policy_sha256)
     */
    public static Dataset<Row> policyMismatch(Dataset<Row> byRun, Dataset<Row> runs, String location) {
        Dataset<Row> recorded = runs.select(col(RUN_ID).as(OTHER + RUN_ID), col(POLICY_VERSION).as(OTHER + POLICY_VERSION),
                col(POLICY_SHA256).as(OTHER + POLICY_SHA256));
        return byRun.join(recorded, col(RUN_ID).equalTo(col(OTHER + RUN_ID)), "left")
                .filter(col(OTHER + RUN_ID).isNull()
                        .or(col(POLICY_SHA256).eqNullSafe(col(OTHER + POLICY_SHA256)).unary_$bang())
                        .or(col(POLICY_VERSION).eqNullSafe(col(OTHER + POLICY_VERSION)).unary_$bang()))
                .select(lit(location).as(LOCATION), format_string("run_id=%s", col(RUN_ID)).as(ROW),
                        when(col(OTHER + RUN_ID).isNull(), format_string(
                                "%d ledger rows of a run that is not in the run log", col(ROWS)))
                                .otherwise(format_string("%d ledger rows carry policy %s sha256 %s; the run log"
                                                + " records %s sha256 %s", col(ROWS), col(POLICY_VERSION),
                                        col(POLICY_SHA256), col(OTHER + POLICY_VERSION), col(OTHER + POLICY_SHA256)))
                                .as(PROBLEM));
    }

    /** (run, track, purpose) with more than one ledger row: a run writes each pair at most once. */
    public static Dataset<Row> duplicateLedgerRows(Dataset<Row> ledger, String location) {
        return ledger.groupBy(RUN_ID, TRACK_ID, PURPOSE).agg(count(lit(1)).as(ROWS))
                .filter(col(ROWS).gt(1))
                .select(lit(location).as(LOCATION),
                        format_string("run_id=%s track_id=%s purpose=%s", col(RUN_ID), col(TRACK_ID), col(PURPOSE)).as(ROW),
                        format_string("%d ledger rows for one pair in one run", col(ROWS)).as(PROBLEM));
    }

    /**
     * Counts that differ from what the run log recorded.
     *
     * @param counted  ({@link #LOCATION}, {@link #ACTUAL}) counts of the published tables
     * @param recorded ({@link #LOCATION}, {@link #EXPECTED}, {@link #WHAT}) counts from the run log
     */
    public static Dataset<Row> countMismatch(Dataset<Row> counted, Dataset<Row> recorded) {
        return recorded.join(counted, recorded.col(LOCATION).equalTo(counted.col(LOCATION)), "left")
                .filter(counted.col(ACTUAL).eqNullSafe(recorded.col(EXPECTED)).unary_$bang())
                .select(recorded.col(LOCATION), recorded.col(WHAT).as(ROW),
                        format_string("%s rows, the run log records %d", coalesce(counted.col(ACTUAL).cast("string"),
                                lit("no")), recorded.col(EXPECTED)).as(PROBLEM));
    }

    private static Dataset<Row> overCurrents(LoadedOutputs outputs,
                                             BiFunction<Dataset<Row>, String, Dataset<Row>> check) {
        return outputs.currents().stream().map(s -> check.apply(s.rows(), s.location()))
                .reduce(Dataset::unionByName).orElseThrow();
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
