"""Secrets never leak (screen, screenshots, logs, exceptions, reprs, journal); TLS verification on by
default, a CA bundle works, verification off needs the setting and shows in the header; bad key files
through the real ``dagtop`` entry point exit 2 with one line and no traceback."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.reliability.support import SIZE, TOKEN, build, console_app, header, notifications, settle, tick
from tui.backends.factory import open_backend
from tui.backends.http import HttpClient, HttpSettings
from tui.config import resolve_profile
from tui.errors import TransportError
from tui.sandbox import ManualClock
from tui.widgets.header import connection_info

pytestmark = pytest.mark.anyio
LOOPBACK = "127.0.0.1"

# --------------------------------------------------------------------------------------------- secrets


class EchoesSecrets(httpx.AsyncBaseTransport):
    """While ``on``: answers every GET 500 with an error body echoing the request's Authorization header,
    the token bare and URL-encoded, and a request id made of it — a careless proxy's worst."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.on = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.on:
            return await self.inner.handle_async_request(request)
        auth = request.headers.get("authorization", "")
        body = {"code": TOKEN, "message": f"denied for {auth}; token={TOKEN}; raw {TOKEN}"}
        return httpx.Response(500, json=body, headers={"x-snowflake-request-id": TOKEN})


async def test_the_token_appears_in_no_artefact(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    journal = tmp_path / "journal.jsonl"
    rig = build(journal_path=journal, wrap=EchoesSecrets)
    artefacts: list[str] = []
    async with rig.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = rig.app.screen
        rig.backend.client.http._client._transport.on = True
        await tick(rig.clock, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert screen.freshness.stale and any("denied" in n for n in notifications(rig.app))
        # An action answered by the echoing server (500): its notification and journal entry.
        key = next(r.task.key for r in screen.rows if r.task.is_root)
        await rig.app.perform_action(_plan(rig, key), rig.app.backend, rig.app.connection.profile).wait()
        await settle(pilot)
        artefacts += notifications(rig.app)
        artefacts += [screen.freshness.last_error or "", header(rig.app), rig.app.export_screenshot()]
        artefacts += [repr(rig.backend), repr(rig.backend.client), repr(rig.backend.client.http)]
        try:
            await rig.backend.list_tasks()
        except Exception as exc:
            artefacts += [str(exc), repr(exc), exc.describe()]  # type: ignore[attr-defined]
        else:
            raise AssertionError("the echoing server should have failed the call")
    artefacts += [caplog.text, journal.read_text()]
    assert "denied for Bearer ***" in caplog.text or "denied" in "".join(artefacts)
    for artefact in artefacts:
        assert TOKEN not in artefact
        assert TOKEN.replace("-", "%2D") not in artefact


def _plan(rig, key: str):
    from tui.services.actions import ActionKind, plan_action

    task = next(r.task for r in rig.app.screen.rows if r.task.key == key)
    return plan_action(ActionKind.EXECUTE, task, rig.backend.location, rig.backend)


# --------------------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed CA-less certificate for 127.0.0.1 (its own CA bundle) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
async def tls_url(tls_files) -> AsyncIterator[str]:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = b'[{"name": "DB"}]'
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
            writer.write(b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


async def _databases(url: str, verify: bool | str) -> object:
    async with HttpClient(url, settings=HttpSettings(rate=None, max_attempts=1), verify=verify) as client:
        return await client.get_json("/api/v2/databases")


@pytest.mark.tcp
async def test_tls_verification_on_by_default_and_a_ca_bundle_works(tls_url, tls_files) -> None:
    with pytest.raises(TransportError, match=r"(?i)certificate verify failed"):
        await _databases(tls_url, True)
    assert await _databases(tls_url, str(tls_files[0])) == [{"name": "DB"}]
    assert await _databases(tls_url, False) == [{"name": "DB"}]


def _profile(tmp_path: Path, monkeypatch, url: str, extra: str) -> object:
    import argparse

    from tui.config import add_connection_arguments

    home = tmp_path / "home"
    (home / ".config" / "dagtop").mkdir(parents=True, exist_ok=True)
    token = home / "token"
    token.write_text(TOKEN)
    token.chmod(0o600)
    config = home / ".config" / "dagtop" / "config.toml"
    config.write_text(
        f'[profiles.p]\nurl = "{url}"\ndatabase = "D"\nschema = "S"\ntoken_file = "{token}"\n{extra}'
    )
    config.chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for var in ("DAGTOP_CONFIG", "DAGTOP_TOKEN", "DAGTOP_PROFILE", "SNOWFLAKE_HOME", "SNOWFLAKE_CONNECTIONS"):
        monkeypatch.delenv(var, raising=False)
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    profile, _ = resolve_profile(parser.parse_args(["-c", "p"]), dict(os.environ))
    return profile


@pytest.mark.tcp
@pytest.mark.parametrize(
    ("extra", "works", "badge"),
    [("", False, False), ('ca_bundle = "{ca}"\n', True, False), ("verify_tls = false\n", True, True)],
    ids=["default", "ca-bundle", "verify-off"],
)
async def test_tls_settings_from_a_profile_and_the_header_badge(
    extra, works, badge, tls_url, tls_files, tmp_path, monkeypatch
) -> None:
    profile = _profile(tmp_path, monkeypatch, tls_url, extra.format(ca=tls_files[0]))
    backend = open_backend(profile)
    try:
        if works:
            assert await backend.client.list_databases() == ["DB"]
        else:
            with pytest.raises(TransportError, match=r"(?i)certificate verify failed"):
                await backend.client.list_databases()
        info = connection_info(profile, backend)
        assert info.verify_tls is not badge
        app = console_app(backend, ManualClock(), verify_tls=info.verify_tls)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert ("TLS VERIFY OFF" in header(app)) is badge
    finally:
        await backend.aclose()


# --------------------------------------------------------------------------------------------- bad config


def _dagtop(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right-pass"),
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong-passphrase", "jwt.private_key_path: cannot load ~/key.p8: wrong passphrase"),
        ("unreadable-key", "jwt.private_key_path: cannot read ~/key.p8"),
        ("not-a-key", "jwt.private_key_path: cannot load ~/key.p8"),
    ],
)
@pytest.mark.parametrize("command", [["get", "tasks"], []], ids=["get", "console"])
def test_bad_key_files_through_the_real_entry_point(case, message, command, tmp_path, rsa_pem) -> None:
    home = tmp_path / "home"
    (home / ".snowflake").mkdir(parents=True)
    key = home / "key.p8"
    if case == "unreadable-key":
        key.mkdir()  # a directory: unreadable as a file even for root
    else:
        key.write_bytes(rsa_pem if case == "wrong-passphrase" else b"-----BEGIN NONSENSE-----\n")
        key.chmod(0o600)
    connections = home / ".snowflake" / "connections.toml"
    connections.write_text(
        '[jwt]\naccount = "org-acct"\nuser = "me"\ndatabase = "D"\nschema = "S"\n'
        f'authenticator = "SNOWFLAKE_JWT"\nprivate_key_path = "{key}"\nprivate_key_file_pwd = "wrong-pass"\n'
    )
    connections.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGTOP_", "SNOWFLAKE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_COLOR="1")
    proc = _dagtop(env, *command, "-c", "jwt")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "connections.toml" in proc.stderr and message in proc.stderr
    assert "wrong-pass" not in proc.stderr and "BEGIN" not in proc.stderr
    assert json.dumps(proc.stderr)  # one plain line
