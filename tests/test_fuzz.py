"""Broken team files of every kind end in exit 2 and a message naming the file, never a traceback (docs/spec.md §12)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.helpers import run

GOOD: dict[str, Any] = {
    "team": "payments",
    "timezone": "Europe/London",
    "roles": ["primary", {"name": "secondary", "weight": 0.5}],
    "rules": {"min_rest_weeks": 1},
    "members": [{"id": f"m{i}", "roles": ["primary", "secondary"], "fte": 1.0} for i in range(5)],
    "absences": [{"who": "m0", "from": "2027-01-04", "to": "2027-01-08", "reason": "holiday"}],
    "preferences": [{"who": "m1", "avoid": "2027-01-12"}],
    "pins": [{"who": "m2", "role": "primary", "week": "2027-01-19"}],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2027-02-30", "25:00", "tuesday", "Mars/Base", "", "🙂", "../../etc/passwd", "1e999"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document, as a path of keys and indexes."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def broken_documents(draw: st.DrawFn) -> Any:
    """A good team file with one place replaced by a wrong value, or an unknown key added."""
    import copy

    document = copy.deepcopy(GOOD)
    path = draw(st.sampled_from(paths(document)))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    if draw(st.booleans()):
        parent[path[-1]] = draw(values)
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in parent))] = draw(values)
    else:
        parent[path[-1]] = draw(values)
    return document


def assert_rejected_cleanly(path: Path) -> None:
    started = time.monotonic()
    result = run("check", path, "--quarter", "2027Q1", "--time-limit", "1")
    elapsed = time.monotonic() - started
    if result.exit_code == 0:
        return  # the change happened to leave a valid file
    assert result.exit_code in (2, 3), result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("error: "), result.output
    if result.exit_code == 2:
        assert str(path) in result.output or "--" in result.output, result.output
    # A hang detector, not a speed target (those live in benchmarks/): each input takes milliseconds, and a
    # parser trap (alias bombs, deep nesting) would take minutes.
    assert elapsed < 5, elapsed


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(broken_documents())
def test_wrong_types_keys_and_values(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "team.yaml"
    with open(path, "w", encoding="utf-8") as handle:
        YAML().dump(document, handle)
    assert_rejected_cleanly(path)


@FUZZ
@given(st.binary(max_size=300))
def test_binary_data(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "team.yaml"
    path.write_bytes(data)
    assert_rejected_cleanly(path)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected_cleanly(path)


@FUZZ
@given(st.text(alphabet=" \t\n-:[]{}!&*|>'\"%@`,?#0123456789abcdefghijklmnopqrstuvwxyz", max_size=200))
def test_yaml_punctuation(tmp_path: Path, text: str) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("team: t\nmembers: [{id: a}]\n" + text, encoding="utf-8")
    assert_rejected_cleanly(path)


def test_deeply_nested_yaml(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("team: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert_rejected_cleanly(path)


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "team.yaml"
    path.write_text("\n".join(lines) + "\nteam: t\nmembers: [{id: a}]\n", encoding="utf-8")
    assert_rejected_cleanly(path)
