package dev.clearance.run;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.InputVersion;
import dev.clearance.runlog.RunMode;
import dev.clearance.runlog.RunRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a run may be incremental (contract §8), decided without Spark: first from the run log and the input
 * versions (is there a run to follow, under the same policy, on Delta inputs that moved forward), then from what
 * reading the change data feeds found (readable, and small enough). Every fallback to a full run names its cause.
 */
final class ChooseMode {
    private ChooseMode() {}

    /** The versions (from, to] of one Delta input: {@code from} is the one the previous run read. */
    record Range(String path, long from, long to) {
        boolean empty() {
            return from == to;
        }
    }

    /** Either a full run with its reason, or an incremental one still to be confirmed by reading the changes. */
    sealed interface Precheck permits Full, Candidate {}

    record Full(RunMode mode) implements Precheck {}

    /** The run to follow and, per input, the versions whose changes to read. */
    record Candidate(RunRecord previous, Map<InputTable, Range> ranges) implements Precheck {}

    /** What reading one input's changes found: its changed and total rows, or why its changes cannot be read. */
    record Read(Optional<String> unreadable, long changedRows, long totalRows) {
        static Read unreadable(String why) {
            return new Read(Optional.of(why), 0, 0);
        }

        static Read counted(long changedRows, long totalRows) {
            return new Read(Optional.empty(), changedRows, totalRows);
        }

        double fraction() {
            return totalRows == 0 ? (changedRows == 0 ? 0.0 : Double.POSITIVE_INFINITY)
                    : (double) changedRows / totalRows;
        }
    }

    /**
     * @param forcedFull {@code run --full}
     * @param previous   the last SUCCEEDED run
     * @param inputs     the versions this run reads
     */
    static Precheck precheck(boolean forcedFull, Optional<RunRecord> previous, String policySha256,
                             Map<InputTable, InputVersion> inputs) {
        if (forcedFull) {
            return full("run --full was given");
        }
        if (previous.isEmpty()) {
            return full("no earlier run succeeded on this output root");
        }
        RunRecord last = previous.get();
        if (!last.policySha256().equals(policySha256)) {
            return full("the policy changed since run " + last.runId() + " (sha256 " + abbreviated(last.policySha256())
                    + " then, " + abbreviated(policySha256) + " now)");
        }
        Map<InputTable, Range> ranges = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            InputVersion now = inputs.get(table);
            String name = table.tableName();
            if (now.version() == null) {
                return full(name + " is a Parquet input, which has no change data feed");
            }
            Optional<InputVersion> then = last.input(name);
            if (then.isEmpty() || then.get().version() == null) {
                return full("run " + last.runId() + " did not read " + name + " as a Delta table");
            }
            if (!then.get().path().equals(now.path())) {
                return full(name + " is read from " + now.path() + ", run " + last.runId() + " read it from "
                        + then.get().path());
            }
            if (now.version() < then.get().version()) {
                return full(name + " is at version " + now.version() + ", before the version " + then.get().version()
                        + " run " + last.runId() + " read (the table was replaced)");
            }
            ranges.put(table, new Range(now.path(), then.get().version(), now.version()));
        }
        return new Candidate(last, ranges);
    }

    /** The mode, once every input of {@code candidate} with versions to read has been read. */
    static RunMode choose(Candidate candidate, Map<InputTable, Read> read, double maxChangedFraction) {
        String since = " since run " + candidate.previous().runId();
        List<String> sizes = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            Read r = read.get(table);
            String name = table.tableName();
            if (r.unreadable().isPresent()) {
                return RunMode.full(r.unreadable().get());
            }
            if (r.fraction() > maxChangedFraction) {
                return RunMode.full(String.format(Locale.ROOT,
                        "%s changed %s of its rows%s (%,d of %,d), more than incremental.max_changed_fraction %s",
                        name, percent(r.fraction()), since, r.changedRows(), r.totalRows(), maxChangedFraction));
            }
            sizes.add(String.format(Locale.ROOT, "%s %,d of %,d rows", name, r.changedRows(), r.totalRows()));
        }
        return RunMode.incremental("every input's change data feed covers the versions" + since + "; changed: "
                + String.join(", ", sizes));
    }

    private static Full full(String reason) {
        return new Full(RunMode.full(reason));
    }

    private static String percent(double fraction) {
        return Double.isInfinite(fraction) ? "all" : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    private static String abbreviated(String sha256) {
        return sha256.length() <= 12 ? sha256 : sha256.substring(0, 12) + "…";
    }
}
