package dev.clearance.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** The storage formats an input table may have. */
public enum TableFormat {
    DELTA, PARQUET;

    @JsonValue
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TableFormat fromYaml(String value) {
        return Arrays.stream(values())
                .filter(f -> f.yamlName().equals(value))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "'" + value + "' is not a table format; use delta or parquet"));
    }
}
