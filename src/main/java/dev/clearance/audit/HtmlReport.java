package dev.clearance.audit;

import dev.clearance.audit.AuditReport.Example;
import dev.clearance.audit.AuditReport.ReportData;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The governance report as one self-contained HTML page: inline CSS and SVG, no script, no font or image
 * from anywhere, so it can be archived, mailed and opened offline years later. Every value from the data is
 * escaped. Pure: data in, text out.
 */
public final class HtmlReport {
    private static final String[] PALETTE = {"#1f6f8b", "#b5542b", "#5a8f29", "#7b4ea3", "#b08900", "#2b7a78"};
    private static final String INCLUDED_COLOUR = "#2e7d4f";
    private static final String EXCLUDED_COLOUR = "#b23b3b";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2330;
            margin:0;background:#f6f7f9}
            header{background:#1d2b3a;color:#fff;padding:20px 32px}header h1{margin:0 0 6px;font-size:22px}
            header p{margin:2px 0;color:#d5dde6}header code{color:#fff;background:#33475b}
            main{padding:8px 32px 32px;max-width:1200px}
            section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:16px 20px;margin:18px 0}
            h2{font-size:17px;margin:0 0 12px}h3{font-size:14px;margin:10px 0 4px}
            table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e9ee;
            vertical-align:top}th{background:#f0f2f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
            code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;
            border-radius:3px;word-break:break-all}
            .charts{display:flex;flex-wrap:wrap;gap:18px}.chart{flex:1 1 340px;min-width:300px}
            .legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:18px;height:3px;
            vertical-align:middle;margin-right:5px}.dashed{background:repeating-linear-gradient(90deg,#b23b3b 0 5px,
            transparent 5px 8px)}
            .status-SUCCEEDED{color:#2e7d4f;font-weight:600}.status-FAILED{color:#b23b3b;font-weight:600}
            .status-RUNNING{color:#b08900;font-weight:600}.muted{color:#68707d}
            svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:#1d2330}
            """;

    private HtmlReport() {}

    public static String render(ReportData data) {
        RunRecord latest = data.latest();
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Clearance report: run ").append(esc(latest.runId())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header>\n<h1>Clearance governance report</h1>\n")
                .append("<p>Output root <code>").append(esc(data.outputRoot())).append("</code></p>\n")
                .append("<p>Latest successful run <b>").append(esc(latest.runId())).append("</b>, as_of ")
                .append(esc(latest.asOf())).append(", policy <b>").append(esc(latest.policyVersion()))
                .append("</b> (sha256 <code>").append(esc(latest.policySha256())).append("</code>)</p>\n")
                .append("<p>").append(data.runs().size()).append(data.runs().size() == 1 ? " run" : " runs")
                .append(" shown, from the run log.</p>\n</header>\n<main>\n");
        trend(h, data);
        reasons(h, data);
        examples(h, data);
        quarantine(h, data);
        runs(h, data);
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void trend(StringBuilder h, ReportData data) {
        List<RunRecord> succeeded = data.runs().stream().filter(r -> r.status() == RunStatus.SUCCEEDED).toList();
        h.append("<section id=\"trend\">\n<h2>Included and excluded tracks per purpose</h2>\n");
        h.append("<table>\n<tr><th>purpose</th><th class=\"n\">included</th><th class=\"n\">excluded</th>")
                .append("<th class=\"n\">included share</th></tr>\n");
        for (PurposeCount c : data.latest().decisionCounts()) {
            long total = c.included() + c.excluded();
            h.append("<tr><td>").append(esc(c.purpose())).append("</td><td class=\"n\">").append(num(c.included()))
                    .append("</td><td class=\"n\">").append(num(c.excluded())).append("</td><td class=\"n\">")
                    .append(total == 0 ? "–" : String.format(Locale.ROOT, "%.1f %%", 100.0 * c.included() / total))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<p class=\"legend\"><span><i class=\"swatch\" style=\"background:")
                .append(INCLUDED_COLOUR).append("\"></i>included</span><span><i class=\"swatch dashed\"></i>excluded")
                .append("</span><span class=\"muted\">one point per successful run, by as_of</span></p>\n")
                .append("<div class=\"charts\">\n");
        for (String purpose : purposes(succeeded)) {
            h.append("<div class=\"chart\">\n<h3>").append(esc(purpose)).append("</h3>\n");
            trendChart(h, purpose, succeeded);
            h.append("</div>\n");
        }
        h.append("</div>\n</section>\n");
    }

    /** A line chart of included (solid) and excluded (dashed) tracks across runs. */
    private static void trendChart(StringBuilder h, String purpose, List<RunRecord> runs) {
        int width = 400;
        int height = 190;
        int left = 52;
        int right = 44;
        int top = 12;
        int bottom = 34;
        long max = 1;
        for (RunRecord r : runs) {
            PurposeCount c = count(r, purpose);
            if (c != null) {
                max = Math.max(max, Math.max(c.included(), c.excluded()));
            }
        }
        long scale = niceCeiling(max);
        int plotWidth = width - left - right;
        int plotHeight = height - top - bottom;
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" width=\"100%\" role=\"img\" aria-label=\"included and excluded tracks of ")
                .append(esc(purpose)).append(" per run\">\n");
        for (int i = 0; i <= 4; i++) {
            double y = top + plotHeight - plotHeight * i / 4.0;
            h.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e6eb\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    left, y, width - right, y, left - 6, y + 4, num(scale * i / 4)));
        }
        int n = runs.size();
        int labelEvery = Math.max(1, (n + 5) / 6);
        StringBuilder included = new StringBuilder();
        StringBuilder excluded = new StringBuilder();
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < n; i++) {
            RunRecord r = runs.get(i);
            double x = n == 1 ? left + plotWidth / 2.0 : left + plotWidth * i / (double) (n - 1);
            if (i % labelEvery == 0 || i == n - 1) {
                h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        x, height - bottom + 16, esc(DAY.format(r.asOf()))));
            }
            PurposeCount c = count(r, purpose);
            if (c == null) {
                continue;
            }
            double yIn = top + plotHeight - plotHeight * (double) c.included() / scale;
            double yOut = top + plotHeight - plotHeight * (double) c.excluded() / scale;
            included.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yIn));
            excluded.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yOut));
            points.append(String.format(Locale.ROOT,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s: %s included</title></circle>"
                            + "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s: %s excluded</title></circle>%n",
                    x, yIn, INCLUDED_COLOUR, esc(r.runId()), num(c.included()),
                    x, yOut, EXCLUDED_COLOUR, esc(r.runId()), num(c.excluded())));
        }
        h.append("<polyline fill=\"none\" stroke=\"").append(INCLUDED_COLOUR).append("\" stroke-width=\"2\" points=\"")
                .append(included.toString().trim()).append("\"/>\n");
        h.append("<polyline fill=\"none\" stroke=\"").append(EXCLUDED_COLOUR)
                .append("\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"").append(excluded.toString().trim())
                .append("\"/>\n");
        h.append(points);
        h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a929e\"/>%n",
                left, top + plotHeight, width - right, top + plotHeight));
        h.append("</svg>\n");
    }

    private static void reasons(StringBuilder h, ReportData data) {
        RunRecord latest = data.latest();
        h.append("<section id=\"reasons\">\n<h2>Exclusion reasons per purpose</h2>\n<p class=\"muted\">Run ")
                .append(esc(latest.runId())).append(": tracks whose decision lists the reason (a track can have")
                .append(" several).</p>\n<div class=\"charts\">\n");
        List<String> purposes = latest.decisionCounts().stream().map(PurposeCount::purpose).toList();
        for (int p = 0; p < purposes.size(); p++) {
            String purpose = purposes.get(p);
            List<ReasonCount> counts = latest.reasonCounts().stream().filter(c -> c.purpose().equals(purpose))
                    .sorted(Comparator.comparingLong(ReasonCount::tracks).reversed().thenComparing(ReasonCount::reason))
                    .toList();
            h.append("<div class=\"chart\">\n<h3>").append(esc(purpose)).append("</h3>\n");
            if (counts.isEmpty()) {
                h.append("<p class=\"muted\">No track excluded.</p>\n</div>\n");
                continue;
            }
            int barHeight = 18;
            int labelWidth = 200;
            int width = 440;
            int height = counts.size() * (barHeight + 6) + 4;
            long max = counts.get(0).tracks();
            h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width).append(' ')
                    .append(height).append("\" width=\"100%\" role=\"img\" aria-label=\"exclusion reasons of ")
                    .append(esc(purpose)).append("\">\n");
            for (int i = 0; i < counts.size(); i++) {
                ReasonCount c = counts.get(i);
                int y = 2 + i * (barHeight + 6);
                double bar = Math.max(1, (width - labelWidth - 70) * (double) c.tracks() / max);
                h.append(String.format(Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                                + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\">"
                                + "<title>%s: %s tracks</title></rect>"
                                + "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
                        labelWidth - 8, y + 14, esc(c.reason()), labelWidth, y, bar, barHeight,
                        PALETTE[p % PALETTE.length], esc(c.reason()), num(c.tracks()),
                        labelWidth + bar + 6, y + 14, num(c.tracks())));
            }
            h.append("</svg>\n</div>\n");
        }
        h.append("</div>\n</section>\n");
    }

    private static void examples(StringBuilder h, ReportData data) {
        h.append("<section id=\"examples\">\n<h2>Example tracks per reason</h2>\n<p class=\"muted\">From lineage/current")
                .append(" as run ").append(esc(data.latest().runId())).append(" published it. Each command prints")
                .append(" the decision history with its evidence.</p>\n");
        if (data.examples().isEmpty()) {
            h.append("<p>No track is excluded.</p>\n</section>\n");
            return;
        }
        h.append("<table>\n<tr><th>purpose</th><th>reason</th><th>track</th><th>explain</th></tr>\n");
        for (Example e : data.examples()) {
            for (String track : e.trackIds()) {
                h.append("<tr><td>").append(esc(e.purpose())).append("</td><td>").append(esc(e.reason()))
                        .append("</td><td>").append(esc(track)).append("</td><td><code>")
                        .append(esc(explainCommand(data.config(), track, e.purpose()))).append("</code></td></tr>\n");
            }
        }
        h.append("</table>\n</section>\n");
    }

    /** The command that explains one decision, with shell quoting where a value needs it. */
    static String explainCommand(String config, String track, String purpose) {
        return "jobs/clearance explain --config " + shell(config) + " --track " + shell(track) + " --purpose "
                + shell(purpose);
    }

    private static void quarantine(StringBuilder h, ReportData data) {
        RunRecord latest = data.latest();
        h.append("<section id=\"quarantine\">\n<h2>Quarantine</h2>\n<p class=\"muted\">Invalid input rows of run ")
                .append(esc(latest.runId())).append(", by table and reason. Other runs' totals are in the run table.")
                .append("</p>\n");
        if (latest.quarantineCounts().isEmpty()) {
            h.append("<p>No invalid rows.</p>\n</section>\n");
            return;
        }
        h.append("<table>\n<tr><th>table</th><th>reason</th><th class=\"n\">rows</th></tr>\n");
        for (QuarantineCount c : latest.quarantineCounts()) {
            h.append("<tr><td>").append(esc(c.sourceTable())).append("</td><td>").append(esc(c.reason()))
                    .append("</td><td class=\"n\">").append(num(c.rows())).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private static void runs(StringBuilder h, ReportData data) {
        h.append("<section id=\"runs\">\n<h2>Runs and policies</h2>\n<table>\n<tr><th>run_id</th><th>status</th>")
                .append("<th>as_of</th><th>finished_at</th><th>policy version</th><th>policy sha256</th>")
                .append("<th class=\"n\">ledger rows</th><th class=\"n\">quarantined</th><th>message</th></tr>\n");
        for (RunRecord r : data.runs()) {
            h.append("<tr><td>").append(esc(r.runId())).append("</td><td class=\"status-").append(esc(r.status().name()))
                    .append("\">").append(esc(r.status().name())).append("</td><td>").append(esc(r.asOf()))
                    .append("</td><td>").append(esc(r.finishedAt())).append("</td><td>").append(esc(r.policyVersion()))
                    .append("</td><td><code>").append(esc(r.policySha256())).append("</code></td><td class=\"n\">")
                    .append(num(r.ledgerRows())).append("</td><td class=\"n\">")
                    .append(num(r.quarantineCounts().stream().mapToLong(QuarantineCount::rows).sum()))
                    .append("</td><td>").append(esc(r.message())).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    /** Purposes across runs, in the order they first appear. */
    private static List<String> purposes(List<RunRecord> runs) {
        Set<String> purposes = new LinkedHashSet<>();
        runs.forEach(r -> r.decisionCounts().forEach(c -> purposes.add(c.purpose())));
        return new ArrayList<>(purposes);
    }

    private static PurposeCount count(RunRecord run, String purpose) {
        return run.decisionCounts().stream().filter(c -> c.purpose().equals(purpose)).findFirst().orElse(null);
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code max}. */
    static long niceCeiling(long max) {
        long power = 1;
        while (true) {
            for (long step : new long[] {1, 2, 5}) {
                if (step * power >= max) {
                    return step * power;
                }
            }
            power *= 10;
        }
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Escapes text for HTML element content and double-quoted attributes. */
    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value instanceof Instant i ? i.toString() : value.toString();
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A shell word: as is when it holds only safe characters, else single-quoted. */
    private static String shell(String s) {
        return s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
