package dev.clearance.run;

import dev.clearance.errors.Errors;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the run log allows a run to do (contract §4.1), decided without Spark from the run log's rows, the
 * runs whose ledger append is committed, the request, the clock and the policy: the plan, or a typed refusal
 * (exit 5). The job plans once before it takes the lease and once under it, and refuses if the two differ.
 */
public final class RunPlanner {
    private RunPlanner() {}

    /**
     * @param runId    this run's id (validated)
     * @param asOf     this run's as_of; the earlier attempt's when it is completed
     * @param attempt  this run_id's row in the run log, from an earlier attempt
     * @param previous the last SUCCEEDED run: what this run is compared with
     * @param ledgerWritten an earlier attempt of this run committed its ledger rows: they are not appended again
     * @param alreadySucceeded the run_id succeeded before: nothing to do
     */
    public record RunPlan(String runId, Instant asOf, Optional<RunRecord> attempt, Optional<RunRecord> previous,
                          boolean ledgerWritten, boolean alreadySucceeded) {
        public boolean resuming() {
            return attempt.isPresent();
        }
    }

    /**
     * @param runs          every row of the run log
     * @param ledgerAppends run_ids whose ledger append is committed
     * @param runId         the requested run_id (validated)
     * @param requestedAsOf the requested as_of, if any
     * @param now           the start of this attempt
     */
    public static RunPlan plan(List<RunRecord> runs, Set<String> ledgerAppends, String runId,
                               Optional<Instant> requestedAsOf, Instant now, String policySha256) {
        Optional<RunRecord> attempt = runs.stream().filter(r -> r.runId().equals(runId)).findFirst();
        Optional<RunRecord> previous = lastSucceeded(runs);
        if (attempt.isPresent() && attempt.get().status() == RunStatus.SUCCEEDED) {
            return new RunPlan(runId, attempt.get().asOf(), attempt, previous, true, true);
        }
        Instant asOf = asOf(runId, attempt, requestedAsOf.map(t -> t.truncatedTo(ChronoUnit.MICROS)), now);
        if (previous.isPresent() && asOf.isBefore(previous.get().asOf())) {
            throw Errors.asOfBeforeLastRun(runId, asOf, previous.get().runId(), previous.get().asOf());
        }
        for (RunRecord other : runs) {
            if (other.status() != RunStatus.SUCCEEDED && !other.runId().equals(runId)
                    && ledgerAppends.contains(other.runId())) {
                throw Errors.incompleteRun(other.runId(), other.asOf());
            }
        }
        boolean ledgerWritten = attempt.isPresent() && ledgerAppends.contains(runId);
        if (ledgerWritten && !attempt.get().policySha256().equals(policySha256)) {
            throw Errors.policyChangedMidRun(runId, attempt.get().policySha256(), policySha256);
        }
        return new RunPlan(runId, asOf, attempt, previous, ledgerWritten, false);
    }

    /** The latest SUCCEEDED run by as_of (then by finish time): the one the next run is compared with. */
    public static Optional<RunRecord> lastSucceeded(List<RunRecord> runs) {
        return runs.stream()
                .filter(r -> r.status() == RunStatus.SUCCEEDED)
                .max(Comparator.comparing(RunRecord::asOf).thenComparing(RunRecord::finishedAt));
    }

    private static Instant asOf(String runId, Optional<RunRecord> attempt, Optional<Instant> requested, Instant now) {
        if (attempt.isPresent()) {
            Instant recorded = attempt.get().asOf();
            if (requested.isPresent() && !requested.get().equals(recorded)) {
                throw Errors.asOfChanged(runId, recorded, requested.get());
            }
            return recorded;
        }
        return requested.orElse(now.truncatedTo(ChronoUnit.SECONDS));
    }
}
