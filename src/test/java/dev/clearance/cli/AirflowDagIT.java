package dev.clearance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Airflow DAG cannot run here (no Airflow), so jobs/airflow/check_dag.py checks it statically against the
 * built CLI, and jobs/airflow/test_clearance_daily.py runs its task with stand-ins for Airflow and spark-submit.
 * This runs both, and the check on broken copies of the DAG to show that it bites.
 */
class AirflowDagIT {
    private static final Path DAG = Path.of("jobs/airflow/clearance_daily.py");
    private static final Path CHECKER = Path.of("jobs/airflow/check_dag.py");

    @TempDir
    Path dir;

    private record Result(int code, String output) {}

    @Test
    void theShippedDagPassesTheStaticCheck() throws Exception {
        Result result = check(DAG);
        assertThat(result.code()).as(result.output()).isZero();
        assertThat(result.output()).startsWith("check_dag: ok ");
    }

    @Test
    void theTaskFailsOrRetriesByExitCodeAsDocumented() throws Exception {
        Result result = python(List.of("-m", "unittest", "discover", "-s", "jobs/airflow", "-p", "test_*.py"));
        assertThat(result.code()).as(result.output()).isZero();
        assertThat(result.output()).contains("Ran 8 tests").endsWith("OK\n");
    }

    static Stream<Arguments> brokenDags() {
        return Stream.of(
                Arguments.of("\"--config\", CONFIG,", "\"--config\", CONFIG, \"--no-such-option\", \"x\",",
                        "--no-such-option is not an option of `clearance run` (its options: "),
                Arguments.of("\"--config\", CONFIG,", "",
                        "`clearance run` requires --config"),
                Arguments.of("\"--as-of\", \"{{ (dag_run.data_interval_end or dag_run.run_after) | ts }}\",",
                        "\"--as-of\",", "--as-of needs a value"),
                Arguments.of("{{ (dag_run.data_interval_end or dag_run.run_after) | ts }}", "{{ data_interval_end | ts }}",
                        "{{ data_interval_end | ts }} reads data_interval_end, which Airflow 3 removed or leaves out"),
                Arguments.of("daily-{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }}",
                        "daily-{{ dag_run.logical_date | ts_nodash }}",
                        "{{ dag_run.logical_date | ts_nodash }} is None for an Airflow 3 run without a logical date"),
                Arguments.of("""
                        try:  # Airflow 3, or Airflow 2.9+ with the standard provider
                            from airflow.providers.standard.operators.python import PythonOperator
                        except ImportError:  # Airflow 2 without it
                            from airflow.operators.python import PythonOperator
                        """, "from airflow.operators.python import PythonOperator\n",
                        "PythonOperator from airflow.operators.python without a fallback"),
                Arguments.of("schedule=\"@daily\"", "schedule=\"@hourly\"",
                        "the DAG's schedule must be daily"),
                Arguments.of("    5: \"conflict", "    4: \"conflict",
                        "exit 5 (CONFLICT) must be retried"),
                Arguments.of("    3: \"an input", "    70: \"an input",
                        "exit 3 (INPUT_CONTRACT) must fail without retry"),
                Arguments.of("\"--deploy-mode\", \"client\"", "\"--deploy-mode\", \"cluster\"",
                        "SPARK_SUBMIT_ARGS must pass --deploy-mode client"));
    }

    @ParameterizedTest
    @MethodSource("brokenDags")
    void aBrokenDagFailsTheCheckWithAMessageNamingTheProblem(String original, String replacement, String message)
            throws Exception {
        String dag = Files.readString(DAG);
        assertThat(dag).contains(original);
        Path broken = Files.writeString(dir.resolve("clearance_daily.py"), dag.replace(original, replacement));
        Result result = check(broken);
        assertThat(result.code()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("check_dag: FAIL " + broken.toAbsolutePath()).contains(message);
    }

    private static Result check(Path dag) throws IOException, InterruptedException {
        return python(List.of(CHECKER.toString(), "--dag", dag.toAbsolutePath().toString()));
    }

    private static Result python(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", "-B"));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python3 %s finished", args).isTrue();
        return new Result(process.exitValue(), output);
    }
}
