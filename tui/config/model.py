"""The profile and settings models: what a connection is, checked field by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    field_validator,
    model_validator,
)


class NotifySettings(BaseModel):
    """How dagtop tells of a change to something watched (``w``): the ``[settings.notify]`` table. A
    toast in the console always; these add the terminal's bell, a desktop notification, a command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bell: StrictBool = True
    """Ring the terminal's bell (a tmux/screen window is flagged; some terminals flash or beep)."""
    desktop: Literal["osc9", "osc777", "off"] = "off"
    """A desktop notification by escape sequence, over SSH too: ``osc9`` (iTerm2, WezTerm, kitty, foot,
    Windows Terminal) or ``osc777`` (rxvt-unicode, VTE terminals such as GNOME Terminal, foot)."""
    command: list[str] = Field(default_factory=list)
    """A hook: argv (a list, run without a shell) given each notification as JSON on stdin."""
    command_timeout: float = Field(default=10.0, gt=0)
    """Seconds the hook may take before it is stopped."""
    min_interval: float = Field(default=10.0, ge=0)
    """Seconds between two notifications at least: what changes meanwhile is told together after it."""

    @field_validator("command", mode="before")
    @classmethod
    def _argv(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                'expected a list of arguments (argv, no shell), e.g. ["/path/to/hook", "--flag"]'
            )
        if isinstance(value, list) and value and not (isinstance(value[0], str) and value[0].strip()):
            raise ValueError("the first argument (the program) must not be empty")
        return value


class Settings(BaseModel):
    """Global console settings: the ``[settings]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: Literal["local", "UTC"] = "local"
    """How times are shown: the machine's local zone or UTC."""
    theme: str = "textual-dark"
    """The Textual theme name."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Key overrides: binding id -> key (e.g. ``{quit = "ctrl+q"}``)."""
    notify: NotifySettings = Field(default_factory=NotifySettings)
    """Notifications of watched graphs and runs (``[settings.notify]``)."""


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

    backend: Literal["snowflake", "airflow", "taipy", "qlik"] = "snowflake"
    """The scheduler kind."""
    url: str | None = None
    """Base URL, e.g. ``https://myorg-acct.snowflakecomputing.com``."""
    account: str | None = None
    """Snowflake account identifier; gives the URL when ``url`` is unset, and the JWT issuer."""
    database: str | None = None
    """Snowflake database of the tasks."""
    schema_name: str | None = Field(default=None, alias="schema")
    """Snowflake schema of the tasks (``schema`` in files)."""
    schemas: list[str] = Field(default_factory=list)
    """Snowflake: more ``DB.SCHEMA`` scopes the inbox watches besides database.schema; ``["all"]``: every
    schema the role can see."""
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
    """Airflow, Qlik: a command (run without a shell) printing a bearer token; run again on a 401."""
    apps: list[str] = Field(default_factory=list)
    """Qlik: app ids whose tasks to list (``resourceId``); needed where the tenant lists only per app."""

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
    """Requests per minute dagtop sends this server at most (default 1,200 = 20/s; Qlik: 600, its
    published limit); set it to a published limit if the server has one. The console checks every
    graph's status within it."""

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
    def _backend_budget(cls, data: Any) -> Any:
        # Qlik's Tasks API is "Special (600 requests per minute)": stay within it unless told otherwise.
        if isinstance(data, dict) and data.get("backend") == "qlik" and "request_budget" not in data:
            data = {**data, "request_budget": 600.0}
        return data

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
        if self.backend in ("airflow", "taipy", "qlik"):
            return f"{self.url}"
        return f"{self.url} {self.database}.{self.schema_name}"


# Fields a file may not set: the loader fills them.
INTERNAL_FIELDS = frozenset(
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
FILE_KEYS = sorted({f.alias or n for n, f in Profile.model_fields.items()} - INTERNAL_FIELDS)
