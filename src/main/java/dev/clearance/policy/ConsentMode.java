package dev.clearance.policy;

import java.util.Locale;

/** How a purpose treats creator consent. */
public enum ConsentMode {
    /** Only tracks whose uploader opted in may be used. */
    OPT_IN,
    /** Tracks may be used unless their uploader opted out. */
    OPT_OUT,
    /** Consent does not gate the purpose (it is still resolved and recorded as evidence). */
    NOT_REQUIRED;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
