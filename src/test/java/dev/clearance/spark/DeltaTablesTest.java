package dev.clearance.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.SparkExtension;
import io.delta.kernel.Operation;
import io.delta.kernel.Table;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterable;
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

/** The version a run records for a table is the one its write committed, whoever else commits to it. */
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
    }

    /** Delta caches a table's state per path; a commit made outside this session must still be seen. */
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
}
