"""A rota: assignments of members to roles over intervals, and earlier rotas as history (docs/spec.md §2, §9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Kind = Literal["rota", "pin", "shadow", "cover", "swap", "update"]
KINDS: tuple[Kind, ...] = ("rota", "pin", "shadow", "cover", "swap", "update")


class Assignment(BaseModel):
    """A member holding a role for [start, end). A shift normally has one; a cover splits it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    week: dt.date
    start: AwareDatetime
    end: AwareDatetime
    member: str
    kind: Kind = "rota"
    load: float = Field(ge=0)
    uid: str
    sequence: int = Field(default=0, ge=0)

    @property
    def hours(self) -> float:
        return (self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds() / 3600


@dataclass(frozen=True)
class Cancelled:
    """An assignment a member lost: it stays in their feed, cancelled, until it ends (docs/spec.md §10)."""

    assignment: Assignment
    sequence: int


@dataclass(frozen=True)
class MemberChange:
    """What one member held before a change and holds after it, of the assignments the change touched."""

    member: str
    before: tuple[Assignment, ...]
    after: tuple[Assignment, ...]


@dataclass(frozen=True)
class ChangeRecord:
    """One change to a published period, as notices tell it: its kind, why, when, and who it touched."""

    id: str  # stable: the same change always has the same id
    kind: str  # cover, swap, update, generate
    why: str
    at: dt.datetime
    members: tuple[MemberChange, ...]


@dataclass(frozen=True)
class PastPeriod:
    """An earlier rota read as history: its rows, and the fair shares it was published with.

    A published period's fair shares are facts of its own time (its team file, its absences, who was onboarding
    then), so they travel with it and are never recomputed from a later team file. `fair_shares` is None for bare
    rows (a rota.csv passed on its own, a part of the period being changed): their shares are then computed from
    the problem's team.
    """

    rows: tuple[Assignment, ...]
    fair_shares: Mapping[str, float] | None = field(default=None)


def shift_uid(team: str, role: str, week: dt.date) -> str:
    """Stable across regenerations and independent of the assignee (docs/spec.md §10)."""
    return f"{team}.{role}.{week.isoformat()}@rota"


def segment_uid(team: str, role: str, week: dt.date, start: dt.datetime) -> str:
    """A part of a split shift that starts later than the shift: named by where it starts."""
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{team}.{role}.{week.isoformat()}.{stamp}@rota"


def cancelled_uid(uid: str, member: str, start: dt.datetime) -> str:
    """A piece of an assignment `member` lost to someone else: a UID of its own, never the live event's."""
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{uid.removesuffix('@rota')}.{member}.{stamp}.cancelled@rota"
