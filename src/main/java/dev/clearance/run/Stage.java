package dev.clearance.run;

/**
 * The steps of a run, in the order they happen: what the benchmark times and where the crash tests stop a
 * run. A step ends once its writes are committed.
 */
public enum Stage {
    /** Reading the run log, opening the inputs, taking the lease, writing the RUNNING row. */
    PLAN("plan"),
    /** Choosing the mode; for an incremental run, reading every input's changes and finding the affected tracks. */
    CHANGES("changes"),
    /** Checking every input row and writing the quarantine. */
    READ_VALIDATE("read+validate"),
    /**
     * Resolution (licenses in force, consent per purpose, tags, DMI) and every (track, purpose) decision with
     * its counts: the per-user consents first, then one Spark job, as the rest is fused into one pipeline.
     */
    DECIDE("resolve+decide"),
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
