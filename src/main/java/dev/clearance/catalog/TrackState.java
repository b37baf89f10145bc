package dev.clearance.catalog;

/** The lifecycle states a track may be in; anything else makes the track record invalid. */
public enum TrackState { ACTIVE, PRIVATE, TAKEN_DOWN, DELETED }
