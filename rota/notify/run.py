"""One `rota notify` run (docs/spec.md §13): read the home, work out what is due, send it, record it.

The run holds a lock of its own (the sent log's), never the home's while it talks to servers: the home's lock
is taken only for the moment the home is read. Each delivery is recorded as sent only once its server accepted
it, and the log is written after each, so that a run killed half-way repeats at most the one message in flight.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import InputError
from models.rota import Assignment
from models.team import Notify, Team
from rota.home import commit
from rota.home.home import Home, find_home
from rota.home.state import reading
from rota.notify.channels import ChannelDown, Refused, SmtpChannel, WebhookChannel
from rota.notify.messages import email_message, json_payload, person, slack_text, title, when
from rota.notify.notices import ChangeNotice, Handover, Notice, Reminder, notices
from rota.notify.plan import EMAIL, Delivery, Plan, plan, route
from rota.notify.sent_log import Entry, SentLog, Status, lock_file, read_log

Say = Callable[[str], None]


@dataclass
class Outcome:
    """What a run did, counted in deliveries (one notice to two webhooks is two)."""

    moment: dt.datetime
    zone: str
    dry_run: bool
    sent: int = 0
    failed: int = 0
    missed: int = 0
    skipped: list[str] = field(default_factory=list)  # for each delivery skipped, its member (without an email)

    def summary(self) -> str:
        skipped = f" (no email: {', '.join(dict.fromkeys(self.skipped))})" if self.skipped else ""
        stamp = f"{self.moment:%Y-%m-%d %H:%M} {self.zone}"
        if self.dry_run:
            return (
                f"{stamp}: dry run: would send {self.sent}, missed {self.missed}, "
                f"skipped {len(self.skipped)}{skipped}; nothing recorded"
            )
        return (
            f"{stamp}: sent {self.sent}, failed {self.failed} (kept for retry), missed {self.missed}, "
            f"skipped {len(self.skipped)}{skipped}"
        )


def notify(
    path: Path, now: dt.datetime | None, *, dry_run: bool, environ: Mapping[str, str], say: Say, warn: Say
) -> Outcome:
    """Send what is due and not yet sent; `say` what went, `warn` what failed. A dry run sends and records
    nothing, and waits for no lock."""
    home = find_home(path)
    if dry_run:
        return _run(home, now, dry_run=True, environ=environ, say=say, warn=warn)
    with commit.locked(lock_file(home), f"the notices of {home.root}"):
        return _run(home, now, dry_run=False, environ=environ, say=say, warn=warn)


def _run(
    home: Home, now: dt.datetime | None, *, dry_run: bool, environ: Mapping[str, str], say: Say, warn: Say
) -> Outcome:
    with reading(home, now) as state:
        team, periods, moment = state.team, state.periods, state.now
    settings = team.notify
    if settings is None:
        raise InputError(
            f"{home.team_file}: has no `notify:` section, so there is nobody to tell; "
            "add one with email: or webhooks: (docs/notifications.md)"
        )
    log = read_log(home)
    todo = plan(team, route(notices(team, periods, settings.remind_before), settings), log, moment, settings.grace)
    outcome = Outcome(moment, team.timezone, dry_run)
    _settle(team, todo, log, settings, outcome, say)
    everyone = sorted((a for p in periods for a in p.rows), key=lambda a: a.start)
    with _Channels(settings, environ) as channels:
        for delivery in todo.send:
            if dry_run:
                _preview(team, delivery, settings, everyone, moment, say)
                outcome.sent += 1
                continue
            try:
                channels.deliver(team, delivery, settings, everyone, moment)
            except (ChannelDown, Refused) as error:
                outcome.failed += 1
                warn(f"kept for retry: {title(team, delivery.notice)} via {delivery.channel}: {error}")
                continue
            log.record(_entry(team, delivery, "sent", moment))
            log.write()
            outcome.sent += 1
            say(f"sent: {title(team, delivery.notice)} via {delivery.channel}")
    unset = [name for name in _variables(settings) if not environ.get(name)]
    if dry_run and unset:
        say(f"not set in the environment: {', '.join(unset)} (a real run needs them)")
    return outcome


def _variables(settings: Notify) -> list[str]:
    """The environment variables the channels read their secrets from."""
    email = settings.email
    login = [email.username_env, email.password_env] if email is not None else []
    return [name for name in login if name is not None] + [hook.url_env for hook in settings.webhooks]


def _settle(team: Team, todo: Plan, log: SentLog, settings: Notify, outcome: Outcome, say: Say) -> None:
    """Record what is missed or skipped, and settle the log up to `grace` ago, before anything is sent: a run
    killed while it sends leaves nothing to count twice."""
    moment = outcome.moment
    first_run = log.settled_until is None
    for delivery in todo.missed:
        log.record(_entry(team, delivery, "missed", moment))
        outcome.missed += 1
        late, grace = _hours(moment - delivery.notice.due), _hours(settings.grace)
        say(f"missed: {title(team, delivery.notice)} via {delivery.channel} (due {late} ago; grace {grace})")
    for delivery in todo.skipped:
        log.record(_entry(team, delivery, "skipped", moment))
        member = _addressee(delivery)
        outcome.skipped.append(member)
        say(f"skipped: {title(team, delivery.notice)}: {member} has no email address in the team file")
    log.settle(moment - settings.grace)
    if first_run and todo.before_log:
        before = when(team, moment - settings.grace)
        if outcome.dry_run:
            say(f"the sent log would start now: {todo.before_log} deliveries due before {before} would not be sent")
        else:
            say(f"the sent log starts now: {todo.before_log} deliveries due before {before} are not sent")
    if not outcome.dry_run:
        log.write()


def _entry(team: Team, delivery: Delivery, status: Status, moment: dt.datetime) -> Entry:
    to = delivery.channel
    if delivery.channel == EMAIL:
        told = person(team, _addressee(delivery))
        to = f"{told.id} <{told.email}>" if told.email else told.id
    return Entry(delivery.key, status, delivery.notice.due, moment, to)


def _addressee(delivery: Delivery) -> str:
    notice = delivery.notice
    assert isinstance(notice, Reminder | ChangeNotice) and notice.member is not None
    return notice.member


def _hours(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{round(hours, 1):g} h" if hours < 48 else f"{round(hours / 24, 1):g} days"


class _Channels:
    """The run's channels, opened as needed; one that went down takes nothing more in this run."""

    def __init__(self, settings: Notify, environ: Mapping[str, str]) -> None:
        timeout_s = settings.timeout.total_seconds()
        self.email = SmtpChannel(settings.email, timeout_s, environ) if settings.email is not None else None
        self.webhooks = {hook.name: WebhookChannel(hook, timeout_s, environ) for hook in settings.webhooks}
        self.down: dict[str, str] = {}

    def __enter__(self) -> _Channels:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.email is not None:
            self.email.close()

    def deliver(
        self, team: Team, delivery: Delivery, settings: Notify, everyone: Sequence[Assignment], now: dt.datetime
    ) -> None:
        if delivery.channel in self.down:
            raise ChannelDown(self.down[delivery.channel])
        try:
            if delivery.channel == EMAIL:
                assert self.email is not None and settings.email is not None
                notice = delivery.notice
                assert isinstance(notice, Reminder | ChangeNotice)
                message = email_message(team, notice, delivery.key, settings.email.from_, everyone, now)
                address = person(team, _addressee(delivery)).email
                assert address is not None
                self.email.send(message, address)
            else:
                hook = self.webhooks[delivery.channel]
                hook.post(_webhook_body(team, delivery.notice, hook.settings.format))
        except ChannelDown as error:
            self.down[delivery.channel] = str(error)
            raise


def _webhook_body(team: Team, notice: Notice, style: str) -> bytes:
    assert isinstance(notice, Handover | ChangeNotice)
    if style == "slack":
        return json.dumps({"text": slack_text(team, notice)}, ensure_ascii=False).encode("utf-8")
    return json.dumps(json_payload(team, notice), ensure_ascii=False).encode("utf-8")


def _preview(
    team: Team, delivery: Delivery, settings: Notify, everyone: Sequence[Assignment], now: dt.datetime, say: Say
) -> None:
    """What a dry run shows of a delivery: the message as it would go, indented."""
    notice = delivery.notice
    if delivery.channel == EMAIL:
        assert settings.email is not None and isinstance(notice, Reminder | ChangeNotice)
        message = email_message(team, notice, delivery.key, settings.email.from_, everyone, now)
        say(f"would send: {title(team, notice)} via email")
        say(f"    To: {message['To']}")
        say(f"    Subject: {message['Subject']}")
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        attachments = [part.get_filename() for part in message.iter_attachments()]
        lines = [*text.rstrip("\n").split("\n"), *(f"[attached: {name}]" for name in attachments)]
    else:
        hook = next(h for h in settings.webhooks if h.name == delivery.channel)
        say(f"would post: {title(team, notice)} via {delivery.channel} ({hook.format})")
        assert isinstance(notice, Handover | ChangeNotice)
        if hook.format == "slack":
            lines = slack_text(team, notice).split("\n")
        else:
            lines = json.dumps(json_payload(team, notice), indent=2, ensure_ascii=False).split("\n")
    for line in lines:
        say(f"    | {line}" if line else "    |")
