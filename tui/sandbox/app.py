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
    if config.dialect == "qlik":
        return _qlik_app(config, sandbox, started)
    if config.dialect != "snowflake":
        raise ValueError(f"unknown sandbox dialect {config.dialect!r} (snowflake or qlik)")
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


def _qlik_app(config: SandboxConfig, sandbox: Sandbox, started: float) -> Starlette:
    """The same simulation behind Qlik Cloud's Tasks API (``app.state.qlik`` is its QlikService)."""
    from tui.sandbox.http_qlik import make_handler
    from tui.sandbox.qlik_service import QlikService

    service = QlikService(sandbox, config.qlik_user)
    handler = make_handler(service, config)
    app = Starlette()
    app.state.request_log = []

    async def logged(request):  # type: ignore[no-untyped-def]
        response = await handler(request)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        app.state.request_log.append((request.method, target, response.status_code))
        return response

    app.router.default = request_response(logged)
    app.state.sandbox = sandbox
    app.state.qlik = service
    app.state.config = config
    app.state.faults = config.faults
    app.state.build_seconds = time.perf_counter() - started
    return app
