package dev.clearance.decide;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.col;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.RowValidation;
import dev.clearance.oracle.ContractOracle;
import dev.clearance.oracle.RandomCatalog;
import dev.clearance.policy.Dmi;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.policy.PurposeRule;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Spark decisions and quarantine must agree, pair by pair, with an independent plain-Java evaluation of
 * the contract ({@link ContractOracle}) on random adversarial catalogs under random policies.
 */
@ExtendWith(SparkExtension.class)
class DifferentialTest {
    private static final List<String> PURPOSE_POOL =
            List.of("recommendation", "fraud_detection", "generative_training", "voice_cloning", "search_ranking");
    private static final List<String> STATES = List.of("ACTIVE", "PRIVATE", "TAKEN_DOWN", "DELETED");
    private static final List<String> LICENSORS = List.of("SELF", "MAJOR_LABEL", "INDEPENDENT_LABEL", "DISTRIBUTOR",
            "CREATIVE_COMMONS", "PUBLIC_DOMAIN");

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void sparkAgreesWithTheOracle(long seed, @TempDir Path dir, SparkSession spark) {
        Policy policy = PolicyLoader.load(Fixtures.write(dir.resolve("policy.yaml"), randomPolicy(new Random(seed))));
        RandomCatalog.Catalog catalog = RandomCatalog.generate(seed, 80, policy.purposeNames(),
                policy.ignoredConsentPurposes());
        ContractOracle.Result expected = ContractOracle.evaluate(oraclePolicy(policy), catalog.tracks(),
                catalog.licenses(), catalog.consents(), catalog.asOf());

        Dataset<Row> tracks = RowValidation.annotate(InputTable.TRACKS, Fixtures.frame(InputTable.TRACKS,
                catalog.tracks().stream().map(DifferentialTest::row).toList()), policy);
        Dataset<Row> licenses = RowValidation.annotate(InputTable.LICENSES, Fixtures.frame(InputTable.LICENSES,
                catalog.licenses().stream().map(DifferentialTest::row).toList()), policy);
        Dataset<Row> consents = RowValidation.annotate(InputTable.CONSENTS, Fixtures.frame(InputTable.CONSENTS,
                catalog.consents().stream().map(DifferentialTest::row).toList()), policy);

        Dataset<Row> actualDecisions = Decisions.decide(policy, catalog.asOf(), tracks, licenses, consents)
                .select(TRACK_ID, PURPOSE, DECISION, REASONS, CONSENT_STATE, CONSENT_EVENT_ID, LICENSE_IDS,
                        LICENSOR_TYPES, MATCHED_NO_AI_TAG);
        Dataset<Row> expectedDecisions = spark.createDataFrame(expected.decisions().stream()
                .map(d -> RowFactory.create(d.trackId(), d.purpose(), d.decision(), d.reasons(), d.consentState(),
                        d.consentEventId(), d.licenseIds(), d.licensorTypes(), d.matchedNoAiTag()))
                .toList(), actualDecisions.schema());
        Frames.assertNoOrderEquals(expectedDecisions, actualDecisions);

        Dataset<Row> actualQuarantine = Stream.of(
                        quarantine(tracks, InputTable.TRACKS), quarantine(licenses, InputTable.LICENSES),
                        quarantine(consents, InputTable.CONSENTS))
                .reduce(Dataset::unionByName).orElseThrow();
        Dataset<Row> expectedQuarantine = spark.createDataFrame(expected.quarantine().stream()
                .map(q -> RowFactory.create(q.table(), q.reason(), q.key()))
                .toList(), actualQuarantine.schema());
        Frames.assertNoOrderEquals(expectedQuarantine, actualQuarantine);
    }

    private static Dataset<Row> quarantine(Dataset<Row> annotated, InputTable table) {
        return annotated.filter(col(RowValidation.INVALID_REASON).isNotNull())
                .select(org.apache.spark.sql.functions.lit(table.tableName()).as(SOURCE_TABLE),
                        col(RowValidation.INVALID_REASON).as(REASON), col(table.keyColumn()).as("key"));
    }

    /** A random but valid policy: 1-4 purposes from a pool (some spelled oddly), random rules. */
    static String randomPolicy(Random rnd) {
        List<String> pool = new ArrayList<>(PURPOSE_POOL);
        java.util.Collections.shuffle(pool, rnd);
        int count = 1 + rnd.nextInt(4);
        StringBuilder yaml = new StringBuilder("policy_version: \"random-" + rnd.nextInt(1000) + "\"\n");
        yaml.append("no_ai_tags: [noai, ").append(rnd.nextBoolean() ? "\"No-AI-Training\", " : "")
                .append("donottrain]\n");
        yaml.append("ignored_consent_purposes: [marketing_email").append(rnd.nextBoolean() ? ", Newsletter" : "")
                .append("]\npurposes:\n");
        for (String purpose : pool.subList(0, count)) {
            String spelled = rnd.nextInt(4) == 0 ? purpose.replace('_', '-').toUpperCase(java.util.Locale.ROOT) : purpose;
            yaml.append("  ").append(spelled).append(":\n")
                    .append("    consent: ").append(List.of("opt_in", "opt_out", "not_required").get(rnd.nextInt(3)))
                    .append("\n    eligible_states: ").append(subset(rnd, STATES, 1))
                    .append("\n    requires_valid_license: ").append(rnd.nextBoolean())
                    .append("\n    excluded_licensor_types: ").append(subset(rnd, LICENSORS, 0))
                    .append("\n    honor_no_ai_tag: ").append(rnd.nextBoolean())
                    .append("\n    reserved_by_dmi: ").append(subset(rnd,
                            Stream.of(Dmi.values()).map(Dmi::value).toList(), 0))
                    .append('\n');
        }
        return yaml.toString();
    }

    private static String subset(Random rnd, List<String> values, int min) {
        List<String> chosen = values.stream().filter(v -> rnd.nextInt(3) == 0).collect(Collectors.toList());
        while (chosen.size() < min) {
            chosen.add(values.get(rnd.nextInt(values.size())));
        }
        return chosen.stream().distinct().collect(Collectors.joining(", ", "[", "]"));
    }

    private static ContractOracle.Policy oraclePolicy(Policy policy) {
        List<ContractOracle.PurposeRule> rules = new ArrayList<>();
        for (PurposeRule r : policy.purposes()) {
            rules.add(new ContractOracle.PurposeRule(r.name(), r.consent().yamlName(),
                    r.eligibleStates().stream().map(Enum::name).collect(Collectors.toSet()), r.requiresValidLicense(),
                    r.excludedLicensorTypes().stream().map(Enum::name).collect(Collectors.toSet()), r.honorNoAiTag(),
                    r.reservedByDmi().stream().map(Dmi::value).collect(Collectors.toSet())));
        }
        return new ContractOracle.Policy(policy.noAiTags(), policy.ignoredConsentPurposes(), rules);
    }

    private static Row row(ContractOracle.Track t) {
        return RowFactory.create(t.trackId(), t.uploaderId(), t.title(), t.genre(), t.durationMs(), t.audioUri(),
                t.tags(), t.state(), t.embeddedDmi(), ts(t.uploadedAt()));
    }

    private static Row row(ContractOracle.License l) {
        return RowFactory.create(l.licenseId(), l.trackId(), l.licensorType(), l.licensorName(),
                l.prohibitedPurposes(), ts(l.validFrom()), ts(l.validTo()));
    }

    private static Row row(ContractOracle.Consent c) {
        return RowFactory.create(c.eventId(), c.userId(), c.purpose(), c.action(), ts(c.eventTs()), c.source());
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
