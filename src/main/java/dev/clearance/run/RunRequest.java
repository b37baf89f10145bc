package dev.clearance.run;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * What the caller asked for; absent values default from the clock and the run log. {@code full} forces a full
 * run where an incremental one would be possible (contract §8).
 */
public record RunRequest(Optional<Instant> asOf, Optional<String> runId, boolean full) {

    public RunRequest(Optional<Instant> asOf, Optional<String> runId) {
        this(asOf, runId, false);
    }

    /**
     * The same request with its run_id fixed before the run starts, so that the caller can name the run in its
     * lineage events and summary whatever happens next. Without --run-id the run_id is derived from as_of, and
     * without either as_of is pinned to {@code now} (whole seconds): the defaults {@link ClearanceJob} applies.
     */
    public RunRequest identified(Instant now) {
        if (runId.isPresent()) {
            return new RunRequest(asOf, Optional.of(RunIds.validate(runId.get())), full);
        }
        Instant instant = asOf.orElse(now.truncatedTo(ChronoUnit.SECONDS)).truncatedTo(ChronoUnit.MICROS);
        return new RunRequest(Optional.of(instant), Optional.of(RunIds.fromAsOf(instant)), full);
    }
}
