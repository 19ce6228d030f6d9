"""`rota serve` as a subscriber meets it: a real uvicorn process on 127.0.0.1, real HTTP, real calendar parsers.

A four-week rota of the example team is generated and served for the whole module; tests that change it
(revoke, regenerate) check only what they changed.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import icalendar
import pytest
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream

from rota.cli import main
from rota.exports.rota_csv import read_rota_csv
from rota.home import commit
from tests.helpers import EXAMPLE, ROTA, free_port, wait_until_ready

FEEDS = ("team", "primary", "secondary", "alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan")


def cli(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class Server:
    rota_dir: Path
    team_file: Path
    base: str
    log_path: Path
    tokens_used: set[str] = field(default_factory=set)

    def token(self, feed: str) -> str:
        token: str = json.loads((self.team_file.parent / "feed-tokens.json").read_text())["tokens"][feed]
        self.tokens_used.add(token)
        return token

    def url(self, feed: str, token: str | None = None) -> str:
        query = "" if token is None else f"?token={token}"
        return f"{self.base}/calendar/{feed}.ics{query}"

    def raw(self, method: str, target: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """A request with the target sent byte for byte (httpx would normalise `..` away); no Accept header."""
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    team_file = root / "team.yaml"
    team_file.write_bytes(EXAMPLE.read_bytes())
    rota_dir = root / "rota"
    cli("generate", team_file, "--out", rota_dir, "--quiet",
        "--start", "2027-01-05", "--weeks", "4", "--time-limit", "5", "--now", "2026-12-01")  # fmt: skip
    port = free_port()
    log_path = root / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [ROTA, "serve", team_file, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base)
        yield Server(rota_dir, team_file, base, log_path)
    finally:
        process.terminate()
        process.wait(timeout=10)


def not_found_shape(response: httpx.Response | http.client.HTTPResponse, body: bytes) -> tuple[object, ...]:
    """What a 404 shows a caller, minus the Date header: must be the same for every kind of miss."""
    headers = sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() != "date")
    status = response.status_code if isinstance(response, httpx.Response) else response.status
    return status, headers, body


@pytest.fixture(scope="module")
def unknown_feed_404(server: Server) -> tuple[object, ...]:
    response = httpx.get(server.url("nobody", server.token("alice")))
    return not_found_shape(response, response.content)


# Serving -------------------------------------------------------------------------------------------------------


def test_healthz(server: Server) -> None:
    assert httpx.get(f"{server.base}/healthz").status_code == 200


@pytest.mark.parametrize("feed", FEEDS)
def test_each_feed_is_served_with_its_token_and_loads_in_three_parsers(server: Server, feed: str) -> None:
    response = httpx.get(server.url(feed, server.token(feed)))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private"
    on_disk = server.rota_dir / ("rota.ics" if feed == "team" else f"feeds/{feed}.ics")
    assert response.content == on_disk.read_bytes()
    text = response.text
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")  # none for a member off this period: still valid
    vobject.readOne(text, validate=True)
    assert len(IcsCalendarStream.calendar_from_ics(text).events) == len(events)
    assert events or feed not in ("team", "primary", "secondary")


def test_no_accept_header_is_needed(server: Server) -> None:
    response = server.raw("GET", f"/calendar/alice.ics?token={server.token('alice')}")  # http.client sends no Accept
    assert response.status == 200


def test_head_gives_the_headers_of_get_and_no_body(server: Server) -> None:
    url = server.url("primary", server.token("primary"))
    get, head = httpx.get(url), httpx.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
        assert head.headers[name] == get.headers[name]


# Caching ---------------------------------------------------------------------------------------------------------


def test_etag_is_strong_over_the_bytes_and_if_none_match_gives_304(server: Server) -> None:
    import hashlib

    url = server.url("bob", server.token("bob"))
    first = httpx.get(url)
    assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_if_modified_since_gives_304_and_an_older_date_gives_200(server: Server) -> None:
    url = server.url("carol", server.token("carol"))
    modified = httpx.get(url).headers["last-modified"]
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(server: Server) -> None:
    url = server.url("dan", server.token("dan"))
    modified = httpx.get(url).headers["last-modified"]
    response = httpx.get(url, headers={"If-None-Match": '"another version"', "If-Modified-Since": modified})
    assert response.status_code == 200


# Refusals: every miss is the same 404 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "feed, token",
    [
        ("alice", "wrong-token"),
        ("alice", None),
        ("alice", ""),
        ("alice", "bob"),  # another feed's token
        ("primary", "alice"),  # a member's token does not open a role feed
        ("nobody", "alice"),  # unknown feed
        ("rota", "team"),  # the team feed's file name, not a feed
        ("feed-tokens", "team"),
    ],
)
def test_a_wrong_missing_or_borrowed_token_is_the_unknown_feed_404(
    server: Server, unknown_feed_404: tuple[object, ...], feed: str, token: str | None
) -> None:
    if token in FEEDS:
        token = server.token(token)
    response = httpx.get(server.url(feed, token))
    assert not_found_shape(response, response.content) == unknown_feed_404


@pytest.mark.parametrize(
    "target",
    [
        "/calendar/../rota.csv",
        "/calendar/../feed-tokens.json",
        "/calendar/..%2Frota.ics?token={team}",
        "/calendar/..%2F..%2Fetc%2Fpasswd.ics",
        "/calendar/%2E%2E.ics?token={team}",
        "/calendar/feeds%2Falice.ics?token={alice}",
        "/calendar/feeds/alice.ics?token={alice}",
        "/calendar//etc/passwd.ics",
        "/calendar/%2Fetc%2Fpasswd.ics",
        "/calendar/team.yaml.ics?token={team}",
        "/calendar/alice.ics.ics?token={alice}",
        "/calendar/Alice.ics?token={alice}",
        "/feeds/alice.ics",
        "/rota.ics",
        "/feed-tokens.json",
        "http://127.0.0.1/etc/passwd",
        "/",
    ],
)
def test_path_tricks_are_the_unknown_feed_404(
    server: Server, unknown_feed_404: tuple[object, ...], target: str
) -> None:
    target = target.format(team=server.token("team"), alice=server.token("alice"))
    response = server.raw("GET", target)
    assert not_found_shape(response, b"") == (*unknown_feed_404[:2], b"")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head_are_allowed(server: Server, method: str) -> None:
    response = httpx.request(method, server.url("alice", server.token("alice")))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


# Changes on disk -------------------------------------------------------------------------------------------------


def test_a_revoked_token_is_the_unknown_feed_404_at_once(server: Server, unknown_feed_404: tuple[object, ...]) -> None:
    old = server.token("erin")
    assert httpx.get(server.url("erin", old)).status_code == 200
    cli("feeds", server.rota_dir, "revoke", "erin")
    response = httpx.get(server.url("erin", old))
    assert not_found_shape(response, response.content) == unknown_feed_404
    assert httpx.get(server.url("erin", server.token("erin"))).status_code == 200
    assert httpx.get(server.url("alice", server.token("alice"))).status_code == 200  # nobody else's changed


def events(body: bytes) -> dict[str, icalendar.cal.Component]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_regenerated_rota_is_served_without_restart_and_with_the_same_tokens(server: Server) -> None:
    before = {feed: server.token(feed) for feed in FEEDS}
    url = server.url("team", before["team"])
    old = httpx.get(url)
    # Dan away in the second week: regenerated, that week's holders change, and so does the feed.
    text = server.team_file.read_text()
    server.team_file.write_text(
        text.replace("absences:\n", "absences:\n  - {who: dan, from: 2027-01-12, to: 2027-01-19}\n")
    )
    try:
        cli("generate", server.team_file, "--out", server.rota_dir, "--force", "--quiet",
            "--start", "2027-01-05", "--weeks", "4", "--time-limit", "5", "--now", "2026-12-02")  # fmt: skip
    finally:
        server.team_file.write_text(text)
    assert {feed: server.token(feed) for feed in FEEDS} == before
    new = httpx.get(url)
    assert new.status_code == 200
    assert new.headers["etag"] != old.headers["etag"]
    rows = {a.uid: a for a in read_rota_csv(server.rota_dir)}
    served = events(new.content)
    assert set(rows) <= set(served)
    changed = [uid for uid, event in events(old.content).items() if served[uid]["SUMMARY"] != event["SUMMARY"]]
    assert changed and all(served[uid]["SEQUENCE"] > 0 for uid in changed)
    assert httpx.get(url, headers={"If-None-Match": old.headers["etag"]}).status_code == 200


def test_a_feed_is_never_served_half_read_while_the_directory_is_replaced(server: Server) -> None:
    files = {
        str(p.relative_to(server.rota_dir)): p.read_bytes()
        for p in server.rota_dir.rglob("*")
        if p.is_file() and p.name != commit.VERSION_FILE
    }
    rota = files["rota.csv"].decode()
    swapped = rota.replace(",alice,Alice Smith,alice@example.com,", ",bob,Bob Jones,bob@example.com,")
    assert swapped != rota  # bob holds alice's weeks: another version of the same period
    versions = [
        files,
        {**files, "rota.csv": swapped.encode()},
    ]
    journal = server.team_file.parent / ".rota-journal.json"
    lock = server.team_file.parent / ".rota.lock"

    def apply(files: dict[str, bytes]) -> None:
        with commit.locked(lock, "the test"):  # as every command does: the server never waits for it
            commit.apply(commit.Changes(directories={server.rota_dir: files}), journal)

    url = server.url("team", server.token("team"))
    seen_quiet = []
    for version in versions:
        apply(version)
        seen_quiet.append(httpx.get(url).content)
    assert seen_quiet[0] != seen_quiet[1]
    done = threading.Event()

    def republish() -> None:
        for i in range(40):
            apply(versions[i % 2])
        done.set()

    writer = threading.Thread(target=republish)
    writer.start()
    seen = []
    with httpx.Client() as client:
        for _ in range(200):
            seen.append(client.get(url))
            if done.is_set():
                break
    writer.join(timeout=30)
    assert all(r.status_code == 200 and r.content in seen_quiet for r in seen)
    apply(files)


# Logs --------------------------------------------------------------------------------------------------------------


def test_the_log_holds_requests_but_no_token(server: Server) -> None:
    token = server.token("alice")
    server.raw("GET", f"/calendar/alice.ics%3Ftoken%3D{token}")  # a client that encoded its query into the path
    httpx.get(server.url("alice", token))
    log = server.log_path.read_text()
    assert '"GET /calendar/alice.ics" 200' in log
    assert server.tokens_used
    for used in server.tokens_used:
        assert used not in log
    assert "token=" not in log


# Who is on call: /oncall.json -------------------------------------------------------------------------------------


def oncall(server: Server, at: str | None = None, token: str | None = None) -> httpx.Response:
    params = {"token": token if token is not None else server.token("team")}
    if at is not None:
        params["at"] = at
    return httpx.get(f"{server.base}/oncall.json", params=params)


def test_oncall_json_is_what_rota_who_says(server: Server) -> None:
    response = oncall(server, "2027-01-13T12:00+00:00")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-cache"
    expected = json.loads(cli("who", server.team_file, "--json", "--at", "2027-01-13T12:00+00:00"))
    assert response.json() == expected
    assert response.json()["roles"][0]["now"]["end"] == "2027-01-19T10:00:00+00:00"


def test_oncall_json_has_an_etag_and_answers_304(server: Server) -> None:
    response = oncall(server, "2027-01-13T12:00")
    assert response.headers["etag"].startswith('"')
    again = httpx.get(response.url, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_oncall_at_without_an_offset_is_the_teams_time(server: Server) -> None:
    assert oncall(server, "2027-01-13T12:00").json()["at"] == "2027-01-13T12:00:00+00:00"  # London, winter


def test_oncall_with_a_bad_at_is_a_400_with_one_line(server: Server) -> None:
    response = oncall(server, "yesterday")
    assert response.status_code == 400
    assert response.text.count("\n") == 1 and "at='yesterday': not an ISO 8601 date-time" in response.text


def test_oncall_answers_only_to_the_team_feeds_token(server: Server, unknown_feed_404: tuple[object, ...]) -> None:
    for token in ("", "wrong", server.token("alice"), server.token("primary")):
        response = oncall(server, token=token)
        assert not_found_shape(response, response.content) == unknown_feed_404
