"""Feed tokens and `rota feeds`: one per feed for the life of the team, owner-only, revocable one at a time."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from models.errors import InputError
from models.loader import load_team
from rota.cli import main
from rota.home.home import TOKENS_FILE, Home, find_home
from rota.home.tokens import ensure_tokens, read_tokens, revoke, team_feeds, token_matches

TEAM = """\
team: t
roles: [primary]
members:
  - {id: alice}
  - {id: bob}
"""


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A home with a team file and nothing published: the team file is all the token store looks at."""
    (tmp_path / "team.yaml").write_text(TEAM)
    return find_home(tmp_path / "team.yaml")


def all_feeds(home: Home) -> list[str]:
    return team_feeds(load_team(home.team_file))


def feeds(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["feeds", *(str(a) for a in args)], catch_exceptions=False)


def test_the_feeds_are_the_team_then_roles_then_members(home: Home) -> None:
    assert all_feeds(home) == ["team", "primary", "alice", "bob"]


def test_tokens_are_made_once_owner_only_and_long(home: Home) -> None:
    first = ensure_tokens(home, all_feeds(home))
    assert ensure_tokens(home, all_feeds(home)) == first
    assert stat.S_IMODE(home.tokens_file.stat().st_mode) == 0o600
    assert len(set(first.values())) == 4
    assert all(len(token) >= 43 for token in first.values())  # 32 bytes in URL-safe base64: 256 bits


def test_revoke_replaces_one_token_only(home: Home) -> None:
    before = ensure_tokens(home, all_feeds(home))
    new = revoke(home, "alice")
    after = read_tokens(home.tokens_file)
    assert new != before["alice"] and after["alice"] == new
    assert {k: v for k, v in after.items() if k != "alice"} == {k: v for k, v in before.items() if k != "alice"}


def test_token_matches_only_the_feeds_own_token() -> None:
    tokens = {"alice": "secret-a", "bob": "secret-b"}
    assert token_matches(tokens, "alice", "secret-a")
    assert not token_matches(tokens, "alice", "secret-b")
    assert not token_matches(tokens, "alice", None)
    assert not token_matches(tokens, "alice", "")
    assert not token_matches(tokens, "carol", "secret-a")


def test_revocations_from_many_threads_are_never_lost(home: Home) -> None:
    ensure_tokens(home, all_feeds(home))
    made: dict[str, str] = {}

    def revoke_one(feed: str) -> None:
        made[feed] = revoke(home, feed)

    threads = [threading.Thread(target=revoke_one, args=(feed,)) for feed in all_feeds(home)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert read_tokens(home.tokens_file) == made


def test_a_damaged_token_file_names_itself_and_the_fix(home: Home) -> None:
    home.tokens_file.write_text("{not json")
    with pytest.raises(InputError, match=r"feed-tokens\.json: not a feed token file; delete it"):
        read_tokens(home.tokens_file)


# The command -------------------------------------------------------------------------------------------------------


def test_feeds_prints_https_and_webcal_urls_for_every_feed(home: Home) -> None:
    result = feeds(home.team_file, "--base-url", "https://rota.example.com/")
    assert result.exit_code == 0
    tokens = read_tokens(home.tokens_file)
    for feed in ("team", "primary", "alice", "bob"):
        assert f"  https://rota.example.com/calendar/{feed}.ics?token={tokens[feed]}\n" in result.output
        assert f"  webcal://rota.example.com/calendar/{feed}.ics?token={tokens[feed]}\n" in result.output


def test_feeds_keeps_a_path_prefix_of_the_base_url(home: Home) -> None:
    result = feeds(home.team_file, "--base-url", "https://example.com/rota")
    assert f"https://example.com/rota/calendar/team.ics?token={read_tokens(home.tokens_file)['team']}" in result.output


def test_feeds_revoke_prints_the_new_url(home: Home) -> None:
    old = ensure_tokens(home, all_feeds(home))["alice"]
    result = feeds(home.team_file, "revoke", "alice", "--base-url", "https://rota.example.com")
    assert result.exit_code == 0
    new = read_tokens(home.tokens_file)["alice"]
    assert new != old
    assert result.output == (
        "revoked alice's token: its old URL now answers 404\n"
        "alice\n"
        f"  https://rota.example.com/calendar/alice.ics?token={new}\n"
        f"  webcal://rota.example.com/calendar/alice.ics?token={new}\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (("revoke", "zed"), "no feed 'zed'; the feeds are team, primary, alice, bob"),
        (("revoke",), "revoke needs a feed: e.g. rota feeds"),
        ((), "--base-url is needed to print URLs: e.g. --base-url https://rota.example.com"),
        (("--base-url", "ftp://rota.example.com"), "--base-url 'ftp://rota.example.com': give the https address"),
        (("--base-url", "https://rota.example.com/?a=1"), "with no query"),
        (("--base-url", "rota.example.com"), "e.g. https://rota.example.com"),
    ],
)
def test_feeds_bad_input_is_exit_2_with_the_fix(home: Home, args: tuple[str, ...], message: str) -> None:
    result = feeds(home.team_file, *args)
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_feeds_of_a_directory_that_is_no_home_is_exit_2(tmp_path: Path) -> None:
    result = feeds(tmp_path, "--base-url", "https://rota.example.com")
    assert result.exit_code == 2
    assert f"error: {tmp_path}: not a team home (no team.yaml) nor a rota directory" in result.output
    assert not (tmp_path / TOKENS_FILE).exists()


def test_serve_of_a_home_with_nothing_published_is_exit_2(home: Home) -> None:
    result = CliRunner().invoke(main, ["serve", str(home.team_file)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "no published rota yet; run `rota generate" in result.output


def test_serve_on_a_port_in_use_is_exit_2(tmp_path: Path) -> None:
    from tests.helpers import EXAMPLE

    home = tmp_path / "team.yaml"
    home.write_bytes(EXAMPLE.read_bytes())
    generated = CliRunner().invoke(main, ["generate", str(home), "--start", "2027-01-05", "--weeks", "2", "-q"])
    assert generated.exit_code == 0, generated.output
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(home), "--port", str(port)], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"--port {port}: 127.0.0.1:{port} is in use; choose another --port" in result.output


def test_the_cli_does_not_load_the_server_stack_for_help() -> None:
    import subprocess
    import sys

    code = "import sys, rota.cli; print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
