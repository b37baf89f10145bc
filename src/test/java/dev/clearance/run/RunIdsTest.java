package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class RunIdsTest {

    @Test
    void aRunIdFromAsOfHasAsciiDigitsUnderAnyDefaultLocale() {
        Locale saved = Locale.getDefault();
        Locale format = Locale.getDefault(Locale.Category.FORMAT);
        try {
            Locale.setDefault(Locale.forLanguageTag("ar-EG"));
            assertThat(RunIds.fromAsOf(Instant.parse("2026-11-27T00:00:00.000123Z")))
                    .isEqualTo("run-20261127T000000.000123Z");
        } finally {
            Locale.setDefault(saved);
            Locale.setDefault(Locale.Category.FORMAT, format);
        }
        assertThat(RunIds.fromAsOf(Instant.parse("2026-11-27T00:00:00Z"))).isEqualTo("run-20261127T000000Z");
    }
}
