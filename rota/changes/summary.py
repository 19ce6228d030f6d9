"""What a change prints: the changed rows before and after, each member's balance change, and the kind recorded."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from models.balance import member_balances, spread
from models.rota import Assignment
from rota.changes.versions import Change, same_assignment


def changed_rows(change: Change) -> tuple[list[Assignment], list[Assignment]]:
    """Rows of the old version not in the new one, and rows of the new version not in the old one."""
    old = {a.uid: a for a in change.before.rows}
    new = {a.uid: a for a in change.after.rows}
    gone = [a for uid, a in old.items() if uid not in new or not same_assignment(a, new[uid])]
    came = [a for uid, a in new.items() if uid not in old or not same_assignment(a, old[uid])]
    return gone, came


def changes_table(change: Change) -> Table:
    """One line per changed row of the new version, with who held that time before."""
    problem = change.after_problem
    zone = problem.team.zone
    gone, came = changed_rows(change)
    table = Table(title=f"changed assignments ({change.kind})", box=box.SIMPLE, show_edge=False, pad_edge=False)
    for column in ("role", "from", "to", "before", "after", "kind", "load", "seq"):
        table.add_column(column, no_wrap=True)
    for a in came:
        held = [b.member for b in change.before.rows if b.role == a.role and b.start < a.end and a.start < b.end]
        table.add_row(
            a.role,
            f"{a.start.astimezone(zone):%d %b %H:%M}",
            f"{a.end.astimezone(zone):%d %b %H:%M}",
            ", ".join(dict.fromkeys(held)) or "-",
            a.member,
            a.kind,
            f"{a.load:g}",
            str(a.sequence),
        )
    kept = {a.uid for a in came}
    for a in gone:
        if a.uid not in kept:
            table.add_row(
                a.role,
                f"{a.start.astimezone(zone):%d %b %H:%M}",
                f"{a.end.astimezone(zone):%d %b %H:%M}",
                a.member,
                "-",
                "removed",
                f"{a.load:g}",
                "",
            )
    return table


def balance_table(change: Change) -> Table:
    """Each member's balance before and after (docs/spec.md §6), and the spread over the fairness members."""
    before = member_balances(change.before_problem, change.before.rows)
    after = member_balances(change.after_problem, change.after.rows)
    table = Table(title="fairness effect (balance = load - fair share)", box=box.SIMPLE)
    for column in ("member", "before", "after", "change"):
        table.add_column(column, justify="left" if column == "member" else "right")
    for member in change.after_problem.team.members:
        old = before[member.id].balance if member.id in before else 0.0
        new = after[member.id].balance
        table.add_row(member.id, f"{old:+.2f}", f"{new:+.2f}", f"{new - old:+.2f}" if abs(new - old) >= 0.005 else "")
    old_spread = spread(change.before_problem, before)
    new_spread = spread(change.after_problem, after)
    table.caption = f"spread {old_spread:.3f} -> {new_spread:.3f} days"
    return table


def show_change(console: Console, change: Change) -> None:
    gone, came = changed_rows(change)
    if came or gone:
        console.print(changes_table(change))
    else:
        console.print("no assignment changed", highlight=False)
    console.print(balance_table(change))
    for note in change.notes:
        console.print(note, highlight=False, soft_wrap=True)
    kinds = sorted({a.kind for a in came})
    lost = len(change.after.cancelled)
    console.print(
        f"recorded kind {change.kind} on {sum(1 for a in came if a.kind == change.kind)} row(s)"
        + (f" (changed rows' kinds: {', '.join(kinds)})" if kinds and kinds != [change.kind] else "")
        + f"; SEQUENCE raised on {sum(1 for a in came if a.sequence > 0)} event(s); "
        + f"the period's feeds keep {lost} cancelled event(s) in all; wrote {change.directory}/",
        highlight=False,
        soft_wrap=True,
    )
