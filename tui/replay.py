"""`dagtop replay FILE`: the console on a recording, read-only, with a time control in the header.

The same app and screens as live, on the recorded backend (built by the factory from the recording's
header) whose transport answers each request with the latest answer recorded up to the replay's step.
The console's clock is the recording's. Keys (free everywhere in the console, see tui/app.py):
``.``/``,`` the next/previous poll, ``!`` the poll where a failed run was first shown, ``>`` play
(again: 1x, 4x, 16x), ``p`` pause/resume playing.
"""

from __future__ import annotations

import sys
from datetime import UTC
from typing import Any

from textual.binding import Binding

from tui.app import DagtopApp
from tui.services.freshness import clock_time
from tui.services.recording import ReplayCursor

SPEEDS = (1, 4, 16)
MAX_GAP = 30.0  # seconds of recorded idle time played at most between two polls (at 1x)
MIN_GAP = 1.0  # and at least, so polls recorded in a burst can still be followed by eye (at 1x)


class ReplayApp(DagtopApp):
    """The console on a recording. Actions are off (read-only); the header says REPLAY and when."""

    BINDINGS = [
        Binding("full_stop", "replay_step(1)", "Next poll", id="replay.next"),
        Binding("comma", "replay_step(-1)", "Prev poll", show=False, id="replay.previous"),
        Binding("exclamation_mark", "replay_first_failure", "1st failure", id="replay.first_failure"),
        Binding("greater_than_sign", "replay_play", "Play", id="replay.play"),
    ]

    def __init__(self, backend: Any, connection: Any, cursor: ReplayCursor, **options: Any) -> None:
        super().__init__(backend, connection, clock=cursor.clock, wall_clock=cursor.wall, **options)
        self.cursor = cursor
        self.speed: int | None = None  # playing at this many x; None: paused
        self._play_timer: Any = None

    def on_mount(self) -> None:
        super().on_mount()
        if self.cursor.recording.truncated:
            self.notify(
                "The recording ends early (dagtop was stopped while writing it): replaying what it holds.",
                severity="warning",
                timeout=10,
            )

    # -- the header's time control ----------------------------------------------------------------
    def replay_words(self) -> str:
        cursor = self.cursor
        playing = f"▶ {self.speed}x" if self.speed else "paused"
        when = clock_time(cursor.wall(), self.tz)
        return f"REPLAY {when} · poll {cursor.index + 1}/{len(cursor.steps)} · {playing}"

    def _moved(self) -> None:
        """The step changed: the screen asks again (answered from the recording at the new step)."""
        self.action_refresh()
        refresh = getattr(self.screen, "refresh_header", None)
        if refresh is not None:
            refresh()

    # -- keys ---------------------------------------------------------------------------------------
    def action_replay_step(self, delta: int) -> None:
        self._stop()
        if not self.cursor.move(delta):
            edge = "first" if delta < 0 else "last"
            self.notify(f"Already at the {edge} poll of the recording.", timeout=3)
        self._moved()

    def action_replay_first_failure(self) -> None:
        found = self.cursor.first_failure()
        if found is None:
            self.notify("No failed run was shown while this was recorded.", timeout=5)
            return
        self._stop()
        self.cursor.index, what = found
        self.notify(f"First failure: {what}", timeout=6)
        self._moved()

    def action_replay_play(self) -> None:
        """Play at 1x; pressed while playing, faster (4x, 16x, then 1x again)."""
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)] if self.speed else SPEEDS[0]
        self._arm()
        self._moved()

    def action_toggle_pause(self) -> None:
        """`p` pauses playing (there is no polling to pause in a replay), and plays again."""
        if self.speed:
            self._stop()
        else:
            self.speed = SPEEDS[0]
            self._arm()
        self._moved()

    def _arm(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
        gap = min(max(self.cursor.gap(), MIN_GAP), MAX_GAP)
        self._play_timer = self.set_timer(gap / (self.speed or 1), self._tick)

    def _tick(self) -> None:
        self._play_timer = None
        if not self.speed:
            return
        if not self.cursor.move(1):
            self.speed = None
            self.notify("End of the recording.", timeout=4)
        else:
            self._arm()
        self._moved()

    def _stop(self) -> None:
        self.speed = None
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None


def build_replay(path: str, **options: Any) -> tuple[ReplayApp, Any]:
    """The replay console on the recording at ``path`` (RecordingError/ConfigError when it cannot be)."""
    from tui.backends.factory import open_recorded
    from tui.services.recording import ReplayCursor, ReplayTransport, load_recording
    from tui.widgets.header import ConnectionInfo

    recording = load_recording(path)
    cursor = ReplayCursor(recording)
    transport = ReplayTransport(cursor)
    facts = recording.facts
    backend = open_recorded(facts, transport=transport)
    connection = ConnectionInfo(
        profile=str(facts.get("profile") or "recording"),
        backend=str(facts.get("backend")),
        location=str(facts.get("location") or backend.location),
        scope=str(facts.get("scope") or ""),
        sandbox=bool(facts.get("sandbox")),
        production=bool(facts.get("production")),
        read_only=True,
        poll_interval=float(facts.get("poll_interval") or 5.0),
        replay=True,
    )
    return ReplayApp(backend, connection, cursor, **options), transport


def launch_replay(path: str, *, utc: bool = False) -> int:
    from tui.errors import ConfigError
    from tui.services.recording import RecordingError

    try:
        app, _transport = build_replay(path, tz=UTC if utc else None)
    except (RecordingError, ConfigError) as exc:
        print(f"dagtop: {exc}", file=sys.stderr)
        return 2
    app.run()
    return 0
