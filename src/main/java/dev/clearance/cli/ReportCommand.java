package dev.clearance.cli;

import dev.clearance.audit.AuditReport;
import dev.clearance.audit.HtmlReport;
import dev.clearance.errors.ExitCode;
import dev.clearance.runlog.RunRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code clearance report}: the governance report as one self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report of the last runs: trends, reasons, quarantine, policies.")
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditOptions options;

    @Option(names = "--out", required = true, paramLabel = "FILE.html", description = "the HTML file to write")
    Path out;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10",
            description = "the last N runs of the run log (default: ${DEFAULT-VALUE})")
    int runs;

    /** What was written, for --json. */
    record Written(String out, String latestRun, List<String> runs) {}

    @Override
    public Integer call() {
        if (runs < 1) {
            throw new ParameterException(spec.commandLine(), "--runs must be at least 1");
        }
        AuditReport.ReportData data = AuditReport.collect(options.open(), runs, options.config.toString());
        Path file = out.toAbsolutePath();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, HtmlReport.render(data), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + file, e);
        }
        Written written = new Written(file.toString(), data.latest().runId(),
                data.runs().stream().map(RunRecord::runId).toList());
        options.print(spec.commandLine().getOut(), written, String.format("wrote the report of %d run%s (latest"
                + " successful run %s) to %s%n", data.runs().size(), data.runs().size() == 1 ? "" : "s",
                data.latest().runId(), file));
        return ExitCode.OK.code();
    }
}
