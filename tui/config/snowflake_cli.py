"""The Snowflake CLI/connector files: ``config.toml``, ``connections.toml``, ``$SNOWFLAKE_CONNECTIONS``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from tui.config.sources import Origin, read_toml, show_value
from tui.errors import ConfigError
from tui.locations import display_path, snowflake_dir


@dataclass
class SnowflakeFiles:
    connections: dict[str, Any]
    origins: dict[str, Origin]
    paths: dict[str, Path | None]  # connection name -> file it came from (None: env)
    default_name: str | None  # explicitly configured default, if any
    default_where: str
    searched: str  # for "not found" messages


def load_snowflake(env: Mapping[str, str]) -> SnowflakeFiles:
    directory = snowflake_dir(env)
    cfg_path, conn_path = directory / "config.toml", directory / "connections.toml"
    config = read_toml(cfg_path, required=False) or {}
    connections = config.get("connections", {})
    if not isinstance(connections, dict):
        raise ConfigError(f"{display_path(cfg_path)}: connections: expected a table")
    source_path: Path | None = cfg_path
    file_label, prefix = display_path(cfg_path), "connections."
    conn_raw = read_toml(conn_path, required=False)
    if conn_raw is not None:
        # The connector loads connections.toml as the whole [connections] section: no merge.
        connections, source_path = conn_raw, conn_path
        file_label, prefix = display_path(conn_path), ""
    if env.get("SNOWFLAKE_CONNECTIONS"):
        try:
            connections = tomllib.loads(env["SNOWFLAKE_CONNECTIONS"])
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"$SNOWFLAKE_CONNECTIONS: invalid TOML: {exc}") from None
        source_path, file_label, prefix = None, "$SNOWFLAKE_CONNECTIONS", ""
    # Non-table entries (a stray default_connection_name, say) are not connections.
    connections = {k: v for k, v in connections.items() if isinstance(v, dict)}
    default_name, default_where = (
        env.get("SNOWFLAKE_DEFAULT_CONNECTION_NAME") or None,
        ("$SNOWFLAKE_DEFAULT_CONNECTION_NAME"),
    )
    if default_name is None and config.get("default_connection_name") is not None:
        default_name = config["default_connection_name"]
        default_where = f"{display_path(cfg_path)}: default_connection_name"
        if not isinstance(default_name, str):
            raise ConfigError(f"{default_where}: expected a string, got {show_value(default_name)}")
    return SnowflakeFiles(
        connections=connections,
        origins={n: Origin(file_label, f"{prefix}{n}") for n in connections},
        paths={n: source_path for n in connections},
        default_name=default_name,
        default_where=default_where,
        searched=file_label if conn_raw is not None or source_path is None else display_path(directory),
    )


# Snowflake keys dagtop maps; every other key belongs to other tools and is ignored.
_SF_STRING_KEYS = (
    "account",
    "user",
    "password",
    "authenticator",
    "private_key_file",
    "private_key_path",
    "private_key_file_pwd",
    "token",
    "token_file_path",
    "host",
    "protocol",
    "role",
    "warehouse",
    "database",
    "schema",
    "region",
)
SECRET_KEYS = frozenset({"password", "token", "private_key_file_pwd"})
_REST_AUTH_HELP = (
    "password authentication is not supported by the Snowflake REST API; use a programmatic access "
    'token (authenticator = "PROGRAMMATIC_ACCESS_TOKEN" with token or token_file_path) or key-pair '
    'authentication (authenticator = "SNOWFLAKE_JWT" with private_key_file)'
)


def from_connection(name: str, table: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """Map a connector connection table to Profile fields (names as the connector spells them)."""
    for key in _SF_STRING_KEYS:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            got = "" if key in SECRET_KEYS else f", got {show_value(value)}"
            raise origin.error(key, f"expected a string{got}")
    port = table.get("port")
    if port is not None and not (isinstance(port, int) or (isinstance(port, str) and port.isdigit())):
        raise origin.error("port", f"expected a port number, got {show_value(port)}")
    get = table.get
    data: dict[str, Any] = {"name": name, "source": origin.where(), "backend": "snowflake"}
    for key in ("account", "user", "role", "warehouse", "database", "schema"):
        if get(key):
            data[key] = get(key)
    if get("host"):
        data["url"] = f"{get('protocol') or 'https'}://{get('host')}" + (f":{port}" if port else "")
    elif get("account") and get("region") and "." not in get("account"):
        host = f"{get('account')}.{get('region')}".replace("_", "-").lower()
        data["url"] = f"https://{host}.snowflakecomputing.com"

    key_file = get("private_key_file") or get("private_key_path")
    origin.keys["private_key_file"] = "private_key_file" if get("private_key_file") else "private_key_path"
    origin.keys["token_file"] = "token_file_path"  # noqa: S105
    origin.keys["schema_name"] = "schema"
    authenticator = (get("authenticator") or "").upper()
    token_keys = {k: get(k) for k in ("token", "token_file_path") if get(k)}
    if authenticator in ("", "SNOWFLAKE") and not (key_file or token_keys):
        if get("password"):
            raise origin.error("password", _REST_AUTH_HELP)
        raise origin.error(
            None, "no credentials: set token or token_file_path, or private_key_file (key-pair JWT)"
        )
    if authenticator == "SNOWFLAKE_JWT" or (authenticator in ("", "SNOWFLAKE") and key_file):
        if not key_file:
            raise origin.error("authenticator", "SNOWFLAKE_JWT needs private_key_file")
        data["private_key_file"] = key_file
        if get("private_key_file_pwd"):
            data["private_key_passphrase"] = SecretStr(get("private_key_file_pwd"))
    elif authenticator in ("OAUTH", "PROGRAMMATIC_ACCESS_TOKEN", "", "SNOWFLAKE"):
        data["token_type"] = "OAUTH" if authenticator == "OAUTH" else "PROGRAMMATIC_ACCESS_TOKEN"
        if get("token"):
            data["token"] = SecretStr(get("token").strip())
        elif get("token_file_path"):
            data["token_file"] = get("token_file_path")
        elif authenticator == "PROGRAMMATIC_ACCESS_TOKEN" and get("password"):
            # The drivers accept a PAT in place of the password.
            data["token"] = SecretStr(get("password").strip())
        else:
            raise origin.error("authenticator", f"{authenticator} needs token or token_file_path")
    else:
        raise origin.error(
            "authenticator",
            f"{get('authenticator')} is not supported by the REST API; use PROGRAMMATIC_ACCESS_TOKEN, "
            "OAUTH or SNOWFLAKE_JWT",
        )
    return data
