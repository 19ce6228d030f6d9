"""`rota swap` (docs/spec.md §8): hand over or trade a shift, checked against every hard rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from rota.exports.rota_csv import read_rota_csv
from tests.checker import check_rota_dir
from tests.helpers import run, snapshot

NOW = "2027-02-09T18:30"


def holder(directory: Path, week: str, role: str) -> str:
    return next(a.member for a in read_rota_csv(directory) if a.week.isoformat() == week and a.role == role)


def tradeable_week(directory: Path) -> str:
    """A March week whose primary and secondary may hold each other's role (not heidi: secondary only); 2027-03-09,
    the example's pin, is not offered."""
    for week in ("2027-03-02", "2027-03-16", "2027-03-23", "2027-03-30"):
        if "heidi" not in {holder(directory, week, "primary"), holder(directory, week, "secondary")}:
            return week
    raise AssertionError("no tradeable week in March")


def test_a_trade_within_a_week_swaps_roles_and_keeps_the_rules(q1: Path) -> None:
    week = tradeable_week(q1)
    primary, secondary = holder(q1, week, "primary"), holder(q1, week, "secondary")
    before = {a.uid: a for a in read_rota_csv(q1)}
    result = run(
        "swap",
        q1,
        "--week",
        week,
        "--role",
        "primary",
        "--to",
        secondary,
        "--with-week",
        week,
        "--now",
        NOW,
    )
    assert result.exit_code == 0, result.output
    after = {a.uid: a for a in read_rota_csv(q1)}
    assert set(after) == set(before)  # same UIDs: a swap changes holders, not events
    changed = {uid for uid in after if after[uid] != before[uid]}
    assert changed == {f"payments.primary.{week}@rota", f"payments.secondary.{week}@rota"}
    assert after[f"payments.primary.{week}@rota"].member == secondary
    assert after[f"payments.secondary.{week}@rota"].member == primary
    assert all(after[uid].kind == "swap" and after[uid].sequence == 1 for uid in changed)
    assert check_rota_dir(q1) == []
    assert "recorded kind swap on 2 row(s)" in result.output
    # Each member keeps their lost role's time in their feed, cancelled, under a UID no live event has.
    lost = {(a.member, a.role, a.start) for a in read_rota_csv(q1 / "cancelled.csv")}
    start = after[f"payments.primary.{week}@rota"].start
    assert lost == {(primary, "primary", start), (secondary, "secondary", start)}
    assert not {a.uid for a in read_rota_csv(q1 / "cancelled.csv")} & set(after)


def test_a_swap_that_breaks_a_rule_is_refused_with_the_reason(q1: Path) -> None:
    before = snapshot(q1)
    result = run("swap", q1, "--week", "2027-03-02", "--role", "primary", "--to", "heidi", "--now", NOW)
    assert result.exit_code == 3
    assert result.output.startswith("error: swap refused: it breaks the hard rules (--force writes it anyway)\n")
    assert (
        "  rule 3 (eligibility): heidi holds primary in the week of 2027-03-02: does not hold primary" in result.output
    )
    assert snapshot(q1) == before


def test_force_writes_the_swap_and_names_what_it_breaks(q1: Path) -> None:
    result = run("swap", q1, "--week", "2027-03-02", "--role", "primary", "--to", "heidi", "--now", NOW, "--force")
    assert result.exit_code == 0, result.output
    assert "forced: breaks rule 3 (eligibility): heidi holds primary in the week of 2027-03-02" in result.output
    assert any("rule 3" in line for line in check_rota_dir(q1))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--week", "2027-01-05", "--role", "primary", "--to", "alice"], "--week 2027-01-05: that shift has ended"),
        (
            ["--week", "2027-03-03", "--role", "primary", "--to", "alice"],
            "--week 2027-03-03: not a week of a published rota",
        ),
        (["--week", "2027-03-02", "--role", "boss", "--to", "alice"], "--role 'boss': unknown role; valid: primary"),
        (["--week", "2027-03-02", "--role", "primary", "--to", "zed"], "--to 'zed': unknown member; valid: alice"),
    ],
)
def test_bad_swaps_are_bad_input(q1: Path, args: list[str], expected: str) -> None:
    before = snapshot(q1)
    result = run("swap", q1, *args, "--now", NOW)
    assert result.exit_code == 2
    assert f"error: {expected}" in result.output
    assert snapshot(q1) == before
