package dev.clearance.publish;

import dev.clearance.spark.DeltaTables;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Every Delta commit of one run (contract §11): each is preceded by the fence's check, carries the run_id as
 * its {@code userMetadata}, and reports the version that commit produced, found by that run_id rather than
 * taken as the table's latest, which another writer may have made meanwhile.
 */
public final class RunCommits implements AutoCloseable {
    /** Told of each commit, in commit order (the k-th commit of the run is numbered k, from 1). */
    @FunctionalInterface
    public interface Listener {
        void committed(int ordinal, String table, long version);
    }

    /** Delta skips a write that changes nothing unless told not to: a run's every write is a version of its own. */
    private static final String RECORD_EMPTY_COMMITS = "spark.databricks.delta.skipRecordingEmptyCommits";

    private final SparkSession spark;
    private final String runId;
    private final Fence fence;
    private final Listener listener;
    private final AtomicInteger commits = new AtomicInteger();
    /** Tables this run has created or checked: their properties need no second look. */
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    /** From here until {@link #close()}, every commit of the session carries {@code runId}. */
    public RunCommits(SparkSession spark, String runId, Fence fence, Listener listener) {
        this.spark = spark;
        this.runId = runId;
        this.fence = fence;
        this.listener = listener;
        spark.conf().set(DeltaTables.COMMIT_USER_METADATA, runId);
        spark.conf().set(RECORD_EMPTY_COMMITS, "false");
    }

    /** A table to commit to: its name under the output root, its location, schema and creation properties. */
    public record Target(String table, String path, StructType schema, Map<String, String> properties) {}

    /** Appends {@code rows}; a retried append of the same run is skipped by Delta itself (txnAppId). */
    public long appendOnce(Target target, Dataset<Row> rows) {
        return commit(target, rows.write().format("delta").mode(SaveMode.Append)
                .option("txnAppId", "clearance:" + runId).option("txnVersion", 0));
    }

    /** A commit that changes no row: the run's own version of a table it leaves as it was. */
    public long unchanged(Target target) {
        return commit(target, spark.createDataFrame(List.of(), target.schema()).write().format("delta")
                .mode(SaveMode.Append));
    }

    /** Changes the table in place by the MERGE {@code merge} builds on it ({@link InPlace}). */
    public long merge(Target target, Function<DeltaTable, DeltaMergeBuilder> merge) {
        return commit(target, () -> merge.apply(DeltaTable.forPath(spark, target.path())).execute());
    }

    /**
     * Atomically replaces the rows matching {@code predicate} (all of {@code rows} must match it). Used for
     * small row sets spread over many input partitions, so they are binned into few files (optimized write).
     */
    public long replaceWhere(Target target, Dataset<Row> rows, String predicate) {
        return commit(target, rows.write().format("delta").mode(SaveMode.Overwrite).option("replaceWhere", predicate)
                .option("optimizeWrite", "true"));
    }

    private long commit(Target target, DataFrameWriter<Row> write) {
        return commit(target, () -> write.save(target.path()));
    }

    private long commit(Target target, Runnable write) {
        fence.check();
        if (ensured.add(target.path())) {
            int made = DeltaTables.ensure(spark, target.path(), target.schema(), target.properties());
            if (made > 0) {
                long version = versionOf(target);
                for (long v = version - made + 1; v <= version; v++) {
                    listener.committed(commits.incrementAndGet(), target.table(), v);
                }
                fence.check();
            }
        }
        write.run();
        long version = versionOf(target);
        listener.committed(commits.incrementAndGet(), target.table(), version);
        return version;
    }

    private long versionOf(Target target) {
        return DeltaTables.latestCommitBy(spark, target.path(), runId).orElseThrow(() -> new IllegalStateException(
                "no commit of run " + runId + " in the log of " + target.path() + " right after committing to it"));
    }

    @Override
    public void close() {
        spark.conf().unset(DeltaTables.COMMIT_USER_METADATA);
        spark.conf().unset(RECORD_EMPTY_COMMITS);
    }
}
