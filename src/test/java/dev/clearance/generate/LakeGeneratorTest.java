package dev.clearance.generate;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.catalog.InputTable;
import dev.clearance.generate.LakeGenerator.Lake;
import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The generator's contract: exact schemas, determinism, exact track count, and a lake whose proportions
 * and malformed rows look like the ones the job must handle. Invalidity is recomputed here, from the
 * contract's §3.1, with plain Spark expressions independent of the generator's own bookkeeping.
 */
@ExtendWith(SparkExtension.class)
class LakeGeneratorTest {
    private static final long SAMPLE_TRACKS = 20_000;
    private static final List<String> POLICY_PURPOSES = List.of("recommendation", "fraud_detection", "generative_training");
    private static final Timestamp PAST_END = Timestamp.from(Instant.parse("2026-11-01T00:00:00Z"));
    private static final Timestamp FUTURE_START = Timestamp.from(Instant.parse("2027-01-01T00:00:00Z"));

    private static Lake sample;

    @BeforeAll
    static void generateSample(SparkSession spark) {
        Lake lake = LakeGenerator.generate(spark, SAMPLE_TRACKS, 42);
        sample = new Lake(lake.tracks().cache(), lake.licenses().cache(), lake.consents().cache());
    }

    @AfterAll
    static void releaseSample() {
        if (sample == null) {
            return;
        }
        sample.tracks().unpersist();
        sample.licenses().unpersist();
        sample.consents().unpersist();
    }

    @Test
    void schemasAreExactlyTheInputTables(SparkSession spark) {
        Lake lake = LakeGenerator.generate(spark, 100, 1);

        assertThat(lake.tracks().schema()).isEqualTo(InputTable.TRACKS.schema());
        assertThat(lake.licenses().schema()).isEqualTo(InputTable.LICENSES.schema());
        assertThat(lake.consents().schema()).isEqualTo(InputTable.CONSENTS.schema());
    }

    @Test
    void sameSeedGivesSameRows(SparkSession spark) {
        Lake first = LakeGenerator.generate(spark, 2_000, 7);
        Lake second = LakeGenerator.generate(spark, 2_000, 7);

        Frames.assertNoOrderEquals(first.tracks(), second.tracks());
        Frames.assertNoOrderEquals(first.licenses(), second.licenses());
        Frames.assertNoOrderEquals(first.consents(), second.consents());
    }

    @Test
    void rowsDoNotDependOnPartitioning(SparkSession spark) {
        Dataset<Row> onOnePartition = withLeafParallelism(spark, "1", () -> LakeGenerator.generate(spark, 2_000, 7).licenses());
        Dataset<Row> onSevenPartitions = withLeafParallelism(spark, "7", () -> LakeGenerator.generate(spark, 2_000, 7).licenses());

        assertThat(onOnePartition.rdd().getNumPartitions()).isEqualTo(1);
        assertThat(onSevenPartitions.rdd().getNumPartitions()).isEqualTo(7);
        Frames.assertNoOrderEquals(onOnePartition, onSevenPartitions);
    }

    @Test
    void anotherSeedGivesOtherRows(SparkSession spark) {
        Lake seven = LakeGenerator.generate(spark, 2_000, 7);
        Lake eight = LakeGenerator.generate(spark, 2_000, 8);

        // every track row carries random content, so (almost) no row survives a change of seed
        assertThat(seven.tracks().exceptAll(eight.tracks()).count()).isGreaterThan(1_980);
        assertThat(seven.licenses().exceptAll(eight.licenses()).count())
                .isGreaterThan(seven.licenses().count() * 99 / 100);
        assertThat(seven.consents().exceptAll(eight.consents()).count())
                .isGreaterThan(seven.consents().count() * 99 / 100);
    }

    @Test
    void tracksTableHasExactlyTheRequestedRowsDuplicatesIncluded(SparkSession spark) {
        assertThat(LakeGenerator.generate(spark, 2_001, 3).tracks().count()).isEqualTo(2_001);
        assertThat(sample.tracks().count()).isEqualTo(SAMPLE_TRACKS);
        // keys are t + the row number, except where a defect blanked or duplicated one
        assertThat(sample.tracks().where(not(col(TRACK_ID).rlike("^t[0-9]{9}$")).and(not(blank(col(TRACK_ID)))))
                .count()).isZero();
    }

    @Test
    void refusesAnEmptyOrOversizedCatalog(SparkSession spark) {
        assertThatThrownBy(() -> LakeGenerator.generate(spark, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LakeGenerator.generate(spark, LakeGenerator.MAX_TRACKS + 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidRowsAreAboutHalfAPercentOfEveryTable() {
        assertThat(invalidShare(trackReasons(sample.tracks()))).isBetween(0.002, 0.008);
        assertThat(invalidShare(licenseReasons(sample.licenses()))).isBetween(0.002, 0.008);
        assertThat(invalidShare(consentReasons(sample.consents()))).isBetween(0.002, 0.008);
    }

    @Test
    void everyQuarantineReasonOfTheContractIsPlanted(SparkSession spark) {
        // consents has about one row per 17 tracks, and one defect per ~160 rows: six kinds need a larger lake
        Lake lake = LakeGenerator.generate(spark, 100_000, 5);

        assertThat(reasonCounts(trackReasons(sample.tracks())).keySet())
                .containsExactlyInAnyOrder("BLANK_KEY", "BLANK_REFERENCE", "UNKNOWN_ENUM", "DUPLICATE_KEY");
        assertThat(reasonCounts(licenseReasons(sample.licenses())).keySet()).containsExactlyInAnyOrder(
                "BLANK_KEY", "BLANK_REFERENCE", "UNKNOWN_ENUM", "BAD_INTERVAL", "UNKNOWN_PURPOSE", "DUPLICATE_KEY");
        assertThat(reasonCounts(consentReasons(lake.consents())).keySet()).containsExactlyInAnyOrder(
                "BLANK_KEY", "BLANK_REFERENCE", "UNKNOWN_ENUM", "NULL_TIMESTAMP", "UNKNOWN_PURPOSE", "DUPLICATE_KEY");
        // a planted duplicate repeats one other row's key: no key is on more than two rows
        assertThat(maxRowsPerKey(sample.tracks(), TRACK_ID)).isEqualTo(2);
        assertThat(maxRowsPerKey(sample.licenses(), LICENSE_ID)).isEqualTo(2);
        assertThat(maxRowsPerKey(lake.consents(), EVENT_ID)).isEqualTo(2);
    }

    @Test
    void catalogProportionsLookLikeAMusicPlatform() {
        Dataset<Row> tracks = sample.tracks();
        Dataset<Row> licenses = sample.licenses();

        double majorLabelShare = share(licenses, upper(trim(col(LICENSOR_TYPE))).equalTo("MAJOR_LABEL"));
        double noAiTagShare = share(tracks, expr("exists(tags, t -> regexp_replace(lower(t), '[^a-z0-9]', '')"
                + " IN ('noai', 'noaitraining', 'donottrain'))"));
        Dataset<Row> perUploader = tracks.where(not(blank(col(UPLOADER_ID)))).groupBy(UPLOADER_ID).count()
                .orderBy(col("count").desc());
        List<Row> top50 = perUploader.limit(50).collectAsList();
        double topUploaderShare = top50.get(0).getLong(1) / (double) SAMPLE_TRACKS;
        double top50Share = top50.stream().mapToLong(r -> r.getLong(1)).sum() / (double) SAMPLE_TRACKS;
        double activeShare = share(tracks, upper(trim(col(STATE))).equalTo("ACTIVE"));
        double licensesPerTrack = licenses.count() / (double) SAMPLE_TRACKS;

        assertThat(majorLabelShare).isBetween(0.05, 0.15);
        assertThat(noAiTagShare).isBetween(0.04, 0.12);
        assertThat(topUploaderShare).isBetween(0.005, 0.02);
        assertThat(top50Share).isBetween(0.15, 0.25);
        assertThat(activeShare).isBetween(0.80, 0.90);
        assertThat(licensesPerTrack).isBetween(1.05, 1.25);
        assertThat(perUploader.count()).isBetween(SAMPLE_TRACKS / 20, SAMPLE_TRACKS / 20 + 50);
    }

    @Test
    void theLakeHoldsTheEdgeCasesTheJobMustHandle() {
        Dataset<Row> tracks = sample.tracks();
        Dataset<Row> licenses = sample.licenses();
        Dataset<Row> consents = sample.consents();

        // spellings that normalise to a known value
        assertThat(tracks.where(col(STATE).isin(" active", "Private")).count()).isPositive();
        assertThat(tracks.where(col(EMBEDDED_DMI).startsWith("http://ns.useplus.org/ldf/vocab/DMI-")).count()).isPositive();
        assertThat(tracks.where(col(EMBEDDED_DMI).rlike("^dmi-")).count()).isPositive();
        assertThat(licenses.where(expr("array_contains(prohibited_purposes, 'Generative-Training')")).count()).isPositive();
        assertThat(consents.where(col(ACTION).equalTo("opt_out").or(col(ACTION).equalTo("opt_in"))).count()).isPositive();
        // time: expired and future licenses, future consent events, nothing uploaded in the future
        assertThat(licenses.where(col(VALID_TO).lt(PAST_END).and(col(VALID_FROM).lt(col(VALID_TO)))).count()).isPositive();
        assertThat(licenses.where(col(VALID_FROM).geq(FUTURE_START)).count()).isPositive();
        assertThat(share(consents, col(EVENT_TS).geq(FUTURE_START))).isBetween(0.005, 0.04);
        assertThat(tracks.where(col(UPLOADED_AT).geq(PAST_END)).count()).isZero();
        // an OPT_IN and an OPT_OUT of one user for one purpose in the same second
        long ties = consents.groupBy(USER_ID, PURPOSE, EVENT_TS)
                .agg(countDistinct(upper(trim(col(ACTION)))).as("actions"))
                .where(col("actions").equalTo(2)).count();
        assertThat(ties).isPositive();
        // about 60% of the uploaders have consent events
        double consenting = consents.select(USER_ID).distinct().count()
                / (double) tracks.select(UPLOADER_ID).distinct().count();
        assertThat(consenting).isBetween(0.5, 0.7);
    }

    // ---- §3.1, first failing reason, recomputed independently ----

    private static Dataset<Row> trackReasons(Dataset<Row> tracks) {
        return withReason(tracks, TRACK_ID, when(blank(col(TRACK_ID)), "BLANK_KEY")
                .when(blank(col(UPLOADER_ID)), "BLANK_REFERENCE")
                .when(not(known(upper(trim(col(STATE))), "ACTIVE", "PRIVATE", "TAKEN_DOWN", "DELETED")), "UNKNOWN_ENUM"));
    }

    private static Dataset<Row> licenseReasons(Dataset<Row> licenses) {
        String policyPurposes = POLICY_PURPOSES.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", "));
        Column unknownPurpose = expr("coalesce(exists(prohibited_purposes, p -> p IS NOT NULL AND NOT "
                + "regexp_replace(lower(trim(p)), '[- ]', '_') IN ('*', " + policyPurposes + ")), false)");
        return withReason(licenses, LICENSE_ID, when(blank(col(LICENSE_ID)), "BLANK_KEY")
                .when(blank(col(TRACK_ID)), "BLANK_REFERENCE")
                .when(not(known(upper(trim(col(LICENSOR_TYPE))), "SELF", "MAJOR_LABEL", "INDEPENDENT_LABEL",
                        "DISTRIBUTOR", "CREATIVE_COMMONS", "PUBLIC_DOMAIN")), "UNKNOWN_ENUM")
                .when(col(VALID_TO).leq(col(VALID_FROM)), "BAD_INTERVAL")
                .when(unknownPurpose, "UNKNOWN_PURPOSE"));
    }

    private static Dataset<Row> consentReasons(Dataset<Row> consents) {
        Column purpose = regexp_replace(lower(trim(col(PURPOSE))), "[- ]", "_");
        return withReason(consents, EVENT_ID, when(blank(col(EVENT_ID)), "BLANK_KEY")
                .when(blank(col(USER_ID)), "BLANK_REFERENCE")
                .when(not(known(upper(trim(col(ACTION))), "OPT_IN", "OPT_OUT")), "UNKNOWN_ENUM")
                .when(col(EVENT_TS).isNull(), "NULL_TIMESTAMP")
                .when(not(known(purpose, "*", POLICY_PURPOSES.get(0), POLICY_PURPOSES.get(1), POLICY_PURPOSES.get(2),
                        "marketing_email")), "UNKNOWN_PURPOSE"));
    }

    /** Adds "reason": the first failing check, else DUPLICATE_KEY when the key is on 2+ rows, else null. */
    private static Dataset<Row> withReason(Dataset<Row> table, String key, Column checks) {
        Column sharedKey = count(lit(1)).over(Window.partitionBy(key)).gt(1);
        return table.withColumn("reason", checks.when(sharedKey, "DUPLICATE_KEY"));
    }

    private static long maxRowsPerKey(Dataset<Row> table, String key) {
        return table.where(not(blank(col(key)))).groupBy(key).count().agg(max("count")).first().getLong(0);
    }

    private static Column blank(Column c) {
        return c.isNull().or(trim(c).equalTo(""));
    }

    private static Column known(Column normalised, Object... values) {
        return normalised.isNotNull().and(normalised.isin(values));
    }

    private static double invalidShare(Dataset<Row> withReason) {
        return share(withReason, col("reason").isNotNull());
    }

    private static Map<String, Long> reasonCounts(Dataset<Row> withReason) {
        return withReason.where(col("reason").isNotNull()).groupBy("reason").count().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    }

    private static double share(Dataset<Row> table, Column condition) {
        Row row = table.agg(count(when(condition, true)), count(lit(1))).first();
        return row.getLong(0) / (double) row.getLong(1);
    }

    private static <T> T withLeafParallelism(SparkSession spark, String partitions, Supplier<T> action) {
        String key = "spark.sql.leafNodeDefaultParallelism";
        spark.conf().set(key, partitions);
        try {
            return action.get();
        } finally {
            spark.conf().unset(key);
        }
    }
}
