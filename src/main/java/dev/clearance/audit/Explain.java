package dev.clearance.audit;

import static dev.clearance.catalog.Columns.*;
import static org.apache.spark.sql.functions.col;

import dev.clearance.catalog.InputTable;
import dev.clearance.catalog.Normalize;
import dev.clearance.errors.ConfigException;
import dev.clearance.outputs.OutputRoot;
import dev.clearance.runlog.RunRecord;
import dev.clearance.runlog.RunStatus;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * The decision history of one track, from the ledger, with every reason as a sentence and the evidence the
 * deciding run read. Answers "why was track X (not) in purpose P at run R, and on what evidence?".
 */
public final class Explain {
    private Explain() {}

    /** The track's decisions per purpose at one run ({@code atRun}, the latest SUCCEEDED run by default). */
    public record Explanation(String trackId, String atRun, String atRunAsOf, List<PurposeHistory> purposes) {}

    /**
     * @param state   the pair's decision at {@code atRun} (null when the pair was first decided later)
     * @param history every ledger row of the pair up to {@code atRun} (all rows when no run was asked for)
     */
    public record PurposeHistory(String purpose, Change state, List<Change> history) {}

    /** One ledger row: the run that wrote it, the decision, each reason as a sentence, and the evidence. */
    public record Change(String runId, String asOf, String runStatus, String policyVersion, String policySha256,
                        String decision, List<String> reasons, List<Sentence> explanation, Evidence evidence) {}

    public record Sentence(String reason, String text) {}

    /**
     * What the ledger row recorded, completed from the inputs the run read: {@code consentEvent} and
     * {@code licensesInForce} hold the rows found for {@code consentEventId} and {@code licenseIds}, and
     * {@code notes} say what could not be read.
     */
    public record Evidence(String uploaderId, String consentState, String consentEventId, ConsentEvent consentEvent,
                           List<String> licenseIds, List<Licence> licensesInForce, String matchedNoAiTag,
                           String embeddedDmi, List<String> notes) {}

    public record ConsentEvent(String eventId, String userId, String purpose, String action, String eventTs,
                               String source) {}

    public record Licence(String licenseId, String licensorType, String licensorName, List<String> prohibitedPurposes,
                          String validFrom, String validTo) {}

    /**
     * @param purposeName null for every purpose the track was decided for; normalised like any purpose name
     * @param atRun   null for the latest SUCCEEDED run; then the history also shows rows of runs that did not finish
     */
    public static Explanation explain(OutputRoot outputs, String trackId, String purposeName, String atRun) {
        String purpose = purposeName == null ? null : Normalize.purposeName(purposeName);
        RunRecord target = outputs.succeededRun(atRun);
        Column filter = col(TRACK_ID).equalTo(trackId);
        List<Row> rows = Readings.added(outputs.ledger()
                .filter(purpose == null ? filter : filter.and(col(PURPOSE).equalTo(purpose))), Readings.ledger())
                .collectAsList();
        if (rows.isEmpty()) {
            throw unknown(outputs, trackId, purpose);
        }
        Map<String, RunRecord> runs = new HashMap<>();
        outputs.runs().forEach(r -> runs.put(r.runId(), r));
        List<RunRecord> order = outputs.runs();
        Comparator<Row> ledgerOrder = Comparator
                .comparing((Row r) -> r.<Timestamp>getAs(AS_OF))
                .thenComparing(r -> rank(order, r.getAs(RUN_ID)))
                .thenComparing(r -> r.<String>getAs(RUN_ID));
        int targetRank = rank(order, target.runId());

        Map<String, List<Row>> byPurpose = new LinkedHashMap<>();
        rows.stream().sorted(Comparator.comparing((Row r) -> r.<String>getAs(PURPOSE)).thenComparing(ledgerOrder))
                .forEach(r -> byPurpose.computeIfAbsent(r.getAs(PURPOSE), p -> new ArrayList<>()).add(r));

        EvidenceReader reader = new EvidenceReader(outputs, trackId, List.copyOf(byPurpose.keySet()));
        List<PurposeHistory> purposes = new ArrayList<>();
        byPurpose.forEach((p, history) -> {
            List<Row> shown = history.stream()
                    .filter(r -> atRun == null || published(runs.get(r.<String>getAs(RUN_ID)))
                            && rank(order, r.getAs(RUN_ID)) <= targetRank)
                    .toList();
            Row state = null;
            for (Row r : shown) {
                if (published(runs.get(r.<String>getAs(RUN_ID))) && rank(order, r.getAs(RUN_ID)) <= targetRank) {
                    state = r;
                }
            }
            Function<Row, Change> change = r -> reader.change(r, runs.get(r.<String>getAs(RUN_ID)));
            purposes.add(new PurposeHistory(p, state == null ? null : change.apply(state),
                    shown.stream().map(change).toList()));
        });
        if (purposes.stream().allMatch(h -> h.state() == null)) {
            throw new ConfigException("track " + trackId + " had no decision yet at run " + target.runId() + " (as_of "
                    + target.asOf() + "); its first decision is in run " + rows.stream().min(ledgerOrder).orElseThrow()
                    .getAs(RUN_ID));
        }
        return new Explanation(trackId, target.runId(), target.asOf().toString(), purposes);
    }

    private static ConfigException unknown(OutputRoot outputs, String trackId, String purpose) {
        if (purpose != null) {
            TreeSet<String> known = new TreeSet<>(outputs.ledger().filter(col(TRACK_ID).equalTo(trackId))
                    .select(PURPOSE).distinct().collectAsList().stream().map(r -> r.getString(0)).toList());
            if (!known.isEmpty()) {
                return new ConfigException("track " + trackId + " has no decision for purpose '" + purpose
                        + "' in the ledger; its purposes are " + String.join(", ", known));
            }
        }
        return new ConfigException("track " + trackId + " is not in the ledger at "
                + outputs.path(OutputRoot.LEDGER) + ": no run has decided it. Track ids are compared"
                + " exactly as written; check the id (e.g. in the curated tables or lineage/current).");
    }

    private static boolean published(RunRecord run) {
        return run != null && run.status() == RunStatus.SUCCEEDED;
    }

    /** A run's position in the run log's order; rows of runs missing from the log sort last. */
    private static int rank(List<RunRecord> order, String runId) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).runId().equals(runId)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Reads each run's inputs once, and turns ledger rows into explained changes. */
    private static final class EvidenceReader {
        private final OutputRoot outputs;
        private final String trackId;
        /** The purposes explained: what the readings of licences and consent events are asked about. */
        private final List<String> purposes;
        private final Map<String, ReasonSentences.Facts> cache = new HashMap<>();

        EvidenceReader(OutputRoot outputs, String trackId, List<String> purposes) {
            this.outputs = outputs;
            this.trackId = trackId;
            this.purposes = purposes;
        }

        Change change(Row row, RunRecord run) {
            String runId = row.getAs(RUN_ID);
            String uploader = row.getAs(UPLOADER_ID);
            List<String> reasons = row.getList(row.fieldIndex(REASONS));
            List<String> licenseIds = row.isNullAt(row.fieldIndex(LICENSE_IDS)) ? null
                    : row.getList(row.fieldIndex(LICENSE_IDS));
            String decision = row.getAs(DECISION);
            String status = run == null ? "NOT IN RUN LOG" : run.status().name();
            ReasonSentences.Facts facts = run == null ? null
                    : cache.computeIfAbsent(runId + "\u0000" + uploader, k -> facts(run, uploader));
            ReasonSentences.Ledger ledger = new ReasonSentences.Ledger(trackId, row.getAs(PURPOSE), runId,
                    row.<Timestamp>getAs(AS_OF).toInstant(), row.getAs(POLICY_VERSION), row.getAs(POLICY_SHA256),
                    decision, uploader, row.getAs(CONSENT_STATE), row.getAs(CONSENT_EVENT_ID), licenseIds,
                    row.getAs(MATCHED_NO_AI_TAG), row.getAs(EMBEDDED_DMI), row.getAs(Readings.DMI_VALUE),
                    row.getAs(Readings.DMI_COUNTED));
            List<Sentence> sentences = ReasonSentences.explain(reasons, ledger, facts);
            Evidence evidence = evidence(ledger, facts);
            return new Change(runId, ledger.asOf().toString(), status, ledger.policyVersion(), ledger.policySha256(),
                    decision, reasons, sentences, evidence);
        }

        private ReasonSentences.Facts facts(RunRecord run, String uploader) {
            var spark = outputs.spark();
            return new ReasonSentences.Facts(run,
                    RunInputs.rows(spark, run, InputTable.TRACKS, TRACK_ID, trackId, Readings.tracks()),
                    RunInputs.rows(spark, run, InputTable.LICENSES, TRACK_ID, trackId,
                            Readings.licences(run, purposes)),
                    uploader == null ? null : RunInputs.rows(spark, run, InputTable.CONSENTS, USER_ID, uploader,
                            Readings.consents(run, purposes)),
                    RunInputs.quarantined(spark, outputs, run, InputTable.TRACKS, TRACK_ID, trackId),
                    RunInputs.quarantined(spark, outputs, run, InputTable.LICENSES, TRACK_ID, trackId),
                    RunInputs.quarantined(spark, outputs, run, InputTable.CONSENTS, USER_ID, uploader));
        }

        private static Evidence evidence(ReasonSentences.Ledger ledger, ReasonSentences.Facts facts) {
            List<String> notes = new ArrayList<>();
            ConsentEvent event = null;
            List<Licence> licences = new ArrayList<>();
            if (facts == null) {
                notes.add("run " + ledger.runId() + " is not in the run log: its inputs are unknown");
            } else {
                if (ledger.consentEventId() != null && facts.consents() != null) {
                    if (facts.consents().available()) {
                        event = facts.event(ledger.consentEventId()).map(Explain::event).orElse(null);
                        if (event == null) {
                            notes.add("consent event " + ledger.consentEventId() + " is not in "
                                    + facts.consents().source());
                        }
                    } else {
                        notes.add(facts.consents().unavailable());
                    }
                }
                if (ledger.licenseIds() != null && !ledger.licenseIds().isEmpty()) {
                    if (facts.licenses().available()) {
                        for (String id : ledger.licenseIds()) {
                            Optional<Row> licence = facts.licence(id);
                            licence.map(Explain::licence).ifPresent(licences::add);
                            if (licence.isEmpty()) {
                                notes.add("licence " + id + " is not in " + facts.licenses().source());
                            }
                        }
                    } else {
                        notes.add(facts.licenses().unavailable());
                    }
                }
            }
            return new Evidence(ledger.uploaderId(), ledger.consentState(), ledger.consentEventId(), event,
                    ledger.licenseIds(), licences, ledger.matchedNoAiTag(), ledger.embeddedDmi(), notes);
        }
    }

    static ConsentEvent event(Row r) {
        return new ConsentEvent(r.getAs(EVENT_ID), r.getAs(USER_ID), r.getAs(PURPOSE), r.getAs(ACTION),
                ReasonSentences.instant(r.getAs(EVENT_TS)), r.getAs(SOURCE));
    }

    static Licence licence(Row r) {
        List<String> prohibited = r.isNullAt(r.fieldIndex(PROHIBITED_PURPOSES)) ? null
                : r.getList(r.fieldIndex(PROHIBITED_PURPOSES));
        return new Licence(r.getAs(LICENSE_ID), r.getAs(LICENSOR_TYPE), r.getAs(LICENSOR_NAME), prohibited,
                ReasonSentences.instant(r.getAs(VALID_FROM)), ReasonSentences.instant(r.getAs(VALID_TO)));
    }
}
