package dev.clearance.audit;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.col;

import dev.clearance.audit.RunInputs.Quarantined;
import dev.clearance.audit.RunInputs.Read;
import dev.clearance.catalog.InputTable;
import dev.clearance.errors.ConfigException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord.PurposeCount;
import dev.clearance.runlog.RunRecord;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;

/**
 * A data-subject report: every track of one creator with its status per purpose at the latest run, and the
 * creator's consent events as that run applied them (which won, which were ignored and why).
 */
public final class SubjectReport {
    private static final String NL = System.lineSeparator();

    /** How the latest run used a consent event. */
    public enum EventStatus {
        /** The winning choice for at least one purpose. */
        APPLIED,
        /** At or before as_of and for a Clearance purpose, but a later (or tie-winning) event won everywhere. */
        SUPERSEDED,
        /** After the run's as_of: not in effect yet. */
        FUTURE,
        /** For a consent purpose the policy declares as not Clearance's (ignored_consent_purposes). */
        IGNORED_PURPOSE,
        /** Invalid: quarantined, never applied (it makes the creator's consent-gated purposes fail closed). */
        QUARANTINED,
        /** Valid and applicable, but the creator had no track decided for its purpose. */
        NOT_APPLIED
    }

    public record Subject(String userId, String runId, String asOf, String consentsSource, List<TrackStatus> tracks,
                          List<ConsentEventStatus> consentEvents, List<QuarantinedTrack> quarantinedTracks,
                          List<String> notes) {}

    public record TrackStatus(String trackId, List<PurposeStatus> purposes) {}

    /** {@code sinceRun}: the run that last changed the pair. */
    public record PurposeStatus(String purpose, String decision, List<String> reasons, String consentState,
                                String consentEventId, String sinceRun) {}

    public record ConsentEventStatus(String eventId, String purpose, String action, String eventTs, String source,
                                     EventStatus status, String detail) {}

    /** A tracks row of the creator that the run quarantined (its track is INVALID_TRACK_RECORD everywhere). */
    public record QuarantinedTrack(String trackId, String reason, String record) {}

    private SubjectReport() {}

    public static Subject report(OutputRoot outputs, String userId) {
        RunRecord run = outputs.latest();
        List<Row> current = outputs.atRecordedVersion(run, OutputRoot.CURRENT)
                .filter(col(UPLOADER_ID).equalTo(userId))
                .select(TRACK_ID, PURPOSE, DECISION, REASONS, CONSENT_STATE, CONSENT_EVENT_ID, RUN_ID)
                .collectAsList();
        List<String> purposes = run.decisionCounts().stream().map(PurposeCount::purpose).toList();
        Read consents = RunInputs.rows(outputs.spark(), run, InputTable.CONSENTS, USER_ID, userId,
                Readings.consents(run, purposes));
        List<Quarantined> badEvents = RunInputs.quarantined(outputs.spark(), outputs, run,
                InputTable.CONSENTS, USER_ID, userId);
        List<Quarantined> badTracks = RunInputs.quarantined(outputs.spark(), outputs, run,
                InputTable.TRACKS, UPLOADER_ID, userId);
        if (current.isEmpty() && consents.rows().isEmpty() && badEvents.isEmpty() && badTracks.isEmpty()) {
            throw new ConfigException("user " + userId + " has no track in lineage/current and no consent event in "
                    + consents.source() + " at run " + run.runId() + (consents.available() ? ""
                    : " (" + consents.unavailable() + ")") + "; user ids are compared exactly as written");
        }

        Map<String, Map<String, PurposeStatus>> tracks = new TreeMap<>();
        Map<String, Set<String>> winners = new LinkedHashMap<>();
        for (Row r : current) {
            String purpose = r.getAs(PURPOSE);
            tracks.computeIfAbsent(r.getAs(TRACK_ID), t -> new TreeMap<>()).put(purpose, new PurposeStatus(purpose,
                    r.getAs(DECISION), r.getList(r.fieldIndex(REASONS)), r.getAs(CONSENT_STATE),
                    r.getAs(CONSENT_EVENT_ID), r.getAs(RUN_ID)));
            winners.computeIfAbsent(purpose, p -> new HashSet<>()).add(r.getAs(CONSENT_EVENT_ID));
        }
        Set<String> quarantinedIds = new HashSet<>();
        badEvents.forEach(q -> quarantinedIds.add(q.key()));

        List<ConsentEventStatus> events = new ArrayList<>();
        consents.rows().stream()
                .filter(r -> r.getAs(EVENT_ID) != null && !quarantinedIds.contains(r.<String>getAs(EVENT_ID)))
                .sorted(Comparator.comparing((Row r) -> r.<Timestamp>getAs(EVENT_TS))
                        .thenComparing(r -> r.<String>getAs(EVENT_ID)))
                .forEach(r -> events.add(status(r, run, purposes, winners)));
        badEvents.forEach(q -> events.add(new ConsentEventStatus(q.key(), null, null, null, null,
                EventStatus.QUARANTINED, q.reason() + " " + q.record())));

        List<String> notes = new ArrayList<>();
        if (!consents.available()) {
            notes.add(consents.unavailable());
        }
        return new Subject(userId, run.runId(), run.asOf().toString(), consents.source(),
                tracks.entrySet().stream().map(e -> new TrackStatus(e.getKey(), List.copyOf(e.getValue().values())))
                        .toList(),
                events,
                badTracks.stream().map(q -> new QuarantinedTrack(q.key(), q.reason(), q.record())).toList(),
                notes);
    }

    private static ConsentEventStatus status(Row r, RunRecord run, List<String> purposes,
                                             Map<String, Set<String>> winners) {
        String id = r.getAs(EVENT_ID);
        List<String> applicable = r.getList(r.fieldIndex(Readings.CHOICE_FOR));
        EventStatus status;
        String detail;
        if (Boolean.FALSE.equals(r.getAs(Readings.MADE_BY_AS_OF))) {
            status = EventStatus.FUTURE;
            detail = "after the run's as_of " + run.asOf() + ": not in effect yet";
        } else if (applicable.isEmpty()) {
            // Valid, so its purpose is '*', a purpose of the run or an ignored one; only the last is a choice for none.
            status = EventStatus.IGNORED_PURPOSE;
            detail = "'" + r.getAs(Readings.PURPOSE_NAME) + "' is a consent purpose the policy ignores (not one of "
                    + purposes + ")";
        } else {
            List<String> won = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            List<String> undecided = new ArrayList<>();
            for (String p : applicable) {
                Set<String> winner = winners.get(p);
                if (winner == null) {
                    undecided.add(p);
                } else if (winner.contains(id)) {
                    won.add(p);
                } else {
                    lost.add(p + " (by " + winner.stream().map(w -> Objects.requireNonNullElse(w, "no event"))
                            .sorted().collect(Collectors.joining(", ")) + ")");
                }
            }
            status = !won.isEmpty() ? EventStatus.APPLIED : !lost.isEmpty() ? EventStatus.SUPERSEDED
                    : EventStatus.NOT_APPLIED;
            List<String> parts = new ArrayList<>();
            if (!won.isEmpty()) {
                parts.add("won for " + String.join(", ", won));
            }
            if (!lost.isEmpty()) {
                parts.add("superseded for " + String.join(", ", lost));
            }
            if (!undecided.isEmpty()) {
                parts.add("no track of the creator decided for " + String.join(", ", undecided));
            }
            detail = String.join("; ", parts);
        }
        return new ConsentEventStatus(id, r.getAs(PURPOSE), r.getAs(ACTION),
                ReasonSentences.instant(r.getAs(EVENT_TS)), r.getAs(SOURCE), status, detail);
    }

    public static String render(Subject s) {
        StringBuilder out = new StringBuilder();
        out.append("Data-subject report for user ").append(s.userId()).append(" at run ").append(s.runId())
                .append(" (as_of ").append(s.asOf()).append(')').append(NL).append(NL);
        out.append("Tracks (").append(s.tracks().size()).append("), current status per purpose:").append(NL);
        if (s.tracks().isEmpty()) {
            out.append("  none in lineage/current").append(NL);
        }
        for (TrackStatus t : s.tracks()) {
            out.append("  ").append(t.trackId()).append(NL);
            for (PurposeStatus p : t.purposes()) {
                out.append(String.format("    %-24s %-9s%s  consent %s%s  (since run %s)%n", p.purpose(),
                        p.decision(), p.reasons().isEmpty() ? "" : " " + p.reasons(), p.consentState(),
                        p.consentEventId() == null ? "" : " by " + p.consentEventId(), p.sinceRun()));
            }
        }
        if (!s.quarantinedTracks().isEmpty()) {
            out.append(NL).append("Quarantined track rows (excluded everywhere as INVALID_TRACK_RECORD):").append(NL);
            s.quarantinedTracks().forEach(q -> out.append("  ").append(q.trackId()).append("  ").append(q.reason())
                    .append("  ").append(q.record()).append(NL));
        }
        out.append(NL).append("Consent events (").append(s.consentEvents().size()).append(") in ")
                .append(s.consentsSource()).append(", as applied:").append(NL);
        for (ConsentEventStatus e : s.consentEvents()) {
            if (e.status() == EventStatus.QUARANTINED) {
                out.append(String.format("  %-12s QUARANTINED  %s%n", e.eventId(), e.detail()));
            } else {
                out.append(String.format("  %-12s %-7s for '%s' at %s (source %s)%n    %s: %s%n", e.eventId(),
                        e.action(), e.purpose(), e.eventTs(), e.source(), e.status(), e.detail()));
            }
        }
        s.notes().forEach(n -> out.append("note: ").append(n).append(NL));
        return out.toString();
    }
}
