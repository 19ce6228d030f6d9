"""Real servers on loopback for `rota notify`'s tests: an SMTP server (aiosmtpd, in this process) and an HTTP
receiver (the standard library's, in a thread). Each records what it accepted; the tests read those records."""

from __future__ import annotations

import email
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

DATA = Path(__file__).resolve().parent / "data"
TLS_CERT = DATA / "loopback-cert.pem"
TLS_KEY = DATA / "loopback-key.pem"
LOOPBACK = "127.0.0.1"


@dataclass
class Mail:
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepted."""

    mail: list[Mail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.mail.append(Mail(list(envelope.rcpt_tos), message))
        return "250 OK"


class _Loopback(Controller):
    """aiosmtpd's threaded controller on a port the kernel picks (port 0), or on a given one."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(mailbox: Mailbox, port: int = 0, login: tuple[str, str] | None = None) -> Iterator[int]:
    """An SMTP server on loopback until the block ends; yields its port. With `login`, it offers STARTTLS (the
    test certificate) and accepts that user and password only, over TLS only."""
    options: dict[str, Any] = {}
    if login is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS_CERT, TLS_KEY)

        def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
            given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
            if given == login:
                mailbox.logins.append(given[0])
            return AuthResult(success=given == login)

        options = {
            "tls_context": context,
            "require_starttls": True,
            "auth_required": True,
            "auth_require_tls": True,
            "authenticator": authenticate,
        }
    controller = _Loopback(mailbox, hostname=LOOPBACK, port=port, **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass
class Post:
    path: str
    body: dict[str, Any]


class Receiver(ThreadingHTTPServer):
    """Accepts JSON POSTs. `answers` makes a path answer another status (e.g. 503); a path in `slow` holds its
    answer until `release` is set (by then the client has given up, so nothing is accepted); `hold` makes the
    first POST wait until it is set, and sets `holding` meanwhile."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.posts: list[Post] = []
        self.answers: dict[str, int] = {}
        self.slow: set[str] = set()
        self.release = threading.Event()
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}{path}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [post.body for post in self.posts if post.path == path]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        receiver = self.server
        if receiver.hold is not None:
            hold, receiver.hold = receiver.hold, None
            receiver.holding.set()
            hold.wait()
        if self.path in receiver.slow:
            receiver.release.wait()
            return  # the client timed out long ago: nothing was accepted
        status = receiver.answers.get(self.path, 200)
        if status == 200:
            receiver.posts.append(Post(self.path, body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the records, not a log."""


@contextmanager
def http_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    # A short poll interval only so that shutdown() returns quickly when the test ends.
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        if receiver.hold is not None:
            receiver.hold.set()
        receiver.shutdown()
        receiver.server_close()
