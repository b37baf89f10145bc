package dev.clearance.run;

/**
 * Watches a run from the driver: the benchmark records its stages' timings, the crash tests stop a run at
 * its k-th commit. Called on the driver thread doing the work (a pool thread for concurrent writes); must not throw.
 */
public interface RunObserver {
    /** Does nothing: a production run. */
    RunObserver NONE = new RunObserver() {};

    default void stageStarted(Stage stage) {}

    default void stageFinished(Stage stage, long nanos) {}

    /** An incremental run read {@code changedRows} changed input rows, which affect {@code affectedTracks} tracks. */
    default void scoped(long changedRows, long affectedTracks) {}

    /** The run's {@code ordinal}-th commit (from 1) is done: {@code table} is now at {@code version}. */
    default void committed(int ordinal, String table, long version) {}
}
