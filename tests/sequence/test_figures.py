"""Sequence-model figures at projector size (issue 18): whole-number ticks on time and unit axes, readable log
axes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core.sequence import rnn as seq
from tests.apptest_helpers import array_of, assert_valid_figure
from viz.sequence import rnn as rnn_viz
from viz.sequence import transformer as tf_viz


@pytest.fixture(scope="module")
def report():
    return seq.sequence_report("sine", 40, 10, 1.0, 0.9, 1.0, 0)


def test_state_heatmaps_tick_whole_steps_and_units(report):
    for fig in (rnn_viz.rnn_states(report), rnn_viz.lstm_gates(report)):
        for name in fig.layout:
            if name.startswith(("xaxis", "yaxis")):
                axis = fig.layout[name]
                assert isinstance(axis.dtick, int) and axis.dtick >= 1, name


def test_gradient_norm_log_axis_is_readable(report):
    axis = rnn_viz.gradient_norms(report).layout.yaxis
    assert axis.type == "log" and (isinstance(axis.dtick, int) or axis.tickformat)


def test_heads_grid_reports_layer_head_query_key_on_click():
    """Plotly heatmaps send no clicks in Streamlit: every small map carries a click target (an empty text label)
    per cell whose customdata names (layer, head, query, key), and the selected head and query row are outlined."""
    attention = np.random.default_rng(0).dirichlet(np.ones(5), size=(2, 3, 5))  # (layers, heads, L, L)
    fig = tf_viz.heads_grid(attention, list("ab|__"), (1, 2), 3, title="t")  # the JSON form
    markers = [trace for trace in fig["data"] if trace["type"] == "scatter"]
    assert len(markers) == 6 and fig["layout"]["clickmode"] == "event+select"
    cells = np.concatenate([array_of(m["customdata"]) for m in markers])
    assert cells.shape == (6 * 25, 4)
    assert {tuple(row[:2]) for row in cells} == {(layer, head) for layer in range(2) for head in range(3)}
    # the heatmap under each marker layer shows the same head's map
    maps = [trace for trace in fig["data"] if trace["type"] == "heatmap"]
    np.testing.assert_allclose(array_of(maps[5]["z"]), np.round(attention[1, 2], 3))
    outlined = [shape for shape in fig["layout"]["shapes"] if shape["xref"] == "x6"]
    assert outlined and outlined[0]["y0"] == 2.5 and outlined[0]["y1"] == 3.5


@pytest.mark.parametrize("length", [8, 60])
def test_heads_figures_are_what_plotly_validation_accepts(length):
    """heads_grid and head_map are written as unvalidated dicts (viz.plain): Plotly's validation of their JSON
    raises on any misspelt property and keeps every property they set; the enlarged head writes its values in
    the cells only where they fit (60 tokens make 12 px cells), and outlines the chosen query row."""
    rng = np.random.default_rng(1)
    tokens = [str(k % 10) for k in range(length)]
    attention = rng.dirichlet(np.ones(length), size=(2, 4, length))
    assert_valid_figure(tf_viz.heads_grid(attention, tokens, (0, 1), 2, title="grid"))
    assert_valid_figure(tf_viz.head_map(attention[1, 2], tokens, 2, [length - 1], title="head"))
    head = tf_viz.head_map(attention[1, 2], tokens, 2, [length - 1], title="head")
    assert ("texttemplate" in head["data"][0]) == (length <= 8)
    assert head["layout"]["shapes"][0]["y0"] == 1.5 and head["layout"]["yaxis"]["autorange"] == "reversed"


def test_transformer_curves_are_what_plotly_validation_accepts():
    """The accuracy, loss and saturation figures (viz.plain, rebuilt on every training frame): every property
    valid and kept, the order-blind and uniform lines drawn where the page asks."""
    rng = np.random.default_rng(2)
    colours = {"reference": "#0072B2", "no positions": "#E69F00"}
    runs = {"reference": ([0, 50, 100], [0.1, 0.6, 0.95]), "no positions": ([0, 50, 100], [0.1, 0.3, 0.33])}
    figures = {
        "accuracy": tf_viz.accuracy_curves(runs, colours, (0.33, "order-blind best 33%")),
        "loss": tf_viz.loss_curves({label: rng.random(100) + 0.1 for label in colours}, colours),
        "saturation": tf_viz.saturation_bars({label: rng.random((2, 4)) for label in colours}, colours, 13),
    }
    for fig in figures.values():
        assert_valid_figure(fig)
    assert go.Figure(figures["accuracy"]).layout.shapes[0].y0 == 0.33
    assert go.Figure(figures["saturation"]).layout.shapes[0].y0 == pytest.approx(1 / 13)
    assert go.Figure(figures["loss"]).layout.yaxis.type == "log"
