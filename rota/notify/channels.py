"""Where notices go: an SMTP server and webhooks, each with bounded timeouts (docs/notifications.md).

A channel that fails in a way that says the server is down or unreachable (no connection, a timeout, a 5xx, a
login refused) raises ChannelDown: nothing more is tried on it in this run. A server that refuses one message
and may take the next raises Refused. Either way the notice is kept for the next run. Secrets come from the
environment only, and never reach a message: a webhook is named by its variable, never by its URL.
"""

from __future__ import annotations

import http.client
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from importlib.metadata import version

from models.team import Email, Webhook

MAX_RESPONSE_BYTES = 65536  # a webhook's answer is read (so the connection ends cleanly) up to this much


class ChannelDown(Exception):
    """The channel takes nothing more in this run; its notices wait for the next."""


class Refused(Exception):
    """The server refused this message; the next may go."""


def _variable(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ChannelDown(f"{name} is not set in the environment ({what})")
    return value


class SmtpChannel:
    """One connection for the whole run, opened at the first message: EHLO, STARTTLS unless turned off, login
    if the settings name the variables for it."""

    def __init__(self, settings: Email, timeout_s: float, environ: Mapping[str, str]) -> None:
        self.settings, self.timeout_s, self.environ = settings, timeout_s, environ
        self._connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        connection = self._connect()
        try:
            connection.send_message(message, to_addrs=[recipient])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise Refused(f"{self.settings.smtp}: {_smtp_reason(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise ChannelDown(f"{self.settings.smtp}: {_smtp_reason(error)}") from None

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        settings = self.settings
        login = None
        if settings.username_env is not None and settings.password_env is not None:
            login = (
                _variable(self.environ, settings.username_env, "the SMTP user"),
                _variable(self.environ, settings.password_env, "the SMTP password"),
            )
        try:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout_s)
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelDown(f"{settings.smtp}: {_smtp_reason(error)}") from None
        try:
            connection.ehlo()
            if settings.starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if login is not None:
                connection.login(*login)
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise ChannelDown(f"{settings.smtp}: {_smtp_reason(error)}") from None
        self._connection = connection
        return connection


def _smtp_reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values()]
        return f"recipient refused: {'; '.join(codes)}"
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        return f"{error.smtp_code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    return _os_reason(error)


def _os_reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is here: followed, a POST would become a GET and its body be lost."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class WebhookChannel:
    """An HTTP POST of a JSON body; any 2xx is accepted."""

    def __init__(self, settings: Webhook, timeout_s: float, environ: Mapping[str, str]) -> None:
        self.settings, self.timeout_s, self.environ = settings, timeout_s, environ

    def post(self, body: bytes) -> None:
        url = _variable(self.environ, self.settings.url_env, "the webhook's URL")
        if not url.startswith(("https://", "http://")):
            raise ChannelDown(f"{self.settings.url_env} does not hold an http(s) URL")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"rota/{version('rota')}"}
        try:
            request = urllib.request.Request(url, data=body, method="POST", headers=headers)
            with _OPENER.open(request, timeout=self.timeout_s) as response:
                response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            reason = f"HTTP {error.code} {error.reason}"
            error.close()
            if error.code >= 500 or error.code == 429:  # the server's trouble, or too many: try later
                raise ChannelDown(reason) from None
            raise Refused(reason) from None
        except urllib.error.URLError as error:
            cause = error.reason
            raise ChannelDown(_os_reason(cause) if isinstance(cause, OSError) else str(cause)) from None
        except (OSError, http.client.HTTPException) as error:
            raise ChannelDown(_os_reason(error)) from None
        except ValueError:  # its message would show the URL, which is the secret
            raise ChannelDown(f"{self.settings.url_env} does not hold a valid URL") from None

    def close(self) -> None:
        """Nothing stays open between posts."""
