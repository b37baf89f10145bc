package dev.clearance.run;

import static org.apache.spark.sql.functions.col;

import dev.clearance.catalog.ChangeScope;
import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.LakeReader.Snapshot;
import dev.clearance.runlog.RunMode;
import dev.clearance.spark.DeltaTables;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The mode of the run (contract §8) and, for an incremental run, every input's changes since the previous run:
 * each Delta input's change data feed over the versions in between, read once and kept. A feed that cannot be
 * read (never enabled for those versions, its files vacuumed, the schema changed) makes the run full, never
 * wrong. Writes nothing.
 */
final class ReadChanges {
    /**
     * @param changes     per input, its changed rows (every image: inserted, deleted, before and after an update,
     *                    with Delta's {@code _change_type}); empty for a full run
     * @param totals      per input whose rows were counted to choose the mode, its row count (validation needs
     *                    them too)
     * @param changedRows the changed rows of every input, update pre-images not counted
     */
    record Result(RunMode mode, Map<InputTable, Dataset<Row>> changes, Map<InputTable, Long> totals,
                  long changedRows) {}

    private final SparkWork work;
    private final SparkSession spark;
    private final double maxChangedFraction;

    ReadChanges(SparkWork work, SparkSession spark, double maxChangedFraction) {
        this.work = work;
        this.spark = spark;
        this.maxChangedFraction = maxChangedFraction;
    }

    Result execute(ChooseMode.Precheck precheck, Map<InputTable, Snapshot> inputs) {
        if (precheck instanceof ChooseMode.Full full) {
            return new Result(full.mode(), Map.of(), Map.of(), 0);
        }
        ChooseMode.Candidate candidate = (ChooseMode.Candidate) precheck;
        Map<InputTable, Dataset<Row>> changes = new EnumMap<>(InputTable.class);
        List<Callable<ChooseMode.Read>> reading = new ArrayList<>();
        for (InputTable table : InputTable.values()) {
            ChooseMode.Range range = candidate.ranges().get(table);
            Snapshot snapshot = inputs.get(table);
            if (range.empty()) {
                changes.put(table, ChangeScope.none(snapshot.rows()));
                reading.add(() -> ChooseMode.Read.counted(0, work.describe("counting " + table.tableName(),
                        snapshot.rows()::count)));
            } else {
                reading.add(() -> read(table, range, snapshot, changes));
            }
        }
        List<ChooseMode.Read> read = work.inParallel(reading);
        Map<InputTable, ChooseMode.Read> byTable = new EnumMap<>(InputTable.class);
        Map<InputTable, Long> totals = new EnumMap<>(InputTable.class);
        for (InputTable table : InputTable.values()) {
            ChooseMode.Read one = read.get(table.ordinal());
            byTable.put(table, one);
            if (one.unreadable().isEmpty()) {
                totals.put(table, one.totalRows());
            }
        }
        RunMode mode = ChooseMode.choose(candidate, byTable, maxChangedFraction);
        long changedRows = byTable.values().stream().mapToLong(ChooseMode.Read::changedRows).sum();
        return new Result(mode, mode.incremental() ? Map.copyOf(changes) : Map.of(), Map.copyOf(totals),
                mode.incremental() ? changedRows : 0);
    }

    /** One input's changes over {@code range}, counted; any failure to read them is a reason, not an error. */
    private ChooseMode.Read read(InputTable table, ChooseMode.Range range, Snapshot snapshot,
                                 Map<InputTable, Dataset<Row>> changes) {
        String name = table.tableName();
        String versions = "versions " + (range.from() + 1) + " to " + range.to();
        try {
            if (!DeltaTables.readVersion(spark, range.path(), range.from()).schema().equals(snapshot.rows().schema())) {
                return ChooseMode.Read.unreadable("the schema of " + name + " changed between version " + range.from()
                        + " and version " + range.to());
            }
        } catch (Exception e) {    // Spark's checked exceptions are thrown undeclared
            return ChooseMode.Read.unreadable("version " + range.from() + " of " + name + " cannot be read ("
                    + firstLine(e) + ")");
        }
        try {
            Dataset<Row> feed = work.persist(spark.read().format("delta").option("readChangeFeed", "true")
                    .option("startingVersion", range.from() + 1).option("endingVersion", range.to())
                    .load(range.path()));
            long changed = work.describe("reading the changes of " + name + ", " + versions,
                    () -> feed.filter(col(ChangeScope.CHANGE_TYPE).notEqual(ChangeScope.UPDATE_PREIMAGE)).count());
            long total = work.describe("counting " + name, snapshot.rows()::count);
            synchronized (changes) {
                changes.put(table, feed);
            }
            return ChooseMode.Read.counted(changed, total);
        } catch (Exception e) {
            return ChooseMode.Read.unreadable("the change data feed of " + name + " cannot be read for " + versions
                    + " (" + firstLine(e) + ")");
        }
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String line = message.lines().findFirst().orElse("").trim();
        return line.length() <= 240 ? line : line.substring(0, 240) + "…";
    }
}
