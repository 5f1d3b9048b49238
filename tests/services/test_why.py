"""The explainer's verdict and order (pure): what stops a task first, then what the API cannot tell,
then the rest; one line that never promises more than the facts say."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.domain import Fact, Task
from tui.services.why import Explanation, ordered

TASK = Task(key="DB.S.LOAD", name="LOAD", root="DB.S.LOAD")
SOON = datetime(2026, 1, 5, 12, 14, tzinfo=UTC)


def test_blocking_facts_come_first_then_what_cannot_be_told_each_group_in_the_backends_order() -> None:
    info = Fact(text="info", source="a")
    unknown = Fact(text="unknown", source="b", known=False)
    first = Fact(text="first block", source="c", blocking=True)
    second = Fact(text="second block", source="d", blocking=True)
    assert [f.text for f in ordered([info, first, unknown, second])] == [
        "first block",
        "second block",
        "unknown",
        "info",
    ]


def test_the_verdict_counts_what_blocks_and_never_promises_a_next_run_it_does_not_have() -> None:
    block = Fact(text="paused", source="x", blocking=True)
    unknown = Fact(text="cannot tell", source="y", known=False)
    due = Fact(text="next run {when}", source="z", when=SOON, due=True)
    past = Fact(text="ended {when}", source="z", when=SOON)  # a past moment is no next run
    assert Explanation(TASK, (block,)).verdict() == "1 thing stops LOAD from running (✗ below)."
    assert Explanation(TASK, (block, block)).verdict() == "2 things stop LOAD from running (✗ below)."
    assert Explanation(TASK, (due, unknown)).verdict("in 14m") == (
        "Nothing the API shows stops LOAD: it runs next in 14m; the API cannot tell 1 thing (? below)."
    )
    assert Explanation(TASK, (due,)).next_run == SOON
    assert Explanation(TASK, (past,)).next_run is None
    assert Explanation(TASK, (past,)).verdict() == "Nothing the API shows stops LOAD."
