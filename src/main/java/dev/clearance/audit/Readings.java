package dev.clearance.audit;

import static dev.clearance.catalog.Columns.EMBEDDED_DMI;
import static dev.clearance.catalog.Columns.PROHIBITED_PURPOSES;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.STATE;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;

import dev.clearance.catalog.Normalize;
import dev.clearance.decide.DecisionRules;
import dev.clearance.decide.Resolution;
import dev.clearance.runlog.RunRecord;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * What a run made of the rows an auditor is shown, as extra columns computed on those rows by the job's own
 * functions ({@link Resolution}, {@link DecisionRules}, {@link Normalize}). The auditor restates no rule of
 * contract §3.2 in Java, so a sentence cannot disagree with the decision it explains, and a change to a rule or
 * to the normalisation reaches both at once. The rows are one track's or one creator's, so this costs nothing.
 */
final class Readings {
    /** tracks: the state as the rules compare it. */
    static final String STATE_VALUE = "_state";
    /** licenses: whether the licence's validity window covered the run's as_of. */
    static final String IN_FORCE = "_in_force";
    /** licenses: whether its validity had begun by the run's as_of; with {@link #IN_FORCE} false, it had expired. */
    static final String STARTED = "_started";
    /** licenses: the purposes asked about that the licence prohibits. */
    static final String PROHIBITS = "_prohibits";
    /** consents: the event's purpose as the rules compare it. */
    static final String PURPOSE_NAME = "_purpose";
    /** consents: the purposes asked about that the event is a choice for; empty for an ignored consent purpose. */
    static final String CHOICE_FOR = "_choice_for";
    /** consents: whether the event was made by the run's as_of (else it was not in effect yet). */
    static final String MADE_BY_AS_OF = "_made_by_as_of";
    /** ledger: the embedded_dmi value as read. */
    static final String DMI_VALUE = "_dmi_value";
    /** ledger: the DMI value that counted; null when it reserves nothing. */
    static final String DMI_COUNTED = "_dmi_counted";

    private Readings() {}

    static Column[] tracks() {
        return new Column[] {Normalize.enumValue(col(STATE)).as(STATE_VALUE)};
    }

    /** @param purposes the purposes {@link #PROHIBITS} is asked about */
    static Column[] licences(RunRecord run, List<String> purposes) {
        Instant asOf = run.asOf();
        Column prohibited = Resolution.prohibitedPurposes(col(PROHIBITED_PURPOSES));
        return new Column[] {
            Resolution.licenceInForce(asOf).as(IN_FORCE),
            Resolution.licenceStarted(asOf).as(STARTED),
            filter(strings(purposes), p -> DecisionRules.prohibits(prohibited, p)).as(PROHIBITS)};
    }

    /** @param purposes the purposes {@link #CHOICE_FOR} is asked about */
    static Column[] consents(RunRecord run, List<String> purposes) {
        Column purpose = Normalize.purposeName(col(PURPOSE));
        return new Column[] {
            purpose.as(PURPOSE_NAME),
            filter(strings(purposes), p -> Resolution.consentFor(purpose, p)).as(CHOICE_FOR),
            Resolution.consentMadeBy(run.asOf()).as(MADE_BY_AS_OF)};
    }

    static Column[] ledger() {
        return new Column[] {
            Normalize.dmiValue(col(EMBEDDED_DMI)).as(DMI_VALUE),
            Resolution.effectiveDmi(col(EMBEDDED_DMI)).as(DMI_COUNTED)};
    }

    /** {@code rows} with {@code readings} added after their own columns. */
    static Dataset<Row> added(Dataset<Row> rows, Column... readings) {
        return rows.select(Stream.concat(Stream.of(col("*")), Arrays.stream(readings)).toArray(Column[]::new));
    }

    private static Column strings(List<String> values) {
        return array(values.stream().map(v -> lit(v)).toArray(Column[]::new))
                .cast(DataTypes.createArrayType(DataTypes.StringType));
    }
}
