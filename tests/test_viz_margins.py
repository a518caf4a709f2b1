"""viz.margins.fit against Plotly itself: a figure given the fitted margins is laid out by Plotly's automargin
without growing any of them (so it is drawn once), where the template's margins were grown (drawn twice)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go

from tests.browser_helpers import browser_test
from viz import margins, theme

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _line_with_legend_below() -> go.Figure:
    steps = np.arange(0, 40_000, 500)
    fig = go.Figure()
    for name in ("DQN", "Double DQN", "DQN, kept network"):
        fig.add_scatter(x=steps, y=200 + 150 * np.sin(steps / 9000), mode="lines", name=name)
    theme.style(fig, "Return while training")
    fig.update_layout(xaxis_title="environment steps", yaxis_title="return", legend=dict(orientation="h", y=-0.25))
    return fig


def _heatmap_with_colour_bar() -> go.Figure:
    z = np.linspace(-0.0123, 0.0456, 36).reshape(6, 6)
    fig = go.Figure(go.Heatmap(z=z, x=list("ABCDEF"), y=[f"row {i}" for i in range(6)], colorbar=dict(title="A")))
    return theme.style(fig, "Attention A = softmax(QKᵀ/√D)")


def _marker_colour_bar() -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(x=[0, 1, 2], y=[0, 1, 0], mode="lines", showlegend=False),
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(cmin=-1.5, cmax=0.75, color=[0], colorbar=dict(title="Q")),
            ),
        ]
    )
    return theme.style(fig, "Q(s, a) per cell")


def _legend_on_the_right() -> go.Figure:
    fig = go.Figure([go.Scatter(y=np.logspace(-4, 1, 20), name=f"coefficient w_{i}") for i in range(4)])
    theme.style(fig, "Coefficient paths")
    fig.update_yaxes(type="log", title="|w|")
    return fig


def _legend_on_top() -> go.Figure:
    fig = go.Figure([go.Bar(x=list("abc"), y=[0.1, 0.5, 0.4], name=n) for n in ("RNN", "LSTM")])
    theme.style(fig)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), yaxis_title="accuracy")
    return fig


FIGURES = {
    "line, legend below": _line_with_legend_below,
    "heatmap, colour bar": _heatmap_with_colour_bar,
    "marker colour bar": _marker_colour_bar,
    "legend on the right, log axis": _legend_on_the_right,
    "legend on top": _legend_on_top,
}


def _fitted(fig: go.Figure) -> go.Figure:
    fitted = margins.fit(fig._layout, fig._data)
    if fitted is not None:
        fig.update_layout(margin=fitted)
    return fig


def test_fit_only_widens_and_leaves_a_fitting_figure_alone():
    for name, build in FIGURES.items():
        fig = build()
        asked = dict(margins.DEFAULT_MARGIN, **{k: v for k, v in fig.layout.margin.to_plotly_json().items()})
        fitted = margins.fit(fig._layout, fig._data)
        assert fitted is not None, name  # every one of these overflows the template's margins
        assert all(fitted[k] >= asked[k] for k in "lrtb"), name
        fig.update_layout(margin=fitted)
        assert margins.fit(fig._layout, fig._data) is None, name  # fitted once: nothing more to fit
    off = _line_with_legend_below()
    off.update_layout(margin_autoexpand=False)
    assert margins.fit(off._layout, off._data) is None  # Plotly would not grow these margins at all


@browser_test
def test_plotly_grows_no_fitted_margin(tmp_path, browser):
    page_file = tmp_path / "plot.html"
    page_file.write_text(
        f"<html><body style='margin:0'><div id='g' style='width:{margins.MAIN_WIDTH_PX}px'></div>"
        f"<script src='file://{PLOTLY_JS}'></script></body></html>"
    )
    grown_before, grown_after = [], []
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(page_file.as_uri())
    for name, build in FIGURES.items():
        for fitted, grown in ((False, grown_before), (True, grown_after)):
            fig = _fitted(build()) if fitted else build()
            asked = dict(margins.DEFAULT_MARGIN, **fig.layout.margin.to_plotly_json())
            size = page.evaluate(
                """async (spec) => { const f = JSON.parse(spec); const g = document.getElementById('g');
                   Plotly.purge(g); await Plotly.newPlot(g, f.data, f.layout);
                   const s = g._fullLayout._size; return {l: s.l, r: s.r, t: s.t, b: s.b}; }""",
                fig.to_json(),
            )
            if any(size[k] > asked[k] + 0.5 for k in "lrtb"):
                grown.append((name, asked, size))
    page.close()
    assert len(grown_before) == len(FIGURES)  # the template's margins: Plotly grew every one (a second draw)
    assert grown_after == []
