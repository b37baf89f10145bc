package dev.clearance.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clearance.errors.RunConflictException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run at a time per output root. A lease file at the root names the run holding it and is refreshed by a
 * heartbeat; a second run finds it and stops with exit 5 naming the holder. A lease whose holder died (kill -9)
 * goes stale after {@link #STALE_AFTER} and is taken over, so a crashed run never blocks the ledger for good.
 *
 * <p>Creating the lease is atomic on a local file system and on HDFS. Object stores without an atomic
 * create-if-absent (S3) narrow the race to a moment but do not close it; schedule one run at a time there.
 */
public final class RunLock implements AutoCloseable {
    /** The lease file's name under the output root; Spark and Delta ignore names starting with '_'. */
    public static final String FILE_NAME = "_clearance.lock";
    static final Duration HEARTBEAT = Duration.ofSeconds(20);
    static final Duration STALE_AFTER = Duration.ofMinutes(2);

    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path path;
    private final Clock clock;
    private final ObjectNode lease;
    private final ScheduledExecutorService heartbeat;

    private RunLock(FileSystem fs, Path path, Clock clock, ObjectNode lease) {
        this.fs = fs;
        this.path = path;
        this.clock = clock;
        this.lease = lease;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "clearance-lock-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        heartbeat.scheduleAtFixedRate(this::refresh, HEARTBEAT.toSeconds(), HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Takes the lease of {@code outputRoot} for {@code runId}, or fails with exit 5 naming the run holding it. */
    public static RunLock acquire(String outputRoot, String runId, Configuration hadoop, Clock clock) {
        Path path = new Path(outputRoot, FILE_NAME);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRawFileSystem();    // no .crc side files for a lease that is rewritten
            }
            fs.mkdirs(path.getParent());
            ObjectNode lease = JSON.createObjectNode()
                    .put("run_id", runId)
                    .put("owner", ManagementFactory.getRuntimeMXBean().getName())
                    .put("token", UUID.randomUUID().toString())
                    .put("acquired_at", clock.instant().toString())
                    .put("heartbeat_at", clock.instant().toString());
            if (createExclusive(fs, path, lease)) {
                return new RunLock(fs, path, clock, lease);
            }
            JsonNode holder = read(fs, path);
            Instant heartbeatAt = heartbeatOf(holder);
            if (Duration.between(heartbeatAt, clock.instant()).compareTo(STALE_AFTER) <= 0 && !holderDiedHere(holder)) {
                throw new RunConflictException("run " + holder.path("run_id").asText() + " (" + holder.path("owner").asText()
                        + ", started " + holder.path("acquired_at").asText() + ") is running on output root "
                        + outputRoot + "; wait for it to finish. If that process is gone, its lease " + path
                        + " expires " + STALE_AFTER.toMinutes() + " minutes after its last heartbeat (" + heartbeatAt + ").");
            }
            LOG.warn("taking over the lease of run {} (last heartbeat {}; its process is gone)",
                    holder == null ? "?" : holder.path("run_id").asText(), heartbeatAt);
            fs.delete(path, false);
            if (createExclusive(fs, path, lease)) {
                return new RunLock(fs, path, clock, lease);
            }
            throw new RunConflictException("another run took the lease " + path + " at the same moment; try again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the run lease " + path, e);
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(HEARTBEAT.toSeconds(), TimeUnit.SECONDS);    // no refresh after the delete
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            JsonNode current = read(fs, path);
            if (current != null && current.path("token").asText().equals(lease.path("token").asText())) {
                fs.delete(path, false);
            }
        } catch (IOException e) {
            LOG.warn("could not release the run lease {}: {}", path, e.toString());
        }
    }

    private void refresh() {
        try {
            JsonNode current = read(fs, path);
            if (current == null || !current.path("token").asText().equals(lease.path("token").asText())) {
                LOG.error("run {} lost its lease {} (another run took it over after missed heartbeats)",
                        lease.path("run_id").asText(), path);
                heartbeat.shutdown();
                return;
            }
            lease.put("heartbeat_at", clock.instant().toString());
            try (OutputStream out = fs.create(path, true)) {
                out.write(JSON.writeValueAsBytes(lease));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not refresh the run lease {}: {}", path, e.toString());
        }
    }

    /** Creates the lease file only if absent; false if another run holds one. */
    private static boolean createExclusive(FileSystem fs, Path path, ObjectNode lease) throws IOException {
        byte[] content = JSON.writeValueAsBytes(lease);
        URI uri = fs.makeQualified(path).toUri();
        if ("file".equals(uri.getScheme())) {
            try {
                // O_CREAT|O_EXCL: atomic, unlike Hadoop's local file system.
                Files.write(Paths.get(uri), content, StandardOpenOption.CREATE_NEW);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(path, false)) {
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    /**
     * True when the holder ran on this host (same host name) and its process no longer exists: a run killed
     * here is retried at once rather than after {@link #STALE_AFTER}. A reused pid only delays the takeover.
     */
    private static boolean holderDiedHere(JsonNode holder) {
        if (holder == null) {
            return true;
        }
        String owner = holder.path("owner").asText();
        String self = ManagementFactory.getRuntimeMXBean().getName();
        int at = owner.indexOf('@');
        if (at < 1 || !owner.substring(at).equals(self.substring(self.indexOf('@')))) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(owner.substring(0, at))).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The holder's last heartbeat; a missing or unreadable lease counts as stale. */
    private static Instant heartbeatOf(JsonNode holder) {
        try {
            return holder == null ? Instant.EPOCH : Instant.parse(holder.path("heartbeat_at").asText());
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static JsonNode read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (FileNotFoundException | JsonProcessingException e) {
            return null;    // gone, or not a lease Clearance wrote: either way nobody holds it
        }
    }
}
