"""Real task logs, as the real Airflow 3 and 2 servers sent them (tests/airflow/recorded/), as lines.

The log tests read these rather than invented text: the markers (``::group::``), levels and
tracebacks are exactly what the servers write.
"""

from __future__ import annotations

from urllib.parse import quote

from tests.support.harness_airflow import Recording, load
from tui.backends.airflow import mapping


def log_lines(
    recording: str, task_id: str = "boom", try_number: int = 1, dag_id: str = "tui_fail"
) -> list[str]:
    """The readable lines (as dagtop's adapter makes them) of one recorded try's log."""
    rec: Recording = load(recording)
    run = quote(rec.meta["runs"][dag_id], safe="")
    path = f"/api/{rec.api}/dags/{dag_id}/dagRuns/{run}/taskInstances/{task_id}/logs/{try_number}"
    return list(mapping.parse_log(rec.body("GET", path, "map_index=-1"), rec.api).lines)
