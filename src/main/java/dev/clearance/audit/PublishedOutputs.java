package dev.clearance.audit;

import static dev.clearance.catalog.Columns.AS_OF;
import static dev.clearance.catalog.Columns.RUN_ID;

import dev.clearance.audit.RunRecord.OutputVersion;
import dev.clearance.errors.ConfigException;
import dev.clearance.publish.OutputTables;
import dev.clearance.spark.DeltaTables;
import java.sql.Timestamp;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * An output root as the auditor commands read it: the run log, and every table at the version a run
 * recorded. Tables are found under the configured output root (not at the paths recorded in the run log),
 * so an output root that was copied or moved stays readable; the recorded versions pin what each run
 * published.
 */
public final class PublishedOutputs {
    /** The position of a SUCCEEDED run in ledger order (as_of, then finished_at), from 0. */
    public static final String RUN_SEQ = "_run_seq";
    public static final StructType RUN_ORDER_SCHEMA = new StructType()
            .add(RUN_ID, DataTypes.StringType).add(AS_OF, DataTypes.TimestampType).add(RUN_SEQ, DataTypes.IntegerType);

    private final SparkSession spark;
    private final OutputTables tables;
    private final List<RunRecord> runs;

    private PublishedOutputs(SparkSession spark, OutputTables tables, List<RunRecord> runs) {
        this.spark = spark;
        this.tables = tables;
        this.runs = runs;
    }

    /** Opens an output root; fails with exit 2 when it holds no run log. */
    public static PublishedOutputs open(SparkSession spark, String root) {
        OutputTables tables = new OutputTables(root);
        if (!DeltaTables.exists(spark, tables.path(OutputTables.RUNS))) {
            throw new ConfigException("no run log at " + tables.path(OutputTables.RUNS) + ": nothing has run with"
                    + " this output root yet; check 'output' in the job configuration, or run 'clearance run' first");
        }
        return new PublishedOutputs(spark, tables, new RunLog(spark, tables).all());
    }

    public SparkSession spark() {
        return spark;
    }

    public OutputTables tables() {
        return tables;
    }

    /** Every run of the run log, in ledger order; runs that did not succeed sort after succeeded ones of equal as_of. */
    public List<RunRecord> runs() {
        return runs.stream().sorted(ORDER).toList();
    }

    /** SUCCEEDED runs in ledger order: as_of, then finished_at. */
    public List<RunRecord> succeeded() {
        return runs.stream().filter(r -> r.status() == RunStatus.SUCCEEDED).sorted(ORDER).toList();
    }

    public Optional<RunRecord> find(String runId) {
        return runs.stream().filter(r -> r.runId().equals(runId)).findFirst();
    }

    /** The latest SUCCEEDED run: what the published tables currently stand for. */
    public RunRecord latest() {
        List<RunRecord> done = succeeded();
        if (done.isEmpty()) {
            throw new ConfigException("the run log at " + tables.path(OutputTables.RUNS) + " has no SUCCEEDED run"
                    + " yet; nothing has been published");
        }
        return done.get(done.size() - 1);
    }

    /** The SUCCEEDED run {@code runId}, or the latest one when null; exit 2 for an unknown or unfinished run. */
    public RunRecord succeededRun(String runId) {
        if (runId == null) {
            return latest();
        }
        RunRecord run = find(runId).orElseThrow(() -> new ConfigException("run " + runId + " is not in the run log at "
                + tables.path(OutputTables.RUNS) + "; known runs: " + String.join(", ", runs().stream()
                .map(RunRecord::runId).toList())));
        if (run.status() != RunStatus.SUCCEEDED) {
            throw new ConfigException("run " + runId + " is " + run.status() + ", not SUCCEEDED: it published"
                    + " nothing to check or explain" + (run.message() == null ? "" : " (" + run.message() + ")"));
        }
        return run;
    }

    public boolean isLatest(RunRecord run) {
        return run.runId().equals(latest().runId());
    }

    /** The position of a SUCCEEDED run in ledger order. */
    public int sequence(RunRecord run) {
        List<RunRecord> done = succeeded();
        return IntStream.range(0, done.size()).filter(i -> done.get(i).runId().equals(run.runId())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(run.runId() + " did not succeed"));
    }

    /** SUCCEEDED runs with their {@link #RUN_SEQ}: the order in which ledger rows are replayed. */
    public Dataset<Row> runOrder() {
        List<RunRecord> done = succeeded();
        List<Row> rows = IntStream.range(0, done.size())
                .mapToObj(i -> RowFactory.create(done.get(i).runId(), Timestamp.from(done.get(i).asOf()), i))
                .toList();
        return spark.createDataFrame(rows, RUN_ORDER_SCHEMA);
    }

    /** The version of {@code table} (e.g. {@code curated/generative_training}) that {@code run} recorded. */
    public OutputVersion recorded(RunRecord run, String table) {
        return run.output(table).orElseThrow(() -> new ConfigException("run " + run.runId() + " recorded no version"
                + " of " + table + " in the run log"));
    }

    /** The table at the version {@code run} recorded for it. */
    public Dataset<Row> atRecordedVersion(RunRecord run, String table) {
        return DeltaTables.readVersion(spark, tables.path(table), recorded(run, table).version());
    }

    public Dataset<Row> ledger() {
        return DeltaTables.read(spark, tables.path(OutputTables.LEDGER));
    }

    /** The latest version of a table (what a reader that pins nothing gets). */
    public long headVersion(String table) {
        return DeltaTables.version(spark, tables.path(table));
    }

    public Dataset<Row> atVersion(String table, long version) {
        return DeltaTables.readVersion(spark, tables.path(table), version);
    }

    /** The curated tables a run wrote: {@code curated/<purpose>} outputs, in the order recorded. */
    public static List<OutputVersion> curatedOutputs(RunRecord run) {
        return run.outputs().stream().filter(o -> o.table().startsWith(OutputTables.CURATED_DIR + "/")).toList();
    }

    public static String purposeOf(OutputVersion curated) {
        return curated.table().substring(OutputTables.CURATED_DIR.length() + 1);
    }

    private static final Comparator<RunRecord> ORDER = Comparator.comparing(RunRecord::asOf)
            .thenComparing(r -> r.status() == RunStatus.SUCCEEDED ? 0 : 1)
            .thenComparing(RunRecord::finishedAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(RunRecord::runId);
}
