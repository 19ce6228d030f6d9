"""Shared fixtures: team files written from a string, the example's rota published once, homes to change."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, NOW, run


@pytest.fixture
def write_team(tmp_path: Path) -> Callable[[str], Path]:
    """Write a team file from an indented YAML string; returns its path."""

    def write(text: str, name: str = "team.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example team's 2027Q1, generated once for the whole run. Copy it (`q1`) before changing it."""
    out = tmp_path_factory.mktemp("published") / "q1"
    result = run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", out, "--now", NOW, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def q1(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published example rota, for a test that changes it."""
    copy = tmp_path / "q1"
    shutil.copytree(published, copy)
    return copy


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example team's home with 2027Q1 published, made once. Copy it (`home`) before changing it."""
    home = tmp_path_factory.mktemp("home") / "payments"
    home.mkdir()
    shutil.copyfile(EXAMPLE, home / "team.yaml")
    result = run("generate", home / "team.yaml", "--now", NOW, "-q")
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(published_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "payments"
    shutil.copytree(published_home, copy)
    return copy
