package dev.clearance.policy;

import java.util.List;

/**
 * A validated policy: the purposes in file order and the shared rules, plus the version and SHA-256 that
 * every decision records so that an auditor can tie a decision to the exact policy bytes.
 */
public record Policy(String version, String sha256, List<String> noAiTags, List<String> ignoredConsentPurposes,
                     List<PurposeRule> purposes) {

    public List<String> purposeNames() {
        return purposes.stream().map(PurposeRule::name).toList();
    }
}
