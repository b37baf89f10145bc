package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.errors.RunConflictException;
import dev.clearance.run.RunPlanner.RunPlan;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the run log allows (contract §4.1), without Spark. */
class RunPlannerTest {
    private static final Instant T1 = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-06-02T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-06-03T10:15:30.123456789Z");
    private static final String SHA = "a".repeat(64);

    private static RunRecord run(String id, Instant asOf, RunStatus status, String sha) {
        return new RunRecord(id, asOf, asOf, status == RunStatus.RUNNING ? null : asOf.plusSeconds(60), status, "v1",
                sha, null, List.of(), List.of(), List.of(), List.of(), List.of(), 0, null);
    }

    private static RunPlan plan(List<RunRecord> runs, Set<String> ledgerAppends, String runId,
                                Optional<Instant> asOf) {
        return RunPlanner.plan(runs, ledgerAppends, runId, asOf, NOW, SHA);
    }

    @Test
    void aFirstRunStartsAtTheRequestedAsOfOrAtNowInWholeSeconds() {
        assertThat(plan(List.of(), Set.of(), "r", Optional.of(T1)))
                .isEqualTo(new RunPlan("r", T1, Optional.empty(), Optional.empty(), false, false));
        assertThat(plan(List.of(), Set.of(), "r", Optional.empty()).asOf())
                .isEqualTo(Instant.parse("2026-06-03T10:15:30Z"));
        assertThat(plan(List.of(), Set.of(), "r", Optional.of(Instant.parse("2026-06-01T00:00:00.1234567Z"))).asOf())
                .isEqualTo(Instant.parse("2026-06-01T00:00:00.123456Z"));
    }

    @Test
    void aSucceededRunIdIsNotRunAgain() {
        RunRecord done = run("r1", T1, RunStatus.SUCCEEDED, SHA);
        RunPlan plan = plan(List.of(done), Set.of("r1"), "r1", Optional.of(T2));
        assertThat(plan.alreadySucceeded()).isTrue();
        assertThat(plan.attempt()).contains(done);
    }

    @Test
    void theNextRunIsComparedWithTheLatestSucceededRunByAsOf() {
        RunRecord first = run("r1", T1, RunStatus.SUCCEEDED, SHA);
        RunRecord second = run("r2", T2, RunStatus.SUCCEEDED, SHA);
        RunRecord failed = run("r3", NOW, RunStatus.FAILED, SHA);
        RunPlan plan = plan(List.of(second, failed, first), Set.of("r1", "r2"), "r4", Optional.of(NOW));
        assertThat(plan.previous()).contains(second);
        assertThat(plan.ledgerWritten()).isFalse();
    }

    @Test
    void anAsOfEarlierThanTheLastSuccessfulRunIsRefused() {
        assertThatThrownBy(() -> plan(List.of(run("r2", T2, RunStatus.SUCCEEDED, SHA)), Set.of(), "r3", Optional.of(T1)))
                .isInstanceOf(RunConflictException.class)
                .hasMessage("as_of 2026-06-01T00:00:00Z of run r3 is earlier than 2026-06-02T00:00:00Z, the as_of of"
                        + " the last successful run r2; the ledger only moves forward. Use an --as-of at or after"
                        + " 2026-06-02T00:00:00Z.");
        assertThat(plan(List.of(run("r2", T2, RunStatus.SUCCEEDED, SHA)), Set.of(), "r3", Optional.of(T2)).asOf())
                .isEqualTo(T2);
    }

    @Test
    void anInterruptedRunKeepsItsAsOfAndIsCompletedWithoutAppendingItsLedgerRowsAgain() {
        RunRecord interrupted = run("r2", T2, RunStatus.RUNNING, SHA);
        RunPlan plan = plan(List.of(run("r1", T1, RunStatus.SUCCEEDED, SHA), interrupted), Set.of("r1", "r2"), "r2",
                Optional.empty());
        assertThat(plan.asOf()).isEqualTo(T2);
        assertThat(plan.attempt()).contains(interrupted);
        assertThat(plan.ledgerWritten()).isTrue();
        assertThatThrownBy(() -> plan(List.of(interrupted), Set.of("r2"), "r2", Optional.of(T1)))
                .isInstanceOf(RunConflictException.class)
                .hasMessage("run r2 was started with as_of 2026-06-02T00:00:00Z, not 2026-06-01T00:00:00Z; rerun it"
                        + " without --as-of (or with the same one), or use another --run-id");
    }

    @Test
    void anotherRunWaitsUntilARunWhoseLedgerRowsAreCommittedIsCompleted() {
        List<RunRecord> runs = List.of(run("r2", T2, RunStatus.FAILED, SHA));
        assertThatThrownBy(() -> plan(runs, Set.of("r2"), "r3", Optional.of(NOW)))
                .isInstanceOf(RunConflictException.class)
                .hasMessage("run r2 (as_of 2026-06-02T00:00:00Z) wrote ledger rows but did not finish; complete it"
                        + " first with --run-id r2");
        // A run that failed before its ledger append (the quarantine limit) blocks nobody.
        assertThat(plan(runs, Set.of(), "r3", Optional.of(NOW)).attempt()).isEmpty();
    }

    @Test
    void aRunWhoseLedgerRowsAreCommittedRefusesAnotherPolicyButOneThatFailedBeforeMayUseIt() {
        List<RunRecord> runs = List.of(run("r2", T2, RunStatus.FAILED, "b".repeat(64)));
        assertThatThrownBy(() -> plan(runs, Set.of("r2"), "r2", Optional.empty()))
                .isInstanceOf(RunConflictException.class)
                .hasMessageContaining("run r2 already wrote ledger rows under policy sha256 " + "b".repeat(64)
                        + " but the policy file now has sha256 " + SHA);
        RunPlan retry = plan(runs, Set.of(), "r2", Optional.empty());
        assertThat(retry.ledgerWritten()).isFalse();
        assertThat(retry.asOf()).isEqualTo(T2);
    }
}
