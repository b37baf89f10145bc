package dev.clearance.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clearance.spark.DeltaTables.Commit;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A table's commits read from the commit files of its {@code _delta_log}, as the Delta protocol lays them out
 * ({@code <20-digit version>.json}, one action per line, one of them {@code commitInfo}). Delta's own
 * {@code history()} answers the same with a Spark job per call; a run looks up a version after each of its
 * commits, and these lookups were a tenth of a small run's Spark jobs (docs/performance.md).
 */
final class DeltaLogFiles {
    private static final Pattern COMMIT_FILE = Pattern.compile("(\\d{20})\\.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path log;

    DeltaLogFiles(Configuration hadoop, String table) {
        this.log = new Path(table, "_delta_log");
        try {
            this.fs = log.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + table, e);
        }
    }

    /** Versions of the commit files still in the log, newest first; empty when there is no log. */
    List<Long> versions() {
        FileStatus[] files;
        try {
            files = fs.listStatus(log);
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + log, e);
        }
        return Arrays.stream(files).map(f -> COMMIT_FILE.matcher(f.getPath().getName())).filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(1))).sorted(Comparator.reverseOrder()).toList();
    }

    /** The commit at {@code version}, or empty when log clean-up removed its file meanwhile. */
    Optional<Commit> commit(long version) {
        Path file = new Path(log, String.format("%020d.json", version));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode info = JSON.readTree(line).get("commitInfo");
                if (info != null) {
                    return Optional.of(new Commit(version, info.path("operation").asText(null),
                            info.path("userMetadata").asText(null)));
                }
            }
            return Optional.of(new Commit(version, null, null));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Delta commit file " + file, e);
        }
    }
}
