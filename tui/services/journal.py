"""The action journal: one JSON line per action (when, profile, target, action, result).

Written before the outcome is known and again after, so a crash mid-action still leaves a trace.
Server text in results is stored as data (JSON-escaped), never interpreted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class JournalEntry:
    time: datetime
    profile: str
    location: str
    target: str
    action: str
    result: str
    detail: str = ""

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
            },
            ensure_ascii=True,
        )


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
    when it happens. With no journal it writes nothing."""

    def write(result: str, detail: str = "") -> None:
        if journal is not None:
            journal.write(JournalEntry(clock(), profile, location, target, action, result, detail))

    return write


def default_journal_path() -> Path:
    from tui.locations import state_dir

    override = os.environ.get("DAGTOP_JOURNAL")
    if override:
        return Path(override).expanduser()
    return state_dir() / "actions.jsonl"
