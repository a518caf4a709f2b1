"""Information-theory figures at projector size (issue 18): no label on a tick, readable log axes."""

from __future__ import annotations

import numpy as np
import pytest

from core.information.divergences import gaussian_kl_monte_carlo
from core.information.joint import joint_report
from tests.apptest_helpers import array_of, assert_valid_figure
from viz.information import divergences as div_viz
from viz.information import joint as joint_viz


def test_h_y_is_named_in_the_title_not_on_the_axis():
    report = joint_report(np.array([[0.7, 0.0, 0.0], [0.1, 0.1, 0.1]]))
    fig = joint_viz.conditional_terms(report)
    titles = [a.text for a in fig.layout.annotations]
    assert any(f"H(Y) = {report.h_y:.3f}" in t for t in titles)
    # nothing but the two subplot titles: no free label that could land on the "1" tick (H(Y) = 0.922 here)
    assert len(titles) == 2 and all(a.yref == "paper" for a in fig.layout.annotations)


def test_monte_carlo_kl_log_axes_are_readable():
    mc = gaussian_kl_monte_carlo(0.0, 1.0, 1.0, 2.0, 10_000, 0)
    fig = div_viz.monte_carlo_kl(mc, 2.0)
    for axis in (fig.layout.xaxis, fig.layout.xaxis2, fig.layout.yaxis2):
        assert axis.type == "log" and (isinstance(axis.dtick, int) or axis.tickformat)


def test_entropy_figures_are_what_plotly_validation_accepts():
    """The entropy page's figures, written as unvalidated JSON (viz.plain): every property valid and kept; the
    surprisal terms sum to H in the right panel, the category axes keep number-like names as names."""
    from core.information.entropy import entropy
    from viz.information import entropy as entropy_viz

    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert_valid_figure(entropy_viz.binary_entropy_curve(0.3, 2.0))
    bars = assert_valid_figure(entropy_viz.distribution_with_surprisal(p, 2.0, ("1", "2", "3", "4")))
    assert sum(array_of(bars["data"][1]["y"])) == pytest.approx(entropy(p, 2.0))
    assert {bars["layout"]["xaxis"]["type"], bars["layout"]["xaxis2"]["type"]} == {"category"}
    assert_valid_figure(entropy_viz.entropy_vs_bound(1.75, 2.0, 2.0))
    chars = tuple("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV ")
    many = assert_valid_figure(entropy_viz.character_bars(chars, np.arange(len(chars), 0, -1).astype(float), 2.0))
    assert len(many["data"][0]["x"]) == entropy_viz.MAX_CHARACTER_BARS + 1  # the rest in one "…" bar
