package dev.clearance.runlog;

/** The state of a run in the run log. */
public enum RunStatus {
    /** Started; may have published part of its outputs. Rerunning the same run_id completes it. */
    RUNNING,
    SUCCEEDED,
    /** Stopped before completing (quarantine limit, or an error); the message says why. */
    FAILED
}
