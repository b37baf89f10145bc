package dev.clearance.testing;

import dev.clearance.spark.SparkSessions;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One SparkSession for the whole test JVM (local[2], few shuffle partitions, no UI), created before the
 * first test class that needs it and injected into {@code @BeforeAll} or test method parameters.
 *
 * <p>Expressions are interpreted rather than compiled: on fixtures of a few rows, generating and JIT-compiling
 * code for every new plan took a quarter of each run's time. Adaptive execution is off: it runs each shuffle stage
 * as a Spark job of its own, and fixtures need none of its re-planning. Results are Spark's either way; the failsafe
 * ITs run the CLI with Spark's defaults, so generated code and adaptive plans are still exercised end to end.
 */
public final class SparkExtension implements BeforeAllCallback, ParameterResolver {
    private static SparkSession session;

    public static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSessions.getOrCreate("clearance-tests", "local[2]", Map.of(
                    "spark.sql.shuffle.partitions", "2",
                    "spark.default.parallelism", "2",
                    "spark.ui.enabled", "false",
                    "spark.ui.showConsoleProgress", "false",
                    "spark.sql.adaptive.enabled", "false",
                    "spark.sql.codegen.wholeStage", "false",
                    "spark.sql.codegen.factoryMode", "NO_CODEGEN",
                    "spark.sql.sources.parallelPartitionDiscovery.parallelism", "2"));
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        spark();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return spark();
    }
}
