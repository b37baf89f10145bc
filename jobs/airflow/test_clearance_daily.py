"""The DAG's task callable, run with stand-ins for the few Airflow names it imports (Airflow is not installed here)
and a stand-in for spark-submit: each exit code must fail without retry or be retried, as documented.

Run: python3 -m unittest discover -s jobs/airflow -p 'test_*.py'
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import types
import unittest
from pathlib import Path

DAG_FILE = Path(__file__).with_name("clearance_daily.py")


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class _Recorder:
    """Stands in for DAG and PythonOperator: records its keyword arguments."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _install_stand_ins() -> None:
    modules = {
        "airflow": types.ModuleType("airflow"),
        "airflow.exceptions": types.ModuleType("airflow.exceptions"),
        "airflow.operators": types.ModuleType("airflow.operators"),
        "airflow.operators.python": types.ModuleType("airflow.operators.python"),
        "pendulum": types.ModuleType("pendulum"),
    }
    modules["airflow"].DAG = _Recorder
    modules["airflow.exceptions"].AirflowException = AirflowException
    modules["airflow.exceptions"].AirflowFailException = AirflowFailException
    modules["airflow.operators.python"].PythonOperator = _Recorder
    modules["pendulum"].datetime = lambda *args, **kwargs: (args, kwargs)
    sys.modules.update(modules)


def _load_dag():
    _install_stand_ins()
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


if __name__ == "__main__":
    unittest.main()
