package dev.clearance.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** spark-testing-base's frame assertions, used on the shared session rather than through its JUnit 4 base class. */
public final class Frames {
    private static final JavaDataFrameSuiteBase ASSERTIONS = new JavaDataFrameSuiteBase();

    private Frames() {}

    /** Same schema and the same rows, as multisets. */
    public static void assertNoOrderEquals(Dataset<Row> expected, Dataset<Row> actual) {
        ASSERTIONS.assertDataFrameNoOrderEquals(expected, actual);
    }

    public static Dataset<Row> frame(StructType schema, List<Row> rows) {
        return SparkExtension.spark().createDataFrame(rows, schema);
    }

    public static Row row(Object... values) {
        return RowFactory.create(values);
    }
}
