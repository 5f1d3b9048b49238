"""A big listing keeps each repeated value once (50,000 tasks repeat a few scopes, states,
warehouses, schedules and root keys), and pydantic's set of given field names is shared by the tasks
that gave the same fields; a copy of a task still gets its own."""

from __future__ import annotations

import pytest

from tests.support import harness

pytestmark = pytest.mark.anyio


async def test_a_listing_shares_repeated_values_between_its_tasks():
    h = harness.build(tasks=400, scopes=1, warmup=600, until_failure=False)
    tasks = await h.backend.list_tasks()  # over HTTP to the sandbox
    by_key = {t.key: t for t in tasks}
    children = [t for t in tasks if not t.is_root]
    a, b = children[0], children[-1]
    assert a.scope == b.scope and a.scope is b.scope
    assert a.schedule == b.schedule and a.schedule is b.schedule  # children have no schedule
    assert all(t.root is by_key[t.root].key for t in tasks), "a root key is the root task's own"
    same_fields = [t for t in tasks if t.model_fields_set == a.model_fields_set]
    assert len(same_fields) > 1
    assert all(t.__pydantic_fields_set__ is a.__pydantic_fields_set__ for t in same_fields)
    before = set(a.model_fields_set)
    unset = next(name for name in type(a).model_fields if name not in before and name != "extra")
    copy = a.model_copy(update={unset: None})
    assert unset in copy.model_fields_set and a.model_fields_set == before  # the shared set untouched
    for state in {t.raw_state for t in tasks}:
        assert len({id(t.raw_state) for t in tasks if t.raw_state == state}) == 1


async def test_a_listing_is_mapped_draining_its_json_with_the_same_result():
    from tui.backends.snowflake import mapping
    from tui.backends.snowflake.client import parse_tasks

    h = harness.build(tasks=400, scopes=1, warmup=600, until_failure=False)
    client = h.backend.client
    payload = await client.http.get_all(client.tasks_path)  # over HTTP to the sandbox
    kept = list(payload)
    database, schema = h.backend.database, h.backend.schema
    tasks = mapping.parse_task_list(payload, database, schema)
    assert payload == [], "each JSON object is let go once validated"
    assert tasks == mapping.tasks_to_domain(parse_tasks(kept), database, schema)
