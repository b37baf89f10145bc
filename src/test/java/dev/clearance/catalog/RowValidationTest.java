package dev.clearance.catalog;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clearance.policy.Policy;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every quarantine code of contract §3.1 on every table it applies to, and the order the checks run in. */
@ExtendWith(SparkExtension.class)
class RowValidationTest {
    private static final StructType RESULT = new StructType()
            .add("key", DataTypes.StringType)
            .add(RowValidation.INVALID_REASON, DataTypes.StringType);
    private static Policy policy;

    @BeforeAll
    static void loadPolicy() {
        policy = Fixtures.defaultPolicy();
    }

    @Test
    void tracks() {
        assertReasons(InputTable.TRACKS, List.of(
                        track("ok", "u", " Taken_Down ", null, null),
                        track(null, "u", "ACTIVE", null, null),
                        track(" \t", "u", "ACTIVE", null, null),
                        track("noref", "  ", "ARCHIVED", null, null),
                        track("nostate", "u", null, null, null),
                        track("badstate", "u", "ARCHIVED", null, null),
                        track("dup", "u", "ACTIVE", null, null),
                        track("dup", "u", "nonsense", null, null),
                        track("dup ", "u", "ACTIVE", null, null),
                        // U+0085 is not whitespace, even as the last character (a regex '$' would think so).
                        track("\u0085", "u", "ACTIVE", null, null),
                        track("nel", " \u0085", "ACTIVE", null, null)),
                List.of(
                        Frames.row("ok", null),
                        Frames.row(null, "BLANK_KEY"),
                        Frames.row(" \t", "BLANK_KEY"),
                        Frames.row("noref", "BLANK_REFERENCE"),
                        Frames.row("nostate", "UNKNOWN_ENUM"),
                        Frames.row("badstate", "UNKNOWN_ENUM"),
                        Frames.row("dup", "DUPLICATE_KEY"),
                        Frames.row("dup", "UNKNOWN_ENUM"),
                        Frames.row("dup ", null),
                        Frames.row("\u0085", null),
                        Frames.row("nel", null)));
    }

    @Test
    void licenses() {
        assertReasons(InputTable.LICENSES, List.of(
                        license("ok", "t", " creative_commons", list("*", null, "Fraud-Detection"), "2020-01-01T00:00:00Z",
                                "2021-01-01T00:00:00Z"),
                        license("", "t", "SELF", null, null, null),
                        license("noref", null, "SELF", null, null, null),
                        license("type", "t", "LABEL", null, null, null),
                        license("empty", "t", "SELF", null, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
                        license("backwards", "t", "SELF", list("noSuchPurpose"), "2021-01-01T00:00:00Z",
                                "2020-01-01T00:00:00Z"),
                        license("purpose", "t", "SELF", list("generative_training", "marketing_email"), null, null),
                        license("d", "t", "SELF", null, null, null),
                        license("d", "t2", "SELF", null, null, null)),
                List.of(
                        Frames.row("ok", null),
                        Frames.row("", "BLANK_KEY"),
                        Frames.row("noref", "BLANK_REFERENCE"),
                        Frames.row("type", "UNKNOWN_ENUM"),
                        Frames.row("empty", "BAD_INTERVAL"),
                        Frames.row("backwards", "BAD_INTERVAL"),
                        Frames.row("purpose", "UNKNOWN_PURPOSE"),
                        Frames.row("d", "DUPLICATE_KEY"),
                        Frames.row("d", "DUPLICATE_KEY")));
    }

    @Test
    void consents() {
        assertReasons(InputTable.CONSENTS, List.of(
                        consent("ok", "u", " Marketing Email ", "opt_in ", "2026-01-01T00:00:00Z"),
                        consent(null, "u", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("noref", "", "*", "OPT_IN", null),
                        consent("action", "u", "*", "MAYBE", null),
                        consent("nots", "u", "telepathy", "OPT_OUT", null),
                        consent("purpose", "u", "telepathy", "OPT_OUT", "2026-01-01T00:00:00Z"),
                        consent("nopurpose", "u", null, "OPT_OUT", "2026-01-01T00:00:00Z"),
                        consent("e", "u", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e", "u", "*", "OPT_IN", "2026-01-01T00:00:00Z")),
                List.of(
                        Frames.row("ok", null),
                        Frames.row(null, "BLANK_KEY"),
                        Frames.row("noref", "BLANK_REFERENCE"),
                        Frames.row("action", "UNKNOWN_ENUM"),
                        Frames.row("nots", "NULL_TIMESTAMP"),
                        Frames.row("purpose", "UNKNOWN_PURPOSE"),
                        Frames.row("nopurpose", "UNKNOWN_PURPOSE"),
                        Frames.row("e", "DUPLICATE_KEY"),
                        Frames.row("e", "DUPLICATE_KEY")));
    }

    @Test
    void invalidRowsCarryTheWholeRawRowAsJsonIncludingExtraColumns() throws Exception {
        Dataset<Row> raw = Fixtures.frame(InputTable.TRACKS, List.of(
                        track("bad", "u", "LOST", list("a"), null), track("good", "u", "ACTIVE", null, null)))
                .withColumn("ingested_by", org.apache.spark.sql.functions.lit("exporter-7"));
        List<Row> annotated = RowValidation.annotate(InputTable.TRACKS, raw, policy)
                .orderBy(Columns.TRACK_ID).select(RowValidation.RAW_RECORD).collectAsList();
        JsonNode bad = new ObjectMapper().readTree(annotated.get(0).getString(0));
        assertThat(bad.get("track_id").asText()).isEqualTo("bad");
        assertThat(bad.get("state").asText()).isEqualTo("LOST");
        assertThat(bad.get("tags").get(0).asText()).isEqualTo("a");
        assertThat(bad.get("ingested_by").asText()).isEqualTo("exporter-7");
        assertThat(bad.get("embedded_dmi").isNull()).isTrue();
        assertThat(bad.get("uploaded_at").asText()).isEqualTo("2025-01-01T00:00:00.000Z");
        assertThat(annotated.get(1).isNullAt(0)).isTrue();
    }

    private static void assertReasons(InputTable table, List<Row> input, List<Row> expected) {
        Dataset<Row> actual = RowValidation.annotate(table, Fixtures.frame(table, input), policy)
                .select(col(table.keyColumn()).as("key"), col(RowValidation.INVALID_REASON));
        Frames.assertNoOrderEquals(SparkExtension.spark().createDataFrame(expected, RESULT),
                actual.to(RESULT));
    }
}
