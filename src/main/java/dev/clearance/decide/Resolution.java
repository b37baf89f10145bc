package dev.clearance.decide;

import static dev.clearance.catalog.Columns.*;
import static dev.clearance.catalog.Normalize.dmiValue;
import static dev.clearance.catalog.Normalize.enumValue;
import static dev.clearance.catalog.Normalize.isBlank;
import static dev.clearance.catalog.Normalize.purposeName;
import static dev.clearance.catalog.Normalize.tagKey;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.get;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import dev.clearance.catalog.ConsentAction;
import dev.clearance.catalog.Purposes;
import dev.clearance.catalog.RowValidation;
import dev.clearance.policy.Dmi;
import dev.clearance.policy.Policy;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Resolution at as_of (contract §3.2): everything about a track that the decision rules look at, computed
 * once per track for all purposes. Pure: Dataset in, Dataset out.
 */
public final class Resolution {
    /** Normalised state. */
    static final String STATE_VALUE = "_state";
    /** The track has an invalid license row. */
    static final String LICENSE_INVALID = "_license_invalid";
    /** Normalised prohibited purposes of the licenses in force (may contain '*'). */
    static final String PROHIBITED = "_prohibited";
    /** The DMI value that counts: null = reserves nothing; unknown values become DMI-PROHIBITED. */
    static final String DMI_VALUE = "_dmi";
    /** The uploader has an invalid consent row. */
    static final String CONSENT_INVALID = "_consent_invalid";
    /** consent_state when the creator made no applicable choice. */
    static final String CONSENT_NONE = "NONE";
    /** Per purpose: the winning consent event as struct(event_id, action), null = none. */
    private static final String CONSENT_PREFIX = "_consent_";
    /** The valid licenses of a track in force at as_of, as structs. */
    private static final String IN_FORCE = "_in_force";
    private static final String EVENT_ORDER = "neg_ts";
    private static final String ACTION_ORDER = "rank";

    private Resolution() {}

    static String consentColumn(int purposeIndex) {
        return CONSENT_PREFIX + purposeIndex;
    }

    /**
     * One row per valid track with its evidence: licenses in force, invalid-record flags, the resolved consent
     * for every purpose, the matched no-AI tag and the effective DMI value. One aggregate per side table
     * (licenses by track here, consents by user in {@link #consentAt}) yields both its evidence and its
     * invalid-record flag.
     */
    static Dataset<Row> trackFacts(Policy policy, Instant asOf, Dataset<Row> tracks, Dataset<Row> licenses,
                                   Dataset<Row> resolvedConsents) {
        Dataset<Row> validTracks = valid(tracks)
                .withColumn(STATE_VALUE, enumValue(col(STATE)))
                .withColumn(MATCHED_NO_AI_TAG, matchedNoAiTag(col(TAGS), policy.noAiTags()))
                .withColumn(DMI_VALUE, effectiveDmi(col(EMBEDDED_DMI)));
        Dataset<Row> consent = resolvedConsents.withColumnRenamed(USER_ID, UPLOADER_ID);
        // The license side is as large as the catalog: hash it rather than sort both sides.
        return validTracks
                .join(licensesInForce(licenses, asOf).hint("shuffle_hash"), new String[] {TRACK_ID}, "left")
                .join(consent, new String[] {UPLOADER_ID}, "left")
                .withColumn(LICENSE_IDS, coalesce(col(LICENSE_IDS), emptyStrings()))
                .withColumn(LICENSOR_TYPES, coalesce(col(LICENSOR_TYPES), emptyStrings()))
                .withColumn(PROHIBITED, coalesce(col(PROHIBITED), emptyStrings()))
                .withColumn(LICENSE_INVALID, coalesce(col(LICENSE_INVALID), lit(false)))
                .withColumn(CONSENT_INVALID, coalesce(col(CONSENT_INVALID), lit(false)));
    }

    static Dataset<Row> valid(Dataset<Row> annotated) {
        return annotated.filter(isValid());
    }

    private static Column isValid() {
        return col(RowValidation.INVALID_REASON).isNull();
    }

    /** Distinct non-blank values of {@code column} among a table's invalid rows. */
    static Dataset<Row> invalidReferences(Dataset<Row> annotated, String column) {
        return annotated
                .filter(col(RowValidation.INVALID_REASON).isNotNull().and(not(isBlank(col(column)))))
                .select(column)
                .distinct();
    }

    /**
     * Per track referenced by any license row: whether one of its rows is invalid, and the valid licenses in
     * force at {@code at} ({@link #licenceInForce}): license_ids sorted, licensor_types sorted and distinct,
     * prohibited purposes normalised ({@link #prohibitedPurposes}).
     */
    static Dataset<Row> licensesInForce(Dataset<Row> annotatedLicenses, Instant at) {
        Column inForce = isValid().and(licenceInForce(at));
        Column prohibited = prohibitedPurposes(col(PROHIBITED_PURPOSES));
        // One object buffer per track: the in-force licenses as structs (a valid row has all three), unpacked after.
        Column license = struct(col(LICENSE_ID).as(LICENSE_ID), enumValue(col(LICENSOR_TYPE)).as(LICENSOR_TYPE),
                prohibited.as(PROHIBITED));
        Column inForceLicenses = col(IN_FORCE);
        return annotatedLicenses
                .filter(not(isBlank(col(TRACK_ID))))
                .groupBy(TRACK_ID)
                .agg(collect_list(when(inForce, license)).as(IN_FORCE), max(not(isValid())).as(LICENSE_INVALID))
                .select(col(TRACK_ID),
                        sort_array(transform(inForceLicenses, l -> l.getField(LICENSE_ID))).as(LICENSE_IDS),
                        sort_array(array_distinct(transform(inForceLicenses, l -> l.getField(LICENSOR_TYPE))))
                                .as(LICENSOR_TYPES),
                        array_distinct(flatten(transform(inForceLicenses, l -> l.getField(PROHIBITED)))).as(PROHIBITED),
                        col(LICENSE_INVALID));
    }

    /**
     * Whether a licence row's validity window covers {@code at}: valid_from null or at or before it, and valid_to
     * null or after it (exclusive). {@code at} is an Instant literal, not a java.sql.Timestamp: Spark converts that
     * through the JVM's default time zone, which moves instants from before the zone's standard time. Public because the auditor marks a track's licences in force with this very
     * predicate, so that what it shows cannot disagree with the licence_ids the run recorded.
     */
    public static Column licenceInForce(Instant at) {
        return licenceStarted(at).and(col(VALID_TO).isNull().or(lit(at).lt(col(VALID_TO))));
    }

    /**
     * The first half of {@link #licenceInForce}: valid_from null or at or before {@code at}. Public so that the
     * auditor can tell a licence not yet in force from an expired one.
     */
    public static Column licenceStarted(Instant at) {
        return col(VALID_FROM).isNull().or(col(VALID_FROM).leq(lit(at)));
    }

    /**
     * A licence row's prohibited purposes as the rules compare them: each name normalised, null elements dropped,
     * null as none. Public because the auditor names the licences that prohibit a purpose from this column
     * (with {@link DecisionRules#prohibits}).
     */
    public static Column prohibitedPurposes(Column prohibitedPurposes) {
        return coalesce(array_compact(transform(prohibitedPurposes, p -> purposeName(p))), emptyStrings());
    }

    /**
     * Whether a consent event is a choice about {@code purpose}: its purpose, normalised by
     * {@link dev.clearance.catalog.Normalize#purposeName(Column)} ({@code eventPurpose}, computed once by the
     * caller for all purposes), is {@code purpose} or '*'. Public because the auditor labels a creator's events
     * with it, so that an event counts for the same purposes in a data-subject report as in the run.
     */
    public static Column consentFor(Column eventPurpose, Column purpose) {
        return eventPurpose.equalTo(purpose).or(eventPurpose.equalTo(lit(Purposes.ALL)));
    }

    /**
     * Whether a consent event was made by {@code at} (event_ts at or before it); a later one is valid but not in
     * effect yet. Public for the same reason as {@link #consentFor}.
     */
    public static Column consentMadeBy(Instant at) {
        return col(EVENT_TS).leq(lit(at));
    }

    /**
     * Per user referenced by any consent row: whether one of its rows is invalid, and per purpose the consent
     * in effect at {@code asOf}: among the user's valid events for that purpose or '*' with event_ts <= asOf, the
     * latest; on a tie OPT_OUT beats OPT_IN, then the smallest event_id. The minimum of
     * struct(-event_ts, rank, event_id) picks exactly that event.
     */
    static Dataset<Row> consentAt(Dataset<Row> annotatedConsents, Policy policy, Instant asOf) {
        Column action = enumValue(col(ACTION));
        Column purpose = purposeName(col(PURPOSE));
        Column candidate = struct(
                negate(unix_micros(col(EVENT_TS))).as(EVENT_ORDER),
                when(action.equalTo(ConsentAction.OPT_OUT.name()), 0).otherwise(1).as(ACTION_ORDER),
                col(EVENT_ID).as(CONSENT_EVENT_ID),
                action.as(ACTION));
        Column applicable = isValid().and(consentMadeBy(asOf));
        List<String> purposes = policy.purposeNames();
        Column[] perPurpose = new Column[purposes.size()];
        for (int i = 0; i < purposes.size(); i++) {
            perPurpose[i] = min(when(applicable.and(consentFor(purpose, lit(purposes.get(i)))), candidate))
                    .as(consentColumn(i));
        }
        // The ordering fields have done their work: what is joined to every track of the user is only the event.
        Column[] resolved = new Column[purposes.size() + 2];
        resolved[0] = col(USER_ID);
        resolved[1] = col(CONSENT_INVALID);
        for (int i = 0; i < purposes.size(); i++) {
            Column winner = col(consentColumn(i));
            resolved[i + 2] = when(winner.isNotNull(), struct(winner.getField(CONSENT_EVENT_ID).as(CONSENT_EVENT_ID),
                    winner.getField(ACTION).as(ACTION))).as(consentColumn(i));
        }
        return annotatedConsents
                .filter(not(isBlank(col(USER_ID))))
                .groupBy(USER_ID)
                .agg(max(not(isValid())).as(CONSENT_INVALID), perPurpose)
                .select(resolved);
    }

    /** NONE, OPT_IN or OPT_OUT from a per-purpose consent column. */
    static Column consentState(Column consent) {
        return coalesce(consent.getField(ACTION), lit(CONSENT_NONE));
    }

    static Column consentEventId(Column consent) {
        return consent.getField(CONSENT_EVENT_ID);
    }

    /** The first tag, in array order and as written, that matches a no-AI tag; null elements never match. */
    static Column matchedNoAiTag(Column tags, List<String> noAiTags) {
        if (noAiTags.isEmpty()) {
            return lit(null).cast(DataTypes.StringType);
        }
        return get(filter(tags, t -> t.isNotNull().and(tagKey(t).isin(noAiTags.toArray()))), lit(0));
    }

    /**
     * The DMI value that can reserve: null for a null or blank value and for DMI-UNSPECIFIED and DMI-ALLOWED
     * (they reserve nothing, even where a policy lists them); a reserving IPTC value as is; anything else
     * DMI-PROHIBITED (fail closed). Public because the auditor explains an embedded_dmi value of the ledger by
     * this reading of it, not by a second parser.
     */
    public static Column effectiveDmi(Column raw) {
        Column value = dmiValue(raw);
        Object[] reserving = Arrays.stream(Dmi.values()).filter(Dmi::reserves).map(Dmi::value).toArray();
        Object[] reservingNothing = Arrays.stream(Dmi.values()).filter(d -> !d.reserves()).map(Dmi::value).toArray();
        return when(isBlank(raw).or(value.isin(reservingNothing)), lit(null).cast(DataTypes.StringType))
                .when(value.isin(reserving), value)
                .otherwise(lit(Dmi.PROHIBITED.value()));
    }

    private static Column emptyStrings() {
        return array().cast(DataTypes.createArrayType(DataTypes.StringType));
    }
}
