"""The sent log: which notices went where, so that each goes once (docs/notifications.md).

    payments/notify/sent.jsonl   the log: a header line, then one line per delivery settled
    payments/notify/.lock        held by `rota notify` from reading the log to its last write

The header says up to when everything is settled (`settled_until`): a delivery due at or before it was sent,
recorded as missed or skipped, or fell before the log began, and is never looked at again; entries older than
that (less a month kept for people to read) are dropped, so the log stays small. The file is replaced whole
after each delivery a server accepted, never appended to half-way.

The log lives in a directory of its own: the home's root is swept of staged files by whichever command next
takes the home's lock, and `rota notify` writes without that lock, so that it never holds up the home's changes
while it talks to slow servers.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.errors import InputError
from rota.home.commit import write_file
from rota.home.home import Home

LOG_FILE = "sent.jsonl"
LOCK_FILE = ".lock"
KEEP = dt.timedelta(days=31)  # entries stay readable for a month after they are settled: "was I told?"

Status = Literal["sent", "missed", "skipped"]


@dataclass(frozen=True)
class Entry:
    key: str  # the delivery: a notice's id and its channel
    status: Status
    due: dt.datetime
    recorded: dt.datetime  # the run's moment
    to: str  # who or what it went to, for people reading the log


@dataclass
class SentLog:
    path: Path
    settled_until: dt.datetime | None  # None: no run has written the log yet
    entries: dict[str, Entry] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def record(self, entry: Entry) -> None:
        self.entries[entry.key] = entry

    def settle(self, moment: dt.datetime) -> None:
        """Everything due at or before `moment` is settled; it never moves back."""
        if self.settled_until is None or moment > self.settled_until:
            self.settled_until = moment

    def write(self) -> None:
        if self.settled_until is None:
            raise ValueError("a log is settled up to some moment before it is written")
        horizon = self.settled_until - KEEP
        kept = sorted((e for e in self.entries.values() if e.due > horizon), key=lambda e: (e.due, e.key))
        lines = [json.dumps({"log": "rota notify", "version": 1, "settled_until": self.settled_until.isoformat()})]
        lines += [
            json.dumps(
                {
                    "key": e.key,
                    "status": e.status,
                    "due": e.due.isoformat(),
                    "recorded": e.recorded.isoformat(),
                    "to": e.to,
                },
                ensure_ascii=False,
            )
            for e in kept
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_file(self.path, "".join(line + "\n" for line in lines).encode("utf-8"))


def log_dir(home: Home) -> Path:
    """In the home; beside a lone rota directory, which is replaced whole on every change."""
    return home.root.parent / f".{home.root.name}.notify" if home.lone else home.root / "notify"


def lock_file(home: Home) -> Path:
    return log_dir(home) / LOCK_FILE


def read_log(home: Home) -> SentLog:
    path = log_dir(home) / LOG_FILE
    if not path.is_file():
        return SentLog(path, None)
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        header = json.loads(lines[0])
        log = SentLog(path, _moment(header["settled_until"]))
        for line in lines[1:]:
            data = json.loads(line)
            status = data["status"]
            if status not in ("sent", "missed", "skipped"):
                raise ValueError(f"unknown status {status!r}")
            entry = Entry(
                str(data["key"]),
                status,
                _moment(data["due"]),
                _moment(data["recorded"]),
                str(data["to"]),
            )
            log.record(entry)
    except (IndexError, KeyError, TypeError, ValueError) as error:
        raise InputError(
            f"{path}: not a log written by `rota notify` ({error}); move it away to start a new one "
            "(notices due before the new log starts are not sent)"
        ) from None
    return log


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text} has no offset")
    return moment
