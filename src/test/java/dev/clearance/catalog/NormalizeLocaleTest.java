package dev.clearance.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.decode;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.unhex;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.SparkExtension;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The column forms of the case-mapping rules against the driver-side forms, which are {@code Locale.ROOT}'s, with
 * the executors (local, so this JVM) under a default locale with special casing rules. Only ASCII results can
 * match anything, so a column form must be ASCII exactly when the driver-side form is, and then equal to it.
 * Each value maps to the ASCII forms (enum, purpose, tag key, DMI value), null where a form is not ASCII.
 */
@ExtendWith(SparkExtension.class)
class NormalizeLocaleTest {
    private static final Locale TURKISH = Locale.forLanguageTag("tr-TR");

    static Stream<Locale> locales() {
        return Stream.of(Locale.ROOT, TURKISH, Locale.forLanguageTag("az-AZ"), Locale.forLanguageTag("lt-LT"));
    }

    @Test
    void everyCodePointNormalisesToAsciiExactlyWhenItsLocaleRootFormIsAscii(SparkSession spark) {
        Column id = col("id");
        Column supplementary = id.minus(0x10000);
        Column utf16 = when(id.lt(0x10000), lpad(hex(id), 4, "0")).otherwise(concat(
                hex(shiftright(supplementary, 10).plus(0xD800)), hex(supplementary.bitwiseAND(0x3FF).plus(0xDC00))));
        // A lone surrogate is no string: Spark would hold it as '?'.
        Dataset<Row> codePoints = spark.range(0, Character.MAX_CODE_POINT + 1)
                .filter(id.lt((int) Character.MIN_SURROGATE).or(id.gt((int) Character.MAX_SURROGATE)))
                .select(decode(unhex(utf16), "UTF-16BE").as("value"));

        Map<String, List<String>> expected = new HashMap<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.getType(cp) != Character.SURROGATE) {
                String value = new String(Character.toChars(cp));
                List<String> forms = rootForms(value);
                if (anyAscii(forms)) {
                    expected.put(value, forms);
                }
            }
        }
        // Besides ASCII and the whitespace that trims away: the characters whose ROOT case mapping reaches ASCII.
        assertThat(expected.keySet().stream().filter(v -> v.charAt(0) >= 0x80 && !Normalize.trimmed(v).isEmpty()))
                .containsExactlyInAnyOrder("\u0131", "\u017F", "\u00DF", "\u212A", "\u0130",
                        "\uFB00", "\uFB01", "\uFB02", "\uFB03", "\uFB04", "\uFB05", "\uFB06");
        assertThat(inDefaultLocale(TURKISH, () -> columnForms(codePoints, true)))
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    @ParameterizedTest
    @MethodSource("locales")
    void wordsNormaliseToTheirLocaleRootFormsUnderAnyDefaultLocale(Locale locale, SparkSession spark) {
        List<String> words = List.of("NO\u00a0AI", "No AI", "#noai", "no-ai-training", "NO AI \u0130", "NO_A\u0130",
                "GENERAT\u0130VE_TRAINING", "GENERAT\u0130VE_TRA\u0130N\u0130NG", "Generative-Training",
                "\u212Aids_\u212Aaraoke", "act\u0131ve", " Active ", "pr\u0131vate", "di\uFB06ributor", "\uFB05elf",
                "\u017Felf", "MA\u0130OR_LABEL", "major_label", "opt_\u0131n", "stra\u00DFe",
                "\uFB00\uFB01\uFB02\uFB03\uFB04", "i\u0307", "\u00CC", "\u039F\u03A3",
                "http://ns.useplus.org/ldf/vocab/dmi-proh\u0131b\u0131ted", "dmi-prohibited-see\uFB05raint",
                "DMI-ALLOWED/", "\u0130");
        Dataset<Row> values = spark.createDataFrame(words.stream().map(w -> RowFactory.create(w)).toList(),
                new StructType().add("value", DataTypes.StringType));

        Map<String, List<String>> expected = new HashMap<>();
        words.forEach(w -> expected.put(w, rootForms(w)));
        Map<String, List<String>> actual = inDefaultLocale(locale, () -> columnForms(values, false));

        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(actual.get("NO\u00a0AI")).containsExactly(null, null, "noai", null);
        assertThat(actual.get("NO AI \u0130")).containsExactly(null, null, "noaii", null);
        assertThat(actual.get("GENERAT\u0130VE_TRAINING")).containsExactly(null, null, "generativetraining", null);
        assertThat(actual.get("GENERAT\u0130VE_TRA\u0130N\u0130NG")).containsExactly(null, null, "generativetraining",
                null);
        assertThat(actual.get("\u212Aids_\u212Aaraoke")).containsExactly(null, "kids_karaoke", "kidskaraoke", null);
        assertThat(actual.get("act\u0131ve")).containsExactly("ACTIVE", null, "actve", "ACTIVE");
        assertThat(actual.get("di\uFB06ributor")).containsExactly("DISTRIBUTOR", null, "diributor", "DISTRIBUTOR");
        assertThat(actual.get("http://ns.useplus.org/ldf/vocab/dmi-proh\u0131b\u0131ted").get(3))
                .isEqualTo("DMI-PROHIBITED");
    }

    /** The driver-side forms, each null unless ASCII: enum value, purpose name, tag key, DMI value. */
    private static List<String> rootForms(String value) {
        return Arrays.asList(ascii(Normalize.enumValue(value)), ascii(Normalize.purposeName(value)),
                Normalize.tagKey(value), ascii(Normalize.enumValue(value.substring(value.lastIndexOf('/') + 1))));
    }

    /** Whether a form other than the tag key (always ASCII) is ASCII, or the tag key is not empty. */
    private static boolean anyAscii(List<String> forms) {
        return forms.get(0) != null || forms.get(1) != null || !forms.get(2).isEmpty() || forms.get(3) != null;
    }

    private static String ascii(String s) {
        return s.chars().allMatch(c -> c < 0x80) ? s : null;
    }

    /**
     * The column forms of column {@code value}, as {@link #rootForms}, in one job. With {@code onlyAscii}, only the
     * values with an ASCII form or a non-empty tag key.
     */
    private static Map<String, List<String>> columnForms(Dataset<Row> values, boolean onlyAscii) {
        Column value = col("value");
        Column[] forms = {asciiOrNull(Normalize.enumValue(value)), asciiOrNull(Normalize.purposeName(value)),
                Normalize.tagKey(value), asciiOrNull(Normalize.dmiValue(value))};
        Dataset<Row> rows = values.select(value, forms[0], forms[1], forms[2], forms[3]);
        if (onlyAscii) {
            rows = rows.filter(forms[0].isNotNull().or(forms[1].isNotNull()).or(forms[2].notEqual(lit("")))
                    .or(forms[3].isNotNull()));
        }
        Map<String, List<String>> result = new HashMap<>();
        rows.collectAsList().forEach(r -> result.put(r.getString(0),
                Arrays.asList(r.getString(1), r.getString(2), r.getString(3), r.getString(4))));
        return result;
    }

    private static Column asciiOrNull(Column c) {
        return when(c.rlike("^\\p{ASCII}*\\z"), c);
    }

    /** Runs {@code action} with {@code locale} as the JVM's default, as an executor started under it would. */
    private static <T> T inDefaultLocale(Locale locale, Supplier<T> action) {
        Locale saved = Locale.getDefault();
        Locale display = Locale.getDefault(Locale.Category.DISPLAY);
        Locale format = Locale.getDefault(Locale.Category.FORMAT);
        try {
            Locale.setDefault(locale);
            return action.get();
        } finally {
            Locale.setDefault(saved);
            Locale.setDefault(Locale.Category.DISPLAY, display);
            Locale.setDefault(Locale.Category.FORMAT, format);
        }
    }
}
