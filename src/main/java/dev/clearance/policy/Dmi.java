package dev.clearance.policy;

import java.util.Arrays;
import java.util.Optional;

/**
 * The nine IPTC PLUS "Data Mining" values. An embedded value outside them counts as {@link #PROHIBITED}
 * (fail closed); {@link #UNSPECIFIED} and {@link #ALLOWED} reserve nothing.
 */
public enum Dmi {
    UNSPECIFIED("DMI-UNSPECIFIED"),
    ALLOWED("DMI-ALLOWED"),
    PROHIBITED_AIMLTRAINING("DMI-PROHIBITED-AIMLTRAINING"),
    PROHIBITED_GENAIMLTRAINING("DMI-PROHIBITED-GENAIMLTRAINING"),
    PROHIBITED_EXCEPTSEARCHENGINEINDEXING("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"),
    PROHIBITED("DMI-PROHIBITED"),
    PROHIBITED_SEECONSTRAINT("DMI-PROHIBITED-SEECONSTRAINT"),
    PROHIBITED_SEEEMBEDDEDRIGHTSEXPR("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR"),
    PROHIBITED_SEELINKEDRIGHTSEXPR("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR");

    private final String value;

    Dmi(String value) {
        this.value = value;
    }

    /** The value as IPTC writes it, e.g. DMI-PROHIBITED-GENAIMLTRAINING. */
    public String value() {
        return value;
    }

    /** Whether a track carrying this value can be reserved from a purpose at all. */
    public boolean reserves() {
        return this != UNSPECIFIED && this != ALLOWED;
    }

    public static Optional<Dmi> fromValue(String value) {
        return Arrays.stream(values()).filter(d -> d.value.equals(value)).findFirst();
    }
}
