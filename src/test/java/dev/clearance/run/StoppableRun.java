package dev.clearance.run;

import dev.clearance.config.JobConfig;
import dev.clearance.policy.PolicyLoader;
import dev.clearance.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * A run in its own JVM that stops at a named stage, for the crash and concurrency tests. It prints
 * {@code AT <stage>} when it gets there, then either hangs until it is killed ({@code hang}), waits for a
 * file to appear and goes on ({@code pause:<file>}), or just goes on ({@code mark}).
 *
 * <p>Arguments: config, as_of, run_id, {@code started:<STAGE>} or {@code finished:<STAGE>}, behaviour.
 */
public final class StoppableRun {
    private StoppableRun() {}

    public static void main(String[] args) throws Exception {
        JobConfig job = JobConfig.load(Path.of(args[0]));
        String[] point = args[3].split(":", 2);
        boolean atStart = point[0].equals("started");
        Stage stage = Stage.valueOf(point[1]);
        String behaviour = args[4];
        RunObserver stop = new RunObserver() {
            @Override
            public void stageStarted(Stage s) {
                if (atStart && s == stage) {
                    arrive(s, behaviour);
                }
            }

            @Override
            public void stageFinished(Stage s, long nanos) {
                if (!atStart && s == stage) {
                    arrive(s, behaviour);
                }
            }
        };
        var spark = SparkSessions.getOrCreate("stoppable-run", job.sparkMaster(), job.sparkConf());
        new ClearanceJob(spark, job, PolicyLoader.load(job.policy()), Clock.systemUTC(), stop)
                .run(new RunRequest(Optional.of(Instant.parse(args[1])), Optional.of(args[2])));
        System.out.println("DONE");
        System.out.flush();
        spark.stop();
        System.exit(0);
    }

    private static void arrive(Stage stage, String behaviour) {
        System.out.println("AT " + stage);
        System.out.flush();
        try {
            if (behaviour.equals("hang")) {
                Thread.sleep(Long.MAX_VALUE);
            } else if (behaviour.startsWith("pause:")) {
                Path release = Path.of(behaviour.substring("pause:".length()));
                while (!Files.exists(release)) {
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
