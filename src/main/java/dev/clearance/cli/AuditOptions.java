package dev.clearance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.clearance.config.JobConfig;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.spark.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every auditor command shares: the job configuration (for the output root and Spark) and
 * {@code --json}. People read the text; scripts read the JSON, whose field names are snake_case like the
 * tables' columns.
 */
final class AuditOptions {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "job configuration (clearance.yaml)")
    Path config;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    /** Loads the configuration, then opens the output root it names (exit 2 when nothing has run there). */
    OutputRoot open() {
        JobConfig job = JobConfig.load(config);
        return OutputRoot.open(SparkSessions.getOrCreate("clearance-audit", job.sparkMaster(), job.sparkConf()),
                job.output());
    }

    /** Prints {@code value} as JSON with {@code --json}, else {@code text}. */
    void print(PrintWriter out, Object value, String text) {
        if (json) {
            try {
                out.println(JSON.writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
            }
        } else {
            out.print(text);
        }
        out.flush();
    }
}
