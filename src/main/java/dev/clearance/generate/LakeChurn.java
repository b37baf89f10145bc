package dev.clearance.generate;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.clearance.catalog.InputTable;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * One day of change to a catalog lake, as a platform sees it: metadata edits (some adding a no-AI tag or a DMI
 * reservation), take-downs, tracks made private, uploader transfers, removals, new uploads with their licences (a
 * few reusing an existing id, which makes both rows invalid), label licences starting and licences expiring during
 * the day, consent events of the day and late ones back-dated a month.
 *
 * <p>Pure: the changes are conditions, assignments and rows built from the tables as they stand; the caller commits
 * them. A row's fate is a hash of (seed, change number, its key), so the same lake, day and change number always
 * give the same changes, and {@code fraction} of the tracks is touched in all.
 */
public final class LakeChurn {
    /** Of the churned tracks, the bands of the hash that select each kind of change (upper bounds, in order). */
    private static final double EDIT = 0.25;
    private static final double NO_AI_TAG = 0.35;
    private static final double TAKE_DOWN = 0.45;
    private static final double MADE_PRIVATE = 0.50;
    private static final double TRANSFER = 0.55;
    private static final double REMOVAL = 0.65;
    /** [REMOVAL, 1): a track that is the template of a new upload by the same account. */
    private static final double DUPLICATE_UPLOAD_SHARE = 0.01;
    /** Of the licences, per churned share: expiring during the day, and copied as a label deal starting in it. */
    private static final double EXPIRING = 0.10;
    private static final double STARTING = 0.05;
    /** Of the accounts, per churned share: an event during the day, and one back-dated by a month. */
    private static final double CONSENTING_TODAY = 2.0;
    private static final double CONSENTING_LATE = 0.5;
    private static final Duration LATE_BY = Duration.ofDays(30);
    private static final double OPT_OUT_SHARE = 0.6;
    private static final double UNKNOWN_PURPOSE_SHARE = 0.005;
    private static final String[] EVENT_PURPOSES = {"generative_training", "*", "recommendation", "Generative-Training"};
    private static final int TOP_ACCOUNTS = 50;
    private static final long MILLION = 1_000_000L;
    private static final long DAY_SECONDS = 86_400L;

    /**
     * @param end      the end of the day of change: events and licence boundaries fall in the 24 hours before it
     * @param fraction the share of tracks changed, in (0, 1]
     */
    public record Day(Instant end, double fraction, long seed) {
        public Day {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("the churn must be in (0, 1], got " + fraction);
            }
        }
    }

    /** What to commit to each table: an UPDATE (condition and assignments), a DELETE, and rows to append. */
    public record Changes(Column tracksUpdated, Map<String, Column> trackAssignments, Column tracksRemoved,
                          Dataset<Row> newTracks, Column licensesExpiring, Map<String, Column> licenseAssignments,
                          Dataset<Row> newLicenses, Dataset<Row> newConsents) {}

    private final Day day;
    private final long change;

    /** @param change a number no earlier churn of this lake used (the tracks table's version): it makes new keys unique */
    public LakeChurn(Day day, long change) {
        this.day = day;
        this.change = change;
    }

    public Changes plan(LakeGenerator.Lake lake) {
        Column u = unit("track", col(TRACK_ID));
        Map<String, Column> tracks = new LinkedHashMap<>();
        tracks.put(TITLE, when(band(u, 0, EDIT), concat(coalesce(col(TITLE), lit("Untitled")), lit(" (Remastered)")))
                .otherwise(col(TITLE)));
        tracks.put(EMBEDDED_DMI, when(band(u, 0, EDIT).and(unit("dmi", col(TRACK_ID)).lt(1.0 / 3)),
                lit("DMI-PROHIBITED-AIMLTRAINING")).otherwise(col(EMBEDDED_DMI)));
        tracks.put(TAGS, when(band(u, EDIT, NO_AI_TAG), concat(coalesce(col(TAGS), array()), array(lit("NoAI"))))
                .otherwise(col(TAGS)));
        tracks.put(STATE, when(band(u, NO_AI_TAG, TAKE_DOWN), lit("TAKEN_DOWN"))
                .when(band(u, TAKE_DOWN, MADE_PRIVATE), lit("PRIVATE")).otherwise(col(STATE)));
        Column topAccount = concat(lit("u"), lpad(pmod(xxhash64(lit(day.seed()), lit(change), col(TRACK_ID)),
                lit(TOP_ACCOUNTS - 1)).plus(1).cast(DataTypes.StringType), 7, "0"));
        tracks.put(UPLOADER_ID, when(band(u, MADE_PRIVATE, TRANSFER), topAccount).otherwise(col(UPLOADER_ID)));

        Dataset<Row> templates = lake.tracks().filter(band(u, REMOVAL, 1.0).and(col(TRACK_ID).isNotNull()));
        Column duplicate = unit("duplicate", col(TRACK_ID)).lt(DUPLICATE_UPLOAD_SHARE);
        Column uploaded = during("uploaded", col(TRACK_ID));
        Dataset<Row> newTracks = LakeGenerator.conform(templates
                .withColumn(TRACK_ID, when(duplicate, col(TRACK_ID)).otherwise(newKey(col(TRACK_ID))))
                .withColumn(AUDIO_URI, concat(lit("s3://catalog-audio/uploads/"), col(TRACK_ID), lit(".flac")))
                .withColumn(UPLOADED_AT, uploaded), InputTable.TRACKS);

        Column l = unit("license", col(LICENSE_ID));
        // Only a licence in force all day long expires during it: its valid_to stays after its valid_from.
        Column licensesExpiring = l.lt(EXPIRING * day.fraction())
                .and(col(VALID_TO).isNull().or(col(VALID_TO).gt(lit(Timestamp.from(day.end())))))
                .and(col(VALID_FROM).isNull().or(col(VALID_FROM).lt(lit(Timestamp.from(day.end().minusSeconds(DAY_SECONDS))))));
        Map<String, Column> licenses = Map.of(VALID_TO, during("expires", col(LICENSE_ID)));
        Dataset<Row> uploadLicenses = lake.licenses().join(templates.filter(duplicate.unary_$bang())
                        .select(col(TRACK_ID).as("template_id")), col(TRACK_ID).equalTo(col("template_id")), "left_semi")
                .withColumn(LICENSE_ID, newKey(col(LICENSE_ID)))
                .withColumn(TRACK_ID, newKey(col(TRACK_ID)))
                .withColumn(VALID_FROM, during("uploaded", col(TRACK_ID)))
                .withColumn(VALID_TO, lit(null));
        Dataset<Row> labelDeals = lake.licenses()
                .filter(l.geq(EXPIRING * day.fraction()).and(l.lt((EXPIRING + STARTING) * day.fraction()))
                        .and(col(LICENSE_ID).isNotNull()).and(col(TRACK_ID).isNotNull()))
                .withColumn(LICENSE_ID, concat(col(LICENSE_ID), lit("d" + change)))
                .withColumn(LICENSOR_TYPE, lit("MAJOR_LABEL"))
                .withColumn(LICENSOR_NAME, lit("Sony Music"))
                .withColumn(PROHIBITED_PURPOSES, lit(null))
                .withColumn(VALID_FROM, during("deal", col(LICENSE_ID)))
                .withColumn(VALID_TO, lit(null));
        Dataset<Row> newLicenses = LakeGenerator.conform(uploadLicenses, InputTable.LICENSES)
                .unionByName(LakeGenerator.conform(labelDeals, InputTable.LICENSES));

        return new Changes(band(u, 0, TRANSFER), tracks, band(u, TRANSFER, REMOVAL), newTracks, licensesExpiring,
                licenses, newLicenses, consents(lake.tracks()));
    }

    /** An event today for some accounts, a late one (dated a month back, arriving today) for others. */
    private Dataset<Row> consents(Dataset<Row> tracks) {
        Column user = col(USER_ID);
        Column a = unit("account", user);
        Column today = a.lt(CONSENTING_TODAY * day.fraction());
        Column late = a.geq(CONSENTING_TODAY * day.fraction())
                .and(a.lt((CONSENTING_TODAY + CONSENTING_LATE) * day.fraction()));
        Column purpose = element_at(lit(EVENT_PURPOSES), pmod(xxhash64(lit(day.seed()), lit(change), lit("purpose"),
                user), lit(EVENT_PURPOSES.length)).plus(1).cast("int"));
        Column ts = during("event", user);
        Dataset<Row> events = tracks.select(col(UPLOADER_ID).as(USER_ID)).filter(user.isNotNull()).distinct()
                .filter(today.or(late))
                .select(concat(lit("e"), user, lit("c" + change)).as(EVENT_ID), user,
                        when(unit("bad_purpose", user).lt(UNKNOWN_PURPOSE_SHARE), lit("telepathy"))
                                .otherwise(purpose).as(PURPOSE),
                        when(unit("opt_out", user).lt(OPT_OUT_SHARE), lit("OPT_OUT")).otherwise(lit("OPT_IN")).as(ACTION),
                        when(late, timestamp_seconds(ts.cast("long").minus(LATE_BY.toSeconds()))).otherwise(ts)
                                .as(EVENT_TS),
                        lit("settings_page").as(SOURCE));
        return LakeGenerator.conform(events, InputTable.CONSENTS);
    }

    /** Uniform in [0, 1) from (seed, change, salt, key). */
    private Column unit(String salt, Column key) {
        return pmod(xxhash64(lit(day.seed()), lit(change), lit(salt), key), lit(MILLION)).divide((double) MILLION);
    }

    /** The hash {@code u} in [from, until) times the churned share. */
    private Column band(Column u, double from, double until) {
        return u.geq(from * day.fraction()).and(u.lt(until * day.fraction()));
    }

    /** A whole-second instant in the 24 hours before the day's end. */
    private Column during(String salt, Column key) {
        Column offset = pmod(xxhash64(lit(day.seed()), lit(change), lit(salt), key), lit(DAY_SECONDS));
        return timestamp_seconds(lit(day.end().getEpochSecond() - DAY_SECONDS).plus(offset));
    }

    private Column newKey(Column key) {
        return concat(key, lit("n" + change));
    }
}
