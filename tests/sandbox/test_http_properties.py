"""Property tests: for any like / startsWith / showLimit / fromName the sandbox never 500s, the answer
conforms to the spec (the client hook), and the rows obey the filters."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.spec import Api, assert_error
from tests.sandbox.test_http_tasks import after_from_name

pytestmark = pytest.mark.anyio

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the app is only read, never changed
)

# Identifier-ish text plus the SQL wildcards, quotes, unicode and URL-special characters.
pattern_text = st.text(
    alphabet=st.sampled_from(
        list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_%$\"' .?&#/é\\")
    ),
    max_size=12,
)


def like_regex(pattern: str) -> re.Pattern[str]:
    parts = ["." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


async def full_names(api: Api) -> list[str]:
    return await api.names()


@PROPERTY_SETTINGS
@given(
    like=st.one_of(st.none(), pattern_text),
    starts_with=st.one_of(st.none(), pattern_text),
    from_name=st.one_of(st.none(), pattern_text),
    show_limit=st.one_of(st.none(), st.integers(min_value=-3, max_value=10005)),
    root_only=st.one_of(st.none(), st.booleans()),
)
async def test_list_filters_never_500_and_are_obeyed(
    api: Api,
    like: str | None,
    starts_with: str | None,
    from_name: str | None,
    show_limit: int | None,
    root_only: bool | None,
) -> None:
    params: dict[str, Any] = {
        "like": like,
        "startsWith": starts_with,
        "fromName": from_name,
        "showLimit": show_limit,
        "rootOnly": root_only,
    }
    response = await api.list(**params)
    if show_limit is not None and not 1 <= show_limit <= 10000:
        assert_error(response, 400)
        return
    assert response.status_code == 200, response.text
    tasks = response.json()
    names = [t["name"] for t in tasks]
    everything = await full_names(api)
    if from_name is not None:
        everything = after_from_name(everything, from_name)
    expected = [
        n
        for n in everything
        if (like is None or like_regex(like).match(n)) and (starts_with is None or n.startswith(starts_with))
    ]
    if root_only:
        # The spec's rule, judged from the full listing: a root task is one with no predecessors.
        listing = (await api.list()).json()
        roots = {t["name"] for t in listing if not t.get("predecessors")}
        assert roots and len(roots) < len(listing), "the seeded account must hold roots and children"
        expected = [n for n in expected if n in roots]
    if show_limit is not None:
        expected = expected[:show_limit]
    assert names == expected


@PROPERTY_SETTINGS
@given(result_limit=st.integers(min_value=-2, max_value=10003), error_only=st.booleans())
async def test_graph_run_limits_never_500(api: Api, result_limit: int, error_only: bool) -> None:
    roots = await api.names(rootOnly=True, showLimit=1)
    root = roots[0]
    responses = [
        await api.complete(root, resultLimit=result_limit, errorOnly=error_only),
        await api.current(root, resultLimit=result_limit),
    ]
    for response in responses:
        if 1 <= result_limit <= 10000:
            assert response.status_code == 200, response.text
            assert len(response.json()) <= result_limit
        else:
            assert_error(response, 400)


@PROPERTY_SETTINGS
@given(name=st.text(min_size=1, max_size=20))
async def test_any_task_name_in_the_path_is_a_clean_answer(
    api: Api, client: httpx.AsyncClient, name: str
) -> None:
    response = await api.fetch(name)
    assert response.status_code in {200, 400, 404}, response.text
    if response.status_code != 200:
        assert_error(response, {400, 404})
