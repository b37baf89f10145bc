package dev.clearance.cli;

import dev.clearance.catalog.InputTable;
import dev.clearance.config.JobConfig;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ConfigException;
import dev.clearance.errors.ExitCode;
import dev.clearance.run.RunRequest;
import dev.clearance.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clearance demo}: the README's first command. Generates a sample lake where the configuration
 * expects one (unless it is already there), then runs the job on it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate a sample lake at the configured lake paths (if absent) and run Clearance on it.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "conf/clearance.yaml",
            description = "job configuration (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--tracks", paramLabel = "N", defaultValue = "20000",
            description = "tracks in the sample lake (default: ${DEFAULT-VALUE})")
    long tracks;

    @Override
    public Integer call() {
        JobConfig job = JobConfig.load(config);
        Path tracksPath = Path.of(job.location(InputTable.TRACKS).path());
        Path lake = tracksPath.getParent();
        for (InputTable table : InputTable.values()) {
            JobConfig.TableLocation location = job.location(table);
            if (!Path.of(location.path()).equals(lake.resolve(table.tableName()))
                    || location.format() != TableFormat.DELTA) {
                throw new ConfigException(config + ": demo expects lake.<table>.path to be <dir>/<table> in one"
                        + " directory with format delta; generate a lake yourself and use 'run' instead");
            }
        }
        if (Files.exists(tracksPath)) {
            spec.commandLine().getOut().printf("using the existing sample lake in %s%n", lake);
        } else {
            spec.commandLine().getOut().printf("generating a sample lake of %,d tracks in %s%n", tracks, lake);
            GenerateCommand.write(SparkSessions.getOrCreate("clearance", job.sparkMaster(), job.sparkConf()), lake,
                    tracks, 1L, TableFormat.DELTA);
        }
        RunInvocation.Result result = new RunInvocation(Clock.systemUTC()).execute(
                () -> new RunRequest(Optional.empty(), Optional.empty()), Optional::empty, () -> job,
                spec.commandLine().getOut());
        result.failure().ifPresent(failure -> {
            throw failure;
        });
        return ExitCode.OK.code();
    }
}
