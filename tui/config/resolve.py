"""Putting it together: flags, env, dagtop's profiles and Snowflake connections into one ``Profile``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from tui.config.dagtop_file import DagtopFile, load_dagtop
from tui.config.model import FILE_KEYS, INTERNAL_FIELDS, Profile, Settings
from tui.config.secrets import attach_secrets, permission_warning
from tui.config.snowflake_cli import SECRET_KEYS, SnowflakeFiles, from_connection, load_snowflake
from tui.config.sources import Origin, describe_problem, raise_validation
from tui.errors import ConfigError
from tui.locations import display_path


@dataclass
class _Found:
    """A profile's fields before validation, where they came from, and the file holding its secrets."""

    data: dict[str, Any]
    origin: Origin
    secret_path: Path | None = None


def resolve_profile(
    args: argparse.Namespace, env: Mapping[str, str] = os.environ
) -> tuple[Profile | None, list[str]]:
    """The profile to connect with (``None``: nothing configured, use the sandbox) and warnings."""
    warnings: list[str] = []
    dagtop = load_dagtop(args, env)  # read even for an ad hoc profile: a broken file is reported
    flag = lambda key: getattr(args, key, None)  # noqa: E731
    name = flag("connection") or env.get("DAGTOP_PROFILE") or None
    found: _Found | None
    if name is None and (flag("url") or flag("backend")):
        data = {"name": "ad hoc", "source": "command line", "backend": flag("backend") or "snowflake"}
        found = _Found(data, Origin("command line", ""))
    else:
        found = _from_files(name, dagtop, env)
    if found is None:
        return None, warnings

    # Flags beat every file; errors in their values are blamed on the flag.
    flags = {k: flag(k) for k in ("backend", "url", "database", "schema") if flag(k)}
    found.data.update(flags)
    if flag("read_only"):
        found.data["read_only"] = True
    profile = _validate(found, flags)
    profile = attach_secrets(profile, found.origin, args, env, warnings)
    if found.secret_path is not None and (warning := permission_warning(found.secret_path)):
        warnings.append(warning)
    return profile, warnings + _transport_warnings(profile)


def _from_files(name: str | None, dagtop: DagtopFile, env: Mapping[str, str]) -> _Found | None:
    """The named profile or connection (or the default one); ``None`` when nothing names one."""
    sf: SnowflakeFiles | None = None
    if name is None and dagtop.default_profile:
        name = dagtop.default_profile
        if name not in dagtop.profiles:
            sf = load_snowflake(env)
            if name not in sf.connections:
                raise ConfigError(f"{dagtop.label}: default_profile: no profile or connection named {name!r}")
    if name is None:
        sf = load_snowflake(env)
        name = _default_connection(sf)
        if name is None:
            return None
    if name in dagtop.profiles:
        return _from_dagtop(name, dagtop)
    sf = sf or load_snowflake(env)
    if name not in sf.connections:
        looked = f"looked in {dagtop.label} and {sf.searched}"
        raise ConfigError(f"no profile or connection named {name!r} ({looked})")
    origin = sf.origins[name]
    data = from_connection(name, sf.connections[name], origin)
    holds_secret = any(sf.connections[name].get(k) for k in SECRET_KEYS)
    return _Found(data, origin, sf.paths[name] if holds_secret else None)


def _default_connection(sf: SnowflakeFiles) -> str | None:
    """The Snowflake CLI's default: the configured name, else a connection called "default"."""
    if sf.default_name is not None:
        if sf.default_name not in sf.connections:
            raise ConfigError(f"{sf.default_where}: no connection named {sf.default_name!r}")
        return sf.default_name
    return "default" if "default" in sf.connections else None


def _from_dagtop(name: str, dagtop: DagtopFile) -> _Found:
    """A ``[profiles.NAME]`` table; secrets may only be named there, never written."""
    origin = Origin(dagtop.label, f"profiles.{name}", {"schema_name": "schema"})
    table = dagtop.profiles[name]
    if "token" in table:
        raise origin.error("token", "do not put a token in config.toml; use token_file or token_env")
    if "password" in table:
        raise origin.error(
            "password", "do not put a password in config.toml; use password_env or password_file"
        )
    for key in table:
        if key in INTERNAL_FIELDS:
            raise origin.error(key, "unknown key")
    return _Found({**table, "name": name, "source": origin.where()}, origin)


def _validate(found: _Found, flags: dict[str, Any]) -> Profile:
    """The checked profile; a bad value is blamed on its flag when a flag set it, else on its file key."""
    try:
        profile = Profile.model_validate(found.data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        key = "schema" if loc and loc[0] == "schema_name" else (str(loc[0]) if loc else "")
        if key in flags:
            raise ConfigError(f"--{key}: {describe_problem(exc.errors()[0], FILE_KEYS)}") from None
        raise_validation(exc, found.origin, FILE_KEYS)
        raise  # unreachable: raise_validation always raises
    if profile.ca_bundle and not profile.ca_bundle.expanduser().is_file():
        raise found.origin.error("ca_bundle", f"no such file: {display_path(profile.ca_bundle.expanduser())}")
    return profile


def _transport_warnings(profile: Profile) -> list[str]:
    """What the header should warn about how the connection travels."""
    warnings = []
    if not profile.verify_tls:
        warnings.append(f"{profile.name}: TLS certificate verification is off")
    host = urlsplit(profile.url or "").hostname
    if (profile.url or "").startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        warnings.append(f"{profile.name}: {profile.url} is plain http: the token travels unencrypted")
    return warnings


def profile_names(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> list[str]:
    """Every profile or Snowflake connection the console can switch to: dagtop's first, in file order."""
    names = list(load_dagtop(args, env).profiles)
    names += [name for name in load_snowflake(env).connections if name not in names]
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
        schemas=["all"],  # its failures are spread over several schemas: the inbox shows them all
        token=SecretStr(token),
    )


def load_settings(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> Settings:
    """The ``[settings]`` table of dagtop's config (defaults when there is no file)."""
    dagtop = load_dagtop(args, env)
    try:
        return Settings.model_validate(dagtop.settings)
    except ValidationError as exc:
        raise_validation(exc, Origin(dagtop.label, "settings"), sorted(Settings.model_fields))
        raise
