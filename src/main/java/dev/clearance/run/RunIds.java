package dev.clearance.run;

import dev.clearance.errors.ConfigException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Pattern;

/** run_id rules: safe in a Delta predicate and a file name, and derivable from as_of. */
public final class RunIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
            .withZone(ZoneOffset.UTC);

    private RunIds() {}

    public static String validate(String runId) {
        if (!VALID.matcher(runId).matches()) {
            throw new ConfigException("--run-id '" + runId + "' is not a valid run id: use 1-128 characters of"
                    + " A-Z a-z 0-9 . _ : + -, starting with a letter or digit");
        }
        return runId;
    }

    /** e.g. 2026-11-27T00:00:00Z becomes run-20261127T000000Z; fractions of a second are kept. */
    public static String fromAsOf(Instant asOf) {
        String id = "run-" + SECONDS.format(asOf);
        long micros = ChronoUnit.MICROS.between(asOf.truncatedTo(ChronoUnit.SECONDS), asOf);
        if (micros != 0) {
            // Locale.ROOT: under an Arabic or Persian default locale %d writes other digits.
            id += "." + String.format(Locale.ROOT, "%06d", micros);
        }
        return id + "Z";
    }
}
