package dev.clearance.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.Frames;
import dev.clearance.testing.SparkExtension;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
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

    private static List<String> rows(Dataset<Row> violations) {
        return violations.orderBy(Checks.ROW).collectAsList().stream()
                .map(r -> r.getString(0) + " | " + r.getString(1) + " | " + r.getString(2)).toList();
    }

    @Test
    void policyMismatchNamesTheRunAndBothPolicies() {
        Dataset<Row> ledger = Frames.frame(LEDGER, List.of(
                Frames.row("r1", "t1", "p", "v1", "aaa"), Frames.row("r1", "t2", "p", "v1", "aaa"),
                Frames.row("r2", "t1", "p", "v2", "bbb"), Frames.row("r2", "t2", "p", "v2", "forged"),
                Frames.row("r9", "t3", "p", "v2", "bbb")));
        Dataset<Row> runs = Frames.frame(RUNS, List.of(Frames.row("r1", "v1", "aaa"), Frames.row("r2", "v2", "bbb")));

        assertThat(rows(Checks.policyMismatch(ledger, runs, "lineage/decisions"))).containsExactly(
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
}
