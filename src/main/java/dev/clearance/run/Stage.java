package dev.clearance.run;

/**
 * The steps of a run, in the order they happen. They name the Spark job descriptions, the progress log,
 * the benchmark's timings and the points a crash test stops a run at.
 */
public enum Stage {
    /** Reading the run log, choosing as_of and the previous run, taking the lease. */
    PLAN("plan"),
    /** Opening the inputs at their versions and checking every row. */
    READ_VALIDATE("read+validate"),
    WRITE_QUARANTINE("write quarantine"),
    /** Licenses in force, consent per purpose, tags and DMI: one row of facts per track. */
    RESOLVE("resolve"),
    /** Every (track, purpose) decision and its counts. */
    DECIDE("decide"),
    /** This run's decisions against the previous run's lineage/current. */
    DIFF("diff"),
    WRITE_LEDGER("write ledger"),
    /** lineage/current and the curated tables, written concurrently. */
    WRITE_OUTPUTS("write current+curated"),
    /** The SUCCEEDED row of the run log. */
    FINISH("finish");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
