"""The notices a team home calls for (docs/spec.md §13): pure functions of its published periods and the
`notify:` settings. Which of them are due now, and which were already sent, is the run's business (run.py).

- a reminder, to the member who takes a shift, `remind_before` ahead of its start;
- a handover, to the team's channels, at each moment some role changes hands;
- a change notice, after each recorded change (cover, swap, update, generate --force): to each member it
  touched, and to the team's channels.

Each has an id that names it whatever happens later to the rota, so that the sent log can say it went.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from models.rota import Assignment, ChangeRecord, MemberChange
from models.team import SHADOW_ROLE, Team
from rota.home.period import PeriodVersion


@dataclass(frozen=True)
class Reminder:
    """To the member who takes a shift: what, when, after whom, and who backs them up."""

    id: str
    due: dt.datetime
    assignment: Assignment  # the first row of the stretch the member holds
    until: dt.datetime  # the end of that stretch
    takes_over_from: str | None  # a member id; None at the start of the home's first period
    chain: tuple[Assignment, ...]  # each role's holder when the shift starts, in escalation order

    @property
    def member(self) -> str:
        return self.assignment.member


@dataclass(frozen=True)
class HandoverLine:
    role: str
    outgoing: str | None  # None where nobody held the role before (the home's first period)
    incoming: str
    until: dt.datetime


@dataclass(frozen=True)
class Handover:
    """To the team's channels at a changeover: for each role that changes hands, who to whom, until when."""

    id: str
    due: dt.datetime  # the changeover
    lines: tuple[HandoverLine, ...]


@dataclass(frozen=True)
class ChangeNotice:
    """A change to a published period: to one member it touched (by email), or to the team's channels."""

    id: str
    due: dt.datetime  # when the change was made
    record: ChangeRecord
    member: str | None  # None: the team's channels, told about every member

    @property
    def changes(self) -> tuple[MemberChange, ...]:
        return tuple(m for m in self.record.members if self.member in (None, m.member) and _moved(m))


Notice = Reminder | Handover | ChangeNotice


def notices(team: Team, periods: Sequence[PeriodVersion], remind_before: dt.timedelta) -> list[Notice]:
    """Every notice the home's periods call for, past and future, by when each is due."""
    rows = Rows([a for p in periods for a in p.rows])
    found: list[Notice] = [
        *reminders(team, periods, rows, remind_before),
        *handovers(team, rows),
        *change_notices(periods),
    ]
    return sorted(found, key=lambda n: (n.due, n.id))


class Rows:
    """Every row of the home, found by where it starts and ends in its lane: a role, or one member's shadowing."""

    def __init__(self, rows: Sequence[Assignment]) -> None:
        self.all = sorted(rows, key=lambda a: a.start)
        self.starting = {(_lane(a), a.start): a for a in self.all}
        self.ending = {(_lane(a), a.end): a for a in self.all}

    def previous(self, a: Assignment) -> Assignment | None:
        """The row of the same lane that ends where `a` starts."""
        return self.ending.get((_lane(a), a.start))

    def held_until(self, a: Assignment) -> dt.datetime:
        """Where the member's stretch in this lane ends: rows of theirs that follow on without a gap count too."""
        end = a.end
        while (after := self.starting.get((_lane(a), end))) is not None and after.member == a.member:
            end = after.end
        return end

    def holder(self, role: str, moment: dt.datetime) -> Assignment | None:
        return next((a for a in self.all if a.role == role and a.start <= moment < a.end), None)


def reminders(
    team: Team, periods: Sequence[PeriodVersion], rows: Rows, remind_before: dt.timedelta
) -> Iterator[Reminder]:
    """One reminder for each stretch a member holds a role (a shift, or the part of one a cover gave them).

    Due `remind_before` ahead of its start; a row published or changed later than that is reminded when it was
    published, and never after it has started."""
    for period in periods:
        for a in period.rows:
            before = rows.previous(a)
            if before is not None and before.member == a.member:
                continue  # the same member carries on: no new stretch
            published = period.modified.get(a.uid, period.generated)
            due = a.start - remind_before
            if published is not None:
                due = min(max(due, published), a.start)
            chain = tuple(h for h in (rows.holder(role, a.start) for role in team.role_names) if h is not None)
            yield Reminder(
                f"reminder/{a.uid}/{a.member}/{_stamp(a.start)}",
                due,
                a,
                rows.held_until(a),
                before.member if before is not None else None,
                chain,
            )


def handovers(team: Team, rows: Rows) -> Iterator[Handover]:
    """A handover at each moment some role changes hands, naming only the roles that do."""
    for moment in sorted({a.start for a in rows.all if a.role != SHADOW_ROLE}):
        lines = []
        for role in team.role_names:
            incoming = rows.starting.get((role, moment))
            if incoming is None:
                continue
            outgoing = rows.previous(incoming)
            if outgoing is not None and outgoing.member == incoming.member:
                continue
            outgoing_member = outgoing.member if outgoing is not None else None
            lines.append(HandoverLine(role, outgoing_member, incoming.member, rows.held_until(incoming)))
        if lines:
            yield Handover(f"handover/{_stamp(moment)}", moment, tuple(lines))


def change_notices(periods: Sequence[PeriodVersion]) -> Iterator[ChangeNotice]:
    """For each recorded change: one notice to the team's channels, and one to each member whose shifts moved."""
    for period in periods:
        for record in period.changes:
            team_notice = ChangeNotice(f"change/{record.id}", record.at, record, None)
            if not team_notice.changes:
                continue  # only kinds or loads changed: nobody's time on call moved
            yield team_notice
            for m in team_notice.changes:
                yield ChangeNotice(f"change/{record.id}/{m.member}", record.at, record, m.member)


def _moved(change: MemberChange) -> bool:
    """Whether the member's time on call changed, not only a row's kind or load."""

    def held(rows: tuple[Assignment, ...]) -> set[tuple[str, dt.datetime, dt.datetime]]:
        return {(a.role, a.start, a.end) for a in rows}

    return held(change.before) != held(change.after)


def _lane(a: Assignment) -> str:
    """Rows that follow one another: a role's holders, or one member's shadow weeks (shadows run side by side)."""
    return f"{SHADOW_ROLE}:{a.member}" if a.role == SHADOW_ROLE else a.role


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
