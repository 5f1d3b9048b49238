"""The confirmation before any action: names the exact target and environment and what will happen.

A production profile makes the user type the task's name. The dialog answers once, so a double key
press can never confirm twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.services.actions import ActionKind, ActionPlan
from tui.widgets.literal import literal


@dataclass(frozen=True)
class Confirmed:
    """The user said yes; ``conf`` is the run conf they typed (Airflow), if any."""

    conf: dict[str, Any] | None = None


class ConfirmAction(ModalScreen["Confirmed | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("n", "cancel", "No", show=False, id="confirm.no"),
        Binding("y", "confirm", "Yes", show=False, id="confirm.yes"),
    ]

    def __init__(
        self, plan: ActionPlan, *, production: bool, environment: str, ask_conf: bool = False
    ) -> None:
        super().__init__()
        self.plan = plan
        self.ask_conf = ask_conf and plan.kind is ActionKind.EXECUTE
        self.production = production
        self.environment = environment
        self._answered = False

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="confirm-box"):
            title = Text(f"{plan.title} ", style="bold")
            title.append_text(literal(plan.task.name, "bold"))
            title.append("?")
            yield Static(title, id="confirm-title")
            target = Text("Target:  ", style="dim")
            target.append_text(literal(plan.task.qualified_name, "bold"))
            yield Static(target)
            where = Text("On:      ", style="dim")
            where.append_text(literal(self.environment))
            yield Static(where)
            yield Static(literal(plan.consequence, single_line=False), id="confirm-consequence")
            if plan.blocked_reason:
                yield Static(literal(plan.blocked_reason, single_line=False), id="confirm-blocked")
            else:
                if self.ask_conf:
                    yield Label("Run conf (JSON object, optional; tab to it, enter confirms):")
                    yield Input(placeholder='{"key": "value"}', id="confirm-conf")
                if self.production:
                    prompt = Text("Production profile: type the task name to confirm: ")
                    prompt.append_text(literal(plan.task.name, "bold"))
                    yield Label(prompt)
                    yield Input(placeholder=plan.task.name, id="confirm-name")
            with Horizontal(id="confirm-buttons"):
                if not plan.blocked_reason:
                    yield Button(f"{plan.title.split()[0]} (y)", variant="error", id="confirm-yes")
                yield Button("Cancel (esc)", id="confirm-no")

    def on_mount(self) -> None:
        if self.plan.blocked_reason:
            self.query_one("#confirm-no", Button).focus()
        elif self.production:
            self.query_one("#confirm-name", Input).focus()
        else:
            self.query_one("#confirm-no", Button).focus()

    def _typed_ok(self) -> bool:
        if not self.production:
            return True
        return self.query_one("#confirm-name", Input).value == self.plan.task.name

    def action_confirm(self) -> None:
        if self.plan.blocked_reason:
            return
        if not self._typed_ok():
            self.notify("Type the task name exactly to confirm.", severity="warning", timeout=3)
            return
        conf: dict[str, Any] | None = None
        if self.ask_conf:
            text = self.query_one("#confirm-conf", Input).value.strip()
            if text:
                try:
                    conf = json.loads(text)
                except ValueError as exc:
                    self.notify(f"The conf is not valid JSON: {exc}", severity="error", markup=False)
                    return
                if not isinstance(conf, dict):
                    self.notify("The conf must be a JSON object.", severity="error")
                    return
        self._answer(Confirmed(conf))

    def action_cancel(self) -> None:
        self._answer(None)

    def _answer(self, value: Confirmed | None) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(value)

    @on(Button.Pressed, "#confirm-yes")
    def yes_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm-no")
    def no_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#confirm-name")
    @on(Input.Submitted, "#confirm-conf")
    def input_submitted(self) -> None:
        self.action_confirm()
