"""The key footer, by priority: what a newcomer needs is shown first and never cut off.

Textual's footer lists the keys in binding order and cuts the line at the right edge, so at 80
columns `? Help` and `q Quit` fell off. This one puts help and quit first, then the keys of the
screen and the focused widget (the screen's own actions), then the app's actions and the views,
and shows only the keys that fit whole; the rest stay in `?` help and the command palette.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui.widgets.grid import GridView
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.virtual_tree import VirtualTree

ALWAYS = ("app.help", "app.quit")  # shown on every screen, first
CONTEXTUAL = ("action.cancel",)  # app actions shown only for what is chosen (an unfinished task run)
# Screen keys that find rather than act (`/` in a graph): after the actions on what is chosen, so an
# 80-column run detail keeps its cancel and retry keys; help and the palette list them.
FINDERS = ("graph.search",)
APP_ACTIONS = "action."  # execute, retry, suspend, resume: after the screen's own keys
PALETTE_WIDTH = 12  # "^p palette" and its separator, docked on the right


def priority(binding: Binding, from_app: bool) -> int:
    """Lower shows first."""
    if binding.id in ALWAYS:
        return ALWAYS.index(binding.id)
    if binding.id in CONTEXTUAL:
        return 2  # there only when it applies to what is chosen: as much the screen's key as its own
    if binding.id in FINDERS:
        return 3
    if not from_app:
        return 2  # the screen's own keys: its main action
    if (binding.id or "").startswith(APP_ACTIONS):
        return 3
    return 4  # switching views, refresh, pause: also in ? help and the palette


class KeyFooter(Footer):
    """A compact footer that shows the most important keys that fit, in priority order."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        self._width = 0

    def fitting(self, width: int) -> list[tuple[Binding, bool, str]]:
        """The keys to show at ``width`` columns, most important first."""
        app, screen = self.app, self.screen
        seen: set[str] = set()
        ranked = []
        for key, (node, binding, enabled, tooltip) in screen.active_bindings.items():
            if not binding.show and isinstance(node, KeyedTable | VirtualTree | GridView):
                # enter on a table (a tree, a grid) selects the row (the node, the cell) and the screen
                # opens it: the screen's own binding for that key says what it does.
                shown = [b for b in screen._bindings.key_to_bindings.get(key, []) if b.show]
                node, binding = (screen, shown[0]) if shown else (node, binding)
            if not binding.show or binding.action in seen:
                continue
            if getattr(app, "absent_reason", lambda _a: None)(binding.action):
                continue  # the backend has no such action: help says why
            seen.add(binding.action)
            ranked.append((priority(binding, node is app), len(ranked), binding, enabled, tooltip))
        ranked.sort(key=lambda item: item[:2])
        budget = width - (PALETTE_WIDTH if self.show_command_palette else 0)
        shown = []
        for _rank, _order, binding, enabled, tooltip in ranked:
            need = cell_len(app.get_key_display(binding)) + 1 + cell_len(binding.description) + 1
            if need <= budget:  # a smaller key further down may still fit
                shown.append((binding, enabled, tooltip))
                budget -= need
        return shown

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._width = self.app.size.width
        for binding, enabled, tooltip in self.fitting(self._width):
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def on_resize(self, _event: events.Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
