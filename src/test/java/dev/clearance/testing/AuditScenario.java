package dev.clearance.testing;

import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.list;
import static dev.clearance.testing.Fixtures.track;
import static dev.clearance.testing.Fixtures.ts;

import dev.clearance.config.JobConfig;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A two-run output root shared by the auditor tests, built once per test JVM (the tests only read it; a test
 * that tampers works on a {@link #copy}). Ids look like the generator's, and the docs' example queries use
 * them, so the docs can be run verbatim against it.
 *
 * <p>Run 1 (as_of 2026-11-20): t1 is included everywhere (u1 opted in to generative training); t2 has a
 * major-label licence and no opt-in yet (u2's opt-in is dated 2026-12-15); t3 is private; t4 carries a
 * "No AI" tag and a DMI reservation, its licence prohibits recommendation and u3 opted out of everything;
 * t5's only licence starts in 2027 and u4 has a quarantined consent event; t6 has an unknown state
 * (quarantined); t7 has a licence row with a bad interval. Run 2 (as_of 2026-11-27): t3 left the catalog,
 * t8 arrived, u2 opted in to generative training (e0000000006) and u1 opted out of it (e0000000007), and t5's
 * audio file now declares DMI-ALLOWED: no decision or reason of t5 changes, but its evidence does, so the ledger
 * has a row for each of its pairs again (contract v2 §4).
 */
public final class AuditScenario {
    public static final String RUN1 = "run-20261120T000000Z";
    public static final String RUN2 = "run-20261127T000000Z";
    public static final Instant AS_OF1 = Instant.parse("2026-11-20T00:00:00Z");
    public static final Instant AS_OF2 = Instant.parse("2026-11-27T00:00:00Z");
    public static final String REC = "recommendation";
    public static final String FRAUD = "fraud_detection";
    public static final String GEN = "generative_training";

    public static final String T1 = "t000000001";
    public static final String T2 = "t000000002";
    public static final String T3 = "t000000003";
    public static final String T4 = "t000000004";
    public static final String T5 = "t000000005";
    public static final String T6 = "t000000006";
    public static final String T7 = "t000000007";
    public static final String T8 = "t000000008";
    public static final String U1 = "u0000001";
    public static final String U2 = "u0000002";
    public static final String U3 = "u0000003";
    public static final String U4 = "u0000004";
    public static final String U5 = "u0000005";

    private static Path dir;

    private AuditScenario() {}

    /** The scenario's folder: {@code lake/}, {@code out/} and {@code clearance.yaml}. Built on first use. */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path built = Files.createTempDirectory("clearance-audit-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(built)));
                build(built);
                dir = built;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    public static Path config() {
        return dir().resolve("clearance.yaml");
    }

    public static Path output() {
        return dir().resolve("out");
    }

    /** A private copy of the scenario's output root under {@code target}, with a configuration pointing at it. */
    public static Path copy(Path target) {
        Fixtures.copyTree(output(), target.resolve("out"));
        try {
            return Fixtures.write(target.resolve("clearance.yaml"), Files.readString(config())
                    .replace(output().toString(), target.resolve("out").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void build(Path dir) {
        List<Row> tracks = new ArrayList<>(List.of(
                track(T1, U1, "ACTIVE", list("lofi"), null),
                track(T2, U2, "ACTIVE", null, null),
                track(T3, U1, "PRIVATE", null, null),
                track(T4, U3, "ACTIVE", list("chill", "No AI"),
                        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"),
                track(T5, U4, "ACTIVE", null, null),
                track(T6, U5, "ARCHIVED", null, null),
                track(T7, U1, "ACTIVE", null, null)));
        List<Row> licenses = new ArrayList<>(List.of(
                license("l000000001", T1, "SELF", null, "2025-01-01T00:00:00Z", null),
                license("l000000002", T2, "MAJOR_LABEL", null, null, null),
                license("l000000003", T3, "SELF", null, null, null),
                license("l000000004", T4, "INDEPENDENT_LABEL", list("recommendation"), "2026-01-01T00:00:00Z",
                        "2027-01-01T00:00:00Z"),
                license("l000000005", T5, "SELF", null, "2027-01-01T00:00:00Z", null),
                license("l000000071", T7, "SELF", null, null, null),
                license("l000000072", T7, "SELF", null, "2026-05-01T00:00:00Z", "2026-04-01T00:00:00Z")));
        List<Row> consents = new ArrayList<>(List.of(
                consent("e0000000001", U1, GEN, "OPT_IN", "2026-01-10T09:30:00Z", "settings_page"),
                consent("e0000000002", U3, "*", "OPT_OUT", "2026-03-01T12:00:00Z", "api"),
                consent("e0000000003", U2, "marketing_email", "OPT_IN", "2026-02-01T00:00:00Z", "settings_page"),
                consent("e0000000004", U2, GEN, "OPT_IN", "2026-12-15T00:00:00Z", "settings_page"),
                consent("e0000000005", U4, REC, "MAYBE", "2026-04-01T00:00:00Z", "support")));
        Fixtures.writeLake(dir.resolve("lake"), tracks, licenses, consents);
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.5);
        run(config, AS_OF1);

        tracks.removeIf(t -> t.getString(0).equals(T3));
        tracks.replaceAll(t -> t.getString(0).equals(T5) ? track(T5, U4, "ACTIVE", null, "DMI-ALLOWED") : t);
        tracks.add(track(T8, U2, "ACTIVE", null, null));
        licenses.add(license("l000000008", T8, "SELF", null, null, null));
        consents.add(consent("e0000000006", U2, GEN, "OPT_IN", "2026-11-21T08:00:00Z", "support"));
        consents.add(consent("e0000000007", U1, GEN, "OPT_OUT", "2026-11-25T18:45:00Z", "api"));
        Fixtures.writeLake(dir.resolve("lake"), tracks, licenses, consents);
        run(config, AS_OF2);
    }

    private static void run(Path config, Instant asOf) {
        JobConfig job = JobConfig.load(config);
        new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()),
                Clock.fixed(asOf.plusSeconds(3600), ZoneOffset.UTC))
                .run(new RunRequest(Optional.of(asOf), Optional.empty()));
    }

    private static Row consent(String eventId, String userId, String purpose, String action, String eventTs,
                               String source) {
        return RowFactory.create(eventId, userId, purpose, action, ts(eventTs), source);
    }

    private static void delete(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary folder
        }
    }
}
