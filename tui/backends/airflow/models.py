"""Airflow REST wire models: Airflow 3 (``/api/v2``) and Airflow 2 (``/api/v1``) in one tolerant shape.

Shaped like the wire and tolerant: unknown fields are kept (``extra="allow"``), states are plain strings
so a new server value never crashes a parse, fields only one version sends are optional, and numbers
that arrive as floats (``retries: 0.0`` on v2) are accepted. Naive timestamps are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Timestamp = Annotated[datetime | None, AfterValidator(_utc)]


def _tag_name(value: Any) -> Any:
    """Tags are ``{"name": ...}`` objects on both versions; tolerate a bare string."""
    return value.get("name") if isinstance(value, dict) else value


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Dag(_Wire):
    dag_id: str
    dag_display_name: str | None = None
    is_paused: bool | None = None
    is_active: bool | None = None  # v1
    is_stale: bool | None = None  # v2
    description: str | None = None
    fileloc: str | None = None
    owners: list[str] = Field(default_factory=list)
    tags: list[Annotated[str, BeforeValidator(_tag_name)]] = Field(default_factory=list)
    timetable_summary: str | None = None  # v2
    timetable_description: str | None = None
    schedule_interval: Any = None  # v1: {"__type": "CronExpression"|"TimeDelta"|..., ...} or null
    has_import_errors: bool | None = None
    next_dagrun: Timestamp = None  # v1 logical date of the next run
    next_dagrun_create_after: Timestamp = None  # v1: when the next run is created
    next_dagrun_logical_date: Timestamp = None  # v2
    next_dagrun_run_after: Timestamp = None  # v2: when the next run is created
    max_active_runs: int | None = None
    max_active_tasks: int | None = None
    last_parsed_time: Timestamp = None
    doc_md: str | None = None  # only ``/dags/{id}/details`` sends it (the list and ``/dags/{id}`` do not)


class DagTask(_Wire):
    task_id: str
    task_display_name: str | None = None
    owner: str | None = None
    downstream_task_ids: list[str] = Field(default_factory=list)
    trigger_rule: str | None = None
    pool: str | None = None
    retries: float | None = None
    operator_name: str | None = None
    class_ref: dict[str, Any] | None = None
    is_mapped: bool | None = None
    doc_md: str | None = None
    execution_timeout: Any = None
    retry_delay: Any = None  # {"__type": "TimeDelta", "days", "seconds", "microseconds"}
    retry_exponential_backoff: float | bool | None = None  # v2: a multiplier (0: off); v1: a flag


class DagRun(_Wire):
    dag_run_id: str
    dag_id: str
    state: str | None = None
    run_type: str | None = None
    logical_date: Timestamp = None
    execution_date: Timestamp = None  # v1
    run_after: Timestamp = None  # v2
    queued_at: Timestamp = None
    start_date: Timestamp = None
    end_date: Timestamp = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    triggered_by: str | None = None  # v2: what triggered it (rest_api, ui, timetable, ...)
    triggering_user_name: str | None = None  # v2 (3.x): who triggered it; v1 does not say
    external_trigger: bool | None = None  # v1
    dag_versions: list[DagVersion] | None = None  # v2 (3.x): the DAG's versions the run used


class DagVersion(_Wire):
    version_number: int | None = None


class TaskInstance(_Wire):
    task_id: str
    dag_id: str
    dag_run_id: str | None = None
    map_index: int = -1
    state: str | None = None
    try_number: int | None = None
    max_tries: int | None = None
    start_date: Timestamp = None
    end_date: Timestamp = None
    duration: float | None = None
    operator: str | None = None
    hostname: str | None = None


class TaskInstanceRef(_Wire):
    """What a clear (dry run or not) names: v1 sends only these fields, v2 a full task instance."""

    task_id: str
    dag_id: str | None = None
    dag_run_id: str | None = None
    map_index: int | None = None


class LogPage(_Wire):
    """``.../logs/{try}``: v2 ``content`` is a list of structured messages (or strings); v1 a string
    holding a Python repr of ``[(host, text), ...]``."""

    content: list[dict[str, Any] | str] | str
    continuation_token: str | None = None


class ImportError_(_Wire):
    """``/importErrors``: a DAG file the DAG processor could not import (both versions)."""

    import_error_id: int | None = None
    timestamp: Timestamp = None
    filename: str | None = None
    bundle_name: str | None = None  # v2
    stack_trace: str | None = None
