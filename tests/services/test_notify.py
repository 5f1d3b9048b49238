"""Notifications (services/notify/): once per change, rate-limited, inert, without secrets; the
terminal's bytes and the command hook."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from tui.backends.auth import BearerAuth
from tui.backends.http import HttpClient
from tui.config.model import NotifySettings
from tui.services.notify import Notifier, notice_for
from tui.services.notify.hook import HookRunner, hook_env, run_hook
from tui.services.notify.policy import NotifyPolicy
from tui.services.notify.terminal import terminal_bytes, through_tmux
from tui.services.watch import EventKind, WatchEvent

HOSTILE = "x;y\x07\x1b]52;c;ZXZpbA==\x07\x1b]777;notify;pwned;body"


def event(name: str = "LOAD", run_id: str = "1", kind: EventKind = EventKind.FAILED, **extra) -> WatchEvent:
    when = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    extra.setdefault("state", "FAILED")
    return WatchEvent(kind, "prod", "DB.S", f"DB.S.{name}", name, run_id=run_id, when=when, **extra)


def test_a_burst_of_40_failures_is_one_notification_and_later_ones_wait_for_the_interval():
    policy = NotifyPolicy(min_interval=30)
    burst = [event(f"G{n}", str(n)) for n in range(40)]
    told = policy.offer(burst, now=100.0)
    assert len(told) == 40
    assert notice_for(told).title == "40 graphs failed"
    assert notice_for(told).body == "G0, G1, G2, G3, G4 and 35 more"
    many = notice_for([event(f"G{n}", str(n)) for n in range(5000)]).as_json()
    assert many["count"] == 5000 and len(many["events"]) == 100
    # Within the interval: held, then told together once it is over.
    assert policy.offer([event("A", "a"), event("B", "b", EventKind.SUCCEEDED)], now=110.0) == []
    assert policy.due_in(110.0) == 20.0 and policy.flush(120.0) == []
    held = policy.flush(130.0)
    assert notice_for(held).title == "1 graph failed, 1 succeeded"


def test_the_same_change_is_told_once_even_when_two_polls_see_it():
    policy = NotifyPolicy(min_interval=0)
    assert len(policy.offer([event(), event()], now=1.0)) == 1
    assert policy.offer([event()], now=2.0) == []
    assert len(policy.offer([event(run_id="2")], now=3.0)) == 1


def test_one_event_says_what_where_and_the_first_error_line():
    notice = notice_for([event(error_task="STEP", error="division by zero")])
    assert (notice.title, notice.body, notice.severity) == (
        "LOAD failed", "prod · DB.S · STEP: division by zero", "error",
    )  # fmt: skip
    overdue = notice_for([event(kind=EventKind.OVERDUE, state="not started")])
    assert overdue.title == "LOAD overdue: scheduled, not started" and overdue.severity == "warning"


def test_live_connection_secrets_are_masked_everywhere_a_notification_goes():
    token = "tok-notify-s3cret-0123456789"
    client = HttpClient("http://127.0.0.1:9", auth=BearerAuth(token))  # a live client: its token is known
    notice = notice_for([event(error=f"auth failed for {token}", name=f"G{token}")])
    data = terminal_bytes(notice.title, notice.body, bell=True, desktop="osc777")
    hook = json.dumps(notice.as_json())
    for text in (notice.title, notice.body, data, hook):
        assert token not in text and "***" in text
    assert client.secrets() == [token]
    assert token not in hook_env(env={"MY_TOKEN": token, "PATH": "/bin"}).values()


def test_a_hostile_name_cannot_end_the_osc_sequence_or_start_another():
    notice = notice_for([event(name=HOSTILE, error=HOSTILE)])
    osc9 = terminal_bytes(notice.title, notice.body, bell=False, desktop="osc9")
    assert osc9.startswith("\x1b]9;") and osc9.endswith("\x07")
    inner = osc9[len("\x1b]9;") : -1]
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in inner) and ";" not in inner
    assert "\\x1b]52" in inner  # shown, inert
    osc777 = terminal_bytes(notice.title, notice.body, bell=True, desktop="osc777")
    assert osc777.startswith("\x1b]777;notify;") and osc777.endswith("\x07\x07")
    fields = osc777[len("\x1b]777;notify;") : -2].split(";")
    assert len(fields) == 2  # title and body: nothing else got in
    assert not any(ord(c) < 0x20 for field in fields for c in field)
    assert terminal_bytes("t", "b", bell=True, desktop="off") == "\x07"
    assert terminal_bytes("t", "b", bell=False, desktop="off") == ""


def hook_script(tmp_path, body: str) -> list[str]:
    script = tmp_path / "hook.py"
    script.write_text(body)
    return [sys.executable, str(script)]


def test_the_hook_gets_the_notification_as_json_on_stdin(tmp_path):
    out = tmp_path / "event.json"
    argv = hook_script(tmp_path, f"import sys\nopen({str(out)!r}, 'w').write(sys.stdin.read())\n")
    notice = notice_for([event(error=HOSTILE)])
    assert run_hook(argv, notice.as_json(), timeout=20).ok
    payload = json.loads(out.read_text())
    assert payload["title"] == "LOAD failed" and payload["count"] == 1
    [sent] = payload["events"]
    assert (sent["kind"], sent["graph"], sent["run_id"], sent["profile"]) == (
        "failed",
        "DB.S.LOAD",
        "1",
        "prod",
    )
    assert "\x1b" not in sent["error"] and "\\x1b]52" in sent["error"]


def test_a_failing_hook_is_reported_once_until_it_works_again_and_never_raises(tmp_path):
    runner = HookRunner(
        hook_script(tmp_path, "import sys\nprint('no route', file=sys.stderr)\nsys.exit(3)\n"), 20
    )
    assert runner({}) == f"{sys.executable} exited with status 3: no route"
    assert runner({}) is None  # told once
    runner.argv = [str(tmp_path / "missing-hook")]
    assert runner({}) is None
    runner.argv = [sys.executable, "-c", "pass"]
    assert runner({}) is None  # worked: a new failure is told again
    runner.argv = [str(tmp_path / "missing-hook")]
    assert runner({}).startswith("cannot run ")
    slow = run_hook([sys.executable, "-c", "import time; time.sleep(30)"], {}, timeout=0.5)
    assert not slow.ok and "took longer than 0.5 s" in slow.problem


def test_the_notifier_toasts_always_and_writes_and_runs_the_hook_as_configured(tmp_path):
    toasts, written, jobs = [], [], []
    settings = NotifySettings(
        bell=True, desktop="osc9", command=[sys.executable, "-c", "pass"], min_interval=60
    )
    notifier = Notifier(
        settings, toast=toasts.append, write=written.append, run_hook=jobs.append, hook_failed=print
    )
    notice = notifier.tell([event()], now=0.0)
    assert notice is not None and toasts == [notice] and len(jobs) == 1
    assert written == ["\x1b]9;LOAD failed: prod · DB.S\x07\x07"]
    assert notifier.tell([event("B", "2")], now=1.0) is None and notifier.due_in(1.0) == 59.0
    assert notifier.flush(61.0).title == "B failed" and notifier.due_in(61.0) is None


def test_behind_tmux_the_desktop_notification_goes_through_its_passthrough_and_the_bell_stays():
    data = terminal_bytes("LOAD failed", "prod", bell=True, desktop="osc9")
    assert through_tmux(data) == "\x1bPtmux;\x1b\x1b]9;LOAD failed: prod\x07\x1b\\\x07"
