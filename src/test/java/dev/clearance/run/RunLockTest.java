package dev.clearance.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.errors.ExitCode;
import dev.clearance.errors.RunConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run at a time per output root, and a dead holder's lease expires. */
class RunLockTest {
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path root;

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    @Test
    @SuppressWarnings("try")    // the lease is held, not used
    void aSecondRunIsRefusedWithExitFiveNamingTheHolderUntilTheFirstReleases() {
        Path lease = root.resolve("out").resolve(RunLock.FILE_NAME);
        try (RunLock first = RunLock.acquire(root.resolve("out").toString(), "daily-1", HADOOP, at(NOW))) {
            assertThat(lease).exists();
            assertThatThrownBy(() -> RunLock.acquire(root.resolve("out").toString(), "daily-2", HADOOP,
                    at(NOW.plus(RunLock.STALE_AFTER))))
                    .isInstanceOf(RunConflictException.class)
                    .hasMessageContaining("run daily-1 (")
                    .hasMessageContaining("is running on output root " + root.resolve("out"))
                    .satisfies(e -> assertThat(((RunConflictException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        }
        assertThat(lease).doesNotExist();
        RunLock.acquire(root.resolve("out").toString(), "daily-2", HADOOP, at(NOW)).close();
        assertThat(root.resolve("out")).isDirectoryNotContaining("glob:**.crc");
    }

    @Test
    @SuppressWarnings("try")    // the lease is held, not used
    void aLeaseWhoseHolderStoppedHeartbeatingIsTakenOverAndNotDeletedByItsFormerHolder() throws Exception {
        String out = root.toString();
        RunLock dead = RunLock.acquire(out, "killed", HADOOP, at(NOW));
        try (RunLock next = RunLock.acquire(out, "next", HADOOP,
                at(NOW.plus(RunLock.STALE_AFTER).plusSeconds(1)))) {
            dead.close();
            assertThat(Files.readString(root.resolve(RunLock.FILE_NAME))).contains("\"run_id\":\"next\"");
        }
        assertThat(root.resolve(RunLock.FILE_NAME)).doesNotExist();
    }

    @Test
    void anUnreadableLeaseCountsAsStale() throws Exception {
        Files.writeString(root.resolve(RunLock.FILE_NAME), "not json {");
        RunLock.acquire(root.toString(), "next", HADOOP, at(NOW)).close();
        assertThat(root.resolve(RunLock.FILE_NAME)).doesNotExist();
    }
}
