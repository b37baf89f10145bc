package dev.clearance.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.clearance.errors.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Binds a YAML file to a typed configuration record, strictly: an unknown key, a missing file or a value
 * of the wrong type is a {@link ConfigException} that names the file and the key path.
 */
public final class YamlFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private YamlFiles() {}

    /** The file's bytes; read once so that what is parsed is exactly what is hashed. */
    public static byte[] readBytes(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    public static <T> T bind(byte[] yaml, Path file, Class<T> type) {
        try {
            T value = MAPPER.readValue(yaml, type);
            if (value == null) {
                throw new ConfigException(file + " is empty");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", ", " (known keys here: ", ")"));
            throw new ConfigException(file + ": unknown key '" + keyPath(e) + "'" + known, e);
        } catch (JsonMappingException e) {
            throw new ConfigException(file + ": bad value at '" + keyPath(e) + "': " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + " is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    /** Fails with the key path when a required key is absent. */
    public static <T> T required(T value, Path file, String key) {
        if (value == null) {
            throw new ConfigException(file + ": missing required key '" + key + "'");
        }
        return value;
    }
}
