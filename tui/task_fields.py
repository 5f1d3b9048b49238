"""Which of a task's optional fields a view shows: those its backend has (``wording.task_fields``,
shown even when empty) and any a task happens to carry. One rule for task detail, ``dagtop get task``
and its JSON, so no view prints another scheduler's empty fields (Snowflake's warehouse on Airflow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.domain import Task

# Every optional Task field, in the order the views list them.
OPTIONAL = (
    "scope",
    "warehouse",
    "operator",
    "retries",
    "pool",
    "trigger_rule",
    "tags",
    "comment",
    "definition",
    "condition",
    "config",
    "error_integration",
    "timeout_ms",
    "suspend_after_failures",
    "auto_retry_attempts",
    "finalizer_of",
    "created_on",
    "last_committed_on",
    "last_suspended_on",
)


def empty(value: Any) -> bool:
    return value is None or value == "" or value == () or value == {}


def has(task: Task, name: str, declared: Mapping[str, str | None]) -> bool:
    """Whether ``name`` is shown for ``task``: the backend has it, or this task has a value."""
    return name in declared or not empty(getattr(task, name))


def shown(task: Task, declared: Mapping[str, str | None]) -> list[str]:
    """The optional fields shown for ``task``, in order."""
    return [name for name in OPTIONAL if has(task, name, declared)]
