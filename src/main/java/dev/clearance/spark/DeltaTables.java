package dev.clearance.spark;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The few Delta operations Clearance uses. Tables are created with their schema and properties before the
 * first write, so that a property such as delta.appendOnly holds from version 0.
 */
public final class DeltaTables {
    private DeltaTables() {}

    public static boolean exists(SparkSession spark, String path) {
        return DeltaTable.isDeltaTable(spark, path);
    }

    /** Creates the table with its schema and properties unless it exists (a cheap check: no log replay). */
    public static void ensure(SparkSession spark, String path, StructType schema, Map<String, String> properties) {
        if (exists(spark, path)) {
            return;
        }
        DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema);
        properties.forEach(builder::property);
        builder.execute();
    }

    public static long version(SparkSession spark, String path) {
        return DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0);
    }

    /** Atomically replaces the whole table's content. */
    public static long overwrite(Dataset<Row> rows, String path) {
        rows.write().format("delta").mode(SaveMode.Overwrite).save(path);
        return version(rows.sparkSession(), path);
    }

    public static long append(Dataset<Row> rows, String path) {
        rows.write().format("delta").mode(SaveMode.Append).save(path);
        return version(rows.sparkSession(), path);
    }

    /**
     * Atomically replaces the rows matching {@code predicate} (all of {@code rows} must match it). Used for
     * small row sets spread over many input partitions, so they are binned into few files (optimized write).
     */
    public static long replaceWhere(Dataset<Row> rows, String path, String predicate) {
        rows.write().format("delta").mode(SaveMode.Overwrite).option("replaceWhere", predicate)
                .option("optimizeWrite", "true").save(path);
        return version(rows.sparkSession(), path);
    }

    public static Dataset<Row> read(SparkSession spark, String path) {
        return spark.read().format("delta").load(path);
    }

    public static Dataset<Row> readVersion(SparkSession spark, String path, long version) {
        return spark.read().format("delta").option("versionAsOf", version).load(path);
    }
}
