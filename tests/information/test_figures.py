"""Information-theory figures at projector size (issue 18): no label on a tick, readable log axes."""

from __future__ import annotations

import numpy as np

from core.information.divergences import gaussian_kl_monte_carlo
from core.information.joint import joint_report
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
