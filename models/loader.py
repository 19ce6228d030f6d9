"""Read a team file: YAML with line numbers, validated by the models, errors that say where and how to fix."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from models.errors import TeamFileError
from models.team import ReferenceProblem, Team

MAX_TEAM_FILE_BYTES = 5_000_000  # a team file is a page of YAML; refuse anything absurd before parsing it
MAX_NESTING = 64  # a team file nests five deep; deeper is a mistake or an attack on the parser
MAX_NODES = 200_000  # values after YAML aliases are expanded: a bounded "billion laughs"


def load_team(path: str | Path) -> Team:
    """Load and validate a team file; raise TeamFileError naming the file, the place and the fix."""
    path = Path(path)
    document = parse_yaml(path)
    return team_from_document(document, str(path))


def parse_yaml(path: Path) -> Any:
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TeamFileError(name, "", "no such file; give the path to a team file (see examples/team.yaml)") from None
    except IsADirectoryError:
        raise TeamFileError(name, "", "is a directory; give the path to a team file") from None
    except OSError as error:
        raise TeamFileError(name, "", f"cannot be read: {error.strerror}") from None
    if len(raw) > MAX_TEAM_FILE_BYTES:
        raise TeamFileError(name, "", f"is {len(raw)} bytes; a team file is at most {MAX_TEAM_FILE_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TeamFileError(name, "", f"is not UTF-8 text (byte {error.start}); save it as UTF-8 YAML") from None
    if "\x00" in text:
        raise TeamFileError(name, "", "contains NUL bytes; a team file is UTF-8 YAML text")
    deepest = _flow_nesting(text)
    if deepest > MAX_NESTING:
        raise TeamFileError(name, "", f"nests {deepest} brackets deep; a team file needs a few levels at most")
    yaml = YAML(typ="rt")
    yaml.Constructor = _LenientDates
    try:
        document = yaml.load(text)
    except MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        problem = (error.problem or error.context or "invalid YAML").strip()
        raise TeamFileError(name, "", f"invalid YAML: {problem}; check indentation and quoting", line) from None
    except (YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        raise TeamFileError(name, "", f"invalid YAML: {str(error).splitlines()[0][:200]}") from None
    if document is None:
        raise TeamFileError(name, "", "is empty; a team file needs at least `team:` and `members:`")
    if not isinstance(document, dict):
        raise TeamFileError(name, "", "must be a mapping with keys such as `team:` and `members:`", 1)
    return document


def team_from_document(document: Any, name: str) -> Team:
    try:
        plain = _plain(document, [MAX_NODES])
    except _TooLarge:
        raise TeamFileError(
            name, "", f"expands to more than {MAX_NODES} values (YAML aliases?); write it out plainly"
        ) from None
    try:
        return Team.model_validate(plain)
    except ValidationError as error:
        # An unknown key first: a misspelt required key (`memebers:`) is also reported missing, and the
        # misspelling is what the person needs to see.
        errors = sorted(error.errors(), key=lambda detail: detail["type"] != "extra_forbidden")
        raise _file_error(errors[0], document, name) from None
    except ReferenceProblem as problem:
        raise TeamFileError(name, problem.place, problem.problem, line_of(document, problem.place)) from None


class _LenientDates(RoundTripConstructor):
    """Reads an unquoted date that does not exist (2027-02-30) as its text instead of failing the whole file, so
    that validation can name its place and line as it does for the quoted form."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_LenientDates.add_constructor("tag:yaml.org,2002:timestamp", _LenientDates.construct_yaml_timestamp)


class _TooLarge(Exception):
    pass


def _plain(node: Any, budget: list[int]) -> Any:
    """ruamel's commented containers as plain dicts and lists (pydantic needs exact types).

    `budget` counts down the values made, so that aliases cannot expand a small file into a huge one.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v, budget) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, budget) for v in node]
    return node


def _flow_nesting(text: str) -> int:
    """The deepest run of unclosed [ and { (quotes ignored: a guard, not a parser)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def place_of(loc: tuple[int | str, ...]) -> str:
    """('members', 2, 'roles', 0) -> 'members[2].roles[0]'."""
    place = ""
    for part in loc:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place


def line_of(document: Any, place: str | tuple[int | str, ...]) -> int | None:
    """The 1-based line of a place such as 'members[2].roles[0]' (or its parts), as close as the document allows."""
    node, line = document, None
    for part in _parts(place) if isinstance(place, str) else place:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _parts(place: str) -> list[int | str]:
    parts: list[int | str] = []
    for chunk in place.replace("[", ".[").split("."):
        if chunk.startswith("["):
            parts.append(int(chunk[1:-1]))
        elif chunk:
            parts.append(chunk)
    return parts


def _file_error(detail: ErrorDetails, document: Any, name: str) -> TeamFileError:
    raw = tuple(detail["loc"])
    if detail["type"] == "extra_forbidden" and raw:
        # The unknown key itself may look like anything; only the path to it can hold pydantic's tags.
        loc = (*(part for part in raw[:-1] if not _is_union_tag(part)), raw[-1])
    else:
        loc = tuple(part for part in raw if not _is_union_tag(part))
    place = place_of(loc)
    line = line_of(document, loc)
    kind = detail["type"]
    if kind == "extra_forbidden" and loc[0] == "notify" and _looks_secret(str(loc[-1])):
        return TeamFileError(name, place, _secret_fix(loc), line)
    if kind == "extra_forbidden":
        key = loc[-1]
        fields = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(key), fields, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return TeamFileError(name, place, f"unknown key {key!r}; {hint}valid keys here: {', '.join(fields)}", line)
    if kind == "missing":
        return TeamFileError(name, place, "is required", line_of(document, loc[:-1]) or line)
    got = _shown(detail.get("input"))
    if kind == "string_pattern_mismatch" and str(loc[-1]).endswith("_env"):
        # Never echo it: a value that is not a variable's name may well be the secret itself.
        variable = "ROTA_SMTP_USER" if loc[-1] == "username_env" else _example_variable(str(loc[-1]))
        return TeamFileError(
            name, place, f"the name of an environment variable that holds the secret, e.g. {variable}", line
        )
    if kind == "string_pattern_mismatch":
        return TeamFileError(name, place, f"{_pattern_hint(str(loc[-1]))} (got {got})", line)
    if kind.startswith(("date_", "datetime_")):
        return TeamFileError(name, place, f"a date YYYY-MM-DD, e.g. 2027-01-05 (got {got})", line)
    message = detail["msg"].removeprefix("Value error, ")
    return TeamFileError(name, place, f"{message} (got {got})", line)


SECRET_WORDS = ("password", "passwd", "secret", "token", "user", "login", "url", "key", "webhook")


def _looks_secret(key: str) -> bool:
    return not key.endswith("_env") and any(word in key.lower() for word in SECRET_WORDS)


def _example_variable(field: str) -> str:
    return {"username_env": "ROTA_SMTP_USER", "password_env": "ROTA_SMTP_PASSWORD"}.get(field, "ROTA_SLACK_WEBHOOK")


def _secret_fix(loc: tuple[int | str, ...]) -> str:
    """What to write instead of a secret in the `notify:` section: the name of the variable that holds it."""
    key = str(loc[-1]).lower()
    if "webhooks" in loc:
        fix = "url_env: ROTA_SLACK_WEBHOOK"
    elif "email" in loc:
        fix = "username_env: ROTA_SMTP_USER" if "user" in key or "login" in key else "password_env: ROTA_SMTP_PASSWORD"
    else:
        fix = "password_env under email:, url_env under webhooks:"
    return (
        f"secrets do not belong in the team file (it is copied into every rota directory); remove {loc[-1]!r}, "
        f"set the secret in an environment variable and name the variable instead: {fix}"
    )


def _pattern_hint(field: str) -> str:
    if field == "email":
        return "an email address, e.g. ann@example.com"
    if field == "team":
        return "letters, digits, '-' and '_' only, e.g. payments-core"
    return "lower-case letters, digits, '-' and '_' only, e.g. ann_smith"


def _shown(value: Any) -> str:
    shown = repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
    return shown if len(shown) <= 60 else shown[:57] + "..."


UNION_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$")


def _is_union_tag(part: int | str) -> bool:
    # pydantic names the branch of an `X | None` it tried, e.g. 'date' or 'function-after[...]'.
    return isinstance(part, str) and (
        part in {"str", "int", "float", "date", "bool", "list"} or bool(UNION_TAG.match(part))
    )


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = Team
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        inner = _model_in(annotation)
        if inner is None:
            break
        model = inner
    return [field.alias or key for key, field in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
