"""Every bad configuration gives one ConfigError naming the file and the key, and never a secret."""

from __future__ import annotations

import pytest

from tui.config import load_settings, resolve_profile
from tui.errors import ConfigError

GOOD = 'url = "https://a.snowflakecomputing.com"\ndatabase = "D"\nschema = "S"\ntoken_env = "T"\n'


def _error(home, env, parse, write, text: str, *argv: str) -> str:
    write(home / ".config" / "dagtop" / "config.toml", text)
    env["T"] = "tok"
    with pytest.raises(ConfigError) as info:
        resolve_profile(parse(*(argv or ("-c", "prod"))), env)
    return str(info.value)


F = "~/.config/dagtop/config.toml"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('poll_interval = "fast"', f'{F}: profiles.prod.poll_interval: expected a number, got "fast"'),
        ("poll_interval = 0", f"{F}: profiles.prod.poll_interval: expected a number greater than 0, got 0"),
        ('read_only = "yes"', f'{F}: profiles.prod.read_only: expected true or false, got "yes"'),
        ("timeout = [1]", f"{F}: profiles.prod.timeout: expected a number, got an array"),
        ("pol_interval = 3", f'{F}: profiles.prod.pol_interval: unknown key (did you mean "poll_interval"?)'),
        ("sandbox = true", f"{F}: profiles.prod.sandbox: unknown key"),
        (
            'token_type = "PAT"',
            f"{F}: profiles.prod.token_type: expected 'PROGRAMMATIC_ACCESS_TOKEN' or 'OAUTH', got \"PAT\"",
        ),
        (
            'token = "inline-secret"',
            f"{F}: profiles.prod.token: do not put a token in config.toml; use token_file or token_env",
        ),
        (
            'ca_bundle = "/nonexistent/ca.pem"',
            f"{F}: profiles.prod.ca_bundle: no such file: /nonexistent/ca.pem",
        ),
    ],
)
def test_bad_profile_values(home, env, parse, write, extra, message):
    assert _error(home, env, parse, write, "[profiles.prod]\n" + GOOD + extra + "\n") == message


def test_unknown_backend(home, env, parse, write):
    text = '[profiles.prod]\nbackend = "oozie"\n' + GOOD
    assert _error(home, env, parse, write, text) == (
        f"{F}: profiles.prod.backend: expected 'snowflake', 'airflow', 'taipy' or 'qlik', got \"oozie\""
    )


def test_bad_url(home, env, parse, write):
    text = "[profiles.prod]\n" + GOOD.replace("https://a.snowflakecomputing.com", "ftp://x")
    assert _error(home, env, parse, write, text) == (
        f"{F}: profiles.prod.url: expected an http:// or https:// URL"
    )


def test_credentials_in_url_are_refused_without_echo(home, env, parse, write):
    text = "[profiles.prod]\n" + GOOD.replace("https://", "https://me:pw-secret@")
    message = _error(home, env, parse, write, text)
    assert "credentials in the URL are not allowed" in message and "pw-secret" not in message


def test_missing_scope(home, env, parse, write):
    text = '[profiles.prod]\naccount = "a"\ntoken_env = "T"\n'
    assert _error(home, env, parse, write, text) == (
        f"{F}: profiles.prod: database and schema required for the snowflake backend"
    )


def test_no_url_or_account(home, env, parse, write):
    text = '[profiles.prod]\ndatabase = "D"\nschema = "S"\ntoken_env = "T"\n'
    assert _error(home, env, parse, write, text) == f"{F}: profiles.prod: set url or account"


def test_no_credentials(home, env, parse, write):
    text = '[profiles.prod]\naccount = "a"\ndatabase = "D"\nschema = "S"\n'
    assert _error(home, env, parse, write, text).startswith(f"{F}: profiles.prod: no credentials: set ")


def test_token_env_not_set(home, env, parse, write):
    text = "[profiles.prod]\n" + GOOD.replace('"T"', '"UNSET_VAR"')
    assert _error(home, env, parse, write, text) == (
        f"{F}: profiles.prod.token_env: environment variable UNSET_VAR is not set or empty"
    )


def test_token_file_missing_and_empty(home, env, parse, write):
    text = "[profiles.prod]\n" + GOOD.replace('token_env = "T"', 'token_file = "~/p.token"')
    assert _error(home, env, parse, write, text) == (
        f"{F}: profiles.prod.token_file: cannot read ~/p.token: No such file or directory"
    )
    write(home / "p.token", "\n\n")
    assert _error(home, env, parse, write, text) == f"{F}: profiles.prod.token_file: ~/p.token is empty"


def test_token_file_readable_by_others_warns(home, env, parse, write):
    write(home / "p.token", "tok", mode=0o640)
    write(
        home / ".config" / "dagtop" / "config.toml",
        "[profiles.prod]\n" + GOOD.replace('token_env = "T"', 'token_file = "~/p.token"'),
    )
    _, warnings = resolve_profile(parse("-c", "prod"), env)
    assert warnings == [
        "~/p.token holds a secret but is readable by others (mode 0640); run: chmod 0600 ~/p.token"
    ]


def test_toml_syntax_error(home, env, parse, write):
    message = _error(home, env, parse, write, "[profiles.prod]\nurl = \n")
    assert message.startswith(f"{F}: invalid TOML: ") and "line 2" in message


def test_unknown_top_level_key(home, env, parse, write):
    message = _error(home, env, parse, write, 'default_profil = "prod"\n')
    assert message == f'{F}: default_profil: unknown key (did you mean "default_profile"?)'


def test_profile_that_is_not_a_table(home, env, parse, write):
    assert _error(home, env, parse, write, "profiles = { prod = 3 }\n") == (
        f"{F}: profiles.prod: expected a table, got 3"
    )


def test_default_profile_naming_nothing(home, env, parse, write):
    message = _error(home, env, parse, write, 'default_profile = "ghost"\n', "--read-only")
    assert message == f"{F}: default_profile: no profile or connection named 'ghost'"


def test_unknown_name(home, env, parse, write):
    message = _error(home, env, parse, write, "", "-c", "ghost")
    assert message == f"no profile or connection named 'ghost' (looked in {F} and ~/.config/snowflake)"


def test_missing_explicit_config_files(home, env, parse):
    env["DAGTOP_CONFIG"] = str(home / "nope.toml")
    with pytest.raises(ConfigError, match=r"^~/nope\.toml: no such file$"):
        resolve_profile(parse(), env)
    del env["DAGTOP_CONFIG"]
    with pytest.raises(ConfigError, match=r"^~/also-nope\.toml: no such file$"):
        resolve_profile(parse("--config", str(home / "also-nope.toml")), env)


def test_bad_flag_value_is_blamed_on_the_flag(env, parse):
    env["DAGTOP_TOKEN"] = "t"
    with pytest.raises(ConfigError, match=r"^--url: expected an http:// or https:// URL$"):
        resolve_profile(parse("--url", "nonsense", "--database", "D", "--schema", "S"), env)


def test_snowflake_file_errors_name_the_connection_key(home, env, parse, write):
    write(home / ".snowflake" / "connections.toml", "[c]\naccount = 5\n")
    with pytest.raises(ConfigError) as info:
        resolve_profile(parse("-c", "c"), env)
    assert str(info.value) == "~/.snowflake/connections.toml: c.account: expected a string, got 5"
    write(home / ".snowflake" / "connections.toml", "[c\n")
    with pytest.raises(ConfigError, match=r"^~/\.snowflake/connections\.toml: invalid TOML: "):
        resolve_profile(parse("-c", "c"), env)


# Settings -----------------------------------------------------------------------------------------


def test_settings_defaults_and_values(home, env, parse, write):
    assert load_settings(parse(), env).timezone == "local"
    write(
        home / ".config" / "dagtop" / "config.toml",
        '[settings]\ntimezone = "UTC"\ntheme = "nord"\nkeymap = { quit = "ctrl+q" }\n',
    )
    settings = load_settings(parse(), env)
    assert (settings.timezone, settings.theme, settings.keymap) == ("UTC", "nord", {"quit": "ctrl+q"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timezone = "CET"', f"{F}: settings.timezone: expected 'local' or 'UTC', got \"CET\""),
        ("keymap = { quit = 1 }", f"{F}: settings.keymap.quit: expected a string, got 1"),
        ("colour = 1", f"{F}: settings.colour: unknown key"),
    ],
)
def test_bad_settings(home, env, parse, write, text, message):
    write(home / ".config" / "dagtop" / "config.toml", "[settings]\n" + text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(parse(), env)
    assert str(info.value) == message


def test_several_problems_are_all_listed(home, env, parse, write):
    text = "[profiles.prod]\n" + GOOD + 'poll_interval = "fast"\nread_only = "yes"\npol_interval = 3\n'
    assert _error(home, env, parse, write, text).splitlines() == [
        f'{F}: profiles.prod.poll_interval: expected a number, got "fast"',
        f'{F}: profiles.prod.read_only: expected true or false, got "yes"',
        f'{F}: profiles.prod.pol_interval: unknown key (did you mean "poll_interval"?)',
    ]


def test_notify_settings(home, env, parse, write):
    defaults = load_settings(parse(), env).notify
    assert (defaults.bell, defaults.desktop, defaults.command) == (True, "off", [])
    write(
        home / ".config" / "dagtop" / "config.toml",
        '[settings.notify]\nbell = false\ndesktop = "osc777"\ncommand = ["/bin/hook", "--flag"]\n'
        "min_interval = 0\ncommand_timeout = 3\n",
    )
    notify = load_settings(parse(), env).notify
    assert (notify.bell, notify.desktop, notify.command) == (False, "osc777", ["/bin/hook", "--flag"])
    assert (notify.min_interval, notify.command_timeout) == (0, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('desktop = "growl"', "settings.notify.desktop: expected 'osc9', 'osc777' or 'off'"),
        ('bell = "yes"', 'settings.notify.bell: expected true or false, got "yes"'),
        (
            'command = "/bin/hook --flag"',
            "settings.notify.command: expected a list of arguments (argv, no shell)",
        ),
        ('command = [""]', "settings.notify.command: the first argument (the program) must not be empty"),
        ("min_interval = -1", "settings.notify.min_interval:"),
        ("sound = true", "settings.notify.sound: unknown key"),
    ],
)
def test_bad_notify_settings(home, env, parse, write, text, message):
    write(home / ".config" / "dagtop" / "config.toml", "[settings.notify]\n" + text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(parse(), env)
    assert str(info.value).startswith(f"{F}: {message}"), str(info.value)
