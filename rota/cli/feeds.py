"""`rota serve` and `rota feeds` (docs/spec.md §11). Imports only click and the standard library at module level,
so that `rota --help` never loads starlette or uvicorn."""

from __future__ import annotations

import copy
import errno
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from models.errors import InputError
from rota.cli.params import HOME

if TYPE_CHECKING:
    from models.team import Team

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@click.command()
@HOME
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep it local behind TLS.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--past-days",
    type=click.IntRange(0, 3650),
    default=90,
    show_default=True,
    help="How long a week that has ended stays in the feeds.",
)
def serve(home: Path, host: str, port: int, past_days: int) -> None:
    """Serve a team home's calendars at secret URLs: /calendar/<feed>.ics?token=... and /healthz.

    Each feed holds every published period of the home: subscribers subscribe once, and next quarter's weeks
    appear in the same calendar. Changes on disk (cover, swap, update, generate) are served at the next request.
    Put a TLS reverse proxy in front of it (see docs/deployment.md); `rota feeds` prints the URLs.

    Example: rota serve examples/team.yaml --port 8080
    """
    import uvicorn

    from rota.home.home import find_home
    from rota.home.state import snapshot
    from rota.home.tokens import ensure_tokens, team_feeds
    from rota.server.app import create_app

    place = find_home(home)
    state = snapshot(place)
    if not state.periods:
        raise InputError(f"{home}: no published rota yet; run `rota generate {place.team_file}` first")
    team = state.team
    names = team_feeds(team)
    ensure_tokens(place, names)  # every feed servable from the start, even before `rota feeds` runs
    _check_port_free(host, port)
    click.echo(
        f"serving {len(names)} feeds of {place.root} on http://{host}:{port}; "
        f"`rota feeds {home} --base-url URL` prints their URLs",
        err=True,
    )
    # uvicorn's access log would print each URL with its token: it is off, and rota.server logs paths only.
    uvicorn.run(create_app(place, past_days), host=host, port=port, access_log=False, log_config=_log_config())


@click.command()
@HOME
@click.argument("action", required=False, type=click.Choice(["revoke"]))
@click.argument("feed", required=False)
@click.option("--base-url", help="Public address of `rota serve`, e.g. https://rota.example.com.")
def feeds(home: Path, action: str | None, feed: str | None, base_url: str | None) -> None:
    """Print every feed's subscription URLs (https and webcal), or revoke one feed's token.

    Feeds: `team` (everyone), each role (for schedule importers such as Grafana OnCall) and each member. Each has
    one token for the life of the team, kept in the home's feed-tokens.json (owner-only). `revoke FEED` gives FEED
    a new token: its old URL answers 404 from the next request; everyone else's URLs stay as they are.

    Examples:

        rota feeds examples/team.yaml --base-url https://rota.example.com

        rota feeds examples/team.yaml revoke alice --base-url https://rota.example.com
    """
    from rota.home.home import find_home
    from rota.home.state import snapshot
    from rota.home.tokens import ensure_tokens, revoke, team_feeds

    place = find_home(home)
    team = snapshot(place).team
    base = _parse_base_url(base_url) if base_url is not None else None
    names = team_feeds(team)
    if action == "revoke":
        if feed is None:
            raise InputError(f"revoke needs a feed: e.g. rota feeds {home} revoke alice")
        if feed not in names:
            raise InputError(f"{home}: no feed {feed!r}; the feeds are {', '.join(names)}")
        token = revoke(place, feed)
        click.echo(f"revoked {feed}'s token: its old URL now answers 404")
        if base is None:
            click.echo(f"`rota feeds {home} --base-url URL` prints its new URL")
        else:
            _print_feed(feed, "", base, token)
        return
    if base is None:
        raise InputError("--base-url is needed to print URLs: e.g. --base-url https://rota.example.com")
    tokens = ensure_tokens(place, names)
    labels = _labels(team)
    for name in names:
        _print_feed(name, labels.get(name, ""), base, tokens[name])


def _print_feed(feed: str, label: str, base: str, token: str) -> None:
    https_url = f"{base}/calendar/{feed}.ics?token={token}"
    webcal_url = "webcal" + https_url[https_url.index(":") :]
    click.echo(f"{feed}  ({label})" if label else feed)
    click.echo(f"  {https_url}")
    click.echo(f"  {webcal_url}")


def _labels(team: Team) -> dict[str, str]:
    """What each feed is: everyone, a role, a member."""
    labels = {"team": "everyone"}
    labels.update({role: "role; importable by Grafana OnCall" for role in team.role_names})
    labels.update({member.id: member.display_name for member in team.members})
    return labels


def _parse_base_url(value: str) -> str:
    """The address subscribers reach `rota serve` at: http(s), a host, maybe a path prefix; no query."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise InputError(
            f"--base-url {value!r}: give the https address the feeds are reached at, with no query, "
            "e.g. https://rota.example.com or https://example.com/rota"
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        click.echo("warning: an http:// URL sends feed tokens in clear text; serve them behind TLS", err=True)
    return value.strip().rstrip("/")


def _check_port_free(host: str, port: int) -> None:
    """Fail as bad usage, not as a crash in uvicorn, when the address cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"--host {host!r}: not an address of this machine; e.g. --host 127.0.0.1") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise InputError(f"--port {port}: {host}:{port} is in use; choose another --port") from None
            raise InputError(f"--host {host} --port {port}: cannot listen there ({error.strerror})") from None


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, plus rota.server's access lines on the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["rota"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
