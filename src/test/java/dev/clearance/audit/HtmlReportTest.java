package dev.clearance.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.audit.AuditReport.Example;
import dev.clearance.audit.AuditReport.ReportData;
import dev.clearance.errors.ExitCode;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord.QuarantineCount;
import dev.clearance.runlog.RunRecord.ReasonCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report: its content, escaping, and that it needs nothing from the network. */
@ExtendWith(SparkExtension.class)
class HtmlReportTest {
    private static final String HOSTILE = "<script>alert('x')</script> & \"quoted\"";

    private static RunRecord run(String id, String asOf, RunStatus status, String policyVersion, long genIncluded,
                                 long genExcluded, String message) {
        Instant at = Instant.parse(asOf);
        return new RunRecord(id, at, at, at.plusSeconds(60), status, policyVersion, "sha-" + id, message, List.of(),
                List.of(),
                status == RunStatus.SUCCEEDED ? List.of(new PurposeCount("recommendation", 90, 10),
                        new PurposeCount("generative_training", genIncluded, genExcluded)) : List.of(),
                status == RunStatus.SUCCEEDED ? List.of(new ReasonCount("generative_training", "CONSENT_NOT_GIVEN", 70),
                        new ReasonCount("generative_training", "NO_AI_TAG", 12),
                        new ReasonCount("recommendation", "STATE_NOT_ELIGIBLE", 10)) : List.of(),
                List.of(new QuarantineCount("consents", "UNKNOWN_ENUM", 3), new QuarantineCount("tracks", "BLANK_KEY", 1)),
                status == RunStatus.SUCCEEDED ? 300 : 0, null);
    }

    private static ReportData data() {
        RunRecord latest = run("run-3", "2026-11-27T00:00:00Z", RunStatus.SUCCEEDED, HOSTILE, 25, 75, null);
        return new ReportData("/data/out", "conf/my clearance.yaml", List.of(
                run("run-1", "2026-11-13T00:00:00Z", RunStatus.SUCCEEDED, "2026-11-01.1", 20, 80, null),
                run("run-2", "2026-11-20T00:00:00Z", RunStatus.FAILED, "2026-11-01.1", 0, 0,
                        "quarantine limit exceeded <tracks>"),
                latest), latest,
                List.of(new Example("generative_training", "CONSENT_NOT_GIVEN", List.of("t1", "t'2"))));
    }

    @Test
    void showsTrendsReasonsExamplesQuarantineAndPolicies() {
        String html = HtmlReport.render(data());

        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("<section id=\"trend\">", "<section id=\"reasons\">", "<section id=\"examples\">",
                        "<section id=\"quarantine\">", "<section id=\"runs\">");
        // latest counts, and one trend chart per purpose with a point per SUCCEEDED run (the FAILED one is skipped)
        assertThat(html).contains("<tr><td>generative_training</td><td class=\"n\">25</td><td class=\"n\">75</td>"
                + "<td class=\"n\">25.0 %</td></tr>");
        assertThat(count(html, "<polyline")).isEqualTo(4);
        assertThat(count(html, "<title>run-1: 20 included</title>")).isEqualTo(1);
        assertThat(count(html, "<title>run-3: 75 excluded</title>")).isEqualTo(1);
        assertThat(html).doesNotContain("<title>run-2:");
        // bars: reasons of the latest run, largest first
        assertThat(html.indexOf(">CONSENT_NOT_GIVEN</text>")).isLessThan(html.indexOf(">NO_AI_TAG</text>"));
        assertThat(html).contains("<title>CONSENT_NOT_GIVEN: 70 tracks</title>");
        // examples with a runnable explain command (shell-quoted where needed, then HTML-escaped)
        assertThat(html).contains("<td>t1</td><td><code>jobs/clearance explain --config &#39;conf/my clearance.yaml&#39;"
                + " --track t1 --purpose generative_training</code></td>");
        assertThat(html).contains("--track &#39;t&#39;\\&#39;&#39;2&#39;");
        // quarantine by table and reason; every run with its policy and status
        assertThat(html).contains("<tr><td>consents</td><td>UNKNOWN_ENUM</td><td class=\"n\">3</td></tr>");
        assertThat(html).contains("<td class=\"status-FAILED\">FAILED</td>", "<td>2026-11-01.1</td>",
                "<code>sha-run-1</code>", "quarantine limit exceeded &lt;tracks&gt;");
    }

    @Test
    void escapesEveryValueAndLoadsNothing() {
        String html = HtmlReport.render(data());

        assertThat(html).doesNotContain(HOSTILE).doesNotContain("<script")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;");
        assertThat(html).doesNotContainPattern("(?i)\\b(src|href)\\s*=").doesNotContain("@import").doesNotContain("url(");
        // the only URL is the SVG namespace, which is an identifier, not a request
        Matcher urls = Pattern.compile("https?://[^\"\\s<]+").matcher(html);
        while (urls.find()) {
            assertThat(urls.group()).isEqualTo("http://www.w3.org/2000/svg");
        }
    }

    @Test
    void reportCommandWritesThePageForTheScenario(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("nested/report.html");
        Cli.Result result = Cli.run("report", "--config", AuditScenario.config().toString(), "--out", out.toString(),
                "--runs", "5");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(result.out()).isEqualTo("wrote the report of 2 runs (latest successful run "
                + AuditScenario.RUN2 + ") to " + out + System.lineSeparator());
        String html = Files.readString(out);
        assertThat(html).contains("Latest successful run <b>" + AuditScenario.RUN2 + "</b>",
                "<td>" + AuditScenario.RUN1 + "</td><td class=\"status-SUCCEEDED\">SUCCEEDED</td>",
                "<tr><td>generative_training</td><td class=\"n\">1</td><td class=\"n\">6</td>",
                "<tr><td>tracks</td><td>UNKNOWN_ENUM</td><td class=\"n\">1</td></tr>",
                "<tr><td>generative_training</td><td>LICENSOR_EXCLUDED</td><td>t000000002</td><td><code>"
                        + "jobs/clearance explain --config " + AuditScenario.config() + " --track t000000002 --purpose"
                        + " generative_training</code></td></tr>");
        assertThat(Cli.run("report", "--config", AuditScenario.config().toString(), "--out", out.toString(),
                "--runs", "0").exitCode()).isEqualTo(ExitCode.USAGE.code());
        keepForRendering(out);
    }

    /** CI opens this page in headless Chromium afterwards (.ci/render-report); Maven tells the test where to leave it. */
    private static void keepForRendering(Path page) throws IOException {
        String keep = System.getProperty("clearance.report.page");
        if (keep != null) {
            Files.createDirectories(Path.of(keep).getParent());
            Files.copy(page, Path.of(keep), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
