package dev.clearance.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.config.JobConfig.TableLocation;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ExitCode;
import dev.clearance.errors.InputContractException;
import dev.clearance.errors.QuarantineLimitException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import shaded.parquet.org.apache.thrift.protocol.TProtocolException;

/**
 * The classifier over the exception chains Spark 3.5 and Delta 3.3 produce (recorded from real failures: see the
 * comment of each case), with no Spark session.
 */
class UnreadableInputTest {
    private static final String FILE = "part-00000-1c2d-c000.snappy.parquet";
    private static final Map<InputTable, TableLocation> LAKE = Map.of(
            InputTable.TRACKS, new TableLocation("/lake/tracks", TableFormat.DELTA),
            InputTable.LICENSES, new TableLocation("/lake/licenses", TableFormat.PARQUET),
            InputTable.CONSENTS, new TableLocation("s3a://bucket/lake/consents", TableFormat.DELTA));

    @Test
    void aFileThatIsNotParquetInADeltaInputNamesTableAndFile() {
        // A data file overwritten with garbage: Parquet's footer check, raised in the task, under the job's failure
        // (wrapped once more by the run's parallel actions).
        RuntimeException footer = thrownBy(new RuntimeException("file:/lake/tracks/" + FILE
                + " is not a Parquet file. Expected magic number at tail, but found [91, 24, -115, 73]"),
                "org.apache.parquet.hadoop.ParquetFileReader");
        Throwable failure = new IllegalStateException(jobAborted(footer));

        InputContractException e = UnreadableInput.classify(failure, LAKE).orElseThrow();

        assertThat(e.getMessage()).isEqualTo("input table tracks: cannot read file /lake/tracks/" + FILE
                + " (corrupt Parquet); restore or rewrite the file, or repair the table, then run again;"
                + " nothing was published");
        assertThat(e.exitCode()).isEqualTo(ExitCode.INPUT_CONTRACT);
        assertThat(e.getCause()).isSameAs(failure);
    }

    @Test
    void corruptPagesAreCorruptWhateverTheExceptionRaisedWhileDecoding() {
        // Spark names the file of a Parquet table as file:///...; the page header's thrift decoding fails.
        IOException header = thrownBy(new IOException("can not read class org.apache.parquet.format.PageHeader:"
                + " don't know what type: 15", new TProtocolException("don't know what type: 15")),
                "org.apache.parquet.format.Util");
        // Page bytes that decompress to garbage: the JDK's buffer refuses a negative length asked by Parquet.
        IllegalArgumentException length = thrownBy(new IllegalArgumentException("newLimit < 0: (-1090517293 < 0)"),
                "java.nio.Buffer", "org.apache.parquet.bytes.SingleBufferInputStream");
        // Snappy refuses the page, under Spark's vectorized reader.
        RuntimeException page = thrownBy(new RuntimeException(new IOException("could not read page Page [...]",
                thrownBy(new IOException("FAILED_TO_UNCOMPRESS(5)"), "org.xerial.snappy.SnappyNative"))),
                "org.apache.spark.sql.execution.datasources.parquet.VectorizedColumnReader$1");

        for (Throwable cause : new Throwable[] {header, length, page}) {
            Throwable failure = jobAborted(readingFile("file:///lake/licenses/" + FILE, cause));
            assertThat(UnreadableInput.classify(failure, LAKE)).get().extracting(Throwable::getMessage)
                    .asString().startsWith("input table licenses: cannot read file /lake/licenses/" + FILE
                            + " (corrupt Parquet)");
        }
    }

    @Test
    void aChecksumMismatchSaysSo() {
        Throwable failure = jobAborted(new ChecksumException("Checksum error: file:/lake/tracks/" + FILE
                + " at 6144 exp: -274732469 got: -1414822379", 6144));

        assertThat(message(failure)).contains("cannot read file /lake/tracks/" + FILE
                + " (checksum mismatch: corrupt, or rewritten without its .crc file)");
    }

    @Test
    void aDataFileListedInTheDeltaLogButMissing() {
        // Spark's SparkFileNotFoundException is a FileNotFoundException, as is Delta's DELTA_FILE_NOT_FOUND_DETAILED.
        Throwable failure = jobAborted(new FileNotFoundException("File file:/lake/tracks/" + FILE
                + " does not exist\nIt is possible the underlying files have been updated."));

        assertThat(message(failure)).isEqualTo("input table tracks: cannot read file /lake/tracks/" + FILE
                + " (listed in the Delta log but missing); restore the file, or repair the table so that its log no"
                + " longer lists it, then run again; nothing was published");
    }

    @Test
    void aFileGoneFromAParquetTableIsATableRewrittenDuringTheRunWhichARetryGetsPast() {
        Throwable failure = jobAborted(new FileNotFoundException("File file:/lake/licenses/" + FILE + " does not exist"));

        assertThat(UnreadableInput.classify(failure, LAKE)).isEmpty();
    }

    @Test
    void permissionDeniedAsHdfsS3aAndALocalFileSystemReportIt() {
        Map<InputTable, TableLocation> hdfs = Map.of(
                InputTable.TRACKS, new TableLocation("hdfs://nn:8020/lake/tracks", TableFormat.DELTA));
        Throwable byHdfs = jobAborted(new AccessControlException("Permission denied: user=clearance, access=READ,"
                + " inode=\"/lake/tracks/" + FILE + "\":etl:etl:-rw-------"));
        assertThat(message(byHdfs, hdfs)).isEqualTo("input table tracks: cannot read file /lake/tracks/" + FILE
                + " (permission denied); let the job's user read the table's files, then run again;"
                + " nothing was published");

        Throwable byS3a = jobAborted(new AccessDeniedException("s3a://bucket/lake/consents/" + FILE + ": getObject on"
                + " s3a://bucket/lake/consents/" + FILE + ": Forbidden (Service: Amazon S3; Status Code: 403)"));
        assertThat(message(byS3a)).startsWith("input table consents: cannot read file s3a://bucket/lake/consents/"
                + FILE + " (permission denied)");

        Throwable local = jobAborted(new FileNotFoundException("/lake/licenses/" + FILE + " (Permission denied)"));
        assertThat(message(local)).startsWith("input table licenses: cannot read file /lake/licenses/" + FILE
                + " (permission denied)");
    }

    @Test
    void aFileOfAnOutputTableOrAFailureNamingNoFileIsNotAnInputsFault() {
        RuntimeException corrupt = thrownBy(new RuntimeException("file:/out/lineage/current/" + FILE
                + " is not a Parquet file"), "org.apache.parquet.hadoop.ParquetFileReader");
        assertThat(UnreadableInput.classify(jobAborted(corrupt), LAKE)).isEmpty();

        IOException pathless = thrownBy(new IOException("can not read FileMetaData: don't know what type: 15"),
                "org.apache.parquet.format.Util");
        assertThat(UnreadableInput.classify(jobAborted(pathless), LAKE)).isEmpty();

        // Another table whose name starts like an input's.
        RuntimeException sibling = thrownBy(new RuntimeException("file:/lake/tracks_old/" + FILE
                + " is not a Parquet file"), "org.apache.parquet.hadoop.ParquetFileReader");
        assertThat(UnreadableInput.classify(jobAborted(sibling), LAKE)).isEmpty();
    }

    @Test
    void aStorageOrNetworkErrorWhileReadingAnInputStaysAnInfrastructureFailure() {
        Throwable timeout = jobAborted(readingFile("s3a://bucket/lake/consents/" + FILE,
                new SocketTimeoutException("Read timed out")));
        assertThat(UnreadableInput.classify(timeout, LAKE)).isEmpty();

        // Even under Parquet's own frames: a network error anywhere in the chain wins.
        Throwable underParquet = jobAborted(readingFile("s3a://bucket/lake/consents/" + FILE, thrownBy(
                new IOException("reading the footer", new SocketTimeoutException("Read timed out")),
                "org.apache.parquet.hadoop.ParquetFileReader")));
        assertThat(UnreadableInput.classify(underParquet, LAKE)).isEmpty();

        Throwable storage = jobAborted(readingFile("s3a://bucket/lake/consents/" + FILE, thrownBy(
                new IOException("Stream is closed!"), "org.apache.hadoop.fs.s3a.S3AInputStream")));
        assertThat(UnreadableInput.classify(storage, LAKE)).isEmpty();
    }

    @Test
    void aFailureTheContractAlreadyNamesIsKept() {
        assertThat(UnreadableInput.classify(new QuarantineLimitException("file:/lake/tracks/" + FILE), LAKE)).isEmpty();
    }

    @Test
    void aSuppressedFailureAndAnUrlEncodedPathAreFound() {
        Map<InputTable, TableLocation> spaced = Map.of(
                InputTable.CONSENTS, new TableLocation("/data/my lake/consents", TableFormat.DELTA));
        Throwable first = new IllegalStateException("interrupted while waiting for Spark");
        first.addSuppressed(jobAborted(readingFile("file:/data/my%20lake/consents/" + FILE, thrownBy(
                new RuntimeException("corrupt"), "org.apache.parquet.hadoop.ParquetFileReader"))));

        assertThat(message(first, spaced)).startsWith("input table consents: cannot read file /data/my lake/consents/"
                + FILE + " (corrupt Parquet)");
    }

    @Test
    void locationsAreComparedWrittenOneWay() {
        assertThat(UnreadableInput.canonical("file:///lake/tracks/")).isEqualTo("/lake/tracks");
        assertThat(UnreadableInput.canonical("file:/lake/tracks")).isEqualTo("/lake/tracks");
        assertThat(UnreadableInput.canonical("denied:///lake/tracks")).isEqualTo("denied:/lake/tracks");
        assertThat(UnreadableInput.canonical("S3A://bucket/lake")).isEqualTo("s3a://bucket/lake");
        assertThat(UnreadableInput.paths("inode=\"denied:/lake/x.parquet\", and file:///lake/y.parquet. Details:"))
                .containsExactly("denied:/lake/x.parquet", "/lake/y.parquet");
    }

    private static String message(Throwable failure) {
        return message(failure, LAKE);
    }

    private static String message(Throwable failure, Map<InputTable, TableLocation> lake) {
        Optional<InputContractException> e = UnreadableInput.classify(failure, lake);
        assertThat(e).as("classified").isPresent();
        return e.get().getMessage();
    }

    /** As the driver receives a failed task: the job's failure, its message repeating the task's. */
    private static SparkException jobAborted(Throwable task) {
        return new SparkException("Job aborted due to stage failure: Task 0 in stage 40.0 failed 1 times, most recent"
                + " failure: Lost task 0.0 in stage 40.0 (TID 37) (192.0.2.2 executor driver): " + task, task);
    }

    /** Spark's FileScanRDD wrapper (_LEGACY_ERROR_TEMP_2064) around what reading the file raised. */
    private static SparkException readingFile(String path, Throwable cause) {
        return new SparkException("Encountered error while reading file " + path + ". Details:", cause);
    }

    /** {@code t} as if raised in {@code classes} (innermost first), as the classifier looks at where it was raised. */
    private static <T extends Throwable> T thrownBy(T t, String... classes) {
        StackTraceElement[] frames = new StackTraceElement[classes.length + 1];
        for (int i = 0; i < classes.length; i++) {
            frames[i] = new StackTraceElement(classes[i], "read", null, -1);
        }
        frames[classes.length] = new StackTraceElement("org.apache.spark.executor.Executor$TaskRunner", "run", null, -1);
        t.setStackTrace(frames);
        return t;
    }
}
