package dev.clearance.audit;

import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The human-readable end of a run: what a data engineer reads in the task log. */
public final class RunSummary {
    private static final int TOP_REASONS = 3;

    private RunSummary() {}

    public static String render(RunRecord run) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("Clearance run %s  as_of %s  status %s%n", run.runId(), run.asOf(), run.status()));
        out.append(String.format("policy %s  sha256 %s%n", run.policyVersion(), run.policySha256()));
        if (run.mode() != null) {
            out.append(String.format("mode %s: %s%n", run.mode().kind().label(), run.mode().reason()));
        }
        if (run.message() != null) {
            out.append(run.message()).append(System.lineSeparator());
        }
        if (!run.decisionCounts().isEmpty()) {
            out.append(System.lineSeparator());
            out.append(String.format("%-24s %12s %12s  %s%n", "purpose", "included", "excluded", "top exclusion reasons"));
            for (PurposeCount count : run.decisionCounts()) {
                out.append(String.format("%-24s %,12d %,12d  %s%n", count.purpose(), count.included(), count.excluded(),
                        topReasons(run.reasonCounts(), count.purpose())));
            }
        }
        out.append(System.lineSeparator());
        if (run.quarantineCounts().isEmpty()) {
            out.append("quarantine: no invalid rows").append(System.lineSeparator());
        } else {
            Map<String, List<QuarantineCount>> byTable = run.quarantineCounts().stream()
                    .collect(Collectors.groupingBy(QuarantineCount::sourceTable, LinkedHashMap::new, Collectors.toList()));
            out.append(String.format("%-24s %12s  %s%n", "quarantined", "rows", "by reason"));
            byTable.forEach((table, counts) -> out.append(String.format("%-24s %,12d  %s%n", table,
                    counts.stream().mapToLong(QuarantineCount::rows).sum(),
                    counts.stream().map(c -> c.reason() + " " + String.format("%,d", c.rows()))
                            .collect(Collectors.joining(", ")))));
        }
        if (run.status() == RunStatus.SUCCEEDED) {
            out.append(String.format("%nledger rows written: %,d%n", run.ledgerRows()));
            run.outputs().forEach(o -> out.append(String.format("  %-36s v%-6d %,12d rows%n", o.table(), o.version(),
                    o.rows())));
        }
        return out.toString();
    }

    private static String topReasons(List<ReasonCount> counts, String purpose) {
        return counts.stream()
                .filter(c -> c.purpose().equals(purpose))
                .sorted(Comparator.comparingLong(ReasonCount::tracks).reversed().thenComparing(ReasonCount::reason))
                .limit(TOP_REASONS)
                .map(c -> c.reason() + " " + String.format("%,d", c.tracks()))
                .collect(Collectors.joining(", "));
    }
}
