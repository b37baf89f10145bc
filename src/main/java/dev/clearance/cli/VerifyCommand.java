package dev.clearance.cli;

import dev.clearance.errors.ExitCode;
import dev.clearance.verify.Verifier;
import dev.clearance.verify.VerifyText;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clearance verify}: re-checks the published outputs; exit 1 on any violation. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Re-check the published outputs against the ledger and the run log; exit 1 on any violation.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditOptions options;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "the SUCCEEDED run to verify (default: the latest)")
    String run;

    @Override
    public Integer call() {
        Verifier.Report report = Verifier.verify(options.open(), run);
        options.print(spec.commandLine().getOut(), report, VerifyText.render(report));
        return report.passed() ? ExitCode.OK.code() : ExitCode.VIOLATION.code();
    }
}
