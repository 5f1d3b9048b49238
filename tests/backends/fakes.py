"""Test doubles for the HTTP layer: a fake clock whose sleep advances it, and a scripted transport."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from tui.backends.auth import BearerAuth
from tui.backends.http import HttpClient, HttpSettings

TOKEN = "tok-SECRET-0123456789"
BASE = "https://acct.example.com"


class FakeTime:
    """``clock`` and ``sleep`` for HttpClient: sleeping records the delay and advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A MockTransport handler answering from a list of responses/exceptions, recording requests."""

    def __init__(self, *steps: httpx.Response | Exception | Callable[[httpx.Request], Any]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step

    @property
    def count(self) -> int:
        return len(self.requests)


def make_client(handler: Any, **settings: Any) -> tuple[HttpClient, FakeTime]:
    fake = FakeTime()
    settings.setdefault("rate", None)
    client = HttpClient(
        BASE,
        auth=BearerAuth(TOKEN, {"X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN"}),
        transport=httpx.MockTransport(handler),
        settings=HttpSettings(**settings),
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(0),
    )
    return client, fake


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
