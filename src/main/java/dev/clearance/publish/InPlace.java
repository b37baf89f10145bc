package dev.clearance.publish;

import static dev.clearance.catalog.Columns.AS_OF;
import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.POLICY_VERSION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.RUN_ID;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.clearance.decide.Decision;
import dev.clearance.outputs.OutputRoot;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * lineage/current and the curated tables brought to a run's decisions in place (contract §8): one MERGE per
 * table deletes the rows that left, inserts those that entered, updates those whose content changed and leaves
 * every other row, its file and the change feed alone. A row's stamp is thus that of the run that
 * last wrote it (§4). Applying the same MERGE twice changes nothing the second time, so a rerun can repeat it.
 */
public final class InPlace {
    /** What {@link #curatedChanges} says to do with a row: {@value #INSERT}, {@value #DELETE} or {@value #UPDATE}. */
    static final String ACTION = "_action";
    static final String INSERT = "insert";
    static final String DELETE = "delete";
    static final String UPDATE = "update";
    private static final String TARGET = "target.";
    private static final String SOURCE = "source.";
    private static final String OLD = "_old_";
    private static final String OLD_CONTENT = "_old_content";
    /** A curated row's stamp: a new run alone does not rewrite a row. */
    private static final List<String> CURATED_STAMP = List.of(POLICY_VERSION, RUN_ID, AS_OF);

    private InPlace() {}

    /**
     * lineage/current moved forward by this run's ledger rows: a REMOVED pair leaves, any other replaces or adds
     * its pair's row. A row that already carries this run's id was written by an earlier attempt of the run.
     */
    public static DeltaMergeBuilder current(DeltaTable current, Dataset<Row> ledgerRows) {
        Column removed = col(SOURCE + DECISION).equalTo(Decision.REMOVED.name());
        return current.as("target").merge(ledgerRows.as("source"), samePair())
                .whenMatched(removed).delete()
                .whenMatched(col(TARGET + RUN_ID).eqNullSafe(col(SOURCE + RUN_ID)).unary_$bang()).updateAll()
                .whenNotMatched(removed.unary_$bang()).insertAll();
    }

    /**
     * A curated table changed by {@code changes} ({@link #curatedChanges}). The rows to delete, insert and update
     * are found first, so that the MERGE touches only the files that hold them: a MERGE that deletes whatever its
     * source lacks has to rewrite every file of the table. {@code changes} must already be computed (the run keeps
     * them under a plan of their own): Delta does not copy a MERGE's source first (SparkSessions).
     */
    public static DeltaMergeBuilder curated(DeltaTable curated, Dataset<Row> changes) {
        List<String> columns = OutputRoot.columns(OutputRoot.CURATED_SCHEMA);
        Map<String, Column> assignments = new LinkedHashMap<>();
        columns.forEach(c -> assignments.put(c, col(SOURCE + c)));
        return curated.as("target").merge(changes.as("source"), col(TARGET + TRACK_ID).equalTo(col(SOURCE + TRACK_ID)))
                .whenMatched(col(SOURCE + ACTION).equalTo(DELETE)).delete()
                .whenMatched(col(SOURCE + ACTION).equalTo(UPDATE)).update(assignments)
                .whenNotMatched(col(SOURCE + ACTION).equalTo(INSERT)).insert(assignments);
    }

    /**
     * What turns curated rows {@code before} into {@code after}: each curated row that is new ({@value #INSERT}),
     * gone ({@value #DELETE}, with only its track_id) or changed in a column other than the stamp
     * ({@value #UPDATE}), with {@link #ACTION}. An unchanged row is not in it.
     */
    public static Dataset<Row> curatedChanges(Dataset<Row> before, Dataset<Row> after) {
        List<String> columns = OutputRoot.columns(OutputRoot.CURATED_SCHEMA);
        Column content = struct(columns.stream().filter(c -> !CURATED_STAMP.contains(c)).map(c -> col(c))
                .toArray(Column[]::new));
        Dataset<Row> old = before.select(col(TRACK_ID).as(OLD + TRACK_ID), content.as(OLD_CONTENT));
        Column action = when(col(OLD + TRACK_ID).isNull(), lit(INSERT))
                .when(col(TRACK_ID).isNull(), lit(DELETE))
                .when(content.eqNullSafe(col(OLD_CONTENT)).unary_$bang(), lit(UPDATE));
        List<Column> projection = new ArrayList<>();
        for (String c : columns) {
            projection.add(c.equals(TRACK_ID) ? coalesce(col(TRACK_ID), col(OLD + TRACK_ID)).as(TRACK_ID) : col(c));
        }
        projection.add(col(ACTION));
        return after.join(old, col(TRACK_ID).equalTo(col(OLD + TRACK_ID)), "full_outer")
                .withColumn(ACTION, action).filter(col(ACTION).isNotNull())
                .select(projection.toArray(Column[]::new));
    }

    private static Column samePair() {
        return col(TARGET + TRACK_ID).equalTo(col(SOURCE + TRACK_ID))
                .and(col(TARGET + PURPOSE).equalTo(col(SOURCE + PURPOSE)));
    }
}
