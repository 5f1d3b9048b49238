"""A log's shape and levels, read from REAL Airflow 3 and 2 task logs (tests/airflow/recorded/):
``::group::`` sections found, named and folded once closed; tracebacks from their header to their
exception; each line's level from its header (a traceback's lines from their record)."""

from __future__ import annotations

import pytest

from tests.support.harness_airflow import RECORDINGS
from tests.support.recorded_logs import log_lines
from tui.services.log_layout import LogLayout
from tui.services.log_levels import Level, LevelCache, level_of

GROUPS = {  # what each version's failed task log holds, as Airflow wrote it
    "v2-3.3.2": ["Log message source details", "Pre Execute", "Post Execute"],
    "v1-2.11.2": ["Log message source details", "Pre task execution logs", "Post task execution logs"],
}


@pytest.fixture(params=RECORDINGS)
def recording(request: pytest.FixtureRequest) -> str:
    return request.param


def shape_of(lines: list[str], batch: int | None = None) -> LogLayout:
    shape = LogLayout()
    batch = batch or len(lines)
    for first in range(0, len(lines), batch):
        part = lines[first : first + batch]
        shape.scan(first, "\n".join(part), len(part))
    return shape


def test_groups_are_found_named_and_folded_by_default(recording):
    lines = log_lines(recording)
    shape = shape_of(lines)
    assert [g.name for g in shape.groups] == GROUPS[recording]
    for group in shape.groups:
        assert "::group::" in lines[group.header] and group.end is not None
        assert lines[group.end].endswith("::endgroup::")
        assert group.folded
        assert shape.display(group.header, lines[group.header]).startswith(f"▸ {group.name} (")
        # Folded: the inside and the end marker are hidden, the header is not.
        assert not shape.is_hidden(group.header)
        assert all(shape.is_hidden(i) for i in range(group.header + 1, group.end + 1))
    # The task's own lines (the failure) are outside every group and shown.
    failed = next(i for i, line in enumerate(lines) if "Task failed with exception" in line)
    assert not shape.is_hidden(failed) and not shape.enclosing(failed)
    # Unfolded, a group reads ▾ NAME and hides only its end marker (it says nothing a reader needs).
    shape.set_all(False)
    pre = shape.groups[1]
    assert shape.display(pre.header, lines[pre.header]) == f"▾ {pre.name}"
    assert [shape.is_hidden(i) for i in range(pre.header, pre.end + 1)] == [False] * (
        pre.end - pre.header
    ) + [True]


def test_a_followed_log_shows_an_open_group_and_folds_it_when_it_ends(recording):
    lines = log_lines(recording)
    shape = LogLayout()
    pre = None
    for index, line in enumerate(lines):  # one line a poll: the worst case for a followed log
        closed_one = shape.scan(index, line, 1)
        if pre is None and len(shape.groups) == 2:
            pre = shape.groups[1]
        if pre is not None and pre.end is None:
            assert not pre.folded and not shape.is_hidden(index)  # open: its new lines are shown
        if pre is not None and pre.end == index:
            assert closed_one and pre.folded  # the end arrived: folded, earlier rows change
    whole = shape_of(lines)
    assert [(g.header, g.end, g.name) for g in shape.groups] == [
        (g.header, g.end, g.name) for g in whole.groups
    ]
    assert shape.tracebacks == whole.tracebacks


def test_a_group_opened_by_hand_stays_open_when_it_ends(recording):
    lines = log_lines(recording)
    cut = next(
        i for i, line in enumerate(lines) if line.endswith("::group::Pre Execute") or "Pre task" in line
    )
    shape = shape_of(lines[: cut + 2])
    group = shape.groups[-1]
    shape.toggle(group)  # the user folded it while open, then opened it again
    shape.toggle(group)
    shape.scan(cut + 2, "\n".join(lines[cut + 2 :]), len(lines) - cut - 2)
    assert group.end is not None and not group.folded


def test_a_traceback_runs_from_its_header_to_its_exception(recording):
    lines = log_lines(recording)
    for batch in (None, 1, 7):  # whole, one line a poll, and batches cutting tracebacks in two
        shape = shape_of(lines, batch)
        assert shape.tracebacks
        for first, last in shape.tracebacks:
            assert lines[first].strip() == "Traceback (most recent call last):"
            assert lines[last - 1].strip().startswith("RuntimeError: intentional failure for TUI tests")
            assert all(line.strip() for line in lines[first:last])
            assert last == len(lines) or "Traceback" not in lines[last]


def test_levels_come_from_the_record_header_and_a_traceback_takes_its_record_s(recording):
    lines = log_lines(recording)
    level = LevelCache(lambda i: lines[i])
    failed = next(i for i, line in enumerate(lines) if "Task failed with exception" in line)
    assert level_of(lines[failed]) is Level.ERROR  # Airflow 3's level field / Airflow 2's ERROR -
    start, end = shape_of(lines).tracebacks[0]
    assert all(level(i) is Level.ERROR for i in range(start, end))
    # The frames and the exception line have no header: their level is their record's, not their own.
    assert level_of(lines[end - 1]) is None and "Error" in lines[end - 1]
    said = next(i for i, line in enumerate(lines) if line.endswith("about to fail"))
    assert level_of(lines[said]) is Level.NONE and level(said) is Level.NONE
    pre = shape_of(lines).groups[1]
    assert all(level(i) is Level.NONE for i in range(pre.header, pre.end + 1))
    # Airflow 2's "Marking task as FAILED" and the like: a word in the message, not a level.
    assert not [line for line in lines if level_of(line) is Level.ERROR and " ERROR " not in line]


def test_a_level_word_inside_a_message_or_a_word_is_not_a_level():
    # Real lines from the recorded logs (the exception's own line, a frame, Qlik's sandbox log form).
    lines = log_lines("v1-2.11.2")
    exception = next(line for line in lines if line.startswith("RuntimeError"))
    frame = next(line for line in lines if line.strip().startswith('File "'))
    assert level_of(exception) is None and level_of(frame) is None
    marking = next(line for line in lines if "Marking task as FAILED" in line)
    assert level_of(marking) is Level.NONE


def test_a_task_s_own_group_its_warning_and_its_multi_line_exception(recording):
    """The log_shapes DAG (tests/airflow/dags/log_shapes.py): read live by tests/airflow/test_log_shapes.py;
    here from the recording once it holds it (the lead re-records after merging)."""
    from tests.support.harness_airflow import load

    if "log_shapes" not in load(recording).meta["runs"]:
        pytest.skip("log_shapes is not recorded yet: python -m tests.airflow.record")
    lines = log_lines(recording, "load_rows", 1, "log_shapes")
    shape = shape_of(lines)
    rows = next(g for g in shape.groups if g.name == "Loading rows")
    # Airflow 3 forwards a task's stdout on its own: in this recording the printed rows and the group's
    # end came after the error record (under load), so the group holds those too; the rows are inside.
    inside = lines[rows.header + 1 : rows.end]
    assert rows.folded and len([x for x in inside if x.endswith(("row 1 loaded", "row 2 loaded"))]) == 2
    level = LevelCache(lambda i: lines[i])
    warned = next(i for i, line in enumerate(lines) if line.endswith("disk almost full on the shared volume"))
    assert level(warned) is Level.WARNING
    start, end = shape.tracebacks[-1]
    message = ["rows did not add up", "expected 2 rows, counted 3", "see the loader's report"]
    where = [next(i for i in range(start, end) if lines[i].rstrip().endswith(part)) for part in message]
    assert where == sorted(where) and all(level(i) is Level.ERROR for i in where)
