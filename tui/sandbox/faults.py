"""Fault injection: a pure-ASGI middleware that makes ``/api/v2`` calls slow, refused or broken.

Pure ASGI (not BaseHTTPMiddleware) because a fault must be able to close the connection without any
response, cut a body short, or never answer at all. One seeded RNG draws the faults in a fixed order
per request, so a fault sequence replays for the same seed and request order.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, fields
from typing import Any

import anyio

ENV = "DAGTOP_SANDBOX_FAULTS"
RAW_SEND = "sandbox.raw_send"  # scope key: the server's own send, whose owner holds the socket
_KEYS = {
    "latency": "latency_probability",
    "429": "rate_limit_probability",
    "503": "unavailable_probability",
    "504": "gateway_timeout_probability",
    "drop": "drop_probability",
    "truncate": "truncate_probability",
    "malformed": "malformed_probability",
    "hang": "hang_probability",
}


@dataclass
class FaultConfig:
    latency_probability: float = 0.0
    latency_seconds: float = 1.0
    rate_limit_probability: float = 0.0
    retry_after: int | None = 1  # seconds in the Retry-After header of a 429; None sends no header
    unavailable_probability: float = 0.0
    gateway_timeout_probability: float = 0.0
    drop_probability: float = 0.0
    truncate_probability: float = 0.0
    malformed_probability: float = 0.0
    hang_probability: float = 0.0
    seed: int = 0

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """``latency=0.1:2.0,429=0.05,retry_after=3,503=0.02,504=0.01,drop=0.01,...,seed=1``."""
        values: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, value = item.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep:
                raise ValueError(f"fault {item!r} needs a value (name=value)")
            try:
                if key == "latency":
                    prob, _, seconds = value.partition(":")
                    values["latency_probability"] = float(prob)
                    if seconds:
                        values["latency_seconds"] = float(seconds)
                elif key == "retry_after":
                    values["retry_after"] = None if value.lower() in ("none", "") else int(value)
                elif key == "seed":
                    values["seed"] = int(value)
                elif key in _KEYS:
                    values[_KEYS[key]] = float(value)
                else:
                    raise ValueError(
                        f"unknown fault {key!r} (known: {', '.join([*_KEYS, 'retry_after', 'seed'])})"
                    )
            except ValueError as exc:
                if "unknown fault" in str(exc):
                    raise
                raise ValueError(f"bad value in fault {item!r}") from exc
        config = cls(**values)
        for f in fields(config):
            if f.name.endswith("_probability") and not 0.0 <= getattr(config, f.name) <= 1.0:
                raise ValueError(f"{f.name} must be between 0 and 1")
        return config

    @classmethod
    def from_env(cls) -> FaultConfig:
        return cls.parse(os.environ.get(ENV, ""))


class FaultMiddleware:
    """Reads ``app.state.faults`` per request, so tests can change or replace it at runtime."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state
        self._rng = random.Random(0)
        self._rng_for: int | None = None

    def _draw(self, config: FaultConfig) -> dict[str, bool]:
        if self._rng_for != id(config):  # a new config restarts its seeded sequence
            self._rng, self._rng_for = random.Random(config.seed), id(config)
        r = self._rng
        return {
            "latency": r.random() < config.latency_probability,
            "hang": r.random() < config.hang_probability,
            "drop": r.random() < config.drop_probability,
            "429": r.random() < config.rate_limit_probability,
            "503": r.random() < config.unavailable_probability,
            "504": r.random() < config.gateway_timeout_probability,
            "truncate": r.random() < config.truncate_probability,
            "malformed": r.random() < config.malformed_probability,
        }

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v2"):
            await self.app(scope, receive, send)
            return
        config: FaultConfig = self.state.faults
        hit = self._draw(config)
        if hit["latency"]:
            await anyio.sleep(config.latency_seconds)
        if hit["hang"]:
            await _wait_for_disconnect(receive)
            return
        if hit["drop"]:
            await _drop(scope, receive, send)
            return
        if hit["429"]:
            headers = (
                [] if config.retry_after is None else [(b"retry-after", str(config.retry_after).encode())]
            )
            await _error(send, 429, "390427", "Too many requests. Please slow down.", headers, scope)
            return
        if hit["503"]:
            await _error(send, 503, "390503", "Service Unavailable. Please retry.", [], scope)
            return
        if hit["504"]:
            await _error(send, 504, "390504", "Gateway Timeout. Please retry.", [], scope)
            return
        if hit["truncate"] or hit["malformed"]:
            await self._mangle(scope, receive, send, truncate=hit["truncate"])
            return
        await self.app(scope, receive, send)

    async def _mangle(self, scope: dict, receive: Any, send: Any, *, truncate: bool) -> None:
        """Run the request for real, then answer 200 with its body cut in half or replaced by garbage."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if truncate:
            body = body[: max(1, len(body) // 2)] if body else b'{"status": "Req'
        else:
            body = b"<html><body><h1>502 Bad Gateway</h1>\x00\xff garbage"
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"content-length", b"content-type")
        ]
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _error(send: Any, status: int, code: str, message: str, headers: list, scope: dict) -> None:
    request_id = scope.get("state", {}).get("request_id", "")
    body = json.dumps(
        {"code": code, "message": message, "error_code": code, "request_id": request_id}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _wait_for_disconnect(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class DroppedConnection(ConnectionResetError):
    """Raised in-process (ASGI transport) where there is no socket to abort."""


async def _drop(scope: dict, receive: Any, send: Any) -> None:
    """Close the TCP connection without a byte of response (reset), as a crashed proxy would."""
    raw_send = scope.get(RAW_SEND, send)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None:
        raise DroppedConnection("sandbox fault: connection dropped")
    transport.abort()
    # uvicorn notices the lost connection and then will not try to answer the request.
    with anyio.move_on_after(5):
        await _wait_for_disconnect(receive)
