"""What a run that failed says: one line per problem, an input error as its own message
(it names the file and line, or the config key), any other failure with the step it
happened in and, for dbt, the failing test or model by name; Dagster's whole log goes to the
run's log file, never to the user's terminal."""

from __future__ import annotations

import datetime as dt
import logging
import re

import dagster as dg


class RunFailed(Exception):
    """A run that did not succeed: one line per problem. `bad_input` when what failed is the
    input (a delivery or the config), which the user corrects: `uppfoljning` exits 2, else 1."""

    def __init__(self, problems: list[str], bad_input: bool = False):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.bad_input = bad_input


# errors whose message already names the file and line (or the config key) to correct
INPUT_ERRORS = {"InputError", "ConfigError", "NotSieError"}


ANSI = re.compile(r"\x1b\[[0-9;]*m")
DBT_FAILURE = re.compile(r"(?:Failure|Error) in (?:test|model|seed|snapshot) (\S+)")


def _dbt_failures(message: str) -> list[str]:
    """The dbt nodes a dbt error names, each with the line that says what failed."""
    lines = [ANSI.sub("", line).strip() for line in message.splitlines()]
    lines = [line for line in lines if line]
    return [f"{m.group(1)}: {lines[i + 1] if i + 1 < len(lines) else ''}".rstrip(": ")
            for i, line in enumerate(lines) if (m := DBT_FAILURE.search(line))]


def _root_cause(error) -> tuple[str, str]:
    """The innermost error's class and message: what went wrong, not Dagster's wrapper; for
    dbt, the failing test or model by name and what it says."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    if failures := _dbt_failures(error.message or ""):
        return error.cls_name or "", "; ".join(failures)
    lines = (error.message or "").strip().splitlines()
    if not lines:
        return error.cls_name or "", error.cls_name or "okänt fel"
    prefix = f"{error.cls_name}: "  # "dagster._core....Failure: message" -> "message"
    last = lines[-1]
    return error.cls_name or "", last.split(prefix, 1)[1] if prefix in last else last


def failure_of(result, what: str | None = None) -> RunFailed:
    """The failed steps of a run as one line each: an input error as its message (it names
    the file and line), any other failure with the step it happened in."""
    problems, bad_input = [], True
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE" or not event.step_failure_data \
                or not event.step_failure_data.error:
            continue
        cls, message = _root_cause(event.step_failure_data.error)
        if cls in INPUT_ERRORS:
            problems.append(message)
        else:
            bad_input = False
            problems.append(f"{event.step_key}: {message}")
    if what:
        problems = [f"{what}: {p}" for p in problems]
    return RunFailed(list(dict.fromkeys(problems)) or [f"{what or 'körningen'} misslyckades"],
                     bad_input and bool(problems))


def write_run_log(instance: dg.DagsterInstance, run_id: str, out) -> None:
    """Dagster's own log of a run, every event with its level and step, and the full error
    of a failed step: in the run's log file, never on the user's terminal."""
    for entry in instance.all_logs(run_id):
        when = dt.datetime.fromtimestamp(entry.timestamp).isoformat(timespec="seconds")
        level = logging.getLevelName(entry.level)
        out.write(f"{when} {level:<7} {entry.step_key or '-'} {entry.message}\n")
        event = entry.dagster_event
        if event is not None and event.event_type_value == "STEP_FAILURE" \
                and event.step_failure_data and event.step_failure_data.error:
            out.write(event.step_failure_data.error.to_string() + "\n")
