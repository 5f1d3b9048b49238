"""The database.schema picker, fed by the backend's databases and schemas endpoints."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.backends.base import Backend
from tui.errors import describe_error
from tui.plural import plural
from tui.widgets.lists import ListOptions
from tui.widgets.literal import literal


class ScopePicker(ModalScreen[str | None]):
    """Pick a database.schema from the backend's databases and schemas endpoints."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="scope.cancel")]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend

    def compose(self) -> ComposeResult:
        with Vertical(id="scope-box"):
            yield Label(Text("Switch database.schema", style="bold"))
            yield ListOptions(id="scope-list")
            yield Label("loading…", id="scope-status")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#scope-status", Label)
        try:
            scopes = await self.backend.list_scopes()
        except Exception as exc:
            status.update(literal(describe_error(exc), single_line=False))
            return
        scopes = list(dict.fromkeys(scopes))  # option ids must be unique
        options = self.query_one(OptionList)
        for scope in scopes:
            options.add_option(Option(literal(scope), id=scope))
        current = getattr(self.backend, "scope", None)
        if current in scopes:
            options.highlighted = scopes.index(current)
        status.update(f"{plural(len(scopes), 'scope')} · enter to switch · esc to cancel")
        options.focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class NamePicker(ModalScreen[str | None]):
    """Pick one name from a list (profiles), starting on the current one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="picker.cancel")]

    def __init__(self, title: str, names: list[str], current: str) -> None:
        super().__init__()
        self.title_text = title
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="scope-box"):
            yield Label(Text(self.title_text, style="bold"))
            yield ListOptions(*(Option(literal(name), id=name) for name in self.names), id="scope-list")
            hint = f"{plural(len(self.names), 'profile')} · enter to switch · esc to cancel"
            yield Label(hint if self.names else "No profiles configured.", id="scope-status")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.names:
            options.highlighted = self.names.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
