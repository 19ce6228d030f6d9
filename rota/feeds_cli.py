"""`rota serve` and `rota feeds` (SPEC §11). Imports only click and the standard library at module level, so that
`rota --help` never loads starlette or uvicorn."""

from __future__ import annotations

import copy
import errno
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from models.errors import InputError
from rota.command import reports_errors

F = TypeVar("F", bound=Callable[..., Any])

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@click.command()
@click.argument("rota_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep it local behind TLS.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@reports_errors
def serve(rota_dir: Path, host: str, port: int) -> None:
    """Serve a rota directory's calendars at secret URLs: /calendar/<feed>.ics?token=... and /healthz.

    Changes on disk (cover, swap, update, generate --force) are served at the next request. Put a TLS reverse
    proxy in front of it (see the README); `rota feeds` prints the URLs to subscribe to.

    Example: rota serve rota-2027Q1 --port 8080
    """
    import uvicorn

    from rota.server import create_app
    from rota.tokens import ensure_tokens, feed_names, require_rota_dir

    require_rota_dir(rota_dir)
    feeds = feed_names(rota_dir)
    ensure_tokens(rota_dir, feeds)  # every feed servable from the start, even before `rota feeds` runs
    _check_port_free(host, port)
    click.echo(
        f"serving {len(feeds)} feeds from {rota_dir} on http://{host}:{port}; "
        f"`rota feeds {rota_dir} --base-url URL` prints their URLs",
        err=True,
    )
    # uvicorn's access log would print each URL with its token: it is off, and rota.server logs paths only.
    uvicorn.run(create_app(rota_dir), host=host, port=port, access_log=False, log_config=_log_config())


@click.command()
@click.argument("rota_dir", type=click.Path(path_type=Path))
@click.argument("action", required=False, type=click.Choice(["revoke"]))
@click.argument("feed", required=False)
@click.option("--base-url", help="Public address of `rota serve`, e.g. https://rota.example.com.")
@reports_errors
def feeds(rota_dir: Path, action: str | None, feed: str | None, base_url: str | None) -> None:
    """Print every feed's subscription URLs (https and webcal), or revoke one feed's token.

    Feeds: `team` (everyone), each role (for schedule importers such as Grafana OnCall) and each member. Tokens are
    made on first use and kept in ROTA_DIR/feed-tokens.json (owner-only). `revoke FEED` gives FEED a new token:
    its old URL answers 404 from the next request; everyone else's URLs stay as they are.

    Examples:

        rota feeds rota-2027Q1 --base-url https://rota.example.com

        rota feeds rota-2027Q1 revoke alice --base-url https://rota.example.com
    """
    from rota.tokens import ensure_tokens, feed_names, require_rota_dir, revoke

    require_rota_dir(rota_dir)
    base = _parse_base_url(base_url) if base_url is not None else None
    names = feed_names(rota_dir)
    if action == "revoke":
        if feed is None:
            raise InputError(f"revoke needs a feed: e.g. rota feeds {rota_dir} revoke alice")
        if feed not in names:
            raise InputError(f"{rota_dir}: no feed {feed!r}; the feeds are {', '.join(names)}")
        token = revoke(rota_dir, feed)
        click.echo(f"revoked {feed}'s token: its old URL now answers 404")
        if base is None:
            click.echo(f"`rota feeds {rota_dir} --base-url URL` prints its new URL")
        else:
            _print_feed(feed, "", base, token)
        return
    if base is None:
        raise InputError("--base-url is needed to print URLs: e.g. --base-url https://rota.example.com")
    tokens = ensure_tokens(rota_dir, names)
    labels = _labels(rota_dir)
    for name in sorted(names, key=lambda n: (labels.get(n, ("", 3))[1], n)):
        _print_feed(name, labels.get(name, ("", 3))[0], base, tokens[name])


def _print_feed(feed: str, label: str, base: str, token: str) -> None:
    https_url = f"{base}/calendar/{feed}.ics?token={token}"
    webcal_url = "webcal" + https_url[https_url.index(":") :]
    click.echo(f"{feed}  ({label})" if label else feed)
    click.echo(f"  {https_url}")
    click.echo(f"  {webcal_url}")


def _labels(rota_dir: Path) -> dict[str, tuple[str, int]]:
    """What each feed is, with a sort rank: team, then roles in escalation order, then members. Labels are a
    courtesy: a team file that no longer loads leaves the feeds unlabelled rather than failing."""
    from models.errors import RotaError
    from models.loader import load_team

    labels: dict[str, tuple[str, int]] = {"team": ("everyone", 0)}
    try:
        team = load_team(rota_dir / "team.yaml")
    except RotaError:
        return labels
    for role in team.role_names:
        labels[role] = ("role; importable by Grafana OnCall", 1)
    for member in team.members:
        labels[member.id] = (member.display_name, 2)
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
