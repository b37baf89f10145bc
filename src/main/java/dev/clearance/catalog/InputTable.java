package dev.clearance.catalog;

import static dev.clearance.catalog.Columns.*;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The three tables of the catalog lake and the columns the contract requires of each. The required schema
 * is both what the reader checks an input against and the exact shape it hands to the rest of the job.
 */
public enum InputTable {
    TRACKS(TRACK_ID, List.of(
            field(TRACK_ID, DataTypes.StringType),
            field(UPLOADER_ID, DataTypes.StringType),
            field(TITLE, DataTypes.StringType),
            field(GENRE, DataTypes.StringType),
            field(DURATION_MS, DataTypes.LongType),
            field(AUDIO_URI, DataTypes.StringType),
            field(TAGS, DataTypes.createArrayType(DataTypes.StringType)),
            field(STATE, DataTypes.StringType),
            field(EMBEDDED_DMI, DataTypes.StringType),
            field(UPLOADED_AT, DataTypes.TimestampType))),
    LICENSES(LICENSE_ID, List.of(
            field(LICENSE_ID, DataTypes.StringType),
            field(TRACK_ID, DataTypes.StringType),
            field(LICENSOR_TYPE, DataTypes.StringType),
            field(LICENSOR_NAME, DataTypes.StringType),
            field(PROHIBITED_PURPOSES, DataTypes.createArrayType(DataTypes.StringType)),
            field(VALID_FROM, DataTypes.TimestampType),
            field(VALID_TO, DataTypes.TimestampType))),
    CONSENTS(EVENT_ID, List.of(
            field(EVENT_ID, DataTypes.StringType),
            field(USER_ID, DataTypes.StringType),
            field(PURPOSE, DataTypes.StringType),
            field(ACTION, DataTypes.StringType),
            field(EVENT_TS, DataTypes.TimestampType),
            field(SOURCE, DataTypes.StringType)));

    private final String keyColumn;
    private final StructType schema;

    InputTable(String keyColumn, List<StructField> fields) {
        this.keyColumn = keyColumn;
        this.schema = new StructType(fields.toArray(new StructField[0]));
    }

    /** The table's name as it appears in configuration, messages and the quarantine. */
    public String tableName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String keyColumn() {
        return keyColumn;
    }

    /** The required columns, all nullable, in the order the job projects them. */
    public StructType schema() {
        return schema;
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }
}
