"""Figures and the table of the CNN calculator page (sheet 7a): shapes, parameters, FLOPs, receptive fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.deep.cnn_calculator import Result, receptive_box
from viz import plain, theme
from viz.theme import BLACK, BLUE, ORANGE, VERMILION

_SI_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
UNIT_GREY = "#D4D4D4"
"""The output units: the grey of the former 35 %-opaque grey markers on white."""
CLICKABLE_UNITS = 64 * 64
"""Output grids up to this many units take clicks (ResNet's 56×56 included); each unit's click target costs
drawing time, so a larger grid's unit is picked with the row and column boxes only."""
_GRID_PANEL_PX = (theme.MAIN_COLUMN_PX - 70) * (1 - 0.08) * 0.42
"""Width of the output grid's panel in pixels (the figure's left column)."""


def compact_count(value: int) -> str:
    """A count in three significant digits with an SI prefix ("2.27 G" for 2,270,512,000): the page's headline
    metrics must fit a quarter of the column; the exact number goes into the metric's help."""
    for scale, prefix in _SI_PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value:,}"


def _shape_text(shape) -> str:
    return "—" if shape is None else "×".join(str(s) for s in shape)


def _fmt_int(value) -> str:
    return "—" if value is None else f"{value:,}"


def calculator_table(result: Result) -> pd.DataFrame:
    """One row per layer: what the page's table shows (numbers formatted for reading)."""
    rows = [
        {
            "line": "",
            "layer": "input",
            "output D×H×W": _shape_text(result.stack.input_shape),
            "params": "",
            "FLOPs": "",
            "mults": "",
            "RF": "1",
            "jump": "1",
            "W₂ formula / problem": "",
        }
    ]
    for row in result.rows:
        if row.problem:
            note = "error: " + row.problem
        elif row.skipped:
            note = "not computed: an earlier layer is impossible"
        else:
            note = row.formula
        rows.append(
            {
                "line": str(row.layer.line),
                "layer": row.layer.text,
                "output D×H×W": _shape_text(row.shape),
                "params": _fmt_int(row.params),
                "FLOPs": _fmt_int(row.flops),
                "mults": _fmt_int(row.multiplications),
                "RF": "all" if row.ok and row.rf is None else _fmt_int(row.rf),
                "jump": _fmt_int(row.jump),
                "W₂ formula / problem": note,
            }
        )
    return pd.DataFrame(rows)


def layer_chart(result: Result) -> go.Figure:
    """Left: spatial size W₂ and receptive field per layer; right: parameters and FLOPs per layer (log)."""
    layout = plain.subplots_layout(
        None,
        520,
        rows=1,
        cols=2,
        subplot_titles=("Output width W₂ and receptive field", "Parameters and FLOPs per layer"),
        horizontal_spacing=0.1,
    )
    labels = ["input"] + [f"{r.layer.line}: {r.layer.text}" for r in result.rows]
    widths = [result.stack.input_shape[2]] + [
        r.shape[2] if r.shape is not None and len(r.shape) == 3 else None for r in result.rows
    ]
    rfs = [1] + [r.rf for r in result.rows]
    left, right = dict(xaxis="x", yaxis="y"), dict(xaxis="x2", yaxis="y2")
    traces = [
        dict(type="scatter", x=labels, y=widths, name="W₂", mode="lines+markers", line=dict(color=BLUE), **left),
        dict(
            type="scatter",
            x=labels,
            y=rfs,
            name="receptive field",
            mode="lines+markers",
            line=dict(color=ORANGE, dash="dash"),
            **left,
        ),
    ]
    bad = [(labels[k + 1], r) for k, r in enumerate(result.rows) if r.problem]
    if bad:
        traces.append(
            dict(
                type="scatter",
                x=[b[0] for b in bad],
                y=[1] * len(bad),
                mode="markers",
                marker=dict(symbol="x", size=16, color=VERMILION),
                name="impossible layer",
                hovertext=[b[1].problem for b in bad],
                **left,
            )
        )
    param_layers = [(labels[k + 1], r) for k, r in enumerate(result.rows) if r.params]
    traces += [
        dict(
            type="bar",
            x=[p[0] for p in param_layers],
            y=[p[1].params for p in param_layers],
            name="parameters",
            marker=dict(color=BLUE),
            **right,
        ),
        dict(
            type="bar",
            x=[p[0] for p in param_layers],
            y=[p[1].flops for p in param_layers],
            name="FLOPs",
            marker=dict(color=ORANGE),
            **right,
        ),
    ]
    pixels = [v for v in widths + rfs if v is not None]
    counts = [v for p in param_layers for v in (p[1].params, p[1].flops)]
    plain.merge(layout["yaxis"], {**theme.log_axis(pixels, 520 - 260), "title": dict(text="pixels")})
    plain.merge(layout["yaxis2"], {**theme.log_axis(counts, 520 - 260), "title": dict(text="count (log)")})
    plain.update_axes(layout, "x", tickangle=-60, tickfont=dict(size=theme.MIN_TEXT_SIZE))
    plain.merge(
        layout,
        dict(legend=dict(orientation="h", y=0.99, yanchor="top", x=0, yref="container"), margin=dict(t=110, b=150)),
    )
    return plain.figure(traces, layout)


def receptive_field_figure(result: Result, row_index: int, i: int, j: int) -> go.Figure:
    """Left: the chosen layer's output grid (click a unit); right: the input with that unit's receptive field."""
    row = result.rows[row_index]
    _, h2, w2 = row.shape
    _, h, w = result.stack.input_shape
    top, left, bottom, right = receptive_box(row, i, j)
    clickable = h2 * w2 <= CLICKABLE_UNITS
    layout = plain.subplots_layout(
        None,
        560,
        rows=1,
        cols=2,
        column_widths=[0.42, 0.58],
        subplot_titles=(
            f"Output of line {row.layer.line}: {h2}×{w2} units" + (" (click one)" if clickable else ""),
            f"Input {h}×{w}: receptive field {row.rf}×{row.rf} of unit ({i}, {j})",
        ),
        horizontal_spacing=0.08,
    )
    output_panel, input_panel = dict(xaxis="x", yaxis="y"), dict(xaxis="x2", yaxis="y2")
    # The units as one grey heatmap (a raster: ~60 ms to draw at 56×56, where SVG markers took ~240 ms and WebGL
    # ~370 ms plus its set-up in software rendering), with white gaps while the cells are large enough to show them.
    cell_px = _GRID_PANEL_PX / max(h2, w2)
    gap = 0 if cell_px < 4 else min(3, 1 + int(cell_px // 12))
    traces = [
        dict(
            type="heatmap",
            z=np.zeros((h2, w2), dtype=np.uint8),
            colorscale=[[0, UNIT_GREY], [1, UNIT_GREY]],
            showscale=False,
            xgap=gap,
            ygap=gap,
            # hover from the click targets when there are any, else from the heatmap itself
            **(dict(hoverinfo="skip") if clickable else dict(hovertemplate="unit (row %{y}, col %{x})<extra></extra>")),
            name="output units",
            **output_panel,
        )
    ]
    if clickable:
        # what a click selects: one invisible point per unit (a heatmap's clicks select nothing in Streamlit)
        ys, xs = np.mgrid[0:h2, 0:w2]
        traces.append(
            dict(
                type="scatter",
                x=xs.ravel().astype(np.int16),
                y=ys.ravel().astype(np.int16),
                mode="markers",
                marker=plain.click_marker(),
                hovertemplate="unit (row %{y}, col %{x})<extra></extra>",
                name="output units",
                showlegend=False,
                **output_panel,
            )
        )
    traces += [
        dict(
            type="scatter",
            x=[j],
            y=[i],
            mode="markers",
            marker=dict(
                symbol="square", size=max(8, min(24, 400 // max(h2, w2))), color=ORANGE, line=dict(color=BLACK, width=2)
            ),
            name="selected unit",
            hoverinfo="skip",
            **output_panel,
        ),
    ]
    # the input image and, around it, the zero padding that the box may reach into
    lo_y, lo_x = min(top, 0), min(left, 0)
    hi_y, hi_x = max(bottom, h - 1), max(right, w - 1)
    shapes = [
        dict(
            type="rect",
            x0=-0.5,
            y0=-0.5,
            x1=w - 0.5,
            y1=h - 0.5,
            fillcolor="#DDE8F3",
            line=dict(color=BLUE),
            layer="below",  # under the box's centre marker and its "rows …, cols …" label
            xref="x2",
            yref="y2",
        ),
        dict(
            type="rect",
            x0=left - 0.5,
            y0=top - 0.5,
            x1=right + 0.5,
            y1=bottom + 0.5,
            fillcolor=ORANGE,
            opacity=0.45,
            line=dict(color=VERMILION, width=3),
            layer="below",
            xref="x2",
            yref="y2",
        ),
    ]
    if row.jump and j + 1 < w2:
        n_top, n_left, n_bottom, n_right = receptive_box(row, i, j + 1)
        shapes.append(
            dict(
                type="rect",
                x0=n_left - 0.5,
                y0=n_top - 0.5,
                x1=n_right + 0.5,
                y1=n_bottom + 0.5,
                line=dict(color=BLACK, width=2, dash="dot"),
                xref="x2",
                yref="y2",
            )
        )
    layout["shapes"] = shapes
    centre = ((top + bottom) / 2, (left + right) / 2)
    traces.append(
        dict(
            type="scatter",
            x=[centre[1]],
            y=[centre[0]],
            mode="markers+text",
            marker=dict(color=BLACK, size=8),
            text=[f"rows {top}…{bottom}, cols {left}…{right}"],
            textposition="bottom center",
            textfont=dict(size=14),
            name="receptive-field box (dotted: the unit to the right, one jump over)",
            hoverinfo="skip",
            **input_panel,
        )
    )
    # units sit on whole numbers: ticks only there (Plotly's own choice on a short axis includes halves)
    panel_px = _GRID_PANEL_PX
    plain.merge(
        layout["xaxis"],
        dict(
            range=[-0.7, w2 - 0.3],
            title=dict(text="column"),
            constrain="domain",  # keep the range (no negative rows): the equal aspect shrinks the panel instead
            **theme.integer_axis(max(h2, w2) + 1, panel_px),
        ),
    )
    plain.merge(
        layout["yaxis"],
        dict(
            range=[h2 - 0.3, -0.7],
            title=dict(text="row"),
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            **theme.integer_axis(max(h2, w2) + 1, panel_px, label_px=theme.text_height(theme.FONT_SIZE) + 4),
        ),
    )
    pad = 0.03 * max(hi_x - lo_x, hi_y - lo_y) + 1
    plain.merge(layout["xaxis2"], dict(range=[lo_x - pad, hi_x + pad], title=dict(text="input column")))
    plain.merge(
        layout["yaxis2"],
        dict(range=[hi_y + pad, lo_y - pad], title=dict(text="input row"), scaleanchor="x2", scaleratio=1),
    )
    layout.update(legend=dict(orientation="h", y=-0.15, x=0), clickmode="event+select", dragmode=False)
    return plain.figure(traces, layout)
