"""Quarter after quarter: the history travels with the rota, and subscribers keep their URLs and past weeks."""

from __future__ import annotations

from pathlib import Path

import icalendar

from rota.home.history import load_history
from rota.home.home import TOKENS_FILE
from tests.checker import read_rows
from tests.helpers import EXAMPLE, run


def generate(quarter: str, out: Path, *history: Path) -> None:
    args: list[str | Path] = ["generate", EXAMPLE, "--quarter", quarter, "--out", out, "--now", "2026-12-01", "-q"]
    for earlier in history:
        args += ["--history", earlier]
    result = run(*args)
    assert result.exit_code == 0, result.output


def test_history_tokens_and_past_weeks_carry_forward(tmp_path: Path) -> None:
    q1, q2, q3 = tmp_path / "q1", tmp_path / "q2", tmp_path / "q3"
    generate("2027Q1", q1)
    generate("2027Q2", q2, q1)
    generate("2027Q3", q3, q2)  # only last quarter named: it brings the one before

    q1_rows = read_rows(q1 / "rota.csv")
    assert read_rows(q2 / "history.csv") == q1_rows
    assert len(read_rows(q3 / "history.csv")) == len(q1_rows) + len(read_rows(q2 / "rota.csv"))
    assert (q3 / TOKENS_FILE).read_bytes() == (q1 / TOKENS_FILE).read_bytes()
    assert oct((q3 / TOKENS_FILE).stat().st_mode & 0o777) == "0o600"

    def uids(path: Path) -> set[str]:
        return {str(e["UID"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")}

    # Alice's feed in Q3 still shows her Q1 and Q2 weeks, under the same UIDs.
    assert uids(q1 / "feeds" / "alice.ics") | uids(q2 / "feeds" / "alice.ics") <= uids(q3 / "feeds" / "alice.ics")


def test_a_rota_named_twice_counts_once(tmp_path: Path) -> None:
    q1, q2 = tmp_path / "q1", tmp_path / "q2"
    generate("2027Q1", q1)
    generate("2027Q2", q2, q1)
    once = [a for p in load_history([q2]) for a in p.rows]
    twice = [a for p in load_history([q1, q2, q2 / "rota.csv"]) for a in p.rows]
    assert len({(a.uid, a.member) for a in once}) == len({(a.uid, a.member) for a in twice})
