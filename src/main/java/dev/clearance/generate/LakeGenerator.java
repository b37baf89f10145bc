package dev.clearance.generate;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.clearance.catalog.InputTable;
import java.lang.reflect.Array;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
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
 * <p>Malformed rows, of every kind the contract's §3.1 quarantines, make up about {@value #INVALID_SHARE}
 * of each table. They are scheduled rather than random: every k-th track, license-holding track or account
 * (the offset depends on the seed) carries exactly one defect, and the kinds take turns, so the invalid
 * share is nearly exact at any size and every kind occurs once the table is big enough. A duplicate key is
 * planted in place: the defective row repeats a neighbour's key (the previous track's id; the first license
 * or consent event of the same track or account), which makes both rows invalid.
 *
 * <p>The tracks table has exactly {@code tracks} rows, its malformed rows included: a duplicate replaces a
 * track rather than adding one, so a few track ids ({@code t} + the zero-padded row number) are missing.
 */
public final class LakeGenerator {

    /** The three tables, each with exactly the schema of its {@link InputTable}. */
    public record Lake(Dataset<Row> tracks, Dataset<Row> licenses, Dataset<Row> consents) {}

    /** Track ids have nine digits. */
    public static final long MAX_TRACKS = 999_999_999L;

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
    private static final String[] BLANKS = {null, "", "  "};

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
    private static final String[] BAD_STATES = {"ARCHIVED", "PENDING_REVIEW", null};

    private static final double UNTAGGED_SHARE = 0.40;
    private static final double NO_AI_TAG_SHARE = 0.08;
    private static final List<String> ORDINARY_TAGS = List.of("chill", "lofi", "beats", "summer", "remix", "live",
            "acoustic", "instrumental", "vocals", "dance", "study", "workout", "indie", "underground", "original",
            "cover", "collab", "demo", "bass", "night drive",
            // near misses: they must not count as no-AI tags
            "ai generated", "ai-assisted", "no autotune", "train songs");
    private static final List<String> NO_AI_TAGS = List.of("noai", "NoAI", "No AI", "#NoAI", "no-ai", "no_ai",
            "no-ai-training", "NoAITraining", "noaitraining", "DoNotTrain", "do-not-train", "#donottrain");
    private static final int MAX_TAGS = 4;
    /** A tagged track takes one of a fixed collection of tag sets (built once from a fixed java.util.Random). */
    private static final int TAG_SETS_PER_KIND = 500;
    /** Among the tag sets without a no-AI tag: empty ones, and ones with a null element. */
    private static final double EMPTY_TAG_SET_SHARE = 0.01;
    private static final double NULL_TAG_ELEMENT_SHARE = 0.005;
    private static final String[][] TAG_SETS = tagSets(false);
    private static final String[][] NO_AI_TAG_SETS = tagSets(true);

    private static final double NO_DMI_SHARE = 0.70;
    private static final double BLANK_DMI_SHARE = 0.01;
    private static final String DMI_URI_PREFIX = "http://ns.useplus.org/ldf/vocab/";
    private static final List<Choice> DMI_VALUES = List.of(
            Choice.of("DMI-UNSPECIFIED", 0.25), Choice.of("DMI-ALLOWED", 0.20),
            Choice.of("DMI-PROHIBITED-AIMLTRAINING", 0.12), Choice.of("DMI-PROHIBITED-GENAIMLTRAINING", 0.20),
            Choice.of("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", 0.05), Choice.of("DMI-PROHIBITED", 0.10),
            Choice.of("DMI-PROHIBITED-SEECONSTRAINT", 0.03), Choice.of("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", 0.02),
            Choice.of("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", 0.02), Choice.of("DMI-PROHIBITED-EVERYTHING", 0.01));
    /** A present DMI value is spelled as is, as the full vocabulary URI, lower-cased, or space-padded. */
    private static final double[] DMI_SPELLING_WEIGHTS = {0.60, 0.25, 0.10, 0.05};
    private static final String[][] DMI_SPELLINGS = spellings(DMI_VALUES,
            v -> new String[] {v, DMI_URI_PREFIX + v, v.toLowerCase(Locale.ROOT), " " + v + " "});

    private static final String[] TITLE_WORDS_1 = {"Midnight", "Golden", "Broken", "Electric", "Silent", "Neon",
        "Wild", "Lost", "Velvet", "Paper", "Crystal", "Burning", "Distant", "Hollow", "Summer", "Blue"};
    private static final String[] TITLE_WORDS_2 = {"Heart", "City", "River", "Dreams", "Lights", "Road", "Echoes",
        "Sky", "Fire", "Waves", "Garden", "Signal", "Shadows", "Horizon", "Rain", "Machine"};
    private static final String[] TITLE_SUFFIXES = {" (Remix)", " (Live)", " (Acoustic)", " (Demo)", " - Radio Edit",
        " (feat. Mara)"};
    private static final double TITLE_SUFFIX_SHARE = 0.10;
    private static final String[] GENRES = {"pop", "rock", "hip-hop", "electronic", "house", "techno", "ambient",
        "jazz", "classical", "folk", "r&b", "metal", "indie", "lo-fi", "country", "reggae", "soundtrack",
        "experimental"};
    private static final String[] AUDIO_FORMATS = {"mp3", "flac", "wav"};
    private static final long MIN_DURATION_MS = 90_000L;
    private static final long MAX_DURATION_MS = 420_000L;
    /** Share of each nullable descriptive column (title, genre, duration, audio, uploaded_at) left null. */
    private static final double MISSING_SHARE = 0.01;

    // ---- licenses ----
    /** Weight of each license count 0..3 per track: most tracks have one. */
    private static final double[] LICENSE_COUNT_WEIGHTS = {0.10, 0.70, 0.15, 0.05};
    private static final int MAX_LICENSES = LICENSE_COUNT_WEIGHTS.length - 1;
    /** SELF must stay first: a self-licensed track names its uploader. */
    private static final List<Choice> LICENSOR_TYPES = List.of(
            Choice.of("SELF", 0.60), Choice.of("MAJOR_LABEL", 0.10), Choice.of("INDEPENDENT_LABEL", 0.12),
            Choice.of("DISTRIBUTOR", 0.10), Choice.of("CREATIVE_COMMONS", 0.06), Choice.of("PUBLIC_DOMAIN", 0.02));
    /** A licensor type is spelled as is, lower-cased, or with a trailing space. */
    private static final double[] LICENSOR_TYPE_SPELLING_WEIGHTS = {0.975, 0.015, 0.01};
    private static final String[][] LICENSOR_TYPE_SPELLINGS = spellings(LICENSOR_TYPES,
            t -> new String[] {t, t.toLowerCase(Locale.ROOT), t + " "});
    /** Names per licensor type, in the order of LICENSOR_TYPES (SELF's name is the uploader's id). */
    private static final String[][] LICENSOR_NAMES = {
        {},
        {"Universal Music Group", "Sony Music", "Warner Music Group"},
        {"Sub Pop", "Domino Recording Co.", "XL Recordings", "Warp Records", "Merge Records", "Ninja Tune",
            "Rough Trade", "Beggars Group"},
        {"DistroKid", "TuneCore", "CD Baby", "AWAL", "Ditto Music", "Amuse"},
        {"CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC BY-NC-ND 4.0"},
        {"Public Domain"}
    };
    private static final String[] BAD_LICENSOR_TYPES = {"MAJOR", "LABEL_SERVICES", null};
    private static final double NULL_LICENSOR_NAME_SHARE = 0.03;
    private static final List<Choice> PROHIBITIONS = List.of(
            Choice.of(null, 0.86), Choice.of(new String[] {"generative_training"}, 0.06),
            Choice.of(new String[] {"*"}, 0.02), Choice.of(new String[] {"Generative-Training"}, 0.02),
            Choice.of(new String[] {"fraud detection"}, 0.01),
            Choice.of(new String[] {"recommendation", "generative_training"}, 0.01), Choice.of(new String[0], 0.02));
    private static final String[][] BAD_PROHIBITIONS =
            {{"telepathy"}, {"Generative Training", "voice cloning"}, {"marketing_email"}};
    /** Validity windows: open, started, started and ending in the future, expired, starting in the future. */
    private static final double WINDOW_OPEN = 0.70;
    private static final double WINDOW_STARTED = 0.12;
    private static final double WINDOW_RUNNING = 0.06;
    private static final double WINDOW_EXPIRED = 0.08;
    /** Expired licenses start before this and last 30 to 900 days, so they end before PAST_END. */
    private static final long EXPIRED_START_END = epochSecond("2024-01-01T00:00:00Z");
    private static final long MIN_LICENSE_DAYS = 30;
    private static final long MAX_LICENSE_DAYS = 900;

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
    private static final String[] BAD_PURPOSES = {"telepathy", "voice cloning", null};
    private static final double OPT_OUT_SHARE = 0.40;
    /** OPT_IN (row 1) and OPT_OUT (row 2), spelled as is, lower-cased, space-padded or capitalised. */
    private static final String[][] ACTION_SPELLINGS =
            {{"OPT_IN", "opt_in", " OPT_IN", "Opt_In"}, {"OPT_OUT", "opt_out", " OPT_OUT", "Opt_Out"}};
    private static final double[] ACTION_SPELLING_WEIGHTS = {0.97, 0.01, 0.01, 0.01};
    private static final String[] BAD_ACTIONS = {"MAYBE", "OPTOUT", null};
    private static final double FUTURE_EVENT_SHARE = 0.02;
    /** Share of accounts with 2+ events whose second event ties the first: same second, opposite action. */
    private static final double TIED_EVENTS_SHARE = 0.05;
    private static final List<Choice> SOURCES = List.of(
            Choice.of("settings_page", 0.50), Choice.of("api", 0.25), Choice.of("support", 0.10), Choice.of(null, 0.15));

    private LakeGenerator() {}

    /**
     * Deterministic: same (tracks, seed) = same rows. Pure: builds DataFrames, writes nothing.
     *
     * @param tracks the exact number of rows of the tracks table, its malformed rows (duplicate-key rows
     *               included) among them
     */
    public static Lake generate(SparkSession spark, long tracks, long seed) {
        if (tracks < 1 || tracks > MAX_TRACKS) {
            throw new IllegalArgumentException("tracks must be in 1.." + MAX_TRACKS + ", got " + tracks);
        }
        long accounts = TOP_ACCOUNTS + Math.max(1, tracks / TRACKS_PER_TAIL_ACCOUNT);
        return new Lake(
                conform(tracks(spark, seed, tracks, accounts), InputTable.TRACKS),
                conform(licenses(spark, seed, tracks, accounts), InputTable.LICENSES),
                conform(consents(spark, seed, accounts), InputTable.CONSENTS));
    }

    // =====================================================================================================
    // tracks: one row per id 0..tracks-1
    // =====================================================================================================

    private static Dataset<Row> tracks(SparkSession spark, long seed, long count, long accounts) {
        Dice dice = new Dice(seed);
        Column id = col("id");
        Defects defects = Defects.schedule(dice, "tracks", TRACK_DEFECTS, 1.0, id);
        Column[] columns = {
            trackId(dice, id, defects).as(TRACK_ID),
            uploaderId(dice, id, defects, accounts).as(UPLOADER_ID),
            orNull(dice, "title_missing", title(dice, id), id).as(TITLE),
            orNull(dice, "genre_missing", dice.pick("genre", GENRES, id), id).as(GENRE),
            orNull(dice, "duration_missing", duration(dice, id), id).as(DURATION_MS),
            orNull(dice, "audio_missing", audioUri(dice, id), id).as(AUDIO_URI),
            tags(dice, id).as(TAGS),
            state(dice, id, defects).as(STATE),
            embeddedDmi(dice, id).as(EMBEDDED_DMI),
            orNull(dice, "uploaded_missing", dice.instant("uploaded_at", PAST_START, PAST_END, id), id).as(UPLOADED_AT)
        };
        return dice.roll(spark.range(count).toDF(), id).select(columns);
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
        Column suffix = when(dice.unit("title_suffix", id).lt(TITLE_SUFFIX_SHARE),
                dice.pick("title_suffix_value", TITLE_SUFFIXES, id)).otherwise(lit(""));
        return concat(dice.pick("title_1", TITLE_WORDS_1, id), lit(" "), dice.pick("title_2", TITLE_WORDS_2, id), suffix);
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

    /** Null for 40% of tracks; a set with a no-AI tag for 8%; otherwise a set of ordinary tags. */
    private static Column tags(Dice dice, Column id) {
        Column u = dice.unit("tags", id);
        return when(u.lt(UNTAGGED_SHARE), lit(null))
                .when(u.lt(UNTAGGED_SHARE + NO_AI_TAG_SHARE), dice.pick("no_ai_tag_set", NO_AI_TAG_SETS, id))
                .otherwise(dice.pick("tag_set", TAG_SETS, id));
    }

    /**
     * TAG_SETS_PER_KIND sets of 1-4 distinct tags. With a no-AI tag, one of the sets' tags is a no-AI tag in
     * one of its many spellings; without, a few sets are empty or end with a null element.
     */
    private static String[][] tagSets(boolean withNoAiTag) {
        Random random = new Random(withNoAiTag ? 2 : 1);
        String[][] sets = new String[TAG_SETS_PER_KIND][];
        int empty = (int) Math.round(TAG_SETS_PER_KIND * EMPTY_TAG_SET_SHARE);
        int withNull = (int) Math.round(TAG_SETS_PER_KIND * NULL_TAG_ELEMENT_SHARE);
        for (int i = 0; i < TAG_SETS_PER_KIND; i++) {
            List<String> tags = new ArrayList<>(ORDINARY_TAGS);
            Collections.shuffle(tags, random);
            tags = new ArrayList<>(tags.subList(0, 1 + random.nextInt(MAX_TAGS)));
            if (withNoAiTag) {
                tags.set(random.nextInt(tags.size()), NO_AI_TAGS.get(random.nextInt(NO_AI_TAGS.size())));
            } else if (i < empty) {
                tags.clear();
            } else if (i < empty + withNull) {
                tags.add(null);
            }
            sets[i] = tags.toArray(new String[0]);
        }
        return sets;
    }

    private static Column embeddedDmi(Dice dice, Column id) {
        Column spelled = cell(DMI_SPELLINGS, dice.weightedIndex("dmi", weights(DMI_VALUES), id),
                dice.weightedIndex("dmi_spelling", DMI_SPELLING_WEIGHTS, id));
        Column u = dice.unit("dmi_present", id);
        return when(u.lt(NO_DMI_SHARE), lit(null))
                .when(u.lt(NO_DMI_SHARE + BLANK_DMI_SHARE), lit(" "))
                .otherwise(spelled);
    }

    // =====================================================================================================
    // licenses: a row (track, slot) for each slot below the track's license count
    // =====================================================================================================

    private static Dataset<Row> licenses(SparkSession spark, long seed, long tracks, long accounts) {
        Column track = col("track");
        Column slot = col("slot");
        double licensesPerTrack = mean(LICENSE_COUNT_WEIGHTS);

        Dice counting = new Dice(seed);
        Defects trackDefects = Defects.schedule(counting, "licenses", LICENSE_DEFECTS, licensesPerTrack, track);
        Column licenseCount = withDefectSlot(counting.count("license_count", LICENSE_COUNT_WEIGHTS, track), trackDefects);
        Dataset<Row> slots = spark.range(tracks * MAX_LICENSES)
                .select(floor(col("id").divide(MAX_LICENSES)).as("track"), pmod(col("id"), lit(MAX_LICENSES)).as("slot"));
        Dataset<Row> rows = counting.roll(slots, track, slot).where(slot.lt(licenseCount));

        Dice dice = new Dice(seed);
        SlotDefects defects = new SlotDefects(
                Defects.schedule(dice, "licenses", LICENSE_DEFECTS, licensesPerTrack, track), slot);
        Column type = dice.weightedIndex("licensor_type", weights(LICENSOR_TYPES), track, slot);
        Column window = dice.unit("license_window", track, slot);
        Column[] columns = {
            licenseId(dice, track, slot, defects).as(LICENSE_ID),
            when(defects.is(Defect.BLANK_REFERENCE), dice.pick("license_blank_track", BLANKS, track))
                    .otherwise(trackKey(track)).as(TRACK_ID),
            licensorType(dice, track, slot, type, defects).as(LICENSOR_TYPE),
            licensorName(dice, track, slot, type, accounts).as(LICENSOR_NAME),
            prohibitedPurposes(dice, track, slot, defects).as(PROHIBITED_PURPOSES),
            validFrom(dice, track, slot, window, defects).as(VALID_FROM),
            validTo(dice, track, slot, window, defects).as(VALID_TO)
        };
        return dice.roll(rows, track, slot).select(columns);
    }

    /** An entity with a scheduled defect has at least two rows: the defect lives in slot 1 (see SlotDefects). */
    private static Column withDefectSlot(Column count, Defects defects) {
        return when(defects.selected(), greatest(count, lit(2))).otherwise(count);
    }

    private static Column licenseKey(Column track, Column slot) {
        return key("l", 10, track.multiply(MAX_LICENSES).plus(slot));
    }

    private static Column licenseId(Dice dice, Column track, Column slot, SlotDefects defects) {
        return when(defects.is(Defect.BLANK_KEY), dice.pick("license_blank_key", BLANKS, track))
                .when(defects.is(Defect.DUPLICATE_KEY), licenseKey(track, lit(0L)))
                .otherwise(licenseKey(track, slot));
    }

    private static Column licensorType(Dice dice, Column track, Column slot, Column type, SlotDefects defects) {
        Column spelling = dice.weightedIndex("licensor_type_spelling", LICENSOR_TYPE_SPELLING_WEIGHTS, track, slot);
        return when(defects.is(Defect.UNKNOWN_ENUM), dice.pick("license_bad_type", BAD_LICENSOR_TYPES, track))
                .otherwise(cell(LICENSOR_TYPE_SPELLINGS, type, spelling));
    }

    /** A self-licensed track names its uploader; labels, distributors and CC licences have real-looking names. */
    private static Column licensorName(Dice dice, Column track, Column slot, Column type, long accounts) {
        Column names = element_at(lit(LICENSOR_NAMES), type);
        Column name = when(type.equalTo(1), accountKey(uploaderIndex(dice, track, accounts)))
                .otherwise(element_at(names, pmod(dice.hash("licensor_name", track, slot), size(names)).plus(1).cast("int")));
        return when(dice.unit("licensor_name_missing", track, slot).lt(NULL_LICENSOR_NAME_SHARE), lit(null))
                .otherwise(name);
    }

    private static Column prohibitedPurposes(Dice dice, Column track, Column slot, SlotDefects defects) {
        return when(defects.is(Defect.UNKNOWN_PURPOSE), dice.pick("license_bad_purpose", BAD_PROHIBITIONS, track))
                .otherwise(dice.weighted("prohibited", PROHIBITIONS, track, slot));
    }

    private static Column validFrom(Dice dice, Column track, Column slot, Column window, SlotDefects defects) {
        double started = WINDOW_OPEN + WINDOW_STARTED + WINDOW_RUNNING;
        double expired = started + WINDOW_EXPIRED;
        return when(defects.is(Defect.BAD_INTERVAL), dice.instant("valid_from_past", PAST_START, PAST_END, track, slot))
                .when(window.lt(WINDOW_OPEN), lit(null))
                .when(window.lt(started), dice.instant("valid_from_past", PAST_START, PAST_END, track, slot))
                .when(window.lt(expired), dice.instant("valid_from_early", PAST_START, EXPIRED_START_END, track, slot))
                .otherwise(dice.instant("valid_from_future", FUTURE_START, FUTURE_END, track, slot));
    }

    /**
     * Matches {@link #validFrom}: none for open and started windows; in the future for a running one;
     * 30-900 days after the start for an expired one (so still in the past) and for half of the future
     * starts. A BAD_INTERVAL defect ends on or a day before its start.
     */
    private static Column validTo(Dice dice, Column track, Column slot, Column window, SlotDefects defects) {
        double started = WINDOW_OPEN + WINDOW_STARTED;
        double running = started + WINDOW_RUNNING;
        double expired = running + WINDOW_EXPIRED;
        Column length = dice.index("valid_length", (MAX_LICENSE_DAYS - MIN_LICENSE_DAYS) * DAY, track, slot)
                .plus(MIN_LICENSE_DAYS * DAY);
        Column badIntervalEnd = dice.seconds("valid_from_past", PAST_START, PAST_END, track, slot)
                .minus(dice.index("bad_interval_days", 2, track).multiply(DAY));
        Column expiredEnd = dice.seconds("valid_from_early", PAST_START, EXPIRED_START_END, track, slot).plus(length);
        Column futureEnd = dice.seconds("valid_from_future", FUTURE_START, FUTURE_END, track, slot).plus(length);
        return when(defects.is(Defect.BAD_INTERVAL), timestamp_seconds(badIntervalEnd))
                .when(window.lt(started), lit(null))
                .when(window.lt(running), dice.instant("valid_to_future", FUTURE_START, FUTURE_END, track, slot))
                .when(window.lt(expired), timestamp_seconds(expiredEnd))
                .when(dice.unit("future_open_ended", track, slot).lt(0.5), lit(null))
                .otherwise(timestamp_seconds(futureEnd));
    }

    // =====================================================================================================
    // consents: a row (account, slot) for each slot below the account's event count
    // =====================================================================================================

    private static Dataset<Row> consents(SparkSession spark, long seed, long accounts) {
        Column account = col("account");
        Column slot = col("slot");
        Column choiceSlot = col("choice_slot");
        double eventsPerAccount = CONSENTING_ACCOUNT_SHARE * mean(CONSENT_EVENT_COUNT_WEIGHTS);

        Dice counting = new Dice(seed);
        Defects accountDefects = Defects.schedule(counting, "consents", CONSENT_DEFECTS, eventsPerAccount, account);
        Column consenting = counting.unit("consenting", account).lt(CONSENTING_ACCOUNT_SHARE);
        Column eventCount = withDefectSlot(
                when(consenting, counting.count("consent_count", CONSENT_EVENT_COUNT_WEIGHTS, account)).otherwise(lit(0)),
                accountDefects);
        // a tied event (slot 1) draws its purpose, time and action from slot 0, then flips the action
        Column tied = slot.equalTo(1).and(not(accountDefects.selected()))
                .and(counting.unit("tied", account).lt(TIED_EVENTS_SHARE));
        Dataset<Row> slots = spark.range(accounts * MAX_CONSENT_EVENTS)
                .select(floor(col("id").divide(MAX_CONSENT_EVENTS)).as("account"),
                        pmod(col("id"), lit(MAX_CONSENT_EVENTS)).as("slot"));
        Dataset<Row> rows = counting.roll(slots, account, slot).where(slot.lt(eventCount))
                .select(account, slot, when(tied, lit(0L)).otherwise(slot).as("choice_slot"));

        Dice dice = new Dice(seed);
        SlotDefects defects = new SlotDefects(
                Defects.schedule(dice, "consents", CONSENT_DEFECTS, eventsPerAccount, account), slot);
        Column drawnOptOut = dice.unit("opt_out", account, choiceSlot).lt(OPT_OUT_SHARE);
        Column optOut = when(choiceSlot.equalTo(slot), drawnOptOut).otherwise(not(drawnOptOut));
        Column[] columns = {
            when(defects.is(Defect.BLANK_KEY), dice.pick("consent_blank_key", BLANKS, account))
                    .when(defects.is(Defect.DUPLICATE_KEY), eventKey(account, lit(0L)))
                    .otherwise(eventKey(account, slot)).as(EVENT_ID),
            when(defects.is(Defect.BLANK_REFERENCE), dice.pick("consent_blank_user", BLANKS, account))
                    .otherwise(accountKey(account)).as(USER_ID),
            when(defects.is(Defect.UNKNOWN_PURPOSE), dice.pick("consent_bad_purpose", BAD_PURPOSES, account))
                    .otherwise(dice.weighted("purpose", PURPOSES, account, choiceSlot)).as(PURPOSE),
            action(dice, account, slot, optOut, defects).as(ACTION),
            eventTs(dice, account, choiceSlot, defects).as(EVENT_TS),
            dice.weighted("source", SOURCES, account, slot).as(SOURCE)
        };
        return dice.roll(rows, account, slot, choiceSlot).select(columns);
    }

    private static Column eventKey(Column account, Column slot) {
        return key("e", 10, account.multiply(MAX_CONSENT_EVENTS).plus(slot));
    }

    private static Column action(Dice dice, Column account, Column slot, Column optOut, SlotDefects defects) {
        Column spelling = dice.weightedIndex("action_spelling", ACTION_SPELLING_WEIGHTS, account, slot);
        return when(defects.is(Defect.UNKNOWN_ENUM), dice.pick("consent_bad_action", BAD_ACTIONS, account))
                .otherwise(cell(ACTION_SPELLINGS, when(optOut, lit(2)).otherwise(lit(1)), spelling));
    }

    private static Column eventTs(Dice dice, Column account, Column choiceSlot, SlotDefects defects) {
        return when(defects.is(Defect.NULL_TIMESTAMP), lit(null))
                .when(dice.unit("event_in_future", account, choiceSlot).lt(FUTURE_EVENT_SHARE),
                        dice.instant("event_future", FUTURE_START, FUTURE_END, account, choiceSlot))
                .otherwise(dice.instant("event_past", PAST_START, PAST_END, account, choiceSlot));
    }

    // =====================================================================================================
    // building blocks
    // =====================================================================================================

    /**
     * Deterministic pseudo-randomness for one table. A draw is xxhash64 of (a mix of seed and salt, keys...),
     * a pure function of the row, so the rows do not depend on partitioning. Each draw is a column computed
     * once per row by {@link #roll}, in a projection of its own, and the values are built from the draws
     * with small expressions (comparisons, lookups in literal tables): a draw used by several branches is
     * hashed once, and the generated code stays small enough for the JIT to compile.
     */
    private static final class Dice {
        /** A weighted choice is a lookup in a table of this many equally likely slots: weights are in 1/1000. */
        private static final int SLOTS = 1000;

        private final long seed;
        private final Map<String, Column> draws = new LinkedHashMap<>();
        private final Map<String, List<Column>> drawKeys = new HashMap<>();

        Dice(long seed) {
            this.seed = seed;
        }

        /** The frame's kept columns plus every draw asked for so far; build the values first, then roll. */
        Dataset<Row> roll(Dataset<Row> frame, Column... kept) {
            return frame.select(Stream.concat(Stream.of(kept), draws.values().stream()).toArray(Column[]::new));
        }

        /** A uniform 64-bit draw; the same salt always means the same keys. */
        Column hash(String salt, Column... keys) {
            String name = "_draw_" + salt;
            List<Column> previous = drawKeys.putIfAbsent(name, List.of(keys));
            if (previous != null && !previous.equals(List.of(keys))) {
                throw new IllegalStateException("draw " + salt + " used with different keys");
            }
            Column[] inputs = Stream.concat(Stream.of(lit(mix(seed, salt))), Stream.of(keys)).toArray(Column[]::new);
            draws.putIfAbsent(name, xxhash64(inputs).as(name));
            return col(name);
        }

        /** Uniform in [0, 1): the top 53 bits of the hash. */
        Column unit(String salt, Column... keys) {
            return shiftrightunsigned(hash(salt, keys), 11).cast(DataTypes.DoubleType).multiply(1.0 / (1L << 53));
        }

        /** Uniform in 0..n-1, as a bigint. */
        Column index(String salt, long n, Column... keys) {
            return pmod(hash(salt, keys), lit(n));
        }

        /** One of the values (strings, or arrays of strings), uniformly. */
        Column pick(String salt, Object[] values, Column... keys) {
            return element_at(lit(values), index(salt, values.length, keys).plus(1).cast(DataTypes.IntegerType));
        }

        /** One of the choices' values, with probability proportional to its weight. */
        Column weighted(String salt, List<Choice> choices, Column... keys) {
            double total = choices.stream().mapToDouble(Choice::weight).sum();
            List<Object> slots = new ArrayList<>(SLOTS);
            double bound = 0;
            int choice = -1;
            for (int slot = 0; slot < SLOTS; slot++) {
                double centre = (slot + 0.5) / SLOTS;
                while (centre > bound && choice < choices.size() - 1) {
                    bound += choices.get(++choice).weight() / total;
                }
                slots.add(choices.get(choice).value());
            }
            Column slot = floor(unit(salt, keys).multiply(SLOTS)).cast(DataTypes.IntegerType).plus(1);
            return element_at(literalArray(slots), slot);
        }

        /** 1..weights.length, with probability proportional to weights[index - 1]. */
        Column weightedIndex(String salt, double[] weights, Column... keys) {
            return weighted(salt, IntStream.range(0, weights.length)
                    .mapToObj(i -> Choice.of(i + 1, weights[i])).toList(), keys);
        }

        /** 0..weights.length-1, with probability weights[count]. */
        Column count(String salt, double[] weights, Column... keys) {
            return weightedIndex(salt, weights, keys).minus(1);
        }

        /** Epoch seconds uniform in [from, until). */
        Column seconds(String salt, long from, long until, Column... keys) {
            return index(salt, until - from, keys).plus(from);
        }

        /** A timestamp uniform in [from, until), whole seconds. */
        Column instant(String salt, long from, long until, Column... keys) {
            return timestamp_seconds(seconds(salt, from, until, keys));
        }

        /** A well-spread 64-bit hash seed for (seed, salt): SplitMix64 over the salt's characters. */
        private static long mix(long seed, String salt) {
            long h = seed;
            for (int i = 0; i < salt.length(); i++) {
                h = splitMix64(h ^ salt.charAt(i));
            }
            return splitMix64(h);
        }

        private static long splitMix64(long x) {
            long z = x + 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /** A value (a string, an int, an array of strings, or null) and its weight. */
    private record Choice(Object value, double weight) {
        static Choice of(Object value, double weight) {
            return new Choice(value, weight);
        }
    }

    private static double[] weights(List<Choice> choices) {
        return choices.stream().mapToDouble(Choice::weight).toArray();
    }

    /** The mean count of weights indexed by count (weights summing to 1). */
    private static double mean(double[] countWeights) {
        return IntStream.range(0, countWeights.length).mapToDouble(i -> i * countWeights[i]).sum();
    }

    /** Per choice (a string), its spellings: row i of the table spells the i-th choice. */
    private static String[][] spellings(List<Choice> choices, Function<String, String[]> spell) {
        return choices.stream().map(c -> spell.apply((String) c.value())).toArray(String[][]::new);
    }

    /** table[row][column], 1-based, from a literal table. */
    private static Column cell(String[][] table, Column row, Column column) {
        return element_at(element_at(lit(table), row), column);
    }

    /** A literal array typed after its non-null elements (strings, ints or arrays of strings). */
    private static Column literalArray(List<Object> values) {
        Class<?> type = values.stream().filter(Objects::nonNull).findFirst().<Class<?>>map(Object::getClass)
                .orElse(String.class);
        Object array = Array.newInstance(type, values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(array, i, values.get(i));
        }
        return lit(array);
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
    static Dataset<Row> conform(Dataset<Row> frame, InputTable table) {
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
