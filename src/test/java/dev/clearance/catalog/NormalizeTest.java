package dev.clearance.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.unhex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.SparkExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Blankness as the contract defines whitespace, on values as Spark reads them from Parquet: raw bytes, not
 * always valid UTF-8. Spark's code-generated {@code trim(col, chars)} looks like a faster isBlank but strips a
 * stray byte that occurs inside a whitespace character's encoding; the regex sees U+FFFD there.
 */
@ExtendWith(SparkExtension.class)
class NormalizeTest {

    @Test
    void blankMeansNullOrOnlyContractWhitespaceAndNothingElse(SparkSession spark) {
        // Hex of each value's bytes: the values stay byte-exact, invalid UTF-8 included.
        Map<String, Boolean> blankByHex = new HashMap<>();
        blankByHex.put("", true);
        blankByHex.put("20090A0B0C0D1C1F", true);               // space, tab .. CR, U+001C, U+001F
        blankByHex.put("C2A0E19A80E28087E280A8E280A9E38080", true); // U+00A0, U+1680, U+2007, U+2028, U+2029, U+3000
        blankByHex.put("C285", false);                          // U+0085: not whitespace here
        blankByHex.put("E2808B", false);                        // U+200B zero-width space: format, not separator
        blankByHex.put("2061", false);
        blankByHex.put("A0", false);                            // a stray byte of U+00A0's encoding: invalid UTF-8
        blankByHex.put("2080E2", false);                        // stray bytes of U+2000's encoding around a space
        List<Row> rows = new ArrayList<>();
        blankByHex.keySet().forEach(hex -> rows.add(RowFactory.create(hex)));
        rows.add(RowFactory.create((Object) null));

        List<Row> result = spark.createDataFrame(rows, new StructType().add("hex", DataTypes.StringType))
                .select(col("hex"), Normalize.isBlank(unhex(col("hex")).cast(DataTypes.StringType)).as("blank"))
                .collectAsList();

        Map<String, Boolean> expected = new HashMap<>(blankByHex);
        expected.put(null, true);
        Map<String, Boolean> actual = new HashMap<>();
        result.forEach(r -> actual.put(r.getString(0), r.getBoolean(1)));
        assertThat(actual).isEqualTo(expected);
    }
}
