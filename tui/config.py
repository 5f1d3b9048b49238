"""Connection profiles and settings: dagtop's TOML, the Snowflake CLI's connections, env and flags.

dagtop's own file lives at ``<XDG config>/dagtop/config.toml`` (``$DAGTOP_CONFIG`` or ``--config``
override the path)::

    default_profile = "prod"          # used when no -c/--connection and no $DAGTOP_PROFILE

    [settings]
    timezone = "local"                # "local" or "UTC": how times are shown
    theme = "textual-dark"
    keymap = { quit = "ctrl+q" }      # binding id -> key

    [profiles.prod]
    backend = "snowflake"             # or "airflow" (see [profiles.airflow] below)
    url = "https://myorg-acct.snowflakecomputing.com"   # or: account = "myorg-acct" (url derived)
    database = "ANALYTICS"
    schema = "PUBLIC"
    token_file = "~/.config/dagtop/prod.token"          # or: token_env = "MY_TOKEN"
    token_type = "PROGRAMMATIC_ACCESS_TOKEN"            # or "OAUTH"
    # key-pair JWT instead of a token:
    # user = "ME"; private_key_file = "~/.ssh/rsa_key.p8"; private_key_passphrase_env = "KEY_PASS"
    role = "OPS"
    warehouse = "OPS_WH"
    poll_interval = 5.0               # seconds
    read_only = false                 # no actions at all
    production = true                 # warning colour; actions need the task name typed
    verify_tls = true
    ca_bundle = "/etc/ssl/corp.pem"
    timeout = 30                      # seconds per request

    [profiles.airflow]
    backend = "airflow"               # Airflow 3 (/api/v2) or Airflow 2 (/api/v1): probed
    url = "http://127.0.0.1:8080"     # the API server / webserver base URL
    username = "admin"                # Airflow 3: JWT login (POST /auth/token); Airflow 2: basic auth
    password_env = "AIRFLOW_PASSWORD" # or: password_file = "~/.config/dagtop/airflow.password"
    # or a bearer token: token_env / token_file, or token_command = "vault read -field=token ..."

Secrets never live in dagtop's file: tokens come from ``token_file``, ``token_env``, ``$DAGTOP_TOKEN``,
``--token-file`` or the Snowflake CLI's files, and are held as ``SecretStr``.

The Snowflake CLI/connector files are read too, so ``dagtop -c NAME`` works with existing connection
names: the directory is ``$SNOWFLAKE_HOME`` (default ``~/.snowflake``) if it exists, else the platform
config dir for "snowflake"; ``connections.toml`` (top-level ``[name]`` tables) replaces the
``[connections]`` of ``config.toml`` wholesale; ``$SNOWFLAKE_CONNECTIONS`` (a TOML string) replaces
both. Password authentication is refused: the REST API takes tokens or key-pair JWTs only.

Precedence, highest first:

1. command-line flags (``--url``, ``--database``, ``--schema``, ``--backend``, ``--read-only``,
   ``--token-file``);
2. environment: ``$DAGTOP_TOKEN`` (the token), ``$DAGTOP_PROFILE`` (the profile name);
3. dagtop's ``[profiles.NAME]``;
4. the Snowflake connection ``NAME``.

The name is ``-c NAME``, else ``$DAGTOP_PROFILE``, else dagtop's ``default_profile``, else the Snowflake
default connection (``$SNOWFLAKE_DEFAULT_CONNECTION_NAME``, then ``default_connection_name``, then a
connection called "default" if there is one). ``--url``/``--backend`` without a name make an ad hoc
profile that borrows nothing from any file. With no name and nothing configured, ``resolve_profile``
returns ``None``: the console then starts the sandbox.

Every problem is a ``ConfigError`` whose message names the file and the key.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from tui.errors import ConfigError
from tui.locations import config_file, display_path, snowflake_dir

__all__ = [
    "Profile",
    "Settings",
    "add_connection_arguments",
    "load_settings",
    "resolve_profile",
    "sandbox_profile",
]


class Settings(BaseModel):
    """Global console settings: the ``[settings]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: Literal["local", "UTC"] = "local"
    """How times are shown: the machine's local zone or UTC."""
    theme: str = "textual-dark"
    """The Textual theme name."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Key overrides: binding id -> key (e.g. ``{quit = "ctrl+q"}``)."""


class Profile(BaseModel):
    """One resolved connection: where, which scope, how to authenticate, how to behave."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # Set by the loader, never by a file.
    name: str = ""
    """The profile or connection name ("ad hoc", "sandbox" when not from a file)."""
    source: str = ""
    """Where it came from, for messages: file and table."""
    sandbox: bool = False
    """True for the built-in sandbox."""

    backend: Literal["snowflake", "airflow"] = "snowflake"
    """The scheduler kind."""
    url: str | None = None
    """Base URL, e.g. ``https://myorg-acct.snowflakecomputing.com``."""
    account: str | None = None
    """Snowflake account identifier; gives the URL when ``url`` is unset, and the JWT issuer."""
    database: str | None = None
    """Snowflake database of the tasks."""
    schema_name: str | None = Field(default=None, alias="schema")
    """Snowflake schema of the tasks (``schema`` in files)."""
    role: str | None = None
    """Sent as ``X-Snowflake-Role``."""
    warehouse: str | None = None
    """Sent as ``X-Snowflake-Warehouse`` (dependents and run history need one)."""
    user: str | None = None
    """Login name; required for key-pair JWT."""
    username: str | None = None
    """Airflow login: JWT from ``/auth/token`` on Airflow 3, basic auth on Airflow 2."""
    password_env: str | None = None
    """Airflow: environment variable holding the password of ``username``."""
    password_file: Path | None = None
    """Airflow: file holding the password of ``username`` (first line; should be mode 0600)."""
    token_command: str | None = None
    """Airflow: a command (run without a shell) printing a bearer token; run again on a 401."""

    token_type: Literal["PROGRAMMATIC_ACCESS_TOKEN", "OAUTH"] = "PROGRAMMATIC_ACCESS_TOKEN"  # noqa: S105
    """``X-Snowflake-Authorization-Token-Type`` for a bearer token."""
    token_file: Path | None = None
    """File holding the bearer token (first line; should be mode 0600)."""
    token_env: str | None = None
    """Environment variable holding the bearer token."""
    private_key_file: Path | None = None
    """PEM (PKCS#8) private key for key-pair JWT."""
    private_key_passphrase_env: str | None = None
    """Environment variable holding the private key's passphrase."""

    # Resolved secrets, filled by the loader from the sources above.
    token: SecretStr | None = None
    """The bearer token."""
    private_key_passphrase: SecretStr | None = None
    """The key's passphrase (from the Snowflake CLI's ``private_key_file_pwd``)."""
    private_key_pem: SecretStr | None = None
    """The private key, decrypted, as PKCS#8 PEM text."""
    password: SecretStr | None = None
    """Airflow: the password of ``username``."""

    poll_interval: float = Field(default=5.0, gt=0)
    """Seconds between polls of what is on screen."""
    read_only: StrictBool = False
    """Refuse every action (execute, suspend, resume)."""
    production: StrictBool = False
    """Warning colour; actions need the task name typed to confirm."""
    verify_tls: StrictBool = True
    """Verify the server's TLS certificate (turning it off is shown in the header)."""
    ca_bundle: Path | None = None
    """Custom CA bundle (PEM) to verify the server with."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds per request."""
    request_budget: float = Field(default=1200.0, gt=0)
    """Requests per minute dagtop sends this server at most (default 1,200 = 20/s); set it to a
    published limit if the server has one. The console checks every graph's status within it."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("credentials in the URL are not allowed; use token_file or token_env")
        if parts.query or parts.fragment:
            raise ValueError("expected a base URL without a query or fragment")
        return value.rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _url_from_account(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("url") and isinstance(data.get("account"), str):
            # Hostnames cannot hold underscores; Snowflake documents the hyphen form.
            host = data["account"].strip().replace("_", "-").lower()
            data = {**data, "url": f"https://{host}.snowflakecomputing.com"}
        return data

    @model_validator(mode="after")
    def _check_complete(self) -> Profile:
        if not self.url:
            raise ValueError("set url or account")
        if self.backend == "snowflake":
            missing = [k for k, v in (("database", self.database), ("schema", self.schema_name)) if not v]
            if missing:
                raise ValueError(f"{' and '.join(missing)} required for the snowflake backend")
        return self

    @property
    def auth(self) -> Literal["token", "keypair", "login", "command", "none"]:
        """Which credential the backend should use."""
        if self.token is not None:
            return "token"
        if self.private_key_pem is not None:
            return "keypair"
        if self.username and self.password is not None:
            return "login"
        return "command" if self.token_command else "none"

    @property
    def location(self) -> str:
        """URL and scope, for headers and confirmations."""
        if self.backend == "airflow":
            return f"{self.url}"
        return f"{self.url} {self.database}.{self.schema_name}"


# Fields a file may not set: the loader fills them.
_INTERNAL = frozenset(
    {
        "name",
        "source",
        "sandbox",
        "token",
        "private_key_passphrase",
        "private_key_pem",
        "schema_name",
        "password",
    }
)
_FILE_KEYS = sorted({f.alias or n for n, f in Profile.model_fields.items()} - _INTERNAL)


# ---------------------------------------------------------------------------------------------------
# Error messages


@dataclass
class _Origin:
    """Where a profile's keys came from, to name them in messages."""

    file: str  # display path, "$SNOWFLAKE_CONNECTIONS" or "command line"
    prefix: str  # table path, e.g. "profiles.prod"
    keys: dict[str, str] = field(default_factory=dict)  # field name -> key as written in the source

    def where(self, fld: str | None = None) -> str:
        key = self.keys.get(fld, fld) if fld else None
        dotted = ".".join(p for p in (self.prefix, key) if p)
        return f"{self.file}: {dotted}" if dotted else self.file

    def error(self, fld: str | None, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(fld)}: {problem}")


_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected a string",
    "path_type": "expected a path (a string)",
    "dict_type": "expected a table",
    "model_type": "expected a table",
}
_SECRET_FIELDS = frozenset({"token", "private_key_passphrase", "private_key_pem"})


def _show(value: Any) -> str:
    """A value as TOML would spell it, short."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(err: Mapping[str, Any], allowed: list[str]) -> str:
    kind = err["type"]
    loc = [str(p) for p in err["loc"]]
    if kind == "extra_forbidden":
        near = difflib.get_close_matches(loc[-1] if loc else "", allowed, n=1)
        return "unknown key" + (f' (did you mean "{near[0]}"?)' if near else "")
    if kind == "missing":
        return "required"
    if kind == "literal_error":
        text = f"expected {err['ctx']['expected']}"
    elif kind in ("greater_than", "greater_than_equal"):
        bound = err["ctx"].get("gt", err["ctx"].get("ge"))
        text = f"expected a number greater than {bound:g}"
    elif kind in _EXPECTED:
        text = _EXPECTED[kind]
    else:
        text = str(err["msg"]).removeprefix("Value error, ")
        return text
    if loc and loc[0] in _SECRET_FIELDS:
        return text
    return f"{text}, got {_show(err.get('input'))}"


def _raise_validation(exc: ValidationError, origin: _Origin, allowed: list[str]) -> None:
    """Every problem, one line each: fixing one only to meet the next wastes a round trip."""
    lines = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        where = origin.where(loc[0] if loc else None)
        if len(loc) > 1:
            where += "." + ".".join(loc[1:])
        lines.append(f"{where}: {_problem(error, allowed)}")
    raise ConfigError("\n".join(dict.fromkeys(lines))) from None


# ---------------------------------------------------------------------------------------------------
# Files


def _read_toml(path: Path, *, required: bool) -> dict[str, Any] | None:
    label = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{label}: no such file") from None
        return None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None


def _permission_warning(path: Path) -> str | None:
    """The connector's rule: a file holding a secret should be private to its owner."""
    if os.name != "posix":
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    label = display_path(path)
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        return f"{label} holds a secret but is readable by others (mode {mode:04o}); run: chmod 0600 {label}"
    if st.st_uid != os.getuid():
        return f"{label} holds a secret but is not owned by you"
    return None


def _read_secret_file(path: Path, where: str, warnings: list[str]) -> SecretStr:
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {display_path(path)}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: {display_path(path)} is not UTF-8 text") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError(f"{where}: {display_path(path)} is empty")
    if warning := _permission_warning(path):
        warnings.append(warning)
    return SecretStr(lines[0].strip())


@dataclass
class _DagtopFile:
    path: Path
    default_profile: str | None = None
    profiles: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return display_path(self.path)


def _config_path(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The dagtop config path, and whether it must exist (it must when named explicitly)."""
    explicit = getattr(args, "config", None)
    if explicit:
        return Path(explicit).expanduser(), True
    return config_file(env), bool(env.get("DAGTOP_CONFIG"))


def _load_dagtop(args: argparse.Namespace, env: Mapping[str, str]) -> _DagtopFile:
    path, required = _config_path(args, env)
    raw = _read_toml(path, required=required)
    out = _DagtopFile(path)
    if raw is None:
        return out
    origin = _Origin(out.label, "")
    for key in raw:
        if key not in ("default_profile", "settings", "profiles"):
            near = difflib.get_close_matches(key, ["default_profile", "settings", "profiles"], n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else ""
            raise origin.error(key, f"unknown key{hint}")
    default = raw.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise origin.error("default_profile", f"expected a string, got {_show(default)}")
    for key in ("settings", "profiles"):
        if not isinstance(raw.get(key, {}), dict):
            raise origin.error(key, f"expected a table, got {_show(raw[key])}")
    for name, table in raw.get("profiles", {}).items():
        if not isinstance(table, dict):
            raise _Origin(out.label, "profiles").error(name, f"expected a table, got {_show(table)}")
    out.default_profile = default
    out.profiles = raw.get("profiles", {})
    out.settings = raw.get("settings", {})
    return out


@dataclass
class _SnowflakeFiles:
    connections: dict[str, Any]
    origins: dict[str, _Origin]
    paths: dict[str, Path | None]  # connection name -> file it came from (None: env)
    default_name: str | None  # explicitly configured default, if any
    default_where: str
    searched: str  # for "not found" messages


def _load_snowflake(env: Mapping[str, str]) -> _SnowflakeFiles:
    directory = snowflake_dir(env)
    cfg_path, conn_path = directory / "config.toml", directory / "connections.toml"
    config = _read_toml(cfg_path, required=False) or {}
    connections = config.get("connections", {})
    if not isinstance(connections, dict):
        raise ConfigError(f"{display_path(cfg_path)}: connections: expected a table")
    source_path: Path | None = cfg_path
    file_label, prefix = display_path(cfg_path), "connections."
    conn_raw = _read_toml(conn_path, required=False)
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
            raise ConfigError(f"{default_where}: expected a string, got {_show(default_name)}")
    return _SnowflakeFiles(
        connections=connections,
        origins={n: _Origin(file_label, f"{prefix}{n}") for n in connections},
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
_SF_SECRET_KEYS = frozenset({"password", "token", "private_key_file_pwd"})
_REST_AUTH_HELP = (
    "password authentication is not supported by the Snowflake REST API; use a programmatic access "
    'token (authenticator = "PROGRAMMATIC_ACCESS_TOKEN" with token or token_file_path) or key-pair '
    'authentication (authenticator = "SNOWFLAKE_JWT" with private_key_file)'
)


def _from_snowflake(name: str, table: dict[str, Any], origin: _Origin) -> dict[str, Any]:
    """Map a connector connection table to Profile fields (names as the connector spells them)."""
    for key in _SF_STRING_KEYS:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            got = "" if key in _SF_SECRET_KEYS else f", got {_show(value)}"
            raise origin.error(key, f"expected a string{got}")
    port = table.get("port")
    if port is not None and not (isinstance(port, int) or (isinstance(port, str) and port.isdigit())):
        raise origin.error("port", f"expected a port number, got {_show(port)}")
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


# ---------------------------------------------------------------------------------------------------
# Secrets


def _load_private_key(path: Path, passphrase: SecretStr | None, origin: _Origin) -> SecretStr:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    path = path.expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise origin.error(
            "private_key_file", f"cannot read {display_path(path)}: {exc.strerror or exc}"
        ) from None
    password = passphrase.get_secret_value().encode() if passphrase else None
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted" or the reverse.
        need = "is encrypted: set private_key_passphrase_env" if password is None else "is not encrypted"
        raise origin.error("private_key_file", f"{display_path(path)} {need}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise origin.error(
            "private_key_file",
            f"cannot load {display_path(path)}: wrong passphrase or not a private key",
        ) from None
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SecretStr(pem.decode("ascii"))


def _attach_secrets(
    profile: Profile,
    origin: _Origin,
    args: argparse.Namespace,
    env: Mapping[str, str],
    warnings: list[str],
) -> Profile:
    token: SecretStr | None = None
    flag_file = getattr(args, "token_file", None)
    if flag_file:
        token = _read_secret_file(Path(flag_file), "--token-file", warnings)
    elif env.get("DAGTOP_TOKEN", "").strip():
        token = SecretStr(env["DAGTOP_TOKEN"].strip())
    elif profile.token_env:
        value = env.get(profile.token_env, "").strip()
        if not value:
            raise origin.error("token_env", f"environment variable {profile.token_env} is not set or empty")
        token = SecretStr(value)
    elif profile.token_file:
        token = _read_secret_file(profile.token_file, origin.where("token_file"), warnings)
    elif profile.token is not None:
        token = profile.token

    if token is not None:
        # A token from a higher-precedence source replaces key-pair auth.
        return profile.model_copy(update={"token": token, "private_key_pem": None})
    if profile.backend == "airflow":
        return _attach_airflow_login(profile, origin, env, warnings)
    if profile.private_key_file:
        passphrase = profile.private_key_passphrase
        if profile.private_key_passphrase_env:
            value = env.get(profile.private_key_passphrase_env)
            if not value:
                raise origin.error(
                    "private_key_passphrase_env",
                    f"environment variable {profile.private_key_passphrase_env} is not set or empty",
                )
            passphrase = SecretStr(value)
        if not profile.user:
            raise origin.error("user", "required for key-pair authentication")
        account = profile.account or _account_from_url(profile.url or "")
        if not account:
            raise origin.error("account", "required for key-pair authentication (the JWT names it)")
        if warning := _permission_warning(profile.private_key_file.expanduser()):
            warnings.append(warning)
        pem = _load_private_key(profile.private_key_file, passphrase, origin)
        return profile.model_copy(update={"private_key_pem": pem, "account": account})
    if origin.file == "command line":
        raise ConfigError(
            "no token: export DAGTOP_TOKEN or pass --token-file FILE (never on the command line)"
        )
    raise origin.error(
        None,
        "no credentials: set token_file or token_env, or user and private_key_file (or export DAGTOP_TOKEN)",
    )


def _attach_airflow_login(
    profile: Profile, origin: _Origin, env: Mapping[str, str], warnings: list[str]
) -> Profile:
    """Airflow without a token: a token command, or a username with its password from env or file."""
    if profile.token_command:
        return profile
    if profile.password_env or profile.password_file:
        if not profile.username:
            raise origin.error("username", "required with password_env or password_file")
        if profile.password_env:
            value = env.get(profile.password_env, "")
            if not value:
                raise origin.error(
                    "password_env", f"environment variable {profile.password_env} is not set or empty"
                )
            password = SecretStr(value)
        else:
            assert profile.password_file is not None
            password = _read_secret_file(profile.password_file, origin.where("password_file"), warnings)
        return profile.model_copy(update={"password": password})
    if profile.password is not None and profile.username:
        return profile
    if origin.file == "command line":
        raise ConfigError(
            "no token: export DAGTOP_TOKEN or pass --token-file FILE (never on the command line)"
        )
    raise origin.error(
        None,
        "no credentials: set username with password_env or password_file, or token_env, token_file or "
        "token_command (or export DAGTOP_TOKEN)",
    )


def _account_from_url(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    suffix = ".snowflakecomputing.com"
    return host[: -len(suffix)] if host.endswith(suffix) else None


# ---------------------------------------------------------------------------------------------------
# Public API


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
        "--backend", choices=["snowflake", "airflow"], help="backend kind for an ad hoc connection", **kw
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


def resolve_profile(
    args: argparse.Namespace, env: Mapping[str, str] = os.environ
) -> tuple[Profile | None, list[str]]:
    """The profile to connect with (``None``: nothing configured, use the sandbox) and warnings."""
    warnings: list[str] = []
    dagtop = _load_dagtop(args, env)
    flag = lambda key: getattr(args, key, None)  # noqa: E731
    name = flag("connection") or env.get("DAGTOP_PROFILE") or None
    data: dict[str, Any]
    secret_path: Path | None = None
    if name is None and (flag("url") or flag("backend")):
        origin = _Origin("command line", "")
        data = {"name": "ad hoc", "source": "command line", "backend": flag("backend") or "snowflake"}
    else:
        sf: _SnowflakeFiles | None = None
        if name is None and dagtop.default_profile:
            name = dagtop.default_profile
            if name not in dagtop.profiles:
                sf = _load_snowflake(env)
                if name not in sf.connections:
                    raise ConfigError(
                        f"{dagtop.label}: default_profile: no profile or connection named {name!r}"
                    )
        if name is None:
            sf = _load_snowflake(env)
            if sf.default_name is not None:
                if sf.default_name not in sf.connections:
                    raise ConfigError(f"{sf.default_where}: no connection named {sf.default_name!r}")
                name = sf.default_name
            elif "default" in sf.connections:
                name = "default"
            else:
                return None, warnings
        if name in dagtop.profiles:
            origin = _Origin(dagtop.label, f"profiles.{name}", {"schema_name": "schema"})
            table = dagtop.profiles[name]
            if "token" in table:
                raise origin.error("token", "do not put a token in config.toml; use token_file or token_env")
            if "password" in table:
                raise origin.error(
                    "password", "do not put a password in config.toml; use password_env or password_file"
                )
            for key in table:
                if key in _INTERNAL:
                    raise origin.error(key, "unknown key")
            data = {**table, "name": name, "source": origin.where()}
        else:
            sf = sf or _load_snowflake(env)
            if name not in sf.connections:
                raise ConfigError(
                    f"no profile or connection named {name!r} (looked in {dagtop.label} and {sf.searched})"
                )
            origin = sf.origins[name]
            data = _from_snowflake(name, sf.connections[name], origin)
            if any(sf.connections[name].get(k) for k in _SF_SECRET_KEYS):
                secret_path = sf.paths[name]

    # Flags beat every file; errors in their values are blamed on the flag.
    flags = {k: flag(k) for k in ("backend", "url", "database", "schema") if flag(k)}
    data.update(flags)
    if flag("read_only"):
        data["read_only"] = True
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        key = "schema" if loc and loc[0] == "schema_name" else (str(loc[0]) if loc else "")
        if key in flags:
            raise ConfigError(f"--{key}: {_problem(exc.errors()[0], _FILE_KEYS)}") from None
        _raise_validation(exc, origin, _FILE_KEYS)
        raise  # unreachable: _raise_validation always raises
    if profile.ca_bundle and not profile.ca_bundle.expanduser().is_file():
        raise origin.error("ca_bundle", f"no such file: {display_path(profile.ca_bundle.expanduser())}")

    profile = _attach_secrets(profile, origin, args, env, warnings)
    if secret_path is not None and (warning := _permission_warning(secret_path)):
        warnings.append(warning)
    if not profile.verify_tls:
        warnings.append(f"{profile.name}: TLS certificate verification is off")
    host = urlsplit(profile.url or "").hostname
    if (profile.url or "").startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        warnings.append(f"{profile.name}: {profile.url} is plain http: the token travels unencrypted")
    return profile, warnings


def profile_names(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> list[str]:
    """Every profile or Snowflake connection the console can switch to: dagtop's first, in file order."""
    names = list(_load_dagtop(args, env).profiles)
    names += [name for name in _load_snowflake(env).connections if name not in names]
    return names


def sandbox_profile(url: str, token: str, database: str, schema: str) -> Profile:
    """A profile for the built-in sandbox (never production, actions allowed)."""
    return Profile(
        name="sandbox",
        source="sandbox",
        sandbox=True,
        url=url,
        database=database,
        schema=schema,
        token=SecretStr(token),
    )


def load_settings(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> Settings:
    """The ``[settings]`` table of dagtop's config (defaults when there is no file)."""
    dagtop = _load_dagtop(args, env)
    try:
        return Settings.model_validate(dagtop.settings)
    except ValidationError as exc:
        _raise_validation(exc, _Origin(dagtop.label, "settings"), sorted(Settings.model_fields))
        raise
