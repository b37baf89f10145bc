package dev.clearance.cli;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.testing.ChildJvm;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in a JVM whose default locale is Turkish and whose default time zone is not UTC makes the contract's
 * decisions, which do not depend on either: no-AI tags, purposes, states, licensor types and DMI values with
 * characters that Turkish case-maps differently, and license and consent times at the as_of boundary.
 */
@ExtendWith(SparkExtension.class)
class LocaleIndependenceIT {
    private static final String AS_OF = "2026-06-01T00:00:00Z";
    private static final List<String> TURKISH_WEST_OF_UTC =
            List.of("-Duser.language=tr", "-Duser.country=TR", "-Duser.timezone=America/Los_Angeles");
    private static final String NOT_ASCII_PURPOSE = "GENERAT\u0130VE_TRAINING";
    // Turkish lower-cases each capital I with dot to i: a valid opt-in there, were Spark's lower used.
    private static final String DOTTED_PURPOSE = "GENERAT\u0130VE_TRA\u0130N\u0130NG";

    /** track purpose decision reasons consent_event_id licensor_types matched_no_ai_tag */
    private static final List<String> CURRENT = List.of(
            "t1 recommendation INCLUDED [] e1 [SELF] NO\u00a0AI",
            "t1 fraud_detection INCLUDED [] e1 [SELF] NO\u00a0AI",
            "t1 generative_training EXCLUDED [NO_AI_TAG] e1 [SELF] NO\u00a0AI",
            "t2 recommendation INCLUDED [] e2 [SELF] No AI",
            "t2 fraud_detection INCLUDED [] e2 [SELF] No AI",
            "t2 generative_training EXCLUDED [NO_AI_TAG] e2 [SELF] No AI",
            "t3 recommendation INCLUDED [] e3 [SELF] #noai",
            "t3 fraud_detection INCLUDED [] e3 [SELF] #noai",
            "t3 generative_training EXCLUDED [NO_AI_TAG] e3 [SELF] #noai",
            "t4 recommendation EXCLUDED [CONSENT_RECORD_INVALID] null [SELF] null",
            "t4 fraud_detection INCLUDED [] null [SELF] null",
            "t4 generative_training EXCLUDED [CONSENT_RECORD_INVALID, CONSENT_NOT_GIVEN] null [SELF] null",
            "t5 recommendation INCLUDED [] e5 [SELF] null",
            "t5 fraud_detection INCLUDED [] e5 [SELF] null",
            "t5 generative_training INCLUDED [] e5 [SELF] null",
            "t6 recommendation INCLUDED [] e6 [DISTRIBUTOR] null",
            "t6 fraud_detection INCLUDED [] e6 [DISTRIBUTOR] null",
            "t6 generative_training INCLUDED [] e6 [DISTRIBUTOR] null",
            "t7 recommendation INCLUDED [] e7 [SELF] null",
            "t7 fraud_detection INCLUDED [] e7 [SELF] null",
            "t7 generative_training EXCLUDED [EMBEDDED_RESERVATION] e7 [SELF] null",
            "t8 recommendation EXCLUDED [CONSENT_OPTED_OUT] e8b [SELF] null",
            "t8 fraud_detection INCLUDED [] e8a [SELF] null",
            "t8 generative_training INCLUDED [] e8a [SELF] null",
            "t9 recommendation EXCLUDED [NO_VALID_LICENSE] e9 [] null",
            "t9 fraud_detection INCLUDED [] e9 [] null",
            "t9 generative_training EXCLUDED [NO_VALID_LICENSE] e9 [] null",
            "t10 recommendation EXCLUDED [CONSENT_RECORD_INVALID] null [SELF] null",
            "t10 fraud_detection INCLUDED [] null [SELF] null",
            "t10 generative_training EXCLUDED [CONSENT_RECORD_INVALID, CONSENT_NOT_GIVEN] null [SELF] null");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aTurkishDefaultLocaleAndAnotherTimeZoneChangeNoDecision(SparkSession spark) throws Exception {
        Fixtures.writeLake(dir.resolve("lake"),
                List.of(track("t1", "u1", "ACTIVE", list("NO\u00a0AI"), null),
                        track("t2", "u2", "ACTIVE", list("No AI"), null),
                        track("t3", "u3", "ACTIVE", list("#noai"), null),
                        track("t4", "u4", "ACTIVE", null, null),
                        track("t5", "u5", "act\u0131ve", null, null),
                        track("t6", "u6", "ACTIVE", null, null),
                        // Turkish upper-cases its i to a dotted capital: an unknown value, DMI-PROHIBITED.
                        track("t7", "u7", "ACTIVE", null,
                                "http://ns.useplus.org/ldf/vocab/dmi-proh\u0131b\u0131ted-genaimltraining"),
                        track("t8", "u8", "ACTIVE", null, null),
                        track("t9", "u9", "ACTIVE", null, null),
                        track("t10", "u10", "ACTIVE", null, null)),
                List.of(license("l1", "t1", "SELF", null, null, null),
                        license("l2", "t2", "SELF", null, null, null),
                        license("l3", "t3", "SELF", null, null, null),
                        license("l4", "t4", "SELF", null, null, null),
                        license("l5", "t5", "\u017Felf", null, null, null),
                        license("l6", "t6", "di\uFB06ributor", null, null, null),
                        license("l7", "t7", "SELF", null, null, null),
                        license("l8", "t8", "SELF", null, "2026-05-31T18:00:00Z", "2026-06-01T06:00:00Z"),
                        license("l9", "t9", "SELF", null, "2026-01-01T00:00:00Z", AS_OF),
                        license("l10", "t10", "SELF", null, null, null)),
                List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e2", "u2", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e3", "u3", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e4", "u4", NOT_ASCII_PURPOSE, "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e5", "u5", "*", "opt_\u0131n", "2026-01-01T00:00:00Z"),
                        consent("e6", "u6", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e7", "u7", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e8a", "u8", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e8b", "u8", "recommendation", "OPT_OUT", AS_OF),
                        consent("e9", "u9", "*", "OPT_IN", "2026-01-01T00:00:00Z"),
                        consent("e10", "u10", DOTTED_PURPOSE, "OPT_IN", "2026-01-01T00:00:00Z")));
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 1.0);
        Path out = dir.resolve("out");

        try (ChildJvm child = ChildJvm.start(Main.class, TURKISH_WEST_OF_UTC, dir.resolve("child.log"),
                "run", "--config", config.toString(), "--as-of", AS_OF)) {
            assertThat(child.waitFor(Duration.ofMinutes(5))).as("exit code; see " + dir.resolve("child.log")).isZero();
        }

        // CURRENT is what the contract decides, whatever the locale: the decision tests check it under the default.
        assertThat(current(spark, out)).containsExactlyInAnyOrderElementsOf(CURRENT);
        assertThat(stamps(spark, out)).containsExactly("run-20260601T000000Z " + AS_OF);
        assertThat(quarantine(spark, out)).containsExactlyInAnyOrderElementsOf(List.of(
                unknownPurpose("e4", "u4", NOT_ASCII_PURPOSE), unknownPurpose("e10", "u10", DOTTED_PURPOSE)));
    }

    private static String unknownPurpose(String eventId, String userId, String purpose) {
        return "consents UNKNOWN_PURPOSE {\"event_id\":\"" + eventId + "\",\"user_id\":\"" + userId
                + "\",\"purpose\":\"" + purpose + "\",\"action\":\"OPT_IN\",\"event_ts\":\"2026-01-01T00:00:00.000Z\","
                + "\"source\":\"settings_page\"}";
    }

    private static List<String> current(SparkSession spark, Path out) {
        return spark.read().format("delta").load(out.resolve(OutputRoot.CURRENT).toString())
                .select("track_id", "purpose", "decision", "reasons", "consent_event_id", "licensor_types",
                        "matched_no_ai_tag")
                .collectAsList().stream()
                .map(r -> String.join(" ", r.getString(0), r.getString(1), r.getString(2), r.getList(3).toString(),
                        r.getString(4), r.getList(5).toString(), r.getString(6)))
                .toList();
    }

    /** The distinct run_id and as_of of lineage/current. */
    private static List<String> stamps(SparkSession spark, Path out) {
        return spark.read().format("delta").load(out.resolve(OutputRoot.CURRENT).toString())
                .select("run_id", "as_of").distinct().collectAsList().stream()
                .map(r -> r.getString(0) + " " + r.getTimestamp(1).toInstant())
                .toList();
    }

    private static List<String> quarantine(SparkSession spark, Path out) {
        return spark.read().format("delta").load(out.resolve(OutputRoot.QUARANTINE).toString())
                .select("source_table", "reason", "record").collectAsList().stream()
                .map((Row r) -> r.getString(0) + " " + r.getString(1) + " " + r.getString(2))
                .toList();
    }
}
