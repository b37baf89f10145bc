package dev.clearance.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.testing.SparkExtension;
import io.delta.kernel.Operation;
import io.delta.kernel.Table;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterable;
import io.delta.tables.DeltaTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The versions a run records are the versions Delta's own history reports. */
@ExtendWith(SparkExtension.class)
class DeltaTablesTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType);

    @Test
    void eachWriteReturnsTheVersionItCommitted(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("t").toString();
        DeltaTables.ensure(spark, path, SCHEMA, Map.of());
        assertThat(DeltaTables.version(spark, path)).isZero();

        long appended = DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("a")), SCHEMA), path);
        long replaced = DeltaTables.replaceWhere(spark.createDataFrame(List.of(RowFactory.create("b")), SCHEMA),
                path, "id = 'b'");
        long overwritten = DeltaTables.overwrite(spark.createDataFrame(List.of(RowFactory.create("c")), SCHEMA), path);

        assertThat(List.of(appended, replaced, overwritten)).containsExactly(1L, 2L, 3L);
        assertThat(DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0)).isEqualTo(3L);
    }

    /** Delta caches a table's log state per path; a commit by another writer must still be seen. */
    @Test
    void aCommitByAnotherWriterIsSeen(SparkSession spark, @TempDir Path dir) throws Exception {
        String path = dir.resolve("t").toString();
        DeltaTables.ensure(spark, path, SCHEMA, Map.of());
        DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("a")), SCHEMA), path);
        assertThat(DeltaTables.version(spark, path)).isEqualTo(1L);

        Engine engine = DefaultEngine.create(new Configuration());
        Table.forPath(engine, path).createTransactionBuilder(engine, "another writer", Operation.MANUAL_UPDATE)
                .build(engine).commit(engine, CloseableIterable.emptyIterable());

        assertThat(DeltaTables.version(spark, path)).isEqualTo(2L);
    }

    @Test
    void aDirectoryWithoutADeltaLogHasNoVersion(SparkSession spark, @TempDir Path dir) throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));

        assertThatThrownBy(() -> DeltaTables.version(spark, plain.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(plain + " is not a Delta table (no commit in its _delta_log)");
    }
}
