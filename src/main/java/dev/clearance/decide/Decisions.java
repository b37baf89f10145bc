package dev.clearance.decide;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import dev.clearance.policy.Policy;
import dev.clearance.policy.PurposeRule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Decides every (track, purpose) pair of the catalog in one pass: each track's facts are resolved once,
 * all purposes are evaluated in one projection, and only then exploded to one row per pair.
 */
public final class Decisions {
    /** The columns of the decision set, in order: the ledger's evidence plus what the curated tables carry. */
    public static final List<String> COLUMNS = List.of(TRACK_ID, PURPOSE, DECISION, REASONS, UPLOADER_ID,
            CONSENT_STATE, CONSENT_EVENT_ID, LICENSE_IDS, LICENSOR_TYPES, MATCHED_NO_AI_TAG, EMBEDDED_DMI,
            TITLE, GENRE, DURATION_MS, AUDIO_URI);
    /** The per-purpose part of a decision, held in {@link #perTrack}'s array. */
    private static final List<String> PAIR_FIELDS = List.of(PURPOSE, REASONS, CONSENT_STATE, CONSENT_EVENT_ID);
    private static final String PER_PURPOSE = "_per_purpose";
    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType);

    private Decisions() {}

    /** {@link #perPair} of {@link #perTrack}: one row per distinct non-blank track_id and purpose, {@link #COLUMNS}. */
    public static Dataset<Row> decide(Policy policy, Instant asOf, Dataset<Row> tracks, Dataset<Row> licenses,
                                      Dataset<Row> consents) {
        return perPair(perTrack(policy, asOf, tracks, licenses, consentsAt(policy, asOf, consents)));
    }

    /**
     * Each user's consent per purpose at {@code asOf}, one row per user: small next to the catalog, so a run can
     * materialize it and let Spark broadcast it to the tracks on its real size.
     *
     * @param consents validated consents
     */
    public static Dataset<Row> consentsAt(Policy policy, Instant asOf, Dataset<Row> consents) {
        return Resolution.consentAt(consents, policy, asOf);
    }

    /**
     * Every decision of the run, one row per distinct non-blank track_id: the track's evidence and, in one array,
     * each purpose's reasons (none = INCLUDED) and consent. A quarter of the rows of {@link #perPair}, so this is
     * the form a run keeps.
     *
     * @param tracks   validated tracks (see {@link dev.clearance.catalog.RowValidation#annotate})
     * @param licenses validated licenses
     * @param consents {@link #consentsAt} of the validated consents
     */
    public static Dataset<Row> perTrack(Policy policy, Instant asOf, Dataset<Row> tracks, Dataset<Row> licenses,
                                        Dataset<Row> consents) {
        List<PurposeRule> rules = policy.purposes();
        Column[] perPurpose = new Column[rules.size()];
        Column[] invalidPerPurpose = new Column[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            Column consent = col(Resolution.consentColumn(i));
            Column reasons = DecisionRules.reasons(rules.get(i), consent);
            perPurpose[i] = struct(
                    lit(rules.get(i).name()).as(PURPOSE),
                    reasons.as(REASONS),
                    Resolution.consentState(consent).as(CONSENT_STATE),
                    Resolution.consentEventId(consent).as(CONSENT_EVENT_ID));
            invalidPerPurpose[i] = struct(
                    lit(rules.get(i).name()).as(PURPOSE),
                    array(lit(Reason.INVALID_TRACK_RECORD.name())).as(REASONS),
                    nullOf(DataTypes.StringType, CONSENT_STATE),
                    nullOf(DataTypes.StringType, CONSENT_EVENT_ID));
        }
        Dataset<Row> valid = Resolution.trackFacts(policy, asOf, tracks, licenses, consents)
                .select(col(TRACK_ID), col(UPLOADER_ID), col(LICENSE_IDS), col(LICENSOR_TYPES), col(MATCHED_NO_AI_TAG),
                        col(EMBEDDED_DMI), col(TITLE), col(GENRE), col(DURATION_MS), col(AUDIO_URI),
                        array(perPurpose).as(PER_PURPOSE));
        Dataset<Row> invalid = Resolution.invalidReferences(tracks, TRACK_ID)
                .select(col(TRACK_ID),
                        nullOf(DataTypes.StringType, UPLOADER_ID),
                        nullOf(STRINGS, LICENSE_IDS),
                        nullOf(STRINGS, LICENSOR_TYPES),
                        nullOf(DataTypes.StringType, MATCHED_NO_AI_TAG),
                        nullOf(DataTypes.StringType, EMBEDDED_DMI),
                        nullOf(DataTypes.StringType, TITLE),
                        nullOf(DataTypes.StringType, GENRE),
                        nullOf(DataTypes.LongType, DURATION_MS),
                        nullOf(DataTypes.StringType, AUDIO_URI),
                        array(invalidPerPurpose).as(PER_PURPOSE));
        return valid.unionByName(invalid);
    }

    /** One row per (track, purpose) of {@link #perTrack}'s rows, columns {@link #COLUMNS}. */
    public static Dataset<Row> perPair(Dataset<Row> perTrack) {
        String pair = "_pair";
        List<Column> columns = new ArrayList<>();
        for (String name : COLUMNS) {
            if (name.equals(DECISION)) {
                columns.add(DecisionRules.decision(col(pair + "." + REASONS)).as(DECISION));
            } else {
                columns.add(PAIR_FIELDS.contains(name) ? col(pair + "." + name).as(name) : col(name));
            }
        }
        return perTrack.withColumn(pair, explode(col(PER_PURPOSE))).select(columns.toArray(Column[]::new));
    }

    private static Column nullOf(DataType type, String name) {
        return lit(null).cast(type).as(name);
    }
}
