package dev.clearance.policy;

import static dev.clearance.config.YamlFiles.required;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.clearance.catalog.LicensorType;
import dev.clearance.catalog.Normalize;
import dev.clearance.catalog.TrackState;
import dev.clearance.config.YamlFiles;
import dev.clearance.errors.ConfigException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads conf/policy.yaml and validates all of it before any data is read: a policy mistake must never
 * surface as a wrong decision. Every message names the offending key.
 */
public final class PolicyLoader {
    private static final Pattern PURPOSE_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private PolicyLoader() {}

    public static Policy load(Path file) {
        byte[] bytes = YamlFiles.readBytes(file, "policy file");
        return parse(bytes, file);
    }

    static Policy parse(byte[] bytes, Path file) {
        PolicyFile raw = YamlFiles.bind(bytes, file, PolicyFile.class);
        String version = required(raw.policyVersion, file, "policy_version");
        if (version.isBlank()) {
            throw new ConfigException(file + ": policy_version is blank; give the policy a version to record");
        }
        Map<String, PurposeFile> purposes = required(raw.purposes, file, "purposes");
        if (purposes.isEmpty()) {
            throw new ConfigException(file + ": purposes is empty; a policy needs at least one purpose");
        }

        List<PurposeRule> rules = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, PurposeFile> entry : purposes.entrySet()) {
            String key = "purposes." + entry.getKey();
            String name = purposeName(entry.getKey(), file, key);
            if (!names.add(name)) {
                throw new ConfigException(file + ": " + key + " is the same purpose as another entry once normalised ('"
                        + name + "')");
            }
            rules.add(rule(name, required(entry.getValue(), file, key), file, key));
        }

        List<String> ignored = new ArrayList<>();
        List<String> rawIgnored = orEmpty(raw.ignoredConsentPurposes);
        for (int i = 0; i < rawIgnored.size(); i++) {
            String key = "ignored_consent_purposes[" + i + "]";
            String name = purposeName(required(rawIgnored.get(i), file, key), file, key);
            if (names.contains(name)) {
                throw new ConfigException(file + ": " + key + " '" + name
                        + "' is also a policy purpose; a purpose cannot be both decided and ignored");
            }
            if (!ignored.contains(name)) {
                ignored.add(name);
            }
        }

        List<String> noAiTags = new ArrayList<>();
        List<String> rawTags = orEmpty(raw.noAiTags);
        for (int i = 0; i < rawTags.size(); i++) {
            String key = "no_ai_tags[" + i + "]";
            String tag = Normalize.tagKey(required(rawTags.get(i), file, key));
            if (tag.isEmpty()) {
                throw new ConfigException(file + ": " + key + " '" + rawTags.get(i)
                        + "' has no letters or digits, so no tag could ever match it");
            }
            if (!noAiTags.contains(tag)) {
                noAiTags.add(tag);
            }
        }
        return new Policy(version, sha256(bytes), List.copyOf(noAiTags), List.copyOf(ignored), List.copyOf(rules));
    }

    private static PurposeRule rule(String name, PurposeFile raw, Path file, String key) {
        String consentValue = required(raw.consent, file, key + ".consent");
        ConsentMode consent = Arrays.stream(ConsentMode.values())
                .filter(m -> m.yamlName().equals(Normalize.purposeName(consentValue)))
                .findFirst()
                .orElseThrow(() -> new ConfigException(file + ": " + key + ".consent '" + consentValue
                        + "' is not one of opt_in, opt_out, not_required"));
        return new PurposeRule(name, consent,
                enumSet(required(raw.eligibleStates, file, key + ".eligible_states"), TrackState.class,
                        TrackState::valueOf, file, key + ".eligible_states"),
                required(raw.requiresValidLicense, file, key + ".requires_valid_license"),
                enumSet(orEmpty(raw.excludedLicensorTypes), LicensorType.class, LicensorType::valueOf, file,
                        key + ".excluded_licensor_types"),
                required(raw.honorNoAiTag, file, key + ".honor_no_ai_tag"),
                enumSet(orEmpty(raw.reservedByDmi), Dmi.class,
                        v -> Dmi.fromValue(v).orElseThrow(IllegalArgumentException::new), file, key + ".reserved_by_dmi"));
    }

    private static <E extends Enum<E>> Set<E> enumSet(List<String> values, Class<E> type, Function<String, E> parse,
                                                      Path file, String key) {
        Set<E> result = EnumSet.noneOf(type);
        for (int i = 0; i < values.size(); i++) {
            String value = required(values.get(i), file, key + "[" + i + "]");
            try {
                result.add(parse.apply(Normalize.enumValue(value)));
            } catch (IllegalArgumentException e) {
                String allowed = Arrays.stream(type.getEnumConstants())
                        .map(c -> c instanceof Dmi d ? d.value() : c.name())
                        .collect(Collectors.joining(", "));
                throw new ConfigException(file + ": " + key + "[" + i + "] '" + value + "' is not one of " + allowed, e);
            }
        }
        return Set.copyOf(result);
    }

    private static String purposeName(String raw, Path file, String key) {
        String name = Normalize.purposeName(raw);
        if (!PURPOSE_NAME.matcher(name).matches()) {
            throw new ConfigException(file + ": " + key + " '" + raw
                    + "' is not a valid purpose name (after normalisation it must match [a-z][a-z0-9_]*)");
        }
        return name;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    // The YAML shape; unknown keys fail at binding. LinkedHashMap keeps the purposes in file order.
    private record PolicyFile(@JsonProperty("policy_version") String policyVersion,
                              @JsonProperty("no_ai_tags") List<String> noAiTags,
                              @JsonProperty("ignored_consent_purposes") List<String> ignoredConsentPurposes,
                              LinkedHashMap<String, PurposeFile> purposes) {}

    private record PurposeFile(String consent,
                               @JsonProperty("eligible_states") List<String> eligibleStates,
                               @JsonProperty("requires_valid_license") Boolean requiresValidLicense,
                               @JsonProperty("excluded_licensor_types") List<String> excludedLicensorTypes,
                               @JsonProperty("honor_no_ai_tag") Boolean honorNoAiTag,
                               @JsonProperty("reserved_by_dmi") List<String> reservedByDmi) {}
}
