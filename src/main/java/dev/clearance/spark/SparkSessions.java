package dev.clearance.spark;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession for a run. Under spark-submit the master and resources come from the submit
 * command; only the settings Clearance depends on (Delta, UTC) and the executors' locale are added. Locally, the
 * job configuration's master and settings apply.
 */
public final class SparkSessions {
    /** Set by spark-submit on the driver; its presence means the launcher chose master and resources. */
    private static final String SUBMIT_MASTER_PROPERTY = "spark.master";
    private static final String EXECUTOR_JAVA_OPTIONS = "spark.executor.extraJavaOptions";
    /** The locale of jobs/clearance, for the executors. */
    private static final List<String> LOCALE_FLAGS = List.of("-Duser.language=en", "-Duser.country=US");
    /** Tasks of the Spark job by which Delta rebuilds a table's state from its log (Delta's default: 50). */
    static final String SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";
    /**
     * Whether a MERGE first copies its source. Delta does so by default for a source that is not a plain read of
     * Delta tables, in case it would give other rows the second time it is read. Every Clearance MERGE source is
     * already a kept Dataset computed from pinned table versions, so the copy would be a second one.
     */
    static final String MERGE_MATERIALIZE_SOURCE = "spark.databricks.delta.merge.materializeSource";
    /** Enough for the few hundred files of a version of any Clearance table (docs/performance.md). */
    private static final int MAX_SNAPSHOT_PARTITIONS = 16;

    private SparkSessions() {}

    public static boolean launchedBySparkSubmit() {
        return System.getProperty(SUBMIT_MASTER_PROPERTY) != null;
    }

    /**
     * @param master used only when not launched by spark-submit
     * @param conf   applied only when not launched by spark-submit
     */
    public static SparkSession getOrCreate(String appName, String master, Map<String, String> conf) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        // Under spark-submit the submitted settings are system properties, which the builder's SparkConf reads.
        String executorOptions = System.getProperty(EXECUTOR_JAVA_OPTIONS);
        if (!launchedBySparkSubmit()) {
            builder.master(master);
            if (master.startsWith("local")) {
                // An embedded driver talks only to itself: bind to loopback whatever the host name resolves to.
                builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1");
            }
            conf.forEach(builder::config);
            executorOptions = conf.getOrDefault(EXECUTOR_JAVA_OPTIONS, executorOptions);
        }
        builder.config(EXECUTOR_JAVA_OPTIONS, withLocaleFlags(executorOptions));
        builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        SparkSession spark = builder.getOrCreate();
        applyRuntimeSettings(spark);
        return spark;
    }

    /**
     * Executor Java options with each of {@link #LOCALE_FLAGS} appended that they do not set already. Belt and
     * braces: normalisation does not depend on the executors' locale ({@code catalog/Normalize}), so a locale
     * chosen in the user's own options is kept, as are the options themselves.
     */
    static String withLocaleFlags(String options) {
        String result = options == null ? "" : options.strip();
        for (String flag : LOCALE_FLAGS) {
            String property = flag.substring(0, flag.indexOf('=') + 1);
            if (!Pattern.compile("(^|\\s)" + Pattern.quote(property)).matcher(result).find()) {
                result = result.isEmpty() ? flag : result + " " + flag;
            }
        }
        return result;
    }

    /**
     * Settings the contract relies on whatever the launcher: timestamps are UTC (a timestamp_ntz input is
     * read as UTC through the session time zone). Then the settings sized to the session's parallelism, each
     * unless the launcher or the job configuration set it.
     */
    private static void applyRuntimeSettings(SparkSession spark) {
        spark.conf().set("spark.sql.session.timeZone", "UTC");
        runtimeDefaults(spark.sparkContext().defaultParallelism()).forEach((key, value) -> {
            if (!spark.conf().contains(key)) {
                spark.conf().set(key, value);
            }
        });
    }

    /**
     * Settings whose default does not suit Clearance. Delta rebuilds a table's state after every commit and on every
     * first read, a dozen times a run: with its default of 50 tasks, on two cores, those jobs took 9 s of a 1M-track
     * run; on a cluster, a version of any Clearance table lists a few hundred files. And the MERGE sources need no
     * copy ({@link #MERGE_MATERIALIZE_SOURCE}).
     */
    static Map<String, String> runtimeDefaults(int parallelism) {
        int tasks = Math.max(1, Math.min(MAX_SNAPSHOT_PARTITIONS, parallelism));
        return Map.of(SNAPSHOT_PARTITIONS, String.valueOf(tasks), MERGE_MATERIALIZE_SOURCE, "none");
    }
}
