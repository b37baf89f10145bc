package dev.clearance.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1: a Master and Workers as separate JVMs, run from a SPARK_HOME
 * whose {@code jars/} holds Spark's Maven-resolved jars (the provided scope: Spark, Scala, Hadoop's client,
 * Jackson...), as a Spark distribution would, and none of the application's. Closing it kills every JVM it
 * started, executors included; a shutdown hook does the same if the test JVM exits first.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(90);
    /** For short-lived JVMs on a small machine: C1 only (with C2's code cache size) and the serial collector. */
    private static final List<String> SMALL_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m",
            "-XX:+UseSerialGC");

    private final Path home;
    private final Path logs;
    private final List<String> jvmFlags;
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-shutdown");
    private final String masterUrl;

    /**
     * @param dir        where SPARK_HOME, the workers' directories and the logs go
     * @param sparkJars  Spark and its dependencies (target/spark-classpath.txt)
     * @param jvmFlags   the Java 17 flags every Spark JVM needs
     */
    public static StandaloneCluster start(Path dir, List<Path> sparkJars, List<String> jvmFlags, int workers) {
        StandaloneCluster cluster = new StandaloneCluster(dir, jvmFlags);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.install(sparkJars);
            cluster.startAll(workers);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private StandaloneCluster(Path dir, List<String> jvmFlags) {
        this.home = dir.resolve("spark-home");
        this.logs = dir.resolve("logs");
        this.jvmFlags = List.copyOf(jvmFlags);
        this.masterUrl = "spark://127.0.0.1:" + freePort();
    }

    public String masterUrl() {
        return masterUrl;
    }

    public Path sparkHome() {
        return home;
    }

    /** The environment of every process of the cluster, and of spark-submit. */
    public Map<String, String> environment() {
        return Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.12",
                "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_CONF_DIR", home.resolve("conf").toString());
    }

    /** A JVM with SPARK_HOME's jars on its classpath and the Java 17 flags, logging to {@code logs/<name>.log}. */
    public ProcessBuilder java(String name, String heap, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(javaOptions());
        command.addAll(List.of("-cp", home.resolve("jars") + "/*", mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        builder.environment().putAll(environment());
        return builder;
    }

    /** The JVM options of every JVM of the cluster: for spark.executor.extraJavaOptions. */
    public List<String> javaOptions() {
        List<String> options = new ArrayList<>(jvmFlags);
        options.addAll(SMALL_JVM);
        return options;
    }

    /** Starts a process that {@link #close()} kills with the cluster. */
    public Process launch(ProcessBuilder builder) {
        try {
            Process process = builder.start();
            synchronized (processes) {
                processes.add(process);
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** The last lines of a process's log, for failure messages. */
    public String tail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(log(name));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void install(List<Path> sparkJars) {
        try {
            Files.createDirectories(home.resolve("jars"));
            Files.createDirectories(home.resolve("conf"));
            Files.createDirectories(logs);
            for (Path jar : sparkJars) {
                Files.createSymbolicLink(home.resolve("jars").resolve(jar.getFileName()), jar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startAll(int workers) {
        String port = masterUrl.substring(masterUrl.lastIndexOf(':') + 1);
        launch(java("master", "256m", "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", port, "--webui-port", "0")));
        awaitLog("master", "I have been elected leader!");
        for (int i = 1; i <= workers; i++) {
            Path workDir = home.resolve("work-" + i);
            launch(java("worker-" + i, "256m", "org.apache.spark.deploy.worker.Worker",
                    List.of("--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
                            "--work-dir", workDir.toString(), masterUrl)));
        }
        for (int i = 1; i <= workers; i++) {
            awaitLog("worker-" + i, "Successfully registered with master");
        }
    }

    private void awaitLog(String name, String line) {
        Instant deadline = Instant.now().plus(STARTUP_LIMIT);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (Files.exists(log(name)) && Files.readString(log(name)).contains(line)) {
                    return;
                }
                synchronized (processes) {
                    for (Process process : processes) {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("a cluster JVM exited with " + process.exitValue()
                                    + " before " + name + " logged '" + line + "':\n" + tail(name, 40));
                        }
                    }
                }
                Thread.sleep(250);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException(name + " did not log '" + line + "' within " + STARTUP_LIMIT + ":\n"
                + tail(name, 40));
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: the hook is running or has run.
        }
    }

    /** Executors (children of the workers) first, then the processes themselves. */
    private void killAll() {
        List<ProcessHandle> handles = new ArrayList<>();
        synchronized (processes) {
            for (Process process : processes) {
                process.descendants().forEach(handles::add);
                handles.add(process.toHandle());
            }
            processes.clear();
        }
        handles.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : handles) {
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Reported by the caller's process checks; nothing more can be done here.
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entries of a classpath file (target/spark-classpath.txt). */
    public static List<Path> classpath(Path file) {
        try {
            return Stream.of(Files.readString(file).trim().split(java.io.File.pathSeparator))
                    .filter(s -> !s.isEmpty()).map(Path::of).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits a JVM flags string (the pom's clearance.jvm.flags) into arguments. */
    public static List<String> flags(String flags) {
        return Arrays.stream(flags.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }
}
