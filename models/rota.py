"""A rota: assignments of members to roles over intervals (SPEC §2, §9)."""

from __future__ import annotations

import datetime as dt
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


def shift_uid(team: str, role: str, week: dt.date) -> str:
    """Stable across regenerations and independent of the assignee (SPEC §10)."""
    return f"{team}.{role}.{week.isoformat()}@rota"


def segment_uid(team: str, role: str, week: dt.date, start: dt.datetime) -> str:
    """A part of a split shift that starts later than the shift: named by where it starts."""
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{team}.{role}.{week.isoformat()}.{stamp}@rota"
