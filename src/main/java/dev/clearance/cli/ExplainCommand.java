package dev.clearance.cli;

import dev.clearance.audit.Explain;
import dev.clearance.audit.ExplainText;
import dev.clearance.errors.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clearance explain}: why a track is (not) in a purpose, run by run, with the evidence. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "The decision history of a track per purpose, each reason as a sentence with its evidence.")
final class ExplainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditOptions options;

    @Option(names = "--track", required = true, paramLabel = "ID", description = "track_id, exactly as written")
    String track;

    @Option(names = "--purpose", paramLabel = "P", description = "one purpose (default: every purpose)")
    String purpose;

    @Option(names = "--at-run", paramLabel = "RUN_ID",
            description = "the state as of this SUCCEEDED run (default: the latest)")
    String atRun;

    @Override
    public Integer call() {
        Explain.Explanation explanation = Explain.explain(options.open(), track, purpose, atRun);
        options.print(spec.commandLine().getOut(), explanation, ExplainText.render(explanation));
        return ExitCode.OK.code();
    }
}
