"""Airflow profiles: username + password (env or file), a token (env, file, DAGTOP_TOKEN) or a token
command; no database or schema needed; secrets never in config.toml; the factory builds the backend."""

from __future__ import annotations

import pytest

from tui.backends.airflow import AirflowBackend, CommandTokenAuth, LoginAuth
from tui.backends.auth import BearerAuth
from tui.backends.factory import open_backend
from tui.config import resolve_profile
from tui.errors import ConfigError

PROFILES = """
[profiles.af3]
backend = "airflow"
url = "http://127.0.0.1:8080/"
username = "admin"
password_env = "AF_PASSWORD"

[profiles.af2]
backend = "airflow"
url = "http://127.0.0.1:8081"
username = "admin"
password_file = "~/af.password"

[profiles.aftoken]
backend = "airflow"
url = "https://airflow.example.com"
token_env = "AF_TOKEN"

[profiles.afcmd]
backend = "airflow"
url = "https://airflow.example.com"
token_command = "print-token --audience airflow"

[profiles.afnothing]
backend = "airflow"
url = "https://airflow.example.com"

[profiles.afnouser]
backend = "airflow"
url = "https://airflow.example.com"
password_env = "AF_PASSWORD"
"""


@pytest.fixture
def config(home, write):
    write(home / "af.password", "file-password\n")
    return write(home / ".config" / "dagtop" / "config.toml", PROFILES)


def test_login_from_env_needs_no_database_or_schema(config, env, parse):
    env["AF_PASSWORD"] = "env-password"
    profile, warnings = resolve_profile(parse("-c", "af3"), env)
    assert warnings == []
    assert profile.backend == "airflow" and profile.url == "http://127.0.0.1:8080"
    assert profile.auth == "login" and profile.username == "admin"
    assert profile.password.get_secret_value() == "env-password"
    assert profile.location == "http://127.0.0.1:8080"
    assert "env-password" not in repr(profile)


def test_login_from_file(config, env, parse):
    profile, _ = resolve_profile(parse("-c", "af2"), env)
    assert profile.auth == "login" and profile.password.get_secret_value() == "file-password"


def test_token_env_and_dagtop_token_beat_the_login(config, env, parse):
    env["AF_TOKEN"] = "jwt-from-env"
    profile, _ = resolve_profile(parse("-c", "aftoken"), env)
    assert profile.auth == "token" and profile.token.get_secret_value() == "jwt-from-env"
    env["AF_PASSWORD"] = "env-password"
    env["DAGTOP_TOKEN"] = "jwt-from-dagtop-token"
    profile, _ = resolve_profile(parse("-c", "af3"), env)
    assert profile.auth == "token" and profile.token.get_secret_value() == "jwt-from-dagtop-token"


def test_token_command(config, env, parse):
    profile, _ = resolve_profile(parse("-c", "afcmd"), env)
    assert profile.auth == "command" and profile.token_command == "print-token --audience airflow"


def test_missing_credentials_name_the_file_and_key(config, env, parse):
    with pytest.raises(ConfigError, match=r"profiles\.afnothing.*no credentials.*password_env"):
        resolve_profile(parse("-c", "afnothing"), env)
    with pytest.raises(ConfigError, match="AF_PASSWORD is not set"):
        resolve_profile(parse("-c", "af3"), env)
    env["AF_PASSWORD"] = "x"
    with pytest.raises(ConfigError, match="username"):
        resolve_profile(parse("-c", "afnouser"), env)


def test_a_password_in_the_file_is_refused(home, write, env, parse):
    write(
        home / ".config" / "dagtop" / "config.toml",
        '[profiles.bad]\nbackend = "airflow"\nurl = "http://h"\nusername = "a"\npassword = "hunter2"\n',
    )
    with pytest.raises(ConfigError, match="password_env or password_file") as info:
        resolve_profile(parse("-c", "bad"), env)
    assert "hunter2" not in str(info.value)


def test_ad_hoc_airflow_from_flags(home, env, parse):
    env["DAGTOP_TOKEN"] = "tok"
    profile, _ = resolve_profile(parse("--backend", "airflow", "--url", "http://127.0.0.1:9"), env)
    assert profile.backend == "airflow" and profile.auth == "token"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "auth_type"),
    [("af3", LoginAuth), ("aftoken", BearerAuth), ("afcmd", CommandTokenAuth)],
)
async def test_factory_builds_the_airflow_backend(config, env, parse, name, auth_type):
    env["AF_PASSWORD"] = "env-password"
    env["AF_TOKEN"] = "jwt-from-env"
    profile, _ = resolve_profile(parse("-c", name), env)
    backend = open_backend(profile)
    try:
        assert isinstance(backend, AirflowBackend) and backend.kind == "airflow"
        assert isinstance(backend.http._auth, auth_type)
        assert "env-password" not in repr(backend) and "jwt-from-env" not in repr(backend)
        if isinstance(backend.http._auth, LoginAuth):
            assert backend.http._auth.token_url == "http://127.0.0.1:8080/auth/token"
    finally:
        await backend.aclose()
