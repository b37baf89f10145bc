package dev.clearance.openlineage;

import io.openlineage.client.OpenLineage;
import java.net.URI;

/**
 * Clearance's own run facet ({@code clearance_run}). Its fields are the client's additional properties, as for any
 * custom facet; the class exists to point {@code _schemaURL} at the facet's own JSON Schema
 * (src/main/resources/dev/clearance/openlineage/ClearanceRunFacet.json) rather than at the generic
 * {@code RunFacet} definition, against which nothing about the content can be checked.
 */
final class ClearanceRunFacet extends OpenLineage.DefaultRunFacet {
    /** The key in {@code run.facets}: custom facets are named {@code <prefix>_<name>} (OpenLineage spec). */
    static final String KEY = "clearance_run";
    private static final URI SCHEMA = Release.facetSchema();

    ClearanceRunFacet(URI producer) {
        super(producer);
    }

    @Override
    public URI get_schemaURL() {
        return SCHEMA;
    }
}
