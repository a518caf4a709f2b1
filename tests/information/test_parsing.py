"""core.information.parsing: typed distributions and joint tables, normalization notices, bad input named."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.information.divergences import pair_report
from core.information.parsing import parse_distribution, parse_joint_table


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0 0\n0 0", "all zeros"),
        ("0.5 -0.1\n0.3 0.3", "negative"),
        ("0.5 0.5\n0.3", "same number of entries"),
        ("0.5 abc", "not a number"),
        ("", "empty"),
        ("0.5 inf", "not finite"),
    ],
)
def test_bad_joint_tables_name_the_problem(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_joint_table(text)


def test_joint_table_normalizes_with_flag():
    table, changed = parse_joint_table("1 1\n1 1")
    assert changed and table.tolist() == [[0.25, 0.25], [0.25, 0.25]]
    table, changed = parse_joint_table("0.25, 0.25 | 0.25, 0.25")
    assert not changed and table.shape == (2, 2)


def test_distribution_text_normalizes_with_flag():
    p, changed = parse_distribution("2, 1, 1")
    assert changed and p.tolist() == [0.5, 0.25, 0.25]
    p, changed = parse_distribution("0.5 0.25 0.25")
    assert not changed
    with pytest.raises(InputError, match="negative"):
        parse_distribution("0.5, -0.5, 1")
    with pytest.raises(InputError, match="all zeros"):
        parse_distribution("0, 0")
    with pytest.raises(InputError, match="same number"):
        pair_report(np.array([0.5, 0.5]), np.array([1.0, 0.0, 0.0]))
