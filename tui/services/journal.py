"""The action journal: one JSON line per step of an action (when, who, where, target, action, result).

Written before the outcome is known and again after, so a crash mid-action still leaves a trace. The
steps of one action share an id, so a reader can show each action once with its outcome. The target is
the task's key: the backend's one fully-qualified form (``DB.SCHEMA.NAME`` on Snowflake, ``dag_id`` or
``dag_id/task_id`` on Airflow), whichever way the user named it. Server text in results is stored as
data (JSON-escaped), never interpreted.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

OUTCOMES = ("ok", "failed", "unknown")  # the step after "sent"


@dataclass(frozen=True)
class JournalEntry:
    time: datetime
    profile: str
    location: str
    target: str
    action: str
    result: str
    detail: str = ""
    user: str = ""
    host: str = ""
    action_id: str = ""  # shared by the steps of one action

    def to_json(self) -> str:
        return json.dumps(
            {
                "time": self.time.astimezone(UTC).isoformat(),
                "profile": self.profile,
                "location": self.location,
                "target": self.target,
                "action": self.action,
                "result": self.result,
                "detail": self.detail,
                "user": self.user,
                "host": self.host,
                "id": self.action_id,
            },
            ensure_ascii=True,
        )

    @classmethod
    def from_json(cls, line: str) -> JournalEntry | None:
        """The entry on one line, or None for a line that is not one (a torn write, an edit)."""
        try:
            data = json.loads(line)
            when = datetime.fromisoformat(data["time"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)

        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ("" if value is None else str(value))

        return cls(
            when,
            text("profile"),
            text("location"),
            text("target"),
            text("action"),
            text("result"),
            text("detail"),
            text("user"),
            text("host"),
            text("id"),
        )


def operator() -> tuple[str, str]:
    """Who is acting, from where: the OS user and the host name (never failing)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no passwd entry (containers) and no LOGNAME/USER
        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return user, socket.gethostname() or "unknown"


class ActionJournal:
    """Appends entries to a JSON-lines file readable only by its owner."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, entry: JournalEntry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(entry.to_json() + "\n")

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def entries(self) -> list[JournalEntry]:
        """Every readable entry, oldest first; unreadable lines are skipped, never fatal."""
        try:
            with self.path.open(encoding="utf-8", errors="replace") as handle:
                lines = handle.readlines()
        except FileNotFoundError:
            return []
        return [entry for line in lines if line.strip() and (entry := JournalEntry.from_json(line))]


def action_steps(
    journal: ActionJournal | None,
    *,
    profile: str,
    location: str,
    target: str,
    action: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[str, str], None]:
    """A writer for the steps of one action ("sent", then "ok" / "failed" / "unknown"), each stamped
    when it happens, with who and where. With no journal it writes nothing."""
    user, host = operator()
    action_id = uuid.uuid4().hex[:16]

    def write(result: str, detail: str = "") -> None:
        if journal is not None:
            journal.write(
                JournalEntry(
                    clock(), profile, location, target, action, result, detail, user, host, action_id
                )
            )

    return write


# --------------------------------------------------------------------------------------------- history


@dataclass(frozen=True)
class ActionRecord:
    """One action as a person reads it: when it was sent, what, on which target, and how it ended."""

    time: datetime
    action: str
    target: str
    result: str  # "ok" | "failed" | "unknown" | "sent" (no outcome was journaled)
    detail: str
    user: str
    host: str
    location: str


def history(entries: Iterable[JournalEntry], profile: str | None = None) -> list[ActionRecord]:
    """The actions in ``entries`` (of ``profile``, if given), newest first, each step pair as one.

    Steps pair by their shared id; entries written before ids existed pair with the oldest open "sent"
    of the same profile, location, target and action.
    """
    records: list[ActionRecord] = []
    open_steps: dict[object, list[int]] = {}  # pairing key -> indexes of "sent" records awaiting an end
    for entry in entries:
        if profile is not None and entry.profile != profile:
            continue
        key: object = entry.action_id or (entry.profile, entry.location, entry.target, entry.action)
        if entry.result == "sent":
            open_steps.setdefault(key, []).append(len(records))
            records.append(_record(entry, "sent", entry.time))
            continue
        waiting = open_steps.get(key)
        if waiting:
            index = waiting.pop(0)
            records[index] = _record(entry, entry.result, records[index].time)
        else:  # an outcome whose "sent" is not in the file (trimmed, or another profile's)
            records.append(_record(entry, entry.result, entry.time))
    # Newest first; of two at the same instant, the later written first.
    return sorted(reversed(records), key=lambda r: r.time, reverse=True)


def _record(entry: JournalEntry, result: str, when: datetime) -> ActionRecord:
    return ActionRecord(
        when, entry.action, entry.target, result, entry.detail, entry.user, entry.host, entry.location
    )


def default_journal_path(env: Mapping[str, str] = os.environ) -> Path:
    """``$DAGTOP_JOURNAL`` of ``env`` (the CLI passes its own), else the per-user state directory."""
    from tui.locations import state_dir

    override = env.get("DAGTOP_JOURNAL")
    if override:
        return Path(override).expanduser()
    return state_dir() / "actions.jsonl"
