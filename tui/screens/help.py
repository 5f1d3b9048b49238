"""`?`: every binding active on the screen underneath, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.lists import ListTable


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close2"),
        Binding("q", "dismiss", "Close", show=False, id="help.close3"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        """``rows`` are (key, description, binding id)."""
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text(f"Keys on {self.title_text}", style="bold"), id="help-title")
            table = ListTable(cursor_type="row", id="help-table")
            table.add_columns("KEY", "WHAT IT DOES", "BINDING ID")
            for key, description, binding_id in self.rows:
                table.add_row(Text(key, style="bold"), Text(description), Text(binding_id, style="dim"))
            yield table
            yield Static(
                Text(
                    'Rebind any key in config.toml: [settings.keymap] binding_id = "key".  esc closes.',
                    style="dim",
                )
            )


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
    absent: list[tuple[str, str, str]] = []
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
        why = absent_reason(binding.action)
        if why:  # the backend has no such action: listed apart, with its reason
            absent.append((display, f"{binding.description}: not on this backend. {why}", binding.id or ""))
        elif binding.id:
            ours.append((display, binding.description, binding.id))
        else:
            builtin.append((display, binding.description, "built-in"))
    return ours + builtin + absent
