"""The subset sum that refutes the sweep's windows (solver/subset_sum.py), against enumeration."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.subset_sum import SubsetSum


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_subset_sum_matches_enumeration(data: st.DataObject) -> None:
    vector = st.tuples(*[st.integers(0, 4)] * data.draw(st.integers(1, 3)))
    options = [
        sorted(set(vectors))
        for vectors in data.draw(st.lists(st.lists(vector, min_size=1, max_size=4), min_size=1, max_size=5))
    ]
    # Targets near a reachable sum, where a carry from one coordinate into the next would show as a false match.
    near = tuple(map(sum, zip(*(data.draw(st.sampled_from(vectors)) for vectors in options), strict=True)))
    target = tuple(x + data.draw(st.integers(-2, 2)) for x in near)
    reachable = {tuple(map(sum, zip(*choice, strict=True))) for choice in product(*options)}
    assert SubsetSum(options, target).adds_up() == (target in reachable)


def test_the_subset_sum_does_not_carry_from_one_coordinate_into_the_next() -> None:
    # Three members adding 0 or 1 to the second coordinate reach (0, 3), never (1, 1); numbered in a radix of (2, 2),
    # both are bit 3.
    assert not SubsetSum([[(0, 0), (0, 1)]] * 3, (1, 1)).adds_up()
