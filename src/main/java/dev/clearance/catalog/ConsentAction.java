package dev.clearance.catalog;

/** What a creator chose in a consent event. */
public enum ConsentAction { OPT_IN, OPT_OUT }
