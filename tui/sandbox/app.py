"""Assemble the sandbox's ASGI app: simulation + Snowflake API + faults + request ids."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.routing import request_response

from tui.sandbox.clock import Clock, ScaledClock
from tui.sandbox.config import SandboxConfig
from tui.sandbox.engine import Sandbox
from tui.sandbox.faults import FaultMiddleware
from tui.sandbox.generator import generate
from tui.sandbox.http_snowflake import RequestContext, SnowflakeAPI
from tui.sandbox.results import ResultStore


def build_sandbox(config: SandboxConfig, clock: Clock) -> Sandbox:
    world = generate(config.seed, config.tasks, config.graphs, clock.now(), config.scopes)
    return Sandbox(world, clock, config.seed)


def create_app(config: SandboxConfig, clock: Clock | None = None) -> Starlette:
    """A Starlette app; ``app.state`` holds sandbox, faults, results, request_log and config."""
    clock = clock or ScaledClock(config.speed)
    started = time.perf_counter()
    sandbox = build_sandbox(config, clock)
    results = ResultStore(config.seed)
    api = SnowflakeAPI(sandbox, config, results)
    app = Starlette()
    # Every path goes to the API's own router (as the router's default): a route pattern would not
    # match names with newlines or other odd characters, and those still need a JSON answer.
    app.router.default = request_response(api.handle)
    app.state.sandbox = sandbox
    app.state.config = config
    app.state.faults = config.faults
    app.state.results = results
    app.state.request_log = []
    app.state.build_seconds = time.perf_counter() - started
    # add_middleware puts the last added outermost: request ids wrap the faults, so faults carry one.
    app.add_middleware(FaultMiddleware, state=app.state)
    app.add_middleware(RequestContext, state=app.state)
    return app
