package dev.clearance.runlog;

import java.util.Locale;

/**
 * How a run decided the catalog (contract §8) and why, in one sentence for the run log, the summary JSON, the
 * OpenLineage facet and the log.
 */
public record RunMode(Kind kind, String reason) {
    public enum Kind {
        /** Every track decided. */
        FULL,
        /** Only the tracks whose decision or evidence can have changed since the previous run decided. */
        INCREMENTAL;

        /** As written in the run log and the summary: {@code full} or {@code incremental}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind ofLabel(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    public static RunMode full(String reason) {
        return new RunMode(Kind.FULL, reason);
    }

    public static RunMode incremental(String reason) {
        return new RunMode(Kind.INCREMENTAL, reason);
    }

    public boolean incremental() {
        return kind == Kind.INCREMENTAL;
    }
}
