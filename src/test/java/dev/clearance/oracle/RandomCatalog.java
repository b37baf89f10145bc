package dev.clearance.oracle;

import dev.clearance.oracle.ContractOracle.Consent;
import dev.clearance.oracle.ContractOracle.License;
import dev.clearance.oracle.ContractOracle.Track;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * Seeded generator of small adversarial catalogs for the differential test of the Clearance contract.
 *
 * <p>Ids come from small pools so that collisions (duplicate keys, ties, users with many tracks) happen;
 * timestamps lie on a coarse grid (whole days and a few whole hours around {@link #AS_OF}) so that
 * equalities (valid_to == as_of, event_ts == as_of, same-timestamp ties) happen often. About 10-20% of
 * the rows of each table are invalid in some way; the rest use odd but valid spellings.
 */
public final class RandomCatalog {

    private RandomCatalog() {}

    public record Catalog(List<Track> tracks, List<License> licenses, List<Consent> consents, Instant asOf) {}

    /** A catalog changed by {@link #mutate}, with what was done to it (for a failing seed's message). */
    public record Mutated(Catalog catalog, List<String> changes) {}

    public static final Instant AS_OF = Instant.parse("2026-06-01T00:00:00Z");

    private static final double INVALID = 0.12;

    private static final String[] STATES_VALID = {
            "ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", " active ", "Active", "PRIVATE", "private", "TAKEN_DOWN", " taken_down",
            "Taken_Down", "DELETED", "deleted\t", "ACTIVE\u00A0"};
    private static final String[] STATES_INVALID = {"ARCHIVED", "TAKEN DOWN", "TAKEN-DOWN", "", "  ", null, "ACTIV"};

    private static final String[] LICENSOR_VALID = {
            "SELF", "MAJOR_LABEL", "INDEPENDENT_LABEL", "DISTRIBUTOR", "CREATIVE_COMMONS", "PUBLIC_DOMAIN",
            "self", " major_label ", "Major_Label", "independent_label", "Distributor ", "creative_commons",
            "public_domain", "\tPUBLIC_DOMAIN"};
    private static final String[] LICENSOR_INVALID = {"MAJOR LABEL", "major-label", "LABEL", "", null, "UNKNOWN"};

    private static final String[] ACTIONS_VALID = {
            "OPT_IN", "OPT_IN", "OPT_IN", "OPT_IN", "OPT_OUT", "opt_in", "opt_out", "Opt_Out", " Opt_In ", "OPT_OUT\t",
            "Opt_in"};
    private static final String[] ACTIONS_INVALID = {"OPT-OUT", "OPTOUT", "UNSUBSCRIBE", "", null, "opt in"};

    private static final String[] TAGS = {
            "No AI", "#noai", "no-ai-training", "NOAI", "DoNotTrain", "n o a i", "noai!", "nóai", "lofi", "chill",
            "rock", "ai", "no_ai", "NoAITraining", "do-not-train", "", "  ", "noai2", "lo-fi", "#DONOTTRAIN"};

    private static final String[] DMI = {
            "DMI-UNSPECIFIED", "DMI-ALLOWED", "DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-GENAIMLTRAINING",
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "DMI-PROHIBITED", "DMI-PROHIBITED-SEECONSTRAINT",
            "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
            "dmi-prohibited-genaimltraining", "dmi-allowed", "Dmi-Unspecified", "dmi-prohibited",
            "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING",
            "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED", "http://ns.useplus.org/ldf/vocab/dmi-prohibited-aimltraining",
            "http://ns.useplus.org/ldf/vocab/ DMI-UNSPECIFIED ", " DMI-PROHIBITED-AIMLTRAINING ", "\tDMI-ALLOWED\n",
            "  ", "", "\u00A0DMI-ALLOWED", "http://ns.useplus.org/ldf/vocab/", "DMI-SOMETHING", "GARBAGE", "http://ns.useplus.org/ldf/vocab/DMI-SOMETHING", null, null, null};

    /**
     * Generates a catalog.
     *
     * @param policyPurposes  the policy's purpose names (normalised), used to spell consent / license purposes
     * @param ignoredPurposes the policy's ignored consent purposes (normalised)
     */
    public static Catalog generate(long seed, int trackCount, List<String> policyPurposes, List<String> ignoredPurposes) {
        Random rnd = new Random(seed);
        int userCount = Math.max(2, trackCount / 4 + 1);

        // ---------------------------------------------------------------- tracks
        List<Track> tracks = new ArrayList<>();
        List<String> writtenTrackIds = new ArrayList<>();
        // "clean" tracks get no tag / DMI / state problem and a clean license in force, so that INCLUDED
        // decisions for the strict purposes are not too rare
        boolean[] clean = new boolean[trackCount + 1];
        for (int i = 1; i <= trackCount; i++) {
            String trackId = "t" + i;
            String uploaderId = userId(rnd, userCount);
            String state = pick(rnd, STATES_VALID);
            boolean invalid = rnd.nextDouble() < INVALID;
            if (invalid) {
                switch (rnd.nextInt(5)) {
                    case 0 -> trackId = pick(rnd, new String[] {null, "", "   ", "\t"});
                    case 1 -> uploaderId = pick(rnd, new String[] {null, "", "  "});
                    case 2 -> state = pick(rnd, STATES_INVALID);
                    case 3 -> {   // blank reference and unknown enum together: BLANK_REFERENCE wins
                        uploaderId = pick(rnd, new String[] {null, " "});
                        state = pick(rnd, STATES_INVALID);
                    }
                    default -> {  // duplicate of an earlier key (the earlier row becomes invalid too)
                        if (!writtenTrackIds.isEmpty()) {
                            trackId = writtenTrackIds.get(rnd.nextInt(writtenTrackIds.size()));
                        }
                    }
                }
            } else if (rnd.nextDouble() < 0.06) {
                // a key with surrounding spaces: a different, valid key (unless it collides)
                trackId = pick(rnd, new String[] {" t", "t", "T"}) + (1 + rnd.nextInt(i)) + pick(rnd, new String[] {"", " "});
            }
            if (trackId != null) {
                writtenTrackIds.add(trackId);
            }
            List<String> tags = tags(rnd);
            String dmi = rnd.nextBoolean() ? null : pick(rnd, DMI);
            clean[i] = !invalid && rnd.nextInt(3) == 0;
            if (clean[i]) {
                state = pick(rnd, new String[] {"ACTIVE", " active ", "Active"});
                switch (rnd.nextInt(5)) {
                    case 0 -> tags = null;
                    case 1 -> tags = List.of();
                    case 2 -> tags = List.of("lofi");
                    case 3 -> tags = Arrays.asList(null, "chill");
                    default -> tags = List.of("ai", "nóai");
                }
                dmi = pick(rnd, new String[] {null, null, "DMI-ALLOWED", "dmi-unspecified", "  ",
                        "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED"});
            }
            tracks.add(new Track(trackId, uploaderId, "title " + i, pick(rnd, new String[] {"pop", "rock", null}),
                    rnd.nextInt(10) == 0 ? null : Long.valueOf(60_000L + rnd.nextInt(240_000)),
                    rnd.nextInt(10) == 0 ? null : "s3://audio/" + i + ".flac", tags, state, dmi,
                    rnd.nextInt(8) == 0 ? null : ts(rnd)));
        }

        // ---------------------------------------------------------------- licenses
        List<License> licenses = new ArrayList<>();
        List<String> writtenLicenseIds = new ArrayList<>();
        int licenseSeq = 0;
        for (int i = 1; i <= trackCount + 2; i++) {
            // mostly existing tracks; some point at tracks that do not exist, or at a spaced variant
            String trackId = i <= trackCount ? "t" + i : "t" + (900 + i);
            if (rnd.nextInt(15) == 0) {
                trackId = pick(rnd, new String[] {" ", "", "\t "}) + trackId + pick(rnd, new String[] {"", " "});
            }
            int n = pickWeighted(rnd, new int[] {1, 5, 3, 1}); // 0..3 licenses
            boolean cleanTrack = i <= trackCount && clean[i];
            if (cleanTrack) {
                n = Math.max(n, 1);
            }
            for (int k = 0; k < n; k++) {
                licenseSeq++;
                String licenseId = "L" + licenseSeq;
                String refTrack = trackId;
                String type = pick(rnd, LICENSOR_VALID);
                List<String> prohibited = prohibited(rnd, policyPurposes, false);
                // mostly in force at as_of, but often at the edges of the grid
                Instant from = rnd.nextInt(3) == 0 ? null : AS_OF.minus(Duration.ofDays(rnd.nextInt(5) - 1));
                Instant to = rnd.nextInt(3) == 0 ? null : AS_OF.plus(Duration.ofDays(rnd.nextInt(7) - 1));
                if (rnd.nextInt(5) == 0) {
                    from = from == null ? null : from.plus(Duration.ofHours(rnd.nextInt(3) - 1));
                    to = to == null ? null : to.plus(Duration.ofHours(rnd.nextInt(3) - 1));
                }
                if (from != null && to != null && !to.isAfter(from)) {
                    // keep most rows valid: swap into a proper interval, or make it open-ended
                    if (to.equals(from)) {
                        to = null;
                    } else {
                        Instant tmp = from;
                        from = to;
                        to = tmp;
                    }
                }
                if (rnd.nextInt(8) == 0) {
                    to = AS_OF;               // exclusive end exactly at as_of: not in force
                } else if (rnd.nextInt(6) == 0) {
                    from = AS_OF;             // starts exactly at as_of: in force
                    if (to != null && !to.isAfter(from)) {
                        to = null;
                    }
                }
                if (cleanTrack && k == 0) {
                    // a clean license in force (unless another, later row of this track spoils it)
                    type = pick(rnd, new String[] {"SELF", "independent_label", " Creative_Commons ", "distributor"});
                    prohibited = rnd.nextBoolean() ? null : List.of();
                    from = rnd.nextBoolean() ? null : AS_OF.minus(Duration.ofDays(1));
                    to = rnd.nextBoolean() ? null : AS_OF.plus(Duration.ofDays(1));
                } else if (rnd.nextDouble() < INVALID) {
                    switch (rnd.nextInt(7)) {
                        case 0 -> licenseId = pick(rnd, new String[] {null, "", "  "});
                        case 1 -> refTrack = pick(rnd, new String[] {null, "", " "});
                        case 2 -> type = pick(rnd, LICENSOR_INVALID);
                        case 3 -> {
                            from = ts(rnd);
                            to = rnd.nextBoolean() ? from : from.minus(Duration.ofDays(1 + rnd.nextInt(3)));
                        }
                        case 4 -> prohibited = prohibited(rnd, policyPurposes, true);
                        case 5 -> { // several failures at once: the first in the contract's order wins
                            refTrack = pick(rnd, new String[] {null, " "});
                            type = pick(rnd, LICENSOR_INVALID);
                            prohibited = prohibited(rnd, policyPurposes, true);
                        }
                        default -> {
                            if (!writtenLicenseIds.isEmpty()) {
                                licenseId = writtenLicenseIds.get(rnd.nextInt(writtenLicenseIds.size()));
                            }
                        }
                    }
                    if (rnd.nextInt(4) == 0 && prohibited != null) {
                        // invalid purpose in an otherwise-broken row too
                        prohibited = new ArrayList<>(prohibited);
                        prohibited.add(ignoredPurposes.isEmpty() ? "bogus" : ignoredPurposes.get(0));
                    }
                } else if (rnd.nextInt(25) == 0) {
                    licenseId = " " + licenseId;  // a spaced key: different from "L<n>"
                }
                if (licenseId != null) {
                    writtenLicenseIds.add(licenseId);
                }
                licenses.add(new License(licenseId, refTrack, type,
                        pick(rnd, new String[] {"Sony", "Indie Co", null, "Me"}), prohibited, from, to));
            }
        }

        // ---------------------------------------------------------------- consents
        List<Consent> consents = new ArrayList<>();
        List<String> writtenEventIds = new ArrayList<>();
        int eventSeq = 0;
        for (int u = 1; u <= userCount + 1; u++) {
            String userId = "u" + u;   // user userCount+1 has no tracks (unless via a spaced id)
            int n = rnd.nextInt(8);
            Consent previous = null;
            for (int k = 0; k < n; k++) {
                eventSeq++;
                String eventId = "e" + eventSeq;
                String purpose = consentPurpose(rnd, policyPurposes, ignoredPurposes);
                String action = pick(rnd, ACTIONS_VALID);
                Instant ts = rnd.nextInt(6) == 0 ? AS_OF : ts(rnd);
                String ref = userId;
                if (previous != null && rnd.nextInt(3) == 0) {
                    // a same-timestamp tie with the previous event: same purpose spelled differently, or '*'
                    ts = previous.eventTs();
                    String prevP = ContractOracle.normPurpose(previous.purpose());
                    purpose = rnd.nextInt(4) == 0 ? "*" : spell(rnd, prevP);
                    action = rnd.nextBoolean() ? pick(rnd, ACTIONS_VALID) : previous.action();
                    if (rnd.nextBoolean()) {
                        // make the later-generated event's id sort first sometimes (e.g. "e10" < "e9")
                        eventId = "e" + (eventSeq * 10 + rnd.nextInt(10));
                    }
                }
                if (rnd.nextDouble() < INVALID) {
                    switch (rnd.nextInt(7)) {
                        case 0 -> eventId = pick(rnd, new String[] {null, "", "  "});
                        case 1 -> ref = pick(rnd, new String[] {null, "", " "});
                        case 2 -> action = pick(rnd, ACTIONS_INVALID);
                        case 3 -> ts = null;
                        case 4 -> purpose = pick(rnd, new String[] {"marketing", "analytics", null, "", "gen_ai", "*all"});
                        case 5 -> { // several failures: BLANK_REFERENCE before UNKNOWN_ENUM / NULL_TIMESTAMP
                            ref = pick(rnd, new String[] {null, ""});
                            action = pick(rnd, ACTIONS_INVALID);
                            ts = null;
                        }
                        default -> {
                            if (!writtenEventIds.isEmpty()) {
                                eventId = writtenEventIds.get(rnd.nextInt(writtenEventIds.size()));
                            }
                        }
                    }
                } else if (rnd.nextInt(25) == 0) {
                    eventId = " " + eventId;   // spaced key sorts before "e..."
                } else if (rnd.nextInt(30) == 0) {
                    ref = " " + userId;        // a different user than "u<n>"
                }
                if (eventId != null) {
                    writtenEventIds.add(eventId);
                }
                Consent c = new Consent(eventId, ref, purpose, action, ts,
                        pick(rnd, new String[] {"settings_page", "api", "support", null}));
                consents.add(c);
                if (c.eventTs() != null && c.purpose() != null) {
                    previous = c;
                }
            }
        }
        return new Catalog(tracks, licenses, consents, AS_OF);
    }

    // ---------------------------------------------------------------- the next day's catalog

    /** Spellings that match the no-AI tags every random policy of the differential test has (noai, donottrain). */
    private static final String[] MATCHING_TAGS = {"#NoAI", "No AI", "DoNotTrain", "noai", "#DONOTTRAIN"};
    private static final String[] NOT_RESERVING_DMI = {null, "", "  ", "DMI-ALLOWED", "dmi-unspecified",
            "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED", "Dmi-Unspecified"};

    /**
     * The catalog of a later run at {@code asOf} (after {@code before.asOf()}): the changes a day brings, each kind
     * applied to a few random rows or not at all, chosen by the seed. Three kinds change evidence the ledger records
     * while they can leave every decision as it was, and are made on every call: a matching no-AI tag put first (the
     * matched tag changes; a decision only where no tag matched before and the purpose honours them), an uploader
     * moved between two accounts without consent rows (only uploader_id changes), and an embedded DMI value
     * re-spelled with the same meaning (only the value as read changes). Other kinds may change decisions: another
     * DMI value, uploader, licensor type or state, licences expiring or starting between the two as_of, consent
     * events between them, at the later one or after it (some invalid), consent events deleted, tracks removed,
     * duplicated or added. Others change nothing the ledger records: a title and genre, a tag that matches nothing,
     * a licensor type re-spelled.
     */
    public static Mutated mutate(Catalog before, long seed, Instant asOf, List<String> policyPurposes,
            List<String> ignoredPurposes) {
        Random rnd = new Random(seed * 31 + 17);
        Instant previous = before.asOf();
        List<Track> tracks = new ArrayList<>(before.tracks());
        List<License> licenses = new ArrayList<>(before.licenses());
        List<Consent> consents = new ArrayList<>(before.consents());
        List<String> changes = new ArrayList<>();
        String day = asOf.toString().substring(0, 10);     // new ids differ from one day's changes to the next's

        // a matching no-AI tag put first: the matched tag changes; where one matched already, no decision does
        for (int n = atLeastOne(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            List<String> tags = t.tags() == null ? new ArrayList<>() : new ArrayList<>(t.tags());
            String first = tags.isEmpty() ? null : tags.get(0);
            String tag = pick(rnd, MATCHING_TAGS);
            if (tag.equals(first)) {
                tag = tag.toUpperCase(Locale.ROOT).equals(tag) ? tag.toLowerCase(Locale.ROOT)
                        : tag.toUpperCase(Locale.ROOT);
            }
            tags.add(0, tag);
            tracks.set(i, withTags(t, tags));
            changes.add("tag " + quoted(tag) + " first on " + quoted(t.trackId()));
        }
        // a tag that matches nothing: no evidence changes
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            List<String> tags = t.tags() == null ? new ArrayList<>() : new ArrayList<>(t.tags());
            tags.add("lofi");
            tracks.set(i, withTags(t, tags));
            changes.add("tag 'lofi' appended on " + quoted(t.trackId()));
        }
        // consent events: between the two as_of, exactly at the later one, or after it (not yet in effect)
        for (int n = count(rnd); n > 0; n--) {
            Track t = tracks.get(rnd.nextInt(tracks.size()));
            Instant ts = switch (rnd.nextInt(3)) {
                case 0 -> asOf;
                case 1 -> asOf.plus(Duration.ofHours(1));
                default -> previous.plus(Duration.ofHours(1 + rnd.nextInt(20)));
            };
            String action = rnd.nextInt(8) == 0 ? pick(rnd, ACTIONS_INVALID) : pick(rnd, ACTIONS_VALID);
            Consent c = new Consent("e-" + day + "-" + n, t.uploaderId(),
                    consentPurpose(rnd, policyPurposes, ignoredPurposes), action, ts, "api");
            consents.add(c);
            changes.add("consent " + c.eventId() + " " + quoted(c.action()) + " " + quoted(c.purpose()) + " by "
                    + quoted(c.userId()) + " at " + ts);
        }
        // consent events deleted upstream
        for (int n = Math.min(count(rnd), consents.size()); n > 0; n--) {
            Consent c = consents.remove(rnd.nextInt(consents.size()));
            changes.add("consent " + quoted(c.eventId()) + " deleted");
        }
        // an uploader moved between two accounts that have no consent rows at all: only uploader_id changes
        Set<String> withConsents = new HashSet<>();
        for (Consent c : consents) {
            withConsents.add(c.userId());
        }
        List<Integer> unconsented = new ArrayList<>();
        for (int i = 0; i < tracks.size(); i++) {
            if (tracks.get(i).uploaderId() != null && !withConsents.contains(tracks.get(i).uploaderId())) {
                unconsented.add(i);
            }
        }
        for (int n = Math.min(atLeastOne(rnd), unconsented.size()); n > 0; n--) {
            int i = unconsented.remove(rnd.nextInt(unconsented.size()));
            Track t = tracks.get(i);
            String to = "u-" + day + "-" + (i + 1);
            tracks.set(i, withUploader(t, to));
            changes.add("uploader of " + quoted(t.trackId()) + " " + quoted(t.uploaderId()) + " -> " + quoted(to)
                    + " (no consents either side)");
        }
        // an uploader moved to another account of the catalog: consent (and so decisions) may change
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            String to = tracks.get(rnd.nextInt(tracks.size())).uploaderId();
            tracks.set(i, withUploader(t, to));
            changes.add("uploader of " + quoted(t.trackId()) + " " + quoted(t.uploaderId()) + " -> " + quoted(to));
        }
        // an embedded DMI value re-spelled with the same meaning: the raw value the ledger records changes
        for (int n = atLeastOne(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            String to = sameMeaning(rnd, t.embeddedDmi());
            tracks.set(i, withDmi(t, to));
            changes.add("embedded_dmi of " + quoted(t.trackId()) + " " + quoted(t.embeddedDmi()) + " -> " + quoted(to)
                    + " (same meaning)");
        }
        // any other embedded DMI value
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            String to = pick(rnd, DMI);
            tracks.set(i, withDmi(t, to));
            changes.add("embedded_dmi of " + quoted(t.trackId()) + " -> " + quoted(to));
        }
        // titles and states
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            tracks.set(i, new Track(t.trackId(), t.uploaderId(), t.title() + " (remastered)", "jazz", t.durationMs(),
                    t.audioUri(), t.tags(), t.state(), t.embeddedDmi(), t.uploadedAt()));
            changes.add("title and genre of " + quoted(t.trackId()));
        }
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(tracks.size());
            Track t = tracks.get(i);
            String to = pick(rnd, STATES_VALID);
            tracks.set(i, new Track(t.trackId(), t.uploaderId(), t.title(), t.genre(), t.durationMs(), t.audioUri(),
                    t.tags(), to, t.embeddedDmi(), t.uploadedAt()));
            changes.add("state of " + quoted(t.trackId()) + " -> " + quoted(to));
        }
        // a licensor type re-spelled (nothing changes) or replaced by another valid type
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(licenses.size());
            License l = licenses.get(i);
            String to = rnd.nextBoolean() && l.licensorType() != null
                    ? " " + l.licensorType().toLowerCase(Locale.ROOT) + " " : pick(rnd, LICENSOR_VALID);
            licenses.set(i, new License(l.licenseId(), l.trackId(), to, l.licensorName(), l.prohibitedPurposes(),
                    l.validFrom(), l.validTo()));
            changes.add("licensor_type of " + quoted(l.licenseId()) + " " + quoted(l.licensorType()) + " -> "
                    + quoted(to));
        }
        // licences expiring between the two as_of (or exactly at the later one), and licences starting then
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(licenses.size());
            License l = licenses.get(i);
            Instant to = rnd.nextBoolean() ? asOf : previous.plus(Duration.ofHours(1 + rnd.nextInt(20)));
            Instant from = l.validFrom() != null && !l.validFrom().isBefore(to) ? null : l.validFrom();
            licenses.set(i, new License(l.licenseId(), l.trackId(), l.licensorType(), l.licensorName(),
                    l.prohibitedPurposes(), from, to));
            changes.add("licence " + quoted(l.licenseId()) + " valid until " + to);
        }
        for (int n = count(rnd); n > 0; n--) {
            int i = rnd.nextInt(licenses.size());
            License l = licenses.get(i);
            Instant from = rnd.nextBoolean() ? asOf : previous.plus(Duration.ofHours(1 + rnd.nextInt(20)));
            Instant to = l.validTo() != null && !l.validTo().isAfter(from) ? null : l.validTo();
            licenses.set(i, new License(l.licenseId(), l.trackId(), l.licensorType(), l.licensorName(),
                    l.prohibitedPurposes(), from, to));
            changes.add("licence " + quoted(l.licenseId()) + " valid from " + from);
        }
        // tracks leaving the catalog, a track duplicated (both rows invalid), tracks arriving
        for (int n = count(rnd); n > 0; n--) {
            Track t = tracks.remove(rnd.nextInt(tracks.size()));
            changes.add("track " + quoted(t.trackId()) + " removed");
        }
        if (rnd.nextInt(3) == 0) {
            Track t = tracks.get(rnd.nextInt(tracks.size()));
            tracks.add(withUploader(t, t.uploaderId() == null ? "u1" : t.uploaderId()));
            changes.add("track " + quoted(t.trackId()) + " duplicated");
        }
        for (int n = count(rnd); n > 0; n--) {
            String id = "t-" + day + "-" + n;
            String uploader = tracks.get(rnd.nextInt(tracks.size())).uploaderId();
            tracks.add(new Track(id, uploader == null ? "u1" : uploader, "new " + n, "pop", 120_000L,
                    "s3://audio/" + id + ".flac", rnd.nextBoolean() ? null : tags(rnd),
                    pick(rnd, new String[] {"ACTIVE", " active ", "PRIVATE"}),
                    rnd.nextBoolean() ? null : pick(rnd, DMI),
                    previous));
            licenses.add(new License("L-" + day + "-" + n, id,
                    pick(rnd, new String[] {"SELF", "independent_label", "MAJOR_LABEL"}), "New Co", null,
                    rnd.nextBoolean() ? null : previous, null));
            changes.add("track " + id + " added");
        }
        return new Mutated(new Catalog(tracks, licenses, consents, asOf), changes);
    }

    /** 1 to 3: the changes every seed makes, so that each run of the differential test covers them. */
    private static int atLeastOne(Random rnd) {
        return 1 + rnd.nextInt(3);
    }

    /** 0 (about half the time) to 3: how many rows one kind of change touches. */
    private static int count(Random rnd) {
        return rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(3);
    }

    /** Another spelling of a DMI value that reserves exactly what it did (nothing, or the same IPTC value). */
    private static String sameMeaning(Random rnd, String raw) {
        String effective = ContractOracle.effectiveDmi(raw);
        List<String> spellings = new ArrayList<>();
        if (effective == null) {
            spellings.addAll(Arrays.asList(NOT_RESERVING_DMI));
        } else {
            spellings.addAll(List.of(effective.toLowerCase(Locale.ROOT), " " + effective + "\t",
                    "http://ns.useplus.org/ldf/vocab/" + effective));
            if (effective.equals("DMI-PROHIBITED")) {
                spellings.add("DMI-SOMETHING");      // unknown values count as DMI-PROHIBITED
            }
        }
        spellings.removeIf(v -> Objects.equals(v, raw));
        return spellings.get(rnd.nextInt(spellings.size()));
    }

    private static Track withTags(Track t, List<String> tags) {
        return new Track(t.trackId(), t.uploaderId(), t.title(), t.genre(), t.durationMs(), t.audioUri(), tags,
                t.state(), t.embeddedDmi(), t.uploadedAt());
    }

    private static Track withUploader(Track t, String uploaderId) {
        return new Track(t.trackId(), uploaderId, t.title(), t.genre(), t.durationMs(), t.audioUri(), t.tags(),
                t.state(), t.embeddedDmi(), t.uploadedAt());
    }

    private static Track withDmi(Track t, String dmi) {
        return new Track(t.trackId(), t.uploaderId(), t.title(), t.genre(), t.durationMs(), t.audioUri(), t.tags(),
                t.state(), dmi, t.uploadedAt());
    }

    private static String quoted(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    // ---------------------------------------------------------------- helpers

    private static String userId(Random rnd, int userCount) {
        // skewed: low user numbers own many tracks
        double r = rnd.nextDouble();
        int u = 1 + (int) Math.floor(userCount * r * r);
        String id = "u" + Math.min(u, userCount);
        if (rnd.nextInt(30) == 0) {
            id = id + " ";
        }
        return id;
    }

    /** A timestamp on a coarse grid around AS_OF: whole days in [-4, +2], sometimes shifted by whole hours. */
    private static Instant ts(Random rnd) {
        Instant t = AS_OF.plus(Duration.ofDays(rnd.nextInt(7) - 4));
        if (rnd.nextInt(4) == 0) {
            t = t.plus(Duration.ofHours(rnd.nextInt(3) - 1));
        }
        return t;
    }

    private static List<String> tags(Random rnd) {
        int kind = rnd.nextInt(10);
        if (kind <= 1) {
            return null;
        }
        if (kind <= 4) {
            return List.of();
        }
        int n = 1 + rnd.nextInt(3);
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tags.add(rnd.nextInt(8) == 0 ? null : pick(rnd, TAGS));
        }
        return tags;
    }

    /** Prohibited purposes: null, empty, or a few valid spellings; with {@code bad}, also an unknown one. */
    private static List<String> prohibited(Random rnd, List<String> policyPurposes, boolean bad) {
        int kind = rnd.nextInt(10);
        List<String> out;
        if (!bad && kind <= 2) {
            return null;
        } else if (!bad && kind <= 5) {
            return List.of();
        }
        out = new ArrayList<>();
        int n = 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(6);
            if (c == 0) {
                out.add(pick(rnd, new String[] {"*", " * "}));
            } else if (c == 1) {
                out.add(null);
            } else if (!policyPurposes.isEmpty()) {
                out.add(spell(rnd, policyPurposes.get(rnd.nextInt(policyPurposes.size()))));
            }
        }
        if (bad) {
            out.add(rnd.nextInt(out.size() + 1),
                    pick(rnd, new String[] {"marketing_email", "unknown_purpose", "", "  ", "generative training!", "all"}));
        }
        return out;
    }

    private static String consentPurpose(Random rnd, List<String> policyPurposes, List<String> ignoredPurposes) {
        int c = rnd.nextInt(10);
        if (c == 0) {
            return pick(rnd, new String[] {"*", " * ", "*"});
        }
        if (c == 1 && !ignoredPurposes.isEmpty()) {
            return spell(rnd, ignoredPurposes.get(rnd.nextInt(ignoredPurposes.size())));
        }
        if (policyPurposes.isEmpty()) {
            return "*";
        }
        return spell(rnd, policyPurposes.get(rnd.nextInt(policyPurposes.size())));
    }

    /** A valid alternative spelling of a normalised purpose name ("generative_training" -> "Generative-Training"). */
    static String spell(Random rnd, String normalised) {
        if (normalised == null || normalised.equals("*")) {
            return rnd.nextBoolean() ? "*" : " * ";
        }
        switch (rnd.nextInt(7)) {
            case 0:
                return normalised;
            case 1:
                return normalised.toUpperCase(Locale.ROOT);
            case 2:
                return " " + normalised + " ";
            case 3:
                return titleCase(normalised, '-');
            case 4:
                return normalised.replace('_', ' ');
            case 5:
                return "\t" + titleCase(normalised, ' ') + "  ";
            default:
                return normalised.replace('_', '-').toUpperCase(Locale.ROOT);
        }
    }

    private static String titleCase(String normalised, char sep) {
        String[] parts = normalised.split("_", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append(sep);
            }
            String p = parts[i];
            if (!p.isEmpty()) {
                sb.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
            }
        }
        return sb.toString();
    }

    private static <T> T pick(Random rnd, T[] values) {
        return values[rnd.nextInt(values.length)];
    }

    private static int pickWeighted(Random rnd, int[] weights) {
        int total = Arrays.stream(weights).sum();
        int r = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
