package dev.clearance.catalog;

import dev.clearance.errors.InputContractException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;

/**
 * The schema contract of §1: which input types are accepted for each required column, and how they are
 * brought to the required type (narrower integers widened, timestamp_ntz read as UTC).
 */
public final class Conform {
    private Conform() {}

    /** Fails with every problem of the table at once, so that one fix of the export fixes the run. */
    public static void check(InputTable table, String location, StructType actual) {
        List<String> problems = new ArrayList<>();
        for (StructField required : table.schema().fields()) {
            Optional<StructField> found = field(actual, required.name());
            if (found.isEmpty()) {
                problems.add("missing column '" + required.name() + "' (expected " + required.dataType().simpleString() + ")");
            } else if (!accepts(required.dataType(), found.get().dataType())) {
                problems.add("column '" + required.name() + "' has type " + found.get().dataType().simpleString()
                        + ", expected " + required.dataType().simpleString());
            }
        }
        if (!problems.isEmpty()) {
            throw new InputContractException("input table " + table.tableName() + " at " + location
                    + " breaks the contract: " + String.join("; ", problems)
                    + ". Fix the upstream export or point lake." + table.tableName() + " at a conforming table.");
        }
    }

    /**
     * Every required column of {@code table}, in the schema's order, as {@link #column}. Public because the
     * auditor reads a run's input rows through it, so that it sees the values the run's checks and rules saw.
     */
    public static Column[] required(Dataset<Row> input, InputTable table) {
        return Arrays.stream(table.schema().fieldNames()).map(name -> column(input, table, name).as(name))
                .toArray(Column[]::new);
    }

    /** The required column of {@code table}, cast from its input type to the required one. */
    private static Column column(Dataset<Row> input, InputTable table, String name) {
        DataType required = table.schema().apply(name).dataType();
        Column column = input.col(quoted(name));
        return input.schema().apply(name).dataType().equals(required) ? column : column.cast(required);
    }

    static boolean accepts(DataType required, DataType actual) {
        if (required.equals(actual)) {
            return true;
        }
        if (required.equals(DataTypes.LongType)) {
            return actual instanceof IntegerType || actual instanceof ShortType || actual instanceof ByteType;
        }
        if (required.equals(DataTypes.TimestampType)) {
            return actual instanceof TimestampNTZType;
        }
        if (required instanceof ArrayType r && actual instanceof ArrayType a) {
            return r.elementType().equals(a.elementType());
        }
        return false;
    }

    private static Optional<StructField> field(StructType schema, String name) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst();
    }

    private static String quoted(String name) {
        return "`" + name + "`";
    }
}
