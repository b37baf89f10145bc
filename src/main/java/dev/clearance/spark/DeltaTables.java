package dev.clearance.spark;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The few Delta operations Clearance uses outside a run's own commits. Tables are created with their schema
 * and properties before the first write, so that a property such as delta.appendOnly holds from version 0.
 */
public final class DeltaTables {
    /** The session setting whose value Delta records as every commit's {@code userMetadata}. */
    public static final String COMMIT_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";

    private DeltaTables() {}

    /** One commit of a table's history: its version, operation (WRITE, MERGE, CREATE TABLE, ...) and userMetadata. */
    public record Commit(long version, String operation, String userMetadata) {}

    public static boolean exists(SparkSession spark, String path) {
        return DeltaTable.isDeltaTable(spark, path);
    }

    /**
     * Creates the table with its schema and properties unless it exists; a table that exists gets the top-level
     * columns and the properties it lacks (an output root written by an earlier version keeps working; a property
     * it has keeps its value, whatever that is). Returns how many commits this call made: 0, 1 or 2.
     */
    public static int ensure(SparkSession spark, String path, StructType schema, Map<String, String> properties) {
        if (!exists(spark, path)) {
            DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema);
            properties.forEach(builder::property);
            builder.execute();
            return 1;
        }
        String table = sqlName(path);
        int commits = 0;
        Set<String> columns = Set.of(DeltaTable.forPath(spark, path).toDF().columns());
        String lacking = Arrays.stream(schema.fields()).filter(f -> !columns.contains(f.name()))
                .map(f -> "`" + f.name() + "` " + f.dataType().sql()).collect(Collectors.joining(", "));
        if (!lacking.isEmpty()) {
            spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + lacking + ")");
            commits++;
        }
        Map<String, String> present = properties(spark, path);
        String missing = properties.entrySet().stream().filter(p -> !present.containsKey(p.getKey()))
                .sorted(Map.Entry.comparingByKey()).map(p -> quoted(p.getKey()) + " = " + quoted(p.getValue())).collect(Collectors.joining(", "));
        if (!missing.isEmpty()) {
            spark.sql("ALTER TABLE " + table + " SET TBLPROPERTIES (" + missing + ")");
            commits++;
        }
        return commits;
    }

    /** The table's properties as its latest version holds them. */
    public static Map<String, String> properties(SparkSession spark, String path) {
        return DeltaTable.forPath(spark, path).detail().select("properties").head().getJavaMap(0);
    }

    /** The table at {@code path} as Spark SQL names it: {@code delta.`path`}. */
    public static String sqlName(String path) {
        return "delta.`" + path.replace("`", "``") + "`";
    }

    private static String quoted(String literal) {
        return "'" + literal.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** The latest version: what a reader that pins nothing gets. */
    public static long version(SparkSession spark, String path) {
        return log(spark, path).versions().stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("no commit in the Delta log of " + path));
    }

    /** The highest version whose commit carries {@code userMetadata}, if any commit still in the log does. */
    public static Optional<Long> latestCommitBy(SparkSession spark, String path, String userMetadata) {
        DeltaLogFiles log = log(spark, path);
        return log.versions().stream().map(log::commit).flatMap(Optional::stream)
                .filter(c -> userMetadata.equals(c.userMetadata())).map(Commit::version).findFirst();
    }

    /** Every commit still in the table's log, newest first. */
    public static List<Commit> commits(SparkSession spark, String path) {
        DeltaLogFiles log = log(spark, path);
        return log.versions().stream().map(log::commit).flatMap(Optional::stream).toList();
    }

    private static DeltaLogFiles log(SparkSession spark, String path) {
        return new DeltaLogFiles(spark.sessionState().newHadoopConf(), path);
    }

    public static Dataset<Row> read(SparkSession spark, String path) {
        return spark.read().format("delta").load(path);
    }

    public static Dataset<Row> readVersion(SparkSession spark, String path, long version) {
        return spark.read().format("delta").option("versionAsOf", version).load(path);
    }
}
