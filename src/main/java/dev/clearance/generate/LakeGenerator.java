package dev.clearance.generate;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.clearance.catalog.InputTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * A synthetic but realistic catalog lake (tracks, licenses, consents) for demos, tests and benchmarks.
 *
 * <p>Everything is built distributed from {@code spark.range}: every value is a pure function of
 * {@code (seed, salt, row id)} through {@code xxhash64}, so the same {@code (tracks, seed)} gives the same
 * rows however Spark partitions the work, and nothing is collected or looped over on the driver.
 *
 * <p>Dates are fixed, not relative to "now": the past is 2021-01-01..2026-10-31, the future 2027..2030.
 *
 * <p>Malformed rows (every kind the contract's §3.1 quarantines) make up about {@value #INVALID_SHARE} of
 * each table. They are not random but scheduled: every k-th track, license-holding track or consenting
 * account (the offset depends on the seed) carries exactly one defect, and the kinds take turns, so the
 * invalid share is nearly exact at any size and every kind occurs. A duplicate key is planted in place:
 * the defective row repeats its neighbour's key (the previous track's id; the first license or consent
 * event of the same track or account), making both rows invalid.
 *
 * <p>The tracks table has exactly {@code tracks} rows, duplicate-key rows included: a duplicate replaces
 * a track rather than adding one, so a few track ids ({@code t%09d} of the row number) are missing.
 */
public final class LakeGenerator {

    /** The three tables, each with exactly the schema of its {@link InputTable}. */
    public record Lake(Dataset<Row> tracks, Dataset<Row> licenses, Dataset<Row> consents) {}

    /** Track ids have nine digits. */
    public static final long MAX_TRACKS = 999_999_999L;

    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType);

    // ---- reference dates (epoch seconds) ----
    private static final long PAST_START = epochSecond("2021-01-01T00:00:00Z");
    private static final long PAST_END = epochSecond("2026-11-01T00:00:00Z");
    private static final long FUTURE_START = epochSecond("2027-01-01T00:00:00Z");
    private static final long FUTURE_END = epochSecond("2031-01-01T00:00:00Z");
    private static final long DAY = 86_400L;

    // ---- malformed rows ----
    /** Target share of invalid rows per table; the job's default limit is 0.01. */
    static final double INVALID_SHARE = 0.005;

    /** The §3.1 quarantine reasons, each planted by at least one table. */
    enum Defect { BLANK_KEY, BLANK_REFERENCE, UNKNOWN_ENUM, NULL_TIMESTAMP, BAD_INTERVAL, UNKNOWN_PURPOSE, DUPLICATE_KEY }

    private static final List<Defect> TRACK_DEFECTS =
            List.of(Defect.BLANK_KEY, Defect.BLANK_REFERENCE, Defect.UNKNOWN_ENUM, Defect.DUPLICATE_KEY);
    private static final List<Defect> LICENSE_DEFECTS = List.of(Defect.BLANK_KEY, Defect.BLANK_REFERENCE,
            Defect.UNKNOWN_ENUM, Defect.BAD_INTERVAL, Defect.UNKNOWN_PURPOSE, Defect.DUPLICATE_KEY);
    private static final List<Defect> CONSENT_DEFECTS = List.of(Defect.BLANK_KEY, Defect.BLANK_REFERENCE,
            Defect.UNKNOWN_ENUM, Defect.NULL_TIMESTAMP, Defect.UNKNOWN_PURPOSE, Defect.DUPLICATE_KEY);

    // ---- uploaders ----
    /** Account 0 is one very big account (a label or distributor) with this share of all tracks. */
    private static final double BIG_ACCOUNT_SHARE = 0.01;
    /** Accounts 0..49 together own this share; the rest is spread over about tracks / 20 accounts. */
    private static final int TOP_ACCOUNTS = 50;
    private static final double TOP_ACCOUNTS_SHARE = 0.20;
    private static final int TRACKS_PER_TAIL_ACCOUNT = 20;

    // ---- tracks ----
    private static final List<Choice> STATES = List.of(
            Choice.of("ACTIVE", 0.85), Choice.of("PRIVATE", 0.07), Choice.of("TAKEN_DOWN", 0.03),
            Choice.of("DELETED", 0.03), Choice.of(" active", 0.005), Choice.of("Private", 0.005),
            Choice.of("taken_down", 0.004), Choice.of("DELETED ", 0.003), Choice.of("Active", 0.003));
    private static final List<String> BAD_STATES = Arrays.asList("ARCHIVED", "PENDING_REVIEW", null);
    private static final double UNTAGGED_SHARE = 0.40;
    private static final double NO_AI_TAG_SHARE = 0.08;
    private static final double EMPTY_TAGS_SHARE = 0.01;
    private static final double NULL_TAG_ELEMENT_SHARE = 0.005;
    private static final int MAX_TAGS = 4;
    private static final List<String> ORDINARY_TAGS = List.of("chill", "lofi", "beats", "summer", "remix", "live",
            "acoustic", "instrumental", "vocals", "dance", "study", "workout", "indie", "underground", "original",
            "cover", "collab", "demo", "bass", "night drive",
            // near misses: they must not count as no-AI tags
            "ai generated", "ai-assisted", "no autotune", "train songs");
    /** Tag sets are prefixes of fixed shuffles of the ordinary tags: distinct tags without per-row sorting. */
    private static final int TAG_SHUFFLES = 256;
    private static final List<String> NO_AI_TAGS = List.of("noai", "NoAI", "No AI", "#NoAI", "no-ai", "no_ai",
            "no-ai-training", "NoAITraining", "noaitraining", "DoNotTrain", "do-not-train", "#donottrain");
    private static final double NO_DMI_SHARE = 0.70;
    private static final double BLANK_DMI_SHARE = 0.01;
    private static final String DMI_URI_PREFIX = "http://ns.useplus.org/ldf/vocab/";
    private static final List<Choice> DMI_VALUES = List.of(
            Choice.of("DMI-UNSPECIFIED", 0.25), Choice.of("DMI-ALLOWED", 0.20),
            Choice.of("DMI-PROHIBITED-AIMLTRAINING", 0.12), Choice.of("DMI-PROHIBITED-GENAIMLTRAINING", 0.20),
            Choice.of("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", 0.05), Choice.of("DMI-PROHIBITED", 0.10),
            Choice.of("DMI-PROHIBITED-SEECONSTRAINT", 0.03), Choice.of("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", 0.02),
            Choice.of("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", 0.02), Choice.of("DMI-PROHIBITED-EVERYTHING", 0.01));
    /** How a present DMI value is spelled: as is, as the full vocabulary URI, lower-cased, space-padded. */
    private static final double DMI_AS_URI = 0.25;
    private static final double DMI_LOWER = 0.10;
    private static final double DMI_PADDED = 0.05;
    private static final List<String> TITLE_WORDS_1 = List.of("Midnight", "Golden", "Broken", "Electric", "Silent",
            "Neon", "Wild", "Lost", "Velvet", "Paper", "Crystal", "Burning", "Distant", "Hollow", "Summer", "Blue");
    private static final List<String> TITLE_WORDS_2 = List.of("Heart", "City", "River", "Dreams", "Lights", "Road",
            "Echoes", "Sky", "Fire", "Waves", "Garden", "Signal", "Shadows", "Horizon", "Rain", "Machine");
    private static final List<String> TITLE_SUFFIXES = List.of(" (Remix)", " (Live)", " (Acoustic)", " (Demo)",
            " - Radio Edit", " (feat. Mara)");
    private static final double TITLE_SUFFIX_SHARE = 0.10;
    private static final List<String> GENRES = List.of("pop", "rock", "hip-hop", "electronic", "house", "techno",
            "ambient", "jazz", "classical", "folk", "r&b", "metal", "indie", "lo-fi", "country", "reggae",
            "soundtrack", "experimental");
    private static final List<String> AUDIO_FORMATS = List.of("mp3", "flac", "wav");
    private static final long MIN_DURATION_MS = 90_000L;
    private static final long MAX_DURATION_MS = 420_000L;
    /** Share of each nullable descriptive column (title, genre, duration, audio, uploaded_at) left null. */
    private static final double MISSING_SHARE = 0.01;

    // ---- licenses ----
    /** Weight of each license count 0..3 per track: most tracks have one. */
    private static final double[] LICENSE_COUNT_WEIGHTS = {0.10, 0.70, 0.15, 0.05};
    private static final int MAX_LICENSES = LICENSE_COUNT_WEIGHTS.length - 1;
    private static final List<Choice> LICENSOR_TYPES = List.of(
            Choice.of("SELF", 0.60), Choice.of("MAJOR_LABEL", 0.10), Choice.of("INDEPENDENT_LABEL", 0.12),
            Choice.of("DISTRIBUTOR", 0.10), Choice.of("CREATIVE_COMMONS", 0.06), Choice.of("PUBLIC_DOMAIN", 0.02));
    private static final double LICENSOR_TYPE_LOWER = 0.015;
    private static final double LICENSOR_TYPE_PADDED = 0.01;
    private static final List<String> BAD_LICENSOR_TYPES = Arrays.asList("MAJOR", "LABEL_SERVICES", null);
    private static final List<String> MAJOR_LABELS =
            List.of("Universal Music Group", "Sony Music", "Warner Music Group");
    private static final List<String> INDEPENDENT_LABELS = List.of("Sub Pop", "Domino Recording Co.",
            "XL Recordings", "Warp Records", "Merge Records", "Ninja Tune", "Rough Trade", "Beggars Group");
    private static final List<String> DISTRIBUTORS =
            List.of("DistroKid", "TuneCore", "CD Baby", "AWAL", "Ditto Music", "Amuse");
    private static final List<String> CC_LICENSES =
            List.of("CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC BY-NC-ND 4.0");
    private static final double NULL_LICENSOR_NAME_SHARE = 0.03;
    private static final List<Choice> PROHIBITIONS = List.of(
            Choice.of(null, 0.86), Choice.of(List.of("generative_training"), 0.06), Choice.of(List.of("*"), 0.02),
            Choice.of(List.of("Generative-Training"), 0.02), Choice.of(List.of("fraud detection"), 0.01),
            Choice.of(List.of("recommendation", "generative_training"), 0.01), Choice.of(List.of(), 0.02));
    private static final List<List<String>> BAD_PROHIBITIONS = List.of(
            List.of("telepathy"), List.of("Generative Training", "voice cloning"), List.of("marketing_email"));
    /** Validity windows: open, started, started and ending in the future, expired, starting in the future. */
    private static final double WINDOW_OPEN = 0.70;
    private static final double WINDOW_STARTED = 0.12;
    private static final double WINDOW_RUNNING = 0.06;
    private static final double WINDOW_EXPIRED = 0.08;

    // ---- consents ----
    private static final double CONSENTING_ACCOUNT_SHARE = 0.60;
    /** Weight of each event count 0..4 of a consenting account. */
    private static final double[] CONSENT_EVENT_COUNT_WEIGHTS = {0, 0.40, 0.30, 0.20, 0.10};
    private static final int MAX_CONSENT_EVENTS = CONSENT_EVENT_COUNT_WEIGHTS.length - 1;
    private static final List<Choice> PURPOSES = List.of(
            Choice.of("generative_training", 0.30), Choice.of("Generative-Training", 0.03),
            Choice.of("generative training", 0.02), Choice.of("recommendation", 0.17),
            Choice.of(" Recommendation", 0.02), Choice.of("fraud_detection", 0.08), Choice.of("Fraud-Detection", 0.02),
            Choice.of("*", 0.20), Choice.of("marketing_email", 0.14), Choice.of("Marketing-Email", 0.02));
    private static final List<String> BAD_PURPOSES = Arrays.asList("telepathy", "voice cloning", null);
    private static final double OPT_OUT_SHARE = 0.40;
    private static final double ODD_ACTION_SPELLING = 0.03;
    private static final List<String> BAD_ACTIONS = Arrays.asList("MAYBE", "OPTOUT", null);
    private static final double FUTURE_EVENT_SHARE = 0.02;
    /** Share of accounts with 2+ events whose second event ties the first: same second, opposite action. */
    private static final double TIED_EVENTS_SHARE = 0.05;
    private static final List<Choice> SOURCES = List.of(
            Choice.of("settings_page", 0.50), Choice.of("api", 0.25), Choice.of("support", 0.10), Choice.of(null, 0.15));

    private static final List<String> BLANKS = Arrays.asList(null, "", "  ");

    private LakeGenerator() {}

    /**
     * Deterministic: same (tracks, seed) = same rows. Pure: builds DataFrames, writes nothing.
     *
     * @param tracks the exact number of rows of the tracks table (its invalid rows included)
     */
    public static Lake generate(SparkSession spark, long tracks, long seed) {
        if (tracks < 1 || tracks > MAX_TRACKS) {
            throw new IllegalArgumentException("tracks must be in 1.." + MAX_TRACKS + ", got " + tracks);
        }
        Dice dice = new Dice(seed);
        long accounts = TOP_ACCOUNTS + Math.max(1, tracks / TRACKS_PER_TAIL_ACCOUNT);
        return new Lake(
                conform(tracks(spark, dice, tracks, accounts), InputTable.TRACKS),
                conform(licenses(spark, dice, tracks, accounts), InputTable.LICENSES),
                conform(consents(spark, dice, accounts), InputTable.CONSENTS));
    }

    // =====================================================================================================
    // tracks
    // =====================================================================================================

    private static Dataset<Row> tracks(SparkSession spark, Dice dice, long count, long accounts) {
        Column id = col("id");
        Defects defects = Defects.schedule(dice, "tracks", TRACK_DEFECTS, 1.0, id);
        return spark.range(count).select(
                trackId(dice, id, defects).as(TRACK_ID),
                uploaderId(dice, id, defects, accounts).as(UPLOADER_ID),
                orNull(dice, "title_missing", title(dice, id), id).as(TITLE),
                orNull(dice, "genre_missing", dice.pick("genre", GENRES, id), id).as(GENRE),
                orNull(dice, "duration_missing", duration(dice, id), id).as(DURATION_MS),
                orNull(dice, "audio_missing", audioUri(dice, id), id).as(AUDIO_URI),
                tags(dice, id).as(TAGS),
                state(dice, id, defects).as(STATE),
                embeddedDmi(dice, id).as(EMBEDDED_DMI),
                orNull(dice, "uploaded_missing", dice.instant("uploaded_at", PAST_START, PAST_END, id), id)
                        .as(UPLOADED_AT));
    }

    private static Column trackKey(Column trackIndex) {
        return key("t", 9, trackIndex);
    }

    private static Column trackId(Dice dice, Column id, Defects defects) {
        return when(defects.is(Defect.BLANK_KEY), dice.pick("track_blank_key", BLANKS, id))
                .when(defects.is(Defect.DUPLICATE_KEY), trackKey(id.minus(1)))
                .otherwise(trackKey(id));
    }

    private static Column accountKey(Column accountIndex) {
        return key("u", 7, accountIndex);
    }

    /** Skewed: account 0 gets 1% of tracks, accounts 1..49 share 19%, the rest are spread evenly. */
    private static Column uploaderIndex(Dice dice, Column trackIndex, long accounts) {
        Column u = dice.unit("uploader", trackIndex);
        return when(u.lt(BIG_ACCOUNT_SHARE), lit(0L))
                .when(u.lt(TOP_ACCOUNTS_SHARE), dice.index("uploader_top", TOP_ACCOUNTS - 1, trackIndex).plus(1))
                .otherwise(dice.index("uploader_tail", accounts - TOP_ACCOUNTS, trackIndex).plus(TOP_ACCOUNTS));
    }

    private static Column uploaderId(Dice dice, Column id, Defects defects, long accounts) {
        return when(defects.is(Defect.BLANK_REFERENCE), dice.pick("track_blank_uploader", BLANKS, id))
                .otherwise(accountKey(uploaderIndex(dice, id, accounts)));
    }

    private static Column title(Dice dice, Column id) {
        Column base = concat(dice.pick("title_1", TITLE_WORDS_1, id), lit(" "), dice.pick("title_2", TITLE_WORDS_2, id));
        return when(dice.unit("title_suffix", id).lt(TITLE_SUFFIX_SHARE),
                concat(base, dice.pick("title_suffix_value", TITLE_SUFFIXES, id)))
                .otherwise(base);
    }

    private static Column duration(Dice dice, Column id) {
        return dice.index("duration", MAX_DURATION_MS - MIN_DURATION_MS, id).plus(MIN_DURATION_MS);
    }

    private static Column audioUri(Dice dice, Column id) {
        return concat(lit("s3://catalog-audio/tracks/"), trackKey(id), lit("."), dice.pick("audio_format", AUDIO_FORMATS, id));
    }

    private static Column state(Dice dice, Column id, Defects defects) {
        return when(defects.is(Defect.UNKNOWN_ENUM), dice.pick("track_bad_state", BAD_STATES, id))
                .otherwise(dice.weighted("state", STATES, id));
    }

    /**
     * Null for 40% of tracks; otherwise 1-4 distinct ordinary tags, with a no-AI tag (in one of many
     * spellings, first or last) on 8% of all tracks, and a rare empty array or null element.
     */
    private static Column tags(Dice dice, Column id) {
        Column size = dice.index("tag_count", MAX_TAGS, id).plus(1);
        Column ordinary = slice(dice.pick("tag_set", tagShuffles(), id), lit(1), size);
        Column noAiTag = array(dice.pick("no_ai_tag", NO_AI_TAGS, id));
        Column withNoAi = when(dice.unit("no_ai_first", id).lt(0.5),
                concat(noAiTag, slice(ordinary, lit(1), size.minus(1))))
                .otherwise(concat(slice(ordinary, lit(1), size.minus(1)), noAiTag));
        Column u = dice.unit("tags", id);
        double tagged = 1.0 - UNTAGGED_SHARE;
        Column tags = when(u.lt(NO_AI_TAG_SHARE / tagged), withNoAi)
                .when(u.lt(NO_AI_TAG_SHARE / tagged + EMPTY_TAGS_SHARE), array().cast(STRINGS))
                .otherwise(ordinary);
        Column withNullElement = when(dice.unit("tags_null_element", id).lt(NULL_TAG_ELEMENT_SHARE),
                concat(tags, array(lit(null).cast(DataTypes.StringType))))
                .otherwise(tags);
        return when(dice.unit("untagged", id).lt(UNTAGGED_SHARE), lit(null).cast(STRINGS))
                .otherwise(withNullElement);
    }

    /** TAG_SHUFFLES fixed permutations of ORDINARY_TAGS (a fixed java.util.Random: same for every seed). */
    private static Column[] tagShuffles() {
        Random random = new Random(TAG_SHUFFLES);
        Column[] shuffles = new Column[TAG_SHUFFLES];
        for (int i = 0; i < TAG_SHUFFLES; i++) {
            List<String> tags = new ArrayList<>(ORDINARY_TAGS);
            Collections.shuffle(tags, random);
            shuffles[i] = stringArray(tags.subList(0, MAX_TAGS));
        }
        return shuffles;
    }

    private static Column embeddedDmi(Dice dice, Column id) {
        Column value = dice.weighted("dmi", DMI_VALUES, id);
        Column u = dice.unit("dmi_spelling", id);
        Column spelled = when(u.lt(DMI_AS_URI), concat(lit(DMI_URI_PREFIX), value))
                .when(u.lt(DMI_AS_URI + DMI_LOWER), lower(value))
                .when(u.lt(DMI_AS_URI + DMI_LOWER + DMI_PADDED), concat(lit(" "), value, lit(" ")))
                .otherwise(value);
        Column present = dice.unit("dmi_present", id);
        return when(present.lt(NO_DMI_SHARE), lit(null).cast(DataTypes.StringType))
                .when(present.lt(NO_DMI_SHARE + BLANK_DMI_SHARE), lit(" "))
                .otherwise(spelled);
    }

    // =====================================================================================================
    // licenses: rows (track, slot) for slot < the track's license count
    // =====================================================================================================

    private static Dataset<Row> licenses(SparkSession spark, Dice dice, long tracks, long accounts) {
        Column track = col("track");
        Column slot = col("slot");
        Defects defects = Defects.schedule(dice, "licenses", LICENSE_DEFECTS, mean(LICENSE_COUNT_WEIGHTS), track);
        Column count = dice.count("license_count", LICENSE_COUNT_WEIGHTS, track);
        // a scheduled defect lives in slot 1, so that a duplicate can repeat slot 0's key
        Column countWithDefect = when(defects.selected(), greatest(count, lit(2))).otherwise(count);
        Column type = dice.weighted("licensor_type", LICENSOR_TYPES, track, slot);
        Column window = dice.unit("license_window", track, slot);
        SlotDefects slotDefects = new SlotDefects(defects, slot);
        return spark.range(tracks * MAX_LICENSES)
                .select(floor(col("id").divide(MAX_LICENSES)).as("track"), pmod(col("id"), lit(MAX_LICENSES)).as("slot"))
                .where(slot.lt(countWithDefect))
                .select(track, slot, type.as("type"), window.as("window"),
                        validFrom(dice, track, slot, window, slotDefects).as("valid_from"))
                .select(licenseColumns(dice, track, slot, col("type"), col("window"), col("valid_from"),
                        slotDefects, accounts));
    }

    private static Column[] licenseColumns(Dice dice, Column track, Column slot, Column type, Column window,
                                           Column validFrom, SlotDefects defects, long accounts) {
        return new Column[] {
            licenseId(dice, track, slot, defects).as(LICENSE_ID),
            when(defects.is(Defect.BLANK_REFERENCE), dice.pick("license_blank_track", BLANKS, track))
                    .otherwise(trackKey(track)).as(TRACK_ID),
            licensorType(dice, track, slot, type, defects).as(LICENSOR_TYPE),
            licensorName(dice, track, slot, type, accounts).as(LICENSOR_NAME),
            prohibitedPurposes(dice, track, slot, defects).as(PROHIBITED_PURPOSES),
            validFrom.as(VALID_FROM),
            validTo(dice, track, slot, window, validFrom, defects).as(VALID_TO)
        };
    }

    private static Column licenseKey(Column track, Column slot) {
        return key("l", 10, track.multiply(MAX_LICENSES).plus(slot));
    }

    private static Column licenseId(Dice dice, Column track, Column slot, SlotDefects defects) {
        return when(defects.is(Defect.BLANK_KEY), dice.pick("license_blank_key", BLANKS, track))
                .when(defects.is(Defect.DUPLICATE_KEY), licenseKey(track, lit(0)))
                .otherwise(licenseKey(track, slot));
    }

    private static Column licensorType(Dice dice, Column track, Column slot, Column type, SlotDefects defects) {
        Column u = dice.unit("licensor_type_spelling", track, slot);
        return when(defects.is(Defect.UNKNOWN_ENUM), dice.pick("license_bad_type", BAD_LICENSOR_TYPES, track))
                .when(u.lt(LICENSOR_TYPE_LOWER), lower(type))
                .when(u.lt(LICENSOR_TYPE_LOWER + LICENSOR_TYPE_PADDED), concat(type, lit(" ")))
                .otherwise(type);
    }

    /** Self-licensed tracks name their uploader; labels, distributors and CC licences have real-looking names. */
    private static Column licensorName(Dice dice, Column track, Column slot, Column type, long accounts) {
        Column name = when(type.equalTo("SELF"), accountKey(uploaderIndex(dice, track, accounts)))
                .when(type.equalTo("MAJOR_LABEL"), dice.pick("major", MAJOR_LABELS, track, slot))
                .when(type.equalTo("INDEPENDENT_LABEL"), dice.pick("indie", INDEPENDENT_LABELS, track, slot))
                .when(type.equalTo("DISTRIBUTOR"), dice.pick("distributor", DISTRIBUTORS, track, slot))
                .when(type.equalTo("CREATIVE_COMMONS"), dice.pick("cc", CC_LICENSES, track, slot))
                .otherwise(lit("Public Domain"));
        return when(dice.unit("licensor_name_missing", track, slot).lt(NULL_LICENSOR_NAME_SHARE),
                lit(null).cast(DataTypes.StringType))
                .otherwise(name);
    }

    private static Column prohibitedPurposes(Dice dice, Column track, Column slot, SlotDefects defects) {
        Column[] bad = BAD_PROHIBITIONS.stream().map(LakeGenerator::stringArray).toArray(Column[]::new);
        return when(defects.is(Defect.UNKNOWN_PURPOSE), dice.pick("license_bad_purpose", bad, track))
                .otherwise(dice.weighted("prohibited", PROHIBITIONS, track, slot));
    }

    private static Column validFrom(Dice dice, Column track, Column slot, Column window, SlotDefects defects) {
        Column past = dice.instant("valid_from_past", PAST_START, PAST_END, track, slot);
        Column early = dice.instant("valid_from_early", PAST_START, epochSecond("2024-01-01T00:00:00Z"), track, slot);
        Column future = dice.instant("valid_from_future", FUTURE_START, FUTURE_END, track, slot);
        return when(defects.is(Defect.BAD_INTERVAL), past)
                .when(window.lt(WINDOW_OPEN), lit(null).cast(DataTypes.TimestampType))
                .when(window.lt(WINDOW_OPEN + WINDOW_STARTED + WINDOW_RUNNING), past)
                .when(window.lt(WINDOW_OPEN + WINDOW_STARTED + WINDOW_RUNNING + WINDOW_EXPIRED), early)
                .otherwise(future);
    }

    /**
     * Open-ended, ending in the future, expired (30 to 900 days after an early start, so before the end of
     * the past), or for a future start open-ended or ending a few years later. A BAD_INTERVAL defect ends
     * at or before its start.
     */
    private static Column validTo(Dice dice, Column track, Column slot, Column window, Column validFrom,
                                  SlotDefects defects) {
        Column length = dice.index("valid_length", 870 * DAY, track, slot).plus(30 * DAY);
        Column later = timestamp_seconds(validFrom.cast(DataTypes.LongType).plus(length));
        Column future = dice.instant("valid_to_future", FUTURE_START, FUTURE_END, track, slot);
        Column atOrBeforeStart = timestamp_seconds(
                validFrom.cast(DataTypes.LongType).minus(dice.index("bad_interval", 2, track).multiply(DAY)));
        double started = WINDOW_OPEN + WINDOW_STARTED;
        double running = started + WINDOW_RUNNING;
        double expired = running + WINDOW_EXPIRED;
        return when(defects.is(Defect.BAD_INTERVAL), atOrBeforeStart)
                .when(window.lt(started), lit(null).cast(DataTypes.TimestampType))
                .when(window.lt(running), future)
                .when(window.lt(expired), later)
                .when(dice.unit("future_open", track, slot).lt(0.5), lit(null).cast(DataTypes.TimestampType))
                .otherwise(later);
    }

    // =====================================================================================================
    // consents: rows (account, slot) for slot < the account's event count
    // =====================================================================================================

    private static Dataset<Row> consents(SparkSession spark, Dice dice, long accounts) {
        Column account = col("account");
        Column slot = col("slot");
        double eventsPerAccount = CONSENTING_ACCOUNT_SHARE * mean(CONSENT_EVENT_COUNT_WEIGHTS);
        Defects defects = Defects.schedule(dice, "consents", CONSENT_DEFECTS, eventsPerAccount, account);
        Column count = when(dice.unit("consenting", account).lt(CONSENTING_ACCOUNT_SHARE),
                dice.count("consent_count", CONSENT_EVENT_COUNT_WEIGHTS, account))
                .otherwise(lit(0));
        // a scheduled defect lives in slot 1, so that a duplicate can repeat slot 0's key
        Column countWithDefect = when(defects.selected(), greatest(count, lit(2))).otherwise(count);
        Column tied = slot.equalTo(1).and(not(defects.selected()))
                .and(dice.unit("tied", account).lt(TIED_EVENTS_SHARE));
        return spark.range(accounts * MAX_CONSENT_EVENTS)
                .select(floor(col("id").divide(MAX_CONSENT_EVENTS)).as("account"),
                        pmod(col("id"), lit(MAX_CONSENT_EVENTS)).as("slot"))
                .where(slot.lt(countWithDefect))
                .select(account, slot, tied.as("tied"))
                .select(consentColumns(dice, account, slot, col("tied"), new SlotDefects(defects, slot)));
    }

    /**
     * A tied event (slot 1) takes slot 0's purpose and timestamp and the opposite action: the same user opted
     * in and out in the same second.
     */
    private static Column[] consentColumns(Dice dice, Column account, Column slot, Column tied, SlotDefects defects) {
        Column choiceSlot = when(tied, lit(0L)).otherwise(slot);
        Column optOut = dice.unit("opt_out", account, choiceSlot).lt(OPT_OUT_SHARE);
        Column effectiveOptOut = when(tied, not(optOut)).otherwise(optOut);
        return new Column[] {
            when(defects.is(Defect.BLANK_KEY), dice.pick("consent_blank_key", BLANKS, account))
                    .when(defects.is(Defect.DUPLICATE_KEY), eventKey(account, lit(0)))
                    .otherwise(eventKey(account, slot)).as(EVENT_ID),
            when(defects.is(Defect.BLANK_REFERENCE), dice.pick("consent_blank_user", BLANKS, account))
                    .otherwise(accountKey(account)).as(USER_ID),
            when(defects.is(Defect.UNKNOWN_PURPOSE), dice.pick("consent_bad_purpose", BAD_PURPOSES, account))
                    .otherwise(dice.weighted("purpose", PURPOSES, account, choiceSlot)).as(PURPOSE),
            action(dice, account, slot, effectiveOptOut, defects).as(ACTION),
            eventTs(dice, account, choiceSlot, defects).as(EVENT_TS),
            dice.weighted("source", SOURCES, account, slot).as(SOURCE)
        };
    }

    private static Column eventKey(Column account, Column slot) {
        return key("e", 10, account.multiply(MAX_CONSENT_EVENTS).plus(slot));
    }

    private static Column action(Dice dice, Column account, Column slot, Column optOut, SlotDefects defects) {
        Column action = when(optOut, lit("OPT_OUT")).otherwise(lit("OPT_IN"));
        Column u = dice.unit("action_spelling", account, slot);
        return when(defects.is(Defect.UNKNOWN_ENUM), dice.pick("consent_bad_action", BAD_ACTIONS, account))
                .when(u.lt(ODD_ACTION_SPELLING / 3), lower(action))
                .when(u.lt(2 * ODD_ACTION_SPELLING / 3), concat(lit(" "), action))
                .when(u.lt(ODD_ACTION_SPELLING), when(optOut, lit("Opt_Out")).otherwise(lit("Opt_In")))
                .otherwise(action);
    }

    private static Column eventTs(Dice dice, Column account, Column choiceSlot, SlotDefects defects) {
        return when(defects.is(Defect.NULL_TIMESTAMP), lit(null).cast(DataTypes.TimestampType))
                .when(dice.unit("event_in_future", account, choiceSlot).lt(FUTURE_EVENT_SHARE),
                        dice.instant("event_future", FUTURE_START, FUTURE_END, account, choiceSlot))
                .otherwise(dice.instant("event_past", PAST_START, PAST_END, account, choiceSlot));
    }

    // =====================================================================================================
    // building blocks
    // =====================================================================================================

    /** Deterministic pseudo-randomness: a pure function of (seed, salt, keys), whatever the partitioning. */
    private record Dice(long seed) {
        Column hash(String salt, Column... keys) {
            return xxhash64(Stream.concat(Stream.of(lit(seed), lit(salt)), Stream.of(keys)).toArray(Column[]::new));
        }

        /** Uniform in [0, 1): the top 53 bits of the hash. */
        Column unit(String salt, Column... keys) {
            return shiftrightunsigned(hash(salt, keys), 11).cast(DataTypes.DoubleType).multiply(1.0 / (1L << 53));
        }

        /** Uniform in 0..n-1, as a bigint. */
        Column index(String salt, long n, Column... keys) {
            return pmod(hash(salt, keys), lit(n));
        }

        Column pick(String salt, List<String> values, Column... keys) {
            return pick(salt, values.stream().map(v -> lit(v).cast(DataTypes.StringType)).toArray(Column[]::new), keys);
        }

        /** One of the values, uniformly. */
        Column pick(String salt, Column[] values, Column... keys) {
            return element_at(array(values), index(salt, values.length, keys).plus(1).cast(DataTypes.IntegerType));
        }

        /** One of the choices, with probability proportional to its weight. */
        Column weighted(String salt, List<Choice> choices, Column... keys) {
            double total = choices.stream().mapToDouble(Choice::weight).sum();
            Column u = unit(salt, keys);
            Column result = null;
            double cumulative = 0;
            for (Choice choice : choices.subList(0, choices.size() - 1)) {
                cumulative += choice.weight() / total;
                result = result == null ? when(u.lt(cumulative), choice.value())
                        : result.when(u.lt(cumulative), choice.value());
            }
            Column last = choices.get(choices.size() - 1).value();
            return result == null ? last : result.otherwise(last);
        }

        /** A count 0..weights.length-1 (an int), with probability weights[count]. */
        Column count(String salt, double[] weights, Column... keys) {
            List<Choice> choices = IntStream.range(0, weights.length)
                    .mapToObj(i -> Choice.of(i, weights[i])).toList();
            return weighted(salt, choices, keys);
        }

        /** A timestamp uniform in [from, until), whole seconds. */
        Column instant(String salt, long from, long until, Column... keys) {
            return timestamp_seconds(index(salt, until - from, keys).plus(from));
        }
    }

    /** A value and its weight; the value is a string, an int, a list of strings (an array) or null. */
    private record Choice(Column value, double weight) {
        static Choice of(Object value, double weight) {
            Column column;
            if (value == null) {
                column = lit(null); // an untyped null takes the type of the other choices
            } else if (value instanceof List<?> list) {
                column = stringArray(list);
            } else {
                column = lit(value);
            }
            return new Choice(column, weight);
        }
    }

    private static Column stringArray(List<?> values) {
        Column[] elements = values.stream().map(v -> lit(v).cast(DataTypes.StringType)).toArray(Column[]::new);
        return array(elements).cast(STRINGS);
    }

    /** The mean count of weights indexed by count (weights summing to 1). */
    private static double mean(double[] countWeights) {
        return IntStream.range(0, countWeights.length).mapToDouble(i -> i * countWeights[i]).sum();
    }

    /**
     * Which entities (tracks, license-holding tracks, accounts) carry a defect, and which. Every period-th
     * entity from entity 1 on, shifted by a seed-dependent offset, is selected; the kinds take turns. The
     * period makes the invalid rows (a duplicate invalidates two) {@link #INVALID_SHARE} of the table.
     */
    private record Defects(Column selected, Column kind, List<Defect> kinds) {
        static Defects schedule(Dice dice, String table, List<Defect> kinds, double rowsPerEntity, Column entity) {
            double invalidRowsPerDefect = 1.0 + 1.0 / kinds.size();
            long period = Math.max(2, Math.round(invalidRowsPerDefect / (INVALID_SHARE * rowsPerEntity)));
            Column shifted = entity.plus(dice.index(table + "_defect_offset", period));
            Column selected = entity.geq(1).and(pmod(shifted, lit(period)).equalTo(0));
            Column kind = pmod(floor(shifted.divide(period)), lit(kinds.size()));
            return new Defects(selected, kind, kinds);
        }

        Column is(Defect defect) {
            int index = kinds.indexOf(defect);
            return index < 0 ? lit(false) : selected.and(kind.equalTo(index));
        }
    }

    /** The defect of a license or consent entity applies to its row in slot 1. */
    private record SlotDefects(Defects defects, Column slot) {
        Column is(Defect defect) {
            return slot.equalTo(1).and(defects.is(defect));
        }
    }

    /** prefix + the number zero-padded to width digits (lpad: much faster than format_string). */
    private static Column key(String prefix, int width, Column number) {
        return concat(lit(prefix), lpad(number.cast(DataTypes.StringType), width, "0"));
    }

    /** Null for {@link #MISSING_SHARE} of the rows. */
    private static Column orNull(Dice dice, String salt, Column value, Column id) {
        return when(dice.unit(salt, id).lt(MISSING_SHARE), lit(null)).otherwise(value);
    }

    /** Exactly the table's schema: its column order, types and (all nullable) fields. */
    private static Dataset<Row> conform(Dataset<Row> frame, InputTable table) {
        Column[] columns = Arrays.stream(table.schema().fields())
                .map(f -> nullable(frame.col(f.name()), f))
                .toArray(Column[]::new);
        return frame.select(columns);
    }

    private static Column nullable(Column column, StructField field) {
        // a CASE without ELSE is nullable; the cast fixes the type (and an array's element nullability)
        return when(column.isNotNull(), column).cast(field.dataType()).as(field.name());
    }

    private static long epochSecond(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
