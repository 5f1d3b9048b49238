"""The dependency tree of one graph, annotated with each task's state and its latest run's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label

from tui.backends.base import RunErrorsBackend
from tui.domain import Graph, GraphRun, RunState, Task, TaskRun
from tui.plural import plural
from tui.services.graph_notes import failure_causes, written_nodes
from tui.services.graph_view import TreeLine, join_note, layout, with_indexes
from tui.services.outcomes import as_of_run, index_counts, task_outcomes
from tui.services.snapshots import graph_status
from tui.widgets.graph_notes import task_notes
from tui.widgets.literal import literal
from tui.widgets.status import WORDS, run_badge, task_badge
from tui.widgets.timefmt import moment
from tui.widgets.tree_search import TreeSearchBox, matches, status
from tui.widgets.virtual_tree import TreeItem, VirtualTree

from .base import PolledScreen


@dataclass(frozen=True)
class GraphSnapshot:
    graph: Graph
    run: GraphRun | None  # the run whose outcome annotates the tree
    current: GraphRun | None  # an executing run, if any
    task_runs: tuple[TaskRun, ...] = ()  # per-task runs of ``run``, where the backend has them

    def outcomes(self) -> dict[str, RunState]:
        """Each task's outcome in ``run`` by the one rule (services/outcomes.py): the backend's task runs
        where it has them (a mapped task as bad as its worst index), else inferred from the run."""
        return task_outcomes(self.graph, self.run, self.task_runs)

    def mapped(self) -> dict[str, list[TaskRun]]:
        """The task runs of each mapped task (by key), in index order."""
        out: dict[str, list[TaskRun]] = {}
        for tr in sorted(self.task_runs, key=lambda t: t.map_index or 0):
            if tr.map_index is not None:
                out.setdefault(tr.task, []).append(tr)
        return out

    def task_run(self, key: str, map_index: int | None = None) -> TaskRun | None:
        """The task run of ``key`` (of one index of a mapped task; of its worst index when none given)."""
        runs = [tr for tr in self.task_runs if tr.task == key]
        if map_index is not None:
            return next((tr for tr in runs if tr.map_index == map_index), None)
        worst = self.outcomes().get(key)
        return next((tr for tr in runs if tr.state is worst), runs[0] if runs else None)


def task_name(graph: Graph, named: str | None) -> str | None:
    """The name of the task a run names by its key (Taipy, Airflow); a name (Snowflake) or a mapped
    index as given."""
    if named in graph.tasks:  # a key (``process[4]`` of a mapped task stays as the run said it)
        return graph.tasks[named].name
    return named


class GraphTree(VirtualTree[TreeLine]):
    """enter selects (the screen opens the task's detail); space and left/right fold."""

    DEFAULT_CSS = "GraphTree { height: 1fr; }"
    BINDINGS = [
        Binding("space", "toggle_node", "Fold/unfold", show=False, id="graph.fold"),
        Binding("left", "fold", "Fold (or go to parent)", show=False, id="graph.fold_left"),
        Binding("right", "unfold", "Unfold", show=False, id="graph.unfold"),
    ]

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)

    def action_unfold(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()


class GraphScreen(PolledScreen):
    TITLE_TEXT = "Graph"
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="graph.back"),
        Binding("E", "expand_all", "Expand all", id="graph.expand_all"),
        Binding("C", "collapse_all", "Collapse", show=False, id="graph.collapse_all"),
        Binding("enter", "open_detail", "Detail", id="graph.detail"),
        Binding("l", "open_log", "Log", id="graph.log"),
        Binding("slash", "search", "Find", id="graph.search"),
        Binding("n", "next_match", "Next match", show=False, id="graph.next_match"),
        Binding("N", "previous_match", "Previous match", show=False, id="graph.previous_match"),
    ]
    # The tree takes enter first (select_cursor): its NodeSelected opens the detail, as this binding
    # would; the footer and `?` show this binding for enter (footer.KeyFooter, help.binding_rows).

    def __init__(self, task: Task, run: GraphRun | None = None) -> None:
        super().__init__()
        self.focus_task = task
        self.pinned_run = run  # a run detail pins the tree to that run; otherwise the latest
        self.snapshot: GraphSnapshot | None = None
        self._structure: tuple[tuple[str, ...], ...] = ()
        self._tree_nodes: dict[tuple[str, ...], TreeItem[TreeLine]] = {}
        self.find_text = ""  # what `/` looks for in the task names ("" none)

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("", id="graph-summary")
        yield GraphTree(guide_depth=3, id="graph-tree")
        with Horizontal(id="graph-find-bar"):
            yield Label("/", id="graph-find-label")
            yield TreeSearchBox(placeholder="find a task by name", id="graph-search")
        yield Label("", id="graph-found")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(GraphTree).focus()

    async def fetch(self) -> GraphSnapshot:
        backend = self.app.backend  # type: ignore[attr-defined]
        root = self.focus_task.root
        graph = await backend.get_graph(root)
        current = await backend.current_runs(root, limit=10)
        executing = next((r for r in current if r.state.is_active), None)
        run = self.pinned_run
        if run is None:
            latest = await backend.completed_runs(root, limit=1)
            run = latest[0] if latest else None
        elif not run.state.is_finished:
            # A pinned run that was still going: find it again, so its state and times are current.
            run = await self._current_state_of(run, current)
            self.pinned_run = run
        if run is not None and run.state is RunState.FAILED and backend.capabilities.run_errors:
            # The exception it died of, from its failed task's log (read once, then cached).
            run = (await cast(RunErrorsBackend, backend).with_errors(root, [run]))[0]
        task_runs: tuple[TaskRun, ...] = ()
        if run is not None and backend.capabilities.task_runs:
            task_runs = tuple(await backend.task_runs(root, run.run_id))
        self._remember(root, current, run, task_runs)
        self._feed_watcher(root, run, current)
        return GraphSnapshot(graph, run, executing, task_runs)

    def _feed_watcher(self, root: str, run: GraphRun | None, current: list[GraphRun]) -> None:
        """What this poll saw, for the watcher (w): a run detail's run, else the graph's status."""
        app = self.app
        if self.pinned_run is not None:
            if run is not None:
                app.tell(app.watcher.observe_run(app.connection.profile, app.connection.scope, run))  # type: ignore[attr-defined]
            return
        app.watch_feed()({root: graph_status(run, current)})  # type: ignore[attr-defined]

    def _remember(
        self, root: str, current: list[GraphRun], run: GraphRun | None, task_runs: tuple[TaskRun, ...]
    ) -> None:
        """Feed what was fetched to the app's memory of runs' states and durations (services/run_ages)."""
        ages, wall = self.app.run_ages, self.app.wall()  # type: ignore[attr-defined]
        ages.observe_current(root, current, wall, limit=10)
        if run is not None and run.state.is_finished:
            ages.observe_completed([run])
        if run is not None and task_runs:
            ages.observe_task_runs(run.run_id, task_runs, wall)

    async def _current_state_of(self, run: GraphRun, current: list[GraphRun]) -> GraphRun:
        same = [r for r in current if r.run_id == run.run_id]
        if not same:
            backend = self.app.backend  # type: ignore[attr-defined]
            completed = await backend.completed_runs(run.graph, limit=100)
            same = [r for r in completed if r.run_id == run.run_id]
        return same[0] if same else run

    def show(self, data: GraphSnapshot) -> None:
        self.snapshot = data
        lines = layout(data.graph)
        tree = self.query_one(GraphTree)
        outcomes = data.outcomes()
        mapped = data.mapped()
        lines = with_indexes(lines, {key: [tr.map_index or 0 for tr in runs] for key, runs in mapped.items()})
        structure = tuple(line.path for line in lines)
        labels = self._labels(data, lines, outcomes, mapped)
        if structure != self._structure:
            first = self._structure == ()
            self._rebuild(tree, lines, labels)
            self._structure = structure
            if first and self.pinned_run is not None:
                self._focus_first_failure(tree, outcomes)
        else:
            # A poll that changed nothing costs no widget work; a changed task repaints its own line.
            for path, label in labels.items():
                node = self._tree_nodes.get(path)
                if node is not None and node.label != label:
                    node.set_label(label)
        self.query_one("#graph-summary", Label).update(self.summary(data))

    def _labels(
        self,
        data: GraphSnapshot,
        lines: list[TreeLine],
        outcomes: dict[str, RunState],
        mapped: dict[str, list[TaskRun]],
    ) -> dict[tuple[str, ...], Text]:
        """Each line's label, by path."""
        run_state = data.run.state if data.run is not None else RunState.UNKNOWN
        counts = index_counts(data.task_runs, run_state)
        causes = failure_causes(data.graph, outcomes)
        written = written_nodes(data.graph)
        # Unfinished task runs by task (one dict per poll: never a scan of every run per line).
        going = {tr.task: tr for tr in data.task_runs if not tr.state.is_finished and tr.map_index is None}
        labels: dict[tuple[str, ...], Text] = {}
        for line in lines:
            if line.indexes:
                label = self.indexes_label(len(mapped.get(line.key, ())))
            elif line.map_index is not None:
                label = self.index_label(data.task_run(line.key, line.map_index), run_state)
            else:
                joins = join_note(data.graph, line.key)
                label = self.label(data.graph.tasks[line.key], outcomes.get(line.key), joins)
                notes = self.notes(data, line.key, causes.get(line.key, []), written, going.get(line.key))
                label.append_text(notes)
                if line.key in counts:
                    label.append("  ")
                    label.append_text(self.counts_text(counts[line.key]))
                if joins is None:  # "did not run because X failed" stays one phrase; a join names its own
                    self._edge(label, line, data.graph.tasks[line.key])
            labels[line.path] = label
        return labels

    def _rebuild(self, tree: GraphTree, lines: list[TreeLine], labels: dict[tuple[str, ...], Text]) -> None:
        # Structure changed (a task added or removed): rebuild, keeping the cursor on the same node and
        # the indexes folds the user opened open.
        cursor = tree.cursor_node.data if tree.cursor_node and tree.cursor_node.data else None
        opened = {path for path, node in self._tree_nodes.items() if node.data and node.data.indexes
                  and node.is_expanded}  # fmt: skip
        tree.clear()
        self._tree_nodes = {}
        with tree.batch():
            for line in lines:
                parent = self._tree_nodes.get(line.path[:-1], tree.root)
                leaf = line.map_index is not None
                expand = not line.indexes or line.path in opened  # a mapped task's indexes start folded
                node = parent.add(labels[line.path], data=line, expand=expand, allow_expand=not leaf)
                self._tree_nodes[line.path] = node
        if cursor is not None and cursor.path in self._tree_nodes:
            tree.move_cursor(self._tree_nodes[cursor.path])
            return
        for node in self._tree_nodes.values():
            data = node.data
            if data and data.key == self.focus_task.key and not data.indexes:
                tree.move_cursor(node)
                break

    def _focus_first_failure(self, tree: GraphTree, outcomes: dict[str, RunState]) -> None:
        """A run's detail opens on the task that failed: what the user came to see. The root fails with
        its run (on Airflow it is the DAG itself), so it is chosen only when no task below it failed."""
        failed = [
            node
            for node in self._tree_nodes.values()
            if node.data is not None
            and not (node.data.indexes or node.data.map_index is not None)
            and outcomes.get(node.data.key) is RunState.FAILED
        ]
        failed.sort(key=lambda node: node.data is not None and node.data.key == self.focus_task.root)
        if failed:
            tree.move_cursor(failed[0])

    def label(self, task: Task, outcome: RunState | None, joins: str | None = None) -> Text:
        """The task's outcome, name, state; a join's upstreams right after its name (``joins``:
        graph_view.join_note), before anything a narrow screen would cut."""
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        text = Text()
        if outcome is not None:
            text.append_text(run_badge(outcome, "", colors, words=False))
            text.append(" ")
        text.append_text(literal(task.name, "bold" if task.is_root else ""))
        if joins:
            text.append("  ")
            text.append_text(literal(joins, "dim"))  # upstream names are server text
        wording = self.app.backend.wording  # type: ignore[attr-defined]
        badge = task_badge(task.state, task.raw_state, colors, wording.state_words)
        if badge.plain:  # a task without a state of its own (an Airflow task) shows none
            text.append("  ")
            text.append_text(badge)
        if task.state_reason:  # why it is off, in the backend's words (Qlik's disabledCode)
            text.append_text(literal(f" ({task.state_reason})", "dim"))
        if outcome is not None and outcome not in (RunState.SUCCEEDED,):
            text.append("  ")
            text.append_text(run_badge(outcome, "", colors))
        if task.is_root and task.schedule.describe():
            text.append("  ")
            text.append_text(literal(task.schedule.describe(), "dim"))
        return text  # the edge's condition goes last, after the notes (_labels)

    @staticmethod
    def _edge(text: Text, line: TreeLine, task: Task) -> Text:
        """The condition on the edge from the parent this line hangs under (Qlik: ``on failure``)."""
        when = task.edge_conditions.get(line.path[-2]) if len(line.path) > 1 else None
        if when:
            text.append("  · ", style="dim")
            text.append_text(literal(when, "dim italic"))
        return text

    def notes(
        self,
        data: GraphSnapshot,
        key: str,
        causes: list[str],
        written: frozenset[str],
        task_run: TaskRun | None,
    ) -> Text:
        """Why it did not run, how long its unfinished ``task_run`` has been in its state, the data it
        reads and writes."""
        app = self.app
        now = app.now()  # type: ignore[attr-defined]
        age = app.run_ages.task_run_age(task_run, now, app.wall()) if task_run else None  # type: ignore[attr-defined]
        when = (now, app.tz, app.show_absolute)  # type: ignore[attr-defined]
        return task_notes(data.graph, key, causes, age, app.theme_colors, written, when)  # type: ignore[attr-defined]

    def counts_text(self, counts: dict[RunState, int]) -> Text:
        """A mapped task's indexes by outcome, worst first: ``✘ 1 failed · ✔ 19``."""
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        order = sorted(counts, key=lambda s: (s is RunState.SUCCEEDED, not s.is_failure, s.value))
        text = Text()
        for n, state in enumerate(order):
            if n:
                text.append(" · ", style="dim")
            badge = run_badge(state, "", colors, words=False)
            word = "" if state is RunState.SUCCEEDED else f" {WORDS.get(state, state.value.lower())}"
            text.append_text(badge.append(f" {counts[state]}{word}"))
        return text

    def indexes_label(self, count: int) -> Text:
        return Text(plural(count, "map index"), style="dim")

    def index_label(self, run: TaskRun | None, run_state: RunState) -> Text:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        if run is None:
            return Text("")
        text = Text(f"[{run.map_index}]  ")
        text.append_text(run_badge(as_of_run(run.state, run_state), run.raw_state, colors))
        text.append(f"  try {run.try_number or 0}", style="dim")
        return text

    def summary(self, data: GraphSnapshot) -> Text:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        now, tz, absolute = self.app.now(), self.app.tz, self.app.show_absolute  # type: ignore[attr-defined]
        root = data.graph.tasks.get(data.graph.root)
        text = Text(" ")
        text.append_text(literal(root.qualified_name if root else data.graph.root, "bold"))
        root_is_task = self.app.backend.wording.root_is_task  # type: ignore[attr-defined]
        text.append(f"  {plural(data.graph.task_count(root_is_task), 'task')}")
        run = data.run
        if run is not None:
            text.append("  ·  run " if self.pinned_run else "  ·  last run ")
            text.append_text(run_badge(run.state, run.raw_state, colors))
            text.append(f" {moment(now, run.completed_time or run.scheduled_time, tz, absolute)}")
            if run.first_error_task:
                text.append("  first error: ")
                text.append_text(literal(task_name(data.graph, run.first_error_task), "bold"))
        if data.current is not None and self.pinned_run is None:
            text.append("  ·  now ")
            text.append_text(run_badge(data.current.state, data.current.raw_state, colors))
        return text

    def render_rows(self) -> None:
        if self.snapshot is not None:
            self.show(self.snapshot)

    @property
    def selected_line(self) -> TreeLine | None:
        node = self.query_one(GraphTree).cursor_node
        return None if node is None else node.data

    @property
    def selected_task(self) -> Task | None:
        node = self.query_one(GraphTree).cursor_node
        if node is None or node.data is None or self.snapshot is None:
            return None
        return self.snapshot.graph.tasks.get(node.data.key)

    def action_expand_all(self) -> None:
        self.query_one(GraphTree).root.expand_all()

    def action_collapse_all(self) -> None:
        tree = self.query_one(GraphTree)
        for node in tree.root.children:
            node.collapse_all()

    @on(GraphTree.NodeSelected)
    def node_chosen(self, event: GraphTree.NodeSelected) -> None:
        event.stop()
        self.action_open_detail()

    @property
    def shown_run(self) -> GraphRun | None:
        """The run whose outcomes the tree shows (the latest finished one here; a run detail's own)."""
        return self.snapshot.run if self.snapshot is not None else None

    def action_open_log(self) -> None:
        """The chosen task's log in the run shown (its latest try; a mapped task's chosen or worst
        index) where the backend has logs; else that run's record; with no run, why there is none."""
        from .run_detail import RunLogScreen, TaskLogScreen

        run = self.shown_run
        if run is None:
            self.app.notify("No run of this graph yet: no log to show.", severity="warning", timeout=5)
            return
        backend = self.app.backend  # type: ignore[attr-defined]
        task, line = self.selected_task, self.selected_line
        if backend.capabilities.logs and task is not None and line is not None and self.snapshot is not None:
            task_run = self.snapshot.task_run(task.key, line.map_index)
            self.app.push_screen(TaskLogScreen(run, task, task_run))
            return
        self.app.push_screen(RunLogScreen(run))

    def action_open_detail(self) -> None:
        task = self.selected_task
        if task is not None:
            self.app.open_task_detail(task)  # type: ignore[attr-defined]

    # -- `/`: find a task by name ---------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#graph-find-bar").display = True
        self.query_one(TreeSearchBox).focus()

    def _found(self) -> list[TreeItem[TreeLine]]:
        """The tasks whose name holds the text, in the tree's order (a mapped task's indexes aside)."""
        if self.snapshot is None:
            return []
        tasks = self.snapshot.graph.tasks
        names = [
            (node, tasks[node.data.key].name)
            for node in self._tree_nodes.values()
            if node.data is not None and not node.data.indexes and node.data.map_index is None
        ]
        return matches(names, self.find_text)  # type: ignore[return-value]

    @on(Input.Changed, "#graph-search")
    def search_typed(self, event: Input.Changed) -> None:
        event.stop()
        self.find_text = event.value
        found = self._found()
        if found:
            self._go_to(found[0])
        self._show_found(found)

    @on(Input.Submitted, "#graph-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_search()
        if self.find_text and not self._found():
            self._say_no_match()

    @on(TreeSearchBox.Closed)
    def search_closed(self, event: TreeSearchBox.Closed) -> None:
        event.stop()
        self._close_search()

    def _say_no_match(self) -> None:
        self.notify(f"No task matches “{self.find_text}”.", timeout=3, markup=False)  # typed: inert

    def _close_search(self) -> None:
        self.query_one("#graph-find-bar").display = False
        self.query_one(GraphTree).focus()

    def _go_to(self, node: TreeItem[TreeLine]) -> None:
        """Unfold what hides the node, then put the cursor on it (the tree scrolls to it)."""
        parent = node.parent
        hidden = []
        while parent is not None and not parent.is_root:
            hidden.append(parent)
            parent = parent.parent
        for item in reversed(hidden):
            item.expand()
        tree = self.query_one(GraphTree)
        tree.move_cursor(node)
        # The search bar and its count may have just taken lines from the tree: show the line again
        # once the screen is laid out at its new height.
        self.call_after_refresh(lambda: tree.scroll_to_line(tree.cursor_line))

    def _show_found(self, found: list[TreeItem[TreeLine]]) -> None:
        label = self.query_one("#graph-found", Label)
        label.display = bool(self.find_text)
        cursor = self.query_one(GraphTree).cursor_node
        at = next((n for n, node in enumerate(found) if node is cursor), -1)
        label.update(Text(status(self.find_text, len(found), at), style="dim"))

    def _step(self, delta: int) -> None:
        found = self._found()
        if not found:
            if self.find_text:
                self._say_no_match()
            else:
                self.notify("Nothing searched yet: press / to search.", timeout=3)
            self._show_found(found)
            return
        cursor = self.query_one(GraphTree).cursor_node
        at = next((n for n, node in enumerate(found) if node is cursor), None)
        # Off a match (the user moved), n goes to the first match, N to the last.
        at = (at + delta) % len(found) if at is not None else (0 if delta > 0 else len(found) - 1)
        self._go_to(found[at])
        self._show_found(found)

    def action_next_match(self) -> None:
        self._step(1)

    def action_previous_match(self) -> None:
        self._step(-1)
