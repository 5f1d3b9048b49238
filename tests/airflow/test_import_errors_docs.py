"""Import errors and DAG docs on REAL Airflow 3.3.2 and 2.11.2: the adapter, the console and
`dagtop get import-errors`.

The test DAG folder holds two files that do not import (tui_broken.py: a missing module;
broken_syntax.py: a syntax error on a line made of console markup) and docs_dag, whose doc_md tries
markup, a link and an OSC 8 escape sequence. The servers are ready before those are parsed:
``srv.wait_import_errors`` waits for them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import anyio
import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live, dagtop_cli
from tests.airflow.test_live import backend
from tests.support.harness import select_task, settle
from tests.waits import until
from tui.app import make_app
from tui.backends.base import ImportErrorsBackend
from tui.widgets.header import ConnectionInfo, HeaderBar

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]

TRAPS = ("[@click=app.quit]quit[/]", "[link=file:///etc/passwd]passwd[/link]")


async def parsed(live: Live) -> None:
    await anyio.to_thread.run_sync(srv.wait_import_errors, live.server)


async def test_import_errors_name_each_broken_file_its_exception_and_trace(live: Live) -> None:
    await parsed(live)
    b = backend(live)
    try:
        assert b.capabilities.import_errors and isinstance(b, ImportErrorsBackend)
        errors = await b.import_errors()
    finally:
        await b.aclose()
    by_file = {Path(e.file).name: e for e in errors}
    assert set(by_file) == srv.BROKEN_FILES
    missing, syntax = by_file["tui_broken.py"], by_file["broken_syntax.py"]
    assert missing.last_line == "ModuleNotFoundError: No module named 'this_module_does_not_exist'"
    assert "Traceback" in missing.stack_trace and "import this_module_does_not_exist" in missing.stack_trace
    assert syntax.last_line.startswith("SyntaxError")
    assert all(trap in syntax.stack_trace for trap in TRAPS)  # the bad line, as the server shows it
    assert all(e.when is not None for e in errors)
    assert [e.when for e in errors] == sorted((e.when for e in errors), reverse=True)  # newest first
    assert len({e.key for e in errors}) == len(errors)


async def test_dag_docs_come_verbatim_from_the_dag_details_and_the_task(live: Live) -> None:
    await parsed(live)
    b = backend(live)
    try:
        dag = await b.get_task("docs_dag")
        task = await b.get_task("docs_dag/load")
        chain = await b.get_task("tui_chain")
    finally:
        await b.aclose()
    assert dag.doc is not None and dag.doc.startswith("# Orders nightly\n")
    assert "\x1b]8;;https://evil.example\x1b\\click me" in dag.doc  # kept as sent: the screen makes it inert
    assert all(trap in dag.doc for trap in TRAPS)
    assert task.doc == "Loads the **orders** table. [bold red]not markup[/]"
    assert chain.doc is None  # a DAG without doc_md has none (not "None", not "")


def console(live: Live):
    api = backend(live)
    info = ConnectionInfo(profile="airflow-test", backend="airflow", location=api.location, poll_interval=2.0)
    return make_app(api, info, auto_poll=False)


async def test_the_console_counts_them_in_the_header_and_I_shows_each_trace_inert(live: Live) -> None:
    from tui.screens.import_errors import ImportErrorsScreen

    await parsed(live)
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.import_errors is not None, "the import errors read")
        header = app.screen.query_one(HeaderBar)
        header.update_bar()
        assert "2 import errors" in header.content
        right = header.query_one("#header-right").content
        assert any(app.theme_colors["warning"] in str(span.style) for span in right.spans)
        await pilot.press("I")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportErrorsScreen)
        files = {Path(e.file).name for e in screen.errors}
        assert files == srv.BROKEN_FILES
        syntax = next(e for e in screen.errors if Path(e.file).name == "broken_syntax.py")
        while screen.selected_error != syntax:
            await pilot.press("j")
        shown = screen.query_one("#import-errors-text").content
        assert all(trap in shown.plain for trap in TRAPS)  # every character shown...
        assert not any(span.style and "link" in str(span.style) for span in shown.spans)  # ...none acts
        assert app.is_running
        await pilot.press("escape")
        assert not isinstance(app.screen, ImportErrorsScreen)


async def test_a_dag_detail_shows_its_doc_md_inert(live: Live) -> None:
    from tui.screens.task_detail import TaskDetailScreen

    await parsed(live)
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "docs_dag")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        await until(pilot, lambda: app.screen.task_data.doc is not None, "the DAG's details")
        body = app.screen.query_one("#detail-body").content
        assert "Documentation" in body.plain and "# Orders nightly" in body.plain
        assert all(trap in body.plain for trap in TRAPS)
        assert "\x1b" not in body.plain and "]8;;https://evil.example" in body.plain  # ESC made visible
        assert not any("link" in str(span.style) for span in body.spans)


def test_dagtop_get_import_errors_as_a_table_and_as_json(live: Live, tmp_path) -> None:
    srv.wait_import_errors(live.server)
    dagtop, env = dagtop_cli(live, tmp_path)
    base = [*dagtop, "get", "import-errors"]
    table = subprocess.run(base, env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    head, *rows = table.stdout.splitlines()
    assert head.split() == ["FILE", "WHEN", "ERROR"]
    assert len(rows) == 2
    assert any("tui_broken.py" in r and "ModuleNotFoundError" in r for r in rows)
    assert any("broken_syntax.py" in r and "SyntaxError" in r for r in rows)
    dumped = subprocess.run([*base, "-o", "json"], env=env, capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    items = json.loads(dumped.stdout)["import_errors"]
    assert {Path(i["file"]).name for i in items} == srv.BROKEN_FILES
    assert set(items[0]) == {"key", "file", "bundle", "when", "error", "stack_trace"}
    assert all(i["when"].endswith("Z") and "Traceback" in i["stack_trace"] for i in items)
