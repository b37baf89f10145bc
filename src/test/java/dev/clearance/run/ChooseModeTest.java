package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunStatus;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a run may be incremental, and the reason it gives when it may not (contract §8): no Spark. */
class ChooseModeTest {
    private static final String SHA = "a".repeat(64);
    private static final Instant AS_OF = Instant.parse("2026-06-01T00:00:00Z");

    private static InputVersion delta(InputTable table, long version) {
        return new InputVersion(table.tableName(), "delta", "/lake/" + table.tableName(), version, null);
    }

    private static RunRecord previous(String sha, List<InputVersion> inputs) {
        return new RunRecord("run-1", AS_OF, AS_OF, AS_OF.plusSeconds(60), RunStatus.SUCCEEDED, "v1", sha, null,
                inputs, List.of(), List.of(), List.of(), List.of(), 0, RunMode.full("first"));
    }

    private static Map<InputTable, InputVersion> now(long tracks, long licenses, long consents) {
        Map<InputTable, InputVersion> now = new EnumMap<>(InputTable.class);
        now.put(InputTable.TRACKS, delta(InputTable.TRACKS, tracks));
        now.put(InputTable.LICENSES, delta(InputTable.LICENSES, licenses));
        now.put(InputTable.CONSENTS, delta(InputTable.CONSENTS, consents));
        return now;
    }

    private static final RunRecord AT_3_4_5 = previous(SHA, List.of(delta(InputTable.TRACKS, 3),
            delta(InputTable.LICENSES, 4), delta(InputTable.CONSENTS, 5)));

    private static String fullReason(ChooseMode.Precheck precheck) {
        assertThat(precheck).isInstanceOf(ChooseMode.Full.class);
        return ((ChooseMode.Full) precheck).mode().reason();
    }

    @Test
    void aFirstRunAForcedRunAndAChangedPolicyAreFull() {
        assertThat(fullReason(ChooseMode.precheck(false, Optional.empty(), SHA, now(1, 1, 1))))
                .isEqualTo("no earlier run succeeded on this output root");
        assertThat(fullReason(ChooseMode.precheck(true, Optional.of(AT_3_4_5), SHA, now(3, 4, 5))))
                .isEqualTo("run --full was given");
        assertThat(fullReason(ChooseMode.precheck(false, Optional.of(AT_3_4_5), "b".repeat(64), now(3, 4, 5))))
                .isEqualTo("the policy changed since run run-1 (sha256 aaaaaaaaaaaa… then, bbbbbbbbbbbb… now)");
    }

    @Test
    void anInputWithoutVersionsMovedOrReplacedMakesTheRunFull() {
        Map<InputTable, InputVersion> parquet = now(3, 4, 5);
        parquet.put(InputTable.CONSENTS, new InputVersion("consents", "parquet", "/lake/consents", null, "sha256:1"));
        assertThat(fullReason(ChooseMode.precheck(false, Optional.of(AT_3_4_5), SHA, parquet)))
                .isEqualTo("consents is a Parquet input, which has no change data feed");

        RunRecord readParquet = previous(SHA, List.of(delta(InputTable.TRACKS, 3), delta(InputTable.LICENSES, 4),
                new InputVersion("consents", "parquet", "/lake/consents", null, "sha256:1")));
        assertThat(fullReason(ChooseMode.precheck(false, Optional.of(readParquet), SHA, now(3, 4, 5))))
                .isEqualTo("run run-1 did not read consents as a Delta table");

        Map<InputTable, InputVersion> moved = now(3, 4, 5);
        moved.put(InputTable.LICENSES, new InputVersion("licenses", "delta", "/lake2/licenses", 9L, null));
        assertThat(fullReason(ChooseMode.precheck(false, Optional.of(AT_3_4_5), SHA, moved)))
                .isEqualTo("licenses is read from /lake2/licenses, run run-1 read it from /lake/licenses");

        assertThat(fullReason(ChooseMode.precheck(false, Optional.of(AT_3_4_5), SHA, now(2, 4, 5))))
                .isEqualTo("tracks is at version 2, before the version 3 run run-1 read (the table was replaced)");
    }

    @Test
    void deltaInputsThatMovedForwardAreReadFromTheVersionsThePreviousRunRead() {
        ChooseMode.Precheck precheck = ChooseMode.precheck(false, Optional.of(AT_3_4_5), SHA, now(7, 4, 6));
        assertThat(precheck).isInstanceOf(ChooseMode.Candidate.class);
        Map<InputTable, ChooseMode.Range> ranges = ((ChooseMode.Candidate) precheck).ranges();
        assertThat(ranges.get(InputTable.TRACKS)).isEqualTo(new ChooseMode.Range("/lake/tracks", 3, 7));
        assertThat(ranges.get(InputTable.LICENSES).empty()).isTrue();
        assertThat(ranges.get(InputTable.CONSENTS)).isEqualTo(new ChooseMode.Range("/lake/consents", 5, 6));
    }

    @Test
    void theChangesReadDecideTheModeAndTheFirstReasonAgainstItWins() {
        ChooseMode.Candidate candidate = (ChooseMode.Candidate) ChooseMode.precheck(false, Optional.of(AT_3_4_5), SHA,
                now(7, 4, 6));
        Map<InputTable, ChooseMode.Read> read = new EnumMap<>(InputTable.class);
        read.put(InputTable.TRACKS, ChooseMode.Read.counted(200, 1_000));
        read.put(InputTable.LICENSES, ChooseMode.Read.counted(0, 1_500));
        read.put(InputTable.CONSENTS, ChooseMode.Read.counted(3, 90));
        assertThat(ChooseMode.choose(candidate, read, 0.2)).isEqualTo(RunMode.incremental("every input's change data"
                + " feed covers the versions since run run-1; changed: tracks 200 of 1,000 rows, licenses 0 of 1,500"
                + " rows, consents 3 of 90 rows"));
        assertThat(ChooseMode.choose(candidate, read, 0.1)).isEqualTo(RunMode.full("tracks changed 20.0% of its rows"
                + " since run run-1 (200 of 1,000), more than incremental.max_changed_fraction 0.1"));

        read.put(InputTable.CONSENTS, ChooseMode.Read.counted(5, 0));
        assertThat(ChooseMode.choose(candidate, read, 1.0).reason()).isEqualTo("consents changed all of its rows"
                + " since run run-1 (5 of 0), more than incremental.max_changed_fraction 1.0");

        read.put(InputTable.LICENSES, ChooseMode.Read.unreadable("the change data feed of licenses cannot be read"));
        assertThat(ChooseMode.choose(candidate, read, 1.0))
                .isEqualTo(RunMode.full("the change data feed of licenses cannot be read"));
    }

    @Test
    void anIncrementalRunCountsThePreviousRunsTotalsLessItsScopeThenPlusItsDecisions() {
        List<String> purposes = List.of("recommendation", "generative_training");
        assertThat(DecidePairs.rebase(
                List.of(new PurposeCount("recommendation", 90, 10), new PurposeCount("generative_training", 40, 60)),
                List.of(new PurposeCount("recommendation", 5, 1), new PurposeCount("generative_training", 2, 4)),
                List.of(new PurposeCount("recommendation", 4, 3), new PurposeCount("generative_training", 0, 5)),
                purposes))
                .containsExactly(new PurposeCount("recommendation", 89, 12),
                        new PurposeCount("generative_training", 38, 61));
        assertThat(DecidePairs.rebase(
                List.of(new ReasonCount("generative_training", "NO_AI_TAG", 3),
                        new ReasonCount("recommendation", "STATE_NOT_ELIGIBLE", 10)),
                List.of(new ReasonCount("generative_training", "NO_AI_TAG", 3)),
                List.of(new ReasonCount("generative_training", "CONSENT_OPTED_OUT", 2))))
                .containsExactly(new ReasonCount("generative_training", "CONSENT_OPTED_OUT", 2),
                        new ReasonCount("recommendation", "STATE_NOT_ELIGIBLE", 10));
    }
}
