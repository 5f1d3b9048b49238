"""The Airflow parsers on anything at all: a domain object or a ProtocolError, never another exception."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tui import domain
from tui.backends.airflow import mapping
from tui.errors import ProtocolError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
KEYS = ["dag_id", "task_id", "dag_run_id", "state", "downstream_task_ids", "content", "continuation_token",
        "is_paused", "tags", "schedule_interval", "start_date", "try_number", "map_index", "error_detail",
        "event", "timestamp", "level", "task_instances", "owners", "timetable_summary"]  # fmt: skip
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)
payloads = json_values | objects | st.lists(objects, max_size=4)

DAG = domain.Task(key="d", name="d", root="d")


def _only_protocol_errors(fn: Any, *args: Any) -> None:
    with contextlib.suppress(ProtocolError):
        fn(*args)


@settings(max_examples=300, deadline=None)
@given(payloads)
def test_list_parsers(payload: Any) -> None:
    for fn in (mapping.parse_dags, mapping.parse_runs, mapping.parse_task_instances, mapping.parse_cleared):
        _only_protocol_errors(fn, payload)
    _only_protocol_errors(mapping.build_graph, DAG, payload)


@settings(max_examples=300, deadline=None)
@given(payloads, st.sampled_from(["v1", "v2"]))
def test_single_parsers_and_logs(payload: Any, api: str) -> None:
    for fn in (mapping.parse_dag, mapping.parse_run):
        _only_protocol_errors(fn, payload)
    _only_protocol_errors(mapping.parse_log, payload, api)


@given(st.text(max_size=200))
def test_v1_log_text_and_tokens_never_raise(text: str) -> None:
    chunk = mapping.parse_log({"content": text, "continuation_token": text or None}, "v1")
    assert isinstance(chunk.finished, bool)


def test_v1_repr_of_tuples_and_token_end_of_log() -> None:
    # Shapes as Airflow 2.11.2 sends them (see REAL_SERVERS.md and the live tests).
    chunk = mapping.parse_log(
        {
            "content": "[('vm', ' INFO - one\\nERROR - two')]",
            "continuation_token": "eyJlbmRfb2ZfbG9nIjp0cnVlLCJsb2dfcG9zIjo5NDA0fQ.i_40k-eo6tXf_kRYT",
        },
        "v1",
    )
    assert chunk.lines == (" INFO - one", "ERROR - two") and chunk.finished
    token = "eyJlbmRfb2ZfbG9nIjpmYWxzZX0.x"  # {"end_of_log":false}
    running = mapping.parse_log({"content": "[]", "continuation_token": token}, "v1")
    assert not running.finished and running.continuation


def test_unknown_task_instance_state_is_kept_raw() -> None:
    ti = {"task_id": "t", "dag_id": "d", "dag_run_id": "r", "state": "brand_new_state", "try_number": 1}
    (run,) = mapping.parse_task_instances([ti])
    assert run.state is domain.RunState.UNKNOWN and run.raw_state == "brand_new_state"
    for raw, state in [("deferred", "EXECUTING"), ("up_for_retry", "RETRYING"), (None, "NOT_RUN")]:
        (run,) = mapping.parse_task_instances([{**ti, "state": raw}])
        assert run.state.value == state
