package dev.clearance.cli;

import dev.clearance.errors.ClearanceException;
import dev.clearance.errors.ExitCode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** The command line of jobs/clearance and of spark-submit. Exit codes follow the contract (see ExitCode). */
@Command(name = "clearance", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Decides, per track and AI purpose, whether a catalog track may be used, and records why.",
        subcommands = {RunCommand.class, GenerateCommand.class, DemoCommand.class, BenchCommand.class,
                ExplainCommand.class, SubjectCommand.class, VerifyCommand.class, ReportCommand.class})
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    // A failure the contract names is explained in one line; its stack trace (Spark's, for an unreadable input
    // file) only helps whoever debugs Clearance or Spark, so it is printed on request.
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "also print the stack trace of a failure that exits 2 to 5 (exit 70 always prints it)")
    boolean verbose;

    public static void main(String[] args) {
        int code = execute(args);
        SparkSession.getDefaultSession().foreach(session -> {
            session.stop();
            return null;
        });
        System.exit(code);
    }

    /** Runs a command and returns its exit code; never exits the JVM (used by tests). */
    public static int execute(String... args) {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ClearanceException) {
                commandLine.getErr().println("clearance: " + e.getMessage());
                if (main.verbose) {
                    e.printStackTrace(commandLine.getErr());
                }
            } else {
                LOG.error("unexpected failure", e);
                commandLine.getErr().println("clearance: unexpected failure: " + e
                        + " (see the log above; rerunning the same --run-id completes an interrupted run)");
            }
            return ExitCode.of(e).code();
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"clearance " + (version == null ? "(development build)" : version)};
        }
    }
}
