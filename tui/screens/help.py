"""`?`: every binding active on the screen underneath, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.lists import ListTable
from tui.widgets.literal import literal


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close2"),
        Binding("q", "dismiss", "Close", show=False, id="help.close3"),
    ]

    def __init__(
        self, title: str, rows: list[tuple[str, str, str]], absent: list[tuple[str, str, str]] | None = None
    ) -> None:
        """``rows`` are (key, description, binding id); ``absent`` (key, description, why): the keys of
        actions this backend does not have, said apart with the backend's reason."""
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.absent = absent or []

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="-with-absent" if self.absent else ""):
            yield Static(Text(f"Keys on {self.title_text}", style="bold"), id="help-title")
            table = ListTable(cursor_type="row", id="help-table")
            table.add_columns("KEY", "WHAT IT DOES", "BINDING ID")
            for key, description, binding_id in self.rows:
                table.add_row(Text(key, style="bold"), Text(description), Text(binding_id, style="dim"))
            yield table
            if self.absent:
                words = Text("Not on this backend:", style="bold")
                for keys, descriptions, why in _grouped(self.absent):
                    # Three or more keys: their reason names them (a small terminal keeps the keys list).
                    named = f"{descriptions}: " if descriptions.count(",") < 2 else ""
                    words.append(f"\n {keys}  {named}", style="bold")
                    words.append_text(literal(why, single_line=False))
                yield Static(words, id="help-absent")
            yield Static(
                Text(
                    'Rebind any key in config.toml: [settings.keymap] binding_id = "key".  esc closes.',
                    style="dim",
                )
            )


def _grouped(absent: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Keys absent for one same reason on one line (``S F R D  Mark success, …: why``): a small
    terminal keeps room for the keys that work."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for key, description, why in absent:
        keys, descriptions = groups.setdefault(why, ([], []))
        keys.append(key)
        descriptions.append(description)
    return [(" ".join(keys), ", ".join(names), why) for why, (keys, names) in groups.items()]


# Keys whose symbol reads worse than their name in a list of keys.
KEY_NAMES = {"enter": "enter", "space": "space", "escape": "esc", "tab": "tab"}


def binding_rows(screen) -> list[tuple[str, str, str]]:
    """The bindings a user can press now on ``screen``: dagtop's own (with an id, rebindable) first,
    then Textual's built-in navigation; de-duplicated, in a stable order.

    A key that the focused widget handles with a built-in binding (enter on a table or the graph
    selects) while the screen binds it too is described by the screen's binding: the widget's
    Selected message is handled by the screen as that binding's action, so that is what the key does.
    """
    active = screen.active_bindings
    ours_by_key = {}
    for namespace, bindings in screen._modal_binding_chain:  # focused widget first, app last
        for key, binding in bindings:
            if (
                binding.id
                and binding.description
                and key not in ours_by_key
                and screen.app._check_action_state(binding.action, namespace) is not False
            ):
                ours_by_key[key] = binding
    seen: set[tuple[str, str]] = set()
    ours: list[tuple[str, str, str]] = []
    builtin: list[tuple[str, str, str]] = []
    absent_reason = getattr(screen.app, "absent_reason", lambda _action: None)
    for key, current in active.items():
        binding = current.binding
        if not binding.id and key in ours_by_key:
            binding = ours_by_key[key]
        elif not current.enabled:
            continue
        if not binding.description:
            continue
        display = KEY_NAMES.get(key) or screen.app.get_key_display(binding) or key
        if (display, binding.description) in seen:
            continue
        seen.add((display, binding.description))
        if absent_reason(binding.action):
            continue  # the backend has no such action: ``absent_rows`` says why
        if binding.id:  # the tooltip, where there is one, says more than the footer's word
            ours.append((display, binding.tooltip or binding.description, binding.id))
        else:
            builtin.append((display, binding.description, "built-in"))
    return ours + builtin


def absent_rows(screen) -> list[tuple[str, str, str]]:
    """(key, description, why) of each key bound here to an action this backend does not have."""
    absent_reason = getattr(screen.app, "absent_reason", lambda _action: None)
    rows: list[tuple[str, str, str]] = []
    for key, current in screen.active_bindings.items():
        binding = current.binding
        why = absent_reason(binding.action) if binding.description else None
        if why and not any(row[1] == binding.description for row in rows):
            rows.append((screen.app.get_key_display(binding) or key, binding.description, why))
    return rows
