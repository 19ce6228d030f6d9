"""No lost updates: real `rota` processes racing on one home, and processes killed half-way.

Two changes run at once must leave the home as one of them run after the other would; a killed change leaves it
exactly as it was or exactly as the change would have, once the next command has looked at it; and a killed
command's lock never blocks the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rota.exports.rota_csv import read_rota_csv
from rota.home import commit
from rota.home.team_edit import add_absence
from tests.helpers import ROTA, run

NOW = "2027-02-09T18:00"
Q1 = "rota-2027Q1"

Command = Callable[[Path], list[str]]


def state(home: Path) -> dict[str, bytes]:
    """What the home holds for its users: the team file and every file of every period (the lock aside)."""
    files = {"team.yaml": (home / "team.yaml").read_bytes()}
    for path in sorted(home.rglob("*")):
        if path.is_file() and path.parent != home:
            files[str(path.relative_to(home))] = path.read_bytes()
    return files


def holder(home: Path, week: str, role: str = "primary") -> str:
    day = dt.date.fromisoformat(week)
    return next(a.member for a in read_rota_csv(home / Q1) if a.week == day and a.role == role)


def cover_feb(home: Path) -> list[str]:
    return ["cover", str(home), "--who", holder(home, "2027-02-09"), "--from", "2027-02-10", "--to", "2027-02-11"]


def cover_mar(home: Path) -> list[str]:
    return ["cover", str(home), "--who", holder(home, "2027-03-02"), "--from", "2027-03-03"]


def update(home: Path) -> list[str]:
    return ["update", str(home)]


def regenerate(home: Path) -> list[str]:
    return ["generate", str(home), "--quarter", "2027Q1", "--force", "-q"]


def trade(home: Path) -> list[str]:
    return ["swap", str(home), "--week", "2027-03-02", "--role", "primary",
            "--to", holder(home, "2027-03-02", "secondary"), "--with-week", "2027-03-02"]  # fmt: skip


def in_home(args: list[str], base: Path, home: Path) -> list[str]:
    """A command worked out on `base`, run on `home`: the same arguments, whatever happened since."""
    return [str(home) if arg == str(base) else arg for arg in [*args, "--now", NOW]]


def serially(base: Path, home: Path, commands: list[list[str]]) -> tuple[list[int], dict[str, bytes]]:
    """Exit codes and the home after running the commands one after the other in a copy of `base`."""
    shutil.copytree(base, home)
    codes = [run(*in_home(args, base, home)).exit_code for args in commands]
    return codes, state(home)


@pytest.fixture
def edited(home: Path) -> Path:
    """The example home, with a holiday added to the team file that `update` has still to apply."""
    text = (home / "team.yaml").read_text()
    who = holder(home, "2027-03-09", "secondary")
    text, _ = add_absence(text, "team.yaml", who, dt.date(2027, 3, 8), dt.date(2027, 3, 12), "holiday")
    (home / "team.yaml").write_text(text)
    return home


@pytest.mark.parametrize(
    ("first", "second", "both_apply"),
    [
        (cover_feb, cover_mar, True),
        (cover_feb, update, True),
        (regenerate, trade, False),  # regenerated first, the week may have other holders: the trade is refused
    ],
    ids=["two covers", "a cover and an update", "a generate --force and a swap"],
)
def test_two_changes_at_once_end_as_one_after_the_other(
    edited: Path, tmp_path: Path, first: Command, second: Command, both_apply: bool
) -> None:
    commands = [first(edited), second(edited)]  # worked out before either runs, as two people would
    outcomes = [
        serially(edited, tmp_path / "one-two", commands),
        serially(edited, tmp_path / "two-one", commands[::-1]),
    ]
    for attempt in range(2):
        home = tmp_path / f"race-{attempt}"
        shutil.copytree(edited, home)
        processes = [
            subprocess.Popen([ROTA, *in_home(args, edited, home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for args in commands
        ]
        codes = []
        for process in processes:
            process.communicate(timeout=120)
            codes.append(process.returncode)
        assert (codes, state(home)) in [outcomes[0], (outcomes[1][0][::-1], outcomes[1][1])]
    if both_apply:
        assert [codes for codes, _ in outcomes] == [[0, 0], [0, 0]]


def test_a_command_that_waits_for_the_lock_says_so(home: Path) -> None:
    with commit.locked(home / ".rota.lock", "the test"):
        process = subprocess.Popen(
            [ROTA, *cover_feb(home), "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], 30)
        assert ready, "no word on stderr while waiting"
        assert process.stderr.readline().decode().startswith(f"waiting for another rota command to finish with {home}")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()


def test_a_killed_change_leaves_the_old_home_or_the_new_one_and_no_lock(home: Path, tmp_path: Path) -> None:
    old = state(home)
    done = tmp_path / "done"
    shutil.copytree(home, done)
    started = time.monotonic()
    assert run(*cover_feb(done), "--now", NOW).exit_code == 0
    new = state(done)
    assert new != old
    lasts = max(time.monotonic() - started, 1.0) + 1.0  # a subprocess also spends its start-up
    chances = random.Random(12)
    for attempt in range(6):
        target = tmp_path / f"killed-{attempt}"
        shutil.copytree(home, target)
        process = subprocess.Popen(
            [ROTA, *cover_feb(target), "--now", NOW], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chances.uniform(0, lasts))  # a kill at a random point of the command's life
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        # The next command takes the lock at once and finishes or sweeps away what the killed one left.
        looked = subprocess.run([ROTA, "report", str(target)], capture_output=True, timeout=60)
        assert looked.returncode == 0, looked.stderr.decode()
        after = state(target)
        assert after in (old, new)
        assert not [p for p in target.iterdir() if p.name.endswith((commit.STAGED_DIR, commit.STAGED_FILE))]


def test_a_change_that_stops_between_its_steps_is_finished_by_the_next_command(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = tmp_path / "done"
    shutil.copytree(home, done)
    assert run(*cover_feb(done), "--now", NOW).exit_code == 0
    real = commit._finish
    finished: list[object] = []

    def stop_after_one_step(step: dict[str, str]) -> None:
        if finished:
            raise OSError("power cut between steps (injected)")
        finished.append(step)
        real(step)

    monkeypatch.setattr(commit, "_finish", stop_after_one_step)
    with pytest.raises(OSError, match="injected"):
        run(*cover_feb(home), "--now", NOW)
    monkeypatch.setattr(commit, "_finish", real)
    assert (home / ".rota-journal.json").exists()  # the period is new, the team file not yet
    assert run("report", home).exit_code == 0
    assert state(home) == state(done)
