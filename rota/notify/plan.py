"""Which deliveries a run makes (docs/notifications.md): each notice routed to its channels, then sorted into
those to send now, those missed (due more than `grace` ago), those skipped (a member without an email address)
and those already settled. Pure functions of the notices, the settings, the sent log and the run's moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from models.team import Notify, Team
from rota.notify.messages import addressee, person
from rota.notify.notices import Notice, Reminder
from rota.notify.sent_log import SentLog

EMAIL = "email"  # the email channel's name in the sent log (a webhook's is "webhook VARIABLE")


@dataclass(frozen=True)
class Delivery:
    notice: Notice
    channel: str  # EMAIL, or a webhook's name

    @property
    def key(self) -> str:
        """Names this delivery in the sent log, whatever happens to the rota later."""
        return f"{self.notice.id} via {self.channel}"


def route(notices: Iterable[Notice], settings: Notify) -> Iterator[Delivery]:
    """Reminders and the member's own change notices by email; handovers and the team's change notices to every
    webhook. A channel the settings do not name carries nothing."""
    for notice in notices:
        if isinstance(notice, Reminder) or addressee(notice) is not None:
            if settings.email is not None:
                yield Delivery(notice, EMAIL)
        else:
            for hook in settings.webhooks:
                yield Delivery(notice, hook.name)


@dataclass
class Plan:
    send: list[Delivery] = field(default_factory=list)
    missed: list[Delivery] = field(default_factory=list)
    skipped: list[Delivery] = field(default_factory=list)  # by email, to a member without an address
    before_log: int = 0  # due before a new log began: never sent, never counted


def plan(team: Team, deliveries: Iterable[Delivery], log: SentLog, now: dt.datetime, grace: dt.timedelta) -> Plan:
    """What this run does with each delivery. A first run (no log yet) settles everything due more than `grace`
    ago without a word: a home with a long past does not flood its people with old news."""
    since = log.settled_until if log.settled_until is not None else now - grace
    result = Plan()
    for delivery in deliveries:
        due = delivery.notice.due
        if due > now or delivery.key in log:
            continue
        if due <= since:
            result.before_log += log.settled_until is None
            continue
        if now - due > grace:
            result.missed.append(delivery)
        elif delivery.channel == EMAIL and person(team, addressee(delivery.notice) or "").email is None:
            result.skipped.append(delivery)
        else:
            result.send.append(delivery)
    return result
