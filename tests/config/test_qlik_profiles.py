"""Qlik profiles: the tenant URL, an API key (token_env, token_file, DAGTOP_TOKEN or token_command), the
apps to list per resourceId, the 600 requests/minute budget by default; the factory builds the backend."""

from __future__ import annotations

import pytest

from tui.backends.airflow import CommandTokenAuth
from tui.backends.auth import BearerAuth
from tui.backends.factory import open_backend
from tui.backends.qlik import QlikBackend
from tui.config import resolve_profile
from tui.errors import ConfigError

PROFILES = """
[profiles.qlik]
backend = "qlik"
url = "https://acme.eu.qlikcloud.com/"
token_env = "QLIK_API_KEY"
apps = ["app-1", "app-2"]

[profiles.qlikfile]
backend = "qlik"
url = "https://acme.eu.qlikcloud.com"
token_file = "~/qlik.key"
request_budget = 120

[profiles.qlikcmd]
backend = "qlik"
url = "https://acme.eu.qlikcloud.com"
token_command = "print-key --tenant acme"

[profiles.qliknothing]
backend = "qlik"
url = "https://acme.eu.qlikcloud.com"
"""


@pytest.fixture
def config(home, write):
    write(home / "qlik.key", "key-from-file\n")
    return write(home / ".config" / "dagtop" / "config.toml", PROFILES)


def test_an_api_key_from_env_and_the_apps_to_list(config, env, parse):
    env["QLIK_API_KEY"] = "key-from-env"
    profile, warnings = resolve_profile(parse("-c", "qlik"), env)
    assert warnings == []
    assert profile.backend == "qlik" and profile.url == "https://acme.eu.qlikcloud.com"
    assert profile.auth == "token" and profile.token.get_secret_value() == "key-from-env"
    assert profile.apps == ["app-1", "app-2"] and profile.location == "https://acme.eu.qlikcloud.com"
    assert profile.request_budget == 600  # Qlik's published limit for the Tasks API
    assert "key-from-env" not in repr(profile)
    backend = open_backend(profile)
    assert isinstance(backend, QlikBackend) and isinstance(backend.http._auth, BearerAuth)
    assert backend.apps == ("app-1", "app-2") and backend.request_rate == 10.0
    assert backend.location == "https://acme.eu.qlikcloud.com (Qlik Cloud)"


def test_a_key_file_and_a_budget_of_its_own(config, env, parse):
    profile, _ = resolve_profile(parse("-c", "qlikfile"), env)
    assert profile.token.get_secret_value() == "key-from-file" and profile.request_budget == 120


def test_a_key_command(config, env, parse):
    profile, _ = resolve_profile(parse("-c", "qlikcmd"), env)
    assert profile.auth == "command"
    assert isinstance(open_backend(profile).http._auth, CommandTokenAuth)


def test_no_key_names_the_profile_and_the_ways_to_give_one(config, env, parse):
    with pytest.raises(ConfigError, match=r"profiles\.qliknothing.*no API key: set token_env, token_file"):
        resolve_profile(parse("-c", "qliknothing"), env)
    with pytest.raises(ConfigError, match="QLIK_API_KEY is not set"):
        resolve_profile(parse("-c", "qlik"), env)


def test_ad_hoc_qlik_from_flags(home, env, parse):
    env["DAGTOP_TOKEN"] = "key"
    profile, _ = resolve_profile(parse("--backend", "qlik", "--url", "https://acme.us.qlikcloud.com"), env)
    assert profile.backend == "qlik" and profile.auth == "token" and profile.request_budget == 600
