package dev.clearance.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.catalog.Columns;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The output files carry the writer settings of {@link OutputTables#PARQUET_WRITER_SETTINGS}. */
@ExtendWith(SparkExtension.class)
class ParquetEncodingTest {

    /** The ledger's 30 rows repeat track ids: without the settings every string column would get a dictionary. */
    @Test
    void columnsUniquePerRowAreWrittenWithoutADictionaryAndTheOthersWithOne() throws IOException {
        Map<String, Boolean> ledger = dictionaryPerColumn(AuditScenario.output().resolve(OutputTables.LEDGER));

        assertThat(ledger).containsEntry(Columns.TRACK_ID, false)
                .containsEntry(Columns.LICENSE_IDS + ".list.element", false)
                .containsEntry(Columns.PURPOSE, true)
                .containsEntry(Columns.UPLOADER_ID, true)
                .containsEntry(Columns.REASONS + ".list.element", true);
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
