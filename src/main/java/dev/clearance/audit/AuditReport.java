package dev.clearance.audit;

import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.REASON;
import static dev.clearance.catalog.Columns.REASONS;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.row_number;

import dev.clearance.decide.Decision;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** What the governance report shows: the last runs from the run log, and example tracks per exclusion reason. */
public final class AuditReport {
    /** Example tracks shown per (purpose, reason). */
    public static final int EXAMPLES = 3;

    /**
     * @param runs     the last runs of the run log, every status, in ledger order
     * @param latest   the latest SUCCEEDED run: the state the tables publish
     * @param examples per (purpose, reason) of {@code latest}, a few tracks excluded for it
     * @param config   the job configuration path, for the explain commands shown
     */
    public record ReportData(String outputRoot, String config, List<RunRecord> runs, RunRecord latest,
                             List<Example> examples) {}

    public record Example(String purpose, String reason, List<String> trackIds) {}

    private AuditReport() {}

    public static ReportData collect(OutputRoot outputs, int lastRuns, String config) {
        RunRecord latest = outputs.latest();
        List<RunRecord> all = outputs.runs();
        List<RunRecord> shown = all.subList(Math.max(0, all.size() - lastRuns), all.size());
        Map<String, Example> byKey = new LinkedHashMap<>();
        for (Row r : examples(outputs.atRecordedVersion(latest, OutputRoot.CURRENT), EXAMPLES).collectAsList()) {
            String key = r.getString(0) + "\u0000" + r.getString(1);
            byKey.computeIfAbsent(key, k -> new Example(r.getString(0), r.getString(1), new ArrayList<>()))
                    .trackIds().add(r.getString(2));
        }
        return new ReportData(outputs.root(), config, List.copyOf(shown), latest, List.copyOf(byKey.values()));
    }

    /**
     * Up to {@code perReason} excluded tracks (smallest track ids) per purpose and reason: purpose, reason,
     * track_id, sorted.
     */
    public static Dataset<Row> examples(Dataset<Row> current, int perReason) {
        String rank = "_rank";
        return current.filter(col(DECISION).equalTo(Decision.EXCLUDED.name()))
                .select(col(PURPOSE), explode(col(REASONS)).as(REASON), col(TRACK_ID))
                .withColumn(rank, row_number().over(Window.partitionBy(PURPOSE, REASON).orderBy(TRACK_ID)))
                .filter(col(rank).leq(perReason))
                .select(PURPOSE, REASON, TRACK_ID)
                .orderBy(PURPOSE, REASON, TRACK_ID);
    }
}
