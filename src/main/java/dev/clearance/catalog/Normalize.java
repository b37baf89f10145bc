package dev.clearance.catalog;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.replace;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.translate;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * The contract's normalisation rules, each written once for Spark columns and once for driver-side strings
 * (policy values) from the same pattern, so that a policy value and a catalog value normalise identically.
 *
 * <p>"Whitespace" for trimming and blankness is every Unicode separator (Zs, Zl, Zp) and the ASCII control
 * whitespace (tab, line feed, vertical tab, form feed, carriage return, U+001C..U+001F).
 *
 * <p>Case mapping is {@code Locale.ROOT}'s, on the executors too. Spark's {@code upper} and {@code lower} use the
 * JVM's default locale for any value holding a non-ASCII character (Turkish lower-cases the I of "NO AI" written
 * with a no-break space to a dotless i), so the column forms do without them. A normalised value is only ever
 * compared with ASCII (enum values, purpose names, no-AI tags), so they map exactly the characters whose
 * {@code Locale.ROOT} case mapping is ASCII, found over every code point, and keep any other non-ASCII character
 * as it is: a value normalises to an ASCII string exactly when its {@code Locale.ROOT} form is that string.
 */
public final class Normalize {
    private static final String WS = "[\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F}\\p{Z}]";
    // \z, not $: $ also matches before a final line terminator such as U+0085, which is not whitespace here.
    private static final String EDGE_WS = "^" + WS + "+|" + WS + "+\\z";
    private static final String ALL_WS = "^" + WS + "*\\z";
    private static final String NOT_TAG_CHAR = "[^a-z0-9]";
    private static final String ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    // Upper case to one ASCII letter: dotless i, long s.
    private static final String TO_UPPER_FROM = ASCII_LOWER + "\u0131\u017F";
    private static final String TO_UPPER_TO = ASCII_UPPER + "IS";
    // Upper case to several ASCII letters: sharp s and the Latin ligatures U+FB00..U+FB06.
    private static final String[][] UPPER_EXPANSIONS = {{"\u00DF", "SS"}, {"\uFB00", "FF"}, {"\uFB01", "FI"},
            {"\uFB02", "FL"}, {"\uFB03", "FFI"}, {"\uFB04", "FFL"}, {"\uFB05", "ST"}, {"\uFB06", "ST"}};
    // Lower case to ASCII: the Kelvin sign. A capital I with dot lower-cases to i plus U+0307, which is not ASCII.
    private static final String TO_LOWER_FROM = ASCII_UPPER + "\u212A";
    private static final String TO_LOWER_TO = ASCII_LOWER + "k";
    // A tag keeps only a-z0-9 of its lower case, so there the capital I with dot leaves its i.
    private static final String NOT_TAG_CHAR_BEFORE_LOWERING = "[^a-zA-Z0-9\u212A\u0130]";
    private static final String TAG_LOWER_FROM = TO_LOWER_FROM + "\u0130";
    private static final String TAG_LOWER_TO = TO_LOWER_TO + "i";
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
        Column value = trimmed(c);
        for (String[] expansion : UPPER_EXPANSIONS) {
            value = replace(value, lit(expansion[0]), lit(expansion[1]));
        }
        return translate(value, TO_UPPER_FROM, TO_UPPER_TO);
    }

    public static String enumValue(String s) {
        return s == null ? null : trimmed(s).toUpperCase(Locale.ROOT);
    }

    /** Purpose names anywhere: trimmed, lower-cased, '-' and ' ' become '_'. */
    public static Column purposeName(Column c) {
        return translate(trimmed(c), TO_LOWER_FROM + "- ", TO_LOWER_TO + "__");
    }

    public static String purposeName(String s) {
        return s == null ? null : trimmed(s).toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** The form in which a tag is compared with no_ai_tags: lower-cased, then only a-z and 0-9 kept. */
    public static Column tagKey(Column c) {
        return translate(regexp_replace(c, NOT_TAG_CHAR_BEFORE_LOWERING, ""), TAG_LOWER_FROM, TAG_LOWER_TO);
    }

    public static String tagKey(String s) {
        return s == null ? null : NOT_TAG_CHAR_PATTERN.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("");
    }

    /** An embedded DMI value: the text after the last '/', trimmed and upper-cased (null stays null). */
    public static Column dmiValue(Column c) {
        return enumValue(substring_index(c, "/", -1));
    }
}
