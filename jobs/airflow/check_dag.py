#!/usr/bin/env python3
"""Static check of the Airflow DAG (Airflow is not installed where Clearance is built and tested).

Parses the DAG file with `ast`, without importing it, and checks that:
  * it compiles, and defines a DAG with a daily schedule and max_active_runs=1 whose task gets CLEARANCE_ARGS;
  * every --option in CLEARANCE_ARGS exists in the built CLI (`clearance <command> --help` of target/clearance.jar),
    takes a value exactly when the CLI says so, appears once, and the CLI's required options are all there;
  * --as-of comes from the data interval's end, and --run-id from the logical date in the run_id format
    that run/RunIds.java accepts, both read from dag_run and falling back to dag_run.run_after, as does every
    other template reading a date: an Airflow 3 manual run may have neither a logical date nor a data interval,
    and then its context has no logical_date, ds, ts and the like;
  * PythonOperator comes from the standard provider and DAG from the Task SDK (Airflow 3), each falling back to
    its Airflow 2 module on ImportError, so that the DAG loads on Airflow 2.9+ and 3.x;
  * exits 3 and 4 fail without retry and exit 5 is retried, and every code it names is one of errors/ExitCode.java;
  * spark-submit runs in client mode, with the main class of the application jar's manifest and that jar's name.

Usage: jobs/airflow/check_dag.py [--dag FILE] [--project DIR]   (after `mvn package`)
Exit status: 0 when every check passes, 1 otherwise (each failure is printed), 2 when the project is not built.
"""
from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
APPLICATION_JAR = "clearance-spark.jar"
# The run id's template expressions this check can render, each for the runs it must be defined for: a scheduled
# run on Airflow 2 (logical date = the interval's start), and a manual run without a logical date on Airflow 3.
SAMPLE_RENDERINGS = {
    "(dag_run.logical_date or dag_run.run_after) | ts_nodash": {"airflow 2": "20261126T000000",
                                                                "airflow 3 manual": "20261127T101532"},
}
# Context variables that Airflow 3 removed, or leaves out of the context of a run without a logical date.
UNDEFINED_ON_AIRFLOW_3 = {"execution_date", "next_execution_date", "prev_execution_date", "next_ds", "prev_ds",
                          "tomorrow_ds", "yesterday_ds", "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz",
                          "logical_date", "data_interval_start", "data_interval_end"}
# The run's dates that are None for an Airflow 3 run without a logical date.
NONE_ON_AIRFLOW_3 = {"dag_run.logical_date", "dag_run.data_interval_start", "dag_run.data_interval_end"}
# name: (the Airflow 3 module it must come from, the Airflow 2 module it falls back to on ImportError)
IMPORTS = {
    "PythonOperator": ("airflow.providers.standard.operators.python", "airflow.operators.python"),
    "DAG": ("airflow.sdk", "airflow"),
}


class Cli:
    """The options of one clearance subcommand, read from its --help output."""

    def __init__(self, command: str, help_text: str):
        self.takes_value: dict[str, bool] = {}
        self.required: set[str] = set()
        lines = help_text.splitlines()
        synopsis = []
        for i, line in enumerate(lines):
            if i == 0 or (synopsis and line.startswith(" ")):
                synopsis.append(line)
            else:
                break
        depth = 0
        for token in re.findall(r"\[|\]|--[A-Za-z0-9][\w-]*", " ".join(synopsis)):
            if token == "[":
                depth += 1
            elif token == "]":
                depth -= 1
            elif depth == 0:
                self.required.add(token)
        for line in lines:
            match = re.match(r"^\s{0,8}(?:-\w, )?(--[A-Za-z0-9][\w-]*)(=\S+)?", line)
            if match:
                self.takes_value[match.group(1)] = match.group(2) is not None
        if not self.takes_value:
            raise SystemExit(f"check_dag: could not read any option from `clearance {command} --help`:\n{help_text}")


def cli_options(project: Path, command: str) -> Cli:
    jar = project / "target" / "clearance.jar"
    classpath_file = project / "target" / "classpath.txt"
    if not jar.exists() or not classpath_file.exists():
        print(f"check_dag: {jar} or {classpath_file} is missing: build the project first (mvn package)",
              file=sys.stderr)
        sys.exit(2)
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"
    classpath = f"{jar}{os.pathsep}{classpath_file.read_text().strip()}"
    result = subprocess.run([java, "-cp", classpath, application_main_class(project), command, "--help"], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"check_dag: `clearance {command} --help` exited {result.returncode}:\n"
                         f"{result.stdout}{result.stderr}")
    return Cli(command, result.stdout)


def exit_codes(project: Path) -> dict[int, str]:
    source = (project / "src/main/java/dev/clearance/errors/ExitCode.java").read_text()
    return {int(code): name for name, code in re.findall(r"\b([A-Z_]+)\((\d+)\)", source)}


def run_id_pattern(project: Path) -> re.Pattern:
    source = (project / "src/main/java/dev/clearance/run/RunIds.java").read_text()
    match = re.search(r'VALID\s*=\s*Pattern\.compile\("((?:[^"\\]|\\.)*)"\)', source)
    if not match:
        raise SystemExit("check_dag: no VALID pattern found in run/RunIds.java")
    return re.compile(match.group(1).encode().decode("unicode_escape"))


class DagFile:
    def __init__(self, path: Path):
        self.path = path
        self.source = path.read_text()
        self.tree = ast.parse(self.source, filename=str(path))
        compile(self.tree, str(path), "exec")
        self.constants: dict[str, ast.expr] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.constants[node.targets[0].id] = node.value

    def where(self, node: ast.AST) -> str:
        return f"{self.path}:{getattr(node, 'lineno', '?')}"

    def value(self, node: ast.expr):
        """A literal, following module-level names; None when not static."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.value(self.constants[node.id])
        try:
            return ast.literal_eval(node)
        except ValueError:
            return None

    def calls(self, name: str) -> list[ast.Call]:
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if called == name:
                    found.append(node)
        return found


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_daily(schedule) -> bool:
    if schedule in ("@daily", "@midnight"):
        return True
    fields = schedule.split() if isinstance(schedule, str) else []
    return len(fields) == 5 and all(f.isdigit() for f in fields[:2]) and fields[2:] == ["*", "*", "*"]


def check(dag_path: Path, project: Path) -> list[str]:
    errors: list[str] = []
    dag = DagFile(dag_path)

    dags = dag.calls("DAG")
    if len(dags) != 1:
        return [f"{dag_path}: expected exactly one DAG(...), found {len(dags)}"]
    dag_call = dags[0]
    schedule = keyword(dag_call, "schedule") or keyword(dag_call, "schedule_interval")
    if schedule is None or not is_daily(dag.value(schedule)):
        errors.append(f"{dag.where(dag_call)}: the DAG's schedule must be daily (\"@daily\" or a daily cron), got "
                      f"{ast.unparse(schedule) if schedule is not None else 'none'}")
    max_runs = keyword(dag_call, "max_active_runs")
    if max_runs is None or dag.value(max_runs) != 1:
        errors.append(f"{dag.where(dag_call)}: max_active_runs must be 1 (one Clearance run at a time)")

    wired = any(isinstance(node, ast.Name) and node.id == "CLEARANCE_ARGS"
                for call in dag.calls("PythonOperator") for kw in call.keywords if kw.arg == "op_kwargs"
                for node in ast.walk(kw.value))
    if not wired:
        errors.append(f"{dag_path}: no PythonOperator gets CLEARANCE_ARGS in its op_kwargs")

    args_node = dag.constants.get("CLEARANCE_ARGS")
    if not isinstance(args_node, ast.List) or not args_node.elts:
        return errors + [f"{dag_path}: CLEARANCE_ARGS must be a module-level list literal: the clearance command line"]
    if any(isinstance(e, ast.Starred) for e in args_node.elts):
        errors.append(f"{dag.where(args_node)}: CLEARANCE_ARGS must list every argument (no *unpacking)")
    command = dag.value(args_node.elts[0])
    if not isinstance(command, str) or command.startswith("-"):
        return errors + [f"{dag.where(args_node)}: CLEARANCE_ARGS must start with the clearance command, e.g. \"run\""]

    cli = cli_options(project, command)
    known = ", ".join(sorted(cli.takes_value))
    passed: dict[str, ast.expr | None] = {}
    elements = args_node.elts[1:]
    i = 0
    while i < len(elements):
        element = elements[i]
        text = dag.value(element)
        if not (isinstance(text, str) and text.startswith("--")):
            errors.append(f"{dag.where(element)}: {ast.unparse(element)} is not an option nor an option's value")
            i += 1
            continue
        option = text.split("=", 1)[0]
        if option not in cli.takes_value:
            errors.append(f"{dag.where(element)}: {option} is not an option of `clearance {command}` "
                          f"(its options: {known})")
            following = dag.value(elements[i + 1]) if i + 1 < len(elements) else "--"
            i += 1 if isinstance(following, str) and following.startswith("--") else 2
            continue
        if option in passed:
            errors.append(f"{dag.where(element)}: {option} is passed twice")
        value = None
        if "=" in text:
            if not cli.takes_value[option]:
                errors.append(f"{dag.where(element)}: {option} takes no value")
        elif cli.takes_value[option]:
            following = elements[i + 1] if i + 1 < len(elements) else None
            following_text = dag.value(following) if following is not None else None
            if following is None or (isinstance(following_text, str) and following_text.startswith("--")):
                errors.append(f"{dag.where(element)}: {option} needs a value")
            else:
                value = following
                i += 1
        passed[option] = value
        i += 1
    for option in sorted(cli.required - passed.keys()):
        errors.append(f"{dag.where(args_node)}: `clearance {command}` requires {option}")

    if command == "run":
        errors += check_dates(dag, args_node, passed, run_id_pattern(project))
    errors += check_imports(dag)

    codes = exit_codes(project)
    no_retry = dag.value(dag.constants.get("FAIL_WITHOUT_RETRY", ast.Constant(None)))
    retry = dag.value(dag.constants.get("RETRY", ast.Constant(None)))
    if not isinstance(no_retry, dict) or not isinstance(retry, dict):
        errors.append(f"{dag_path}: FAIL_WITHOUT_RETRY and RETRY must be module-level dicts of exit codes")
    else:
        for code in (3, 4):
            if code not in no_retry:
                errors.append(f"{dag_path}: exit {code} ({codes.get(code)}) must fail without retry")
        if 5 not in retry:
            errors.append(f"{dag_path}: exit 5 ({codes.get(5)}) must be retried")
        for code in sorted(set(no_retry) & set(retry)):
            errors.append(f"{dag_path}: exit {code} is both retried and not")
        for code in sorted((set(no_retry) | set(retry)) - codes.keys()):
            errors.append(f"{dag_path}: exit {code} is not a Clearance exit code (errors/ExitCode.java: "
                          f"{sorted(codes)})")
        if 0 in no_retry or 0 in retry:
            errors.append(f"{dag_path}: exit 0 is success")

    submit_node = dag.constants.get("SPARK_SUBMIT_ARGS")
    if not isinstance(submit_node, ast.List) or not submit_node.elts:
        return errors + [f"{dag_path}: SPARK_SUBMIT_ARGS must be a module-level list literal: the spark-submit command"]
    submit = [dag.value(e) for e in submit_node.elts]
    pairs = list(zip(submit, submit[1:]))
    if ("--deploy-mode", "client") not in pairs:
        errors.append(f"{dag_path}: SPARK_SUBMIT_ARGS must pass --deploy-mode client (the task needs the job's "
                      "exit code and summary file)")
    manifest_main = application_main_class(project)
    if ("--class", manifest_main) not in pairs:
        errors.append(f"{dag_path}: SPARK_SUBMIT_ARGS must pass --class {manifest_main} (the application jar's "
                      "Main-Class)")
    if jar_name(dag.constants.get("APPLICATION_JAR")) != APPLICATION_JAR:
        errors.append(f"{dag_path}: APPLICATION_JAR must name {APPLICATION_JAR}, the jar `mvn package` builds")
    if not (submit_node is not None and isinstance(submit_node.elts[-1], ast.Name)
            and submit_node.elts[-1].id == "APPLICATION_JAR"):
        errors.append(f"{dag_path}: SPARK_SUBMIT_ARGS must end with APPLICATION_JAR")
    return errors


def check_dates(dag: DagFile, args_node: ast.List, passed: dict, valid_run_id: re.Pattern) -> list[str]:
    """as_of and run id: from the data interval and the logical date, with dag_run.run_after where those are None."""
    errors = []
    as_of = passed.get("--as-of")
    as_of_text = str(dag.value(as_of)) if as_of is not None else ""
    if "data_interval_end" not in as_of_text or "run_after" not in as_of_text:
        errors.append(f"{dag.where(args_node)}: --as-of must be the data interval's end, or dag_run.run_after for an "
                      "Airflow 3 run without one (e.g. \"{{ (dag_run.data_interval_end or dag_run.run_after) | ts }}\")")
    run_id = passed.get("--run-id")
    template = dag.value(run_id) if run_id is not None else None
    if not isinstance(template, str) or "logical_date" not in template:
        errors.append(f"{dag.where(args_node)}: --run-id must come from the logical date "
                      "(e.g. \"daily-{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }}\")")
    else:
        unknown = [e for e in re.findall(r"\{\{\s*(.*?)\s*\}\}", template) if e not in SAMPLE_RENDERINGS]
        if unknown:
            errors.append(f"{dag.where(run_id)}: --run-id uses {unknown}; this check knows only "
                          f"{sorted(SAMPLE_RENDERINGS)}")
        else:
            for run in ("airflow 2", "airflow 3 manual"):
                rendered = re.sub(r"\{\{\s*(.*?)\s*\}\}", lambda m: SAMPLE_RENDERINGS[m.group(1)][run], template)
                if not valid_run_id.fullmatch(rendered):
                    errors.append(f"{dag.where(run_id)}: --run-id {template!r} renders to {rendered!r} ({run}), "
                                  "which run/RunIds.java refuses")
    for element in args_node.elts:
        text = dag.value(element)
        for expression in re.findall(r"\{\{\s*(.*?)\s*\}\}", text if isinstance(text, str) else ""):
            names = set(re.findall(r"[A-Za-z_][\w.]*", expression.split("|")[0]))  # not the filters
            if names & UNDEFINED_ON_AIRFLOW_3:
                errors.append(f"{dag.where(element)}: {{{{ {expression} }}}} reads "
                              f"{', '.join(sorted(names & UNDEFINED_ON_AIRFLOW_3))}, which Airflow 3 removed or leaves "
                              "out of a run without a logical date: read dag_run's, falling back to dag_run.run_after")
            elif names & NONE_ON_AIRFLOW_3 and "dag_run.run_after" not in names:
                errors.append(f"{dag.where(element)}: {{{{ {expression} }}}} is None for an Airflow 3 run without a "
                              "logical date: fall back to dag_run.run_after")
    return errors


def check_imports(dag: DagFile) -> list[str]:
    """Both API surfaces: each name from its Airflow 3 module, falling back to Airflow 2's on ImportError only."""
    errors = []
    preferred: dict[str, str] = {}
    fallback: dict[str, str] = {}
    for node in dag.tree.body:
        if isinstance(node, ast.Try):
            handled = any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                          for h in node.handlers)
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    preferred.update({alias.name: statement.module for alias in statement.names})
            for handler in node.handlers if handled else []:
                for statement in handler.body:
                    if isinstance(statement, ast.ImportFrom):
                        fallback.update({alias.name: statement.module for alias in statement.names})
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in IMPORTS:
                    preferred[alias.name] = node.module
                    errors.append(f"{dag.where(node)}: {alias.name} from {node.module} without a fallback")
    for name, (airflow_3, airflow_2) in IMPORTS.items():
        if preferred.get(name) != airflow_3 or fallback.get(name) != airflow_2:
            errors.append(f"{dag.path}: {name} must be imported from {airflow_3} (Airflow 3), and from {airflow_2} "
                          "(Airflow 2) on ImportError")
    return errors


def jar_name(node: ast.expr | None) -> str | None:
    """The file name in APPLICATION_JAR = "<dir>/<name>" or os.path.join(<anything>, "<name>")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Path(node.value).name
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[-1], ast.Constant):
        return node.args[-1].value
    return None


def application_main_class(project: Path) -> str:
    jar = project / "target" / APPLICATION_JAR
    if not jar.exists():
        print(f"check_dag: {jar} is missing: build the project first (mvn package)", file=sys.stderr)
        sys.exit(2)
    with zipfile.ZipFile(jar) as archive:
        manifest = archive.read("META-INF/MANIFEST.MF").decode()
    match = re.search(r"^Main-Class:\s*(\S+)", manifest, re.MULTILINE)
    return match.group(1) if match else "(none)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dag", type=Path, default=PROJECT / "jobs" / "airflow" / "clearance_daily.py")
    parser.add_argument("--project", type=Path, default=PROJECT)
    options = parser.parse_args()
    try:
        errors = check(options.dag, options.project)
    except SyntaxError as e:
        errors = [f"{e.filename}:{e.lineno}: does not parse: {e.msg}"]
    for error in errors:
        print(f"check_dag: FAIL {error}")
    if errors:
        return 1
    print(f"check_dag: ok {options.dag} (parses; daily schedule; every clearance option exists in the built CLI)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
