"""The feed server (docs/spec.md §11): a Starlette app serving a team home's calendars at secret URLs.

The feeds are rendered from every published period of the home (calendars.HomeCalendars) and rendered again
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
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.errors import InputError
from rota.home.home import Home
from rota.home.tokens import FEED_NAME, parse_tokens, token_matches
from rota.server.calendars import PAST_DAYS, HomeCalendars

CALENDAR_TYPE = "text/calendar; charset=utf-8"

log = logging.getLogger("rota.server")


def create_app(home: Home, past_days: int = PAST_DAYS) -> Starlette:
    """The ASGI app for one home (its periods may be replaced on disk at any time)."""
    calendars = HomeCalendars(home, past_days)

    async def calendar(request: Request) -> Response:
        feed = request.path_params["feed"]
        if not FEED_NAME.fullmatch(feed) or not token_matches(_tokens(home), feed, request.query_params.get("token")):
            return not_found()
        served = calendars.feed(feed, dt.datetime.now(dt.UTC))
        if served is None:  # a member removed, or a token for a feed the home does not have
            return not_found()
        body, modified = served
        return _calendar_response(request, body, int(modified.timestamp()))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def http_error(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code == 405:
            return PlainTextResponse("Method Not Allowed\n", 405, headers={"Allow": "GET, HEAD"})
        return not_found()  # no route: the same answer as an unknown feed

    app = Starlette(
        routes=[Route("/calendar/{feed}.ics", calendar, methods=["GET", "HEAD"]), Route("/healthz", healthz)],
        exception_handlers={404: http_error, 405: http_error},
    )
    app.add_middleware(AccessLog)
    return app


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


def _calendar_response(request: Request, body: bytes, modified_s: int) -> Response:
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.formatdate(modified_s, usegmt=True),
        "Cache-Control": "private",  # a personal feed: shared caches must not keep it
    }
    if _not_modified(request, etag, modified_s):
        return Response(status_code=304, headers=headers)
    headers["Content-Type"] = CALENDAR_TYPE
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(b"", headers=headers)
    return Response(body, headers=headers)


def _not_modified(request: Request, etag: str, modified_s: int) -> bool:
    """RFC 9110 §13.2.2: If-None-Match, when present, decides alone; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in candidates or etag in candidates
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
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
