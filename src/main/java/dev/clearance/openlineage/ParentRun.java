package dev.clearance.openlineage;

import dev.clearance.errors.ConfigException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The OpenLineage run that started this one (an Airflow task), so that a lineage backend nests the Clearance
 * run under the task that scheduled it. Given on the command line by the scheduler.
 */
public record ParentRun(String namespace, String name, UUID runId) {
    public static final String NAMESPACE_OPTION = "--lineage-parent-job-namespace";
    public static final String NAME_OPTION = "--lineage-parent-job-name";
    public static final String RUN_ID_OPTION = "--lineage-parent-run-id";

    private static final Pattern CANONICAL_UUID =
            Pattern.compile("\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

    /** The parent named by the three options, all or none of which must be given. */
    public static Optional<ParentRun> fromOptions(String namespace, String name, String runId) {
        if (namespace == null && name == null && runId == null) {
            return Optional.empty();
        }
        require(namespace, NAMESPACE_OPTION);
        require(name, NAME_OPTION);
        require(runId, RUN_ID_OPTION);
        if (!CANONICAL_UUID.matcher(runId).matches()) {
            throw new ConfigException(RUN_ID_OPTION + " '" + runId + "' is not a UUID; use the canonical form"
                    + " 8-4-4-4-12 hex digits, e.g. 01890f4e-6c5a-7b3e-9d2f-3a4b5c6d7e8f");
        }
        return Optional.of(new ParentRun(namespace, name, UUID.fromString(runId)));
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(option + " is missing or blank: " + NAMESPACE_OPTION + ", " + NAME_OPTION
                    + " and " + RUN_ID_OPTION + " go together");
        }
    }
}
