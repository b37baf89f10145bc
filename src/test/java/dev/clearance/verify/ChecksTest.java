package dev.clearance.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The verify checks on small inline frames: each catches exactly its own kind of violation. */
@ExtendWith(SparkExtension.class)
class ChecksTest {
    private static final StructType LEDGER = new StructType().add("run_id", DataTypes.StringType)
            .add("track_id", DataTypes.StringType).add("purpose", DataTypes.StringType)
            .add("policy_version", DataTypes.StringType).add("policy_sha256", DataTypes.StringType);
    private static final StructType RUNS = new StructType().add("run_id", DataTypes.StringType)
            .add("policy_version", DataTypes.StringType).add("policy_sha256", DataTypes.StringType);
    private static final StructType HISTORY = new StructType().add("version", DataTypes.LongType)
            .add("timestamp", DataTypes.TimestampType).add("operation", DataTypes.StringType)
            .add("operationParameters", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));

    private static final StructType DECISIONS = new StructType().add("run_id", DataTypes.StringType)
            .add("track_id", DataTypes.StringType).add("purpose", DataTypes.StringType)
            .add("decision", DataTypes.StringType)
            .add("reasons", DataTypes.createArrayType(DataTypes.StringType));
    private static final StructType DETAIL = new StructType()
            .add("properties", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));

    private static List<String> rows(Dataset<Row> violations) {
        return violations.orderBy(Checks.LOCATION, Checks.ROW).collectAsList().stream()
                .map(r -> r.getString(0) + " | " + r.getString(1) + " | " + r.getString(2)).toList();
    }

    @Test
    void policyMismatchNamesTheRunAndBothPolicies() {
        Dataset<Row> ledger = Frames.frame(LEDGER, List.of(
                Frames.row("r1", "t1", "p", "v1", "aaa"), Frames.row("r1", "t2", "p", "v1", "aaa"),
                Frames.row("r2", "t1", "p", "v2", "bbb"), Frames.row("r2", "t2", "p", "v2", "forged"),
                Frames.row("r9", "t3", "p", "v2", "bbb")));
        Dataset<Row> runs = Frames.frame(RUNS, List.of(Frames.row("r1", "v1", "aaa"), Frames.row("r2", "v2", "bbb")));

        assertThat(rows(Checks.policyMismatch(Checks.ledgerRowsByRun(ledger), runs, "lineage/decisions"))).containsExactly(
                "lineage/decisions | run_id=r2 | 1 ledger rows carry policy v2 sha256 forged; the run log records v2"
                        + " sha256 bbb",
                "lineage/decisions | run_id=r9 | 1 ledger rows of a run that is not in the run log");
    }

    @Test
    void duplicateLedgerRowsAreOnePairWrittenTwiceByOneRun() {
        Dataset<Row> ledger = Frames.frame(LEDGER, List.of(
                Frames.row("r1", "t1", "p", "v", "s"), Frames.row("r1", "t1", "p", "v", "s"),
                Frames.row("r2", "t1", "p", "v", "s"), Frames.row("r1", "t1", "q", "v", "s")));
        assertThat(rows(Checks.duplicateLedgerRows(ledger, "lineage/decisions"))).containsExactly(
                "lineage/decisions | run_id=r1 track_id=t1 purpose=p | 2 ledger rows for one pair in one run");
    }

    @Test
    void onlyTheCreationAndAppendsAreAllowedInTheLedgerHistory() {
        Timestamp t = Timestamp.valueOf("2026-11-27 10:00:00");
        Dataset<Row> history = Frames.frame(HISTORY, List.of(
                Frames.row(0L, t, "CREATE TABLE", Map.of()),
                Frames.row(1L, t, "WRITE", Map.of("mode", "Append")),
                Frames.row(2L, t, "DELETE", Map.of("predicate", "[\"(track_id = 't1')\"]")),
                Frames.row(3L, t, "WRITE", Map.of("mode", "Overwrite")),
                Frames.row(4L, t, "CREATE TABLE", Map.of()),
                Frames.row(5L, t, "OPTIMIZE", Map.of())));
        assertThat(rows(Checks.nonAppendCommits(history, "lineage/decisions")))
                .extracting(s -> s.substring(0, s.indexOf(" at ")))
                .containsExactly(
                        "lineage/decisions | version 2 | DELETE {\"predicate\":\"[\\\"(track_id = 't1')\\\"]\"}",
                        "lineage/decisions | version 3 | WRITE {\"mode\":\"Overwrite\"}",
                        "lineage/decisions | version 4 | CREATE TABLE {}",
                        "lineage/decisions | version 5 | OPTIMIZE {}");
    }

    @Test
    void aDecisionMustFitItsReasons() {
        Dataset<Row> decisions = Frames.frame(DECISIONS, List.of(
                Frames.row("r1", "t1", "p", "INCLUDED", List.of()),
                Frames.row("r1", "t2", "p", "EXCLUDED", List.of("NO_AI_TAG", "CONSENT_NOT_GIVEN")),
                Frames.row("r1", "t3", "p", "REMOVED", List.of("TRACK_NOT_IN_CATALOG")),
                Frames.row("r1", "t4", "p", "REMOVED", List.of("PURPOSE_NOT_IN_POLICY")),
                Frames.row("r1", "t5", "p", "INCLUDED", List.of("CONSENT_OPTED_OUT")),
                Frames.row("r1", "t6", "p", "EXCLUDED", List.of()),
                Frames.row("r1", "t7", "p", "REMOVED", List.of()),
                Frames.row("r1", "t8", "p", "REMOVED", List.of("TRACK_NOT_IN_CATALOG", "PURPOSE_NOT_IN_POLICY")),
                Frames.row("r1", "t9", "p", "EXCLUDED", null),
                Frames.row("r1", "ta", "p", "MAYBE", List.of()),
                Frames.row("r1", "tb", "p", null, List.of("NO_AI_TAG")),
                Frames.row("r1", "tc", "p", "INCLUDED", Arrays.asList((String) null))));

        assertThat(rows(Checks.decisionDisagreesWithReasons(decisions, "lineage/current@v3"))).containsExactly(
                "lineage/current@v3 | run_id=r1 track_id=t5 purpose=p | INCLUDED with reasons [CONSENT_OPTED_OUT]",
                "lineage/current@v3 | run_id=r1 track_id=t6 purpose=p | EXCLUDED with no reason",
                "lineage/current@v3 | run_id=r1 track_id=t7 purpose=p | REMOVED with reasons [], not exactly"
                        + " TRACK_NOT_IN_CATALOG or PURPOSE_NOT_IN_POLICY",
                "lineage/current@v3 | run_id=r1 track_id=t8 purpose=p | REMOVED with reasons [TRACK_NOT_IN_CATALOG,"
                        + " PURPOSE_NOT_IN_POLICY], not exactly TRACK_NOT_IN_CATALOG or PURPOSE_NOT_IN_POLICY",
                "lineage/current@v3 | run_id=r1 track_id=t9 purpose=p | EXCLUDED with reasons null, not an array",
                "lineage/current@v3 | run_id=r1 track_id=ta purpose=p | decision 'MAYBE' is none of INCLUDED,"
                        + " EXCLUDED, REMOVED",
                "lineage/current@v3 | run_id=r1 track_id=tb purpose=p | decision is null",
                "lineage/current@v3 | run_id=r1 track_id=tc purpose=p | INCLUDED with reasons [null]");
    }

    @Test
    void everyCommitNeedsTheRunIdOfARunInTheRunLog() {
        Timestamp t = Timestamp.valueOf("2026-11-27 10:00:00");
        StructType history = HISTORY.add("userMetadata", DataTypes.StringType);
        Dataset<Row> curated = Checks.commits(Frames.frame(history, List.of(
                Frames.row(0L, t, "CREATE TABLE", Map.of(), "r1"),
                Frames.row(1L, t, "WRITE", Map.of("mode", "Overwrite"), "r2"),
                Frames.row(2L, t, "DELETE", Map.of("predicate", "[]"), null))), "curated/p");
        Dataset<Row> quarantine = Checks.commits(Frames.frame(history, List.of(
                Frames.row(0L, t, "CREATE TABLE", Map.of(), "r1"),
                Frames.row(1L, t, "WRITE", Map.of("mode", "Append"), "hand-fix"),
                Frames.row(2L, t, "WRITE", Map.of("mode", "Append"), ""))), "quarantine");
        Dataset<Row> runs = Frames.frame(RUNS, List.of(Frames.row("r1", "v1", "aaa"), Frames.row("r2", "v1", "aaa")));

        assertThat(rows(Checks.commitsWithoutKnownRunId(curated.unionByName(quarantine), runs))).containsExactly(
                "curated/p@v2 | DELETE | no userMetadata: not a commit of a Clearance run",
                "quarantine@v1 | WRITE | userMetadata 'hand-fix' is not a run_id of the run log",
                "quarantine@v2 | WRITE | userMetadata '' is not a run_id of the run log");
    }

    @Test
    void theLedgerMustStillBeAppendOnlyForDelta() {
        assertThat(rows(Checks.appendOnlyLifted(detail(Map.of("delta.appendOnly", "true")), "lineage/decisions")))
                .isEmpty();
        assertThat(rows(Checks.appendOnlyLifted(detail(Map.of("delta.appendOnly", "TRUE")), "lineage/decisions")))
                .isEmpty();
        assertThat(rows(Checks.appendOnlyLifted(detail(Map.of("delta.appendOnly", "false")), "lineage/decisions")))
                .containsExactly("lineage/decisions | delta.appendOnly | is 'false': Delta accepts a delete, an update"
                        + " or an overwrite of ledger rows");
        assertThat(rows(Checks.appendOnlyLifted(detail(Map.of("delta.checkpointInterval", "10")), "lineage/decisions")))
                .containsExactly("lineage/decisions | delta.appendOnly | is not set: Delta accepts a delete, an update"
                        + " or an overwrite of ledger rows");
    }

    /** The docs' table of checks is how operators learn what a failed check means: it must not drift. */
    @Test
    void theDocsListEveryCheckByNameInOrder() throws IOException {
        String doc = Files.readString(Path.of("docs/auditing.md"));
        String section = doc.substring(doc.indexOf("## `verify`"), doc.indexOf("## `report`"));
        Matcher row = Pattern.compile("(?m)^\\| `([a-z-]+)` \\|").matcher(section);
        List<String> documented = new ArrayList<>();
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(documented).containsExactlyElementsOf(Checks.ALL.stream().map(Check::name).toList());
    }

    private static Dataset<Row> detail(Map<String, String> properties) {
        return Frames.frame(DETAIL, List.of(Frames.row(properties)));
    }
}
