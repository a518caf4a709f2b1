"""core.information.joint against scikit-learn / SciPy: conditional entropy, mutual information, Venn areas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score

from core.information.entropy import BITS, NATS
from core.information.joint import joint_report, lens_area, mutual_information, venn_layout
from core.information.parsing import normalize

BASES = [BITS, NATS]


@pytest.mark.parametrize("seed", range(10))
def test_mutual_information_matches_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    shape = tuple(rng.integers(2, 6, size=2))
    counts = rng.integers(0, 20, size=shape)
    counts[0, 0] += 1
    joint = counts / counts.sum()
    # sklearn works in nats from a contingency table of counts
    reference = mutual_info_score(None, None, contingency=counts)
    assert mutual_information(joint, NATS) == pytest.approx(reference, abs=1e-12)
    assert joint_report(joint, BITS).mutual_information == pytest.approx(reference / math.log(2), abs=1e-12)


def test_conditional_entropy_matches_definition_by_scipy():
    rng = np.random.default_rng(3)
    joint = rng.random((4, 3))
    joint /= joint.sum()
    report = joint_report(joint, BITS)
    expected = sum(joint[x].sum() * scipy.stats.entropy(joint[x] / joint[x].sum(), base=2) for x in range(4))
    assert report.h_y_given_x == pytest.approx(expected, abs=1e-12)
    # chain rule H(X,Y) = H(X) + H(Y|X) = H(Y) + H(X|Y)
    assert report.h_xy == pytest.approx(report.h_x + report.h_y_given_x, abs=1e-12)
    assert report.h_xy == pytest.approx(report.h_y + report.h_x_given_y, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.data(), st.sampled_from(BASES))
def test_mutual_information_identities(nx, ny, data, base):
    cells = data.draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 5.0)), min_size=nx * ny, max_size=nx * ny))
    if sum(cells) == 0:
        cells[0] = 1.0
    joint, _ = normalize(cells)
    joint = joint.reshape(nx, ny)
    r = joint_report(joint, base)
    # I = H(X) - H(X|Y) = H(Y) - H(Y|X) = KL(P(X,Y) || P(X)P(Y)) >= 0; H(X,Y) <= H(X) + H(Y)
    assert r.mutual_information == pytest.approx(r.kl_joint_product, abs=1e-9)
    assert r.mutual_information == pytest.approx(r.h_y - r.h_y_given_x, abs=1e-9)
    assert r.mutual_information >= 0
    assert r.h_xy <= r.h_x + r.h_y + 1e-9
    assert r.h_y_given_x <= r.h_y + 1e-9  # conditioning reduces entropy on average
    transposed = joint_report(joint.T, base)
    assert transposed.mutual_information == pytest.approx(r.mutual_information, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 5.0), st.floats(0.0, 5.0), st.floats(0.0, 1.0))
def test_venn_areas_are_true(h_x, h_y, share):
    mi = share * min(h_x, h_y)
    layout = venn_layout(h_x, h_y, mi)
    assert math.pi * layout.r_x**2 == pytest.approx(h_x, abs=1e-12)
    assert math.pi * layout.r_y**2 == pytest.approx(h_y, abs=1e-12)
    assert lens_area(layout.r_x, layout.r_y, layout.distance) == pytest.approx(mi, abs=1e-9)


def test_lens_area_against_monte_carlo():
    rng = np.random.default_rng(0)
    r1, r2, d = 1.0, 0.7, 1.1
    pts = rng.uniform(-1.0, 1.0, size=(400_000, 2)) * 2
    inside = (np.hypot(pts[:, 0], pts[:, 1]) <= r1) & (np.hypot(pts[:, 0] - d, pts[:, 1]) <= r2)
    assert lens_area(r1, r2, d) == pytest.approx(inside.mean() * 16, rel=0.02)


def test_zero_rows_and_columns_in_joint_table():
    joint = np.array([[0.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.25, 0.25]])
    r = joint_report(joint)
    for value in (r.h_x, r.h_y, r.h_xy, r.h_y_given_x, r.h_x_given_y, r.mutual_information):
        assert math.isfinite(value)
    assert r.h_y_given_x_each[1] == 0.0
    assert r.mutual_information == pytest.approx(mutual_info_score(None, None, contingency=joint * 4) / math.log(2))


def test_conditional_entropy_of_one_x_can_exceed_h_y():
    # the sheet: H(Y|X=x) > H(Y) is possible
    joint = np.array([[0.9, 0.0], [0.05, 0.05]])
    r = joint_report(joint)
    assert r.h_y_given_x_each[1] > r.h_y
    assert r.h_y_given_x < r.h_y


def test_weighted_conditional_terms_sum_to_conditional_entropy():
    joint = np.array([[0.7, 0.0, 0.0], [0.1, 0.1, 0.1]])
    r = joint_report(joint)
    np.testing.assert_allclose(r.h_y_given_x_terms, [0.0, 0.3 * math.log2(3)], atol=1e-12)
    assert r.h_y_given_x_terms.sum() == pytest.approx(r.h_y_given_x, abs=1e-12)
