"""The exception a failed task died of, read from its log (tui/backends/airflow/log_error.py), on logs
recorded from REAL Airflow 3.3.2 and 2.11.2 (tests/airflow/recorded/), then on the shapes those logs
take around it (chained exceptions, multi-line messages): fast, no server."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.harness_airflow import RECORDINGS, Recording, load
from tui.backends.airflow import mapping
from tui.backends.airflow.log_error import MAX_CHARS, exception_of


@pytest.fixture(params=RECORDINGS, scope="module")
def rec(request: pytest.FixtureRequest) -> Recording:
    return load(request.param)


def _lines(rec: Recording, dag_id: str, task_id: str, try_number: int) -> tuple[str, ...]:
    run = quote(rec.meta["runs"][dag_id], safe="")
    path = f"/api/{rec.api}/dags/{dag_id}/dagRuns/{run}/taskInstances/{task_id}/logs/{try_number}"
    return mapping.parse_log(rec.body("GET", path, "map_index=-1"), rec.api).lines


def test_the_failed_tasks_exception_is_the_last_tracebacks_final_line(rec: Recording) -> None:
    assert (
        exception_of(_lines(rec, "tui_fail", "boom", 1)) == "RuntimeError: intentional failure for TUI tests"
    )


def test_a_try_waiting_to_retry_names_its_exception(rec: Recording) -> None:
    assert exception_of(_lines(rec, "tui_mixed", "flaky", 1)) == "ValueError: flaky on its first try"


def test_a_successful_task_has_no_exception(rec: Recording) -> None:
    assert exception_of(_lines(rec, "tui_fail", "ok", 1)) is None


def test_the_real_log_ends_after_the_exception_not_at_the_next_record(rec: Recording) -> None:
    """Lines after the exception (Airflow 2: "Task exited with return code 1") are not part of it."""
    lines = _lines(rec, "tui_fail", "boom", 1)
    assert "\n" not in (exception_of(lines) or "")
    assert any("return code" in line or "::endgroup::" in line for line in lines)


# The shapes below wrap a real Airflow 2 traceback's frames (as ``parse_log`` yields them) in what a
# different failure puts around them; they check the rules, the recorded logs above check the reality.
_FRAMES = [
    "Traceback (most recent call last):",
    '  File "/opt/dags/etl.py", line 17, in load',
    "    raise KeyError(key)",
    "           ^^^^^^^^^^^^",
]


def test_of_chained_exceptions_the_last_one_is_shown() -> None:
    lines = [
        *_FRAMES,
        "KeyError: 'region'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        *_FRAMES,
        "airflow.exceptions.AirflowException: load failed",
        "[2026-11-30T18:56:00.205+0000] {local_task_job_runner.py:266} INFO - Task exited with return code 1",
    ]
    assert exception_of(lines) == "airflow.exceptions.AirflowException: load failed"


def test_a_multi_line_message_keeps_three_lines_at_most() -> None:
    lines = [*_FRAMES, "ValueError: bad rows:", "row 3: null id", "row 9: null id", "row 12: null id", ""]
    assert exception_of(lines) == "ValueError: bad rows:\nrow 3: null id\nrow 9: null id"


def test_airflow_3_structured_traceback_is_indented_under_its_record() -> None:
    lines = [
        "2026-11-30T18:56:06.6Z ERROR Task failed with exception",
        "  Traceback (most recent call last):",
        '    File "/opt/dags/etl.py", line 17, in load',
        "  KeyError: 'region'",
        "2026-11-30T18:56:06.7Z INFO Task instance in failure state",
    ]
    assert exception_of(lines) == "KeyError: 'region'"


def test_a_huge_message_is_cut_and_no_traceback_means_none() -> None:
    found = exception_of([*_FRAMES, "ValueError: " + "x" * 5000])
    assert found is not None and len(found) == MAX_CHARS and found.endswith("…")
    assert exception_of(["INFO - all good", "ERROR - something odd but no traceback"]) is None
    assert exception_of([]) is None
