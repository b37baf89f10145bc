package dev.clearance.decide;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.clearance.catalog.Columns;
import dev.clearance.catalog.InputTable;
import dev.clearance.config.JobConfig;
import dev.clearance.oracle.ContractOracle;
import dev.clearance.oracle.ContractOracle.LedgerRow;
import dev.clearance.oracle.ContractOracle.Published;
import dev.clearance.oracle.ContractOracle.QuarantineEntry;
import dev.clearance.oracle.RandomCatalog;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.policy.Dmi;
import dev.clearance.policy.Policy;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.policy.PurposeRule;
import dev.clearance.run.ClearanceJob;
import dev.clearance.run.RunRequest;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The job, wired as in production ({@link ClearanceJob} over Delta tables, through a job configuration file),
 * must publish exactly what an independent plain-Java reading of the contract ({@link ContractOracle}) says, run
 * after run: a random adversarial catalog under a random policy, then the next days' catalogs
 * ({@link RandomCatalog#mutate}) under the same, a re-versioned or a changed policy. After each run, every ledger
 * row of the run, lineage/current, every curated table, the quarantine rows of the run and the run log's counts
 * must equal the oracle's, row for row. Several runs because the ledger is a diff: what a run writes depends on
 * what the previous one published, and v2 of the contract writes a row for evidence that changes while the
 * decision does not.
 */
@ExtendWith(SparkExtension.class)
class DifferentialTest {
    private static final List<String> PURPOSE_POOL =
            List.of("recommendation", "fraud_detection", "generative_training", "voice_cloning", "search_ranking");
    private static final List<String> STATES = List.of("ACTIVE", "PRIVATE", "TAKEN_DOWN", "DELETED");
    private static final List<String> LICENSORS = List.of("SELF", "MAJOR_LABEL", "INDEPENDENT_LABEL", "DISTRIBUTOR",
            "CREATIVE_COMMONS", "PUBLIC_DOMAIN");
    private static final Instant T1 = RandomCatalog.AS_OF;
    private static final int TRACKS = 80;
    /** Rows of each side shown when a table differs. */
    private static final int SHOWN = 5;

    /** How a run's policy differs from the previous run's. */
    enum PolicyChange { SAME, NEW_VERSION, PURPOSE_REMOVED, PURPOSE_ADDED }

    /**
     * Runs on the previous day's catalog changed ({@link RandomCatalog#mutate}), each under the previous run's
     * policy changed as given (more changes, more runs: "1, PURPOSE_ADDED NEW_VERSION"). Every change but SAME also
     * gives the policy a new version, so the pairs of the purposes that stay show that a policy change alone writes
     * no row. Two runs per seed and two seeds: a job run is the cost, and every run after the first tests the diff.
     */
    @ParameterizedTest(name = "seed {0}, then {1}")
    @CsvSource({"1, PURPOSE_ADDED", "2, PURPOSE_REMOVED"})
    void theJobPublishesWhatTheOracleSaysRunAfterRun(long seed, String then, @TempDir Path dir) {
        Random rnd = new Random(seed);
        RandomPolicy policy = randomPolicy(rnd);
        List<PolicyChange> policyChanges = Stream.concat(Stream.of(PolicyChange.SAME),
                Stream.of(then.split(" ")).map(PolicyChange::valueOf)).toList();
        Instant asOf = T1;
        RandomCatalog.Catalog catalog = null;
        Published previous = null;
        for (int run = 1; run <= policyChanges.size(); run++) {
            List<String> catalogChanges = List.of();
            if (run > 1) {
                policy = change(policy, policyChanges.get(run - 1), rnd);
                asOf = asOf.plus(Duration.ofDays(1 + rnd.nextInt(2)));
            }
            Path policyFile = Fixtures.write(dir.resolve("policy-" + run + ".yaml"), policy.yaml());
            Policy loaded = PolicyLoader.load(policyFile);
            if (run == 1) {
                catalog = RandomCatalog.generate(seed, TRACKS, loaded.purposeNames(), loaded.ignoredConsentPurposes());
            } else {
                RandomCatalog.Mutated mutated = RandomCatalog.mutate(catalog, seed * 10 + run, asOf,
                        loaded.purposeNames(), loaded.ignoredConsentPurposes());
                catalog = mutated.catalog();
                catalogChanges = mutated.changes();
            }
            String runId = "run-" + run;
            Published expected = ContractOracle.run(previous, oraclePolicy(loaded),
                    new ContractOracle.Stamp(runId, asOf, loaded.version(), ContractOracle.sha256(policy.yaml())),
                    catalog.tracks(), catalog.licenses(), catalog.consents());

            writeLake(dir, catalog);
            RunRecord record = runJob(dir, policyFile, asOf, runId);

            String context = "seed " + seed + ", " + runId + " (as_of " + asOf + ", policy "
                    + policyChanges.get(run - 1) + ")";
            assertPublished(context, dir, runId, loaded.purposeNames(), expected, catalog, record, catalogChanges);
            if (previous != null) {
                assertEvidenceAloneWroteRows(context, previous, expected);
            }
            previous = expected;
        }
    }

    /** What v2 added is exercised by every run after the first: rows whose pair kept its decision and reasons. */
    private static void assertEvidenceAloneWroteRows(String context, Published previous, Published expected) {
        Map<List<String>, LedgerRow> before = new HashMap<>();
        previous.current().forEach(r -> before.put(List.of(r.trackId(), r.purpose()), r));
        assertThat(expected.ledgerRows()).as("%s: ledger rows for evidence alone", context).anySatisfy(r -> {
            LedgerRow was = before.get(List.of(r.trackId(), r.purpose()));
            assertThat(was).isNotNull();
            assertThat(List.of(was.decision(), was.reasons())).isEqualTo(List.of(r.decision(), r.reasons()));
        });
    }

    /** Compares every output of a run with the oracle; a difference fails naming the seed and the first rows. */
    private static void assertPublished(String context, Path dir, String runId, List<String> purposes,
                                        Published expected, RandomCatalog.Catalog inputs, RunRecord record,
                                        List<String> changes) {
        SparkSession spark = SparkExtension.spark();
        OutputRoot outputs = new OutputRoot(spark, dir.resolve("out").toString());
        String because = changes.isEmpty() ? ""
                : "\nchanges to the catalog since the previous run:\n  " + String.join("\n  ", changes);

        Dataset<Row> ledger = DeltaTables.read(spark, outputs.path(OutputRoot.LEDGER))
                .filter(col(Columns.RUN_ID).equalTo(runId));
        assertSameRows(context, OutputRoot.LEDGER + " rows of " + runId, values(expected.ledgerRows()),
                actual(ledger, LedgerRow.class), because);
        assertSameRows(context, OutputRoot.CURRENT, values(expected.current()),
                actual(DeltaTables.read(spark, outputs.path(OutputRoot.CURRENT)), LedgerRow.class), because);
        for (Map.Entry<String, List<ContractOracle.CuratedRow>> curated : expected.curated().entrySet()) {
            assertSameRows(context, "curated/" + curated.getKey(), values(curated.getValue()),
                    actual(DeltaTables.read(spark, outputs.curated(curated.getKey())), ContractOracle.CuratedRow.class),
                    because);
        }

        // The whole raw row of each quarantined input row, parsed back from the JSON the job recorded.
        Dataset<Row> quarantine = DeltaTables.read(spark, outputs.path(OutputRoot.QUARANTINE))
                .filter(col(Columns.RUN_ID).equalTo(runId));
        Column[] parsed = Stream.of(InputTable.values())
                .map(t -> from_json(col(Columns.RECORD), t.schema()).as(t.tableName())).toArray(Column[]::new);
        List<List<Object>> quarantined = new ArrayList<>();
        for (Row row : quarantine.select(col(Columns.RUN_ID), col(Columns.SOURCE_TABLE), col(Columns.REASON),
                        struct(parsed).as("parsed"))
                .collectAsList()) {
            List<Object> values = canonical(row);
            Row records = row.getStruct(3);
            values.set(3, canonical(records.getStruct(records.fieldIndex(row.getString(1)))));
            quarantined.add(values);
        }
        List<List<Object>> expectedQuarantine = new ArrayList<>();
        for (QuarantineEntry q : expected.quarantine()) {
            List<? extends Record> rows = switch (q.table()) {
                case "tracks" -> inputs.tracks();
                case "licenses" -> inputs.licenses();
                default -> inputs.consents();
            };
            expectedQuarantine.add(Arrays.asList(runId, q.table(), q.reason(), values(rows.get(q.row()))));
        }
        assertSameRows(context, "quarantine rows of " + runId, expectedQuarantine, quarantined, because);

        assertThat(record.ledgerRows()).as("%s: ledger_rows in the run log", context)
                .isEqualTo(expected.ledgerRows().size());
        Map<String, long[]> counts = new LinkedHashMap<>();
        purposes.forEach(p -> counts.put(p, new long[2]));
        expected.current().forEach(r -> counts.get(r.purpose())[r.decision().equals("INCLUDED") ? 0 : 1]++);
        assertThat(record.decisionCounts()).as("%s: decision_counts in the run log", context)
                .containsExactlyInAnyOrderElementsOf(counts.entrySet().stream()
                        .map(e -> new PurposeCount(e.getKey(), e.getValue()[0], e.getValue()[1])).toList());
    }

    /** Same rows as multisets, or a failure with the context, how many differ and the first of each side. */
    private static void assertSameRows(String context, String table, List<List<Object>> expected,
                                       List<List<Object>> actual, String because) {
        Map<List<Object>, Integer> balance = new HashMap<>();
        expected.forEach(r -> balance.merge(r, 1, Integer::sum));
        actual.forEach(r -> balance.merge(r, -1, Integer::sum));
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        balance.forEach((row, n) -> {
            for (int i = 0; i < Math.abs(n); i++) {
                (n > 0 ? missing : unexpected).add(show(row));
            }
        });
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        Collections.sort(missing);
        Collections.sort(unexpected);
        fail("%s: %s differs from the oracle (%d expected rows, %d published): %d missing, %d unexpected"
                        + "\n first missing:\n  %s\n first unexpected:\n  %s%s",
                context, table, expected.size(), actual.size(), missing.size(), unexpected.size(),
                first(missing), first(unexpected), because);
    }

    private static String first(List<String> rows) {
        return rows.isEmpty() ? "(none)" : String.join("\n  ", rows.subList(0, Math.min(SHOWN, rows.size())));
    }

    /** A row with its strings quoted, so that blank, spaced and null values can be told apart. */
    private static String show(Object value) {
        if (value instanceof String s) {
            return "'" + s.replace("\t", "\\t").replace("\n", "\\n") + "'";
        }
        if (value instanceof List<?> list) {
            return list.stream().map(DifferentialTest::show).collect(Collectors.joining(", ", "[", "]"));
        }
        return String.valueOf(value);
    }

    // ---------------------------------------------------------------- the job, as it runs

    private static void writeLake(Path dir, RandomCatalog.Catalog catalog) {
        Fixtures.writeLake(dir.resolve("lake"), rows(InputTable.TRACKS, catalog.tracks()),
                rows(InputTable.LICENSES, catalog.licenses()), rows(InputTable.CONSENTS, catalog.consents()));
    }

    /** A run through the job's own entry point and configuration file; every row may be invalid. */
    private static RunRecord runJob(Path dir, Path policy, Instant asOf, String runId) {
        JobConfig job = JobConfig.load(Fixtures.writeConfig(dir, policy, 1.0));
        return new ClearanceJob(SparkExtension.spark(), job, PolicyLoader.load(job.policy()),
                Clock.fixed(asOf.plusSeconds(3600), ZoneOffset.UTC))
                .run(new RunRequest(Optional.of(asOf), Optional.of(runId))).record();
    }

    // ---------------------------------------------------------------- records and rows

    /**
     * The oracle's records name their columns: {@code policySha256} is {@code policy_sha256}. Reading the
     * published tables by these names (not by position) makes a renamed or reordered column a failure.
     */
    private static List<String> columns(Class<? extends Record> type) {
        return Stream.of(type.getRecordComponents())
                .map(c -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT)).toList();
    }

    /** A record's values, timestamps as Instants. */
    private static List<Object> values(Record record) {
        List<Object> values = new ArrayList<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            try {
                values.add(c.getAccessor().invoke(record));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }

    private static List<List<Object>> values(List<? extends Record> records) {
        return records.stream().map(DifferentialTest::values).toList();
    }

    private static List<List<Object>> actual(Dataset<Row> table, Class<? extends Record> type) {
        return table.selectExpr(columns(type).toArray(String[]::new)).collectAsList().stream()
                .map(DifferentialTest::canonical).toList();
    }

    /** A Spark row as plain Java values comparable with {@link #values}: lists, Instants, nested rows as lists. */
    private static List<Object> canonical(Row row) {
        List<Object> values = new ArrayList<>();
        StructType schema = row.schema();
        for (int i = 0; i < row.length(); i++) {
            if (row.isNullAt(i)) {
                values.add(null);
            } else if (schema.fields()[i].dataType() instanceof ArrayType) {
                values.add(new ArrayList<>(row.getList(i)));
            } else if (schema.fields()[i].dataType() instanceof StructType) {
                values.add(canonical(row.getStruct(i)));
            } else if (row.get(i) instanceof Timestamp t) {
                values.add(t.toInstant());
            } else {
                values.add(row.get(i));
            }
        }
        return values;
    }

    /** Input rows in the table's schema, which must name the record's components in order. */
    private static List<Row> rows(InputTable table, List<? extends Record> records) {
        if (!records.isEmpty()) {
            assertThat(table.schema().fieldNames()).containsExactlyElementsOf(columns(records.get(0).getClass()));
        }
        return records.stream().map(r -> RowFactory.create(values(r).stream()
                .map(v -> v instanceof Instant t ? Timestamp.from(t) : v).toArray())).toList();
    }

    // ---------------------------------------------------------------- policies

    /** A valid policy file: its version, the lines before {@code purposes:} and one block per purpose. */
    record RandomPolicy(String version, String header, Map<String, String> purposes) {
        String yaml() {
            return "policy_version: \"" + version + "\"\n" + header + "purposes:\n"
                    + String.join("", purposes.values());
        }
    }

    /** A random but valid policy: 1-4 purposes from a pool (some spelled oddly), random rules. */
    static RandomPolicy randomPolicy(Random rnd) {
        List<String> pool = new ArrayList<>(PURPOSE_POOL);
        Collections.shuffle(pool, rnd);
        int count = 1 + rnd.nextInt(4);
        String header = "no_ai_tags: [noai, " + (rnd.nextBoolean() ? "\"No-AI-Training\", " : "") + "donottrain]\n"
                + "ignored_consent_purposes: [marketing_email" + (rnd.nextBoolean() ? ", Newsletter" : "") + "]\n";
        Map<String, String> purposes = new LinkedHashMap<>();
        for (String purpose : pool.subList(0, count)) {
            purposes.put(purpose, purposeBlock(rnd, purpose));
        }
        return new RandomPolicy("random-" + rnd.nextInt(1000), header, purposes);
    }

    /**
     * The second run's policy. A new version alone must write no ledger row; a purpose that left gets REMOVED
     * rows and an empty curated table; a purpose that arrived gets a row for every track.
     */
    static RandomPolicy change(RandomPolicy policy, PolicyChange change, Random rnd) {
        Map<String, String> purposes = new LinkedHashMap<>(policy.purposes());
        List<String> unused = PURPOSE_POOL.stream().filter(p -> !purposes.containsKey(p)).toList();
        if (change == PolicyChange.SAME) {
            return policy;
        }
        if (change == PolicyChange.PURPOSE_REMOVED) {
            // a policy needs a purpose: a seed whose policy has one cannot show this change
            assertThat(purposes).as("purposes of the policy a purpose is removed from").hasSizeGreaterThan(1);
            purposes.remove(new ArrayList<>(purposes.keySet()).get(rnd.nextInt(purposes.size())));
        } else if (change == PolicyChange.PURPOSE_ADDED) {
            assertThat(unused).as("purposes of the pool that a policy can add").isNotEmpty();
            String added = unused.get(rnd.nextInt(unused.size()));
            purposes.put(added, purposeBlock(rnd, added));
        }
        return new RandomPolicy(policy.version() + "-next", policy.header(), purposes);
    }

    private static String purposeBlock(Random rnd, String purpose) {
        String spelled = rnd.nextInt(4) == 0 ? purpose.replace('_', '-').toUpperCase(Locale.ROOT) : purpose;
        return "  " + spelled + ":\n"
                + "    consent: " + List.of("opt_in", "opt_out", "not_required").get(rnd.nextInt(3))
                + "\n    eligible_states: " + subset(rnd, STATES, 1)
                + "\n    requires_valid_license: " + rnd.nextBoolean()
                + "\n    excluded_licensor_types: " + subset(rnd, LICENSORS, 0)
                + "\n    honor_no_ai_tag: " + rnd.nextBoolean()
                + "\n    reserved_by_dmi: " + subset(rnd, Stream.of(Dmi.values()).map(Dmi::value).toList(), 0)
                + '\n';
    }

    private static String subset(Random rnd, List<String> values, int min) {
        List<String> chosen = values.stream().filter(v -> rnd.nextInt(3) == 0).collect(Collectors.toList());
        while (chosen.size() < min) {
            chosen.add(values.get(rnd.nextInt(values.size())));
        }
        return chosen.stream().distinct().collect(Collectors.joining(", ", "[", "]"));
    }

    /** The loaded policy in the oracle's terms (the YAML is the job's to parse; the rules are the oracle's). */
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
}
