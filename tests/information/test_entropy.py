"""core.information.entropy: textbook values, the bound log|X|, bad bases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.information.divergences import js_divergence
from core.information.entropy import BITS, NATS, binary_entropy, entropy, max_entropy
from core.information.parsing import normalize

BASES = [BITS, NATS]

# Hypothesis: weight vectors (normalized inside the tests)
weights_with_zeros = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=2, max_size=8).filter(
    lambda w: sum(w) > 0
)


def test_textbook_values():
    assert entropy([0.5, 0.5]) == pytest.approx(1.0)
    assert entropy([0.25] * 4) == pytest.approx(2.0)
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert binary_entropy(0.5) == pytest.approx(1.0)
    assert binary_entropy(np.array([0.0, 1.0])).tolist() == [0.0, 0.0]
    assert max_entropy(8) == pytest.approx(3.0)
    assert js_divergence([1, 0], [0, 1], BITS) == pytest.approx(1.0)
    assert js_divergence([1, 0], [0, 1], NATS) == pytest.approx(math.log(2))


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.sampled_from(BASES))
def test_entropy_bounds(w, base):
    p, _ = normalize(w)
    h = entropy(p, base)
    assert 0 <= h <= max_entropy(p.size, base) + 1e-12
