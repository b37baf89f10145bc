package dev.clearance.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Java main class started in a separate JVM with the test classpath and this JVM's module flags, whose
 * stdout lines the test can wait for. Its stderr goes to a log file. Killed with SIGKILL on close.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died; waitFor tells the rest
            }
        }, "child-jvm-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    public static ChildJvm start(Class<?> main, Path log, String... args) {
        return start(main, List.of(), log, args);
    }

    /** @param jvmOptions after the ones this JVM passes on, so they win (e.g. {@code -Duser.language=tr}) */
    public static ChildJvm start(Class<?> main, List<String> jvmOptions, Path log, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--add-opens") || flag.startsWith("-XX:") || flag.startsWith("-Djdk.reflect")) {
                command.add(flag);
            }
        }
        // A short-lived JVM: the C1 compiler and the serial collector start fastest and leave the other core free.
        command.addAll(List.of("-Xmx1g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
            builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            return new ChildJvm(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a stdout line starting with {@code expected}; fails naming the log if the child ends first. */
    public void await(String expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(expected)) {
                return;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                throw new AssertionError("child JVM exited with " + process.exitValue() + " before printing '"
                        + expected + "'; see " + log);
            }
        }
        throw new AssertionError("child JVM did not print '" + expected + "' within " + timeout + "; see " + log);
    }

    /** SIGKILL, as kill -9: no shutdown hook, no finally block runs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child JVM still running after " + timeout + "; see " + log);
        }
        return process.exitValue();
    }

    /** Kills the child if it still runs, without waiting for it to be gone. */
    @Override
    public void close() {
        process.destroyForcibly();
    }
}
