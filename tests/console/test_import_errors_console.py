"""Import errors and DAG docs in the console, fast: on Airflow as recorded from the real servers
(tests/airflow/recorded/, replayed), and on the sandbox, which has no import errors (its key is absent,
and says why). The same on the live servers: tests/airflow/test_import_errors_docs.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import harness, harness_airflow
from tests.support.harness import settle
from tui.backends.base import NO_IMPORT_ERRORS
from tui.commands import palette_commands
from tui.screens.help import absent_rows, binding_rows
from tui.screens.import_errors import ImportErrorsScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.header import HeaderBar

pytestmark = pytest.mark.anyio
TRAPS = ("[@click=app.quit]quit[/]", "[link=file:///etc/passwd]passwd[/link]")


@pytest.fixture(params=harness_airflow.RECORDINGS)
def airflow(request: pytest.FixtureRequest) -> harness_airflow.AirflowHarness:
    return harness_airflow.build_airflow(request.param)


def no_links(text) -> bool:
    return not any(
        span.style and ("link" in str(span.style) or "@click" in str(span.style)) for span in text.spans
    )


async def test_the_header_counts_import_errors_in_the_warning_colour(airflow) -> None:
    async with airflow.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = pilot.app.screen.query_one(HeaderBar)
        header.update_bar()
        assert "2 import errors · updated" in header.content
        right = header.query_one("#header-right").content
        count = next(span for span in right.spans if right.plain[span.start : span.end] == "2 import errors")
        assert pilot.app.theme_colors["warning"] in str(count.style)
    assert airflow.transport.misses == []


async def test_I_lists_each_file_and_shows_its_whole_trace_inert(airflow) -> None:
    async with airflow.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in palette_commands(pilot.app.screen)]
        assert "Import errors" in titles
        await pilot.press("I")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportErrorsScreen)
        assert {Path(e.file).name for e in screen.errors} == {"tui_broken.py", "broken_syntax.py"}
        assert "2 files cannot be loaded" in str(screen.query_one("#import-errors-summary").content)
        for _ in screen.errors:  # each file in turn: its trace under the list, every character shown
            error = screen.selected_error
            assert error is not None
            shown = screen.query_one("#import-errors-text").content
            assert error.last_line in shown.plain and no_links(shown)
            if error.file.endswith("broken_syntax.py"):
                assert all(trap in shown.plain for trap in TRAPS)
            await pilot.press("j")
        await pilot.press("tab")  # the trace takes the keys, to scroll a long one
        assert screen.query_one("#import-errors-trace").has_focus
        assert pilot.app.is_running
    assert airflow.transport.misses == []


async def test_a_dag_detail_shows_its_doc_md_as_typed_never_as_markup_or_a_link(airflow) -> None:
    async with airflow.app.run_test(size=(120, 40)) as pilot:
        await harness_airflow.TOUR_AIRFLOW["dag-docs"](pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TaskDetailScreen)
        body = screen.query_one("#detail-body").content
        assert "Documentation" in body.plain and "# Orders nightly" in body.plain
        assert "**page the data team**" in body.plain  # markdown source, not rendered
        assert all(trap in body.plain for trap in TRAPS)
        assert "\x1b" not in body.plain and "]8;;https://evil.example" in body.plain
        assert no_links(body)
        assert pilot.app.is_running
    assert airflow.transport.misses == []


async def test_the_sandbox_has_no_import_errors_and_its_key_says_why(journal_path) -> None:
    h = harness.build(journal_path=journal_path)
    why = f"snowflake has none: {NO_IMPORT_ERRORS}."
    async with h.app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert pilot.app.import_errors is None
        assert "import error" not in pilot.app.screen.query_one(HeaderBar).content
        screen = pilot.app.screen
        footer = [b.action for b, _e, _t in screen.query_one(KeyFooter).fitting(300)]
        assert "open_import_errors" not in footer
        assert "Import errors" not in [c.title for c in palette_commands(screen)]
        assert not [r for r in binding_rows(screen) if r[2] == "app.import_errors"]
        assert ("I", "Import errors", why) in absent_rows(screen)
        await pilot.press("I")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ImportErrorsScreen)
        assert any(why in str(n.message) for n in pilot.app._notifications)
    assert not any("importErrors" in path for _m, path, _s in h.sandbox.state.request_log)
