package dev.clearance.catalog;

import dev.clearance.config.JobConfig.TableLocation;
import dev.clearance.config.TableFormat;
import dev.clearance.errors.ClearanceException;
import dev.clearance.errors.Errors.Unreadable;
import dev.clearance.errors.Errors;
import dev.clearance.errors.InputContractException;
import java.io.FileNotFoundException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkThrowable;

/**
 * Tells a failure to read an input file, which retrying cannot fix (exit 3), from an infrastructure failure, which
 * a retry may get past (exit 70). Spark names the file only in the text of the exceptions it chains (its task
 * failures travel to the driver as messages and causes), so the file is found there and matched to the input whose
 * location holds it. It needs no Spark session, so it can be applied to any failure the run lets escape.
 *
 * <p>A failure counts only when both hold: it names a file under an input table, and its chain shows a cause that
 * lies in the file itself (see {@link #why}). A network error anywhere in the chain, a file of an output table,
 * or a file Spark does not name leaves the failure as it is.
 */
public final class UnreadableInput {
    /** Where a read error was raised when the bytes themselves could not be decoded. */
    private static final List<String> DECODERS = List.of("org.apache.parquet.", "shaded.parquet.",
            "org.apache.spark.sql.execution.datasources.parquet.", "org.xerial.snappy.", "com.github.luben.zstd.",
            "io.airlift.compress.", "net.jpountz.", "org.apache.hadoop.io.compress.");
    private static final List<String> JDK = List.of("java.", "javax.", "jdk.", "sun.", "scala.");
    /** How Spark's footer reader reports a file it cannot decode. */
    private static final String CANNOT_READ_FILE_FOOTER = "CANNOT_READ_FILE_FOOTER";
    /** A path or URI as exception messages write it: up to a blank, a quote or a bracket. */
    private static final Pattern PATH = Pattern.compile("(?:[a-zA-Z][a-zA-Z0-9+.-]+:)?/[^\\s\"'<>]+");
    private static final Pattern SCHEME = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]+):(.*)");
    /** Causes and suppressed exceptions looked at, at most: a chain is never this long unless it loops. */
    private static final int MAX_CHAIN = 100;

    private UnreadableInput() {}

    /**
     * {@code failure} as the run reports it: the exit-3 failure of {@link #classify} when it is one, else itself.
     * Scala code throws checked exceptions undeclared (a failed Spark job is a SparkException): they are wrapped,
     * so that a caller handles every failure of a run in one place.
     */
    public static RuntimeException explain(Exception failure, Map<InputTable, TableLocation> inputs) {
        Optional<InputContractException> unreadable = classify(failure, inputs);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
    }

    /**
     * The exit-3 failure that {@code failure} amounts to when it is a read of a file of one of {@code inputs} that
     * fails whatever the retry, naming the table and the file; empty when it is anything else (it then stays what
     * it is). A {@link ClearanceException} is already explained and is never replaced.
     */
    public static Optional<InputContractException> classify(Throwable failure, Map<InputTable, TableLocation> inputs) {
        if (failure instanceof ClearanceException) {
            return Optional.empty();
        }
        List<Throwable> chain = chain(failure);
        if (chain.stream().anyMatch(UnreadableInput::isNetworkFailure)) {
            return Optional.empty();
        }
        for (Throwable t : chain) {
            for (String file : paths(t.getMessage())) {
                Optional<InputTable> table = tableOf(file, inputs);
                if (table.isPresent()) {
                    return why(chain, inputs.get(table.get()).format()).map(
                            why -> Errors.unreadableFile(table.get().tableName(), file, why, failure));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * What in the chain says the file itself is at fault: access refused; a data file of a Delta table that is not
     * there (in a Parquet table it only means the table was rewritten while the run read it, which a retry gets
     * past); a checksum that does not match; or an error raised where the bytes are decoded (Parquet, Spark's
     * Parquet reader, a decompressor), which is what corrupt pages and footers produce, whatever the exception's
     * class. An I/O error raised by the storage client instead is not taken for corruption.
     */
    private static Optional<Unreadable> why(List<Throwable> chain, TableFormat format) {
        if (chain.stream().anyMatch(UnreadableInput::isPermissionDenied)) {
            return Optional.of(Unreadable.PERMISSION_DENIED);
        }
        if (chain.stream().anyMatch(FileNotFoundException.class::isInstance)) {
            return format == TableFormat.DELTA ? Optional.of(Unreadable.MISSING_FROM_DELTA_LOG) : Optional.empty();
        }
        if (chain.stream().anyMatch(ChecksumException.class::isInstance)) {
            return Optional.of(Unreadable.CHECKSUM_MISMATCH);
        }
        if (chain.stream().anyMatch(UnreadableInput::isDecodingFailure)) {
            return Optional.of(Unreadable.CORRUPT);
        }
        return Optional.empty();
    }

    /** HDFS and S3A refuse with these; a local file system reports "(Permission denied)" as "not found". */
    private static boolean isPermissionDenied(Throwable t) {
        return t instanceof AccessControlException || t instanceof AccessDeniedException
                || t instanceof FileNotFoundException && String.valueOf(t.getMessage()).contains("(Permission denied)");
    }

    private static boolean isNetworkFailure(Throwable t) {
        return t instanceof SocketException || t instanceof InterruptedIOException || t instanceof UnknownHostException;
    }

    private static boolean isDecodingFailure(Throwable t) {
        if (t instanceof SparkThrowable spark && CANNOT_READ_FILE_FOOTER.equals(spark.getErrorClass())) {
            return true;
        }
        if (startsWithAny(t.getClass().getName(), DECODERS)) {
            return true;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if (!startsWithAny(frame.getClassName(), JDK)) {
                return startsWithAny(frame.getClassName(), DECODERS);
            }
        }
        return false;
    }

    /** The failure, its causes and suppressed exceptions, depth first, each once. */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> next = new ArrayDeque<>();
        next.push(failure);
        while (!next.isEmpty() && chain.size() < MAX_CHAIN) {
            Throwable t = next.pop();
            if (!seen.add(t)) {
                continue;
            }
            chain.add(t);
            Throwable[] suppressed = t.getSuppressed();
            for (int i = suppressed.length - 1; i >= 0; i--) {
                next.push(suppressed[i]);
            }
            if (t.getCause() != null) {
                next.push(t.getCause());
            }
        }
        return chain;
    }

    /** The paths a message names, without trailing punctuation, as canonical locations (see {@link #canonical}). */
    static List<String> paths(String message) {
        List<String> paths = new ArrayList<>();
        if (message == null) {
            return paths;
        }
        Matcher m = PATH.matcher(message);
        while (m.find()) {
            String path = m.group().replaceFirst("[.,:;)\\]]+$", "");
            paths.add(canonical(path));
            // Spark names the file of a failed task URL-encoded.
            if (path.contains("%")) {
                try {
                    paths.add(canonical(URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8)));
                } catch (IllegalArgumentException notEncoded) {
                    // a literal '%': the path as written is the only candidate
                }
            }
        }
        return paths;
    }

    /** The input whose location holds {@code file}; the deepest one if locations nest. */
    private static Optional<InputTable> tableOf(String file, Map<InputTable, TableLocation> inputs) {
        InputTable found = null;
        int depth = -1;
        for (InputTable table : InputTable.values()) {
            TableLocation location = inputs.get(table);
            if (location == null) {
                continue;
            }
            String root = canonical(location.path());
            if (contains(root, file) && root.length() > depth) {
                found = table;
                depth = root.length();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Whether {@code file} lies under {@code root}. Without a scheme on one side (a path resolved against the
     * default file system, or a message that names a bare path, as HDFS does), only the paths are compared.
     */
    private static boolean contains(String root, String file) {
        boolean bothQualified = SCHEME.matcher(root).matches() && SCHEME.matcher(file).matches();
        return bothQualified ? file.startsWith(root + "/") : pathOf(file).startsWith(pathOf(root) + "/");
    }

    /**
     * A location written one way: {@code file:/x}, {@code file:///x} and {@code /x} all become {@code /x}, an empty
     * authority is dropped ({@code s:///x} is {@code s:/x}), and so is a trailing slash.
     */
    static String canonical(String location) {
        String canonical = location;
        Matcher m = SCHEME.matcher(location);
        if (m.matches()) {
            String scheme = m.group(1).toLowerCase(Locale.ROOT);
            String rest = m.group(2).startsWith("///") ? m.group(2).substring(2) : m.group(2);
            canonical = scheme.equals("file") ? rest : scheme + ":" + rest;
        }
        while (canonical.length() > 1 && canonical.endsWith("/")) {
            canonical = canonical.substring(0, canonical.length() - 1);
        }
        return canonical;
    }

    /** The path of a canonical location, without scheme and authority. */
    private static String pathOf(String location) {
        Matcher m = SCHEME.matcher(location);
        if (!m.matches()) {
            return location;
        }
        String rest = m.group(2);
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            return slash < 0 ? "/" : rest.substring(slash);
        }
        return rest;
    }

    private static boolean startsWithAny(String name, List<String> prefixes) {
        return prefixes.stream().anyMatch(name::startsWith);
    }
}
