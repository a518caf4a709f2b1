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
