"""The bar at the top of every screen: where you are, and how current the data is.

Profile and backend (a production profile in the warning colour), the location, badges (SANDBOX,
READ-ONLY, TLS OFF), and the active view's freshness: "updated 3s ago" or "stale since ...".
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from tui.services.freshness import Freshness


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


class HeaderBar(Static):
    """One line: connection on the left, freshness on the right. Redrawn every second."""

    DEFAULT_CSS = """
    HeaderBar { dock: top; height: 1; background: $panel; color: $foreground; }
    HeaderBar.-stale { background: $error-muted; }
    """

    def __init__(self, title: str, freshness: Freshness | None = None) -> None:
        super().__init__()
        self.title = title
        self.freshness = freshness

    def on_mount(self) -> None:
        self.update_bar()
        self.set_interval(1.0, self.update_bar)

    def update_bar(self) -> None:
        app = self.app
        info: ConnectionInfo = app.connection  # type: ignore[attr-defined]
        colors = app.theme_colors  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.title} ", style="bold reverse")
        text.append(" ")
        if info.sandbox:
            text.append(" SANDBOX ", style=f"bold reverse {colors.get('accent', '')}")
            text.append(" ")
        if info.production:
            text.append(" PRODUCTION ", style=f"bold reverse {colors.get('warning', '')}")
            text.append(" ")
        if info.read_only:
            text.append(" READ-ONLY ", style="bold reverse")
            text.append(" ")
        if not info.verify_tls:
            text.append(" TLS VERIFY OFF ", style=f"bold reverse {colors.get('error', '')}")
            text.append(" ")
        text.append(info.profile, style=f"bold {colors.get('warning', '')}" if info.production else "bold")
        text.append(f" · {info.backend} · ")
        text.append(info.location)
        if self.freshness is not None:
            now = app.now()  # type: ignore[attr-defined]
            words = self.freshness.describe(now, app.tz)  # type: ignore[attr-defined]
            text.append("  │ ")
            style = f"bold {colors.get('error', '')}" if self.freshness.stale else ""
            text.append(words, style=style)
            text.append(f" · every {self.freshness.interval:g}s")
            self.set_class(self.freshness.stale, "-stale")
        self.update(text)
