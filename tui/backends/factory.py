"""From a resolved profile to a connected backend. The one place that knows every backend kind."""

from __future__ import annotations

from typing import Any

from tui.backends.base import Backend
from tui.backends.http import HttpSettings
from tui.errors import ConfigError


def open_backend(profile: Any, **http_options: Any) -> Backend:
    """A backend for ``profile`` (a ``tui.config.Profile``). ``http_options`` go to the HTTP client
    (tests pass ``transport=`` to talk to an in-process sandbox)."""
    if profile.backend == "airflow":
        return _open_airflow(profile, **http_options)
    if profile.backend == "taipy":
        return _open_taipy(profile, **http_options)
    if profile.backend == "qlik":
        return _open_qlik(profile, **http_options)
    if profile.backend != "snowflake":
        raise ConfigError(
            f"{profile.source or profile.name}: backend {profile.backend!r} is not supported yet"
        )
    from tui.backends.snowflake.adapter import SnowflakeBackend
    from tui.backends.snowflake.auth import KeyPairJwtAuth, load_private_key_pem, token_auth

    settings = _settings(profile)
    if profile.auth == "token":
        auth = token_auth(profile.token, profile.token_type, role=profile.role, warehouse=profile.warehouse)
    elif profile.auth == "keypair":
        if not profile.account or not profile.user:
            raise ConfigError(f"{profile.source}: key-pair auth needs account and user")
        key = load_private_key_pem(profile.private_key_pem.get_secret_value(), source=profile.source)
        auth = KeyPairJwtAuth(
            profile.account, profile.user, key, role=profile.role, warehouse=profile.warehouse
        )
    else:
        raise ConfigError(
            f"{profile.source or profile.name}: no credentials: set token_file, token_env, DAGTOP_TOKEN "
            "or private_key_file"
        )
    verify: bool | str = profile.verify_tls
    if profile.verify_tls and profile.ca_bundle:
        verify = str(profile.ca_bundle.expanduser())
    http_options.setdefault("verify", verify)
    return SnowflakeBackend.connect(
        profile.url, auth, profile.database, profile.schema_name, settings=settings, **http_options
    )


def _settings(profile: Any) -> HttpSettings:
    """The profile's timeout and request budget (per minute; the client's token bucket is per second)."""
    rate = profile.request_budget / 60
    return HttpSettings(call_timeout=profile.timeout, rate=rate, burst=max(1, min(20, int(rate))))


def _verify(profile: Any) -> bool | str:
    if profile.verify_tls and profile.ca_bundle:
        return str(profile.ca_bundle.expanduser())
    return bool(profile.verify_tls)


def _open_airflow(profile: Any, **http_options: Any) -> Backend:
    from tui.backends.airflow import AirflowBackend, CommandTokenAuth, LoginAuth
    from tui.backends.auth import BearerAuth

    auth: Any
    if profile.auth == "token":
        auth = BearerAuth(profile.token)
    elif profile.auth == "login":
        auth = LoginAuth(profile.username, profile.password, f"{profile.url.rstrip('/')}/auth/token")
    elif profile.auth == "command":
        auth = CommandTokenAuth(profile.token_command)
    else:
        raise ConfigError(
            f"{profile.source or profile.name}: no credentials: set username with password_env or "
            "password_file, or token_env, token_file or token_command (or export DAGTOP_TOKEN)"
        )
    http_options.setdefault("verify", _verify(profile))
    settings = _settings(profile)
    return AirflowBackend.connect(profile.url, auth, settings=settings, **http_options)


def _open_taipy(profile: Any, **http_options: Any) -> Backend:
    """Taipy community REST has no auth; a bearer token (token_env/token_file/DAGTOP_TOKEN) is sent when
    set, for a proxy in front of it."""
    from tui.backends.auth import BearerAuth
    from tui.backends.taipy import TaipyBackend

    auth = BearerAuth(profile.token) if profile.token is not None else None
    http_options.setdefault("verify", _verify(profile))
    return TaipyBackend.connect(profile.url, auth, settings=_settings(profile), **http_options)


def _open_qlik(profile: Any, **http_options: Any) -> Backend:
    """Qlik Cloud with an API key as a bearer token (token_env, token_file, DAGTOP_TOKEN or token_command)."""
    from tui.backends.airflow import CommandTokenAuth
    from tui.backends.auth import BearerAuth
    from tui.backends.qlik import QlikBackend

    auth: Any
    if profile.auth == "token":
        auth = BearerAuth(profile.token)
    elif profile.auth == "command":
        auth = CommandTokenAuth(profile.token_command)
    else:
        raise ConfigError(
            f"{profile.source or profile.name}: no API key: set token_env, token_file or token_command "
            "(or export DAGTOP_TOKEN)"
        )
    http_options.setdefault("verify", _verify(profile))
    return QlikBackend.connect(
        profile.url, auth, settings=_settings(profile), apps=tuple(profile.apps), **http_options
    )


def recording_facts(profile: Any, backend: Backend) -> dict[str, Any]:
    """What a recording's header keeps of ``profile`` so a replay builds the same backend: its kind, URL
    and scope, and what the header showed. Never a credential."""
    return {
        "backend": profile.backend,
        "url": profile.url,
        "location": backend.location,
        "profile": profile.name,
        "production": bool(profile.production),
        "sandbox": bool(profile.sandbox),
        "scope": getattr(backend, "scope", ""),
        "poll_interval": profile.poll_interval,
        "database": getattr(profile, "database", None),
        "schema": getattr(profile, "schema_name", None),
        "apps": list(getattr(profile, "apps", None) or ()),
    }


def open_recorded(facts: dict[str, Any], **http_options: Any) -> Backend:
    """The backend a recording was made on, without credentials (its transport answers from the file)."""
    kind, url = facts.get("backend"), str(facts.get("url") or "")
    settings = HttpSettings(rate=None, max_attempts=1)  # nothing to wait for: answers come from a file
    if kind == "snowflake":
        from tui.backends.snowflake.adapter import SnowflakeBackend

        database, schema = facts.get("database"), facts.get("schema")
        return SnowflakeBackend.connect(url, None, database, schema, settings=settings, **http_options)
    if kind == "airflow":
        from tui.backends.airflow import AirflowBackend

        return AirflowBackend.connect(url, None, settings=settings, **http_options)
    if kind == "taipy":
        from tui.backends.taipy import TaipyBackend

        return TaipyBackend.connect(url, None, settings=settings, **http_options)
    if kind == "qlik":
        from tui.backends.qlik import QlikBackend

        apps = tuple(facts.get("apps") or ())
        return QlikBackend.connect(url, None, settings=settings, apps=apps, **http_options)
    raise ConfigError(f"the recording is of backend {kind!r}, which this dagtop does not know")
