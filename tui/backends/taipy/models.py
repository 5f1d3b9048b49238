"""Taipy REST 4.1.1 wire models, shaped like what a real server sends (not like its generated spec).

Tolerant: unknown fields are kept (``extra="allow"``), enums stay strings (``"Status.FAILED"``,
``"Scope.SCENARIO"``: the prefix is stripped by the mapping), and everything a real server may leave out
is optional. Jobs carry no ``task_id`` and no start or end time, whatever the spec says (gotcha 3).
Timestamps come naive (the server's local time, ``2026-12-01 00:32:42.363777`` with a space for jobs,
ISO ``T`` for the rest): they are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _none_to_list(value: Any) -> Any:
    """``null`` as no ids, and ``null`` items left out: a task made by ``POST /jobs/?task_id=`` has no
    owner and comes with ``"parent_ids": [null]``."""
    if value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, list) else value


Timestamp = Annotated[datetime | None, AfterValidator(_utc)]
Ids = Annotated[list[str], BeforeValidator(_none_to_list)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


class Task(_Wire):
    id: str
    config_id: str
    owner_id: str | None = None
    parent_ids: Ids = Field(default_factory=list)
    input_ids: Ids = Field(default_factory=list)
    output_ids: Ids = Field(default_factory=list)
    function_name: str | None = None
    function_module: str | None = None
    version: str | None = None


class DataNode(_Wire):
    id: str
    config_id: str
    owner_id: str | None = None
    scope: str | None = None
    storage_type: str | None = None
    parent_ids: Ids = Field(default_factory=list)
    last_edit_date: Timestamp = None
    edit_in_progress: bool | None = None


class Job(_Wire):
    id: str
    status: str = ""
    force: bool | None = None
    creation_date: Timestamp = None
    stacktrace: Ids = Field(default_factory=list)


class SequenceInScenario(_Wire):
    tasks: Ids = Field(default_factory=list)


class Scenario(_Wire):
    id: str
    config_id: str | None = None  # not sent by 4.1.1: read from the id
    sequences: dict[str, SequenceInScenario] | None = None
    properties: dict[str, Any] | None = None
    primary_scenario: bool | None = None
    tags: Ids = Field(default_factory=list)
    cycle: str | None = None
    creation_date: Timestamp = None
    version: str | None = None


class Cycle(_Wire):
    id: str
    name: str | None = None
    frequency: str | None = None
    start_date: Timestamp = None
    end_date: Timestamp = None
