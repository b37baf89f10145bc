package dev.clearance.catalog;

import static dev.clearance.catalog.Columns.EVENT_ID;
import static dev.clearance.catalog.Columns.EVENT_TS;
import static dev.clearance.catalog.Columns.LICENSE_ID;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static dev.clearance.catalog.Columns.UPLOADER_ID;
import static dev.clearance.catalog.Columns.USER_ID;
import static dev.clearance.catalog.Columns.VALID_FROM;
import static dev.clearance.catalog.Columns.VALID_TO;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What an incremental run must look at (contract §8), from each input's changes since the previous run: the
 * tracks whose decision or evidence can have changed, the input rows that decide them, and the rows whose
 * quarantine verdict can have changed. A track's decision depends only on its own track rows, its license rows
 * (and whether their license_ids are shared), its uploader's consent events (and whether their event_ids are
 * shared) and as_of; a row's verdict only on the row and whether its key is shared. Pure transformations.
 */
public final class ChangeScope {
    /** The column of Delta's change data feed saying what a row is: insert, delete, update_preimage, ... */
    public static final String CHANGE_TYPE = "_change_type";
    public static final String UPDATE_PREIMAGE = "update_preimage";

    private ChangeScope() {}

    /** No change, in the shape of a change feed of {@code rows}: for an input whose version did not move. */
    public static Dataset<Row> none(Dataset<Row> rows) {
        return rows.withColumn(CHANGE_TYPE, lit("insert")).limit(0);
    }

    /**
     * The track_ids to decide again, distinct: tracks with a changed row (before and after), the tracks of a
     * changed license and of every license sharing its license_id, the tracks of every user with a changed consent
     * event or sharing its event_id; and the time crossings in {@code (after, upTo]}: licenses that start or end,
     * consent events that become effective. A changed track is decided with its uploader's consents as they are
     * now, so the uploader's other tracks, whose rows and consents did not change, are not among them.
     *
     * @param changes per input, its change feed ({@link #CHANGE_TYPE} and the input's columns)
     * @param rows    per input, all its rows at this run's version
     */
    public static Dataset<Row> affectedTracks(Map<InputTable, Dataset<Row>> changes, Map<InputTable, Dataset<Row>> rows,
                                              Instant after, Instant upTo) {
        Dataset<Row> tracks = rows.get(InputTable.TRACKS);
        Dataset<Row> licenses = rows.get(InputTable.LICENSES);
        Dataset<Row> consents = rows.get(InputTable.CONSENTS);
        Dataset<Row> changedTracks = changes.get(InputTable.TRACKS);
        Dataset<Row> changedLicenses = changes.get(InputTable.LICENSES);
        Dataset<Row> changedConsents = changes.get(InputTable.CONSENTS);

        Dataset<Row> trackIds = changedTracks.select(TRACK_ID)
                .union(changedLicenses.select(TRACK_ID))
                .union(licenses.join(changedKeys(InputTable.LICENSES, changedLicenses), LICENSE_ID, "left_semi")
                        .select(TRACK_ID))
                .union(licenses.filter(within(col(VALID_FROM), after, upTo).or(within(col(VALID_TO), after, upTo)))
                        .select(TRACK_ID));
        Dataset<Row> userIds = changedConsents.select(USER_ID)
                .union(consents.join(changedKeys(InputTable.CONSENTS, changedConsents), EVENT_ID, "left_semi")
                        .select(USER_ID))
                .union(consents.filter(within(col(EVENT_TS), after, upTo)).select(USER_ID))
                .distinct();
        Dataset<Row> tracksOfUsers = tracks.join(userIds, tracks.col(UPLOADER_ID).equalTo(userIds.col(USER_ID)),
                "left_semi").select(TRACK_ID);
        return trackIds.union(tracksOfUsers).filter(col(TRACK_ID).isNotNull()).distinct();
    }

    /**
     * The rows that decide the tracks of {@code affected} (one column, track_id): their track rows, their license
     * rows, and every consent event of their uploaders.
     */
    public static Map<InputTable, Dataset<Row>> decidingRows(Dataset<Row> affected, Map<InputTable, Dataset<Row>> rows) {
        Dataset<Row> tracks = rows.get(InputTable.TRACKS).join(affected, TRACK_ID, "left_semi");
        Dataset<Row> uploaders = tracks.select(col(UPLOADER_ID).as(USER_ID)).distinct();
        Map<InputTable, Dataset<Row>> deciding = new EnumMap<>(InputTable.class);
        deciding.put(InputTable.TRACKS, tracks);
        deciding.put(InputTable.LICENSES, rows.get(InputTable.LICENSES).join(affected, TRACK_ID, "left_semi"));
        deciding.put(InputTable.CONSENTS, rows.get(InputTable.CONSENTS).join(uploaders, USER_ID, "left_semi"));
        return deciding;
    }

    /** The distinct keys of the changed rows of {@code table}, before and after, null and blank ones included. */
    public static Dataset<Row> changedKeys(InputTable table, Dataset<Row> changes) {
        return changes.select(table.keyColumn()).distinct();
    }

    /** The rows of {@code table} whose key is one of {@code keys}, compared null-safe: a null key is a key too. */
    public static Dataset<Row> withKeys(InputTable table, Dataset<Row> rows, Dataset<Row> keys) {
        String key = table.keyColumn();
        Dataset<Row> k = keys.select(col(key).as("_key"));
        return rows.join(k, rows.col(key).eqNullSafe(k.col("_key")), "left_semi");
    }

    /** The rows of {@code table} whose key is not one of {@code keys} (null-safe), the key read by {@code keyOf}. */
    public static Dataset<Row> withoutKeys(Dataset<Row> rows, Column keyOf, Dataset<Row> keys, InputTable table) {
        Dataset<Row> k = keys.select(col(table.keyColumn()).as("_key"));
        return rows.join(k, keyOf.eqNullSafe(k.col("_key")), "left_anti");
    }

    private static Column within(Column instant, Instant after, Instant upTo) {
        return instant.gt(lit(Timestamp.from(after))).and(instant.leq(lit(Timestamp.from(upTo))));
    }
}
