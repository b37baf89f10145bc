package dev.clearance.cli;

import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.generate.LakeGenerator;
import dev.clearance.spark.SparkSessions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code clearance generate}: a synthetic, deterministic catalog lake for demos, tests and benchmarks. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write a synthetic catalog lake (tracks, licenses, consents) to DIR.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "lake directory; tables are replaced")
    Path out;

    @Option(names = "--tracks", required = true, paramLabel = "N", description = "number of tracks")
    long tracks;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "delta",
            description = "delta or parquet (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--master", paramLabel = "MASTER", defaultValue = "local[*]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
    String master;

    @Override
    public Integer call() {
        TableFormat tableFormat;
        try {
            tableFormat = TableFormat.fromYaml(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format " + e.getMessage());
        }
        if (tracks < 1) {
            throw new ParameterException(spec.commandLine(), "--tracks must be at least 1");
        }
        SparkSession spark = SparkSessions.getOrCreate("clearance-generate", master, Map.of());
        write(spark, out, tracks, seed, tableFormat);
        spec.commandLine().getOut().printf("generated %,d tracks (seed %d) as %s in %s%n", tracks, seed,
                tableFormat.yamlName(), out.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }

    static void write(SparkSession spark, Path out, long tracks, long seed, TableFormat format) {
        LakeGenerator.Lake lake = LakeGenerator.generate(spark, tracks, seed);
        save(lake.tracks(), out.resolve("tracks"), format);
        save(lake.licenses(), out.resolve("licenses"), format);
        save(lake.consents(), out.resolve("consents"), format);
    }

    private static void save(Dataset<Row> rows, Path path, TableFormat format) {
        rows.write().format(format.yamlName()).mode(SaveMode.Overwrite).save(path.toAbsolutePath().toString());
    }
}
