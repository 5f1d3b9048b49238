"""The bar at the top of every screen: where you are, and how current the data is.

Profile and backend (a production profile in the warning colour), the location, badges (SANDBOX,
READ-ONLY, TLS OFF), and the active view's freshness: "updated 3s ago" or "stale since ...".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Static

from tui.plural import plural
from tui.services.freshness import Freshness, format_age
from tui.text_safety import safe_text

SKEW_SHOWN = timedelta(seconds=30)  # a server clock further off than this is named in the header


@dataclass(frozen=True)
class ConnectionInfo:
    """What the header says about the connection; built once from the profile."""

    profile: str
    backend: str
    location: str
    sandbox: bool = False
    production: bool = False
    read_only: bool = False
    verify_tls: bool = True
    poll_interval: float = 5.0
    scope: str = ""  # e.g. DB.SCHEMA; shown right after the profile so narrow terminals keep it
    schemas: tuple[str, ...] = ()  # more scopes the inbox watches (the profile's ``schemas``)
    replay: bool = False  # `dagtop replay`: a recording, not a live server (read-only goes without saying)


def connection_info(profile: Any, backend: Any) -> ConnectionInfo:
    """What the header shows, from a profile and the backend it opened."""
    return ConnectionInfo(
        profile=profile.name,
        backend=profile.backend,
        location=backend.location,
        scope=getattr(backend, "scope", ""),
        sandbox=profile.sandbox,
        production=profile.production,
        read_only=profile.read_only,
        verify_tls=profile.verify_tls,
        poll_interval=profile.poll_interval,
        schemas=tuple(getattr(profile, "schemas", ()) or ()),
    )


@dataclass(frozen=True)
class Overview:
    """The header of a view over every profile: what it covers (left) and how fresh it is (right)."""

    covers: str  # "prod, airflow-dev, sandbox"
    freshness: str  # "3 profiles · 1 stale"
    stale: bool = False
    production: bool = False  # a production profile is among them


class HeaderBar(Horizontal):
    """One line: connection on the left (cut first when narrow), freshness on the right (never cut).

    Redrawn every second so "updated Ns ago" keeps counting.
    """

    DEFAULT_CSS = """
    HeaderBar { dock: top; height: 1; background: $panel; color: $foreground; }
    HeaderBar > #header-left { width: 1fr; height: 1; }
    HeaderBar > #header-right { width: auto; height: 1; padding: 0 1; }
    HeaderBar.-stale > #header-right { background: $error-muted; }
    HeaderBar.-paused > #header-right { background: $warning-muted; }
    """

    def __init__(
        self, title: str, freshness: Freshness | None = None, overview: Callable[[], Overview] | None = None
    ) -> None:
        super().__init__()
        self.title = title
        self.freshness = freshness
        self.overview = overview  # a view over every profile (the inbox): says so instead of one connection
        self._shown: dict[str, tuple] = {}  # what each part shows, to update only on change

    def compose(self):
        yield Static(id="header-left")
        yield Static(id="header-right")

    def on_mount(self) -> None:
        self.update_bar()
        self.set_interval(1.0, self.update_bar)

    @property
    def content(self) -> str:
        """The whole line as plain text (for tests and screen readers)."""
        left = self.query_one("#header-left", Static).content
        right = self.query_one("#header-right", Static).content
        return f"{left}  │ {right}"

    def _show(self, part: str, text: Text) -> None:
        """Update a part only when it changed, and lay the screen out only when its width did (the
        right part is as wide as its words): the bar ticks every second, and a layout pass redraws
        the whole screen (~20 ms with a big table), which would land on whatever key comes next."""
        seen = (text.plain, tuple(text.spans), str(text.style))
        before = self._shown.get(part)
        if seen == before:
            return
        self._shown[part] = seen
        same_width = before is not None and Text(before[0]).cell_len == text.cell_len
        self.query_one(part, Static).update(text, layout=not same_width)

    def update_bar(self) -> None:
        if self.overview is not None:
            self._update_overview(self.overview())
            return
        app = self.app
        info: ConnectionInfo = app.connection  # type: ignore[attr-defined]
        colors = app.theme_colors  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.title} ", style="bold reverse")
        text.append(" ")
        for shown, label, role in (
            (info.sandbox, "SANDBOX", "accent"),
            (info.production, "PRODUCTION", "warning"),
            (info.read_only and not info.replay, "READ-ONLY", ""),
            (not info.verify_tls, "TLS VERIFY OFF", "error"),
        ):
            if shown:
                text.append(f" {label} ", style=f"bold reverse {colors.get(role, '')}".strip())
                text.append(" ")
        profile_style = f"bold {colors.get('warning', '')}" if info.production else "bold"
        text.append(safe_text(info.profile), style=profile_style)
        if info.scope:
            text.append(" · ")
            text.append(safe_text(info.scope), style="bold")
        version = getattr(app.backend, "server_version", None)  # known once the API was probed
        text.append(f" · {info.backend}{' ' + safe_text(version) if version else ''} · ")
        location = info.location.removesuffix(f" {info.scope}") if info.scope else info.location
        text.append(safe_text(location))
        self._show("#header-left", text)
        right = Text(no_wrap=True)
        broken = getattr(app, "import_errors", None)
        if broken:  # files that do not load: their DAGs are missing, a page of its own
            right.append(plural(len(broken), "import error"), style=f"bold {colors.get('warning', '')}")
            right.append(" · ")
        watcher = getattr(app, "watcher", None)
        watched = len(watcher.targets()) if watcher is not None else 0
        if watched:  # what `w` watches: its changes are told (bell, desktop, command as configured)
            right.append(f"watching {watched}", style=f"bold {colors.get('accent', '')}")
            right.append(" · ")
        replay_words = getattr(app, "replay_words", None)  # a replay: its time control, not freshness
        if replay_words is not None:
            right.append(replay_words(), style=f"bold {colors.get('secondary', '')}")
        if self.freshness is not None and (replay_words is None or self.freshness.stale):
            if replay_words is not None:
                right.append(" · ")
            now = app.wall()  # type: ignore[attr-defined]
            words = self.freshness.describe(now, app.tz, app.show_absolute)  # type: ignore[attr-defined]
            paused = self.freshness.paused
            stale = self.freshness.stale_at(now)  # a failed poll, or one that outlasts the interval
            style = ""
            if stale:
                style = f"bold {colors.get('error', '')}"
            elif paused:
                style = f"bold {colors.get('warning', '')}"
            right.append(words, style=style)
            if replay_words is None:  # a replay's pace is its recording's
                right.append(f" · every {self.freshness.interval:g}s")
            self.set_class(stale, "-stale")
            self.set_class(paused and not stale, "-paused")
        elif replay_words is not None:  # a replay whose step answered: nothing stale to flag
            self.set_class(False, "-stale")
            self.set_class(False, "-paused")
        skew = app.clock_skew() if hasattr(app, "clock_skew") else None
        if skew is not None and abs(skew) > SKEW_SHOWN:  # times are corrected for it: say so
            sign = "+" if skew > timedelta(0) else "-"
            right.append(" · ")
            right.append(
                f"server clock {sign}{format_age(abs(skew))}", style=f"bold {colors.get('warning', '')}"
            )
        self._show("#header-right", right)

    def _update_overview(self, overview: Overview) -> None:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.title} ", style="bold reverse")
        text.append(" ")
        if overview.production:
            text.append(" PRODUCTION ", style=f"bold reverse {colors.get('warning', '')}".strip())
            text.append(" ")
        text.append(safe_text(overview.covers))
        self._show("#header-left", text)
        style = f"bold {colors.get('error', '')}" if overview.stale else ""
        self._show("#header-right", Text(overview.freshness, style=style, no_wrap=True))
        self.set_class(overview.stale, "-stale")
