"""What a poll changed in a keyed list, computed off the event loop so the screen patches only that.

A poll re-reads every task; most come back as they were. ``diff_rows`` compares the new list with
the one on screen (in a worker thread: tens of thousands of model comparisons) and keeps the old
object for every row that did not change, so the screen's caches, keyed by identity, stay valid and
a poll that changed nothing costs the main thread nothing but a look at an empty diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.services.task_query import Sorted, TaskRow, sort_rows


@dataclass(slots=True)
class RowsDiff:
    """The new list (unchanged rows are the old objects) and how it differs from ``base``."""

    base: Sequence[TaskRow]  # the list it was computed against: a patch applies only to that list
    rows: list[TaskRow]
    changed: dict[str, TaskRow]  # new or different rows by key
    same_keys: bool  # the same keys in the same order: the rows can be patched in place
    ordered: Sorted | None = None  # the rows in the screen's order, when a full redraw will need it

    @property
    def empty(self) -> bool:
        return self.same_keys and not self.changed


def diff_rows(
    base: Sequence[TaskRow], new: Sequence[TaskRow], order: tuple[str, bool] | None = None
) -> RowsDiff:
    """``new`` against ``base``; O(rows), meant for a worker thread. With ``order`` (sort, reverse),
    a diff the screen will redraw whole (a first load, rows added or removed, many changed) also
    carries the rows sorted so, so the O(n log n) sort is not done on the event loop."""
    old = {row.task.key: row for row in base}
    rows: list[TaskRow] = []
    changed: dict[str, TaskRow] = {}
    for row in new:
        key = row.task.key
        was = old.get(key)
        if was is not None and (was is row or was == row):
            rows.append(was)
        else:
            rows.append(row)
            changed[key] = row
    same_keys = len(base) == len(rows) and all(
        a is b or a.task.key == b.task.key for a, b in zip(base, rows, strict=True)
    )
    diff = RowsDiff(base, rows, changed, same_keys)
    if order is not None and (not same_keys or len(changed) > len(rows) // 10):
        diff.ordered = sort_rows(rows, *order)
    return diff
