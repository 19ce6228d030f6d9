"""The feed server (docs/spec.md §11): a Starlette app serving a team home's calendars, who is on call and the
team's page, at secret URLs.

The feeds are rendered from every published period of the home (view.HomeView) and rendered again
when anything on disk changes, so a change is served at the next request, without a restart, and never half
read. Tokens are read at every request, so a revoked one stops working at once. Every 404 is the same response,
whether the feed is unknown, the token wrong, missing or revoked, or the path a trick: nothing tells a caller
which feeds exist. Tokens never reach a log: uvicorn's access log is off and
`AccessLog` logs the path without its query string.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.calendar import moment_in
from models.errors import InputError
from models.team import Team
from rota.home.home import Home
from rota.home.tokens import FEED_NAME, TEAM_FEED, parse_tokens, token_matches
from rota.reports.oncall import on_call, oncall_json
from rota.server.page import page_html
from rota.server.view import PAST_DAYS, HomeView, Rendered

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# The page's headers: the token is in its URL, so no referrer leaves it; nothing runs, nothing frames it.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-cache",
}
STYLE = (resources.files("rota.server") / "style.css").read_bytes()

log = logging.getLogger("rota.server")


def create_app(home: Home, past_days: int = PAST_DAYS) -> Starlette:
    """The ASGI app for one home (its periods may be replaced on disk at any time)."""
    view = HomeView(home, past_days)

    async def calendar(request: Request) -> Response:
        feed = request.path_params["feed"]
        if not FEED_NAME.fullmatch(feed) or not _allowed(home, feed, request):
            return not_found()
        current = view.current(dt.datetime.now(dt.UTC))
        body = current.feeds.get(feed)
        if body is None:  # a member removed, or a token for a feed the home does not have
            return not_found()
        return _conditional(request, body, CALENDAR_TYPE, {"Cache-Control": "private"}, current.modified)

    def for_the_team(request: Request) -> tuple[Rendered, dt.datetime] | Response:
        """The home and the moment asked about, for the team feed's token only (else the one 404)."""
        if not _allowed(home, TEAM_FEED, request):
            return not_found()
        current = view.current(dt.datetime.now(dt.UTC))
        at = _moment(request, current.team)
        return at if isinstance(at, Response) else (current, at)

    async def oncall(request: Request) -> Response:
        asked = for_the_team(request)
        if isinstance(asked, Response):
            return asked
        current, at = asked
        body = json.dumps(oncall_json(on_call(current.team, current.periods, at)), indent=2, ensure_ascii=False)
        headers = {"Cache-Control": "no-cache"}
        return _conditional(request, body.encode() + b"\n", "application/json", headers, None)

    async def page(request: Request) -> Response:
        asked = for_the_team(request)
        if isinstance(asked, Response):
            return asked
        current, at = asked
        token = request.query_params["token"]
        feed_url = str(request.url_for("calendar", feed=TEAM_FEED).include_query_params(token=token))
        html = page_html(current, at, feed_url)
        return _conditional(request, html.encode(), "text/html; charset=utf-8", PAGE_HEADERS, None)

    async def style(request: Request) -> Response:
        headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
        return Response(STYLE, media_type="text/css; charset=utf-8", headers=headers)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def http_error(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code == 405:
            return PlainTextResponse("Method Not Allowed\n", 405, headers={"Allow": "GET, HEAD"})
        return not_found()  # no route: the same answer as an unknown feed

    methods = ["GET", "HEAD"]
    app = Starlette(
        routes=[
            Route("/calendar/{feed}.ics", calendar, methods=methods, name="calendar"),
            Route("/oncall.json", oncall, methods=methods),
            Route("/", page, methods=methods),
            Route("/style.css", style, methods=methods),
            Route("/healthz", healthz),
        ],
        exception_handlers={404: http_error, 405: http_error},
    )
    app.add_middleware(AccessLog)
    return app


def _allowed(home: Home, feed: str, request: Request) -> bool:
    return token_matches(_tokens(home), feed, request.query_params.get("token"))


def _moment(request: Request, team: Team) -> dt.datetime | Response:
    """`?at=`: an ISO date-time (without an offset: the team's time); absent: now. A bad one is a 400."""
    given = request.query_params.get("at")
    if given is None:
        return dt.datetime.now(team.zone)
    try:
        return moment_in(dt.datetime.fromisoformat(given), team.zone)
    except ValueError:
        reason = f"at={given!r}: not an ISO 8601 date-time, e.g. 2027-02-10T12:00 or 2027-02-10T12:00+01:00\n"
        return PlainTextResponse(reason[:300], 400, headers={"Cache-Control": "no-store"})


def not_found() -> Response:
    return PlainTextResponse("Not Found\n", 404, headers={"Cache-Control": "no-store"})


def _tokens(home: Home) -> dict[str, str]:
    """Read per request, so that a revoked token stops working at once. Unreadable or damaged: no feed is served."""
    path = home.tokens_file
    try:
        return parse_tokens(path.read_bytes(), path)
    except FileNotFoundError:
        return {}
    except (OSError, InputError) as error:
        log.error("%s: cannot read feed tokens (%s); serving no feed", path, error)
        return {}


def _conditional(
    request: Request, body: bytes, content_type: str, extra: dict[str, str], modified: dt.datetime | None
) -> Response:
    """The body with a strong ETag (and Last-Modified where known), or 304 when the client has it already."""
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {"ETag": etag, **extra}
    modified_s = int(modified.timestamp()) if modified is not None else None
    if modified_s is not None:
        headers["Last-Modified"] = email.utils.formatdate(modified_s, usegmt=True)
    if _not_modified(request, etag, modified_s):
        return Response(status_code=304, headers=headers)
    headers["Content-Type"] = content_type
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(b"", headers=headers)
    return Response(body, headers=headers)


def _not_modified(request: Request, etag: str, modified_s: int | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match, when present, decides alone; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in candidates or etag in candidates
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or modified_s is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an unparseable date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        return False
    return modified_s <= since.timestamp()


class AccessLog:
    """One line a request: client, method, path without its query string (where the token is), status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client")
            host = client[0] if client else "-"
            log.info('%s "%s %s" %d', host, scope["method"], loggable_path(scope["path"]), status)


def loggable_path(path: str) -> str:
    """The path cut at any '?' (a client that encoded its query into the path) and with control characters
    escaped, so that a request can neither leak a token into the log nor forge a log line."""
    path = path.partition("?")[0]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)
