"""Figures of the normalization page (sheet 7b, 7c): which axes each norm averages over, BatchNorm vs batch size."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.deep.normalization import BatchSizeStudy, RunningStatsTrace
from viz import plain
from viz.theme import BLACK, BLUE, CATEGORICAL, GREY, ORANGE, log_axis

_COS30, _SIN30 = math.sqrt(3) / 2, 0.5
_FACE_GAP = 0.06
"""Inset of every cell face (data units of one cell): the white between faces marks the single values."""
_FACE_SHADES = {"top": 0.25, "front": 0.0, "side": -0.2}
"""How much each visible face of the block is lightened (+, towards white) or darkened (−, towards black): the
light falls from above and the left, so the block reads as a solid."""
_GROUP_KEYS = {"BatchNorm": lambda a, b: (b,), "LayerNorm": lambda a, b: (a,), "InstanceNorm": lambda a, b: (a, b)}
_GROUP_LABELS = {"BatchNorm": "channel c={}", "LayerNorm": "example n={}", "InstanceNorm": "n={}, c={}"}


def _project(x: float, y: float, z: float) -> tuple[float, float]:
    """Isometric view of the point (x = H·W, y = C, z = N) from the front right, above: x runs right and down,
    y (depth) right and up, z straight up."""
    return (x + y) * _COS30, z + (y - x) * _SIN30


def _shade(colour: str, amount: float) -> str:
    """``colour`` (#RRGGBB) mixed with white (amount > 0) or black (amount < 0)."""
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)], dtype=float)
    target = 255.0 if amount > 0 else 0.0
    mixed = rgb + (target - rgb) * abs(amount)
    return "#" + "".join(f"{round(v):02X}" for v in mixed)


def _cell_faces(n: int, c: int, hw: int):
    """The visible faces of the N×C×(H·W) block, one per value on its surface: (face, (n, c, pixel), the four
    corners in 3-D). Only the top, the front (c = 0) and the right side (last pixel) are visible, and they do not
    overlap on the screen: no drawing order to keep."""
    lo, hi = _FACE_GAP, 1 - _FACE_GAP
    for s in range(hw):
        for b in range(c):
            yield "top", (n - 1, b, s), [(s + u, b + v, n) for u, v in ((lo, lo), (hi, lo), (hi, hi), (lo, hi))]
    for s in range(hw):
        for a in range(n):
            yield "front", (a, 0, s), [(s + u, 0, a + v) for u, v in ((lo, lo), (hi, lo), (hi, hi), (lo, hi))]
    for b in range(c):
        for a in range(n):
            yield "side", (a, b, hw - 1), [(hw, b + u, a + v) for u, v in ((lo, lo), (hi, lo), (hi, hi), (lo, hi))]


def norm_cube_figure(n: int, c: int, hw: int, methods: tuple[str, str]) -> go.Figure:
    """Two N×C×(H·W) blocks of values drawn in isometric view (as in Wu & He's Group Norm figure); every group of
    values that shares one mean and variance has one colour. Flat SVG polygons: no WebGL, crisp on a projector."""
    sizes = {"BatchNorm": n * hw, "LayerNorm": c * hw, "InstanceNorm": hw}
    counts = {"BatchNorm": c, "LayerNorm": n, "InstanceNorm": n * c}
    formulas = {"BatchNorm": "N·H·W", "LayerNorm": "C·H·W", "InstanceNorm": "H·W"}
    titles = tuple(f"{m}: {counts[m]} groups of {formulas[m]} = {sizes[m]} values" for m in methods)
    layout = plain.subplots_layout(None, 480, rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.04)
    faces = list(_cell_faces(n, c, hw))
    # the block's outline and its three axes, in the same projection
    corners = {(x, y, z): _project(x, y, z) for x in (0, hw) for y in (0, c) for z in (0, n)}
    edges = [
        ((0, 0, 0), (hw, 0, 0)), ((hw, 0, 0), (hw, c, 0)), ((0, 0, 0), (0, 0, n)), ((hw, 0, 0), (hw, 0, n)),
        ((hw, c, 0), (hw, c, n)), ((0, 0, n), (hw, 0, n)), ((hw, 0, n), (hw, c, n)), ((0, 0, n), (0, c, n)),
        ((0, c, n), (hw, c, n)),
    ]  # fmt: skip
    traces, annotations = [], []
    for col, method in enumerate(methods, start=1):
        where = dict(xaxis="x" if col == 1 else f"x{col}", yaxis="y" if col == 1 else f"y{col}")
        keys = sorted({_GROUP_KEYS[method](a, b) for a in range(n) for b in range(c)})
        colour_of = {key: CATEGORICAL[g % len(CATEGORICAL)] for g, key in enumerate(keys)}
        # one filled trace per drawn colour (None breaks between the polygons), not one per face
        polygons: dict[str, tuple[list, list]] = {}
        hover_x, hover_y, hover_text = [], [], []
        for face, (a, b, s), points in faces:
            key = _GROUP_KEYS[method](a, b)
            colour = _shade(colour_of[key], _FACE_SHADES[face])
            xs, ys = polygons.setdefault(colour, ([], []))
            projected = [_project(*p) for p in points]
            xs += [round(u, 3) for u, _ in projected] + [round(projected[0][0], 3), None]
            ys += [round(v, 3) for _, v in projected] + [round(projected[0][1], 3), None]
            hover_x.append(round(sum(u for u, _ in projected) / 4, 3))
            hover_y.append(round(sum(v for _, v in projected) / 4, 3))
            hover_text.append(f"x[n={a + 1}, c={b + 1}, pixel {s + 1}]<br>{_GROUP_LABELS[method].format(*key)}")
        for colour, (xs, ys) in polygons.items():
            traces.append(
                dict(
                    type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                    line=dict(width=0, color=colour), hoverinfo="skip", showlegend=False, **where,
                )
            )  # fmt: skip
        outline_x, outline_y = [], []
        for start, stop in edges:
            outline_x += [round(corners[start][0], 3), round(corners[stop][0], 3), None]
            outline_y += [round(corners[start][1], 3), round(corners[stop][1], 3), None]
        traces.append(
            dict(
                type="scatter", x=outline_x, y=outline_y, mode="lines", line=dict(color=GREY, width=1),
                hoverinfo="skip", showlegend=False, **where,
            )
        )  # fmt: skip
        traces.append(
            dict(
                type="scatter", x=hover_x, y=hover_y, mode="markers", marker=dict(size=10, opacity=0),
                hovertext=hover_text, hoverinfo="text", showlegend=False, name=method, **where,
            )
        )  # fmt: skip
        # axis names along the three edges that meet at the front bottom corner's neighbours
        for (start, stop), text, shift, angle in (
            (((0, 0, 0), (hw, 0, 0)), "H·W (pixels)", (-0.45, -0.8), 30),
            (((hw, 0, 0), (hw, c, 0)), "C (channels)", (0.45, -0.8), -30),
            (((0, 0, 0), (0, 0, n)), "N (examples)", (-0.6, 0.0), -90),
        ):
            (u0, v0), (u1, v1) = corners[start], corners[stop]
            annotations.append(
                dict(
                    x=round((u0 + u1) / 2 + shift[0], 3), y=round((v0 + v1) / 2 + shift[1], 3),
                    xref=where["xaxis"], yref=where["yaxis"], text=text, textangle=angle, showarrow=False,
                    font=dict(size=15, color=BLACK),
                )
            )  # fmt: skip
    # both panels on one scale, the block centred with room for the axis names
    u_values = [u for u, _ in corners.values()]
    v_values = [v for _, v in corners.values()]
    u_range = [min(u_values) - 1.4, max(u_values) + 1.0]
    v_range = [min(v_values) - 1.4, max(v_values) + 0.4]
    for col in (1, 2):
        suffix = "" if col == 1 else str(col)
        plain.merge(layout[f"xaxis{suffix}"], dict(range=u_range, visible=False, constrain="domain"))
        plain.merge(
            layout[f"yaxis{suffix}"],
            dict(range=v_range, visible=False, scaleanchor=f"x{suffix}", scaleratio=1, constrain="domain"),
        )
    layout["annotations"] = [*layout.get("annotations", []), *annotations]
    layout.update(dragmode=False, hovermode="closest", margin=dict(t=60, b=10, l=10, r=10))
    return plain.figure(traces, layout)


def _band(x, spread, color, name, axis: str, dash=None) -> list[dict]:
    """The median as a line with markers over a 10–90 % band, on the axes x{axis}, y{axis}."""
    where = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
    return [
        dict(
            type="scatter",
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([spread[:, 2], spread[::-1, 0]]),
            fill="toself",
            fillcolor=color,
            opacity=0.25,
            line=dict(width=0),
            hoverinfo="skip",
            showlegend=False,
            **where,
        ),
        dict(
            type="scatter",
            x=x,
            y=spread[:, 1],
            mode="lines+markers",
            line=dict(color=color) if dash is None else dict(color=color, dash=dash),
            name=name,
            **where,
        ),
    ]


def batch_size_figure(study: BatchSizeStudy) -> go.Figure:
    """Batch mean μ_B vs batch size (10–90 % band) and one example's BN vs LN output vs batch size."""
    layout = plain.subplots_layout(
        None,
        440,
        rows=1,
        cols=2,
        subplot_titles=("Batch mean μ_B of one channel", "Output for the same value of one example"),
        horizontal_spacing=0.1,
    )
    x = study.batch_sizes
    traces = [
        *_band(x, study.mean_spread, BLUE, "μ_B (median, 10–90 % band)", ""),
        *_band(x, study.bn_output, ORANGE, "BatchNorm output (band over batch-mates)", "2"),
        dict(
            type="scatter",
            x=x,
            y=study.ln_output[:, 1],
            mode="lines+markers",
            line=dict(color=BLUE, dash="dash"),
            name="LayerNorm output",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    layout["shapes"] = [plain.hline(study.true_mean, dict(color=BLACK, dash="dot"))]
    # a tick at each batch size of the study, written in full
    plain.update_axes(
        layout,
        "x",
        **log_axis(x, tickvals=list(x), ticktext=[str(v) for v in x]),
        title=dict(text="batch size N"),
    )
    plain.merge(layout["yaxis"], dict(title=dict(text="μ_B")))
    plain.merge(layout["yaxis2"], dict(title=dict(text="normalized value")))
    layout["legend"] = dict(orientation="h", y=-0.25, x=0)
    return plain.figure(traces, layout)


def running_stats_figure(trace: RunningStatsTrace) -> go.Figure:
    """Running mean during training vs the true mean; train-mode outputs vs the single eval-mode output."""
    layout = plain.subplots_layout(
        None,
        420,
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=("Running mean while training", f"One test value x = {trace.test_value:.2f}: train vs eval"),
        horizontal_spacing=0.1,
    )
    traces = [
        dict(
            type="scatter",
            x=trace.steps[1:],
            y=trace.batch_mean,
            mode="markers",
            marker=dict(color=GREY, size=5),
            name="batch mean μ_B",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=trace.steps,
            y=trace.running_mean,
            mode="lines",
            line=dict(color=BLUE, width=3),
            name="running mean",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="box",
            x=trace.train_outputs,
            name="train mode",
            marker=dict(color=ORANGE),
            boxpoints="all",
            jitter=0.4,
            orientation="h",
            xaxis="x2",
            yaxis="y2",
        ),
        dict(
            type="scatter",
            x=[trace.eval_output],
            y=["eval mode"],
            mode="markers",
            marker=dict(color=BLUE, size=16, symbol="diamond"),
            name="eval mode",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    layout["shapes"] = [plain.hline(trace.true_mean, dict(color=BLACK, dash="dot"))]
    plain.merge(layout["xaxis"], dict(title=dict(text="training step")))
    plain.merge(layout["xaxis2"], dict(title=dict(text="BN output")))
    layout["legend"] = dict(orientation="h", y=-0.25, x=0)
    return plain.figure(traces, layout)


def image_normalization_figure(result) -> go.Figure:
    """The user's image x₀ and its three normalized versions side by side: LayerNorm (its own μ, σ) and BatchNorm
    with dark and with bright batch-mates, on one diverging scale so equal colours are equal values."""
    from plotly.subplots import make_subplots

    from viz import theme

    panels = [
        ("x₀ (your image)", result.image, None),
        ("LayerNorm", result.layer, "LayerNorm"),
        ("BatchNorm, dark mates", result.batch_dark, "BatchNorm, dark batch"),
        ("BatchNorm, bright mates", result.batch_bright, "BatchNorm, bright batch"),
    ]
    titles = []
    for title, _, stat in panels:
        if stat is None:
            titles.append(title)
        else:
            mean, var = result.stats[stat]
            titles.append(f"{title}<br>μ = {mean:.2f}, σ² = {var:.3f}")
    fig = make_subplots(rows=1, cols=4, subplot_titles=titles, horizontal_spacing=0.03)
    reach = max(float(np.abs(panel).max()) for _, panel, stat in panels if stat is not None)
    for col, (title, values, stat) in enumerate(panels, start=1):
        grey = stat is None
        fig.add_trace(
            go.Heatmap(
                z=values,
                colorscale="Greys" if grey else theme.DIVERGING,
                reversescale=grey,  # Plotly's Greys runs white → black; an image's 0 is black
                zmin=0 if grey else -reach,
                zmax=1 if grey else reach,
                showscale=col == 4,
                colorbar=dict(title="x̂", len=0.9),
                hovertemplate=f"{title.split('<br>')[0]}<br>row %{{y}}, column %{{x}}: %{{z:.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", showticklabels=False, row=1, col=col
        )
        fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=1, col=col)
        fig.update_yaxes(showgrid=False, zeroline=False, row=1, col=col)
    fig.update_annotations(font_size=14)
    # four panels of about 175 px across the main column: as tall as the image's aspect needs, plus the titles
    height = int(np.clip(95 + 175 * values.shape[0] / values.shape[1], 200, 460))
    return theme.style(fig, None, height=height).update_layout(margin=dict(t=70, b=10))
