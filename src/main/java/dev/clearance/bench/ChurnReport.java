package dev.clearance.bench;

import static dev.clearance.bench.BenchReport.bytes;
import static dev.clearance.bench.BenchReport.seconds;

import dev.clearance.run.Stage;
import dev.clearance.runlog.RunRecord;
import java.util.Locale;

/** The day-of-change benchmark's printed table: each run side by side, the stages of both second runs, the ratios. */
public final class ChurnReport {
    private ChurnReport() {}

    public static String render(ChurnBenchmark.Result r, String setting) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Clearance bench, a day of change: %,d tracks (%,d input rows), %.2f%%"
                + " churn, %d purposes; %s%n%n", r.tracks(), r.inputRows(), 100 * r.churn(), r.purposes(), setting));
        out.append(String.format(Locale.ROOT, "%-28s %8s %8s  %-12s %12s %12s %12s %12s%n", "run", "seconds", "CPU s",
                "mode", "rows changed", "tracks hit", "decided", "ledger rows"));
        run(out, "first run", r.first(), r.purposes());
        out.append(String.format(Locale.ROOT, "%-28s %8.1f   (the lake's change, as Delta commits)%n",
                "day of change", seconds(r.changeNanos())));
        run(out, "second run, as chosen", r.incremental(), r.purposes());
        run(out, "second run, forced full", r.full(), r.purposes());
        run(out, "run with nothing changed", r.idle(), r.purposes());
        out.append(String.format(Locale.ROOT, "%-28s %8.1f   (Spark session warm; 3 input snapshots, 1 commit)%n",
                "empty floor, warm JVM", seconds(r.emptyFloorWarm())));
        out.append(r.emptyFloorFresh().map(n -> String.format(Locale.ROOT, "%-28s %8.1f   (a JVM's whole life:"
                        + " start-up, Spark session, 3 input snapshots, 1 commit)%n", "empty floor, fresh JVM",
                        seconds(n)))
                .orElse(String.format(Locale.ROOT, "%-28s %8s   (no JVM of its own under spark-submit)%n",
                        "empty floor, fresh JVM", "n/a")));
        boolean agree = r.incremental().record().ledgerRows() == r.full().record().ledgerRows()
                && r.incremental().record().decisionCounts().equals(r.full().record().decisionCounts())
                && r.incremental().record().reasonCounts().equals(r.full().record().reasonCounts());
        out.append(String.format(Locale.ROOT, "%nsecond runs agree             %s   (ledger rows, decision and reason"
                + " counts)%n", agree ? "yes" : "NO"));
        out.append(String.format(Locale.ROOT, "as chosen / forced full    %8.2f%n",
                (double) r.incremental().nanos() / r.full().nanos()));
        out.append(r.emptyFloorFresh().map(n -> String.format(Locale.ROOT, "nothing changed / floor    %8.2f   against"
                        + " the fresh empty floor; %.2f against the warm one%n", (double) r.idle().nanos() / n,
                        (double) r.idle().nanos() / r.emptyFloorWarm()))
                .orElse(String.format(Locale.ROOT, "nothing changed / floor    %8.2f   against the warm empty floor%n",
                        (double) r.idle().nanos() / r.emptyFloorWarm())));
        out.append(String.format(Locale.ROOT, "peak driver heap           %8s   live after GC%n%n",
                bytes(r.peakLiveHeap())));
        out.append(String.format(Locale.ROOT, "%-28s %12s %12s%n", "stage (second runs)", "as chosen", "forced full"));
        for (Stage stage : Stage.values()) {
            Long chosen = r.incremental().stages().get(stage);
            Long forced = r.full().stages().get(stage);
            if (chosen != null || forced != null) {
                out.append(String.format(Locale.ROOT, "%-28s %12s %12s%n", stage.label(), cell(chosen), cell(forced)));
            }
        }
        return out.toString();
    }

    private static void run(StringBuilder out, String label, ChurnBenchmark.Timed t, int purposes) {
        RunRecord record = t.record();
        boolean scoped = t.affectedTracks() >= 0;
        out.append(String.format(Locale.ROOT, "%-28s %8.1f %8.1f  %-12s %12s %12s %,12d %,12d%n", label,
                seconds(t.nanos()), seconds(t.cpuNanos()), record.mode().kind().label(),
                scoped ? String.format(Locale.ROOT, "%,d", t.changedRows()) : "all",
                scoped ? String.format(Locale.ROOT, "%,d", t.affectedTracks()) : "all",
                scoped ? t.affectedTracks() * purposes : record.decisions(), record.ledgerRows()));
    }

    private static String cell(Long nanos) {
        return nanos == null ? "-" : String.format(Locale.ROOT, "%.1f", seconds(nanos));
    }
}
