package dev.clearance.run;

/**
 * Watches a run's stages from the driver: the benchmark records their timings, the crash tests stop a run
 * at one of them. Called on the driver thread that runs the stage; must not throw.
 */
public interface RunObserver {
    /** Does nothing: a production run. */
    RunObserver NONE = new RunObserver() {};

    default void stageStarted(Stage stage) {}

    default void stageFinished(Stage stage, long nanos) {}
}
