"""
### clearance_daily

Runs Clearance once a day on the Spark cluster: `spark-submit` of the application jar
(`clearance-spark.jar`) in **client** deploy mode, so that the task sees the job's exit code and its
`--summary-json` file. See docs/operations.md in the Clearance repository.

Airflow 2.9 or later, 2.x or 3.x. The operator comes from the standard provider
(`apache-airflow-providers-standard`, `airflow.providers.standard.operators.python`), else from Airflow 2's core
(`airflow.operators.python`); the DAG class from the Task SDK (`airflow.sdk`, Airflow 3), else from `airflow`.

* `--as-of` is the end of the data interval, `--run-id` is `daily-` and the logical date: a retried or cleared
  task reruns the same run, which completes an interrupted run or does nothing if it already succeeded. Which
  value is used when:
  * scheduled runs and backfills, Airflow 2 and 3, and manual runs on Airflow 2 or given a logical date on
    Airflow 3: as_of = `dag_run.data_interval_end`, run id from `dag_run.logical_date`. On Airflow 2 the run for
    26 November is `daily-20261126T000000`, as of 27 November 00:00. On Airflow 3 `@daily` is a
    `CronTriggerTimetable` (the default, `create_cron_data_intervals=False`): its data interval is the instant of
    the run, so the logical date and as_of are both 27 November 00:00 and the run id is `daily-20261127T000000`:
    the same as_of.
  * a manual run on Airflow 3 without a logical date (it then has no data interval either): both come from
    `dag_run.run_after`, the time it was triggered, which stays the same for every try and clear of that run.
* Exit 5 (another run holds the output root, or the run log conflicts) and unexpected failures (70, a killed
  process) are retried with exponential backoff. Exit 4 (bad batch: the quarantine is over its limit; nothing
  but the quarantine was published), exit 3 (an input breaks the contract, an unreadable file included) and the
  other contract codes fail at once, without retry.
* The run's outcome (`--summary-json`) is the task's XCom return value; on failure it is pushed under the
  key `summary` when the job wrote one.
* OpenLineage: the job's events name this task's run as their parent (apache-airflow-providers-openlineage
  macros).

Settings, from the Airflow workers' environment: CLEARANCE_HOME (the directory holding clearance-spark.jar
and conf/, the job's working directory), CLEARANCE_CONFIG, SPARK_HOME, CLEARANCE_SPARK_MASTER,
CLEARANCE_SPARK_CONF (extra `key=value` settings separated by spaces).
"""
from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.exceptions import AirflowException, AirflowFailException

try:  # Airflow 3, or Airflow 2.9+ with the standard provider
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2 without it
    from airflow.operators.python import PythonOperator
try:  # Airflow 3: the Task SDK
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

log = logging.getLogger(__name__)

CLEARANCE_HOME = os.environ.get("CLEARANCE_HOME", "/opt/clearance")
APPLICATION_JAR = os.path.join(CLEARANCE_HOME, "clearance-spark.jar")
MAIN_CLASS = "dev.clearance.cli.Main"
CONFIG = os.environ.get("CLEARANCE_CONFIG", os.path.join(CLEARANCE_HOME, "conf", "clearance.yaml"))
SPARK_SUBMIT = os.path.join(os.environ.get("SPARK_HOME", "/opt/spark"), "bin", "spark-submit")
SPARK_MASTER = os.environ.get("CLEARANCE_SPARK_MASTER", "yarn")
EXTRA_SPARK_CONF = shlex.split(os.environ.get("CLEARANCE_SPARK_CONF", ""))

# spark-submit itself. Client mode: the driver runs in this task, so its exit code is the job's.
SPARK_SUBMIT_ARGS = [
    SPARK_SUBMIT,
    "--master", SPARK_MASTER,
    "--deploy-mode", "client",
    "--name", "clearance-daily",
    "--class", MAIN_CLASS,
    "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
    "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
    *[arg for setting in EXTRA_SPARK_CONF for arg in ("--conf", setting)],
    APPLICATION_JAR,
]

# The clearance command line (templated by Airflow). jobs/airflow/check_dag.py checks every option here
# against the built CLI's `run --help`. The dates are read from `dag_run`: Airflow 3 leaves `logical_date`, `ds`, `ts`
# and the like out of the context of a run without a logical date (an error for Airflow's StrictUndefined), where
# `dag_run.logical_date` and `dag_run.data_interval_end` are None. `dag_run.run_after` (Airflow 3 only) is read only
# then.
CLEARANCE_ARGS = [
    "run",
    "--config", CONFIG,
    "--as-of", "{{ (dag_run.data_interval_end or dag_run.run_after) | ts }}",
    "--run-id", "daily-{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }}",
    "--summary-json",
    "/tmp/clearance/{{ dag.dag_id }}/{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }}-{{ ti.try_number }}.json",
    "--lineage-parent-job-namespace", "{{ macros.OpenLineageProviderPlugin.lineage_job_namespace() }}",
    "--lineage-parent-job-name", "{{ macros.OpenLineageProviderPlugin.lineage_job_name(task_instance) }}",
    "--lineage-parent-run-id", "{{ macros.OpenLineageProviderPlugin.lineage_run_id(task_instance) }}",
]

# Exit codes (Clearance's docs/exit-codes.md) that retrying cannot fix: fail the task at once.
FAIL_WITHOUT_RETRY = {
    1: "spark-submit failed before Clearance ran (bad submit arguments, missing jar); `run` never returns 1",
    2: "bad usage or configuration: fix the command line, clearance.yaml or policy.yaml, then clear the task",
    3: "an input breaks the contract (a schema, or a file that cannot be read, named in the message): fix the"
       " upstream export or the file, then clear the task",
    4: "bad batch: the quarantine exceeded its limit; only the quarantine and a FAILED run row were published,"
       " the curated tables are unchanged. Show the upstream owners the run's quarantine rows, then clear the task",
}
# Exit codes worth retrying: the same run_id completes or succeeds later.
RETRY = {
    5: "conflict: another run holds the output root, or the run log refuses this run for now",
    70: "unexpected failure (storage, cluster); a retry completes the interrupted run",
}


def submit_clearance(args: list[str], ti, **_context) -> dict | None:
    """Runs spark-submit, streams its output to the task log and maps its exit code to retry or fail."""
    summary_file = Path(args[args.index("--summary-json") + 1])
    summary_file.parent.mkdir(parents=True, exist_ok=True)
    summary_file.unlink(missing_ok=True)
    command = [*SPARK_SUBMIT_ARGS, *args]
    log.info("running: %s", shlex.join(command))
    with subprocess.Popen(command, cwd=CLEARANCE_HOME, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as process:
        for line in process.stdout:
            log.info("%s", line.rstrip())
        code = process.wait()
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None
    if code == 0:
        if summary is None:
            log.warning("clearance succeeded but wrote no %s", summary_file)
        return summary
    said = ""
    if summary is not None:
        ti.xcom_push(key="summary", value=summary)
        said = f" (clearance: {summary.get('message')})"
    if code in FAIL_WITHOUT_RETRY:
        raise AirflowFailException(f"clearance exited {code}, not retrying: {FAIL_WITHOUT_RETRY[code]}{said}")
    reason = RETRY.get(code, "killed or failed outside Clearance; a retry completes the interrupted run")
    raise AirflowException(f"clearance exited {code}, will retry: {reason}{said}")


with DAG(
    dag_id="clearance_daily",
    description="Clearance: decide and publish the AI-usage status of every catalog track",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-governance",
        "depends_on_past": True,
        "retries": 5,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=6),
    },
    doc_md=__doc__,
    tags=["clearance", "data-governance"],
) as dag:
    PythonOperator(
        task_id="clearance_run",
        python_callable=submit_clearance,
        op_kwargs={"args": CLEARANCE_ARGS},
    )
