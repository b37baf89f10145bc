package dev.clearance.catalog;

import dev.clearance.config.JobConfig.TableLocation;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.InputContractException;
import dev.clearance.errors.RunConflictException;
import dev.clearance.spark.DeltaTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an input table at one exact version and checks it against the schema contract before anything is
 * written. A Delta table is pinned with versionAsOf; a Parquet table is identified by a fingerprint of its
 * files (it has no versions to pin, so a resumed run refuses a Parquet table that changed).
 */
public final class LakeReader {
    private static final Logger LOG = LoggerFactory.getLogger(LakeReader.class);

    private LakeReader() {}

    /** An input as the run sees it: the rows (all columns, as stored) and the version they come from. */
    public record Snapshot(InputTable table, InputVersion version, Dataset<Row> rows) {}

    public static Snapshot open(SparkSession spark, InputTable table, TableLocation location,
                                Optional<InputVersion> pinned) {
        String path = location.path();
        Path hadoopPath = new Path(path);
        FileSystem fs = fileSystem(spark, hadoopPath);
        if (!exists(fs, hadoopPath)) {
            throw new InputContractException("input table " + table.tableName() + " not found at " + path
                    + " (format " + location.format().yamlName() + "); check lake." + table.tableName()
                    + ".path in the job configuration");
        }
        Snapshot snapshot = location.format() == TableFormat.DELTA
                ? openDelta(spark, table, path, pinned)
                : openParquet(spark, table, path, fs, hadoopPath, pinned);
        Conform.check(table, path, snapshot.rows().schema());
        return snapshot;
    }

    private static Snapshot openDelta(SparkSession spark, InputTable table, String path, Optional<InputVersion> pinned) {
        if (!DeltaTables.exists(spark, path)) {
            throw new InputContractException("input table " + table.tableName() + " at " + path
                    + " is not a Delta table (no _delta_log); set lake." + table.tableName() + ".format to parquet"
                    + " if it is plain Parquet");
        }
        long version = pinned.map(InputVersion::version).orElseGet(() -> DeltaTables.version(spark, path));
        LOG.info("reading {} (delta v{}) from {}", table.tableName(), version, path);
        Dataset<Row> rows = spark.read().format("delta").option("versionAsOf", version).load(path);
        return new Snapshot(table, new InputVersion(table.tableName(), "delta", path, version, null), rows);
    }

    private static Snapshot openParquet(SparkSession spark, InputTable table, String path, FileSystem fs,
                                        Path hadoopPath, Optional<InputVersion> pinned) {
        String fingerprint = fingerprint(fs, hadoopPath);
        pinned.ifPresent(p -> {
            if (!fingerprint.equals(p.fingerprint())) {
                throw new RunConflictException("input table " + table.tableName() + " at " + path
                        + " changed since this run first read it (Parquet fingerprint " + p.fingerprint() + ", now "
                        + fingerprint + "); its decisions are already in the ledger, so it cannot be completed on"
                        + " other data. Restore the files, or start a new run with another --run-id.");
            }
        });
        LOG.info("reading {} (parquet {}) from {}", table.tableName(), fingerprint, path);
        Dataset<Row> rows = spark.read().parquet(path);
        return new Snapshot(table, new InputVersion(table.tableName(), "parquet", path, null, fingerprint), rows);
    }

    /** SHA-256 over the sorted (relative path, length, modification time) of the table's data files. */
    static String fingerprint(FileSystem fs, Path root) {
        try {
            List<String> entries = new ArrayList<>();
            String prefix = fs.makeQualified(root).toString();
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
            while (files.hasNext()) {
                LocatedFileStatus file = files.next();
                String relative = file.getPath().toString().substring(prefix.length());
                if (isDataFile(relative)) {
                    entries.add(relative + "\t" + file.getLen() + "\t" + file.getModificationTime());
                }
            }
            entries.sort(null);
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String entry : entries) {
                digest.update((entry + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "sha256:" + HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isDataFile(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith("_") && !part.contains("=") || part.startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    private static FileSystem fileSystem(SparkSession spark, Path path) {
        try {
            return path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + path, e);
        }
    }

    private static boolean exists(FileSystem fs, Path path) {
        try {
            return fs.exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path, e);
        }
    }
}
