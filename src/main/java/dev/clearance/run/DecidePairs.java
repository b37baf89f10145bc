package dev.clearance.run;

import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.REASONS;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.clearance.catalog.InputTable;
import dev.clearance.decide.Decision;
import dev.clearance.decide.Decisions;
import dev.clearance.decide.Reason;
import dev.clearance.policy.Policy;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Every (track, purpose) decided at as_of (contract §3.2–3.3), kept for the steps after it, and counted. */
final class DecidePairs {
    /** The decisions, one row per pair ({@link Decisions#COLUMNS}), and their counts per purpose and reason. */
    record Result(Dataset<Row> decisions, List<PurposeCount> purposes, List<ReasonCount> reasons) {
        long total() {
            return purposes.stream().mapToLong(p -> p.included() + p.excluded()).sum();
        }
    }

    private final SparkWork work;
    private final Policy policy;
    private final Instant asOf;

    DecidePairs(SparkWork work, Policy policy, Instant asOf) {
        this.work = work;
        this.policy = policy;
        this.asOf = asOf;
    }

    Result execute(Map<InputTable, Dataset<Row>> validated) {
        // Materialized first, the per-user consents are broadcast to the tracks when their real size allows.
        Dataset<Row> consents = work.persist(Decisions.consentsAt(policy, asOf, validated.get(InputTable.CONSENTS)));
        work.describe("resolving consents per user", consents::count);
        // Kept once per track (a quarter of the pairs) and exploded to pairs by every reader.
        Dataset<Row> decisions = Decisions.perPair(work.persistLarge(Decisions.perTrack(policy, asOf,
                validated.get(InputTable.TRACKS), validated.get(InputTable.LICENSES), consents)));
        return work.describe("deciding every (track, purpose)", () -> count(decisions));
    }

    /** One aggregate over the decisions: included, excluded and every reason, per purpose. */
    private Result count(Dataset<Row> decisions) {
        List<Column> sums = new ArrayList<>();
        sums.add(sum(when(col(DECISION).equalTo(Decision.INCLUDED.name()), 1L).otherwise(0L)));
        sums.add(sum(when(col(DECISION).equalTo(Decision.EXCLUDED.name()), 1L).otherwise(0L)));
        for (Reason reason : Reason.values()) {
            sums.add(sum(when(array_contains(col(REASONS), reason.name()), 1L).otherwise(0L)));
        }
        Map<String, PurposeCount> counted = new HashMap<>();
        List<ReasonCount> reasons = new ArrayList<>();
        for (Row r : decisions.groupBy(PURPOSE).agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new))
                .collectAsList()) {
            String purpose = r.getString(0);
            counted.put(purpose, new PurposeCount(purpose, r.getLong(1), r.getLong(2)));
            for (Reason reason : Reason.values()) {
                long n = r.getLong(3 + reason.ordinal());
                if (n > 0) {
                    reasons.add(new ReasonCount(purpose, reason.name(), n));
                }
            }
        }
        reasons.sort(Comparator.comparing(ReasonCount::purpose).thenComparing(ReasonCount::reason));
        return new Result(decisions, policy.purposeNames().stream()
                .map(p -> counted.getOrDefault(p, new PurposeCount(p, 0, 0))).toList(), reasons);
    }
}
