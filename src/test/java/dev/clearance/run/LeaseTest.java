package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.errors.ExitCode;
import dev.clearance.errors.RunConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease as a fence: one holder, takeovers that cannot both win, and a holder that knows when it lost. */
class LeaseTest {
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path root;

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private Lease acquire(String runId, Clock clock) {
        return Lease.acquire(root.toString(), runId, HADOOP, clock, () -> {});
    }

    private Path file(long generation) {
        return root.resolve(Lease.PREFIX + generation);
    }

    @Test
    @SuppressWarnings("try")    // the lease is held, not used
    void aSecondRunIsRefusedWithExitFiveNamingTheHolderUntilTheFirstReleases() {
        try (Lease first = acquire("daily-1", at(NOW))) {
            assertThat(file(1)).exists();
            first.check();
            assertThatThrownBy(() -> acquire("daily-2", at(NOW.plus(Lease.STALE_AFTER))))
                    .isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("run daily-1 (")
                    .hasMessageContaining("is running on output root " + root)
                    .hasMessageContaining("expires at " + NOW.plus(Lease.STALE_AFTER))
                    .satisfies(e -> assertThat(((RunConflictException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        }
        assertThat(root).isEmptyDirectory();
        acquire("daily-2", at(NOW)).close();
        assertThat(root).isEmptyDirectory();    // no .crc or staged files either
    }

    @Test
    void aStaleLeaseIsTakenOverAndItsFormerHolderStopsBeforeItsNextCommitWithoutTouchingTheNewLease()
            throws Exception {
        Lease dead = acquire("stalled", at(NOW));
        try (Lease next = acquire("next", at(NOW.plus(Lease.STALE_AFTER).plusSeconds(1)))) {
            assertThat(file(1)).doesNotExist();
            assertThat(Files.readString(file(2))).contains("\"run_id\":\"next\"").contains("\"generation\":2");
            assertThatThrownBy(dead::check).isInstanceOf(RunConflictException.class)
                    .hasMessage("run stalled lost its lease " + dead.path() + " (its lease file was removed or"
                            + " replaced) and stopped before its next commit; what it committed so far is consistent."
                            + " Run the same --run-id again to complete it once no other run holds the output root.");
            dead.close();
            next.check();
            assertThat(Files.readString(file(2))).contains("\"run_id\":\"next\"");
        }
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aHolderSeesANewerGenerationAsATakeover() throws Exception {
        try (Lease holder = acquire("holder", at(NOW))) {
            Files.writeString(file(2), "{\"run_id\":\"intruder\"}");
            assertThatThrownBy(holder::check).isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("run holder lost its lease")
                    .hasMessageContaining("(run intruder took the lease over (generation 2))");
        }
        assertThat(file(2)).exists();
    }

    @Test
    @SuppressWarnings("try")    // the lease is held, not used
    void aLeaseCaughtHalfWrittenCountsAsHeldUntilItIsOlderThanTheExpiry() throws Exception {
        Path partial = file(7);
        Files.writeString(partial, "{\"run_id\":\"writ");
        Instant written = NOW.minusSeconds(30);
        Files.setLastModifiedTime(partial, FileTime.from(written));
        assertThatThrownBy(() -> acquire("next", at(written.plus(Lease.STALE_AFTER))))
                .isInstanceOf(RunConflictException.class)
                .hasMessage("the run lease " + partial + " of output root " + root + " cannot be read (being"
                        + " written, or damaged); it counts as held until " + written.plus(Lease.STALE_AFTER)
                        + ". Run again after that, or remove the file once you are sure no run is using this output root.");

        Files.setLastModifiedTime(partial, FileTime.from(NOW.minus(Lease.STALE_AFTER).minusSeconds(1)));
        try (Lease next = acquire("next", at(NOW))) {
            assertThat(partial).doesNotExist();
            assertThat(Files.readString(file(8))).contains("\"run_id\":\"next\"");
        }
    }

    @Test
    void ofTwoTakeoversAtTheSameMomentExactlyOneWins() throws Exception {
        acquire("stalled", at(NOW));
        int contenders = 6;
        CyclicBarrier start = new CyclicBarrier(contenders);
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        AtomicInteger refused = new AtomicInteger();
        List<Future<Lease>> attempts = new ArrayList<>();
        Clock later = at(NOW.plus(Lease.STALE_AFTER).plusSeconds(1));
        for (int i = 0; i < contenders; i++) {
            String runId = "taker-" + i;
            Callable<Lease> take = () -> {
                start.await();
                try {
                    return acquire(runId, later);
                } catch (RunConflictException e) {
                    refused.incrementAndGet();
                    return null;
                }
            };
            attempts.add(pool.submit(take));
        }
        List<Lease> winners = new ArrayList<>();
        for (Future<Lease> attempt : attempts) {
            Lease lease = attempt.get(30, TimeUnit.SECONDS);
            if (lease != null) {
                winners.add(lease);
            }
        }
        pool.shutdown();
        // Whoever came after the first takeover saw a live lease; whoever raced it lost the create.
        assertThat(winners).hasSize(1);
        assertThat(refused).hasValue(contenders - 1);
        winners.get(0).check();
        winners.get(0).close();
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aHeartbeatThatCannotWriteLosesTheLeaseAndCancelsTheRun() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        try (Lease lease = Lease.acquire(root.toString(), "run", HADOOP, at(NOW), cancelled::incrementAndGet)) {
            lease.beat();
            lease.check();
            // The lease file becomes a directory: the staged heartbeat cannot be renamed over it.
            Files.delete(file(1));
            Files.createDirectories(file(1).resolve("blocker"));
            Files.writeString(file(1).resolve("blocker").resolve("x"), "x");
            lease.beat();
            assertThat(cancelled).hasValue(1);
            assertThatThrownBy(lease::check).isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("run run lost its lease");
            lease.beat();
            assertThat(cancelled).hasValue(1);
        }
    }

    @Test
    void aHolderWhoseHeartbeatIsOverdueStopsBeforeAnyoneMayTakeOver() {
        TestClock clock = new TestClock(NOW);
        try (Lease lease = acquire("slow", clock)) {
            clock.set(NOW.plus(Lease.VALID_FOR));
            lease.check();
            clock.set(NOW.plus(Lease.VALID_FOR).plusSeconds(1));
            assertThatThrownBy(lease::check).isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("its last heartbeat was 61 s ago, longer than the 60 s a lease stays valid");
            assertThat(Lease.VALID_FOR).isLessThan(Lease.STALE_AFTER);
            lease.beat();
            lease.check();
        }
    }
}
