"""The rota directory (SPEC §9), written atomically: a failed or killed command leaves it as it was.

A new version is staged whole in a hidden sibling directory, then swapped in with one rename (Linux's
renameat2 RENAME_EXCHANGE, where available). Readers, such as the feed server, see the old directory or the
new one, never a mix, and never a half-written file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from models.errors import InputError

# Files that belong to the directory rather than to one version of the rota: carried into every new
# version, so that e.g. feed subscribers never have to resubscribe.
PRESERVED_FILES: tuple[str, ...] = ("feed-tokens.json",)

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def publish(
    directory: Path, files: Mapping[str, bytes], *, replace: bool, preserve: Iterable[str] = PRESERVED_FILES
) -> None:
    """Make `directory` hold exactly `files` (relative path -> bytes), plus the preserved files it had."""
    directory = directory.absolute()
    with locked(directory):
        _publish(directory, files, replace=replace, preserve=preserve)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the rota directory's lock, `<parent>/.<name>.lock`, for one publish or one preserved-file write.

    Both take it so that a file written into the old version while a new one is staged (a token revoked during
    `rota cover`) is never lost when the versions are swapped. The lock file sits beside the directory because
    the directory itself is replaced on every publish.
    """
    directory = directory.absolute()
    directory.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory.parent / f".{directory.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _publish(directory: Path, files: Mapping[str, bytes], *, replace: bool, preserve: Iterable[str]) -> None:
    exists = directory.exists()
    if exists and not directory.is_dir():
        raise InputError(f"{directory}: exists and is not a directory; choose another --out")
    if exists and not replace:
        raise InputError(f"{directory}: a rota directory already exists; pass --force to replace it, or --out another")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".new", dir=directory.parent))
    try:
        for relative, data in files.items():
            _write(staging / relative, data)
        if exists:
            for name in preserve:
                if (directory / name).exists() and name not in files:
                    shutil.copy2(directory / name, staging / name)
        _fsync_dir(staging)
        if exists:
            _swap(staging, directory)  # staging now holds the old version
        else:
            os.rename(staging, directory)
        _fsync_dir(directory.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap(new: Path, current: Path) -> None:
    """Exchange two directories in one step; fall back to two renames where the kernel cannot."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE)
        if result == 0:
            return
    backup = current.with_name(current.name + ".old")
    os.rename(current, backup)
    os.rename(new, current)
    os.rename(backup, new)
