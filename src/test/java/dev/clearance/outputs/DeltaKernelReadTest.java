package dev.clearance.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.runlog.RunLog;
import dev.clearance.runlog.RunRecord;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.SparkExtension;
import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outputs are plain Delta tables: Delta Kernel, with no Spark, reads exactly the rows Spark reads, for a
 * curated table at the version a run recorded and for the ledger.
 */
@ExtendWith(SparkExtension.class)
class DeltaKernelReadTest {
    private final Engine engine = DefaultEngine.create(new Configuration());

    @Test
    void aCuratedTableAtTheVersionARunRecordedReadsTheSameWithoutSpark(SparkSession spark) throws IOException {
        RunRecord first = new OutputRoot(spark, AuditScenario.output().toString()).runLog().find(AuditScenario.RUN1)
                .orElseThrow();
        long version = first.output("curated/" + AuditScenario.GEN).orElseThrow().version();
        String path = AuditScenario.output().resolve("curated/" + AuditScenario.GEN).toString();

        List<List<Object>> kernel = kernelRows(path, version);

        assertThat(kernel).containsExactlyInAnyOrderElementsOf(sparkRows(spark.read().format("delta")
                .option("versionAsOf", version).load(path).collectAsList()));
        assertThat(kernel).extracting(r -> r.get(0)).containsExactly(AuditScenario.T1);
        assertThat(kernelRows(path, version + 1)).extracting(r -> r.get(0)).containsExactly(AuditScenario.T8);
    }

    @Test
    void theLedgerReadsTheSameWithoutSpark(SparkSession spark) throws IOException {
        String path = AuditScenario.output().resolve(OutputRoot.LEDGER).toString();
        Table table = Table.forPath(engine, path);
        long head = table.getLatestSnapshot(engine).getVersion(engine);

        List<List<Object>> kernel = kernelRows(path, head);

        assertThat(kernel).hasSize(33)
                .containsExactlyInAnyOrderElementsOf(sparkRows(spark.read().format("delta").load(path).collectAsList()));
    }

    /** Every row of the table at {@code version}, values as plain Java objects (arrays as lists, timestamps as Instants). */
    private List<List<Object>> kernelRows(String path, long version) throws IOException {
        Snapshot snapshot = Table.forPath(engine, path).getSnapshotAsOfVersion(engine, version);
        Scan scan = snapshot.getScanBuilder(engine).build();
        io.delta.kernel.data.Row scanState = scan.getScanState(engine);
        StructType readSchema = ScanStateRow.getPhysicalDataReadSchema(engine, scanState);
        StructType schema = snapshot.getSchema(engine);
        List<List<Object>> rows = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
            while (files.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> scanFiles = files.next().getRows()) {
                    while (scanFiles.hasNext()) {
                        io.delta.kernel.data.Row scanFile = scanFiles.next();
                        CloseableIterator<ColumnarBatch> physical = engine.getParquetHandler().readParquetFiles(
                                Utils.singletonCloseableIterator(InternalScanFileUtils.getAddFileStatus(scanFile)),
                                readSchema, Optional.empty());
                        try (CloseableIterator<FilteredColumnarBatch> data =
                                     Scan.transformPhysicalData(engine, scanState, scanFile, physical)) {
                            while (data.hasNext()) {
                                try (CloseableIterator<io.delta.kernel.data.Row> batch = data.next().getRows()) {
                                    while (batch.hasNext()) {
                                        rows.add(values(batch.next(), schema));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static List<Object> values(io.delta.kernel.data.Row row, StructType schema) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < schema.length(); i++) {
            StructField field = schema.at(i);
            if (row.isNullAt(i)) {
                values.add(null);
            } else if (field.getDataType() instanceof StringType) {
                values.add(row.getString(i));
            } else if (field.getDataType() instanceof LongType) {
                values.add(row.getLong(i));
            } else if (field.getDataType() instanceof TimestampType) {
                values.add(Instant.EPOCH.plus(row.getLong(i), ChronoUnit.MICROS));
            } else if (field.getDataType() instanceof ArrayType) {
                ArrayValue array = row.getArray(i);
                ColumnVector elements = array.getElements();
                List<String> list = new ArrayList<>();
                for (int j = 0; j < array.getSize(); j++) {
                    list.add(elements.isNullAt(j) ? null : elements.getString(j));
                }
                values.add(list);
            } else {
                throw new AssertionError("unexpected type " + field.getDataType() + " of " + field.getName());
            }
        }
        return values;
    }

    private static List<List<Object>> sparkRows(List<Row> rows) {
        List<List<Object>> out = new ArrayList<>();
        for (Row row : rows) {
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < row.length(); i++) {
                Object value = row.get(i);
                if (value instanceof Timestamp t) {
                    value = t.toInstant();
                } else if (value instanceof scala.collection.Seq<?>) {
                    value = new ArrayList<>(row.getList(i));
                }
                values.add(value);
            }
            out.add(values);
        }
        return out;
    }
}
