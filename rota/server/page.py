"""The team's web page (docs/spec.md §11): who is on call now and next, the rota, the balances, the team feed.

Rendered on the server, complete without JavaScript, from the same snapshot the feeds come from. It names no
member's feed token: the page is opened with the team feed's token and links to that feed only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from models.balance import member_balances
from models.rota import Assignment
from models.team import Team
from rota.exports.rota_csv import format_load
from rota.home.period import PeriodVersion
from rota.reports.oncall import Holding, OnCall, on_call
from rota.server.view import Rendered

REFRESH_S = 300  # the page reloads itself every five minutes: a wall screen stays current
MARKED = {"cover": "cover", "swap": "swap", "update": "changed"}  # kinds a reader should notice, in their words


def page_html(view: Rendered, at: dt.datetime, feed_url: str) -> str:
    """The whole page at moment `at`; `feed_url` is the team feed's https URL with its token."""
    team = view.team
    answer = on_call(team, view.periods, at)
    shown = _periods_shown(view, at)
    parts = [
        _now_and_next(answer),
        *(_period_table(team, view.periods[i], at) for i in shown),
        _balances(view, shown[0]) if shown else "",
        _subscribe(feed_url),
    ]
    title = f"{escape(team.team)} on call"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_S}">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
<h1>{title}</h1>
<p class="at">{_when(answer.at)} ({escape(team.timezone)})</p>
{"".join(parts)}
</main>
</body>
</html>
"""


def _periods_shown(view: Rendered, at: dt.datetime) -> list[int]:
    """The period holding `at` (else the next to come) and the one after it."""
    upcoming = [i for i, p in enumerate(view.periods) if p.end > at]
    return upcoming[:2]


def _now_and_next(answer: OnCall) -> str:
    if answer.period is None:
        return '<section aria-labelledby="now"><h2 id="now">Now</h2><p class="nobody">Nobody is on call: no ' \
            "published rota holds this moment.</p></section>"  # fmt: skip
    cards = []
    for r in answer.roles:
        lines = [
            f'<h3 class="role">{escape(r.role)}</h3>',
            f'<p class="holder">{_person(r.now)}</p>',
            f'<p class="until">until {_when(r.now.end)}</p>',
        ]
        lines += [f'<p class="shadow">shadowed by {_person(s)}</p>' for s in r.shadows]
        if r.next is not None:
            lines.append(f'<p class="next">next: {_person(r.next)}, from {_when(r.next.start)}</p>')
        cards.append(f'<li class="card">{"".join(lines)}</li>')
    heading = '<h2 id="now">Now and next</h2>'
    return f'<section aria-labelledby="now">{heading}<ul class="cards">{"".join(cards)}</ul></section>'


def _person(h: Holding) -> str:
    mark = f' <span class="kind">{MARKED[h.kind]}</span>' if h.kind in MARKED else ""
    return f"{escape(h.name)}{mark}"


def _period_table(team: Team, period: PeriodVersion, at: dt.datetime) -> str:
    name = escape(period.period.name)
    head = "".join(f'<th scope="col">{escape(role)}</th>' for role in team.role_names)
    body = []
    for week in period.period.weeks:
        rows = [a for a in period.rows if a.week == week]
        current = any(a.start <= at < a.end for a in rows)
        cells = "".join(f"<td>{_holders(team, rows, role)}</td>" for role in team.role_names)
        attributes = ' class="current" aria-current="date"' if current else ""
        body.append(f'<tr{attributes}><th scope="row">{week:%d %b}</th>{cells}</tr>')
    return (
        f'<section aria-labelledby="rota-{name}"><h2 id="rota-{name}">{name}</h2>'
        f"<table><caption>Weeks from the changeover day; covers and swaps marked.</caption>"
        f'<thead><tr><th scope="col">week</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></section>'
    )


def _holders(team: Team, rows: Sequence[Assignment], role: str) -> str:
    names = {m.id: m.display_name for m in team.members}
    shown = []
    zone = team.zone
    whole = len([a for a in rows if a.role == role]) == 1
    for a in sorted((a for a in rows if a.role == role), key=lambda a: a.start):
        name = escape(names.get(a.member, a.member))
        start, end = a.start.astimezone(zone), a.end.astimezone(zone)
        span = "" if whole else f' <span class="span">{start:%a %H:%M}&ndash;{end:%a %H:%M}</span>'
        mark = f' <span class="kind">{MARKED[a.kind]}</span>' if a.kind in MARKED else ""
        shown.append(f"{name}{mark}{span}")
    return "<br>".join(shown) or "&ndash;"


def _balances(view: Rendered, index: int) -> str:
    problem = view.problem(index)
    period = view.periods[index]
    balances = member_balances(problem, period.rows)
    on_rota = {m.id for m in problem.fairness_members}
    rows = []
    for member in view.team.members:
        b = balances.get(member.id)
        if b is None or (member.id not in on_rota and b.shifts == 0):
            continue
        rows.append(
            f'<tr><th scope="row">{escape(member.display_name)}</th><td>{format_load(b.load)}</td>'
            f"<td>{b.share:.2f}</td><td>{b.period_balance:+.2f}</td></tr>"
        )
    name = escape(period.period.name)
    return (
        f'<section aria-labelledby="balances"><h2 id="balances">Balances, {name}</h2><table class="numbers">'
        "<caption>Load in days; balance = load &minus; fair share, this period.</caption>"
        '<thead><tr><th scope="col">member</th><th scope="col">load</th><th scope="col">fair share</th>'
        f'<th scope="col">balance</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _subscribe(feed_url: str) -> str:
    webcal = "webcal" + feed_url[feed_url.index(":") :]
    return (
        '<section aria-labelledby="subscribe"><h2 id="subscribe">Subscribe</h2>'
        "<p>The team's calendar, every role and week: "
        f'<a href="{escape(webcal)}">webcal</a> (Apple Calendar, Outlook) or '
        f'<a href="{escape(feed_url)}">https</a> (Google Calendar: add by URL).</p></section>'
    )


def _when(moment: dt.datetime) -> str:
    return f"{moment:%a %d %b %H:%M}"
