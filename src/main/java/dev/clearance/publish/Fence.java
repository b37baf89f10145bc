package dev.clearance.publish;

/** What a run checks immediately before each of its commits: that it may still commit (contract §11). */
@FunctionalInterface
public interface Fence {
    /** Returns normally while the run may commit; otherwise throws, naming what happened. */
    void check();
}
