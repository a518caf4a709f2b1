"""Sequence-model figures at projector size (issue 18): whole-number ticks on time and unit axes, readable log
axes."""

from __future__ import annotations

import pytest

from core.sequence import rnn as seq
from viz.sequence import rnn as rnn_viz


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
    import numpy as np

    from viz.sequence import transformer as tf_viz

    attention = np.random.default_rng(0).dirichlet(np.ones(5), size=(2, 3, 5))  # (layers, heads, L, L)
    fig = tf_viz.heads_grid(attention, list("ab|__"), (1, 2), 3, title="t")
    markers = [trace for trace in fig.data if trace.type == "scatter"]
    assert len(markers) == 6 and fig.layout.clickmode == "event+select"
    cells = np.concatenate([np.asarray(m.customdata) for m in markers])
    assert cells.shape == (6 * 25, 4)
    assert {tuple(row[:2]) for row in cells} == {(layer, head) for layer in range(2) for head in range(3)}
    # the heatmap under each marker layer shows the same head's map
    maps = [trace for trace in fig.data if trace.type == "heatmap"]
    np.testing.assert_allclose(np.asarray(maps[5].z), np.round(attention[1, 2], 3))
    outlined = [shape for shape in fig.layout.shapes if shape.xref == "x6"]
    assert outlined and outlined[0].y0 == 2.5 and outlined[0].y1 == 3.5
