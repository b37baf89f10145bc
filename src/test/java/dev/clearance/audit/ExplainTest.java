package dev.clearance.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clearance.testing.AuditScenario;
import dev.clearance.testing.Cli;
import dev.clearance.testing.SparkExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkExtension.class)
class ExplainTest {
    @Test
    void dump() {
        String c = AuditScenario.config().toString();
        for (String[] args : new String[][] {
                {"explain", "--config", c, "--track", AuditScenario.T2},
                {"explain", "--config", c, "--track", AuditScenario.T4, "--purpose", "generative_training"},
                {"explain", "--config", c, "--track", AuditScenario.T5},
                {"explain", "--config", c, "--track", AuditScenario.T6, "--purpose", "recommendation"},
                {"explain", "--config", c, "--track", AuditScenario.T7, "--purpose", "generative_training"},
                {"explain", "--config", c, "--track", AuditScenario.T3, "--purpose", "recommendation"},
                {"explain", "--config", c, "--track", AuditScenario.T1, "--at-run", AuditScenario.RUN1, "--purpose", "generative_training"},
                {"explain", "--config", c, "--track", AuditScenario.T1, "--purpose", "generative_training", "--json"},
                {"explain", "--config", c, "--track", "nope"},
                {"subject", "--config", c, "--user", AuditScenario.U1},
                {"subject", "--config", c, "--user", AuditScenario.U2},
                {"subject", "--config", c, "--user", AuditScenario.U4},
                {"verify", "--config", c},
                {"verify", "--config", c, "--run", AuditScenario.RUN1},
                {"report", "--config", c, "--out", "/tmp/report-dump.html"},
        }) {
            Cli.Result r = Cli.run(args);
            System.out.println("=== " + String.join(" ", args) + " -> " + r.exitCode() + "\n" + r.out() + r.err());
        }
        assertThat(true).isTrue();
    }
}
