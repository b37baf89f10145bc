package dev.clearance.run;

import static dev.clearance.catalog.Columns.DECISION;
import static dev.clearance.catalog.Columns.PURPOSE;
import static dev.clearance.catalog.Columns.TRACK_ID;
import static org.apache.spark.sql.functions.col;

import dev.clearance.decide.Decision;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.publish.InPlace;
import dev.clearance.publish.LedgerDiff;
import dev.clearance.publish.RunCommits;
import dev.clearance.runlog.RunRecord.OutputVersion;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.spark.DeltaTables;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger first, then lineage/current and every curated table concurrently: from the ledger commit on,
 * every table written is supported by a recorded decision (contract §4, §4.1).
 */
final class PublishOutputs {
    private static final Logger LOG = LoggerFactory.getLogger(PublishOutputs.class);

    private final SparkWork work;
    private final RunCommits commits;
    private final OutputRoot outputs;
    private final LedgerDiff.Stamp stamp;
    private final Optional<Dataset<Row>> affected;

    /**
     * @param affected for an incremental run, the track_ids it decided: no other row of a curated table can change,
     *                 so only these are compared
     */
    PublishOutputs(SparkWork work, RunCommits commits, OutputRoot outputs, LedgerDiff.Stamp stamp,
                   Optional<Dataset<Row>> affected) {
        this.work = work;
        this.commits = commits;
        this.outputs = outputs;
        this.stamp = stamp;
        this.affected = affected;
    }

    /**
     * @param ledgerWritten an earlier attempt of this run committed its ledger rows: found, not appended again
     * @param purposesThatLeft purposes of the previous run no longer in the policy: their curated tables are emptied
     * @return the ledger's, lineage/current's and every curated table's committed version
     */
    List<OutputVersion> execute(DecidePairs.Result decided, DiffWithPrevious.Result diffed, boolean ledgerWritten,
                                List<String> purposesThatLeft) {
        List<OutputVersion> written = new ArrayList<>();
        written.add(work.stage(Stage.WRITE_LEDGER, "appending to " + OutputRoot.LEDGER,
                () -> ledger(diffed, ledgerWritten)));
        List<Callable<OutputVersion>> writes = new ArrayList<>();
        writes.add(() -> current(diffed));
        for (PurposeCount count : decided.purposes()) {
            Dataset<Row> included = stamp.apply(decided.decisions().filter(col(PURPOSE).equalTo(count.purpose())
                    .and(col(DECISION).equalTo(Decision.INCLUDED.name()))), OutputRoot.CURATED_SCHEMA);
            writes.add(() -> curated(count.purpose(), included, count.included()));
        }
        for (String gone : purposesThatLeft) {
            if (DeltaTables.exists(outputs.spark(), outputs.curated(gone))) {
                Dataset<Row> none = outputs.spark().createDataFrame(List.of(), OutputRoot.CURATED_SCHEMA);
                writes.add(() -> curated(gone, none, 0));
            }
        }
        written.addAll(work.stage(Stage.WRITE_OUTPUTS, "publishing current and curated", () -> work.inParallel(writes)));
        return written;
    }

    private OutputVersion ledger(DiffWithPrevious.Result diffed, boolean ledgerWritten) {
        RunCommits.Target ledger = target(OutputRoot.LEDGER);
        long version;
        if (ledgerWritten) {
            LOG.info("ledger rows of run {} were committed by an earlier attempt; not writing them again", stamp.runId());
            version = DeltaTables.latestCommitBy(outputs.spark(), ledger.path(), stamp.runId()).orElseThrow();
        } else {
            version = commits.appendOnce(ledger, sized(LedgerDiff.ledgerRows(diffed.diff()), diffed.ledgerRows()));
        }
        return new OutputVersion(OutputRoot.LEDGER, ledger.path(), version, diffed.ledgerRows());
    }

    /** lineage/current moved forward by the run's ledger rows; a table created by this run gets its rows appended. */
    private OutputVersion current(DiffWithPrevious.Result diffed) {
        RunCommits.Target target = target(OutputRoot.CURRENT);
        if (!DeltaTables.exists(outputs.spark(), target.path())) {
            return appended(target, LedgerDiff.currentRows(diffed.diff()), diffed.currentRows());
        }
        Dataset<Row> ledgerRows = LedgerDiff.ledgerRows(diffed.diff());
        return commit(target, diffed.currentRows(), diffed.ledgerRows(), current -> InPlace.current(current, ledgerRows));
    }

    /**
     * The curated table of {@code purpose} brought to {@code included}. Its changes are found against the table as
     * it stands, so after an interrupted attempt of this run that merged it already, nothing is left to change.
     */
    private OutputVersion curated(String purpose, Dataset<Row> included, long rows) {
        RunCommits.Target target = curatedTarget(purpose);
        if (!DeltaTables.exists(outputs.spark(), target.path())) {
            return appended(target, included, rows);
        }
        Dataset<Row> before = DeltaTables.read(outputs.spark(), target.path());
        // Computed once, by the count, for the MERGE's source too (which Delta then need not copy, SparkSessions).
        Dataset<Row> changes = work.checkpoint(InPlace.curatedChanges(
                affected.map(tracks -> before.join(tracks, TRACK_ID, "left_semi")).orElse(before), included));
        long changed = work.describe("finding what changes in " + target.table(), changes::count);
        return commit(target, rows, changed, curated -> InPlace.curated(curated, changes));
    }

    /** A table this run creates: every row enters, so they are appended, in files sized by their count. */
    private OutputVersion appended(RunCommits.Target target, Dataset<Row> rows, long count) {
        long version = work.describe("writing " + target.table(), () -> commits.appendOnce(target, sized(rows, count)));
        return new OutputVersion(target.table(), target.path(), version, count);
    }

    /**
     * @param rows    how many rows the table holds after {@code merge}
     * @param changed how many rows {@code merge} deletes, inserts or updates: none, and the run's commit is empty
     */
    private OutputVersion commit(RunCommits.Target target, long rows, long changed,
                                 Function<DeltaTable, DeltaMergeBuilder> merge) {
        long version = work.describe("writing " + target.table(),
                () -> changed == 0 ? commits.unchanged(target) : commits.merge(target, merge));
        return new OutputVersion(target.table(), target.path(), version, rows);
    }

    private RunCommits.Target target(String table) {
        return new RunCommits.Target(table, outputs.path(table), OutputRoot.LEDGER_SCHEMA,
                table.equals(OutputRoot.LEDGER) ? OutputRoot.LEDGER_PROPERTIES : OutputRoot.CURRENT_PROPERTIES);
    }

    private RunCommits.Target curatedTarget(String purpose) {
        return new RunCommits.Target(OutputRoot.CURATED_DIR + "/" + purpose, outputs.curated(purpose),
                OutputRoot.CURATED_SCHEMA, OutputRoot.CURATED_PROPERTIES);
    }

    private Dataset<Row> sized(Dataset<Row> rows, long rowCount) {
        return OutputRoot.sizedForFiles(rows, rowCount, outputs.spark().sparkContext().defaultParallelism());
    }
}
