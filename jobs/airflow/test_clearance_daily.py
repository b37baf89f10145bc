"""The DAG's task callable, run with stand-ins for the few Airflow names it imports (Airflow is not installed here)
and a stand-in for spark-submit: each exit code must fail without retry or be retried, as documented. The DAG is
loaded with the module layout of Airflow 3 and of Airflow 2, and its templates rendered with Jinja (as Airflow
does, undefined names an error) for a scheduled run on each and a manual Airflow 3 run without a logical date.

Run: python3 -m unittest discover -s jobs/airflow -p 'test_*.py'   (needs Jinja2, e.g. Debian's python3-jinja2)
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import types
import unittest
from datetime import datetime, timezone
from pathlib import Path

import jinja2

DAG_FILE = Path(__file__).with_name("clearance_daily.py")


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class _Recorder:
    """Stands in for DAG and PythonOperator: records its keyword arguments."""

    made: list[_Recorder] = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Airflow3DAG(_Recorder):
    pass


class Airflow3PythonOperator(_Recorder):
    pass


class Airflow2DAG(_Recorder):
    pass


class Airflow2PythonOperator(_Recorder):
    pass


def _install_stand_ins(airflow_3: bool) -> None:
    """Airflow 3's modules (Task SDK, standard provider, and the compatibility paths), or Airflow 2's only."""
    for name in [m for m in sys.modules if m == "airflow" or m.startswith("airflow.")]:
        del sys.modules[name]
    names = ["airflow", "airflow.exceptions", "airflow.operators", "airflow.operators.python", "pendulum"]
    if airflow_3:
        names += ["airflow.sdk", "airflow.providers", "airflow.providers.standard",
                  "airflow.providers.standard.operators", "airflow.providers.standard.operators.python"]
    modules = {name: types.ModuleType(name) for name in names}
    modules["airflow.exceptions"].AirflowException = AirflowException
    modules["airflow.exceptions"].AirflowFailException = AirflowFailException
    modules["pendulum"].datetime = lambda *args, **kwargs: (args, kwargs)
    if airflow_3:
        modules["airflow.sdk"].DAG = Airflow3DAG
        modules["airflow.providers.standard.operators.python"].PythonOperator = Airflow3PythonOperator
        modules["airflow"].DAG = Airflow2DAG
        modules["airflow.operators.python"].PythonOperator = Airflow2PythonOperator
    else:
        modules["airflow"].DAG = Airflow2DAG
        modules["airflow.operators.python"].PythonOperator = Airflow2PythonOperator
    sys.modules.update(modules)


def _load_dag(airflow_3: bool = True):
    _install_stand_ins(airflow_3)
    _Recorder.made.clear()
    spec = importlib.util.spec_from_file_location("clearance_daily", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# spark-submit's stand-in: prints a line, writes the summary (unless told not to) and exits with FAKE_EXIT.
FAKE_SPARK_SUBMIT = """
import json, os, sys
args = sys.argv[1:]
print("clearance output line")
if not os.environ.get("FAKE_NO_SUMMARY"):
    with open(args[args.index("--summary-json") + 1], "w") as f:
        json.dump({"exit_code": int(os.environ["FAKE_EXIT"]), "message": "said " + os.environ["FAKE_EXIT"]}, f)
sys.exit(int(os.environ["FAKE_EXIT"]))
"""


class TaskInstance:
    def __init__(self):
        self.pushed = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


class ClearanceDailyTest(unittest.TestCase):
    def setUp(self):
        self.dag = _load_dag()
        self.dir = tempfile.TemporaryDirectory()
        work = Path(self.dir.name)
        fake = work / "spark_submit.py"
        fake.write_text(FAKE_SPARK_SUBMIT)
        self.dag.SPARK_SUBMIT_ARGS = [sys.executable, str(fake)]
        self.dag.CLEARANCE_HOME = str(work)
        summary = str(work / "summaries" / "summary.json")
        self.args = [summary if a.startswith("/tmp/clearance/") else a for a in self.dag.CLEARANCE_ARGS]
        self.addCleanup(self.dir.cleanup)
        self.addCleanup(os.environ.pop, "FAKE_EXIT", None)
        self.addCleanup(os.environ.pop, "FAKE_NO_SUMMARY", None)

    def run_task(self, code: int, ti: TaskInstance):
        os.environ["FAKE_EXIT"] = str(code)
        return self.dag.submit_clearance(self.args, ti=ti)

    def test_success_returns_the_summary_for_xcom(self):
        ti = TaskInstance()
        self.assertEqual(self.run_task(0, ti), {"exit_code": 0, "message": "said 0"})
        self.assertEqual(ti.pushed, {})

    def test_a_bad_batch_fails_without_retry_and_says_so(self):
        ti = TaskInstance()
        with self.assertRaises(AirflowFailException) as failure:
            self.run_task(4, ti)
        self.assertIn("clearance exited 4, not retrying: bad batch: the quarantine exceeded its limit",
                      str(failure.exception))
        self.assertIn("(clearance: said 4)", str(failure.exception))
        self.assertEqual(ti.pushed, {"summary": {"exit_code": 4, "message": "said 4"}})

    def test_contract_codes_fail_without_retry(self):
        for code in (1, 2, 3):
            with self.subTest(code=code), self.assertRaises(AirflowFailException) as failure:
                self.run_task(code, TaskInstance())
            self.assertIn(f"clearance exited {code}, not retrying", str(failure.exception))

    def test_conflicts_unexpected_failures_and_kills_are_retried(self):
        for code in (5, 70, 137):
            with self.subTest(code=code), self.assertRaises(AirflowException) as failure:
                self.run_task(code, TaskInstance())
            self.assertNotIsInstance(failure.exception, AirflowFailException)
            self.assertIn(f"clearance exited {code}, will retry", str(failure.exception))

    def test_a_success_without_summary_still_succeeds(self):
        os.environ["FAKE_NO_SUMMARY"] = "1"
        with self.assertLogs(self.dag.log, "WARNING"):
            self.assertIsNone(self.run_task(0, TaskInstance()))


def _render(template: str, **context) -> str:
    """As Airflow renders a templated field: StrictUndefined, its ts and ts_nodash filters."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.filters["ts"] = lambda value: value.isoformat()
    environment.filters["ts_nodash"] = lambda value: value.strftime("%Y%m%dT%H%M%S")
    return environment.from_string(template).render(**context)


class _Object:
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


def _utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


class ClearanceDailyOnBothAirflowsTest(unittest.TestCase):
    def test_airflow_3_uses_the_standard_provider_and_the_task_sdk(self):
        _load_dag(airflow_3=True)
        self.assertEqual([type(made) for made in _Recorder.made], [Airflow3DAG, Airflow3PythonOperator])

    def test_airflow_2_falls_back_to_its_own_modules(self):
        _load_dag(airflow_3=False)
        self.assertEqual([type(made) for made in _Recorder.made], [Airflow2DAG, Airflow2PythonOperator])

    def test_as_of_and_run_id_are_defined_for_every_kind_of_run(self):
        args = _load_dag().CLEARANCE_ARGS
        lineage = _Object(lineage_job_namespace=lambda: "airflow", lineage_job_name=lambda ti: "clearance_daily.run",
                          lineage_run_id=lambda ti: "01890f4e-6c5a-7b3e-9d2f-3a4b5c6d7e8f")
        task_instance = _Object(try_number=1)
        common = {"dag": _Object(dag_id="clearance_daily"), "ti": task_instance, "task_instance": task_instance,
                  "macros": _Object(OpenLineageProviderPlugin=lineage)}
        runs = {
            # Airflow 2, scheduled, backfilled or manual: the DagRun has no run_after attribute at all.
            "airflow 2": dict(logical_date=_utc(2026, 11, 26), data_interval_end=_utc(2026, 11, 27),
                              dag_run=_Object(logical_date=_utc(2026, 11, 26), data_interval_end=_utc(2026, 11, 27))),
            # Airflow 3, scheduled by @daily's CronTriggerTimetable: the interval is the run's instant.
            "airflow 3 scheduled": dict(logical_date=_utc(2026, 11, 27), data_interval_end=_utc(2026, 11, 27),
                                        dag_run=_Object(logical_date=_utc(2026, 11, 27),
                                                        data_interval_end=_utc(2026, 11, 27),
                                                        run_after=_utc(2026, 11, 27))),
            # Airflow 3, triggered without a logical date: no logical_date, ds, ts… in the context, no data interval.
            "airflow 3 manual": dict(data_interval_end=None,
                                     dag_run=_Object(logical_date=None, data_interval_end=None,
                                                     run_after=_utc(2026, 11, 27, 10, 15, 32))),
        }
        expected = {
            "airflow 2": ("2026-11-27T00:00:00+00:00", "daily-20261126T000000"),
            "airflow 3 scheduled": ("2026-11-27T00:00:00+00:00", "daily-20261127T000000"),
            "airflow 3 manual": ("2026-11-27T10:15:32+00:00", "daily-20261127T101532"),
        }
        for run, context in runs.items():
            with self.subTest(run=run):
                rendered = [_render(arg, **common, **context) for arg in args]
                self.assertEqual((rendered[rendered.index("--as-of") + 1], rendered[rendered.index("--run-id") + 1]),
                                 expected[run])
                summary = rendered[rendered.index("--summary-json") + 1]
                self.assertEqual(summary, f"/tmp/clearance/clearance_daily/{expected[run][1][6:]}-1.json")


if __name__ == "__main__":
    unittest.main()
