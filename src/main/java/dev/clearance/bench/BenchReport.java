package dev.clearance.bench;

import dev.clearance.run.Stage;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The benchmark's printed table: per-stage wall time, throughput, memory, output sizes, and the floor. */
public final class BenchReport {
    private BenchReport() {}

    public static String render(Benchmark.Result r, String setting) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Clearance bench: %,d tracks, %d purposes, %,d decisions; %s%n%n",
                r.tracks(), r.purposes(), r.decisions(), setting));
        out.append(String.format(Locale.ROOT, "%-26s %10s %7s%n", "stage", "seconds", "share"));
        for (Map.Entry<Stage, Long> stage : r.stages().entrySet()) {
            out.append(String.format(Locale.ROOT, "%-26s %10.1f %6.0f%%%n", stage.getKey().label(),
                    seconds(stage.getValue()), 100.0 * stage.getValue() / r.jobNanos()));
        }
        long staged = r.stages().values().stream().mapToLong(Long::longValue).sum();
        out.append(String.format(Locale.ROOT, "%-26s %10.1f %6.0f%%%n", "other (driver)",
                seconds(r.jobNanos() - staged), 100.0 * (r.jobNanos() - staged) / r.jobNanos()));
        out.append(String.format(Locale.ROOT, "%-26s %10.1f   CPU %.1f s%n%n", "job, wall", seconds(r.jobNanos()),
                seconds(r.jobCpuNanos())));
        Optional<Benchmark.Floor> fresh = r.freshFloor();
        Benchmark.Floor warm = r.warmFloor();
        out.append(fresh.map(f -> String.format(Locale.ROOT, "%-26s %10.1f   CPU %.1f s; read the inputs once,"
                        + " write %,d rows, in a fresh JVM like the job%n", "floor, fresh JVM", seconds(f.nanos()),
                        seconds(f.cpuNanos()), f.rows()))
                .orElse(String.format(Locale.ROOT, "%-26s %10s   (no JVM of its own under spark-submit)%n",
                        "floor, fresh JVM", "n/a")));
        out.append(String.format(Locale.ROOT, "%-26s %10.1f   CPU %.1f s; the same in this JVM, warmed up by the job%n",
                "floor, warm JVM", seconds(warm.nanos()), seconds(warm.cpuNanos())));
        String againstFresh = fresh.map(f -> String.format(Locale.ROOT, "%10.2f   CPU %.2f; ",
                        (double) r.jobNanos() / f.nanos(), (double) r.jobCpuNanos() / f.cpuNanos()))
                .orElse(String.format(Locale.ROOT, "%10s   ", "n/a"));
        out.append(String.format(Locale.ROOT, "%-26s %sagainst the warm floor %.2f (CPU %.2f)%n", "job / floor",
                againstFresh, (double) r.jobNanos() / warm.nanos(), (double) r.jobCpuNanos() / warm.cpuNanos()));
        out.append(String.format(Locale.ROOT, "%-26s %,10d   rows written to the ledger, current and curated tables%n",
                "job, rows written", r.outputRows()));
        out.append(String.format(Locale.ROOT, "%-26s %,10.0f   decisions per second%n", "throughput",
                r.decisions() / seconds(r.jobNanos())));
        out.append(String.format(Locale.ROOT, "%-26s %10s   live after GC; heap grew to %s; process RSS %s%n%n",
                "peak driver heap", bytes(r.peakLiveHeap()), bytes(r.peakHeap()), bytes(r.peakRss())));
        out.append(String.format(Locale.ROOT, "%-30s %12s %6s %10s%n", "output", "rows", "files", "size"));
        for (Benchmark.TableSize t : r.outputs()) {
            out.append(String.format(Locale.ROOT, "%-30s %,12d %6d %10s%n", t.table(), t.rows(), t.files(),
                    bytes(t.bytes())));
        }
        return out.toString();
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static String bytes(long n) {
        if (n < 0) {
            return "n/a";
        }
        return n >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GB", n / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MB", n / (double) (1L << 20));
    }
}
