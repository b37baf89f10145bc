package dev.clearance.decide;

import static dev.clearance.catalog.Columns.LICENSOR_TYPES;
import static dev.clearance.decide.Resolution.CONSENT_INVALID;
import static dev.clearance.decide.Resolution.DMI_VALUE;
import static dev.clearance.decide.Resolution.LICENSE_INVALID;
import static dev.clearance.decide.Resolution.PROHIBITED;
import static dev.clearance.decide.Resolution.STATE_VALUE;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.arrays_overlap;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.clearance.catalog.Columns;
import dev.clearance.catalog.ConsentAction;
import dev.clearance.catalog.Purposes;
import dev.clearance.policy.ConsentMode;
import dev.clearance.policy.Dmi;
import dev.clearance.policy.PurposeRule;
import java.util.EnumMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

/**
 * The exclusion rules of contract §3.3, each written once as a condition over a track's resolved facts
 * ({@link Resolution}) and one purpose's policy. A rule whose policy switch is off folds to a constant false.
 */
public final class DecisionRules {
    private DecisionRules() {}

    /**
     * Every rule for {@code rule}'s purpose, in the order reasons are listed; each condition is true when the
     * reason applies. {@code consent} is the purpose's resolved consent column (see {@link Resolution}).
     */
    static Map<Reason, Column> conditions(PurposeRule rule, Column consent) {
        Column consentState = Resolution.consentState(consent);
        boolean consentCounts = rule.consent() != ConsentMode.NOT_REQUIRED;
        Map<Reason, Column> c = new EnumMap<>(Reason.class);
        c.put(Reason.STATE_NOT_ELIGIBLE,
                col(STATE_VALUE).isin(names(rule.eligibleStates().toArray())).unary_$bang());
        c.put(Reason.LICENSE_RECORD_INVALID, col(LICENSE_INVALID));
        c.put(Reason.NO_VALID_LICENSE,
                lit(rule.requiresValidLicense()).and(size(col(Columns.LICENSE_IDS)).equalTo(0)));
        c.put(Reason.LICENSOR_EXCLUDED,
                arrays_overlap(col(LICENSOR_TYPES), stringArray(names(rule.excludedLicensorTypes().toArray()))));
        c.put(Reason.LICENSE_PROHIBITS_PURPOSE, prohibits(col(PROHIBITED), lit(rule.name())));
        c.put(Reason.NO_AI_TAG, lit(rule.honorNoAiTag()).and(col(Columns.MATCHED_NO_AI_TAG).isNotNull()));
        c.put(Reason.EMBEDDED_RESERVATION,
                col(DMI_VALUE).isin(rule.reservedByDmi().stream().map(Dmi::value).toArray()));
        c.put(Reason.CONSENT_RECORD_INVALID, lit(consentCounts).and(col(CONSENT_INVALID)));
        c.put(Reason.CONSENT_OPTED_OUT,
                lit(consentCounts).and(consentState.equalTo(ConsentAction.OPT_OUT.name())));
        c.put(Reason.CONSENT_NOT_GIVEN, lit(rule.consent() == ConsentMode.OPT_IN)
                .and(consentState.equalTo(Resolution.CONSENT_NONE)));
        return c;
    }

    /**
     * Whether prohibited purposes, normalised by {@link Resolution#prohibitedPurposes}, forbid {@code purpose}: they
     * list it or '*'. Public because the auditor names the licences behind LICENSE_PROHIBITS_PURPOSE with it.
     */
    public static Column prohibits(Column prohibited, Column purpose) {
        return array_contains(prohibited, purpose).or(array_contains(prohibited, Purposes.ALL));
    }

    /** The reasons that apply, in contract order; empty means INCLUDED. Never null. */
    static Column reasons(PurposeRule rule, Column consent) {
        Column[] flagged = conditions(rule, consent).entrySet().stream()
                .map(e -> when(e.getValue(), lit(e.getKey().name())))
                .toArray(Column[]::new);
        return array_compact(array(flagged));
    }

    static Column decision(Column reasons) {
        return when(size(reasons).equalTo(0), lit(Decision.INCLUDED.name())).otherwise(lit(Decision.EXCLUDED.name()));
    }

    private static Object[] names(Object[] values) {
        Object[] names = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            names[i] = ((Enum<?>) values[i]).name();
        }
        return names;
    }

    private static Column stringArray(Object[] values) {
        Column[] literals = new Column[values.length];
        for (int i = 0; i < values.length; i++) {
            literals[i] = lit(values[i]);
        }
        return array(literals).cast(DataTypes.createArrayType(DataTypes.StringType));
    }
}
