package dev.clearance.cli;

import static dev.clearance.testing.Fixtures.consent;
import static dev.clearance.testing.Fixtures.license;
import static dev.clearance.testing.Fixtures.track;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.InputTable;
import dev.clearance.errors.ExitCode;
import dev.clearance.runlog.RunStatus;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.Cli;
import dev.clearance.testing.DenyingFileSystem;
import dev.clearance.testing.Fixtures;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * §11: an input file that cannot be read fails the run with exit 3 and one line naming the table and the file,
 * before anything is published, and without a stack trace on stderr unless --verbose.
 */
@ExtendWith(SparkExtension.class)
class UnreadableInputCliTest {
    private static final String AS_OF = "2026-06-01T00:00:00Z";

    @TempDir
    Path dir;

    @BeforeAll
    static void deniedScheme(SparkSession spark) {
        DenyingFileSystem.register(spark);
    }

    @Test
    void aCorruptFileInAParquetInputExitsThreeInOneLineAndVerboseAddsTheStackTrace(SparkSession spark)
            throws IOException {
        writeLake("parquet");
        Path config = config("parquet");
        Path file = dataFile("tracks");
        overwriteWithGarbage(file);

        Cli.Result result = Cli.run("run", "--config", config.toString(), "--as-of", AS_OF);

        assertExitThree(result, "input table tracks: cannot read file " + file + " (corrupt Parquet); restore or"
                + " rewrite the file, or repair the table, then run again; nothing was published");
        assertNothingPublished(spark);

        Cli.Result verbose = Cli.run("run", "--config", config.toString(), "--as-of", AS_OF, "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(ExitCode.INPUT_CONTRACT.code());
        assertThat(verbose.err()).contains("clearance: input table tracks: cannot read file " + file)
                .contains("dev.clearance.errors.InputContractException: input table tracks")
                .contains("Caused by: ").contains("\tat org.apache.parquet.hadoop.ParquetFileReader");
    }

    @Test
    void corruptPagesOfADeltaInputFailBeforeAnyOutputIsCommitted(SparkSession spark) throws IOException {
        writeLake("delta");
        Path file = dataFile("tracks");
        // Not the key column: the counts and duplicate-key scans pass, the quarantine write reads every column.
        corruptColumn(file, "title");

        Cli.Result result = Cli.run("run", "--config", config("delta").toString(), "--as-of", AS_OF);

        assertExitThree(result, "input table tracks: cannot read file " + file + " (corrupt Parquet); restore or"
                + " rewrite the file, or repair the table, then run again; nothing was published");
        assertNothingPublished(spark);
    }

    @Test
    void aDataFileListedInTheDeltaLogButMissingExitsThree(SparkSession spark) throws IOException {
        writeLake("delta");
        Path file = dataFile("licenses");
        Files.delete(file);

        Cli.Result result = Cli.run("run", "--config", config("delta").toString(), "--as-of", AS_OF);

        assertExitThree(result, "input table licenses: cannot read file " + file + " (listed in the Delta log but"
                + " missing); restore the file, or repair the table so that its log no longer lists it, then run"
                + " again; nothing was published");
        assertNothingPublished(spark);
    }

    @Test
    void permissionDeniedOnADeltaOrAParquetInputExitsThree(SparkSession spark) throws IOException {
        for (String format : List.of("delta", "parquet")) {
            writeLake(format);
            Path file = dataFile("consents");
            String consents = DenyingFileSystem.uri(dir.resolve("lake/consents"));
            Path config = Fixtures.write(dir.resolve("clearance.yaml"), Files.readString(config(format))
                    .replace(dir.resolve("lake/consents").toString(), consents));

            Cli.Result result = Cli.run("run", "--config", config.toString(), "--as-of", AS_OF);

            assertExitThree(result, "input table consents: cannot read file " + DenyingFileSystem.SCHEME + ":" + file
                    + " (permission denied); let the job's user read the table's files, then run again;"
                    + " nothing was published");
            assertNothingPublished(spark);
        }
    }

    private static void assertExitThree(Cli.Result result, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.INPUT_CONTRACT.code());
        assertThat(result.out()).isEmpty();
        assertThat(result.err().lines().filter(line -> line.startsWith("clearance:")))
                .containsExactly("clearance: " + message);
        assertThat(result.err()).doesNotContain("\tat ");
    }

    /** No curated table, no ledger, no quarantine row, and no run recorded as SUCCEEDED. */
    private void assertNothingPublished(SparkSession spark) {
        Path out = dir.resolve("out");
        assertThat(out.resolve("curated")).doesNotExist();
        assertThat(out.resolve("lineage")).doesNotExist();
        if (DeltaTables.exists(spark, out.resolve("quarantine").toString())) {
            assertThat(DeltaTables.read(spark, out.resolve("quarantine").toString()).count()).isZero();
        }
        if (DeltaTables.exists(spark, out.resolve("runs").toString())) {
            assertThat(DeltaTables.read(spark, out.resolve("runs").toString()).collectAsList())
                    .extracting(r -> r.getAs("status")).doesNotContain(RunStatus.SUCCEEDED.name());
        }
    }

    /** The three tables in {@code format}, one data file each, replacing an earlier lake and its outputs. */
    private void writeLake(String format) throws IOException {
        delete(dir.resolve("lake"));
        delete(dir.resolve("out"));
        write(InputTable.TRACKS, format, List.of(track("t1", "u1", "ACTIVE", null, null),
                track("t2", "u2", "ACTIVE", List.of("ambient"), null)));
        write(InputTable.LICENSES, format, List.of(license("l1", "t1", "SELF", null, null, null)));
        write(InputTable.CONSENTS, format, List.of(consent("e1", "u1", "*", "OPT_IN", "2026-01-01T00:00:00Z")));
    }

    private void write(InputTable table, String format, List<Row> rows) {
        Fixtures.frame(table, rows).coalesce(1).write().format(format).save(dir.resolve("lake")
                .resolve(table.tableName()).toString());
    }

    /** The configuration of Fixtures over this lake, every input in {@code format}. */
    private Path config(String format) throws IOException {
        Path config = Fixtures.writeConfig(dir, Fixtures.DEFAULT_POLICY, 0.01);
        return Files.writeString(config, Files.readString(config).replace("format: delta", "format: " + format));
    }

    /** The table's only data file; its Hadoop checksum is removed so that the test can rewrite it as S3 would. */
    private Path dataFile(String table) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("lake").resolve(table))) {
            Path file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
            return file;
        }
    }

    private static void overwriteWithGarbage(Path file) throws IOException {
        byte[] bytes = new byte[(int) Files.size(file)];
        Arrays.fill(bytes, (byte) 0x5a);
        Files.write(file, bytes);
    }

    /** Overwrites the pages of one column, leaving the footer (and so the schema and row counts) intact. */
    private static void corruptColumn(Path file, String column) throws IOException {
        ColumnChunkMetaData chunk;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toString()), new Configuration()))) {
            chunk = reader.getFooter().getBlocks().get(0).getColumns().stream()
                    .filter(c -> c.getPath().toDotString().equals(column)).findFirst().orElseThrow();
        }
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] bytes = new byte[(int) chunk.getTotalSize()];
            Arrays.fill(bytes, (byte) 0x5a);
            out.seek(chunk.getStartingPos());
            out.write(bytes);
        }
    }

    private static void delete(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
