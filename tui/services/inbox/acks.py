"""Acknowledged problems: hidden from the inbox until they change, kept in the state directory.

One small JSON object, problem key -> the fingerprint acknowledged and when. Written whole to a temporary
file and renamed, so a crash never leaves half a file; a file that cannot be read is set aside (renamed
``.bad``) and the inbox starts with nothing acknowledged: it shows too much rather than too little.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from tui.services.inbox.problems import Problem

# Acknowledgements of problems that are gone are forgotten after this long.
FORGET_AFTER = timedelta(days=14)


class AckStore:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: kept in memory only
        self._acks: dict[str, dict[str, str]] = self._read()
        self.error: str | None = None  # the last write that failed, said once in the inbox

    def _read(self) -> dict[str, dict[str, str]]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return {
                str(k): {"fingerprint": str(v["fingerprint"]), "at": str(v["at"])} for k, v in data.items()
            }
        except (OSError, ValueError, KeyError, TypeError):
            self.path.replace(self.path.with_suffix(".bad"))
            return {}

    def is_acked(self, problem: Problem) -> bool:
        ack = self._acks.get(problem.key)
        return ack is not None and ack["fingerprint"] == problem.fingerprint

    def toggle(self, problem: Problem, now: datetime) -> bool:
        """Acknowledge ``problem`` (or take the acknowledgement back); True when it is acknowledged now."""
        if self.is_acked(problem):
            del self._acks[problem.key]
            acked = False
        else:
            self._acks[problem.key] = {"fingerprint": problem.fingerprint, "at": now.isoformat()}
            acked = True
        self._write()
        return acked

    def forget_gone(self, present: set[str], now: datetime) -> None:
        """Drop old acknowledgements of problems no longer present anywhere."""
        old = [
            key
            for key, ack in self._acks.items()
            if key not in present and now - datetime.fromisoformat(ack["at"]) > FORGET_AFTER
        ]
        for key in old:
            del self._acks[key]
        if old:
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(json.dumps(self._acks, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(partial, self.path)
            self.error = None
        except OSError as exc:
            self.error = f"cannot save acknowledgements to {self.path}: {exc.strerror or exc}"
