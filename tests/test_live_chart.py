"""ui/live_chart.py's figure JSON: exactly what Plotly's own ``fig.to_dict()`` gives, without touching the figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io
import pytest

from ui.live_chart import _json_form

ARRAYS = {
    "int64 small": np.arange(5),
    "int64 beyond int32": np.arange(5) * 10**12,
    "uint64": np.arange(5, dtype=np.uint64) * 300,
    "negative int64": -np.arange(300, dtype=np.int64),
    "int64 needing int32": np.arange(70_000),
    "bool": np.array([True, False]),
    "float32": np.arange(4, dtype=np.float32),
    "Fortran-ordered 2-D": np.asfortranarray(np.random.default_rng(0).random((3, 4))),
    "strided 2-D": np.random.default_rng(1).random((6, 6))[::2, 1::2],
    "object strings": np.array(["a", "b"], dtype=object),
    "unicode strings": np.array(["x", "y"]),
    "empty": np.array([], dtype=float),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_json_form_equals_plotlys_to_dict(name):
    v = ARRAYS[name]
    trace = {"type": "heatmap", "z": v} if v.ndim > 1 else {"type": "scatter", "x": v, "y": [1.0, None]}
    layout = {"title": {"text": "t"}, "xaxis": {"range": np.array([0.0, 1.0])}, "shapes": [{"x0": np.float64(1)}]}
    fig = go.Figure(
        {"data": [trace, {"type": "scatter", "customdata": np.ones((3, 2))}], "layout": layout}, _validate=False
    )
    fig.frames = [go.Frame(data=[go.Scatter(x=np.arange(3))])]
    before = plotly.io.to_json(fig.to_dict(), validate=False)
    assert plotly.io.to_json(_json_form(fig), validate=False) == before
    assert plotly.io.to_json(fig.to_dict(), validate=False) == before  # the figure itself is left as it was
