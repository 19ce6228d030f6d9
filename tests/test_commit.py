"""Writing a home all at once or not at all (rota/home/commit.py): staged, journalled, recovered."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rota.home import commit

OLD = {"rota.csv": b"old\n", "feeds/a.ics": b"old a\n"}
NEW = {"rota.csv": b"new\n", "feeds/a.ics": b"new a\n", "feeds/b.ics": b"new b\n"}


def files_in(directory: Path) -> dict[str, bytes]:
    found = {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    found.pop(commit.VERSION_FILE)
    return found


def changes(home: Path, files: dict[str, bytes], team: bytes | None = None) -> commit.Changes:
    change = commit.Changes()
    change.directory(home / "rota-q", files, owner_only=frozenset({"feed-tokens.json"}))
    if team is not None:
        change.file(home / "team.yaml", team)
    return change


def stop_after_first_step(monkeypatch: pytest.MonkeyPatch) -> None:
    real = commit._finish
    taken: list[object] = []

    def finish(step: dict[str, str]) -> None:
        if taken:
            raise OSError("power cut (injected)")
        taken.append(step)
        real(step)

    monkeypatch.setattr(commit, "_finish", finish)


def test_a_directory_and_a_file_are_replaced_whole(tmp_path: Path) -> None:
    journal = tmp_path / ".rota-journal.json"
    commit.apply(changes(tmp_path, OLD, b"team: old\n"), journal)
    commit.apply(changes(tmp_path, NEW, b"team: new\n"), journal)
    assert files_in(tmp_path / "rota-q") == NEW
    assert (tmp_path / "team.yaml").read_bytes() == b"team: new\n"
    assert not journal.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rota-q", "team.yaml"]  # nothing staged is left


def test_directories_follow_the_umask_and_secrets_are_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        commit.apply(changes(tmp_path, {**OLD, "feed-tokens.json": b"{}"}), tmp_path / "j")
    finally:
        os.umask(previous)
    assert (tmp_path / "rota-q").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "rota-q" / "rota.csv").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "rota-q" / "feed-tokens.json").stat().st_mode & 0o777 == 0o600


def test_a_change_stopped_between_its_steps_is_finished_by_recovery_even_after_the_home_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    commit.apply(changes(home, OLD, b"team: old\n"), home / ".rota-journal.json")
    stop_after_first_step(monkeypatch)
    with pytest.raises(OSError, match="injected"):
        commit.apply(changes(home, NEW, b"team: new\n"), home / ".rota-journal.json")
    monkeypatch.undo()
    assert files_in(home / "rota-q") == NEW and (home / "team.yaml").read_bytes() == b"team: old\n"  # half done
    moved = tmp_path / "moved"
    shutil.move(home, moved)
    assert commit.recover(moved / ".rota-journal.json")
    assert files_in(moved / "rota-q") == NEW and (moved / "team.yaml").read_bytes() == b"team: new\n"
    assert sorted(p.name for p in moved.iterdir()) == ["rota-q", "team.yaml"]


def test_a_failure_while_staging_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit.apply(changes(tmp_path, OLD), tmp_path / "j")
    real = commit._write

    def full(path: Path, data: bytes, mode: int | None = None) -> None:
        if path.name == "b.ics":
            raise OSError("disk full (injected)")
        real(path, data, mode)

    monkeypatch.setattr(commit, "_write", full)
    with pytest.raises(OSError, match="injected"):
        commit.apply(changes(tmp_path, NEW, b"team: new\n"), tmp_path / "j")
    assert files_in(tmp_path / "rota-q") == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rota-q"]


def test_recovery_sweeps_only_what_its_lock_covers(tmp_path: Path) -> None:
    mine = tmp_path / f".q1.abc{commit.STAGED_DIR}"
    theirs = tmp_path / f".q2.abc{commit.STAGED_DIR}"
    mine.mkdir()
    theirs.mkdir()
    assert not commit.recover(tmp_path / ".q1.rota-journal.json", staged_prefix=".q1.")
    assert not mine.exists() and theirs.exists()
