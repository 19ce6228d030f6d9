"""Changing a team home on disk: under its lock, all at once, or not at all.

A command stages everything it changes (whole rota directories, the team file), then puts it in place:

- a rota directory's new version is written in full to a hidden sibling, then exchanged with the old one in one
  rename (Linux's renameat2 RENAME_EXCHANGE; two renames where the kernel cannot), so a reader such as the feed
  server sees the old version or the new one, never a mix and never a half-written file;
- a file (the team file, the feed tokens) is written beside itself and renamed over the old one;
- when a command changes more than one thing (a period and the team file; two periods), a journal lists every
  step before the first is taken. A command killed half-way leaves the journal behind, and the next command to
  take the lock finishes the steps (roll forward) before it reads anything, so every command sees the home exactly
  as it was before the change or exactly as the change left it.

The lock is held from the read a change is computed from to its last write: two commands never compute from the
same state and overwrite each other. It is an flock, released by the kernel when a process dies, so a killed
command's lock never blocks the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import InputError

VERSION_FILE = ".version"  # in every rota directory: a hash of its files, which says which version is in place
STAGED_DIR = ".rota-new"  # suffix of a directory being staged
STAGED_FILE = ".rota-tmp"  # suffix of a file being staged
WAIT_NOTICE_S = 1.0  # a command that waits longer than this for the lock says so


def _say_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Where "waiting for the lock" goes; stderr, so that it never mixes with a command's output.
on_wait: Callable[[str], None] = _say_waiting


@contextlib.contextmanager
def locked(lock_file: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created if missing); after a second of waiting, say so."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise InputError(f"{lock_file.parent}: cannot be written ({error.strerror}); run rota as its owner") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notice = threading.Timer(
                WAIT_NOTICE_S, on_wait, [f"waiting for another rota command to finish with {what}"]
            )
            notice.daemon = True
            notice.start()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            finally:
                notice.cancel()
        yield
    finally:
        os.close(fd)  # closing releases the lock


def try_lock(fd: int) -> bool:
    """Take the lock on an open lock file if it is free, without waiting; closing `fd` releases it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@dataclass
class Changes:
    """What one command changes: whole directories (relative path -> bytes) and whole files."""

    directories: dict[Path, Mapping[str, bytes]] = field(default_factory=dict)
    files: dict[Path, bytes] = field(default_factory=dict)
    file_modes: dict[Path, int] = field(default_factory=dict)  # files that must never be readable by others
    owner_only: dict[Path, frozenset[str]] = field(default_factory=dict)  # likewise, inside a directory

    def directory(self, path: Path, files: Mapping[str, bytes], owner_only: frozenset[str] = frozenset()) -> None:
        self.directories[path.absolute()] = files
        self.owner_only[path.absolute()] = owner_only

    def file(self, path: Path, data: bytes, mode: int | None = None) -> None:
        self.files[path.absolute()] = data
        if mode is not None:
            self.file_modes[path.absolute()] = mode

    def __bool__(self) -> bool:
        return bool(self.directories or self.files)


def version_of(files: Mapping[str, bytes]) -> str:
    """A directory version's name: a hash of its files, so the same content always has the same name."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:32]


def apply(changes: Changes, journal: Path) -> None:
    """Put every change in place: staged first, then journalled, then moved in.

    Journalled even when there is one step: a directory exchanged by two renames is, for a moment, only in its
    staged copy, which a recovery without the journal would sweep away. The caller holds the lock that covers
    every path in `changes`."""
    steps: list[dict[str, str]] = []
    try:
        for target, files in changes.directories.items():
            steps.append(_stage_directory(target, files, changes.owner_only.get(target, frozenset())))
        for target, data in changes.files.items():
            steps.append(_stage_file(target, data, changes.file_modes.get(target)))
    except BaseException:
        for step in steps:  # nothing was journalled: the home is as it was
            _discard(Path(step["staged"]))
        raise
    base = journal.parent
    relative = [
        {**step, "staged": _relative(step["staged"], base), "target": _relative(step["target"], base)} for step in steps
    ]
    write_file(journal, json.dumps({"steps": relative}, indent=2).encode(), 0o600)
    for step in steps:
        _finish(step)
    journal.unlink()
    _fsync_dir(journal.parent)


def recover(journal: Path, staged_prefix: str = ".") -> bool:
    """Finish a change a killed command left half-done, then sweep away what it staged and never journalled.

    Only entries beside the journal whose names start with `staged_prefix` are swept: those the caller's lock
    covers. Returns whether a journalled change was finished."""
    finished = False
    if journal.exists():
        for step in json.loads(journal.read_text(encoding="utf-8"))["steps"]:
            # Paths are relative to the journal's directory: a home moved after a crash still recovers.
            _finish(
                {**step, "staged": str(journal.parent / step["staged"]), "target": str(journal.parent / step["target"])}
            )
        journal.unlink()
        _fsync_dir(journal.parent)
        finished = True
    if journal.parent.is_dir():
        for leftover in journal.parent.iterdir():
            if not leftover.name.startswith(staged_prefix):
                continue
            if leftover.name.endswith((STAGED_DIR, STAGED_FILE)):
                _discard(leftover)
    return finished


def _discard(staged: Path) -> None:
    if staged.is_dir():
        shutil.rmtree(staged, ignore_errors=True)
    else:
        staged.unlink(missing_ok=True)


def _relative(path: str, base: Path) -> str:
    return os.path.relpath(path, base)


# Steps -----------------------------------------------------------------------------------------------------


def _stage_directory(target: Path, files: Mapping[str, bytes], owner_only: frozenset[str]) -> dict[str, str]:
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: exists and is not a directory; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.{secrets.token_hex(6)}{STAGED_DIR}"
    staged.mkdir(mode=0o777)  # readable as the umask allows, like any directory the user makes
    version = version_of(files)
    try:
        for relative, data in [*files.items(), (VERSION_FILE, version.encode() + b"\n")]:
            _write(staged / relative, data, 0o600 if relative in owner_only else None)
        for directory in {(staged / relative).parent for relative in files} | {staged}:
            _fsync_dir(directory)
    except BaseException:
        _discard(staged)
        raise
    return {"kind": "directory", "staged": str(staged), "target": str(target), "version": version}


def _stage_file(target: Path, data: bytes, mode: int | None) -> dict[str, str]:
    staged = target.parent / f".{target.name}.{secrets.token_hex(6)}{STAGED_FILE}"
    _write(staged, data, mode)
    return {"kind": "file", "staged": str(staged), "target": str(target)}


def _finish(step: Mapping[str, str]) -> None:
    """Take one step; a step already taken is skipped, so that recovery can replay the whole journal."""
    staged, target = Path(step["staged"]), Path(step["target"])
    if step["kind"] == "file":
        if staged.exists():
            os.replace(staged, target)
            _fsync_dir(target.parent)
        return
    if _version_in(target) != step["version"] and staged.exists():
        if target.exists():
            _exchange(staged, target)  # `staged` now holds the old version
        else:
            os.rename(staged, target)
        _fsync_dir(target.parent)
    shutil.rmtree(staged, ignore_errors=True)


def _version_in(directory: Path) -> str | None:
    try:
        return (directory / VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


# Files -----------------------------------------------------------------------------------------------------


def write_file(target: Path, data: bytes, mode: int | None = None) -> None:
    """Replace one file whole (never half-written); `mode` for a secret file, set from its first byte."""
    staged = Path(_stage_file(target, data, mode)["staged"])
    os.replace(staged, target)
    _fsync_dir(target.parent)


def _write(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, current: Path) -> None:
    """Exchange two directories in one step; fall back to two renames where the kernel cannot."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE)
        if result == 0:
            return
    backup = current.with_name(f".{current.name}.{secrets.token_hex(6)}{STAGED_DIR}")
    os.rename(current, backup)
    os.rename(new, current)
    os.rename(backup, new)
