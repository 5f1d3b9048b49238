"""Safe actions beyond tests/console/test_flows.py: the command palette in read-only mode, a production
profile through the palette, double presses, and the journal of headless actions."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from tests.reliability.support import SIZE, TOKEN, Gate, build, notifications, settle
from tests.waits import palette_prompts, palette_searched, until
from tui.headless import register, run
from tui.sandbox import SandboxConfig, SandboxServer
from tui.screens.confirm import ConfirmAction
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
ACTION_WORDS = ("Execute", "Retry last", "Suspend", "Resume")


async def open_palette(pilot: Any, search: str) -> list[str]:
    """Open ctrl+p, type ``search``; the prompts of the commands it offers."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(Input).value = search
    await settle(pilot)

    def listed() -> bool:
        return palette_searched(palette) and palette_prompts(palette) != []

    await until(pilot, listed, f"the palette's hits for {search!r}")
    return palette_prompts(palette)


async def select_root(pilot: Any) -> str:
    screen = pilot.app.screen
    key = next(r.task.key for r in screen.rows if r.task.is_root)
    table = screen.query_one(KeyedTable)
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.pause()
    return key


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
async def test_the_command_palette_offers_actions_only_when_not_read_only(read_only: bool) -> None:
    rig = build(read_only=read_only)
    async with rig.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_root(pilot)
        titles = [c.title for c in rig.app.get_system_commands(rig.app.screen)]
        offered = await open_palette(pilot, "e")
        actions = [t for t in titles + offered if any(t.startswith(w) for w in ACTION_WORDS)]
        if read_only:
            assert actions == [], actions
            assert any("Refresh" in t for t in titles)  # the palette itself still works
        else:
            assert any(t.startswith("Execute") for t in titles) and any("Execute" in o for o in offered)
        # Running an action by name (as a palette command would) is refused in read-only mode.
        await pilot.press("escape")
        await rig.app.run_action("act('execute')")
        await settle(pilot)
        assert isinstance(rig.app.screen, ConfirmAction) != read_only
        assert rig.posts(":") == []


async def test_a_palette_action_in_production_still_wants_the_name_typed(tmp_path) -> None:
    rig = build(production=True, journal_path=tmp_path / "j.jsonl")
    async with rig.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = await select_root(pilot)
        commands = rig.app.get_system_commands(rig.app.screen)
        execute = next(c for c in commands if c.title.startswith("Execute"))
        await execute.callback()
        await settle(pilot)
        assert isinstance(rig.app.screen, ConfirmAction)
        await pilot.press("y", "y", "enter")  # "yy" typed, not the name: refused
        await settle(pilot)
        assert rig.posts(":execute") == [] and isinstance(rig.app.screen, ConfirmAction)
        rig.app.screen.query_one("#confirm-name", Input).value = ""
        await pilot.press(*key.rsplit(".", 1)[-1], "enter", "enter", "y")
        await settle(pilot)
        assert len(rig.posts(":execute")) == 1


async def test_keys_mashed_while_an_action_is_in_flight_send_nothing_more(tmp_path) -> None:
    gates: list[Gate] = []
    rig = build(journal_path=tmp_path / "j.jsonl", wrap=lambda inner: gates.append(Gate(inner)) or gates[0])
    async with rig.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_root(pilot)
        gates[0].close_gate()
        await pilot.press("x", "y")
        await pilot.pause()
        assert gates[0].waiting == 1  # the execute is in flight, unanswered
        await pilot.press("x", "y", "X", "y", "s", "y", "enter")
        await pilot.pause()
        assert any("still in progress" in n for n in notifications(rig.app))
        gates[0].open.set()
        await settle(pilot)
        assert len(rig.posts(":")) == 1
        entries = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
        assert [e["result"] for e in entries] == ["sent", "ok"]


def test_headless_actions_are_journaled(tmp_path, monkeypatch, capsys) -> None:
    journal = tmp_path / "journal.jsonl"
    with SandboxServer(SandboxConfig(seed=7, tasks=40, token=TOKEN), host="127.0.0.1", port=0) as server:
        database, schema = server.app.state.sandbox.scopes()[0]
        env = {
            "DAGTOP_TOKEN": TOKEN,
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "DAGTOP_JOURNAL": str(journal),
        }
        parser = argparse.ArgumentParser(prog="dagtop")
        register(parser.add_subparsers(dest="command"))
        flags = ["--url", server.url, "--database", database, "--schema", schema]
        ok = run(parser.parse_args(["exec", "CUSTOMER_360", "--yes", *flags]), env)
        refused = run(parser.parse_args(["exec", "CLEAN_ORDERS", "--yes", *flags]), env)  # a child
        out, err = capsys.readouterr()
        assert (ok, refused) == (0, 1), err
        entries = [json.loads(line) for line in journal.read_text().splitlines()]
        # The child is refused before sending (the console's plan), so only the root's action is journaled.
        assert [(e["action"], e["result"]) for e in entries] == [("execute", "sent"), ("execute", "ok")]
        assert {e["target"] for e in entries} == {f"{database}.{schema}.CUSTOMER_360"}
        assert TOKEN not in journal.read_text()
        assert TOKEN not in out + err
