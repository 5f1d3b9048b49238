"""A poll's diff: unchanged rows keep their objects, a redraw gets its order sorted off the event loop,
and a patch leaves the selection as a fresh select would."""

import dataclasses
import gc

from tests.services.test_task_query import ROWS
from tui.services import heap
from tui.services.row_diff import diff_rows
from tui.services.task_query import Selection, select_rows, sort_rows


def copies(rows):
    return [dataclasses.replace(r) for r in rows]  # equal, not the same objects: a re-read


def test_a_poll_that_changed_nothing_keeps_every_old_row_and_is_empty():
    diff = diff_rows(ROWS, copies(ROWS))
    assert diff.empty and diff.ordered is None
    assert all(a is b for a, b in zip(ROWS, diff.rows, strict=True))


def test_a_changed_row_is_the_only_one_reported_and_the_rest_stay_the_old_objects():
    new = copies(ROWS)
    new[1] = dataclasses.replace(new[1], graph_size=99)
    diff = diff_rows(ROWS, new)
    assert diff.same_keys and list(diff.changed) == [ROWS[1].task.key]
    assert diff.rows[1] is new[1] and diff.rows[0] is ROWS[0]


def test_added_rows_are_a_full_redraw_that_comes_sorted_in_the_screens_order():
    diff = diff_rows(ROWS[:2], ROWS, ("name", True))
    assert not diff.same_keys and diff.ordered is not None
    assert diff.ordered.sorted == select_rows(ROWS, sort="name", reverse=True)


def test_a_selection_that_adopts_presorted_rows_selects_what_select_rows_does():
    selection = Selection()
    selection.adopt(sort_rows(ROWS, "state", False))
    for text in ("", "o", "orders", "status:failed"):
        got = selection.select(ROWS, filter_text=text, failed_only=False, sort="state", reverse=False)
        assert got == select_rows(ROWS, filter_text=text, sort="state")


def test_a_patch_that_moves_no_row_gives_what_a_fresh_select_gives():
    rows = list(ROWS)
    selection = Selection()
    selection.select(rows, filter_text="", failed_only=False, sort="graph", reverse=False)
    n = 1
    changed = {rows[n].task.key: dataclasses.replace(rows[n], graph_size=42)}
    old = {r.task.key: r for r in rows}
    assert selection.patch(old, changed, filter_text="", failed_only=False)
    rows[n] = changed[rows[n].task.key]
    got = selection.select(rows, filter_text="", failed_only=False, sort="graph", reverse=False)
    assert got == select_rows(rows) and got[[r.task.key for r in got].index(rows[n].task.key)] is rows[n]
    moved = {rows[n].task.key: dataclasses.replace(rows[n], graph_size=1)}
    selection.select(rows, filter_text="", failed_only=False, sort="kind", reverse=False)
    assert not selection.patch({r.task.key: r for r in rows}, moved, filter_text="", failed_only=False)


def test_the_heap_is_frozen_once_a_quarter_of_the_rows_held_are_new():
    policy = heap.HeapPolicy()
    before = gc.get_freeze_count()
    try:
        assert not policy.loaded(100, 1000), "a small list: a full collection is cheap"
        assert policy.loaded(10_000, 10_000)  # a first load
        assert not policy.loaded(100, 10_000)  # a poll that changed 1%
        assert policy.loaded(2_400, 10_000)  # new rows add up to a quarter
        assert gc.get_freeze_count() >= before
    finally:
        gc.unfreeze()  # leave the test process's collector as it was
