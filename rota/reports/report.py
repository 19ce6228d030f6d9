"""The fairness and compensation report (docs/spec.md §6, §12 `rota report`): each member's figures, from a rota's rows.

Figures come from the assignments as written, so a cover, a swap or an update shows as it happened. Days are
counted by the noon rule (a day belongs to whoever holds its 12:00), hours are exact (UTC arithmetic, so a
shift across a daylight-saving change counts 167 or 169 hours), and fair shares come from the same `Problem`
the solver used, so the balance here is the balance `rota generate` printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.table import Table

from models.calendar import Interval, days_owned
from models.errors import InputError
from models.problem import Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE
from rota.exports.rota_csv import format_load
from rota.home.history import load_history
from rota.home.home import find_home
from rota.home.period import period_problem
from rota.home.state import HomeState, snapshot

WEEKEND = (5, 6)  # Saturday, Sunday, as `date.weekday()` counts


@dataclass(frozen=True)
class Figures:
    """One member's on-call over some stretch of time."""

    shifts: dict[str, int]  # by required role: shifts held whole or in part, covers not counted
    shadow_shifts: int
    hours: float  # exact hours holding a required role, covers included
    weekend_days: int  # Saturdays and Sundays whose noon they held
    holiday_days: int  # public holidays whose noon they held (a holiday on a weekend counts in both)
    covers_given: int  # cover assignments they held for someone else
    covers_received: int  # covers others held in shifts they held
    load: float
    fair_share: float

    @property
    def balance(self) -> float:
        return self.load - self.fair_share


@dataclass(frozen=True)
class MemberReport:
    member: str
    name: str
    email: str
    fte: float
    period: Figures  # over the rota
    cumulative: Figures  # over the history and the rota: its balance is the one the solver evens out


@dataclass(frozen=True)
class Report:
    team: str
    period: str
    roles: list[str]
    history_from: dt.date | None  # the first week of history counted, None without history
    members: list[MemberReport]


# Building the report -----------------------------------------------------------------------------------------


def load_report(
    path: Path, *, period: str | None = None, extra_history: Sequence[Path] = ()
) -> tuple[Report, Problem, list[Assignment]]:
    """A period of a home (the one `path` names, or `period`, else the latest) and everything before it."""
    home = find_home(path)
    state = snapshot(home)
    if not state.periods:
        raise InputError(f"{path}: no published rota yet; run `rota generate {home.team_file}` first")
    index = _chosen(state, path, period)
    version = state.periods[index]
    history = (*state.history_before(index), *load_history(extra_history))
    problem = period_problem(version, history)
    return build_report(problem, version.rows), problem, version.rows


def _chosen(state: HomeState, path: Path, period: str | None) -> int:
    names = [p.period.name for p in state.periods]
    if period is not None:
        if period not in names:
            raise InputError(f"--period {period!r}: not published in {state.home.root}; published: {', '.join(names)}")
        return names.index(period)
    for index, directory in enumerate(state.directories):
        if path.is_dir() and directory.absolute() == path.absolute():
            return index
    return len(state.periods) - 1


def build_report(problem: Problem, rows: Sequence[Assignment]) -> Report:
    weeks = set(problem.weeks)
    period_rows = [a for a in rows if a.week in weeks]
    past_shares = problem.past_shares
    members = []
    for member in problem.team.members:
        period_share = problem.period_shares[member.id]
        period = figures(problem, member.id, period_rows, period_share)
        everything = [*problem.past, *period_rows]
        cumulative = figures(problem, member.id, everything, past_shares[member.id] + period_share)
        members.append(MemberReport(member.id, member.display_name, member.email or "", member.fte, period, cumulative))
    history_from = min((a.week for a in problem.past), default=None)
    return Report(problem.team.team, problem.period.name, problem.roles, history_from, members)


def figures(problem: Problem, member_id: str, rows: Sequence[Assignment], fair_share: float) -> Figures:
    """One member's figures over `rows` (every member's rows: covers received are found through others')."""
    zone = problem.team.zone
    roles = problem.roles
    mine = [a for a in rows if a.member == member_id]
    on_call = [a for a in mine if a.role in roles]
    held = [a for a in on_call if a.kind != "cover"]
    days = [day for a in on_call for day in days_owned(_interval(a), zone)]
    shifts_held = {(a.week, a.role) for a in held}
    covers_by_shift: dict[tuple[dt.date, str], int] = defaultdict(int)
    for a in rows:
        if a.kind == "cover" and a.member != member_id:
            covers_by_shift[(a.week, a.role)] += 1
    return Figures(
        shifts={role: sum(1 for _, r in shifts_held if r == role) for role in roles},
        shadow_shifts=len({a.week for a in mine if a.role == SHADOW_ROLE}),
        hours=sum(a.hours for a in on_call),
        weekend_days=sum(1 for day in days if day.weekday() in WEEKEND),
        holiday_days=sum(1 for day in days if day in problem.public_holidays),
        covers_given=sum(1 for a in on_call if a.kind == "cover"),
        covers_received=sum(covers_by_shift[shift] for shift in shifts_held),
        load=sum(a.load for a in on_call),
        fair_share=fair_share,
    )


def _interval(a: Assignment) -> Interval:
    return Interval(a.start, a.end)


# Output: the same records feed the csv and the json, and the table shows them -----------------------------

# The payroll export's columns, documented in the README and in `rota report --help`.
IDENTITY_COLUMNS = ["period", "member", "name", "email", "fte"]
FIGURE_COLUMNS = [
    "shadow_shifts",
    "hours",
    "weekend_days",
    "holiday_days",
    "covers_given",
    "covers_received",
    "load",
    "fair_share",
    "balance",
]
CUMULATIVE_PREFIX = "cumulative_"


def figure_columns(roles: Sequence[str]) -> list[str]:
    return [f"shifts_{role}" for role in roles] + FIGURE_COLUMNS


def columns(roles: Sequence[str]) -> list[str]:
    """Every column of the csv export, in order."""
    figures_ = figure_columns(roles)
    return [*IDENTITY_COLUMNS, *figures_, "history_from", *(CUMULATIVE_PREFIX + c for c in figures_)]


Value = str | int | float


def figure_values(f: Figures, roles: Sequence[str]) -> dict[str, Value]:
    values: dict[str, Value] = {f"shifts_{role}": f.shifts[role] for role in roles}
    values.update(
        shadow_shifts=f.shadow_shifts,
        hours=_rounded(f.hours),
        weekend_days=f.weekend_days,
        holiday_days=f.holiday_days,
        covers_given=f.covers_given,
        covers_received=f.covers_received,
        load=_rounded(f.load),
        fair_share=_rounded(f.fair_share),
        balance=_rounded(f.balance),
    )
    return values


def records(report: Report) -> list[dict[str, Value]]:
    """One record a member, keyed by `columns(report.roles)`; numbers rounded to thousandths."""
    result = []
    for m in report.members:
        record: dict[str, Value] = {
            "period": report.period,
            "member": m.member,
            "name": m.name,
            "email": m.email,
            "fte": m.fte,
        }
        record.update(figure_values(m.period, report.roles))
        record["history_from"] = report.history_from.isoformat() if report.history_from else ""
        record.update({CUMULATIVE_PREFIX + k: v for k, v in figure_values(m.cumulative, report.roles).items()})
        result.append(record)
    return result


def _rounded(value: float) -> float:
    rounded = round(value, 3)
    return 0.0 if rounded == 0 else rounded  # never "-0"


def format_value(value: Value) -> str:
    return format_load(value) if isinstance(value, float) else str(value)


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(report.roles), lineterminator="\n")
    writer.writeheader()
    for record in records(report):
        writer.writerow({key: format_value(value) for key, value in record.items()})
    return out.getvalue()


def report_json(report: Report) -> str:
    document = {
        "team": report.team,
        "period": report.period,
        "history_from": report.history_from.isoformat() if report.history_from else None,
        "columns": columns(report.roles),
        "members": records(report),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def report_tables(report: Report) -> list[Table]:
    """The rota's figures; and, when there is history, the same over history and rota together."""
    tables = [_table(report, f"{report.team} on-call, {report.period}: fairness and compensation", "")]
    if report.history_from is not None:
        title = f"{report.team} on-call from the week of {report.history_from} to the end of {report.period}"
        tables.append(_table(report, title, CUMULATIVE_PREFIX))
    return tables


TABLE_HEADINGS = {  # two short lines each, so the table fits a terminal
    "shadow_shifts": "shadow\nshifts",
    "hours": "on-call\nhours",
    "weekend_days": "weekend\ndays",
    "holiday_days": "holiday\ndays",
    "covers_given": "covers\ngiven",
    "covers_received": "covers\nrecv'd",
    "load": "load",
    "fair_share": "fair\nshare",
    "balance": "balance",
}


def _table(report: Report, title: str, prefix: str) -> Table:
    table = Table(
        title=title,
        caption="load in days; balance = load - fair share",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    names = figure_columns(report.roles)
    rows = [
        [str(record["member"]), *(_cell(name, record[prefix + name]) for name in names)] for record in records(report)
    ]
    # Figures are never cut short on a narrow terminal: each column is at least as wide as its widest figure,
    # and it is the headings that wrap.
    widths = [max(len(row[i]) for row in rows) for i in range(len(names) + 1)]
    table.add_column("member", no_wrap=True, min_width=widths[0])
    for name, width in zip(names, widths[1:], strict=True):
        heading = name.removeprefix("shifts_") + "\nshifts" if name.startswith("shifts_") else TABLE_HEADINGS[name]
        table.add_column(heading, justify="right", min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _cell(name: str, value: Value) -> str:
    text = format_value(value)
    return f"+{text}" if name == "balance" and isinstance(value, float) and value > 0 else text
