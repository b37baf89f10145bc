package dev.clearance.openlineage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Properties;

/**
 * The release that produces the OpenLineage events. The spec asks for the producing code's URL with its version,
 * so that a consumer can tell which code wrote an event and find the schema of its custom facets: the repository
 * (pom.xml's {@code <url>}) at the release's tag, {@code v<version>} (decisions.md 44).
 *
 * <p>The version is the jar manifest's {@code Implementation-Version}, which says what was deployed; classes run
 * from a directory (tests, an IDE) have no manifest and use the pom's version that Maven filtered into
 * {@code release.properties}, next to the URL.
 */
final class Release {
    private static final Properties BUILD = load();
    static final String URL = BUILD.getProperty("url");
    static final String VERSION = version();
    /** The path of the custom run facet's JSON Schema in the repository, and in the jar under src/main/resources. */
    static final String FACET_SCHEMA_PATH = "dev/clearance/openlineage/ClearanceRunFacet.json";

    private Release() {}

    /** {@code <url>/tree/v<version>}: the source tree the events came from. */
    static URI producer() {
        return URI.create(URL + "/tree/v" + VERSION);
    }

    /**
     * The facet's schema at the release tag, as GitHub serves the file itself ({@code raw}; {@code blob} would be
     * a web page), with the fragment naming the facet's definition, as OpenLineage's own facets do.
     */
    static URI facetSchema() {
        return URI.create(URL + "/raw/v" + VERSION + "/src/main/resources/" + FACET_SCHEMA_PATH
                + "#/$defs/ClearanceRunFacet");
    }

    private static String version() {
        String manifest = Release.class.getPackage().getImplementationVersion();
        return manifest != null ? manifest : BUILD.getProperty("version");
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = Release.class.getResourceAsStream("release.properties")) {
            if (in == null) {
                throw new IllegalStateException("release.properties is missing from the classpath: a build without"
                        + " Maven's resource filtering");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
