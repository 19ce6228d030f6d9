"""The example's first quarter, byte for byte: rota.csv, the team calendar and the report CSV (tests/golden/)."""

from __future__ import annotations

import pytest

from tests.golden.rebuild import GOLDEN, build


@pytest.fixture(scope="module")
def made() -> dict[str, str]:
    return build()


@pytest.mark.parametrize("name", ["rota.csv", "rota.ics", "report.csv"])
def test_output_matches_the_golden_file(made: dict[str, str], name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert made[name] == expected, f"{name} differs from tests/golden/{name}; if intended: tests/golden/rebuild.py"
