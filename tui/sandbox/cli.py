"""``dagtop sandbox``: run the sandbox in the foreground and say how to connect to it.

The token comes from --token-file, DAGTOP_SANDBOX_TOKEN, --token (a local dev convenience; argv is
visible to other local users) or is random. Faults come from --faults or DAGTOP_SANDBOX_FAULTS.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import time
from typing import TextIO

from tui.sandbox.config import SandboxConfig
from tui.sandbox.faults import ENV as FAULTS_ENV
from tui.sandbox.faults import FaultConfig

TOKEN_ENV = "DAGTOP_SANDBOX_TOKEN"  # noqa: S105 - a variable name, not a secret


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s, loopback only)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed at start)")
    parser.add_argument("--token-file", help=f"read the bearer token from this file (or set {TOKEN_ENV})")
    parser.add_argument("--token", help="the bearer token (default: random; prefer --token-file)")
    parser.add_argument(
        "--tasks", type=int, default=200, help="how many tasks to generate (default: %(default)s)"
    )
    parser.add_argument("--graphs", type=int, default=None, help="how many graphs (default: about tasks/8)")
    parser.add_argument(
        "--scopes",
        type=int,
        choices=range(1, 6),
        default=5,
        metavar="{1..5}",
        help="how many schemas hold the tasks; 1 puts every task in ANALYTICS.PUBLIC (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="random seed for the generated account (default: %(default)s)"
    )
    parser.add_argument(
        "--speed", type=float, default=60.0, help="simulated seconds per real second (default: %(default)g)"
    )
    parser.add_argument(
        "--faults",
        help=f"fault spec, e.g. '429=0.05,retry_after=3,drop=0.01' (or {FAULTS_ENV}; default: none)",
    )
    parser.add_argument(
        "--async-probability", type=float, default=0.0, help="chance of a 202 answer (default: %(default)g)"
    )
    parser.add_argument(
        "--dialect",
        choices=("snowflake", "qlik"),
        default="snowflake",
        help="the API the sandbox speaks: Snowflake Tasks REST v2 or Qlik Cloud /api/v1/tasks "
        "(default: %(default)s)",
    )
    qlik = parser.add_argument_group("Qlik dialect")
    qlik.add_argument(
        "--qlik-relative-links",
        action="store_true",
        help="links.next.href as /api/... (default: absolute URL)",
    )
    qlik.add_argument(
        "--qlik-require-resource-id",
        action="store_true",
        help="GET /api/v1/tasks answers 400 without resourceId (as an older Qlik doc says)",
    )
    qlik.add_argument(
        "--qlik-graph-api",
        action="store_true",
        help="also serve the scheduling API's /api/scheduling/tasks/{id}/graphs/... endpoints",
    )
    qlik.add_argument(
        "--qlik-rate-limit",
        type=int,
        default=600,
        help="requests per minute before 429 + Retry-After; 0 = none (default: %(default)s, Qlik's)",
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=1000,
        help="rows per page of long list results (default: %(default)s)",
    )


def resolve_token(args: argparse.Namespace) -> str:
    if getattr(args, "token_file", None):
        with open(args.token_file, encoding="utf-8") as handle:
            return handle.read().strip()
    return os.environ.get(TOKEN_ENV) or getattr(args, "token", None) or secrets.token_urlsafe(24)


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    spec = args.faults if args.faults is not None else os.environ.get(FAULTS_ENV, "")
    return SandboxConfig(
        seed=args.seed,
        tasks=args.tasks,
        graphs=args.graphs,
        scopes=args.scopes,
        speed=args.speed,
        token=resolve_token(args),
        page_size=args.page_size,
        async_probability=args.async_probability,
        faults=FaultConfig.parse(spec),
        dialect=getattr(args, "dialect", "snowflake"),
        qlik_links="relative" if getattr(args, "qlik_relative_links", False) else "absolute",
        qlik_require_resource_id=getattr(args, "qlik_require_resource_id", False),
        qlik_graph_api=getattr(args, "qlik_graph_api", False),
        qlik_rate_limit=getattr(args, "qlik_rate_limit", 600),
    )


def describe(url: str, token: str, scopes: list[tuple[str, str]], seconds: float, out: TextIO) -> None:
    """What a user needs to connect: URL, token, and the scopes it holds."""
    print(f"dagtop sandbox (a local simulation of the Snowflake Tasks REST API) on {url}", file=out)
    print(f"token: {token}", file=out)
    print("databases and schemas:", file=out)
    for db, schema in scopes:
        print(f"  {db}.{schema}", file=out)
    print(f"started in {seconds:.2f} s; press Ctrl-C to stop", file=out, flush=True)


def describe_qlik(url: str, token: str, config: SandboxConfig, seconds: float, out: TextIO) -> None:
    """The Qlik dialect's banner: tenant URL, API key, and the options in force."""
    # Short enough for an 80-column terminal with a loopback URL: scripts read the URL off its end.
    print(f"dagtop sandbox (Qlik Cloud Tasks API simulation) on {url}", file=out)
    print(f"API key (Authorization: Bearer): {token}", file=out)
    print(f"tasks: {config.tasks}; links.next.href: {config.qlik_links}", file=out)
    print(f"resourceId required on list: {'yes' if config.qlik_require_resource_id else 'no'}", file=out)
    print(f"scheduling graph endpoints: {'served' if config.qlik_graph_api else 'absent (404)'}", file=out)
    limit = config.qlik_rate_limit
    print(f"rate limit: {f'{limit} requests/minute' if limit > 0 else 'none'}", file=out)
    print(f"started in {seconds:.2f} s; press Ctrl-C to stop", file=out, flush=True)


def run(args: argparse.Namespace) -> int:
    from tui.sandbox.server import SandboxServer

    try:
        config = config_from_args(args)
    except (ValueError, OSError) as exc:
        print(f"dagtop sandbox: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        server = SandboxServer(config, host=args.host, port=args.port)
    except OSError as exc:
        print(f"dagtop sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    # The banner comes only once the socket accepts: a script may connect the moment it reads it.
    try:
        server.start()
    except RuntimeError as exc:
        print(f"dagtop sandbox: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    if config.dialect == "qlik":
        describe_qlik(server.url, server.token, config, seconds, sys.stdout)
    else:
        describe(server.url, server.token, server.app.state.sandbox.scopes(), seconds, sys.stdout)
    with contextlib.suppress(KeyboardInterrupt):
        server.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="dagtop sandbox")
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
