package dev.clearance.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every Spark SQL query of docs/auditing.md, as written, against the two-run scenario (only the example
 * paths /data/out and /lake are replaced) and checks its exact result. A query edited in the docs without its
 * expectation here fails, and so does a query that stops working.
 */
@ExtendWith(SparkExtension.class)
class AuditingDocsTest {
    private static final Path DOC = Path.of("docs/auditing.md");
    private static final Pattern QUERY = Pattern.compile("<!-- query: ([a-z0-9-]+) -->\\n```sql\\n(.*?)\\n```",
            Pattern.DOTALL);
    private static final String RUN1 = AuditScenario.RUN1;
    private static final String RUN2 = AuditScenario.RUN2;
    private static final String SHA = Fixtures.defaultPolicy().sha256();
    private static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("runs", List.of(
                RUN1 + " | 2026-11-20T00:00:00Z | 2026-11-20T01:00:00Z | SUCCEEDED | 2026-11-27.1 | " + SHA + " | 21",
                RUN2 + " | 2026-11-27T00:00:00Z | 2026-11-27T01:00:00Z | SUCCEEDED | 2026-11-27.1 | " + SHA + " | 12"));
        EXPECTED.put("pair-at-run", List.of(RUN1 + " | EXCLUDED | [LICENSOR_EXCLUDED, CONSENT_NOT_GIVEN] | NONE | null"
                + " | [l000000002] | [MAJOR_LABEL] | 2026-11-27.1"));
        EXPECTED.put("excluded-for-reason", List.of(
                "t000000001 | u0000001 | [CONSENT_OPTED_OUT] | " + RUN2,
                "t000000004 | u0000003 | [NO_AI_TAG, EMBEDDED_RESERVATION, CONSENT_OPTED_OUT] | " + RUN1,
                "t000000007 | u0000001 | [LICENSE_RECORD_INVALID, CONSENT_OPTED_OUT] | " + RUN2));
        EXPECTED.put("changed-between-runs", List.of(
                "t000000001 | generative_training | INCLUDED | [] | EXCLUDED | [CONSENT_OPTED_OUT]",
                "t000000002 | generative_training | EXCLUDED | [LICENSOR_EXCLUDED, CONSENT_NOT_GIVEN] | EXCLUDED"
                        + " | [LICENSOR_EXCLUDED]",
                "t000000003 | fraud_detection | INCLUDED | [] | REMOVED | [TRACK_NOT_IN_CATALOG]",
                "t000000003 | generative_training | EXCLUDED | [STATE_NOT_ELIGIBLE] | REMOVED | [TRACK_NOT_IN_CATALOG]",
                "t000000003 | recommendation | EXCLUDED | [STATE_NOT_ELIGIBLE] | REMOVED | [TRACK_NOT_IN_CATALOG]",
                "t000000007 | generative_training | EXCLUDED | [LICENSE_RECORD_INVALID] | EXCLUDED"
                        + " | [LICENSE_RECORD_INVALID, CONSENT_OPTED_OUT]",
                "t000000008 | fraud_detection | null | null | INCLUDED | []",
                "t000000008 | generative_training | null | null | INCLUDED | []",
                "t000000008 | recommendation | null | null | INCLUDED | []"));
        EXPECTED.put("evidence-changed", List.of(
                "t000000005 | fraud_detection | INCLUDED | [] | [embedded_dmi] | " + RUN1,
                "t000000005 | generative_training | EXCLUDED | [NO_VALID_LICENSE, CONSENT_RECORD_INVALID,"
                        + " CONSENT_NOT_GIVEN] | [embedded_dmi] | " + RUN1,
                "t000000005 | recommendation | EXCLUDED | [NO_VALID_LICENSE, CONSENT_RECORD_INVALID] | [embedded_dmi]"
                        + " | " + RUN1));
        EXPECTED.put("pair-history", List.of(
                RUN1 + " | 2026-11-20T00:00:00Z | INCLUDED | [] | e0000000001 | 2026-11-27.1",
                RUN2 + " | 2026-11-27T00:00:00Z | EXCLUDED | [CONSENT_OPTED_OUT] | e0000000007 | 2026-11-27.1"));
        EXPECTED.put("curated-version", List.of(
                "curated/fraud_detection | 2 | 5",
                "curated/generative_training | 2 | 1",
                "curated/recommendation | 2 | 3"));
        EXPECTED.put("curated-snapshot", List.of(
                "t000000008 | u0000002 | OPT_IN | e0000000006 | [l000000008] | " + RUN2));
        EXPECTED.put("run-inputs", List.of(
                "consents | delta | 1 | null",
                "licenses | delta | 1 | null",
                "tracks | delta | 1 | null"));
        EXPECTED.put("evidence-consent", List.of(
                "e0000000006 | u0000002 | generative_training | OPT_IN | 2026-11-21T08:00:00Z | support"));
        EXPECTED.put("evidence-licences", List.of(
                "l000000002 | t000000002 | MAJOR_LABEL | Licensor of t000000002 | null | null | null"));
        EXPECTED.put("quarantine", List.of(
                "consents | UNKNOWN_ENUM | 1",
                "licenses | BAD_INTERVAL | 1",
                "tracks | UNKNOWN_ENUM | 1"));
        EXPECTED.put("quarantine-rows", List.of(
                "UNKNOWN_ENUM | t000000006 | {\"track_id\":\"t000000006\",\"uploader_id\":\"u0000005\",\"title\":"
                        + "\"Title t000000006\",\"genre\":\"ambient\",\"duration_ms\":180000,\"audio_uri\":"
                        + "\"s3://audio/t000000006.flac\",\"tags\":null,\"state\":\"ARCHIVED\",\"embedded_dmi\":null,"
                        + "\"uploaded_at\":\"2025-01-01T00:00:00.000Z\"}"));
        EXPECTED.put("run-for-date", List.of(RUN1 + " | 2026-11-20T00:00:00Z | 2026-11-20T01:00:00Z"));
    }

    private static Map<String, String> queries;

    @BeforeAll
    static void readDoc() throws IOException {
        queries = new LinkedHashMap<>();
        Matcher m = QUERY.matcher(Files.readString(DOC));
        while (m.find()) {
            assertThat(queries.put(m.group(1), m.group(2))).as("query id %s used twice", m.group(1)).isNull();
        }
    }

    @Test
    void everySparkSqlBlockIsMarkedAndHasAnExpectedResult() throws IOException {
        String doc = Files.readString(DOC);
        long sqlBlocks = Pattern.compile("```sql\\n").matcher(doc).results().count();
        long duckDbBlocks = Pattern.compile("```sql\\nINSTALL delta;").matcher(doc).results().count();
        assertThat(queries).hasSize((int) (sqlBlocks - duckDbBlocks));
        assertThat(queries.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @TestFactory
    Stream<DynamicTest> everyQueryGivesItsDocumentedResult() {
        SparkSession spark = SparkExtension.spark();
        String output = AuditScenario.output().toString();
        String lake = AuditScenario.dir().resolve("lake").toString();
        return queries.entrySet().stream().map(q -> DynamicTest.dynamicTest(q.getKey(), () -> {
            String sql = q.getValue().replace("/data/out", output).replace("`/lake/", "`" + lake + "/");
            List<String> rows = spark.sql(sql).collectAsList().stream().map(AuditingDocsTest::text).toList();
            assertThat(rows).as(q.getKey()).containsExactlyElementsOf(EXPECTED.get(q.getKey()));
        }));
    }

    /** A row as "a | b | [c, d]", timestamps in UTC ISO-8601 whatever the JVM's time zone. */
    private static String text(Row row) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < row.length(); i++) {
            Object value = row.get(i);
            if (value instanceof Timestamp t) {
                values.add(t.toInstant().toString());
            } else if (value instanceof scala.collection.Seq<?>) {
                values.add(row.getList(i).stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]")));
            } else {
                values.add(String.valueOf(value));
            }
        }
        return String.join(" | ", values);
    }
}
