"""The regression page (pages/supervised/regression.py): every part renders, with the cautions it should raise."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("query", "caution"),
    [
        ({"n": "5", "degree": "12"}, "singular"),
        ({"part": "Logistic: GD vs Newton", "alpha": "30"}, "overshoots"),
        ({"part": "Logistic: GD vs Newton", "sep": "4", "flip": "0"}, "separable"),
        ({"part": "Logistic: GD vs Newton", "t1": "-3", "t2": "3"}, "Newton's method diverged"),
        ({"part": "Softmax (K classes)", "k": "5"}, None),
    ],
)
def test_page_parts_and_cautions(query, caution):
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", query)
    assert_healthy(at, str(query))
    assert at.get("plotly_chart")
    warnings = " ".join(w.value for w in at.warning)
    if caution is None:
        assert not warnings
    else:
        assert caution in warnings
