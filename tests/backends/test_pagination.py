"""The three pagination strategies: Link header, cursor link, offset/limit."""

from __future__ import annotations

import httpx
import pytest

from tests.backends.fakes import BASE, make_client
from tui.backends.http import OffsetLimitPagination
from tui.errors import ProtocolError

pytestmark = pytest.mark.anyio


def link_pages(pages: list[list[int]], host: str = "") -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        headers = {}
        if page + 1 < len(pages):
            headers["Link"] = (
                f'<{host}/api/v2/results/r?page=0>; rel="first", '
                f'<{host}/api/v2/results/r?page={page + 1}>; rel="next", '
                f'<{host}/api/v2/results/r?page={len(pages) - 1}>; rel="last"'
            )
        return httpx.Response(200, json=pages[page], headers=headers)

    return handler


async def test_link_header_pages_are_all_collected_in_order() -> None:
    client, _ = make_client(link_pages([[1, 2], [3, 4], [5]]))
    assert await client.get_all("/api/v2/x") == [1, 2, 3, 4, 5]


async def test_link_to_another_host_is_refused() -> None:
    client, _ = make_client(link_pages([[1], [2]], host="https://evil.example.net"))
    with pytest.raises(ProtocolError, match="another host"):
        await client.get_all("/api/v2/x")


async def test_link_to_the_same_absolute_host_is_followed() -> None:
    client, _ = make_client(link_pages([[1], [2]], host=BASE))
    assert await client.get_all("/api/v2/x") == [1, 2]


async def test_a_next_link_looping_back_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[1], headers={"Link": '</api/v2/results/r?page=1>; rel="next"'})

    client, _ = make_client(handler)
    with pytest.raises(ProtocolError, match="loops"):
        await client.get_all("/api/v2/x")


async def test_page_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        return httpx.Response(200, json=[page], headers={"Link": f'</r?page={page + 1}>; rel="next"'})

    client, _ = make_client(handler, max_pages=5)
    with pytest.raises(ProtocolError, match="more than 5 pages"):
        await client.get_all("/api/v2/x")


async def test_a_page_that_is_not_a_list_is_a_protocol_error() -> None:
    client, _ = make_client(lambda request: httpx.Response(200, json={"rows": []}))
    with pytest.raises(ProtocolError, match="list"):
        await client.get_all("/api/v2/x")


async def test_offset_limit_pagination_uses_total_entries() -> None:
    rows = list(range(7))
    seen_params = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        seen_params.append((offset, limit, request.url.params.get("order_by")))
        return httpx.Response(200, json={"dags": rows[offset : offset + limit], "total_entries": len(rows)})

    client, _ = make_client(handler)
    got = await client.get_all("/api/v1/dags", {"order_by": "dag_id"}, OffsetLimitPagination("dags", limit=3))
    assert got == rows
    assert seen_params == [(0, 3, "dag_id"), (3, 3, "dag_id"), (6, 3, "dag_id")]


async def test_offset_limit_stops_on_an_empty_page_even_if_total_lies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"items": [1, 2] if offset == 0 else [], "total_entries": 100})

    client, _ = make_client(handler)
    assert await client.get_all("/x", pagination=OffsetLimitPagination("items", limit=2)) == [1, 2]
