package dev.clearance.audit;

import dev.clearance.audit.Explain.Change;
import dev.clearance.audit.Explain.Evidence;
import dev.clearance.audit.Explain.Explanation;
import dev.clearance.audit.Explain.Licence;
import dev.clearance.audit.Explain.PurposeHistory;
import dev.clearance.audit.Explain.Sentence;
import dev.clearance.runlog.RunStatus;
import java.util.List;
import java.util.stream.Collectors;

/** An explanation as an auditor reads it in a terminal. */
public final class ExplainText {
    private static final String NL = System.lineSeparator();

    private ExplainText() {}

    public static String render(Explanation e) {
        StringBuilder out = new StringBuilder();
        out.append("Track ").append(e.trackId()).append(" at run ").append(e.atRun()).append(" (as_of ")
                .append(e.atRunAsOf()).append(')').append(NL);
        for (PurposeHistory h : e.purposes()) {
            out.append(NL);
            Change state = h.state();
            if (state == null) {
                out.append(h.purpose()).append(": no decision yet at this run").append(NL);
            } else {
                out.append(h.purpose()).append(": ").append(state.decision()).append(reasons(state.reasons()))
                        .append(" (since run ").append(state.runId()).append(')').append(NL);
            }
            out.append("  history, ").append(h.history().size()).append(h.history().size() == 1 ? " change" : " changes")
                    .append(':').append(NL);
            for (Change c : h.history()) {
                out.append("  * run ").append(c.runId()).append("  as_of ").append(c.asOf())
                        .append(c.runStatus().equals(RunStatus.SUCCEEDED.name()) ? ""
                                : "  [run " + c.runStatus() + ": not published]")
                        .append(NL);
                out.append("    policy ").append(c.policyVersion()).append("  sha256 ").append(c.policySha256()).append(NL);
                out.append("    ").append(c.decision()).append(reasons(c.reasons())).append(NL);
                for (Sentence s : c.explanation()) {
                    out.append("    - ").append(s.reason()).append(": ").append(s.text()).append(NL);
                }
                evidence(out, c.evidence());
            }
        }
        return out.toString();
    }

    private static void evidence(StringBuilder out, Evidence ev) {
        if (ev.licenseIds() == null && ev.consentState() == null) {
            out.append("    evidence: none recorded on this row").append(ev.uploaderId() == null ? ""
                    : " (uploader " + ev.uploaderId() + ")").append(NL);
            ev.notes().forEach(note -> out.append("      note: ").append(note).append(NL));
            return;
        }
        out.append("    evidence: uploader ").append(ev.uploaderId()).append("; consent ").append(ev.consentState());
        if (ev.consentEvent() != null) {
            Explain.ConsentEvent c = ev.consentEvent();
            out.append(" by event ").append(c.eventId()).append(" (").append(c.action()).append(" for '")
                    .append(c.purpose()).append("' at ").append(c.eventTs()).append(", source ").append(c.source())
                    .append(')');
        } else if (ev.consentEventId() != null) {
            out.append(" by event ").append(ev.consentEventId());
        }
        out.append(NL).append("      licences in force: ").append(licences(ev)).append(NL);
        out.append("      no-AI tag: ").append(ev.matchedNoAiTag() == null ? "none" : "'" + ev.matchedNoAiTag() + "'")
                .append("; embedded DMI: ").append(ev.embeddedDmi() == null ? "none" : "'" + ev.embeddedDmi() + "'")
                .append(NL);
        for (String note : ev.notes()) {
            out.append("      note: ").append(note).append(NL);
        }
    }

    private static String licences(Evidence ev) {
        if (ev.licenseIds() == null) {
            return "not recorded";
        }
        if (ev.licenseIds().isEmpty()) {
            return "none";
        }
        return ev.licenseIds().stream().map(id -> ev.licensesInForce().stream().filter(l -> l.licenseId().equals(id))
                        .findFirst().map(ExplainText::licence).orElse(id))
                .collect(Collectors.joining(", "));
    }

    private static String licence(Licence l) {
        return l.licenseId() + " " + l.licensorType() + (l.licensorName() == null ? "" : " '" + l.licensorName() + "'")
                + " [" + (l.validFrom() == null ? "always" : l.validFrom()) + " .. "
                + (l.validTo() == null ? "open-ended" : l.validTo()) + ")"
                + (l.prohibitedPurposes() == null || l.prohibitedPurposes().isEmpty() ? ""
                : " prohibits " + l.prohibitedPurposes());
    }

    private static String reasons(List<String> reasons) {
        return reasons.isEmpty() ? "" : " " + reasons;
    }
}
