"""The Taipy parsers on anything at all: domain objects or a ProtocolError, never another exception; and
the job grouping on any jobs at all (any ids, any times, any order)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tui import domain
from tui.backends.taipy import mapping, models
from tui.errors import ProtocolError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
KEYS = ["id", "config_id", "owner_id", "parent_ids", "input_ids", "output_ids", "status", "creation_date",
        "stacktrace", "sequences", "properties", "primary_scenario", "tags", "cycle", "last_edit_date",
        "storage_type", "frequency", "name", "tasks"]  # fmt: skip
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)
payloads = json_values | objects | st.lists(objects, max_size=4)
ROOT = domain.Task(key="SCENARIO_s", name="s", root="SCENARIO_s")


def _parsed(model: Any, payload: Any) -> list[Any]:
    with contextlib.suppress(ProtocolError):
        return mapping.parse_list(model, payload, "fuzz")
    return []


@settings(max_examples=300, deadline=None)
@given(payloads, payloads, payloads, payloads)
def test_parsers_graphs_and_runs(scenarios: Any, tasks: Any, jobs: Any, nodes: Any) -> None:
    parsed_scenarios = _parsed(models.Scenario, scenarios)
    parsed_tasks = _parsed(models.Task, tasks)
    parsed_jobs = _parsed(models.Job, jobs)
    mapping.scenario_roots(parsed_scenarios, parsed_tasks, {})
    parsed_nodes = _parsed(models.DataNode, nodes)
    graph = mapping.build_graph(ROOT, parsed_tasks, parsed_nodes)
    assert next(iter(graph.tasks)) == ROOT.key
    by_config = {t.config_id: t.id for t in parsed_tasks}
    groups = mapping.group_jobs(parsed_jobs, [frozenset(by_config)])
    owners = {t.owner_id or "": frozenset(by_config) for t in parsed_tasks}
    ends = mapping.job_ends(groups, parsed_tasks, parsed_nodes, owners)
    for sub in groups:
        mapping.graph_run(ROOT.key, sub, by_config, {}, (), ends)
    for job in parsed_jobs:
        mapping.job_log(job)


UUID = "0f5bffd4-3b1a-4c0e-9d8e-5a6b7c8d9e0f"
jobs = st.lists(
    st.builds(
        lambda cfg, n, seconds, status: models.Job(
            id=f"JOB_{cfg}_{n:08d}{UUID[8:]}",
            status=f"Status.{status}",
            creation_date=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=seconds),
        ),
        st.sampled_from(["a", "b", "c", "d_e"]),
        st.integers(0, 10**8 - 1),
        st.floats(0, 30, allow_nan=False),
        st.sampled_from(["COMPLETED", "FAILED", "RUNNING", "BLOCKED", "ABANDONED", "NEW"]),
    ),
    max_size=12,
    unique_by=lambda j: j.id,
)


@settings(max_examples=300, deadline=None)
@given(jobs, st.lists(st.frozensets(st.sampled_from(["a", "b", "c", "d_e"]), min_size=1), max_size=3))
def test_every_job_lands_in_one_submission_with_each_config_once(given_jobs: Any, sets: Any) -> None:
    groups = mapping.group_jobs(given_jobs, sets)
    assert sorted(j.id for g in groups for j in g.jobs) == sorted(j.id for j in given_jobs)
    for group in groups:
        configs = [mapping.config_of(j.id, "JOB") for j in group.jobs]
        assert len(configs) == len(set(configs))
        run = mapping.graph_run("SCENARIO_s", group, {}, {})
        assert run.run_id == group.jobs[0].id


@given(st.text(max_size=60))
def test_words_and_ids_never_raise(text: str) -> None:
    mapping.word(text)
    mapping.job_state(text)
    mapping.config_of(text, "JOB")
