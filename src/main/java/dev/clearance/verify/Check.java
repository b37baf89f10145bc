package dev.clearance.verify;

import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One invariant of the published outputs, held as a value so that the report, {@code --json} and the docs
 * list the same checks by the same names, and so that adding an invariant is adding a value, not a branch
 * of the runner. A check reads nothing itself: it derives its violations from outputs loaded once for all.
 *
 * @param name        stable, for scripts and for the docs' list
 * @param description the invariant, in one line
 * @param unit        what {@code checked} counts: "0 violations" means little without what was looked at
 * @param checked     how much the check looked at
 * @param violations  the offending rows, in {@link Checks#VIOLATION_SCHEMA}
 */
public record Check(String name, String description, String unit, ToLongFunction<LoadedOutputs> checked,
                    Function<LoadedOutputs, Dataset<Row>> violations) {}
