"""The inbox over real servers at once: two Snowflake sandboxes and a Qlik one on their own ports, a REAL
Airflow 3, and a profile nobody answers for, all from one real config file (the console's own profile
loading). One sandbox is
stopped mid-session: it turns into a row of its own, the others go on."""

from __future__ import annotations

import contextlib

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.support.harness import _advance_until_a_graph_failed, settle
from tests.support.harness_inbox import closed_port
from tui.app import make_app
from tui.backends.factory import open_backend
from tui.cli import build_parser
from tui.config import resolve_profile
from tui.sandbox import ManualClock, SandboxConfig, SandboxServer
from tui.screens.inbox import InboxScreen
from tui.services.inbox.acks import AckStore
from tui.services.inbox.problems import ProblemKind
from tui.services.profiles import from_arguments
from tui.widgets.header import HeaderBar, connection_info

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


def failing_sandbox(seed: int, token: str) -> SandboxServer:
    """A small sandbox on its own port whose clock is moved on until a graph's last run failed (then held:
    a real-time sandbox may have none failing at the moment the test looks)."""
    clock = ManualClock()
    server = SandboxServer(SandboxConfig(seed=seed, token=token, tasks=60), clock=clock)
    engine = server.app.state.sandbox
    _advance_until_a_graph_failed(engine, clock, *engine.scopes()[0])
    return server


def config_text(sandboxes, qlik_url: str, token_file, airflow_url: str, down_url: str) -> str:
    """Five profiles, as a user would write them."""
    lines = ["[profiles.qlik]", 'backend = "qlik"', f'url = "{qlik_url}"', f'token_file = "{token_file}"']
    lines += ["request_budget = 6000"]  # a local sandbox: no need to keep to Qlik Cloud's 600 a minute
    for name, server in sandboxes.items():
        lines += [
            f"[profiles.{name}]",
            f'url = "{server.url}"',
            'database = "ANALYTICS"\nschema = "PUBLIC"\nschemas = ["all"]',
            f'token_file = "{token_file}"',
            "production = true" if name == "prod" else "",
        ]
    lines += ["[profiles.airflow]", 'backend = "airflow"', f'url = "{airflow_url}"']
    lines += [f'username = "{srv.ADMIN[0]}"', 'password_env = "AIRFLOW_PASSWORD"']
    lines += ["[profiles.down]", f'url = "{down_url}"', 'database = "ANALYTICS"\nschema = "PUBLIC"']
    lines += [f'token_file = "{token_file}"']
    return "\n".join(lines) + "\n"


async def test_one_inbox_over_two_sandboxes_a_real_airflow_and_a_down_profile(
    live_v3: Live, tmp_path, monkeypatch
) -> None:
    token = "inbox-live-token"
    token_file = tmp_path / "token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    monkeypatch.setenv("AIRFLOW_PASSWORD", srv.ADMIN[1])
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(failing_sandbox(seed, token))
            for name, seed in (("prod", 7), ("staging", 11))
        }
        qlik = stack.enter_context(
            SandboxServer(SandboxConfig(seed=5, token=token, tasks=60, dialect="qlik", qlik_rate_limit=6000))
        )
        config = tmp_path / "config.toml"
        down = f"http://127.0.0.1:{closed_port()}"
        config.write_text(config_text(servers, qlik.url, token_file, live_v3.server.url, down))
        args = build_parser().parse_args(["--config", str(config), "-c", "prod"])
        profile, _ = resolve_profile(args)
        backend = open_backend(profile)
        app = make_app(
            backend,
            connection_info(profile, backend),
            profiles=from_arguments(args),
            acks=AckStore(tmp_path / "acks.json"),
            home="inbox",
            auto_poll=False,
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            shown = app.screen.shown
            by_profile = {p.where.profile: p for p in shown}
            assert set(by_profile) >= {
                "airflow",
                "down",
                "qlik",
            }  # qlik: a disabled, scheduled chain at least
            assert by_profile["down"].kind is ProblemKind.UNREACHABLE
            failed = {(p.where.profile, p.graph_name): p for p in shown if p.kind is ProblemKind.FAILED}
            af = failed[("airflow", "tui_fail")]  # its prepared run failed on the real scheduler
            assert af.where.backend == "airflow" and af.task == "boom"
            assert af.summary  # the exception from the failed task's log, read once
            sandbox_failures = {profile for profile, _ in failed if profile in servers}
            assert sandbox_failures, "neither sandbox had a failed graph to show"
            assert "5 profiles · 1 stale" in app.screen.query_one(HeaderBar).content

            servers["staging"].__exit__(None, None, None)  # staging goes away mid-session
            await pilot.press("ctrl+r")
            await settle(pilot)
            now = {p.where.profile: p for p in app.screen.shown if not p.stale}
            assert now["staging"].kind is ProblemKind.UNREACHABLE
            assert ("airflow", "tui_fail") in {(p.where.profile, p.graph_name) for p in app.screen.shown}
            assert "5 profiles · 2 stale" in app.screen.query_one(HeaderBar).content
