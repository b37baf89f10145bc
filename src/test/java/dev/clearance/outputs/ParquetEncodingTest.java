package dev.clearance.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.Columns;
import dev.clearance.spark.DeltaTables;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The output files carry the writer settings of {@link OutputRoot#PARQUET_WRITER_SETTINGS}. */
@ExtendWith(SparkExtension.class)
class ParquetEncodingTest {

    /** The ledger's 30 rows repeat every id: without the settings every string column would get a dictionary. */
    @Test
    void columnsThatGrowWithTheCatalogAreWrittenWithoutADictionaryAndTheOthersWithOne() throws IOException {
        Map<String, Boolean> ledger = dictionaryPerColumn(AuditScenario.output().resolve(OutputRoot.LEDGER));

        assertThat(ledger).containsEntry(Columns.TRACK_ID, false)
                .containsEntry(Columns.LICENSE_IDS + ".list.element", false)
                .containsEntry(Columns.UPLOADER_ID, false)
                .containsEntry(Columns.CONSENT_EVENT_ID, false)
                .containsEntry(Columns.PURPOSE, true)
                .containsEntry(Columns.CONSENT_STATE, true)
                .containsEntry(Columns.REASONS + ".list.element", true);
    }

    /** Sixty curated rows sharing one uploader, one title and one genre: the uploader id gets no dictionary. */
    @Test
    void uploaderIdsAreWrittenWithoutADictionaryEvenWhenTheyRepeat(SparkSession spark, @TempDir Path dir)
            throws IOException {
        OutputRoot.PARQUET_WRITER_SETTINGS.forEach(spark.conf()::set);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            rows.add(RowFactory.create(String.format("t%09d", i), "u1", "Intro", "pop", 1000L, "s3://audio/" + i,
                    List.of(), List.of(), "NONE", null, "v1", "run-1", null));
        }
        String table = dir.resolve("curated").toString();
        DeltaTables.ensure(spark, table, OutputRoot.CURATED_SCHEMA, OutputRoot.CURATED_PROPERTIES);
        spark.createDataFrame(rows, OutputRoot.CURATED_SCHEMA).write().format("delta").mode("overwrite").save(table);

        assertThat(dictionaryPerColumn(Path.of(table))).containsEntry(Columns.UPLOADER_ID, false)
                .containsEntry(Columns.TITLE, true)
                .containsEntry(Columns.GENRE, true);
    }

    /** Per column path: whether every chunk of every data file of the table has a dictionary page. */
    private static Map<String, Boolean> dictionaryPerColumn(Path table) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(table)) {
            files = walk.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> !f.toString().contains("_delta_log")).toList();
        }
        assertThat(files).isNotEmpty();
        Map<String, Boolean> dictionary = new HashMap<>();
        for (Path file : files) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
                for (BlockMetaData block : reader.getFooter().getBlocks()) {
                    for (ColumnChunkMetaData column : block.getColumns()) {
                        dictionary.merge(column.getPath().toDotString(), column.hasDictionaryPage(),
                                Boolean::logicalAnd);
                    }
                }
            }
        }
        return dictionary;
    }
}
