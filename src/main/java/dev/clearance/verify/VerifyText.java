package dev.clearance.verify;

import dev.clearance.verify.Verifier.CheckResult;
import dev.clearance.verify.Verifier.Report;
import dev.clearance.verify.Verifier.Violation;

/** A verification report as it appears in a terminal or a task log. */
public final class VerifyText {
    private static final String NL = System.lineSeparator();

    private VerifyText() {}

    public static String render(Report report) {
        StringBuilder out = new StringBuilder();
        out.append("Verifying run ").append(report.runId()).append(" (as_of ").append(report.asOf()).append(") in ")
                .append(report.outputRoot()).append(NL);
        out.append("tables checked: ").append(String.join(", ", report.snapshots())).append(NL).append(NL);
        for (CheckResult check : report.checks()) {
            out.append(String.format("%-4s  %-32s %,10d %-14s %,6d violation%s  %s%n", check.passed() ? "ok" : "FAIL",
                    check.name(), check.checked(), check.unit(), check.violations(),
                    check.violations() == 1 ? " " : "s", check.description()));
        }
        for (CheckResult check : report.checks()) {
            if (check.passed()) {
                continue;
            }
            out.append(NL).append(check.name()).append(": ").append(check.violations()).append(" violation")
                    .append(check.violations() == 1 ? "" : "s")
                    .append(check.violations() > check.first().size() ? " (first " + check.first().size() + ")" : "")
                    .append(NL);
            for (Violation v : check.first()) {
                out.append("  ").append(v.location()).append("  ").append(v.row()).append(": ").append(v.problem())
                        .append(NL);
            }
        }
        long failed = report.checks().stream().filter(c -> !c.passed()).count();
        out.append(NL).append(failed == 0 ? "verify: all " + report.checks().size() + " checks passed"
                : "verify: " + failed + " of " + report.checks().size() + " checks failed").append(NL);
        return out.toString();
    }
}
