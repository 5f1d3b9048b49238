"""The command-line flags that choose and override a connection."""

from __future__ import annotations

import argparse
from typing import Any


def add_connection_arguments(
    parser: argparse.ArgumentParser, *, defaults: bool = True, actions: bool = True
) -> None:
    """The flags that choose and override a connection.

    With ``defaults=False`` (used on subcommands) unset flags leave no attribute, so a subparser never
    clobbers a value the main parser already parsed. ``resolve_profile`` copes with either.
    ``actions=False`` leaves out ``--read-only`` (for commands that only read).
    Turns off the parser's prefix matching (see below).
    """
    # No prefix matching: "--token SECRET" must be an error, not "--token-file SECRET".
    parser.allow_abbrev = False
    kw: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("connection")
    group.add_argument("-c", "--connection", metavar="NAME", help="profile or Snowflake connection", **kw)
    group.add_argument(
        "--backend",
        choices=["snowflake", "airflow", "taipy", "qlik"],
        help="backend kind for an ad hoc connection",
        **kw,
    )
    group.add_argument("--url", metavar="URL", help="server base URL (ad hoc or override)", **kw)
    group.add_argument("--database", metavar="NAME", help="database (overrides the profile)", **kw)
    group.add_argument("--schema", metavar="NAME", help="schema (overrides the profile)", **kw)
    group.add_argument(
        "--token-file",
        metavar="FILE",
        help="file holding the token (or export DAGTOP_TOKEN; there is no --token)",
        **kw,
    )
    if actions:
        group.add_argument(
            "--read-only",
            action="store_true",
            help="refuse every action",
            **({"default": argparse.SUPPRESS} if not defaults else {}),
        )
    group.add_argument("--config", metavar="PATH", help="dagtop config file (default: XDG path)", **kw)
