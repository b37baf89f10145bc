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
    private static final String PER_PURPOSE = "_per_purpose";
    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType);

    private Decisions() {}

    /**
     * @param tracks   validated tracks (see {@link dev.clearance.catalog.RowValidation#annotate})
     * @param licenses validated licenses
     * @param consents validated consents
     * @return one row per distinct non-blank track_id and policy purpose, columns {@link #COLUMNS}
     */
    public static Dataset<Row> decide(Policy policy, Instant asOf, Dataset<Row> tracks, Dataset<Row> licenses,
                                      Dataset<Row> consents) {
        List<PurposeRule> rules = policy.purposes();
        Column[] perPurpose = new Column[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            Column consent = col(Resolution.consentColumn(i));
            Column reasons = DecisionRules.reasons(rules.get(i), consent);
            perPurpose[i] = struct(
                    lit(rules.get(i).name()).as(PURPOSE),
                    reasons.as(REASONS),
                    Resolution.consentState(consent).as(CONSENT_STATE),
                    Resolution.consentEventId(consent).as(CONSENT_EVENT_ID));
        }
        Dataset<Row> valid = Resolution.trackFacts(policy, asOf, tracks, licenses, consents)
                .withColumn(PER_PURPOSE, explode(array(perPurpose)))
                .select(col(TRACK_ID), col(PER_PURPOSE + "." + PURPOSE),
                        DecisionRules.decision(col(PER_PURPOSE + "." + REASONS)).as(DECISION),
                        col(PER_PURPOSE + "." + REASONS).as(REASONS), col(UPLOADER_ID), col(PER_PURPOSE + "." + CONSENT_STATE),
                        col(PER_PURPOSE + "." + CONSENT_EVENT_ID), col(LICENSE_IDS), col(LICENSOR_TYPES),
                        col(MATCHED_NO_AI_TAG), col(EMBEDDED_DMI), col(TITLE), col(GENRE), col(DURATION_MS),
                        col(AUDIO_URI));

        Column[] purposeNames = policy.purposeNames().stream().map(p -> lit(p)).toArray(Column[]::new);
        Dataset<Row> invalid = Resolution.invalidReferences(tracks, TRACK_ID)
                .select(col(TRACK_ID),
                        explode(array(purposeNames)).as(PURPOSE),
                        lit(Decision.EXCLUDED.name()).as(DECISION),
                        array(lit(Reason.INVALID_TRACK_RECORD.name())).as(REASONS),
                        nullOf(DataTypes.StringType, UPLOADER_ID),
                        nullOf(DataTypes.StringType, CONSENT_STATE),
                        nullOf(DataTypes.StringType, CONSENT_EVENT_ID),
                        nullOf(STRINGS, LICENSE_IDS),
                        nullOf(STRINGS, LICENSOR_TYPES),
                        nullOf(DataTypes.StringType, MATCHED_NO_AI_TAG),
                        nullOf(DataTypes.StringType, EMBEDDED_DMI),
                        nullOf(DataTypes.StringType, TITLE),
                        nullOf(DataTypes.StringType, GENRE),
                        nullOf(DataTypes.LongType, DURATION_MS),
                        nullOf(DataTypes.StringType, AUDIO_URI));
        return valid.unionByName(invalid);
    }

    private static Column nullOf(DataType type, String name) {
        return lit(null).cast(type).as(name);
    }
}
