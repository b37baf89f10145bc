package dev.clearance.spark;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession for a run. Under spark-submit the master and resources come from the submit
 * command; only the settings Clearance depends on (Delta, UTC) are added. Locally, the job configuration's
 * master and settings apply.
 */
public final class SparkSessions {
    /** Set by spark-submit on the driver; its presence means the launcher chose master and resources. */
    private static final String SUBMIT_MASTER_PROPERTY = "spark.master";

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
        if (!launchedBySparkSubmit()) {
            builder.master(master);
            if (master.startsWith("local")) {
                // An embedded driver talks only to itself: bind to loopback whatever the host name resolves to.
                builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1");
            }
            conf.forEach(builder::config);
        }
        builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        SparkSession spark = builder.getOrCreate();
        applyRuntimeSettings(spark);
        return spark;
    }

    /**
     * Settings the contract relies on whatever the launcher: timestamps are UTC (a timestamp_ntz input is
     * read as UTC through the session time zone).
     */
    private static void applyRuntimeSettings(SparkSession spark) {
        spark.conf().set("spark.sql.session.timeZone", "UTC");
    }
}
