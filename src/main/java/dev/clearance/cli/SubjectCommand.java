package dev.clearance.cli;

import dev.clearance.audit.SubjectReport;
import dev.clearance.errors.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clearance subject}: a data-subject report for one creator. */
@Command(name = "subject", mixinStandardHelpOptions = true,
        description = "Every track of a creator with its status per purpose, and the creator's consent events as applied.")
final class SubjectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditOptions options;

    @Option(names = "--user", required = true, paramLabel = "ID", description = "the creator's user_id, exactly as written")
    String user;

    @Override
    public Integer call() {
        SubjectReport.Subject subject = SubjectReport.report(options.open(), user);
        options.print(spec.commandLine().getOut(), subject, SubjectReport.render(subject));
        return ExitCode.OK.code();
    }
}
