package dev.clearance.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clearance.errors.Errors;
import dev.clearance.publish.Fence;
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
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run at a time per output root, as a fence (contract §11): a run commits only while it holds a valid
 * lease, and checks so before every commit.
 *
 * <p>The lease is a file {@code _clearance.lease.<generation>} at the output root. The holder is the highest
 * generation; taking a lease over is creating the next generation, which only one contender can do, so two
 * takeovers at once cannot both win and no taker ever deletes a newer lease. Each file is written whole and
 * then linked or renamed into place, so a reader never sees a partial lease written by Clearance; a file it
 * cannot read all the same counts as held until it is older than {@link #STALE_AFTER}.
 *
 * <p>The holder refreshes its heartbeat every {@link #HEARTBEAT}. It treats the lease as lost once a refresh
 * fails, once a newer generation appears, or once its last refresh is older than {@link #VALID_FOR}: half the
 * time a contender waits before a takeover, so that the holder stops before anyone may take over. A lost
 * lease cancels the run's Spark jobs at once (a write in progress then never commits).
 *
 * <p>Creating a file only if absent is atomic on a local file system and HDFS. Object stores without an atomic
 * create-if-absent (S3) narrow the race to a moment but do not close it; schedule one run at a time there.
 */
public final class Lease implements Fence, AutoCloseable {
    static final String PREFIX = "_clearance.lease.";
    static final Duration HEARTBEAT = Duration.ofSeconds(20);
    static final Duration STALE_AFTER = Duration.ofMinutes(2);
    static final Duration VALID_FOR = STALE_AFTER.dividedBy(2);

    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,18})");
    private static final Logger LOG = LoggerFactory.getLogger(Lease.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Configuration hadoop;
    private final Path root;
    private final long generation;
    private final Clock clock;
    private final ObjectNode content;
    private final Runnable onLost;
    private final ScheduledExecutorService heartbeat;
    private volatile Instant lastBeat;
    private volatile String lost;

    private Lease(FileSystem fs, Configuration hadoop, Path root, long generation, Clock clock, ObjectNode content,
                  Runnable onLost) {
        this.fs = fs;
        this.hadoop = hadoop;
        this.root = root;
        this.generation = generation;
        this.clock = clock;
        this.content = content;
        this.onLost = onLost;
        this.lastBeat = clock.instant();
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "clearance-lease-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the lease of {@code outputRoot} for {@code runId}, or fails with exit 5 naming the run holding it.
     *
     * @param onLost called once, from the heartbeat thread, when the lease is lost while held
     */
    public static Lease acquire(String outputRoot, String runId, Configuration hadoop, Clock clock, Runnable onLost) {
        Path root = new Path(outputRoot);
        try {
            FileSystem fs = root.getFileSystem(hadoop);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRawFileSystem();    // no .crc side files for a lease that is rewritten
            }
            fs.mkdirs(root);
            OptionalLong top = topGeneration(fs, root);
            if (top.isPresent()) {
                Path held = file(root, top.getAsLong());
                Optional<JsonNode> holder = read(fs, held);
                refuseWhileLive(fs, held, holder, outputRoot, clock);
                LOG.warn("taking over the lease of run {} (generation {}: {})",
                        holder.map(h -> h.path("run_id").asText()).orElse("?"), top.getAsLong(),
                        holder.isEmpty() ? "unreadable and older than " + STALE_AFTER.toMinutes() + " minutes"
                                : holderDiedHere(holder.get()) ? "its process is gone"
                                : "last heartbeat " + holder.get().path("heartbeat_at").asText());
            }
            long generation = top.orElse(0) + 1;
            ObjectNode content = JSON.createObjectNode()
                    .put("run_id", runId)
                    .put("owner", ManagementFactory.getRuntimeMXBean().getName())
                    .put("token", UUID.randomUUID().toString())
                    .put("generation", generation)
                    .put("acquired_at", clock.instant().toString())
                    .put("heartbeat_at", clock.instant().toString());
            if (!createExclusive(fs, file(root, generation), JSON.writeValueAsBytes(content))) {
                throw Errors.leaseRace(outputRoot, file(root, generation).toString());
            }
            for (FileStatus older : leaseFiles(fs, root)) {
                if (generationOf(older.getPath()) < generation) {
                    fs.delete(older.getPath(), false);
                }
            }
            return new Lease(fs, hadoop, root, generation, clock, content, onLost);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the run lease at " + root, e);
        }
    }

    /** The lease file of this holder. */
    public String path() {
        return file(root, generation).toString();
    }

    /** Throws (exit 5) unless this run still holds its lease, so that it stops before the commit it is about to make. */
    @Override
    public void check() {
        String reason = lost;
        if (reason == null) {
            Duration sinceBeat = Duration.between(lastBeat, clock.instant());
            if (sinceBeat.compareTo(VALID_FOR) > 0) {
                reason = "its last heartbeat was " + sinceBeat.toSeconds() + " s ago, longer than the "
                        + VALID_FOR.toSeconds() + " s a lease stays valid without one";
            } else {
                reason = stillHeld().orElse(null);
            }
        }
        if (reason != null) {
            throw Errors.leaseLost(content.path("run_id").asText(), path(), reason);
        }
    }

    /** Why this run no longer holds its lease, or empty while it does. */
    private Optional<String> stillHeld() {
        try {
            Optional<JsonNode> mine = read(fs, file(root, generation));
            if (mine.isEmpty() || !mine.get().path("token").asText().equals(content.path("token").asText())) {
                return Optional.of("its lease file was removed or replaced");
            }
            long top = topGeneration(fs, root).orElse(generation);
            if (top > generation) {
                String taker = read(fs, file(root, top)).map(h -> "run " + h.path("run_id").asText()).orElse("another run");
                return Optional.of(taker + " took the lease over (generation " + top + ")");
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("its lease could not be read: " + e);
        }
    }

    /** One heartbeat: still ours, then the refreshed lease renamed over the old one. Any failure loses the lease. */
    void beat() {
        if (lost != null) {
            return;
        }
        try {
            Optional<String> notHeld = stillHeld();
            if (notHeld.isPresent()) {
                lose(notHeld.get());
                return;
            }
            Instant now = clock.instant();
            ObjectNode refreshed = content.deepCopy().put("heartbeat_at", now.toString());
            replace(file(root, generation), JSON.writeValueAsBytes(refreshed));
            lastBeat = now;
        } catch (IOException | RuntimeException e) {
            lose("its heartbeat could not write " + path() + ": " + e);
        }
    }

    private void lose(String reason) {
        lost = reason;
        LOG.error("run {} lost its lease {}: {}; it stops before its next commit", content.path("run_id").asText(),
                path(), reason);
        heartbeat.shutdown();
        try {
            onLost.run();
        } catch (RuntimeException e) {
            LOG.warn("could not cancel the run's Spark jobs: {}", e.toString());
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
            Path mine = file(root, generation);
            Optional<JsonNode> current = read(fs, mine);
            if (current.isPresent() && current.get().path("token").asText().equals(content.path("token").asText())) {
                fs.delete(mine, false);
            }
        } catch (IOException e) {
            LOG.warn("could not release the run lease {}: {}", path(), e.toString());
        }
    }

    /** Refuses (exit 5) while the top lease is live: readable with a fresh heartbeat, or unreadable and young. */
    private static void refuseWhileLive(FileSystem fs, Path held, Optional<JsonNode> holder, String outputRoot,
                                        Clock clock) throws IOException {
        if (holder.isEmpty()) {
            Instant written;
            try {
                written = Instant.ofEpochMilli(fs.getFileStatus(held).getModificationTime());
            } catch (FileNotFoundException released) {
                return;
            }
            if (Duration.between(written, clock.instant()).compareTo(STALE_AFTER) <= 0) {
                throw Errors.leaseUnreadable(outputRoot, held.toString(), written.plus(STALE_AFTER));
            }
            return;
        }
        JsonNode h = holder.get();
        Instant heartbeatAt = heartbeatOf(h);
        if (Duration.between(heartbeatAt, clock.instant()).compareTo(STALE_AFTER) <= 0 && !holderDiedHere(h)) {
            throw Errors.leaseHeld(outputRoot, h.path("run_id").asText(), h.path("owner").asText(),
                    h.path("acquired_at").asText(), held.toString(), heartbeatAt.plus(STALE_AFTER));
        }
    }

    /** Creates the file with its whole content only if absent; false if it exists. */
    private static boolean createExclusive(FileSystem fs, Path path, byte[] content) throws IOException {
        URI uri = fs.makeQualified(path).toUri();
        if ("file".equals(uri.getScheme())) {
            java.nio.file.Path target = Paths.get(uri);
            java.nio.file.Path staged = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            Files.write(staged, content);
            try {
                Files.createLink(target, staged);    // link(2): atomic, fails if the target exists
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } finally {
                Files.deleteIfExists(staged);
            }
        }
        try (OutputStream out = fs.create(path, false)) {
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Replaces the file's content atomically: staged beside it, then renamed over it. */
    private void replace(Path path, byte[] content) throws IOException {
        Path staged = new Path(path.getParent(), path.getName() + "." + UUID.randomUUID() + ".tmp");
        URI uri = fs.makeQualified(path).toUri();
        if ("file".equals(uri.getScheme())) {
            java.nio.file.Path target = Paths.get(uri);
            java.nio.file.Path local = Paths.get(fs.makeQualified(staged).toUri());
            Files.write(local, content);
            Files.move(local, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        try (OutputStream out = fs.create(staged, false)) {
            out.write(content);
        }
        FileContext.getFileContext(uri, hadoop).rename(staged, path, Options.Rename.OVERWRITE);
    }

    private static OptionalLong topGeneration(FileSystem fs, Path root) throws IOException {
        return Arrays.stream(leaseFiles(fs, root)).mapToLong(f -> generationOf(f.getPath())).max();
    }

    private static FileStatus[] leaseFiles(FileSystem fs, Path root) throws IOException {
        return fs.listStatus(root, p -> NAME.matcher(p.getName()).matches());
    }

    private static long generationOf(Path path) {
        Matcher m = NAME.matcher(path.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static Path file(Path root, long generation) {
        return new Path(root, PREFIX + generation);
    }

    /**
     * True when the holder ran on this host (same host name) and its process no longer exists: a run killed
     * here is retried at once rather than after {@link #STALE_AFTER}. A reused pid only delays the takeover.
     */
    private static boolean holderDiedHere(JsonNode holder) {
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

    /** A readable lease without a parseable heartbeat was not written by Clearance: it counts as stale. */
    private static Instant heartbeatOf(JsonNode holder) {
        try {
            return Instant.parse(holder.path("heartbeat_at").asText());
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /** The lease's content; empty when it is gone or cannot be parsed (for example caught half-written). */
    private static Optional<JsonNode> read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            JsonNode node = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return node == null || !node.isObject() ? Optional.empty() : Optional.of(node);
        } catch (FileNotFoundException | JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
