package dev.clearance.catalog;

import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.translate;
import static org.apache.spark.sql.functions.upper;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * The contract's normalisation rules, each written once for Spark columns and once for driver-side strings
 * (policy values) from the same pattern, so that a policy value and a catalog value normalise identically.
 *
 * <p>"Whitespace" for trimming and blankness is every Unicode separator (Zs, Zl, Zp) and the ASCII control
 * whitespace (tab, line feed, vertical tab, form feed, carriage return, U+001C..U+001F).
 */
public final class Normalize {
    private static final String WS = "[\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F}\\p{Z}]";
    // \z, not $: $ also matches before a final line terminator such as U+0085, which is not whitespace here.
    private static final String EDGE_WS = "^" + WS + "+|" + WS + "+\\z";
    private static final String ALL_WS = "^" + WS + "*\\z";
    private static final String NOT_TAG_CHAR = "[^a-z0-9]";
    private static final Pattern EDGE_WS_PATTERN = Pattern.compile(EDGE_WS);
    private static final Pattern NOT_TAG_CHAR_PATTERN = Pattern.compile(NOT_TAG_CHAR);

    private Normalize() {}

    public static Column trimmed(Column c) {
        return regexp_replace(c, EDGE_WS, "");
    }

    public static String trimmed(String s) {
        return s == null ? null : EDGE_WS_PATTERN.matcher(s).replaceAll("");
    }

    /** Null, empty or whitespace only. Never null itself. */
    public static Column isBlank(Column c) {
        return c.isNull().or(c.rlike(ALL_WS));
    }

    /** Enum columns (state, licensor_type, action) and policy enum values: trimmed, upper-cased. */
    public static Column enumValue(Column c) {
        return upper(trimmed(c));
    }

    public static String enumValue(String s) {
        return s == null ? null : trimmed(s).toUpperCase(Locale.ROOT);
    }

    /** Purpose names anywhere: trimmed, lower-cased, '-' and ' ' become '_'. */
    public static Column purposeName(Column c) {
        return translate(lower(trimmed(c)), "- ", "__");
    }

    public static String purposeName(String s) {
        return s == null ? null : trimmed(s).toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** The form in which a tag is compared with no_ai_tags: lower-cased, then only a-z and 0-9 kept. */
    public static Column tagKey(Column c) {
        return regexp_replace(lower(c), NOT_TAG_CHAR, "");
    }

    public static String tagKey(String s) {
        return s == null ? null : NOT_TAG_CHAR_PATTERN.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("");
    }

    /** An embedded DMI value: the text after the last '/', trimmed and upper-cased (null stays null). */
    public static Column dmiValue(Column c) {
        return enumValue(substring_index(c, "/", -1));
    }
}
