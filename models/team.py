"""The team file (docs/spec.md §3) as pydantic models: validated once, at the edge, then trusted."""

from __future__ import annotations

import datetime as dt
import enum
import re
from email.utils import parseaddr
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

MemberId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$", max_length=64)]
RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$", max_length=64)]
TeamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)]

SHADOW_ROLE = "shadow"  # the built-in onboarding role (docs/spec.md §7); it covers nothing


class Weekday(enum.StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as `date.weekday()` counts."""
        return list(Weekday).index(self)


class ReferenceProblem(Exception):
    """A value that is well-formed but names something the file does not define.

    Not a ValueError on purpose: pydantic passes it through untouched, so the loader can
    point at `place` in the file instead of at the document root.
    """

    def __init__(self, place: str, problem: str) -> None:
        self.place, self.problem = place, problem
        super().__init__(f"{place}: {problem}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Changeover(Strict):
    weekday: Weekday = Weekday.tuesday
    time: dt.time = dt.time(10, 0)

    @field_validator("time", mode="before")
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('a 24-hour time "HH:MM", e.g. "10:00"')
        return value


class Role(Strict):
    name: RoleName
    weight: float = Field(default=1.0, gt=0, le=100)


class Rules(Strict):
    min_rest_weeks: int = Field(default=1, ge=1, le=52)
    min_team_size: int | None = Field(default=None, ge=1, le=10_000)


class PublicHolidays(Strict):
    country: str
    subdivision: str | None = None
    weight: float = Field(default=2.0, ge=0, le=100)

    @model_validator(mode="after")
    def _known_country(self) -> PublicHolidays:
        import holidays

        try:
            # One country's calendar loads in milliseconds; the list of every country, only needed to say what
            # would be valid, loads them all.
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError:
            supported = holidays.list_supported_countries()
            if self.country not in supported:
                raise ReferenceProblem(
                    "public_holidays.country",
                    f"unknown country {self.country!r}; use an ISO 3166 code such as GB, US, DE, FR",
                ) from None
            raise ReferenceProblem(
                "public_holidays.subdivision",
                f"unknown subdivision {self.subdivision!r} of {self.country}; "
                f"valid: {', '.join(supported[self.country])}",
            ) from None
        return self


class Member(Strict):
    id: MemberId
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    roles: list[RoleName] | None = None
    fte: float = Field(default=1.0, gt=0, le=1)
    joined: dt.date | None = None
    left: dt.date | None = None
    shadow_shifts: int = Field(default=0, ge=0, le=52)

    @property
    def display_name(self) -> str:
        return self.name or self.id


Reason = Literal["holiday", "sickness", "leave", "other"]


class Absence(Strict):
    who: MemberId
    from_: dt.date = Field(alias="from")
    to: dt.date
    reason: Reason = "holiday"
    excused: bool | None = None

    @property
    def is_excused(self) -> bool:
        """Sickness is excused unless it says otherwise; other absences are made up later (docs/spec.md §6)."""
        return self.excused if self.excused is not None else self.reason == "sickness"

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day <= self.to

    @property
    def described(self) -> str:
        """The absence in the words every message uses."""
        return f"absent ({self.reason} {self.from_}..{self.to})"


class Preference(Strict):
    who: MemberId
    avoid: dt.date | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    reason: str | None = Field(default=None, max_length=500)


class Pin(Strict):
    who: MemberId
    role: RoleName
    week: dt.date


def _role_entry(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
DURATION_PATTERN = r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


def parse_duration(value: Any) -> Any:
    """'24h', '90m', '1d12h', '30s' as a timedelta: whole days, hours, minutes and seconds, in that order."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, str):
        match = DURATION.fullmatch(value.strip())
        if match and any(match.groups()):
            days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
            return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError("a duration such as 24h, 90m, 2h or 1d12h")


def _between(low: dt.timedelta, high: dt.timedelta, shown: str) -> AfterValidator:
    def check(value: dt.timedelta) -> dt.timedelta:
        if not low <= value <= high:
            raise ValueError(f"a duration between {shown}")
        return value

    return AfterValidator(check)


Duration = Annotated[
    dt.timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["24h", "90m", "1d12h"]}),
]
# The name of an environment variable: secrets live there, never in the team file, which is copied into every rota
# directory and usually into version control.
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]


class Email(Strict):
    """Plain SMTP, with STARTTLS unless turned off; the login, if any, from the environment."""

    smtp: str = Field(description="host:port of the SMTP server, e.g. smtp.example.com:587")
    from_: str = Field(alias="from", description='the sender, e.g. "payments on-call <oncall@example.com>"')
    starttls: bool = True
    username_env: EnvName | None = None
    password_env: EnvName | None = None

    @field_validator("smtp")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host.strip("[]") or any(c.isspace() for c in host) or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("host:port, e.g. smtp.example.com:587")
        return value

    @field_validator("from_")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError('an address, e.g. "payments on-call <oncall@example.com>"')
        return value

    @model_validator(mode="after")
    def _login(self) -> Email:
        # An email channel lives at one place in the file, so its problems can name it.
        if (self.username_env is None) != (self.password_env is None):
            raise ReferenceProblem("notify.email", "give both username_env and password_env, or neither")
        if self.username_env is not None and not self.starttls:
            raise ReferenceProblem(
                "notify.email.starttls", "a login needs starttls: true (a password never goes in clear)"
            )
        return self

    @property
    def host(self) -> str:
        return self.smtp.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.smtp.rpartition(":")[2])


class Webhook(Strict):
    """An HTTP endpoint that gets handovers and changes: `slack` posts {"text": ...}; `json` the documented
    payload (docs/notifications.md)."""

    url_env: EnvName = Field(description="the environment variable holding the URL (it is a secret)")
    format: Literal["slack", "json"]

    @property
    def name(self) -> str:
        """How messages and the sent log name it: by its variable, never by its URL."""
        return f"webhook {self.url_env}"


class Notify(Strict):
    """Who `rota notify` tells, and when (docs/notifications.md)."""

    remind_before: Annotated[Duration, _between(dt.timedelta(0), dt.timedelta(days=28), "0m and 28d")] = Field(
        default=dt.timedelta(hours=24), json_schema_extra={"default": "24h"}
    )
    grace: Annotated[Duration, _between(dt.timedelta(minutes=1), dt.timedelta(days=7), "1m and 7d")] = Field(
        default=dt.timedelta(hours=2), json_schema_extra={"default": "2h"}
    )
    timeout: Annotated[Duration, _between(dt.timedelta(seconds=1), dt.timedelta(minutes=5), "1s and 5m")] = Field(
        default=dt.timedelta(seconds=10), json_schema_extra={"default": "10s"}
    )
    email: Email | None = None
    webhooks: list[Webhook] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _channels(self) -> Notify:
        if self.email is None and not self.webhooks:
            raise ReferenceProblem("notify", "give email:, webhooks: or both (docs/notifications.md)")
        names = [hook.url_env for hook in self.webhooks]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ReferenceProblem(f"notify.webhooks[{i}].url_env", f"{name} is already a webhook; use it once")
        return self


class Team(Strict):
    team: TeamName
    timezone: str = "UTC"
    changeover: Changeover = Changeover()
    roles: list[Role] = Field(default_factory=lambda: [Role(name="primary")], min_length=1, max_length=10)
    rules: Rules = Rules()
    public_holidays: PublicHolidays | None = None
    history: list[str] = Field(default_factory=list)
    members: list[Member] = Field(min_length=1)
    absences: list[Absence] = Field(default_factory=list)
    preferences: list[Preference] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)
    notify: Notify | None = None

    @field_validator("roles", mode="before")
    @classmethod
    def _bare_role_names(cls, value: Any) -> Any:
        return [_role_entry(v) for v in value] if isinstance(value, list) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone name, e.g. Europe/London or America/New_York") from None
        return value

    @model_validator(mode="after")
    def _references(self) -> Team:
        check_references(self)
        return self

    # Derived views, computed from validated data.
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles]

    def role(self, name: str) -> Role:
        return next(role for role in self.roles if role.name == name)

    def member(self, member_id: str) -> Member:
        return next(member for member in self.members if member.id == member_id)

    def member_roles(self, member: Member) -> list[str]:
        return member.roles if member.roles is not None else self.role_names

    @property
    def min_team_size(self) -> int:
        """Enough members for every role to rest between shifts (docs/spec.md §3 default)."""
        if self.rules.min_team_size is not None:
            return self.rules.min_team_size
        return len(self.roles) * (self.rules.min_rest_weeks + 1)


def check_references(team: Team) -> None:
    """Cross-field rules pydantic cannot see field by field (docs/spec.md §3)."""
    roles = team.role_names
    if SHADOW_ROLE in roles:
        raise ReferenceProblem(f"roles[{roles.index(SHADOW_ROLE)}]", "'shadow' is built in; pick another name")
    _unique(roles, "roles", "name", "role names must be unique")
    ids = [m.id for m in team.members]
    _unique(ids, "members", "id", "member ids must be unique")
    for i, member_id in enumerate(ids):
        if member_id in roles or member_id in (SHADOW_ROLE, "team"):
            raise ReferenceProblem(
                f"members[{i}].id", f"{member_id!r} is also a feed name (a role, 'team' or 'shadow'); pick another id"
            )
    valid_roles = ", ".join(roles)
    valid_ids = ", ".join(ids)
    for i, member in enumerate(team.members):
        for j, role in enumerate(member.roles or []):
            if role not in roles:
                raise ReferenceProblem(f"members[{i}].roles[{j}]", f"unknown role {role!r}; valid: {valid_roles}")
        if member.joined and member.left and member.left <= member.joined:
            raise ReferenceProblem(f"members[{i}].left", f"{member.left} is not after joined ({member.joined})")
    for i, absence in enumerate(team.absences):
        _known(absence.who, ids, f"absences[{i}].who", valid_ids)
        if absence.to < absence.from_:
            raise ReferenceProblem(f"absences[{i}].to", f"{absence.to} is before from ({absence.from_})")
    for i, pref in enumerate(team.preferences):
        _known(pref.who, ids, f"preferences[{i}].who", valid_ids)
        if (pref.avoid is None) == (pref.from_ is None and pref.to is None):
            raise ReferenceProblem(f"preferences[{i}]", "give either `avoid: WEEK` or `from:` and `to:` days")
        if pref.avoid is None and (pref.from_ is None or pref.to is None):
            raise ReferenceProblem(f"preferences[{i}]", "give both `from:` and `to:`")
        if pref.from_ and pref.to and pref.to < pref.from_:
            raise ReferenceProblem(f"preferences[{i}].to", f"{pref.to} is before from ({pref.from_})")
        if pref.avoid is not None:
            _on_changeover(team, pref.avoid, f"preferences[{i}].avoid")
    for i, pin in enumerate(team.pins):
        _known(pin.who, ids, f"pins[{i}].who", valid_ids)
        if pin.role not in roles:
            raise ReferenceProblem(f"pins[{i}].role", f"unknown role {pin.role!r}; valid: {valid_roles}")
        _on_changeover(team, pin.week, f"pins[{i}].week")
        member = team.member(pin.who)
        if pin.role not in team.member_roles(member):
            raise ReferenceProblem(f"pins[{i}].role", f"{pin.who} does not hold {pin.role} (see their roles)")
        if member.joined is not None and pin.week < member.joined:
            raise ReferenceProblem(
                f"pins[{i}].week", f"{pin.who} joins on {member.joined}, after the week of {pin.week}; move the pin"
            )
        if member.left is not None and pin.week >= member.left:
            raise ReferenceProblem(
                f"pins[{i}].week",
                f"{pin.who} leaves on {member.left}, before the week of {pin.week} ends; move the pin",
            )
        for j, absence in enumerate(team.absences):
            if absence.who == pin.who and _absent_in_week(team, absence, pin.week):
                raise ReferenceProblem(
                    f"pins[{i}].week",
                    f"{pin.who} is pinned to {pin.role} in the week of {pin.week} but is {absence.described} "
                    f"(absences[{j}]); move the pin or the absence",
                )
    seen: dict[tuple[dt.date, str], int] = {}
    for i, pin in enumerate(team.pins):
        for key in ((pin.week, pin.role), (pin.week, "member:" + pin.who)):
            if key in seen:
                raise ReferenceProblem(f"pins[{i}]", f"conflicts with pins[{seen[key]}] in the week of {pin.week}")
            seen[key] = i


def _absent_in_week(team: Team, absence: Absence, week: dt.date) -> bool:
    """Whether the absence's days touch the shift starting at `week`'s changeover and ending at the next one.

    In whole days, so no time zone is needed: the shift holds part of its first day and, unless the changeover is
    at midnight, part of the next changeover day."""
    last_day = week + dt.timedelta(days=7 if team.changeover.time > dt.time(0) else 6)
    return absence.from_ <= last_day and absence.to >= week


def _unique(values: list[str], path: str, field: str, problem: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ReferenceProblem(f"{path}[{i}].{field}", f"{problem}: {value!r} appears twice")
        seen.add(value)


def _known(member_id: str, ids: list[str], place: str, valid: str) -> None:
    if member_id not in ids:
        raise ReferenceProblem(place, f"unknown member {member_id!r}; valid: {valid}")


def _on_changeover(team: Team, day: dt.date, place: str) -> None:
    weekday = team.changeover.weekday
    if day.weekday() != weekday.number:
        before = day - dt.timedelta(days=(day.weekday() - weekday.number) % 7)
        raise ReferenceProblem(
            place, f"{day} is a {day.strftime('%A')}, not a changeover day; use the {weekday.value}, e.g. {before}"
        )
