"""Reading the journal back: steps paired into actions, newest first, damaged lines skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.services.journal import ActionJournal, JournalEntry, action_steps, history

T0 = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)


def test_steps_pair_into_actions_by_id_and_old_entries_by_target(tmp_path):
    journal = ActionJournal(tmp_path / "j.jsonl")
    times = iter(T0 + timedelta(seconds=i) for i in range(100))
    first = action_steps(
        journal, profile="p", location="L", target="DB.S.A", action="suspend", clock=lambda: next(times)
    )
    second = action_steps(
        journal, profile="p", location="L", target="DB.S.A", action="suspend", clock=lambda: next(times)
    )
    first("sent")
    second("sent")  # two in flight on the same target: ids keep them apart
    second("failed", "HTTP 409")
    first("ok", "done")
    # Entries from before ids existed pair with the oldest open "sent" of the same target and action.
    journal.write(JournalEntry(next(times), "p", "L", "DB.S.B", "resume", "sent"))
    journal.write(JournalEntry(next(times), "p", "L", "DB.S.B", "resume", "unknown", "reset"))
    journal.write(JournalEntry(next(times), "other", "L", "DB.S.C", "resume", "sent"))
    with journal.path.open("a") as handle:
        handle.write('{"time": "torn\n')  # a torn write is skipped, not fatal
    got = [(r.target, r.result, r.detail, r.time) for r in history(journal.entries(), "p")]
    assert got == [
        ("DB.S.B", "unknown", "reset", T0 + timedelta(seconds=4)),
        ("DB.S.A", "failed", "HTTP 409", T0 + timedelta(seconds=1)),
        ("DB.S.A", "ok", "done", T0),
    ]
    assert all(e.user and e.host for e in journal.entries()[:4])
