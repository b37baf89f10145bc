package dev.clearance.audit;

import static dev.clearance.catalog.Columns.*;

import dev.clearance.audit.Explain.Sentence;
import dev.clearance.audit.RunInputs.Quarantined;
import dev.clearance.audit.RunInputs.Read;
import dev.clearance.decide.Decision;
import dev.clearance.decide.Reason;
import dev.clearance.runlog.RunRecord;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;

/**
 * Each reason code of a ledger row as a plain sentence, with the evidence it rests on: what the ledger
 * recorded, completed from the input rows the deciding run read and from what the run made of them
 * ({@link Readings}). A sentence never states a fact that could not be read; it says what is missing instead.
 */
public final class ReasonSentences {
    private ReasonSentences() {}

    /**
     * The ledger row being explained. {@code licenseIds} is null on rows that carry no evidence; {@code dmiValue}
     * and {@code dmiCounted} are {@link Readings#DMI_VALUE} and {@link Readings#DMI_COUNTED} of {@code embeddedDmi}.
     */
    public record Ledger(String trackId, String purpose, String runId, Instant asOf, String policyVersion,
                         String policySha256, String decision, String uploaderId, String consentState,
                         String consentEventId, List<String> licenseIds, String matchedNoAiTag, String embeddedDmi,
                         String dmiValue, String dmiCounted) {}

    /**
     * What the deciding run read about the track: its tracks row(s), its licence rows, its uploader's consent
     * events ({@code consents} null when the row names no uploader), each with its {@link Readings}, and the
     * quarantined rows about them.
     */
    public record Facts(RunRecord run, Read tracks, Read licenses, Read consents, List<Quarantined> quarantinedTracks,
                        List<Quarantined> quarantinedLicenses, List<Quarantined> quarantinedConsents) {
        Optional<Row> event(String eventId) {
            return consents.rows().stream().filter(r -> eventId.equals(r.getAs(EVENT_ID))).findFirst();
        }

        Optional<Row> licence(String licenseId) {
            return licenses.rows().stream().filter(r -> licenseId.equals(r.getAs(LICENSE_ID))).findFirst();
        }
    }

    /** One sentence per reason, in the ledger's order; a single sentence for an INCLUDED row. */
    public static List<Sentence> explain(List<String> reasons, Ledger ledger, Facts facts) {
        if (reasons.isEmpty() && Decision.INCLUDED.name().equals(ledger.decision())) {
            return List.of(new Sentence(Decision.INCLUDED.name(), "no exclusion rule of policy "
                    + ledger.policyVersion() + " applied to track " + ledger.trackId() + " for " + ledger.purpose()
                    + " at " + ledger.asOf()));
        }
        List<Sentence> sentences = new ArrayList<>();
        for (String code : reasons) {
            Optional<Reason> reason = Arrays.stream(Reason.values()).filter(r -> r.name().equals(code))
                    .findFirst();
            sentences.add(new Sentence(code, reason.map(r -> sentence(r, ledger, facts))
                    .orElse("a reason code this version of Clearance does not know")));
        }
        return sentences;
    }

    static String sentence(Reason reason, Ledger l, Facts f) {
        String p = l.purpose();
        String policy = "policy " + l.policyVersion();
        return switch (reason) {
            case STATE_NOT_ELIGIBLE -> whenRead(f == null ? null : f.tracks(), tracks -> {
                Optional<Row> track = tracks.rows().stream().findFirst();
                return track.map(t -> "track " + l.trackId() + " has state " + quote(t.getAs(STATE))
                                + normalised(t) + ", which " + policy + " does not make eligible for " + p)
                        .orElse("track " + l.trackId() + "'s state is not eligible for " + p + " under " + policy
                                + "; the track is not in " + tracks.source());
            }, "track " + l.trackId() + "'s state is not eligible for " + p + " under " + policy);
            case LICENSE_RECORD_INVALID -> f == null || f.quarantinedLicenses().isEmpty()
                    ? "track " + l.trackId() + " has an invalid licence row (not found in the quarantine of run "
                    + l.runId() + ")"
                    : "licence rows of track " + l.trackId() + " were quarantined by run " + l.runId() + ": "
                    + quarantine(f.quarantinedLicenses())
                    + "; an invalid licence row may hold a restriction, so the track is excluded from every purpose";
            case NO_VALID_LICENSE -> "no licence of track " + l.trackId() + " was in force at " + l.asOf() + ", and "
                    + p + " requires one" + whenRead(f == null ? null : f.licenses(),
                    licences -> licences.rows().isEmpty() ? " (" + licences.source() + " has no row for it)"
                            : " (its licences: " + licences.rows().stream().sorted(BY_LICENSE_ID)
                            .map(r -> licence(r) + ": " + standing(r, f)).collect(Collectors.joining("; "))
                            + ")",
                    "");
            case LICENSOR_EXCLUDED -> "a licence in force has a licensor type that " + policy + " excludes from " + p
                    + ": " + inForce(l, f);
            case LICENSE_PROHIBITS_PURPOSE -> whenRead(f == null ? null : f.licenses(), licences -> {
                List<String> prohibiting = licences.rows().stream().sorted(BY_LICENSE_ID)
                        .filter(r -> l.licenseIds() != null && l.licenseIds().contains(r.<String>getAs(LICENSE_ID)))
                        .filter(r -> r.getList(r.fieldIndex(Readings.PROHIBITS)).contains(p))
                        .map(ReasonSentences::licence).toList();
                return prohibiting.isEmpty()
                        ? "a licence in force (" + l.licenseIds() + ") lists " + p + " or '*' in its prohibited purposes"
                        : String.join("; ", prohibiting) + (prohibiting.size() == 1 ? " is" : " are") + " in force at "
                        + l.asOf() + " and prohibit" + (prohibiting.size() == 1 ? "s " : " ") + p;
            }, "a licence in force (one of " + l.licenseIds() + ") lists " + p + " or '*' in its prohibited purposes");
            case NO_AI_TAG -> "track " + l.trackId() + " carries the tag " + quote(l.matchedNoAiTag())
                    + ", which matches a no-AI tag of " + policy + ", and " + p + " honours no-AI tags";
            case EMBEDDED_RESERVATION -> "the audio file's embedded DMI value " + quote(l.embeddedDmi())
                    + dmiReading(l) + " reserves it from " + p + " under " + policy;
            case CONSENT_RECORD_INVALID -> (f == null || f.quarantinedConsents().isEmpty()
                    ? "uploader " + l.uploaderId() + " has an invalid consent row (not found in the quarantine of run "
                    + l.runId() + ")"
                    : "consent rows of uploader " + l.uploaderId() + " were quarantined by run " + l.runId() + ": "
                    + quarantine(f.quarantinedConsents()))
                    + "; one of them may have been an opt-out, so " + p + ", which needs consent, is closed to the track";
            case CONSENT_OPTED_OUT -> "uploader " + l.uploaderId() + " opted out of " + p + ": "
                    + winning(l, f) + " is the latest applicable choice at or before " + l.asOf();
            case CONSENT_NOT_GIVEN -> "uploader " + l.uploaderId() + " has no OPT_IN for " + p + " at or before "
                    + l.asOf() + whenRead(f == null ? null : f.consents(), consents -> {
                List<String> later = consents.rows().stream()
                        .filter(r -> r.getList(r.fieldIndex(Readings.CHOICE_FOR)).contains(p)
                                && Boolean.FALSE.equals(r.getAs(Readings.MADE_BY_AS_OF)))
                        .sorted(Comparator.comparing((Row r) -> r.<Timestamp>getAs(EVENT_TS)))
                        .map(ReasonSentences::event).toList();
                return later.isEmpty() ? "" : "; later choices, not in effect at that as_of: " + String.join("; ", later);
            }, "");
            case INVALID_TRACK_RECORD -> f == null || f.quarantinedTracks().isEmpty()
                    ? "the track's own row is invalid (not found in the quarantine of run " + l.runId() + ")"
                    : "the track's own row was quarantined by run " + l.runId() + ": "
                    + quarantine(f.quarantinedTracks());
            case TRACK_NOT_IN_CATALOG -> "track " + l.trackId() + " was no longer in the tracks table that run "
                    + l.runId() + " read" + (f == null ? "" : " (" + f.tracks().source() + ")");
            case PURPOSE_NOT_IN_POLICY -> "purpose " + p + " is not in " + policy + " (sha256 " + l.policySha256()
                    + ") under which run " + l.runId() + " ran";
        };
    }

    /** The licences in force with their type, licensor and validity window, as recorded and as read. */
    static String inForce(Ledger l, Facts f) {
        if (l.licenseIds() == null || l.licenseIds().isEmpty()) {
            return "no licence recorded in force";
        }
        if (f == null || !f.licenses().available()) {
            return "licences in force " + l.licenseIds() + " (" + (f == null ? "inputs unknown"
                    : f.licenses().unavailable()) + ")";
        }
        return l.licenseIds().stream()
                .map(id -> f.licence(id).map(ReasonSentences::licence).orElse(id + " (not in " + f.licenses().source() + ")"))
                .collect(Collectors.joining("; "));
    }

    private static String winning(Ledger l, Facts f) {
        if (l.consentEventId() == null) {
            return "an OPT_OUT event";
        }
        if (f == null || f.consents() == null || !f.consents().available()) {
            return "event " + l.consentEventId() + " (" + (f == null || f.consents() == null ? "inputs unknown"
                    : f.consents().unavailable()) + ")";
        }
        return f.event(l.consentEventId()).map(r -> "event " + event(r))
                .orElse("event " + l.consentEventId() + " (not in " + f.consents().source() + ")");
    }

    /** Why a licence row of the track was not in force at the run's as_of, or that it was. */
    private static String standing(Row r, Facts f) {
        String id = r.getAs(LICENSE_ID);
        if (f.quarantinedLicenses().stream().anyMatch(q -> Objects.equals(q.key(), id))) {
            return "quarantined";
        }
        if (Boolean.TRUE.equals(r.getAs(Readings.IN_FORCE))) {
            return "in force";
        }
        return Boolean.TRUE.equals(r.getAs(Readings.STARTED)) ? "expired" : "not yet in force";
    }

    private static String normalised(Row track) {
        String value = track.getAs(Readings.STATE_VALUE);
        return Objects.equals(value, track.getAs(STATE)) ? "" : " (" + value + ")";
    }

    /** How the DMI value was read, when that is not obvious from the raw value. */
    private static String dmiReading(Ledger l) {
        if (l.dmiCounted() == null) {
            return "";
        }
        if (!l.dmiCounted().equals(l.dmiValue())) {
            return " (not an IPTC value, so read as " + l.dmiCounted() + ")";
        }
        return l.dmiValue().equals(l.embeddedDmi()) ? "" : " (" + l.dmiValue() + ")";
    }

    private static String quarantine(List<Quarantined> rows) {
        return rows.stream().map(q -> q.reason() + " " + q.record()).collect(Collectors.joining("; "));
    }

    /** E.g. {@code l4 (INDEPENDENT_LABEL 'Indie Co', valid from 2026-01-01T00:00:00Z, open-ended, prohibits [recommendation])}. */
    static String licence(Row r) {
        List<String> prohibited = r.isNullAt(r.fieldIndex(PROHIBITED_PURPOSES)) ? null
                : r.getList(r.fieldIndex(PROHIBITED_PURPOSES));
        return r.getAs(LICENSE_ID) + " (" + r.getAs(LICENSOR_TYPE)
                + (r.getAs(LICENSOR_NAME) == null ? "" : " " + quote(r.getAs(LICENSOR_NAME)))
                + ", " + window(r.getAs(VALID_FROM), r.getAs(VALID_TO))
                + (prohibited == null || prohibited.isEmpty() ? "" : ", prohibits " + prohibited) + ")";
    }

    /** E.g. {@code e3 OPT_OUT for '*' at 2026-03-01T00:00:00Z (source api)}. */
    static String event(Row r) {
        return r.getAs(EVENT_ID) + " " + r.getAs(ACTION) + " for " + quote(r.getAs(PURPOSE)) + " at "
                + instant(r.getAs(EVENT_TS)) + " (source " + (r.getAs(SOURCE) == null ? "not recorded" : r.getAs(SOURCE))
                + ")";
    }

    static String window(Timestamp from, Timestamp to) {
        if (from == null && to == null) {
            return "valid without time limits";
        }
        if (from == null) {
            return "valid until " + to.toInstant() + " (exclusive)";
        }
        return "valid from " + from.toInstant() + (to == null ? ", open-ended" : " until " + to.toInstant() + " (exclusive)");
    }

    static String instant(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    private static String whenRead(Read read, Function<Read, String> available, String otherwise) {
        if (read == null) {
            return otherwise;
        }
        return read.available() ? available.apply(read) : otherwise + " (" + read.unavailable() + ")";
    }

    private static final Comparator<Row> BY_LICENSE_ID = Comparator.comparing(r -> r.<String>getAs(LICENSE_ID),
            Comparator.nullsFirst(Comparator.naturalOrder()));
}
