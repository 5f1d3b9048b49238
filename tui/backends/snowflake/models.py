"""Snowflake Tasks REST v2 wire models (task.yaml @ snowflake-rest-api-specs 42671a90).

Shaped like the wire and tolerant: unknown fields are kept (``extra="allow"``), enum-like fields (task
state, run state, schedule type) are plain strings so new server values never crash a parse, and naive
timestamps (the spec's examples carry no zone) are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from tui.backends.snowflake.identifiers import as_identifier
from tui.snowflake_task_fields import READ_ONLY_TASK_FIELDS


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Timestamp = Annotated[datetime | None, AfterValidator(_utc)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)


class MinutesSchedule(_Wire):
    schedule_type: Literal["MINUTES_TYPE"] = "MINUTES_TYPE"
    minutes: int


class CronSchedule(_Wire):
    schedule_type: Literal["CRON_TYPE"] = "CRON_TYPE"
    cron_expr: str
    timezone: str | None = None  # required by the spec; tolerated missing (UTC is the UI's fallback)


class OtherSchedule(_Wire):
    """A schedule type this client does not know: kept verbatim, shown as it came."""

    schedule_type: str | None = None


def _schedule_kind(value: Any) -> str:
    kind = value.get("schedule_type") if isinstance(value, dict) else getattr(value, "schedule_type", None)
    return kind if kind in ("MINUTES_TYPE", "CRON_TYPE") else "other"


TaskSchedule = Annotated[
    Annotated[MinutesSchedule, Tag("MINUTES_TYPE")]
    | Annotated[CronSchedule, Tag("CRON_TYPE")]
    | Annotated[OtherSchedule, Tag("other")],
    Discriminator(_schedule_kind),
]


class Task(_Wire):
    """A task as listed, fetched or created. Only ``name`` is needed to read one.

    Names (``name``, ``predecessors``, ``finalize``, ``database_name``...) are identifiers as the API
    spells them (``T1``, ``"my task"``); ``identifiers.raw_name`` gives the stored name.
    """

    name: str
    definition: str | None = None
    warehouse: str | None = None
    schedule: TaskSchedule | None = None
    comment: str | None = None
    finalize: str | None = None
    task_auto_retry_attempts: int | None = None
    config: dict[str, Any] | None = None
    session_parameters: dict[str, Any] | None = None
    predecessors: list[str] = Field(default_factory=list)
    task_relations: str | None = None
    user_task_managed_initial_warehouse_size: str | None = None
    target_completion_interval: TaskSchedule | None = None
    serverless_task_min_statement_size: str | None = None
    serverless_task_max_statement_size: str | None = None
    user_task_timeout_ms: int | None = None
    suspend_task_after_num_failures: int | None = None
    condition: str | None = None
    allow_overlapping_execution: bool | None = None
    error_integration: str | None = None
    success_integration: str | None = None
    overlap_policy: str | None = None
    execute_as_user: str | None = None
    # read-only
    created_on: Timestamp = None
    id: str | None = None
    owner: str | None = None
    owner_role_type: str | None = None
    state: str | None = None
    last_committed_on: Timestamp = None
    last_suspended_on: Timestamp = None
    database_name: str | None = None
    schema_name: str | None = None

    def to_create_body(self) -> dict[str, Any]:
        """The JSON body for create / create-or-alter: writable fields only, nulls left out."""
        body = self.model_dump(mode="json", exclude_none=True)
        body["name"] = as_identifier(self.name)  # the API takes identifiers: "my task" must be quoted
        return {k: v for k, v in body.items() if k not in READ_ONLY_TASK_FIELDS}


class TaskRun(_Wire):
    """A graph run (current-graphs / complete-graphs)."""

    root_task_name: str
    database_name: str | None = None
    schema_name: str | None = None
    state: str
    first_error_task_name: str | None = None
    first_error_code: str | None = None  # an integer on the wire; kept as text
    first_error_message: str | None = None
    scheduled_time: Timestamp = None
    query_start_time: Timestamp = None
    next_scheduled_time: Timestamp = None
    completed_time: Timestamp = None
    root_task_id: str | None = None
    graph_version: int | None = None
    run_id: str  # an integer on the wire; kept as text (domain run ids are strings)


class StatusResponse(_Wire):
    status: str | None = None


class NamedObject(_Wire):
    """Databases and schemas: only the name matters here."""

    name: str
