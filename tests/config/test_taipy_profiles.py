"""Taipy profiles: a url and nothing else (Taipy community REST has no auth); a bearer token only when
one is set, for a proxy in front of it; ``--backend taipy --url URL`` makes an ad hoc profile."""

from __future__ import annotations

import pytest

from tui.backends.auth import BearerAuth
from tui.backends.factory import open_backend
from tui.backends.taipy import TaipyBackend
from tui.config import resolve_profile

PROFILES = """
[profiles.tp]
backend = "taipy"
url = "http://127.0.0.1:5000"

[profiles.tpproxy]
backend = "taipy"
url = "https://taipy.example.com"
token_env = "TP_TOKEN"
"""


@pytest.fixture
def config(home, write):
    return write(home / ".config" / "dagtop" / "config.toml", PROFILES)


@pytest.mark.anyio
async def test_a_taipy_profile_needs_only_a_url(config, env, parse):
    profile, warnings = resolve_profile(parse("-c", "tp"), env)
    assert warnings == [] and profile.backend == "taipy" and profile.auth == "none"
    assert profile.location == "http://127.0.0.1:5000"
    backend = open_backend(profile)
    try:
        assert isinstance(backend, TaipyBackend) and backend.http._auth is None
    finally:
        await backend.aclose()


@pytest.mark.anyio
async def test_a_token_is_sent_as_a_bearer_for_a_proxy(config, env, parse):
    env["TP_TOKEN"] = "proxy-token"
    profile, _ = resolve_profile(parse("-c", "tpproxy"), env)
    backend = open_backend(profile)
    try:
        assert isinstance(backend.http._auth, BearerAuth)
        assert "proxy-token" in backend.http.secrets()  # redacted wherever it could show
    finally:
        await backend.aclose()


def test_ad_hoc_taipy_from_flags_needs_no_token(home, env, parse):
    profile, _ = resolve_profile(parse("--backend", "taipy", "--url", "http://127.0.0.1:5000/"), env)
    assert profile.backend == "taipy" and profile.url == "http://127.0.0.1:5000"
