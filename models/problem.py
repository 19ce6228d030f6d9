"""The facts a rota is built from: shifts, loads, who may hold what and why not, fair shares, history.

Everything here follows from the team file, the period and the history alone, so the solver, the
explanations and the reports all read the same facts. See docs/spec.md §5-§7.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from models.calendar import ONE_WEEK, Interval, Period, absence_interval, day_interval, days_owned, shift_interval
from models.rota import Assignment, PastPeriod
from models.team import SHADOW_ROLE, Absence, Member, Team

COVER_REST_WEEKS = 1  # a cover is days, not a rotation: rest relaxes to one week around it (docs/spec.md §8)


@dataclass(frozen=True)
class Shift:
    """One role for one week."""

    week: dt.date
    role: str
    interval: Interval
    load: float  # role weight x the weights of the days it owns (docs/spec.md §6)


@dataclass(frozen=True)
class Problem:
    """A team, a period and what came before it."""

    team: Team
    period: Period
    history: tuple[PastPeriod, ...] = ()
    public_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    # Calendar ----------------------------------------------------------------------------------------------

    @property
    def weeks(self) -> tuple[dt.date, ...]:
        return self.period.weeks

    @property
    def roles(self) -> list[str]:
        return self.team.role_names

    def interval(self, week: dt.date) -> Interval:
        interval = self._intervals.get(week)
        return interval if interval is not None else shift_interval(week, self.team)

    @cached_property
    def _intervals(self) -> dict[dt.date, Interval]:
        return {week: shift_interval(week, self.team) for week in self.weeks}

    def day_weight(self, day: dt.date) -> float:
        if day in self.public_holidays and self.team.public_holidays is not None:
            return self.team.public_holidays.weight
        return 1.0

    def load(self, role: str, interval: Interval) -> float:
        """An assignment's load: role weight x the weights of the days whose noon it holds."""
        days = days_owned(interval, self.team.zone)
        return self.team.role(role).weight * sum(self.day_weight(day) for day in days)

    @cached_property
    def shifts(self) -> list[Shift]:
        """Every shift of the period, by week then role order."""
        return [self._shift(week, role) for week in self.weeks for role in self.roles]

    def _shift(self, week: dt.date, role: str) -> Shift:
        interval = self.interval(week)
        return Shift(week, role, interval, self.load(role, interval))

    # History -----------------------------------------------------------------------------------------------

    @cached_property
    def history_rows(self) -> list[Assignment]:
        """Every row of the history, once, by start: a row reached through two periods counts once."""
        seen: set[tuple[str, str, dt.datetime]] = set()
        rows = []
        for a in sorted((a for p in self.history for a in p.rows), key=lambda a: a.start):
            key = (a.uid, a.member, a.start)
            if key not in seen:
                seen.add(key)
                rows.append(a)
        return rows

    @cached_property
    def past(self) -> list[Assignment]:
        """History rows of this team's members that start before the period."""
        ids = {m.id for m in self.team.members}
        first = self.interval(self.weeks[0]).start
        return [a for a in self.history_rows if a.member in ids and a.start < first]

    @cached_property
    def past_shadow_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for a in self.past:
            if a.role == SHADOW_ROLE:
                counts[a.member] += 1
        return counts

    def rest_blocker(self, member: Member, week: dt.date) -> Assignment | None:
        """The history assignment after which `member` is still resting at `week`, if any (rule 5).

        Counted in weeks of the rota, never in hours: a shift after a clock change starts an hour earlier or
        later in UTC, and the rest rule still means "not the next `min_rest_weeks` weeks".
        """
        for a in reversed(self.past_of(member.id)):
            if a.week < week and (week - a.week).days <= 7 * self.rest_after(a):
                return a
        return None

    def rest_after(self, a: Assignment) -> int:
        """Weeks of rest after a past assignment: one after a cover (days, not a rotation), else min_rest_weeks."""
        return COVER_REST_WEEKS if a.kind == "cover" else self.team.rules.min_rest_weeks

    def last_week_on_call(self, member_id: str) -> dt.date | None:
        """The member's last week in the history holding a shift (covers aside)."""
        return max((a.week for a in self.past_of(member_id) if a.kind != "cover"), default=None)

    def shadow_rest(self, member: Member, week: dt.date) -> dt.date | None:
        """The shadow week of this period after which `member` is still resting at `week`, if any.

        A shadow week is a week on call like any other: the rest rule counts it (onboarding is "as rest allows").
        """
        gap = dt.timedelta(weeks=self.team.rules.min_rest_weeks)
        return next((s for s in self.shadow_weeks.get(member.id, ()) if s < week <= s + gap), None)

    def past_of(self, member_id: str) -> list[Assignment]:
        return [a for a in self.past if a.member == member_id]

    # Onboarding (docs/spec.md §7) ----------------------------------------------------------------------------

    @cached_property
    def shadow_weeks(self) -> dict[str, list[dt.date]]:
        """Each onboarding member's shadow weeks: as early as their absences and rest allow.

        Fixed before solving, so that a member's first week in a role, and so their fair share, is a fact
        the solver can rely on rather than a decision it has to make.
        """
        plan: dict[str, list[dt.date]] = {}
        for member in self.team.members:
            pending = member.shadow_shifts - self.past_shadow_counts.get(member.id, 0)
            if pending <= 0:
                continue
            weeks: list[dt.date] = []
            for week in self.weeks:
                if len(weeks) == pending:
                    break
                resting = weeks and week < weeks[-1] + (self.team.rules.min_rest_weeks + 1) * ONE_WEEK
                free = self.absence_reason(member, week) is None and self.rest_blocker(member, week) is None
                on_team = (member.joined is None or week >= member.joined) and (
                    member.left is None or week < member.left
                )
                if not resting and free and on_team:
                    weeks.append(week)
            plan[member.id] = weeks
        return plan

    def onboarding_until(self, member: Member) -> dt.date | None:
        """The last week `member` may not hold a role because shadow shifts are pending; None if not onboarding."""
        pending = member.shadow_shifts - self.past_shadow_counts.get(member.id, 0)
        if pending <= 0:
            return None
        weeks = self.shadow_weeks.get(member.id, [])
        if len(weeks) < pending:
            return self.weeks[-1]  # not all shadow weeks fit: no role this period
        return weeks[-1]

    # Who may hold what (rules 3 and 4) ---------------------------------------------------------------------

    def membership_reason(self, member: Member, week: dt.date) -> str | None:
        """Why `member` is not on the team in `week` (joined, left), or None."""
        if member.joined is not None and week < member.joined:
            return f"joins on {member.joined}"
        if member.left is not None and week >= member.left:
            return f"leaves on {member.left}"
        return None

    def eligibility_reason(self, member: Member, week: dt.date, role: str) -> str | None:
        """Rule 3: why `member` may not hold `role` in `week` (roles, joined, left, onboarding), or None."""
        if role not in self.team.member_roles(member):
            return f"does not hold {role} (roles: {', '.join(self.team.member_roles(member))})"
        membership = self.membership_reason(member, week)
        if membership is not None:
            return membership
        until = self.onboarding_until(member)
        if until is not None and week <= until:
            return f"onboarding (shadowing until the week of {until})"
        return None

    def absence_reason(self, member: Member, week: dt.date) -> str | None:
        """Rule 4: the absence that overlaps the shift of `week`, in words, or None."""
        absence = self.absence_during(member.id, self.interval(week))
        return None if absence is None else absence.described

    def rest_reason(self, member: Member, week: dt.date) -> str | None:
        """Rule 5 across the history and shadow weeks: the earlier week `member` rests after, in words, or None."""
        shadow = self.shadow_rest(member, week)
        if shadow is not None:
            return f"resting after shadowing the week of {shadow} (min_rest_weeks: {self.team.rules.min_rest_weeks})"
        blocker = self.rest_blocker(member, week)
        if blocker is None:
            return None
        rest = self.rest_after(blocker)
        return f"resting after the week of {blocker.week} (min_rest_weeks: {rest})"

    def calendar_reason(self, member: Member, week: dt.date) -> str | None:
        """Why `member` cannot be on call at all in `week`: not on the team, absent or resting; else None."""
        return (
            self.membership_reason(member, week) or self.absence_reason(member, week) or self.rest_reason(member, week)
        )

    def role_reason(self, member: Member, week: dt.date, role: str) -> str | None:
        """Why `member` cannot hold `role` in `week` by rules 3-5 (history included), or None if they may."""
        return self.eligibility_reason(member, week, role) or self.calendar_reason(member, week)

    def may_hold(self, member: Member, week: dt.date, role: str) -> bool:
        return self.role_reason(member, week, role) is None

    def absences_of(self, member_id: str) -> list[tuple[Absence, Interval]]:
        return self._absences.get(member_id, [])

    @cached_property
    def _absences(self) -> dict[str, list[tuple[Absence, Interval]]]:
        by_member: dict[str, list[tuple[Absence, Interval]]] = defaultdict(list)
        for absence in self.team.absences:
            by_member[absence.who].append((absence, absence_interval(absence, self.team.zone)))
        return by_member

    def absence_during(self, member_id: str, interval: Interval) -> Absence | None:
        return next((a for a, span in self.absences_of(member_id) if span.overlaps(interval)), None)

    # Fairness (docs/spec.md §6) ----------------------------------------------------------------------------

    def share_eligible(self, member: Member, week: dt.date, role: str) -> bool:
        """Counts towards a shift's fair share: may hold the role (rule 3), not on an excused absence."""
        if self.eligibility_reason(member, week, role) is not None:
            return False
        interval = self.interval(week)
        return not any(a.is_excused and span.overlaps(interval) for a, span in self.absences_of(member.id))

    def fair_shares(self, shifts: Iterable[Shift]) -> dict[str, float]:
        """Each member's fair share of these shifts: load x fte / sum of fte of those eligible for it."""
        shares: dict[str, float] = defaultdict(float)
        for shift in shifts:
            eligible = [m for m in self.team.members if self.share_eligible(m, shift.week, shift.role)]
            total_fte = sum(m.fte for m in eligible)
            for m in eligible:
                shares[m.id] += shift.load * m.fte / total_fte
        return {m.id: shares[m.id] for m in self.team.members}

    @cached_property
    def period_shares(self) -> dict[str, float]:
        return self.fair_shares(self.shifts)

    @cached_property
    def past_shares(self) -> dict[str, float]:
        """Each member's fair share over the history: as each period was published, else from this team."""
        first = self.interval(self.weeks[0]).start
        shares: dict[str, float] = defaultdict(float)
        for period in self.history:
            if period.fair_shares is not None and all(a.start < first for a in period.rows):
                for member, share in period.fair_shares.items():
                    shares[member] += share
                continue
            loads: dict[tuple[dt.date, str], float] = defaultdict(float)
            for a in period.rows:
                if a.role in self.roles and a.start < first:
                    loads[(a.week, a.role)] += a.load  # a cover splits a shift's rows, not its load
            bare = [Shift(week, role, self.interval(week), load) for (week, role), load in sorted(loads.items())]
            for member, share in self.fair_shares(bare).items():
                shares[member] += share
        return {m.id: shares[m.id] for m in self.team.members}

    @cached_property
    def past_balances(self) -> dict[str, float]:
        """Load carried minus fair share over the history, per member of today's team."""
        carried: dict[str, float] = defaultdict(float)
        for a in self.past:
            if a.role != SHADOW_ROLE:
                carried[a.member] += a.load
        return {m.id: carried[m.id] - self.past_shares[m.id] for m in self.team.members}

    @cached_property
    def past_role_counts(self) -> dict[tuple[str, str], int]:
        """Whole shifts per (member, role) in the history; a cover is not a shift."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for a in self.past:
            if a.kind != "cover" and a.start == self.interval(a.week).start:
                counts[(a.member, a.role)] += 1
        return counts

    # Who the objectives are about --------------------------------------------------------------------------

    @cached_property
    def fairness_members(self) -> list[Member]:
        """Members who may hold a required role at some week of the period: the spread is over them."""
        return [m for m in self.team.members if any(self.share_eligible(m, s.week, s.role) for s in self.shifts)]

    @cached_property
    def capable_members(self) -> list[Member]:
        """Members on the team who may hold a required role in some week of the period (rule 7 counts them).

        Absences and rest do not reduce the count: the team's size is what allows for them.
        """
        return [
            m
            for m in self.team.members
            if any(self.eligibility_reason(m, w, r) is None for w in self.weeks for r in self.roles)
        ]

    def avoided_weeks(self, member_id: str) -> set[dt.date]:
        """Weeks a member asked to avoid: a named week, or every shift touching the given days."""
        zone = self.team.zone
        avoided: set[dt.date] = set()
        for pref in self.team.preferences:
            if pref.who != member_id:
                continue
            if pref.avoid is not None:
                avoided.add(pref.avoid)
            elif pref.from_ is not None and pref.to is not None:
                days = day_interval(pref.from_, pref.to, zone)
                avoided.update(w for w in self.weeks if self.interval(w).overlaps(days))
        return avoided & set(self.weeks)

    @property
    def natural_cycle_weeks(self) -> int:
        """How often each member would be on call if everyone took turns: members / roles weeks."""
        return max(1, len(self.fairness_members) // max(1, len(self.roles)))

    def pins_in_period(self) -> list[tuple[str, dt.date, str]]:
        weeks = set(self.weeks)
        return [(p.who, p.week, p.role) for p in self.team.pins if p.week in weeks]


def make_problem(team: Team, period: Period, history: Sequence[PastPeriod] | Sequence[Assignment] = ()) -> Problem:
    """A problem with the team's public holidays looked up for every year the period and history touch.

    `history` is earlier periods, or bare rows (one period whose fair shares are computed from `team`).
    """
    periods = tuple(p for p in history if isinstance(p, PastPeriod))
    if len(periods) != len(history):
        periods = (PastPeriod(tuple(a for a in history if isinstance(a, Assignment))),)
    days: frozenset[dt.date] = frozenset()
    if team.public_holidays is not None:
        import holidays

        first = min([period.first, *(a.week for p in periods for a in p.rows)])
        years = list(range(first.year, (period.last + ONE_WEEK).year + 1))
        calendar = holidays.country_holidays(
            team.public_holidays.country, subdiv=team.public_holidays.subdivision, years=years
        )
        days = frozenset(calendar.keys())
    return Problem(team, period, periods, days)
