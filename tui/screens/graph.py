"""The dependency tree of one graph, annotated with each task's state and its latest run's outcome."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label
from textual.widgets.tree import TreeNode

from tui.domain import Graph, GraphRun, RunState, Task, TaskRun
from tui.services.graph_view import TreeLine, layout, task_outcomes
from tui.widgets.lists import ListTree
from tui.widgets.literal import literal
from tui.widgets.status import run_badge, task_badge
from tui.widgets.timefmt import moment

from .base import PolledScreen


@dataclass(frozen=True)
class GraphSnapshot:
    graph: Graph
    run: GraphRun | None  # the run whose outcome annotates the tree
    current: GraphRun | None  # an executing run, if any
    task_runs: tuple[TaskRun, ...] = ()  # per-task runs of ``run``, where the backend has them

    def outcomes(self) -> dict[str, RunState]:
        """Each task's state in ``run``: from the backend's task runs when it has them, otherwise
        inferred from the run's first error (Snowflake's REST API has nothing per task)."""
        if self.task_runs:
            return {tr.task: tr.state for tr in self.task_runs}
        return task_outcomes(self.graph, self.run)


class GraphTree(ListTree[TreeLine]):
    """enter selects (the screen opens the task's detail); space and left/right fold."""

    DEFAULT_CSS = "GraphTree { height: 1fr; }"
    BINDINGS = [
        Binding("space", "toggle_node", "Fold/unfold", show=False, id="graph.fold"),
        Binding("left", "fold", "Fold (or go to parent)", show=False, id="graph.fold_left"),
        Binding("right", "unfold", "Unfold", show=False, id="graph.unfold"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.auto_expand = False  # enter means "open", never "fold" (Tree's default toggles)

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
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
        Binding("enter", "open_detail", "Detail", show=False, id="graph.detail"),
    ]
    # The tree takes enter first (Tree.select_cursor): its NodeSelected opens the detail, as this
    # binding would; `?` lists this binding for enter (help.binding_rows).

    def __init__(self, task: Task, run: GraphRun | None = None) -> None:
        super().__init__()
        self.focus_task = task
        self.pinned_run = run  # a run detail pins the tree to that run; otherwise the latest
        self.snapshot: GraphSnapshot | None = None
        self._structure: tuple[tuple[str, ...], ...] = ()
        self._full_parent: dict[str, str] = {}
        self._tree_nodes: dict[tuple[str, ...], TreeNode[TreeLine]] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("", id="graph-summary")
        tree = GraphTree(Text(""), id="graph-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
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
        task_runs: tuple[TaskRun, ...] = ()
        if run is not None and backend.capabilities.task_runs:
            task_runs = tuple(await backend.task_runs(root, run.run_id))
        return GraphSnapshot(graph, run, executing, task_runs)

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
        structure = tuple(line.path + (("ref",) if line.reference else ()) for line in lines)
        # Where each task is shown in full, so a reference can say "see under PARENT".
        self._full_parent = {
            line.key: line.path[-2] for line in lines if not line.reference and len(line.path) > 1
        }
        tree = self.query_one(GraphTree)
        outcomes = data.outcomes()
        if structure != self._structure:
            first = self._structure == ()
            self._rebuild(tree, lines)
            self._structure = structure
            if first and self.pinned_run is not None:
                self._focus_first_failure(tree, outcomes)
        for line in lines:
            node = self._tree_nodes.get(line.path)
            if node is not None:
                node.set_label(self.label(line, data.graph.tasks[line.key], outcomes.get(line.key)))
        self.query_one("#graph-summary", Label).update(self.summary(data))

    def _rebuild(self, tree: GraphTree, lines: list[TreeLine]) -> None:
        # Structure changed (a task added or removed): rebuild, keeping the cursor on the same task.
        selected = tree.cursor_node.data.key if tree.cursor_node and tree.cursor_node.data else None
        tree.clear()
        self._tree_nodes = {}
        for line in lines:
            parent = self._tree_nodes.get(line.path[:-1], tree.root)
            node = parent.add(Text(""), data=line, expand=True, allow_expand=not line.reference)
            self._tree_nodes[line.path] = node
        tree.root.expand()
        target = selected or self.focus_task.key
        for node in self._tree_nodes.values():
            if node.data and node.data.key == target and not node.data.reference:
                tree.move_cursor(node)
                break

    def _focus_first_failure(self, tree: GraphTree, outcomes: dict[str, RunState]) -> None:
        """A run's detail opens on the task that failed: what the user came to see."""
        for node in self._tree_nodes.values():
            data = node.data
            if data and not data.reference and outcomes.get(data.key) is RunState.FAILED:
                tree.move_cursor(node)
                return

    def label(self, line: TreeLine, task: Task, outcome: RunState | None) -> Text:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        text = Text()
        if line.reference:
            text.append("↪ ", style="dim")
            text.append_text(literal(task.name, "dim italic"))
            home = self._full_parent.get(line.key)
            if home and self.snapshot and home in self.snapshot.graph.tasks:
                text.append("  see under ", style="dim")
                text.append_text(literal(self.snapshot.graph.tasks[home].name, "dim"))
            return text
        if outcome is not None:
            text.append_text(run_badge(outcome, "", colors, words=False))
            text.append(" ")
        text.append_text(literal(task.name, "bold" if task.is_root else ""))
        text.append("  ")
        text.append_text(task_badge(task.state, task.raw_state, colors))
        if outcome is not None and outcome not in (RunState.SUCCEEDED,):
            text.append("  ")
            text.append_text(run_badge(outcome, "", colors))
        if task.is_root and task.schedule.describe():
            text.append("  ")
            text.append_text(literal(task.schedule.describe(), "dim"))
        return text

    def summary(self, data: GraphSnapshot) -> Text:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        now, tz, absolute = self.app.now(), self.app.tz, self.app.show_absolute  # type: ignore[attr-defined]
        root = data.graph.tasks.get(data.graph.root)
        text = Text(" ")
        text.append_text(literal(root.qualified_name if root else data.graph.root, "bold"))
        text.append(f"  {len(data.graph.tasks)} tasks")
        run = data.run
        if run is not None:
            text.append("  ·  run " if self.pinned_run else "  ·  last run ")
            text.append_text(run_badge(run.state, run.raw_state, colors))
            text.append(f" {moment(now, run.completed_time or run.scheduled_time, tz, absolute)}")
            if run.first_error_task:
                text.append("  first error: ")
                text.append_text(literal(run.first_error_task, "bold"))
        if data.current is not None and self.pinned_run is None:
            text.append("  ·  now ")
            text.append_text(run_badge(data.current.state, data.current.raw_state, colors))
        return text

    def render_rows(self) -> None:
        if self.snapshot is not None:
            self.show(self.snapshot)

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

    def action_open_detail(self) -> None:
        task = self.selected_task
        if task is not None:
            self.app.open_task_detail(task)  # type: ignore[attr-defined]
