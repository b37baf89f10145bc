package dev.clearance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clearance.catalog.LicensorType;
import dev.clearance.catalog.TrackState;
import dev.clearance.errors.ConfigException;
import dev.clearance.errors.ExitCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Policy loading (contract §2): the default policy, normalisation, and an exit-2 message naming the key. */
class PolicyLoaderTest {
    private static final Path FILE = Path.of("policy.yaml");
    /** A valid purpose body, indented for a purpose key at two spaces. */
    private static final String PURPOSE = """
                consent: opt_in
                eligible_states: [ACTIVE]
                requires_valid_license: true
                honor_no_ai_tag: true
            """;

    @Test
    void theShippedDefaultPolicyIsTheContractsAndItsShaIsTheFileBytesSha() throws Exception {
        Path file = Path.of("conf/policy.yaml");
        Policy policy = PolicyLoader.load(file);
        assertThat(policy.version()).isEqualTo("2026-11-27.1");
        assertThat(policy.purposeNames()).containsExactly("recommendation", "fraud_detection", "generative_training");
        assertThat(policy.noAiTags()).containsExactly("noai", "noaitraining", "donottrain");
        assertThat(policy.ignoredConsentPurposes()).containsExactly("marketing_email");
        PurposeRule gen = policy.purposes().get(2);
        assertThat(gen.consent()).isEqualTo(ConsentMode.OPT_IN);
        assertThat(gen.excludedLicensorTypes()).containsExactly(LicensorType.MAJOR_LABEL);
        assertThat(gen.reservedByDmi()).hasSize(7).contains(Dmi.PROHIBITED_GENAIMLTRAINING);
        assertThat(policy.purposes().get(1).eligibleStates()).containsExactlyInAnyOrder(TrackState.values());
        assertThat(policy.sha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
    }

    @Test
    void aPurposeTheCodeHasNeverHeardOfWorksFromYamlAloneWithNamesNormalised() {
        Policy policy = parse("""
                policy_version: 7
                no_ai_tags: ["No-AI", "#DoNotTrain"]
                ignored_consent_purposes: [" Marketing Email "]
                purposes:
                  Voice-Cloning:
                    consent: Opt_In
                    eligible_states: [" active ", Private]
                    requires_valid_license: false
                    excluded_licensor_types: [major_label]
                    honor_no_ai_tag: true
                    reserved_by_dmi: [dmi-prohibited]
                """);
        assertThat(policy.version()).isEqualTo("7");
        assertThat(policy.noAiTags()).containsExactly("noai", "donottrain");
        assertThat(policy.ignoredConsentPurposes()).containsExactly("marketing_email");
        assertThat(policy.purposes()).containsExactly(new PurposeRule("voice_cloning", ConsentMode.OPT_IN,
                Set.of(TrackState.ACTIVE, TrackState.PRIVATE), false, Set.of(LicensorType.MAJOR_LABEL), true,
                Set.of(Dmi.PROHIBITED)));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "policy_version: x\\npurposes:\\n  a:\\n{P}    colour: red|unknown key 'purposes.a.colour'",
        "policy_version: x\\nowner: me\\npurposes:\\n  a:\\n{P}|unknown key 'owner'",
        "policy_version: x\\npurposes: {}|purposes is empty",
        "policy_version: x|missing required key 'purposes'",
        "purposes:\\n  a:\\n{P}|missing required key 'policy_version'",
        "policy_version: x\\npurposes:\\n  9lives:\\n{P}|purposes.9lives '9lives' is not a valid purpose name",
        "policy_version: x\\npurposes:\\n  a*:\\n{P}|purposes.a* 'a*' is not a valid purpose name",
        "policy_version: x\\npurposes:\\n  a:\\n{P}    excluded_licensor_types: [LABEL]|purposes.a.excluded_licensor_types[0] 'LABEL' is not one of",
        "policy_version: x\\npurposes:\\n  a:\\n    consent: maybe\\n    eligible_states: [ACTIVE]\\n    requires_valid_license: true\\n    honor_no_ai_tag: true|purposes.a.consent 'maybe' is not one of opt_in, opt_out, not_required",
        "policy_version: x\\npurposes:\\n  a:\\n    consent: opt_in\\n    eligible_states: [ARCHIVED]\\n    requires_valid_license: true\\n    honor_no_ai_tag: true|purposes.a.eligible_states[0] 'ARCHIVED' is not one of",
        "policy_version: x\\npurposes:\\n  a:\\n{P}    reserved_by_dmi: [DMI-MAYBE]|purposes.a.reserved_by_dmi[0] 'DMI-MAYBE' is not one of",
        "policy_version: x\\npurposes:\\n  a:\\n    consent: opt_in\\n    eligible_states: [ACTIVE]\\n    honor_no_ai_tag: true|missing required key 'purposes.a.requires_valid_license'",
        "policy_version: x\\nignored_consent_purposes: [A]\\npurposes:\\n  a:\\n{P}|ignored_consent_purposes[0] 'a' is also a policy purpose",
        "policy_version: x\\nno_ai_tags: ['#!']\\npurposes:\\n  a:\\n{P}|no_ai_tags[0] '#!' has no letters or digits",
        "policy_version: x\\npurposes:\\n  a-b:\\n{P}  A_B:\\n{P}|purposes.A_B is the same purpose as another entry",
        "policy_version: x\\npurposes:\\n  a:\\n{P}    honor_no_ai_tag: false|Duplicate field 'honor_no_ai_tag'"})
    void invalidPoliciesFailWithExitTwoNamingTheKey(String yaml, String message) {
        String text = yaml.replace("\\n", "\n").replace("{P}", PURPOSE);
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void aMissingPolicyFileIsExitTwo() {
        assertThatThrownBy(() -> PolicyLoader.load(Path.of("no/such/policy.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy file no/such/policy.yaml does not exist");
    }

    private static Policy parse(String yaml) {
        return PolicyLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), FILE);
    }

    @Test
    void listsDefaultToEmpty() {
        Policy policy = parse("policy_version: x\npurposes:\n  a:\n" + PURPOSE);
        assertThat(policy.noAiTags()).isEqualTo(List.of());
        assertThat(policy.purposes().get(0).reservedByDmi()).isEmpty();
        assertThat(policy.purposes().get(0).excludedLicensorTypes()).isEmpty();
    }
}
