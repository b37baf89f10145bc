package dev.clearance.policy;

import dev.clearance.catalog.LicensorType;
import dev.clearance.catalog.TrackState;
import java.util.Set;

/** What one AI purpose requires of a track, as the policy file states it (names already normalised). */
public record PurposeRule(String name, ConsentMode consent, Set<TrackState> eligibleStates,
                          boolean requiresValidLicense, Set<LicensorType> excludedLicensorTypes,
                          boolean honorNoAiTag, Set<Dmi> reservedByDmi) {}
