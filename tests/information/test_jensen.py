"""core.information.jensen: the inequality's direction, the sheet's counter-example, domain errors."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.information.jensen import JENSEN_FUNCTIONS, jensen
from core.information.parsing import normalize


@pytest.mark.parametrize("name", list(JENSEN_FUNCTIONS))
def test_jensen_direction(name):
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.uniform(0.1, 3.0, size=4)
        p, _ = normalize(rng.random(4))
        r = jensen(name, x, p)
        # convex: f(E[x]) <= E[f(x)]; concave: the reverse
        assert (r.gap >= -1e-12) if r.convex else (r.gap <= 1e-12)


def test_jensen_counter_example_to_the_sheet():
    r = jensen("x²", [1.0, 3.0], [0.5, 0.5])
    # the sheet's "sum p_i f(x_i) <= f(sum p_i x_i)" would say 5 <= 4
    assert r.mean_of_f == pytest.approx(5.0) and r.f_of_mean == pytest.approx(4.0)
    assert not r.mean_of_f <= r.f_of_mean
    assert jensen("x²", [2.0, 2.0], [0.3, 0.7]).gap == pytest.approx(0.0)


def test_jensen_domain_errors():
    with pytest.raises(InputError, match="x > 0"):
        jensen("log x", [0.0, 1.0], [0.5, 0.5])
    with pytest.raises(InputError, match="x ≥ 0"):
        jensen("√x", [-1.0, 1.0], [0.5, 0.5])
    with pytest.raises(InputError, match="one weight per point"):
        jensen("x²", [1.0, 2.0], [1.0])
