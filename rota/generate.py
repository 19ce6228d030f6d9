"""The main job as a library: a team home's next period, solved and published beside the earlier ones.

The CLI is a thin layer over these functions; tests and benchmarks call them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from models.calendar import Period, quarter_period, shift_interval, weeks_period
from models.errors import InputError
from models.problem import Problem, make_problem
from models.rota import Assignment, PastPeriod
from models.team import Team
from rota.assignments import assignments
from rota.changes.versions import next_version
from rota.home.history import load_history
from rota.home.home import TOKENS_FILE, Home, find_home
from rota.home.period import PeriodVersion, is_rota_dir, read_period
from rota.home.state import HomeState, changing, snapshot
from rota.home.tokens import inherited_tokens, read_tokens, team_feeds, tokens_bytes, tokens_with
from solver.limit import DEFAULT_LIMIT, Limit
from solver.solve import ProgressCallback, Solution, solve


@dataclass(frozen=True)
class PeriodChoice:
    """What the user asked for: a quarter (`2027Q1`, `next`, `current`) or a start date and a number of weeks."""

    quarter: str | None = None
    start: dt.date | None = None
    weeks: int | None = None

    def resolve(self, team: Team, today: dt.date) -> Period:
        if self.start is not None or self.weeks is not None:
            if self.quarter is not None:
                raise InputError("give either --quarter or --start with --weeks, not both")
            if self.start is None or self.weeks is None:
                raise InputError("--start and --weeks go together: e.g. --start 2027-01-05 --weeks 13")
            return weeks_period(self.start, self.weeks, team)
        return quarter_period(self.quarter or "next", team, today)


@dataclass(frozen=True)
class Generated:
    problem: Problem
    solution: Solution
    rows: list[Assignment]
    directory: Path


def plan(
    state: HomeState,
    period: Period,
    *,
    history: Sequence[Path] = (),
    replacing: Path | None = None,
    overlapping_ok: bool = False,
) -> tuple[Problem, list[Path]]:
    """The problem of a period of the home: the team file, and everything before the period (the team file's
    `history:`, every earlier published period, and `history` given on the command line). Also returns the
    earlier periods' directories. A published period overlapping this one, other than `replacing`, is an error
    unless `overlapping_ok` (a check of a period already published)."""
    team = state.team
    start, end = shift_interval(period.first, team).start, shift_interval(period.last, team).end
    replaced = [i for i, d in enumerate(state.directories) if replacing and d.absolute() == replacing.absolute()]
    earlier = [i for i, p in enumerate(state.periods) if p.end <= start and i not in replaced]
    for index, p in enumerate(state.periods):
        directory = state.directories[index]
        if index not in earlier and index not in replaced and p.start < end and not overlapping_ok:
            raise InputError(
                f"{directory}: already covers weeks of {period.name} ({p.period.first} to {p.period.last}); "
                f"to make it again, pass --force with --out {directory}"
            )
    periods: list[PastPeriod] = [*state.team_history(), *(state.periods[i].as_history() for i in earlier)]
    # A published period named again with --history counts once.
    published = {d.resolve() for d in state.directories}
    periods += load_history([path for path in history if path.resolve() not in published])
    return make_problem(team, period, periods), [state.directories[i] for i in earlier]


def generate(
    path: Path,
    choice: PeriodChoice,
    *,
    history: Sequence[Path] = (),
    out: Path | None = None,
    force: bool = False,
    now: dt.datetime | None = None,
    seed: int = 0,
    limit: Limit = DEFAULT_LIMIT,
    on_progress: ProgressCallback | None = None,
) -> Generated:
    """Solve a period of the home `path` names and publish it: beside the team file (rota-<period>), or at `out`.

    An existing rota directory is refused unless `force`, which replaces it as a change: calendar SEQUENCEs are
    raised where assignments differ, and what members lost stays in their feeds, cancelled."""
    home = find_home(path)
    if home.lone:
        raise InputError(f"{path}: a rota directory; give its team file (or the team home) to generate a period")

    def compute(source: HomeState, sink: HomeState) -> Generated:
        """Read the team and its history from `source` (the home), stage the new period in `sink`."""
        sink.now = source.now  # a lone directory not yet written has no time zone of its own
        now = source.now
        team = source.team
        period = choice.resolve(team, now.astimezone(team.zone).date())
        target = out or home.default_period_dir(period.name)
        if target.exists() and not force:
            raise InputError(f"{target}: a rota directory already exists; pass --force to replace it, or --out another")
        problem, earlier = plan(source, period, history=history, replacing=target)
        solution = solve(problem, time_limit_s=limit.seconds, work_limit=limit.work, seed=seed, on_progress=on_progress)
        rows = assignments(problem, solution)
        in_home = sink is source
        version = PeriodVersion(
            team,
            source.team_text,
            period,
            rows,
            problem.period_shares,
            home.period_link() if in_home else None,
            generated=now,
            history=() if in_home else problem.history,
        )
        if is_rota_dir(target):
            why = "generated again with --force"
            changed = next_version(read_period(target), team, source.team_text, rows, now, kind="generate", why=why)
            version = replace(
                version,
                rows=changed.rows,
                cancelled=changed.cancelled,
                modified=changed.modified,
                changes=changed.changes,
            )
        feeds = team_feeds(team)
        if in_home:
            tokens = tokens_with(inherited_tokens(home, [*earlier, *history]), feeds)
            if tokens != read_tokens(home.tokens_file):
                sink.stage_file(home.tokens_file, tokens_bytes(tokens), 0o600)
            sink.stage_new(target, version, problem)
        else:
            # A lone directory keeps its own tokens: those it has, else the team's, else the history's.
            own = read_tokens(target / TOKENS_FILE) or inherited_tokens(home, [*earlier, *history])
            sink.stage_new(target, version, problem, {TOKENS_FILE: tokens_bytes(tokens_with(own, feeds))})
        return Generated(problem, solution, rows, target)

    if out is None or out.absolute().parent == home.root.absolute():
        return changing(home, lambda state: compute(state, state), now)
    # Outside its home, the directory is a lone one, locked and journalled beside itself; the home is only read.
    lone = Home(out.absolute(), out.absolute() / "team.yaml", lone=True)

    def outside(sink: HomeState) -> Generated:
        return compute(snapshot(home, now), sink)

    return changing(lone, outside, now)
