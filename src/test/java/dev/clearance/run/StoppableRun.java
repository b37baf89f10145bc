package dev.clearance.run;

import dev.clearance.config.JobConfig;
import dev.clearance.errors.ExitCode;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * A run in its own JVM that stops at some of its commits, for the crash and concurrency tests. At each stop it
 * prints {@code AT commit <k> <table>} once that commit is done, then either hangs in the committing thread until
 * it is killed ({@code hang}), or waits for the file {@code <dir>/<k>} to appear and goes on ({@code pause:<dir>}).
 * It prints {@code DONE} when the run succeeds, and otherwise {@code EXIT <code> <message>} and exits with the
 * run's exit code.
 *
 * <p>Arguments: config, as_of, run_id, the commits to stop at (comma-separated), behaviour.
 */
public final class StoppableRun {
    private StoppableRun() {}

    public static void main(String[] args) throws Exception {
        JobConfig job = JobConfig.load(Path.of(args[0]));
        Set<Integer> stops = Arrays.stream(args[3].split(",")).map(Integer::valueOf).collect(Collectors.toSet());
        String behaviour = args[4];
        RunObserver stop = new RunObserver() {
            @Override
            public void committed(int ordinal, String table, long version) {
                if (stops.contains(ordinal)) {
                    arrive(ordinal, table, behaviour);
                }
            }
        };
        var spark = SparkSessions.getOrCreate("stoppable-run", job.sparkMaster(), job.sparkConf());
        int code = 0;
        try {
            new ClearanceJob(spark, job, PolicyLoader.load(job.policy()), Clock.systemUTC(), stop)
                    .run(new RunRequest(Optional.of(Instant.parse(args[1])), Optional.of(args[2])));
            System.out.println("DONE");
        } catch (RuntimeException e) {
            code = ExitCode.of(e).code();
            System.out.println("EXIT " + code + " " + e.getMessage());
        }
        System.out.flush();
        spark.stop();
        System.exit(code);
    }

    private static void arrive(int ordinal, String table, String behaviour) {
        System.out.println("AT commit " + ordinal + " " + table);
        System.out.flush();
        try {
            if (behaviour.equals("hang")) {
                new CountDownLatch(1).await();
            } else if (behaviour.startsWith("pause:")) {
                Path release = Path.of(behaviour.substring("pause:".length())).resolve(String.valueOf(ordinal));
                while (!Files.exists(release)) {
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
