"""The team file's `notify:` section (docs/notifications.md): durations, channels, and secrets refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from models.loader import load_team
from models.team import parse_duration
from tests.conftest import EXAMPLE, run

TEAM = "team: t\nmembers: [{id: ann}, {id: bob}]\nnotify:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24h", dt.timedelta(hours=24)), ("90m", dt.timedelta(minutes=90)), ("1d12h", dt.timedelta(hours=36)),
     ("30s", dt.timedelta(seconds=30)), (" 2h ", dt.timedelta(hours=2))],
)  # fmt: skip
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["24", "h", "1.5h", "-1h", "2h1d", "", 24])
def test_what_is_not_a_duration(text: object) -> None:
    with pytest.raises(ValueError, match="a duration such as 24h"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "  email: {smtp: 'mail:25', from: a@b.cc, password: hunter2}",
            ":4: notify.email.password: secrets do not belong in the team file (it is copied into every rota "
            "directory); remove 'password', set the secret in an environment variable and name the variable "
            "instead: password_env: ROTA_SMTP_PASSWORD",
        ),
        (
            "  email: {smtp: 'mail:25', from: a@b.cc, username: ann}",
            ":4: notify.email.username: secrets do not belong in the team file",
        ),
        (
            "  webhooks:\n    - {url: 'https://hooks.slack.com/services/T0/B0/hunter2', format: slack}",
            ":5: notify.webhooks[0].url: secrets do not belong in the team file (it is copied into every rota "
            "directory); remove 'url', set the secret in an environment variable and name the variable instead: "
            "url_env: ROTA_SLACK_WEBHOOK",
        ),
        (
            "  webhooks:\n    - {url_env: 'https://hooks.slack.com/services/T0/B0/hunter2', format: slack}",
            ":5: notify.webhooks[0].url_env: the name of an environment variable that holds the secret, "
            "e.g. ROTA_SLACK_WEBHOOK",
        ),
        ("  remind_before: 24", ":4: notify.remind_before: a duration such as 24h, 90m, 2h or 1d12h (got 24)"),
        ("  grace: 30d", ":4: notify.grace: a duration between 1m and 7d (got '30d')"),
        ("  {}", ":3: notify: give email:, webhooks: or both (docs/notifications.md)"),
        ("  email: {smtp: mail, from: a@b.cc}", ":4: notify.email.smtp: host:port, e.g. smtp.example.com:587"),
        ("  email: {smtp: 'mail:25', from: nobody}", ":4: notify.email.from: an address, e.g."),
        (
            "  email: {smtp: 'mail:25', from: a@b.cc, starttls: false, username_env: U, password_env: P}",
            ":4: notify.email.starttls: a login needs starttls: true (a password never goes in clear)",
        ),
        (
            "  email: {smtp: 'mail:25', from: a@b.cc, username_env: U}",
            ":4: notify.email: give both username_env and password_env, or neither",
        ),
        (
            "  webhooks:\n    - {url_env: HOOK, format: slack}\n    - {url_env: HOOK, format: json}",
            ":6: notify.webhooks[1].url_env: HOOK is already a webhook; use it once",
        ),
        ("  webhooks:\n    - {url_env: HOOK, format: teams}", ":5: notify.webhooks[0].format: Input should be"),
    ],
)
def test_a_bad_notify_section_names_the_place_and_the_fix(
    write_team: Callable[[str], Path], section: str, expected: str
) -> None:
    path = write_team(TEAM + section + "\n")
    result = run("check", path, "--quarter", "2027Q1")
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}{expected}"), result.output
    assert "hunter2" not in result.output  # a secret written in the file never reaches the screen


def test_the_example_tells_by_email_and_two_webhooks() -> None:
    settings = load_team(EXAMPLE).notify
    assert settings is not None and settings.email is not None
    assert (settings.remind_before, settings.grace) == (dt.timedelta(hours=24), dt.timedelta(hours=2))
    assert (settings.email.host, settings.email.port, settings.email.starttls) == ("smtp.example.com", 587, True)
    assert [(hook.url_env, hook.format) for hook in settings.webhooks] == [
        ("ROTA_SLACK_WEBHOOK", "slack"),
        ("ROTA_EVENTS_WEBHOOK", "json"),
    ]


def test_the_schema_describes_the_notify_section() -> None:
    schema = json.loads(run("schema").output)
    notify = schema["$defs"]["Notify"]["properties"]
    assert notify["remind_before"]["default"] == "24h" and notify["remind_before"]["type"] == "string"
    assert schema["$defs"]["Email"]["properties"]["from"]["type"] == "string"
    assert schema["$defs"]["Webhook"]["required"] == ["url_env", "format"]
