"""Which profile wins, and where each value comes from: flags > env > dagtop profile > Snowflake > none."""

from __future__ import annotations

import argparse

import pytest

from tui.config import add_connection_arguments, resolve_profile, sandbox_profile
from tui.errors import ConfigError

PROFILES = """
default_profile = "prod"

[profiles.prod]
url = "https://prod-acct.snowflakecomputing.com"
database = "PROD_DB"
schema = "PUBLIC"
token_file = "~/prod.token"
production = true

[profiles.dev]
account = "myorg-dev_acct"
database = "DEV_DB"
schema = "S"
token_env = "DEV_TOKEN"
"""


@pytest.fixture
def dagtop_config(home, write):
    write(home / "prod.token", "prod-token-value\n")
    return write(home / ".config" / "dagtop" / "config.toml", PROFILES)


def test_nothing_configured_means_sandbox(env, parse):
    assert resolve_profile(parse(), env) == (None, [])


def test_default_profile_and_token_file(dagtop_config, env, parse):
    profile, warnings = resolve_profile(parse(), env)
    assert profile is not None and warnings == []
    assert (profile.name, profile.url, profile.database, profile.schema_name) == (
        "prod",
        "https://prod-acct.snowflakecomputing.com",
        "PROD_DB",
        "PUBLIC",
    )
    assert profile.production and not profile.sandbox
    assert profile.token.get_secret_value() == "prod-token-value"
    assert profile.auth == "token"
    assert profile.source == "~/.config/dagtop/config.toml: profiles.prod"


def test_url_derived_from_account_and_token_env(dagtop_config, env, parse):
    env["DEV_TOKEN"] = "dev-token"
    profile, _ = resolve_profile(parse("-c", "dev"), env)
    assert profile.url == "https://myorg-dev-acct.snowflakecomputing.com"
    assert profile.token.get_secret_value() == "dev-token"


def test_dagtop_profile_env_chooses_and_flag_beats_it(dagtop_config, env, parse):
    env["DEV_TOKEN"] = "dev-token"
    env["DAGTOP_PROFILE"] = "dev"
    assert resolve_profile(parse(), env)[0].name == "dev"
    assert resolve_profile(parse("-c", "prod"), env)[0].name == "prod"


def test_token_precedence_flag_then_env_then_profile(dagtop_config, home, env, parse, write):
    env["DAGTOP_TOKEN"] = "from-env"
    assert resolve_profile(parse(), env)[0].token.get_secret_value() == "from-env"
    flag_file = write(home / "flag.token", "from-flag")
    profile, _ = resolve_profile(parse("--token-file", str(flag_file)), env)
    assert profile.token.get_secret_value() == "from-flag"


def test_flags_override_profile_fields(dagtop_config, env, parse):
    profile, _ = resolve_profile(
        parse(
            "-c", "prod", "--database", "OTHER", "--schema", "X", "--url", "https://h.example/", "--read-only"
        ),
        env,
    )
    assert (profile.database, profile.schema_name, profile.url, profile.read_only) == (
        "OTHER",
        "X",
        "https://h.example",
        True,
    )
    assert profile.name == "prod"


def test_dagtop_profile_beats_snowflake_connection_of_same_name(dagtop_config, home, env, parse, write):
    write(home / ".snowflake" / "connections.toml", '[prod]\naccount = "sf-acct"\ntoken = "sf-tok"\n')
    profile, _ = resolve_profile(parse("-c", "prod"), env)
    assert profile.url == "https://prod-acct.snowflakecomputing.com"
    assert profile.token.get_secret_value() == "prod-token-value"


def test_ad_hoc_borrows_nothing_from_files(dagtop_config, env, parse):
    env["DAGTOP_TOKEN"] = "adhoc-token"
    profile, _ = resolve_profile(
        parse("--backend", "snowflake", "--url", "http://127.0.0.1:9", "--database", "D", "--schema", "S"),
        env,
    )
    assert (profile.name, profile.source, profile.production) == ("ad hoc", "command line", False)
    assert profile.token.get_secret_value() == "adhoc-token"


def test_ad_hoc_without_token_says_how_to_pass_one(env, parse):
    args = parse("--url", "https://x.snowflakecomputing.com", "--database", "D", "--schema", "S")
    with pytest.raises(ConfigError, match="export DAGTOP_TOKEN or pass --token-file"):
        resolve_profile(args, env)


def test_there_is_no_token_flag_not_even_as_an_abbreviation(parse, capsys):
    with pytest.raises(SystemExit):
        parse("--token", "abc")
    assert "unrecognized arguments: --token abc" in capsys.readouterr().err


def test_url_without_a_name_is_ad_hoc_even_with_a_default_profile(dagtop_config, env, parse):
    with pytest.raises(ConfigError, match="export DAGTOP_TOKEN"):
        resolve_profile(parse("--url", "https://h.example", "--database", "D", "--schema", "S"), env)


def test_ad_hoc_over_plain_http_to_a_remote_host_warns(env, parse):
    env["DAGTOP_TOKEN"] = "t"
    _, warnings = resolve_profile(
        parse("--url", "http://example.com", "--database", "D", "--schema", "S"), env
    )
    assert any("unencrypted" in w for w in warnings)


def test_verify_tls_off_warns(home, env, parse, write):
    write(
        home / "cfg.toml",
        '[profiles.p]\nurl = "https://h.example"\ndatabase = "D"\nschema = "S"\nverify_tls = false\n',
    )
    env.update(DAGTOP_CONFIG=str(home / "cfg.toml"), DAGTOP_TOKEN="t")
    profile, warnings = resolve_profile(parse("-c", "p"), env)
    assert profile.verify_tls is False
    assert warnings == ["p: TLS certificate verification is off"]


def test_subcommand_flags_do_not_clobber_main_parser_values():
    parser = argparse.ArgumentParser(prog="dagtop")
    add_connection_arguments(parser)
    sub = parser.add_subparsers(dest="command")
    get = sub.add_parser("get")
    add_connection_arguments(get, defaults=False)
    args = parser.parse_args(["-c", "prod", "--read-only", "get"])
    assert (args.connection, args.read_only) == ("prod", True)
    args = parser.parse_args(["get", "-c", "dev"])
    assert args.connection == "dev"


def test_sandbox_profile():
    profile = sandbox_profile("http://127.0.0.1:5000", "sandbox-secret", "SANDBOX", "PUBLIC")
    assert profile.sandbox and profile.auth == "token"
    assert profile.location == "http://127.0.0.1:5000 SANDBOX.PUBLIC"
    assert "sandbox-secret" not in repr(profile) + str(profile) + profile.model_dump_json()
