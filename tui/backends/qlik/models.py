"""Qlik Cloud Tasks wire models, shaped like ``@qlik/api`` 2.19.0's ``tasks.d.ts`` (NOTES 3b).

Only what dagtop reads is declared; everything else is kept (``extra="allow"``) so a task can be PUT back
whole. Enum-like strings (run ``status``, ``disabledCode``) stay strings: an unknown value is shown as it
came, never refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Correlation(_Wire):
    name: str = Field(alias="contextAttributeName")
    value: Any = Field(default=None, alias="contextAttributeValue")


class Event(_Wire):
    name: str = ""
    type: str | None = None
    correlation: list[Correlation] = Field(default_factory=list)


class OnEvents(_Wire):
    event_refs: list[str] = Field(default_factory=list, alias="eventRefs")
    actions: list[dict[str, Any]] = Field(default_factory=list)


class State(_Wire):
    type: str | None = None
    exclusive: bool | None = None
    on_events: list[OnEvents] = Field(default_factory=list, alias="onEvents")


class Trigger(_Wire):
    id: str | None = None
    type: int | None = None


class Meta(_Wire):
    owner_id: str | None = Field(default=None, alias="ownerId")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    disabled_code: str | None = Field(default=None, alias="disabledCode")
    trigger: Trigger | None = None


class Start(_Wire):
    schedule: Any = None  # an ISO repeating interval string, or {recurrence, cron, timezone, ...}


class Task(_Wire):
    id: str
    name: str
    description: str | None = None
    enabled: bool | None = None
    resource_id: str | None = Field(default=None, alias="resourceId")
    start: Start | None = None
    events: list[Event] = Field(default_factory=list)
    states: list[State] = Field(default_factory=list)
    metadata: Meta = Field(default_factory=Meta)


class OrchRun(_Wire):
    id: str
    task_id: str = Field(alias="taskId")
    task_name: str | None = Field(default=None, alias="taskName")
    status: str = ""
    started_at: datetime | None = Field(default=None, alias="startedAt")
    ended_at: datetime | None = Field(default=None, alias="endedAt")
    triggered_by: str | None = Field(default=None, alias="triggeredBy")
    resource_id: str | None = Field(default=None, alias="resourceId")
    log: str | None = None  # the error of a failed run, in the reload's words
