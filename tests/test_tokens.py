"""Feed tokens and `rota feeds`: made on first use, owner-only, revocable one at a time, kept through publishes."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from models.errors import InputError
from rota.cli import main
from rota.rotadir import publish
from rota.tokens import (
    TOKENS_FILE,
    ensure_tokens,
    feed_file,
    feed_names,
    read_tokens,
    revoke,
    token_matches,
)

CALENDAR = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
FILES = {"rota.ics": CALENDAR, "feeds/alice.ics": CALENDAR, "feeds/primary.ics": CALENDAR, "rota.csv": b"x\n"}


@pytest.fixture
def rota_dir(tmp_path: Path) -> Path:
    """A rota directory's shape without solving anything: the feeds are all the token store looks at."""
    directory = tmp_path / "rota"
    publish(directory, FILES, replace=False)
    return directory


def feeds(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["feeds", *(str(a) for a in args)], catch_exceptions=False)


def test_feed_names_are_team_then_the_feed_files(rota_dir: Path) -> None:
    assert feed_names(rota_dir) == ["team", "alice", "primary"]


@pytest.mark.parametrize("name", ["..", "../rota", "a/b", "", "Alice", "/etc/passwd", "alice.ics", "al ice", "é"])
def test_a_name_that_is_not_a_feed_name_has_no_file(rota_dir: Path, name: str) -> None:
    assert feed_file(rota_dir, name) is None


def test_team_is_rota_ics_and_others_are_in_feeds(rota_dir: Path) -> None:
    assert feed_file(rota_dir, "team") == rota_dir / "rota.ics"
    assert feed_file(rota_dir, "alice") == rota_dir / "feeds" / "alice.ics"


def test_tokens_are_made_once_owner_only_and_long(rota_dir: Path) -> None:
    first = ensure_tokens(rota_dir, feed_names(rota_dir))
    assert ensure_tokens(rota_dir, feed_names(rota_dir)) == first
    assert stat.S_IMODE((rota_dir / TOKENS_FILE).stat().st_mode) == 0o600
    assert len(set(first.values())) == 3
    assert all(len(token) >= 43 for token in first.values())  # 32 bytes in URL-safe base64: 256 bits


def test_revoke_replaces_one_token_only(rota_dir: Path) -> None:
    before = ensure_tokens(rota_dir, feed_names(rota_dir))
    new = revoke(rota_dir, "alice")
    after = read_tokens(rota_dir)
    assert new != before["alice"] and after["alice"] == new
    assert {k: v for k, v in after.items() if k != "alice"} == {k: v for k, v in before.items() if k != "alice"}


def test_token_matches_only_the_feeds_own_token() -> None:
    tokens = {"alice": "secret-a", "bob": "secret-b"}
    assert token_matches(tokens, "alice", "secret-a")
    assert not token_matches(tokens, "alice", "secret-b")
    assert not token_matches(tokens, "alice", None)
    assert not token_matches(tokens, "alice", "")
    assert not token_matches(tokens, "carol", "secret-a")


def test_tokens_survive_a_publish_and_stay_owner_only(rota_dir: Path) -> None:
    tokens = ensure_tokens(rota_dir, feed_names(rota_dir))
    publish(rota_dir, {**FILES, "rota.csv": b"y\n"}, replace=True)
    assert read_tokens(rota_dir) == tokens
    assert stat.S_IMODE((rota_dir / TOKENS_FILE).stat().st_mode) == 0o600


def test_a_revocation_during_publishes_is_never_lost(rota_dir: Path) -> None:
    """Publish copies the token file into the new version; without the shared lock, a token written between
    that copy and the swap would vanish with the old version."""
    ensure_tokens(rota_dir, feed_names(rota_dir))
    last: list[str] = []

    def republish() -> None:
        for _ in range(30):
            publish(rota_dir, FILES, replace=True)

    writer = threading.Thread(target=republish)
    writer.start()
    for _ in range(30):
        last.append(revoke(rota_dir, "alice"))
    writer.join(timeout=60)
    assert read_tokens(rota_dir)["alice"] == last[-1]


def test_a_damaged_token_file_names_itself_and_the_fix(rota_dir: Path) -> None:
    (rota_dir / TOKENS_FILE).write_text("{not json")
    with pytest.raises(InputError, match=r"feed-tokens\.json: not a feed token file; delete it"):
        read_tokens(rota_dir)


# The command -------------------------------------------------------------------------------------------------------


def test_feeds_prints_https_and_webcal_urls_for_every_feed(rota_dir: Path) -> None:
    result = feeds(rota_dir, "--base-url", "https://rota.example.com/")
    assert result.exit_code == 0
    tokens = read_tokens(rota_dir)
    for feed in ("team", "alice", "primary"):
        assert f"  https://rota.example.com/calendar/{feed}.ics?token={tokens[feed]}\n" in result.output
        assert f"  webcal://rota.example.com/calendar/{feed}.ics?token={tokens[feed]}\n" in result.output


def test_feeds_keeps_a_path_prefix_of_the_base_url(rota_dir: Path) -> None:
    result = feeds(rota_dir, "--base-url", "https://example.com/rota")
    assert f"https://example.com/rota/calendar/team.ics?token={read_tokens(rota_dir)['team']}" in result.output


def test_feeds_revoke_prints_the_new_url(rota_dir: Path) -> None:
    old = ensure_tokens(rota_dir, feed_names(rota_dir))["alice"]
    result = feeds(rota_dir, "revoke", "alice", "--base-url", "https://rota.example.com")
    assert result.exit_code == 0
    new = read_tokens(rota_dir)["alice"]
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
        (("revoke", "zed"), "no feed 'zed'; the feeds are team, alice, primary"),
        (("revoke",), "revoke needs a feed: e.g. rota feeds"),
        ((), "--base-url is needed to print URLs: e.g. --base-url https://rota.example.com"),
        (("--base-url", "ftp://rota.example.com"), "--base-url 'ftp://rota.example.com': give the https address"),
        (("--base-url", "https://rota.example.com/?a=1"), "with no query"),
        (("--base-url", "rota.example.com"), "e.g. https://rota.example.com"),
    ],
)
def test_feeds_bad_input_is_exit_2_with_the_fix(rota_dir: Path, args: tuple[str, ...], message: str) -> None:
    result = feeds(rota_dir, *args)
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_feeds_of_a_directory_that_is_no_rota_is_exit_2(tmp_path: Path) -> None:
    result = feeds(tmp_path, "--base-url", "https://rota.example.com")
    assert result.exit_code == 2
    assert f"error: {tmp_path}: not a rota directory (no rota.ics)" in result.output
    assert not (tmp_path / TOKENS_FILE).exists()


def test_serve_of_a_directory_that_is_no_rota_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "missing")], catch_exceptions=False)
    assert result.exit_code == 2
    assert "not a rota directory" in result.output


def test_serve_on_a_port_in_use_is_exit_2(rota_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(rota_dir), "--port", str(port)], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"--port {port}: 127.0.0.1:{port} is in use; choose another --port" in result.output


def test_the_cli_does_not_load_the_server_stack_for_help() -> None:
    import subprocess
    import sys

    code = "import sys, rota.cli; print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
