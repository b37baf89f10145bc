package dev.clearance.verify;

import static dev.clearance.catalog.Columns.POLICY_SHA256;
import static dev.clearance.catalog.Columns.POLICY_VERSION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.RUN_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord;
import dev.clearance.spark.DeltaTables;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * What a run published, read once for every check. The ledger and each lineage/current snapshot are scanned
 * once and kept (memory, then disk) until {@link #close}, so that checks which each need them, and the counts
 * in the report, do not each re-read catalog-sized tables. Only small things reach the driver: per-table
 * counts, per-run ledger counts, the run log.
 */
public final class LoadedOutputs implements AutoCloseable {
    /** A table version that is checked, e.g. {@code lineage/current@v5}, and its rows. */
    public record Snapshot(String location, Dataset<Row> rows, long count) {}

    private static final StructType COUNTED = new StructType()
            .add(Checks.LOCATION, DataTypes.StringType).add(Checks.ACTUAL, DataTypes.LongType);
    private static final StructType RECORDED = new StructType()
            .add(Checks.LOCATION, DataTypes.StringType).add(Checks.EXPECTED, DataTypes.LongType)
            .add(Checks.WHAT, DataTypes.StringType);
    private static final StructType RUNS = new StructType().add(RUN_ID, DataTypes.StringType)
            .add(POLICY_VERSION, DataTypes.StringType).add(POLICY_SHA256, DataTypes.StringType);

    private final List<Dataset<Row>> persisted = new ArrayList<>();
    private final RunRecord run;
    private final List<String> locations = new ArrayList<>();
    private final Dataset<Row> curated;
    private final long curatedRows;
    private final List<Snapshot> currents = new ArrayList<>();
    private final Dataset<Row> ledger;
    private final long ledgerRows;
    private final Dataset<Row> ledgerByRun;
    private final Dataset<Row> state;
    private final Dataset<Row> runs;
    private final Dataset<Row> commits;
    private final Map<String, Long> commitsPerTable = new HashMap<>();
    private final Dataset<Row> ledgerDetail;
    private final List<Row> countedRows = new ArrayList<>();
    private final List<Row> recordedRows = new ArrayList<>();

    private LoadedOutputs(OutputRoot outputs, RunRecord run) {
        this.run = run;
        SparkSession spark = outputs.spark();
        spark.sparkContext().setJobDescription("clearance verify: loading the outputs");
        try {
            boolean latest = outputs.isLatest(run);
            curated = persist(readCurated(outputs, latest));
            List<Row> curatedCounts = curated.groupBy(Checks.LOCATION).agg(count(lit(1)).as(Checks.ACTUAL))
                    .collectAsList();
            countedRows.addAll(curatedCounts);
            curatedRows = curatedCounts.stream().mapToLong(r -> r.getLong(1)).sum();
            readCurrents(outputs, latest);

            ledger = persist(outputs.ledger());
            ledgerByRun = persist(Checks.ledgerRowsByRun(ledger));
            List<Row> byRun = ledgerByRun.collectAsList();
            ledgerRows = byRun.stream().mapToLong(r -> r.<Long>getAs(Checks.ROWS)).sum();
            String ledgerOfRun = OutputRoot.LEDGER + " rows of run " + run.runId();
            countedRows.add(RowFactory.create(ledgerOfRun, byRun.stream()
                    .filter(r -> run.runId().equals(r.getAs(RUN_ID))).mapToLong(r -> r.<Long>getAs(Checks.ROWS)).sum()));
            recordedRows.add(RowFactory.create(ledgerOfRun, run.ledgerRows(), "ledger rows recorded for the run"));
            state = persist(Checks.stateAt(ledger, outputs.runOrder(), outputs.sequence(run)));

            runs = spark.createDataFrame(outputs.runs().stream()
                    .map(r -> RowFactory.create(r.runId(), r.policyVersion(), r.policySha256())).toList(), RUNS);
            commits = persist(commits(outputs));
            commits.groupBy(Checks.TABLE).agg(count(lit(1))).collectAsList()
                    .forEach(r -> commitsPerTable.put(r.getString(0), r.getLong(1)));
            ledgerDetail = DeltaTable.forPath(spark, outputs.path(OutputRoot.LEDGER)).detail();
        } catch (RuntimeException e) {
            close();
            throw e;
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    /** Reads and keeps what {@code run} published; {@link #close} releases it. */
    public static LoadedOutputs load(OutputRoot outputs, RunRecord run) {
        return new LoadedOutputs(outputs, run);
    }

    /** Every table version checked, curated tables first, in the order the run recorded them. */
    public List<String> locations() {
        return List.copyOf(locations);
    }

    /** The rows of every curated snapshot, with {@link Checks#LOCATION} and {@code purpose}. */
    public Dataset<Row> curated() {
        return curated;
    }

    public long curatedRows() {
        return curatedRows;
    }

    /** lineage/current at the version the run recorded, then at the latest version when later commits exist. */
    public List<Snapshot> currents() {
        return List.copyOf(currents);
    }

    public Dataset<Row> recordedCurrent() {
        return currents.get(0).rows();
    }

    public long currentRows() {
        return currents.stream().mapToLong(Snapshot::count).sum();
    }

    /** The whole ledger, every run, at its latest version (it is append-only, so that holds every version). */
    public Dataset<Row> ledger() {
        return ledger;
    }

    public long ledgerRows() {
        return ledgerRows;
    }

    /** See {@link Checks#ledgerRowsByRun}. */
    public Dataset<Row> ledgerByRun() {
        return ledgerByRun;
    }

    /** See {@link Checks#stateAt}: the state of every pair at the run. */
    public Dataset<Row> state() {
        return state;
    }

    /** Every run of the run log, whatever its status: run_id, policy_version, policy_sha256. */
    public Dataset<Row> runs() {
        return runs;
    }

    /** See {@link Checks#commits}, for every output table. */
    public Dataset<Row> commits() {
        return commits;
    }

    public long commitCount() {
        return commitsPerTable.values().stream().mapToLong(Long::longValue).sum();
    }

    /** @param table e.g. {@link OutputRoot#LEDGER} */
    public long commitCount(String table) {
        return commitsPerTable.getOrDefault(table, 0L);
    }

    /** The ledger's {@code DESCRIBE DETAIL}, for its table properties. */
    public Dataset<Row> ledgerDetail() {
        return ledgerDetail;
    }

    /** (location, actual) row counts of the checked tables and of the run's ledger rows. */
    public Dataset<Row> counted() {
        return ledger.sparkSession().createDataFrame(countedRows, COUNTED);
    }

    /** (location, expected, what): the counts the run log recorded. */
    public Dataset<Row> recorded() {
        return ledger.sparkSession().createDataFrame(recordedRows, RECORDED);
    }

    public long recordedCounts() {
        return recordedRows.size();
    }

    @Override
    public void close() {
        persisted.forEach(Dataset::unpersist);
        persisted.clear();
    }

    private Dataset<Row> persist(Dataset<Row> rows) {
        Dataset<Row> kept = rows.persist(StorageLevel.MEMORY_AND_DISK());
        persisted.add(kept);
        return kept;
    }

    /**
     * Every output table's commits still in its Delta log. Curated tables are found by listing, not from
     * the run log, so a table that no run recorded is not overlooked.
     */
    private static Dataset<Row> commits(OutputRoot outputs) {
        List<String> tables = new ArrayList<>(List.of(OutputRoot.RUNS, OutputRoot.QUARANTINE, OutputRoot.LEDGER,
                OutputRoot.CURRENT));
        tables.addAll(curatedTables(outputs));
        Dataset<Row> all = null;
        for (String table : tables) {
            Dataset<Row> history = Checks.commits(DeltaTable.forPath(outputs.spark(), outputs.path(table)).history(),
                    table);
            all = all == null ? history : all.unionByName(history);
        }
        return all;
    }

    private static List<String> curatedTables(OutputRoot outputs) {
        Path dir = new Path(outputs.path(OutputRoot.CURATED_DIR));
        try {
            FileSystem fs = dir.getFileSystem(outputs.spark().sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<String> tables = new ArrayList<>();
            for (FileStatus status : fs.listStatus(dir)) {
                String table = OutputRoot.CURATED_DIR + "/" + status.getPath().getName();
                if (status.isDirectory() && DeltaTables.exists(outputs.spark(), outputs.path(table))) {
                    tables.add(table);
                }
            }
            return tables.stream().sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Every curated snapshot's rows, tagged with their location and purpose; records what the run log expects. */
    private Dataset<Row> readCurated(OutputRoot outputs, boolean latest) {
        Dataset<Row> union = null;
        for (OutputVersion output : OutputRoot.curatedOutputs(run)) {
            String purpose = OutputRoot.purposeOf(output);
            long included = run.decisionCounts().stream().filter(c -> c.purpose().equals(purpose))
                    .mapToLong(PurposeCount::included).findFirst().orElse(0);
            for (long version : versions(outputs, output.table(), latest)) {
                String location = location(output.table(), version, output.version());
                locations.add(location);
                Dataset<Row> rows = outputs.atVersion(output.table(), version)
                        .withColumn(PURPOSE, lit(purpose)).withColumn(Checks.LOCATION, lit(location));
                union = union == null ? rows : union.unionByName(rows);
                recordedRows.add(RowFactory.create(location, output.rows(), "rows recorded in the run's outputs"));
                recordedRows.add(RowFactory.create(location, included, "included tracks recorded in decision_counts"));
            }
        }
        return union;
    }

    private void readCurrents(OutputRoot outputs, boolean latest) {
        OutputVersion recordedCurrent = outputs.recorded(run, OutputRoot.CURRENT);
        for (long version : versions(outputs, OutputRoot.CURRENT, latest)) {
            String location = location(OutputRoot.CURRENT, version, recordedCurrent.version());
            locations.add(location);
            Dataset<Row> rows = persist(outputs.atVersion(OutputRoot.CURRENT, version));
            Snapshot snapshot = new Snapshot(location, rows, rows.count());
            currents.add(snapshot);
            countedRows.add(RowFactory.create(location, snapshot.count()));
            recordedRows.add(RowFactory.create(location, recordedCurrent.rows(), "rows recorded in the run's outputs"));
        }
    }

    /** The recorded version, and for the latest run also the head version when a later commit exists. */
    private List<Long> versions(OutputRoot outputs, String table, boolean latest) {
        long recordedVersion = outputs.recorded(run, table).version();
        Optional<Long> head = latest ? Optional.of(outputs.headVersion(table)) : Optional.empty();
        return head.filter(h -> h != recordedVersion).map(h -> List.of(recordedVersion, h))
                .orElse(List.of(recordedVersion));
    }

    private static String location(String table, long version, long recordedVersion) {
        return table + "@v" + version + (version == recordedVersion ? "" : " (latest; not recorded by the run)");
    }
}
