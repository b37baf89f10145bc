package dev.clearance.testing;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.sql.SparkSession;

/**
 * The local file system under the scheme {@code denied:}, refusing to open any Parquet file as HDFS refuses a
 * user without read permission (tests run as root, so chmod denies nothing). Listing and the Delta log stay
 * readable, so a table opens and its data files are refused when read.
 */
public final class DenyingFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "denied";

    /** Makes {@code denied:} paths readable (up to their Parquet files) by the session and its tasks. */
    public static void register(SparkSession spark) {
        spark.sparkContext().hadoopConfiguration().set("fs." + SCHEME + ".impl", DenyingFileSystem.class.getName());
    }

    /** {@code path} (a local absolute path) under this file system. */
    public static String uri(java.nio.file.Path path) {
        return SCHEME + "://" + path.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    // The local file system reads permissions through java.io.File, which takes file: URIs only: report none.
    @Override
    public FileStatus[] listStatus(Path dir) throws IOException {
        return Arrays.stream(super.listStatus(dir)).map(DenyingFileSystem::withoutPermissions).toArray(FileStatus[]::new);
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        return withoutPermissions(super.getFileStatus(path));
    }

    private static FileStatus withoutPermissions(FileStatus status) {
        return new FileStatus(status.getLen(), status.isDirectory(), status.getReplication(), status.getBlockSize(),
                status.getModificationTime(), status.getPath());
    }

    @Override
    public FSDataInputStream open(Path file, int bufferSize) throws IOException {
        if (file.getName().endsWith(".parquet")) {
            throw new AccessControlException("Permission denied: user=clearance, access=READ, inode=\"" + file + "\"");
        }
        return super.open(file, bufferSize);
    }
}
