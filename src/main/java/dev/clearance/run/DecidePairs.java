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
import dev.clearance.runlog.RunRecord;
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

    private static final Comparator<ReasonCount> REASON_ORDER =
            Comparator.comparing(ReasonCount::purpose).thenComparing(ReasonCount::reason);

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

    /**
     * An incremental run's counts, for the whole catalog as a full run counts them: the previous run's, less the
     * affected pairs as they stood then, plus this run's decisions of them.
     *
     * @param scoped          this run's decisions of the affected tracks, counted
     * @param previousOfScope the previous run's lineage/current rows of the same tracks
     */
    Result rebased(Result scoped, Dataset<Row> previousOfScope, RunRecord previous) {
        Result before = work.describe("counting the affected pairs as run " + previous.runId() + " left them",
                () -> count(previousOfScope));
        return new Result(scoped.decisions(),
                rebase(previous.decisionCounts(), before.purposes(), scoped.purposes(), policy.purposeNames()),
                rebase(previous.reasonCounts(), before.reasons(), scoped.reasons()));
    }

    /** {@code total - minus + plus} per purpose, in the order of {@code purposes}. */
    static List<PurposeCount> rebase(List<PurposeCount> total, List<PurposeCount> minus, List<PurposeCount> plus,
                                     List<String> purposes) {
        Map<String, long[]> counts = new HashMap<>();
        for (String purpose : purposes) {
            counts.put(purpose, new long[2]);
        }
        add(counts, total, 1);
        add(counts, minus, -1);
        add(counts, plus, 1);
        return purposes.stream().map(p -> new PurposeCount(p, counts.get(p)[0], counts.get(p)[1])).toList();
    }

    /** {@code total - minus + plus} per (purpose, reason), without the zeros, sorted as a full run sorts them. */
    static List<ReasonCount> rebase(List<ReasonCount> total, List<ReasonCount> minus, List<ReasonCount> plus) {
        Map<List<String>, Long> counts = new HashMap<>();
        total.forEach(c -> counts.merge(List.of(c.purpose(), c.reason()), c.tracks(), Long::sum));
        minus.forEach(c -> counts.merge(List.of(c.purpose(), c.reason()), -c.tracks(), Long::sum));
        plus.forEach(c -> counts.merge(List.of(c.purpose(), c.reason()), c.tracks(), Long::sum));
        return counts.entrySet().stream().filter(e -> e.getValue() != 0)
                .map(e -> new ReasonCount(e.getKey().get(0), e.getKey().get(1), e.getValue()))
                .sorted(REASON_ORDER).toList();
    }

    private static void add(Map<String, long[]> counts, List<PurposeCount> part, int sign) {
        for (PurposeCount c : part) {
            long[] n = counts.get(c.purpose());
            if (n != null) {
                n[0] += sign * c.included();
                n[1] += sign * c.excluded();
            }
        }
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
        reasons.sort(REASON_ORDER);
        return new Result(decisions, policy.purposeNames().stream()
                .map(p -> counted.getOrDefault(p, new PurposeCount(p, 0, 0))).toList(), reasons);
    }
}
