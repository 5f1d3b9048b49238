"""The command palette (ctrl+p): dagtop's own commands, found by what people call them, and tasks by name.

Textual's palette lists every binding of the focused widget too ("Copy selected text", "Cursor
left"): noise to someone looking for "retry". Here each command carries its synonyms ("rerun",
"trigger", "switch"), and typing a task's name offers to go to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.text_safety import safe_text

if TYPE_CHECKING:
    from textual.screen import Screen

# Words people use for each binding (by binding id), beyond the binding's own description.
SYNONYMS: dict[str, str] = {
    "app.tasks": "home list tasks view all",
    "app.compare": "compare diff last good run previous success side by side what changed regression",
    "app.handoff": "hand off handoff copy markdown ticket share summary clipboard incident paste",
    "app.inbox": "inbox failing now broken problems everywhere all profiles overview triage on call",
    "app.graph": "tree dependencies dag children graph view",
    "app.graph_t": "tree dependencies dag children graph view",
    "app.current_runs": "running active now in progress current runs",
    "app.completed_runs": "history past finished done failures completed runs",
    "app.grid": "grid matrix tasks runs history heatmap overview",
    "app.log": "log output error message logs",
    "app.scope": "switch change database schema scope",
    "app.profile": "switch change connection account profile",
    "app.quit": "exit quit leave close",
    "app.help": "help keys shortcuts bindings",
    "app.refresh": "refresh reload poll update now",
    "app.pause": "pause polling freeze stop refresh resume polling",
    "app.absolute_time": "time clock zone absolute relative timestamp",
    "app.last_error": "error poll failure why stale",
    "app.history": "history journal past actions audit log outcomes what did i do",
    "app.import_errors": "import errors broken dag files parse syntax traceback missing dags",
    "app.why": "why not running blocked stuck explain reason waiting suspended paused skipped",
    "app.watch": "watch unwatch notify me alert bell desktop notification follow when this run finishes",
    "action.execute": "run trigger start execute now kick",
    "action.retry_last": "retry rerun re-run again failed repair retrylast",
    "action.suspend": "pause disable stop suspend",
    "action.resume": "unpause enable start resume",
    "action.mark_success": "mark success set state done ok force pass",
    "action.mark_failed": "mark failed set state fail stop kill",
    "action.clear": "clear rerun re-run again reset task instance downstream upstream",
    "action.delete_run": "delete remove drop run stuck mistaken",
    "inbox.watch_profile": "watch profile notify new failure anywhere alert bell",
    "inbox.acknowledge": "acknowledge ack hide silence seen mute",
    "inbox.show_acknowledged": "show acknowledged hidden acked",
    "tasks.filter": "filter search find",
    "tasks.failed_only": "failed errors failures only broken",
    "tasks.sort": "sort order column",
    "tasks.sort_reverse": "reverse sort order",
    "tasks.detail": "detail info open",
    "runs.all_graphs": "all graphs every",
    "runs.errors_only": "errors failed failures only",
    "runs.detail": "detail run open",
    "run.log": "log output error",
}
# Clearer palette titles than the footer's one or two words.
TITLES: dict[str, str] = {
    "app.tasks": "Tasks view",
    "app.graph": "Graph view",
    "app.graph_t": "Graph view",
    "app.current_runs": "Current runs",
    "app.completed_runs": "Completed runs (history)",
    "app.grid": "Grid",
    "app.inbox": "Inbox (failing now, every profile)",
    "app.compare": "Compare with the last good run",
    "app.handoff": "Hand off this run (Markdown to the clipboard and a file)",
    "app.scope": "Switch scope (database.schema)",
    "app.profile": "Switch profile",
    "app.pause": "Pause polling / resume polling",
    "app.absolute_time": "Absolute / relative times",
    "app.why": "Why isn't it running? (explain)",
    "app.watch": "Watch / unwatch (notify me when it fails or finishes)",
    "action.retry_last": "Retry last failed run",
    "action.suspend": "Suspend (pause the schedule)",
    "action.mark_success": "Mark success (this run or task run)",
    "action.mark_failed": "Mark failed (this run or task run)",
    "action.clear": "Clear this run or task run (re-run)",
    "action.delete_run": "Delete this run",
}


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    key: str
    words: str  # title and synonyms, lower case: what a query is matched against
    action: str
    node: object


def palette_commands(screen: Screen) -> Iterator[PaletteCommand]:
    """The app's and the screen's own bindings that are enabled now (no widget internals)."""
    app = screen.app
    own = _own_binding_ids(type(app)) | _own_binding_ids(type(screen))
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.id not in own or not active.enabled or not binding.description:
            continue
        if getattr(app, "absent_reason", lambda _a: None)(binding.action):
            continue  # the backend has no such action: help says why
        ident = binding.id or binding.action
        title = TITLES.get(ident, binding.description)
        if title in seen:  # two keys for one command (2 and t): offer it once
            continue
        seen.add(title)
        words = f"{title} {binding.description} {SYNONYMS.get(ident, '')}".lower()
        yield PaletteCommand(title, app.get_key_display(binding) or key, words, binding.action, active.node)
    if "Change theme" not in seen:
        yield PaletteCommand(
            "Change theme", "", "change theme colours colors dark light", "change_theme", app
        )


def _own_binding_ids(cls: type) -> set[str]:
    """Ids of the bindings dagtop's own classes declare (not Textual's: copy text, cursor left)."""
    return {
        b.id
        for klass in cls.__mro__
        if klass.__module__.startswith("tui.")
        for b in klass.__dict__.get("BINDINGS", ())
        if isinstance(b, Binding) and b.id
    }


def score(query: str, words: str) -> float:
    """Every word of the query must start a word of the command (title or synonym): 1.0 for a
    whole-word match, less for prefixes; 0 when some word does not match."""
    vocabulary = words.split()
    total = 0.0
    parts = query.lower().split()
    for part in parts:
        best = max((len(part) / len(word) for word in vocabulary if word.startswith(part)), default=0.0)
        if best == 0:
            return 0.0
        total += best
    return total / len(parts) if parts else 0.0


class DagtopCommands(Provider):
    """dagtop's commands for the screen the palette was opened on."""

    async def discover(self) -> Hits:
        for command in sorted(palette_commands(self.screen), key=lambda c: c.title):
            yield DiscoveryHit(self._display(command), self._runner(command), help=self._help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in palette_commands(self.screen):
            fuzzy = matcher.match(command.title)
            hit = max(score(query, command.words), fuzzy)
            if hit > 0:
                display = matcher.highlight(command.title) if fuzzy >= hit else Content(command.title)
                if command.key:
                    display = Content.assemble(display, (f"  {command.key}", "dim"))
                yield Hit(hit, display, self._runner(command), help=self._help(command))

    def _display(self, command: PaletteCommand) -> Content:
        return Content.assemble(command.title, (f"  {command.key}", "dim") if command.key else "")

    def _help(self, command: PaletteCommand) -> str | None:
        return None  # the key is on the title's line: one line per command

    def _runner(self, command: PaletteCommand):
        return partial(self.app.run_action, command.action, command.node)


MAX_TASK_HITS = 30


class TaskJump(Provider):
    """Type a task's name: enter goes to it in the task list."""

    async def search(self, query: str) -> Hits:
        from tui.screens.tasks import TasksScreen

        needle = query.strip().lower()
        if len(needle) < 2:
            return
        home = next((s for s in self.app.screen_stack if isinstance(s, TasksScreen)), None)
        if home is None:
            return
        matcher = self.matcher(query)
        found = 0
        for row in home.rows:  # a substring test first: cheap on tens of thousands of tasks
            task = row.task
            if needle not in task.name.lower():
                continue
            name = safe_text(task.name)  # server text: shown inert, never markup
            display = Content.assemble("Go to task ", matcher.highlight(name))
            score_ = 1.0 if task.name.lower() == needle else 0.5 + 0.5 * matcher.match(name)
            yield Hit(
                score_,
                display,
                partial(self.app.show_task, task.key),  # type: ignore[attr-defined]
                help=safe_text(task.qualified_name),
            )
            found += 1
            if found >= MAX_TASK_HITS:
                return
