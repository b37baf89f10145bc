package dev.clearance.run;

import java.time.Instant;
import java.util.Optional;

/** What the caller asked for; absent values default from the clock and the run log. */
public record RunRequest(Optional<Instant> asOf, Optional<String> runId) {}
