"""Telling the user of changes to what they watch: a toast always, and as configured the terminal's
bell, a desktop notification (OSC 9 / OSC 777) and a command hook. No Textual: the app hands in how to
toast, how to write to the terminal and how to run the hook off its thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.config.model import NotifySettings
from tui.services.notify.hook import HookRunner
from tui.services.notify.policy import NotifyPolicy
from tui.services.notify.terminal import terminal_bytes
from tui.services.notify.text import inert, summary
from tui.services.watch import EventKind, WatchEvent

__all__ = ["Notice", "Notifier", "notice_for"]

HOOK_EVENTS = 100  # events listed in the hook's JSON: a burst of thousands is one notification, not a dump


@dataclass(frozen=True)
class Notice:
    """One notification: inert title and body, and the events it tells."""

    title: str
    body: str
    events: tuple[WatchEvent, ...]

    @property
    def severity(self) -> str:
        kinds = {event.kind for event in self.events}
        if EventKind.FAILED in kinds or any(e.state.upper() == "FAILED" for e in self.events):
            return "error"
        return "warning" if EventKind.OVERDUE in kinds else "information"

    def as_json(self) -> dict[str, Any]:
        """The hook's stdin: every text field inert, secrets masked; the first ``HOOK_EVENTS`` events
        (``count`` says how many there were)."""
        shown = self.events[:HOOK_EVENTS]
        events = [{k: inert(v) if isinstance(v, str) else v for k, v in e.as_json().items()} for e in shown]
        return {"title": self.title, "body": self.body, "count": len(self.events), "events": events}


def notice_for(events: Sequence[WatchEvent]) -> Notice:
    title, body = summary(events)
    return Notice(inert(title), inert(body), tuple(events))


class Notifier:
    """The policy (dedupe, rate limit) in front of the channels."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        toast: Callable[[Notice], None],
        write: Callable[[str], None],
        run_hook: Callable[[Callable[[], None]], None],
        hook_failed: Callable[[str], None],
    ) -> None:
        """``run_hook(job)``: run ``job`` off the UI thread; ``hook_failed(problem)``: say so (on the UI
        thread or not: the caller's to handle)."""
        self.settings = settings
        self.policy = NotifyPolicy(settings.min_interval)
        self._toast, self._write, self._run_hook, self._hook_failed = toast, write, run_hook, hook_failed
        self._hook = HookRunner(settings.command, settings.command_timeout) if settings.command else None

    def tell(self, events: Sequence[WatchEvent], now: float) -> Notice | None:
        """Offer a poll's events; the notice given now, if any (else they wait: see ``due_in``)."""
        return self._give(self.policy.offer(events, now))

    def flush(self, now: float) -> Notice | None:
        return self._give(self.policy.flush(now))

    def due_in(self, now: float) -> float | None:
        """Seconds until held events may be told; None when nothing is held."""
        return self.policy.due_in(now) if self.policy.held else None

    def _give(self, events: list[WatchEvent]) -> Notice | None:
        if not events:
            return None
        notice = notice_for(events)
        self._toast(notice)
        data = terminal_bytes(
            notice.title, notice.body, bell=self.settings.bell, desktop=self.settings.desktop
        )
        if data:
            self._write(data)
        hook = self._hook
        if hook is not None:
            payload = notice.as_json()

            def job() -> None:
                problem = hook(payload)
                if problem:
                    self._hook_failed(problem)

            self._run_hook(job)
        return notice
