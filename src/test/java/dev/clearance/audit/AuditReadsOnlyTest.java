package dev.clearance.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.errors.ExitCode;
import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.SparkExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auditor's views only read: an audit years later must not change what it audits, and the job (which
 * reports through this package) must not depend on the code that runs it.
 */
@ExtendWith(SparkExtension.class)
class AuditReadsOnlyTest {
    private static final Pattern RUN_OR_CLI = Pattern.compile("import (static )?dev\\.clearance\\.(run|cli)\\..*");

    @Test
    void noAuditClassImportsTheRunOrTheCommandLine() throws IOException {
        try (Stream<Path> sources = Files.list(Path.of("src/main/java/dev/clearance/audit"))) {
            List<String> imports = sources.flatMap(source -> lines(source)
                            .filter(line -> RUN_OR_CLI.matcher(line).matches())
                            .map(line -> source.getFileName() + ": " + line))
                    .toList();
            assertThat(imports).isEmpty();
        }
    }

    @Test
    void explainSubjectAndReportLeaveTheLakeAndTheOutputsAsTheyWere(@TempDir Path dir) {
        String config = AuditScenario.config().toString();
        Map<String, String> before = files(AuditScenario.dir());

        assertThat(Cli.run("explain", "--config", config, "--track", AuditScenario.T1).exitCode())
                .isEqualTo(ExitCode.OK.code());
        assertThat(Cli.run("subject", "--config", config, "--user", AuditScenario.U2).exitCode())
                .isEqualTo(ExitCode.OK.code());
        assertThat(Cli.run("report", "--config", config, "--out", dir.resolve("report.html").toString()).exitCode())
                .isEqualTo(ExitCode.OK.code());

        assertThat(files(AuditScenario.dir())).isEqualTo(before);
        assertThat(dir.resolve("report.html")).isNotEmptyFile();
    }

    /** Every file under {@code root}: its size and modification time. */
    private static Map<String, String> files(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            Map<String, String> found = new TreeMap<>();
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                found.put(root.relativize(file).toString(), Files.size(file) + " " + Files.getLastModifiedTime(file));
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> lines(Path source) {
        try {
            return Files.readAllLines(source).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
