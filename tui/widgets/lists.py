"""j/k/g/G in every list of the app, from one set of bindings.

``ListKeys`` is mixed in before a Textual list class (``class X(ListKeys, DataTable)``); it adds the
bindings to that class and maps them onto the widget's own moves. Textual merges ``BINDINGS`` only from
DOM classes, so the mixin copies its bindings into each class that names it as a base. The list classes
of the app are the ones below, ``VirtualTable`` (the task table), ``VirtualTree`` (the graph view) and
``LogLines`` (the log view): use them, never the bare Textual ones.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList

LIST_BINDINGS: list[BindingType] = [
    Binding("j", "list_down", "Down", show=False, id="list.down"),
    Binding("k", "list_up", "Up", show=False, id="list.up"),
    Binding("g", "list_top", "Top", show=False, id="list.top"),
    Binding("G", "list_bottom", "Bottom", show=False, id="list.bottom"),
]


class ListKeys:
    """Mixin: the list moves; a class overrides ``list_*`` where its widget moves differently."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if ListKeys in cls.__bases__:
            cls.BINDINGS = [*LIST_BINDINGS, *cls.__dict__.get("BINDINGS", [])]
        super().__init_subclass__(**kwargs)

    def action_list_down(self) -> None:
        self.action_cursor_down()  # type: ignore[attr-defined]

    def action_list_up(self) -> None:
        self.action_cursor_up()  # type: ignore[attr-defined]

    def action_list_top(self) -> None:
        raise NotImplementedError

    def action_list_bottom(self) -> None:
        raise NotImplementedError


class ListTable(ListKeys, DataTable):
    """A DataTable that moves with j/k/g/G."""

    def action_list_top(self) -> None:
        self.action_scroll_top()

    def action_list_bottom(self) -> None:
        self.action_scroll_bottom()


class ListOptions(ListKeys, OptionList):
    """An OptionList (pickers) that moves with j/k/g/G."""

    def action_list_top(self) -> None:
        self.action_first()

    def action_list_bottom(self) -> None:
        self.action_last()
