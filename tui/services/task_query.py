"""The task list's filter language and sort orders, kept apart from widgets so they are easy to test.

Filter: space-separated terms, all must match. A plain word matches the name (case-insensitive,
substring); ``state:suspended`` (or the backend's word, ``state:paused``), ``status:failed`` (last
graph run), ``root:yes|no``, ``scope:DB.SCHEMA`` and ``tag:NAME`` (a graph's tags, e.g. an Airflow
DAG's; a prefix of one of them) match fields; terms combine (``tag:nightly status:failed``). Unknown
``key:`` terms match as plain words, so nothing is hidden by a typo without the user seeing the filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.domain import GraphRun, RunState, Task


@dataclass(frozen=True, slots=True)  # slots: 50,000 rows without a dict each
class TaskRow:
    """One row of the task list: the task, its graph size and its graph's latest run.

    ``outcome`` is what the task did in that run, by the one rule of services/outcomes.py (``rows_for``
    works it out over the whole graph); None where no graph was at hand, which reads as unknown."""

    task: Task
    graph_size: int
    last_run: GraphRun | None
    current_run: GraphRun | None = None  # executing now, if any
    next_time: datetime | None = None  # the next scheduled run of its graph
    outcome: RunState | None = None

    @property
    def result(self) -> RunState | None:
        """A root's row speaks for its graph: the last run's state; a child's: its own outcome in it."""
        run = self.last_run
        if run is None:
            return None
        if self.task.is_root:
            return run.state
        return self.outcome or RunState.UNKNOWN

    @property
    def graph_failed(self) -> bool:
        return self.last_run is not None and self.last_run.state.is_failure


Predicate = Callable[[TaskRow], bool]


def parse_filter(text: str) -> Predicate:
    """Build a predicate from the filter box's text."""
    tests: list[Predicate] = []
    for term in text.split():
        key, sep, value = term.partition(":")
        key, value = key.lower(), value.lower()
        if sep and key == "state" and value:
            tests.append(lambda row, v=value: _state_matches(row.task, v))
        elif sep and key == "tag" and value:
            tests.append(lambda row, v=value: any(t.lower().startswith(v) for t in row.task.tags))
        elif sep and key == "status" and value:
            tests.append(lambda row, v=value: _status_matches(row, v))
        elif sep and key == "root" and value:
            want = value in ("yes", "y", "true", "1")
            tests.append(lambda row, w=want: row.task.is_root == w)
        elif sep and key == "scope" and value:
            tests.append(lambda row, v=value: row.task.scope.lower().startswith(v))
        else:
            needle = term.lower()
            tests.append(lambda row, n=needle: n in row.task.name.lower())
    return lambda row: all(test(row) for test in tests)


def _state_matches(task: Task, value: str) -> bool:
    """The state's name or the server's own word for it (Airflow: ``active``, ``paused``)."""
    return task.state.value.startswith(value) or task.raw_state.lower().startswith(value)


def _status_matches(row: TaskRow, value: str) -> bool:
    run = row.last_run
    if run is None:
        return value in ("none", "never")
    state = row.result or run.state
    return state.value.lower().startswith(value) or run.raw_state.lower().startswith(value)


# Sort orders: column id -> key function. Missing values sort last.
def _time_key(value: datetime | None) -> tuple[int, float]:
    return (1, 0.0) if value is None else (0, value.timestamp())


SORT_KEYS: dict[str, Callable[[TaskRow], object]] = {
    # Each graph's root first, then its tasks: the default, so a graph reads as a block.
    "graph": lambda r: (r.task.root.lower(), not r.task.is_root, r.task.name.lower()),
    "name": lambda r: (r.task.name.lower(), r.task.scope),
    "scope": lambda r: (r.task.scope, r.task.name.lower()),
    "kind": lambda r: (not r.task.is_root, -r.graph_size, r.task.name.lower()),
    "schedule": lambda r: (r.task.schedule.describe(), r.task.name.lower()),
    "warehouse": lambda r: (r.task.warehouse or "", r.task.name.lower()),
    "state": lambda r: (r.task.state.value, r.task.name.lower()),
    "last": lambda r: (_time_key(r.last_run.scheduled_time if r.last_run else None), r.task.name.lower()),
    "result": lambda r: (_result_rank(r), r.task.name.lower()),
    "next": lambda r: (_time_key(r.next_time), r.task.name),
    "owner": lambda r: (r.task.owner or "", r.task.name.lower()),
    "tags": lambda r: (", ".join(r.task.tags).lower(), r.task.name.lower()),
}

_RANK = {RunState.FAILED: 0, RunState.CANCELLED: 1, RunState.EXECUTING: 2, RunState.SKIPPED: 3}


def _result_rank(row: TaskRow) -> int:
    state = row.result
    return 9 if state is None else _RANK.get(state, 5)


def select_rows(
    rows: Sequence[TaskRow],
    *,
    filter_text: str = "",
    failed_only: bool = False,
    sort: str = "graph",
    reverse: bool = False,
) -> list[TaskRow]:
    """What the task list shows: filtered, then sorted."""
    keep = parse_filter(filter_text)
    chosen = [r for r in rows if keep(r) and (not failed_only or r.graph_failed)]
    chosen.sort(key=SORT_KEYS.get(sort, SORT_KEYS["graph"]), reverse=reverse)
    return chosen


@dataclass(slots=True)
class Sorted:
    """Rows in one order, with what a Selection keeps beside them (built off the event loop)."""

    rows: Sequence[TaskRow]  # the rows as given (identity: what they were sorted from)
    order: tuple[str, bool]
    sorted: list[TaskRow]
    names: list[str]
    where: dict[str, int]


def sort_rows(rows: Sequence[TaskRow], sort: str, reverse: bool) -> Sorted:
    ordered = sorted(rows, key=SORT_KEYS.get(sort, SORT_KEYS["graph"]), reverse=reverse)
    names = [row.task.name.lower() for row in ordered]
    where = {row.task.key: n for n, row in enumerate(ordered)}
    return Sorted(rows, (sort, reverse), ordered, names, where)


class Selection:
    """``select_rows`` for a screen that asks again on every keystroke and poll, in O(matching rows):

    the sorted list is kept until the rows or the order change (sorting the whole then filtering gives
    the same order as filtering then sorting: the sort is stable), and a filter that only extends the
    last one's name term searches just the rows that matched it (typing narrows the list)."""

    def __init__(self) -> None:
        self._rows: Sequence[TaskRow] | None = None
        self._order: tuple[str, bool] | None = None
        self._sorted: list[TaskRow] = []
        self._names: list[str] = []  # each sorted row's name in lower case, for the name filter
        self._where: dict[str, int] = {}  # key -> place in the sorted list, for patches
        self._last: tuple[str, bool, list[TaskRow], list[str]] | None = None
        self.generation = 0  # counts changes of the sorted rows: a scan of older rows is not taken

    def select(
        self, rows: Sequence[TaskRow], *, filter_text: str, failed_only: bool, sort: str, reverse: bool
    ) -> list[TaskRow]:
        scan = self.scanner(
            rows, filter_text=filter_text, failed_only=failed_only, sort=sort, reverse=reverse
        )
        result = scan()
        self.take(result)
        return result.rows

    def scanner(
        self, rows: Sequence[TaskRow], *, filter_text: str, failed_only: bool, sort: str, reverse: bool
    ) -> Callable[[], Scan]:
        """``select`` in two halves, so a screen can filter in a worker thread: this one (sorting only
        when the rows or the order changed) returns the scan, which touches no state and may run in
        any thread; ``take`` then keeps its result, unless the rows changed meanwhile."""
        if rows is not self._rows or (sort, reverse) != self._order:
            if not self._same_order(rows, sort, reverse):
                self._sorted = sorted(rows, key=SORT_KEYS.get(sort, SORT_KEYS["graph"]), reverse=reverse)
                self._names = [row.task.name.lower() for row in self._sorted]
                self._where = {row.task.key: n for n, row in enumerate(self._sorted)}
            self._rows, self._order, self._last = rows, (sort, reverse), None
            self.generation += 1
        pool, names, last, generation = self._sorted, self._names, self._last, self.generation
        if last is not None and last[0] == filter_text and last[1] == failed_only:
            return lambda: Scan(generation, last, last[2])  # asked again (a redraw): nothing to scan
        if last is not None and last[1] == failed_only and _narrows(last[0], filter_text):
            pool, names = last[2], last[3]
        return lambda: _scan(pool, names, filter_text, failed_only, generation)

    def take(self, scan: Scan) -> bool:
        """Keep a scan's result for the next keystroke to narrow; False (kept nothing) when the rows
        changed since it began: its rows are not the ones shown."""
        if scan.generation != self.generation:
            return False
        self._last = scan.last
        return True

    def adopt(self, ordered: Sorted) -> None:
        """Take rows already sorted (by a worker thread); the next select of ``ordered.rows`` in that
        order sorts nothing."""
        self._rows, self._order, self._last = ordered.rows, ordered.order, None
        self._sorted, self._names, self._where = ordered.sorted, ordered.names, ordered.where
        self.generation += 1

    def patch(
        self, old: Mapping[str, TaskRow], new: Mapping[str, TaskRow], *, filter_text: str, failed_only: bool
    ) -> bool:
        """Put changed rows (``new``, by key; ``old``: the rows they replace) in their places, O(changed
        rows), when none of them moves in the order or into or out of the filter; the caller then
        patches its row list in place (the same list object, so nothing is sorted again). False:
        nothing was patched, select again with the new list."""
        if self._order is None:
            return False
        key = SORT_KEYS.get(self._order[0], SORT_KEYS["graph"])
        keep = parse_filter(filter_text) if filter_text.strip() else None
        for k, row in new.items():
            was = old.get(k)
            if was is None or k not in self._where or key(was) != key(row):
                return False
            if keep is not None and keep(was) != keep(row):
                return False
            if failed_only and was.graph_failed != row.graph_failed:
                return False
        for k, row in new.items():
            n = self._where[k]
            self._sorted[n], self._names[n] = row, row.task.name.lower()
        self._last = None  # its rows are the old objects: the next filter looks at the sorted list
        self.generation += 1
        return True

    def _same_order(self, rows: Sequence[TaskRow], sort: str, reverse: bool) -> bool:
        """A poll that kept most rows as they were: when no row's place in the order changed, the
        sorted list is patched with the new rows instead of sorted again (identity checks, no sort)."""
        old = self._rows
        if old is None or (sort, reverse) != self._order or len(old) != len(rows):
            return False
        key = SORT_KEYS.get(sort, SORT_KEYS["graph"])
        new = {}
        for before, after in zip(old, rows, strict=True):
            if before is not after:
                if before.task.key != after.task.key or key(before) != key(after):
                    return False
                new[after.task.key] = after
        if new:
            self._sorted = [new.get(row.task.key, row) for row in self._sorted]
            self._names = [row.task.name.lower() for row in self._sorted]  # places kept: _where holds
        return True


@dataclass(slots=True)
class Scan:
    """A filter's result over a Selection's rows as they were when the scan began."""

    generation: int
    last: tuple[str, bool, list[TaskRow], list[str]]  # the query and what it matched, to narrow from
    rows: list[TaskRow]


def _scan(
    pool: list[TaskRow], names: list[str], filter_text: str, failed_only: bool, generation: int
) -> Scan:
    """The rows of ``pool`` (sorted; ``names``: theirs in lower case) that the filter lets through."""
    terms = filter_text.split()
    if not terms and not failed_only:
        chosen = list(pool)  # no filter: every row, copied at C speed
        return Scan(generation, (filter_text, failed_only, chosen, list(names)), chosen)
    if len(terms) == 1 and ":" not in terms[0]:  # the common case, a name: no predicate per row
        needle = terms[0].lower()
        picked = [i for i, name in enumerate(names) if needle in name]
    else:
        keep = parse_filter(filter_text)
        picked = [i for i, row in enumerate(pool) if keep(row)]
    if failed_only:
        picked = [i for i in picked if pool[i].graph_failed]
    chosen = [pool[i] for i in picked]
    return Scan(generation, (filter_text, failed_only, chosen, [names[i] for i in picked]), chosen)


def _narrows(before: str, after: str) -> bool:
    """Whether ``after`` can only match rows ``before`` matched: the same terms, the last (a name)
    longer."""
    old, new = before.split(), after.split()
    if not old:
        return True
    return (
        len(old) == len(new)
        and old[:-1] == new[:-1]
        and ":" not in old[-1]
        and new[-1].lower().startswith(old[-1].lower())
    )
