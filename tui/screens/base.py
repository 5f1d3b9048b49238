"""A screen that polls the backend for what it shows, and only while it is shown.

Each poll runs in a worker and is re-armed with a timer after it ends, so polls never overlap; a
failing backend backs off; the header says how fresh the data is and since when it is stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer

from tui.errors import RateLimitedError, describe_error
from tui.services.freshness import Freshness
from tui.widgets.footer import KeyFooter
from tui.widgets.header import HeaderBar
from tui.widgets.status import due_time
from tui.widgets.timefmt import moment


def first_error(exc: BaseException) -> BaseException:
    """The first real error inside an exception group (concurrent fetches raise groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class PolledScreen(Screen):
    """Subclasses implement ``fetch`` (async, backend only) and ``show`` (widgets only)."""

    TITLE_TEXT = "dagtop"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.freshness = Freshness(interval=self.app.connection.poll_interval)  # type: ignore[attr-defined]
        self._timer: Timer | None = None
        self._ageing: Timer | None = None  # while paused: redraw so relative times keep ageing
        self._polling = False
        self._poll_again = False
        self._active = False

    def compose_header(self) -> ComposeResult:
        yield HeaderBar(self.TITLE_TEXT, self.freshness)

    def compose_footer(self) -> ComposeResult:
        yield KeyFooter()

    async def fetch(self) -> Any:
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    # -- lifecycle: poll only while on screen ---------------------------------------------------
    def on_screen_resume(self, _event: events.ScreenResume) -> None:
        self._active = True
        self.freshness.paused = self.app.polling_paused  # type: ignore[attr-defined]
        if self.freshness.paused and self.freshness.last_success is not None:
            self.refresh_header()  # paused means paused, also when coming back to this screen
            self.render_rows()
            self._age_while_paused(True)
        elif self.freshness.last_success is None or self._is_due():
            self.poll_now()
        else:
            self._arm(self._remaining())

    def on_screen_suspend(self, _event: events.ScreenSuspend) -> None:
        self._active = False
        self._cancel_timer()
        self._age_while_paused(False)

    def _age_while_paused(self, on: bool) -> None:
        """Paused data is not fetched, but its "3m ago" must still grow: redraw it each interval."""
        if self._ageing is not None:
            self._ageing.stop()
            self._ageing = None
        if on and self._active:
            self._ageing = self.set_interval(self.freshness.interval, self.render_rows)

    def _is_due(self) -> bool:
        return self._remaining() <= 0

    def _remaining(self) -> float:
        due = self.freshness.next_poll_at
        if due is None:
            return 0.0
        return (due - self.app.wall()).total_seconds()  # type: ignore[attr-defined]

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _arm(self, delay: float) -> None:
        self._cancel_timer()
        app = self.app
        self.freshness.schedule(app.wall(), delay)  # type: ignore[attr-defined]
        if self._active and not self.freshness.paused and app.auto_poll:  # type: ignore[attr-defined]
            self._timer = self.set_timer(max(0.05, delay), self.poll_now)

    def poll_now(self) -> None:
        """Poll at once (ctrl+r, a changed filter, after an action). A poll already running is not
        doubled: it is followed by one more as soon as it ends, so the request is never lost."""
        self._cancel_timer()
        if self._polling:
            self._poll_again = True
        else:
            self._polling = True
            self._poll_again = False
            self._poll()

    @work(exclusive=False, group="poll", exit_on_error=False)
    async def _poll(self) -> None:
        retry_after: float | None = None
        recorder = getattr(self.app, "recorder", None)  # `dagtop --record`: a poll is a replay's step
        if recorder is not None:
            recorder.mark_poll(type(self).__name__)
        self.freshness.polling(self.app.wall())  # type: ignore[attr-defined]
        waiting = self.set_interval(1.0, self._while_waiting)  # the header's own tick: once a second
        try:
            data = await self.fetch()
        except Exception as exc:  # a bug or an unexpected payload must not kill the console
            error = first_error(exc)
            if isinstance(error, RateLimitedError):
                retry_after = error.retry_after
            self.freshness.failed(self.app.wall(), describe_error(error), retry_after)  # type: ignore[attr-defined]
            # Redraw what is shown so relative times keep ageing: stale rows never read as fresh.
            with self.app.batch_update():
                self.render_rows()
        else:
            self.freshness.succeeded(self.app.wall())  # type: ignore[attr-defined]
            with self.app.batch_update():
                self.show(data)
            if recorder is not None:
                recorder.scan(data)
        finally:
            waiting.stop()
            self.freshness.poll_ended()
            self._polling = False
            if self._poll_again and not self.freshness.paused:
                self.poll_now()
            else:
                self._arm(self.freshness.next_delay(retry_after))
            self.refresh_header()

    def _while_waiting(self) -> None:
        """Each second of a poll: once it outlasts the interval, the header says "waiting for server
        25s" and the rows are redrawn, so their ages grow as after a failed poll (stale, not current)."""
        if self.freshness.overdue(self.app.wall()) is not None:  # type: ignore[attr-defined]
            with self.app.batch_update():
                self.render_rows()
            self.refresh_header()

    def render_rows(self) -> None:
        """Redraw from the data already held (screens override); called after a failed poll too."""

    def when(self, moment_: datetime | None) -> Text:
        """A time as the user chose to see them: relative ("3m ago") or absolute, in their zone."""
        app = self.app
        return Text(moment(app.now(), moment_, app.tz, app.show_absolute))  # type: ignore[attr-defined]

    def due(self, moment_: datetime | None) -> Text:
        """A time something is due (a next or scheduled run), flagged ``overdue`` once past."""
        app = self.app
        return due_time(app.now(), moment_, app.tz, app.show_absolute, app.theme_colors)  # type: ignore[attr-defined]

    def refresh_header(self) -> None:
        for bar in self.query(HeaderBar):
            bar.update_bar()

    def set_paused(self, paused: bool) -> None:
        self.freshness.paused = paused
        self._age_while_paused(paused)
        if paused:
            self._cancel_timer()
        else:
            self.poll_now()
        self.refresh_header()

    def action_refresh(self) -> None:
        self.poll_now()

    def action_show_error(self) -> None:
        """Show the last poll error in full (the header only says that data is stale)."""
        error = self.freshness.last_error
        if error:
            self.notify(error, title="Last poll failed", severity="error", timeout=15)
        else:
            self.notify("The last poll succeeded.", timeout=3)
