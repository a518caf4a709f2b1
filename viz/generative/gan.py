"""GAN figures: the discriminator's field with real and generated points and the generator's gradient arrows (in
the spirit of GAN Lab), modes covered and the JS estimates over training, the two players' losses and outputs."""

from __future__ import annotations

import copy
import math

import numpy as np
import plotly.graph_objects as go

from core.generative import gan, toy2d
from core.numerics import moving_average
from viz import plain, raster, theme

REAL_COLOUR, FAKE_COLOUR, ARROW_COLOUR = theme.BLUE, theme.VERMILION, theme.BLACK
HISTOGRAM_COLOUR, ESTIMATE_COLOUR = theme.PURPLE, theme.GREEN
# D(x) from "generated" (0, light orange) through undecided (½, white) to "real" (1, light sky blue): pale, so that
# the points and arrows drawn over it keep their contrast.
FIELD_SCALE = [[0.0, "#F2C48D"], [0.5, "#FFFFFF"], [1.0, "#8CC8EE"]]
LIMIT = toy2d.DOMAIN
POINTS_SHOWN = 500
"""Real and generated points drawn each (hover and transfer stay light; the counts use all samples)."""
ARROW_LENGTH = 0.45
"""Length, in data units, of the longest generator-gradient arrow (the others are scaled alike)."""
CLICK_TICKS = 41
# legends sit at the very bottom of the figure, under the x-axis title (which keeps its own space above them)
_BOTTOM_LEGEND = dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0, font=dict(size=14))
LEGEND_ROOM_PX = 105
"""Bottom margin: the tick labels, the x-axis title and up to two rows of legend."""


def _square_axes(layout: dict) -> None:
    plain.merge(
        layout.setdefault("xaxis", {}),
        dict(range=[-LIMIT, LIMIT], title=dict(text="x₁"), constrain="domain", zeroline=False),
    )
    plain.merge(
        layout.setdefault("yaxis", {}),
        dict(range=[-LIMIT, LIMIT], title=dict(text="x₂"), scaleanchor="x", scaleratio=1, zeroline=False),
    )


def _arrow_segments(origins: np.ndarray, directions: np.ndarray) -> tuple[list, list, float]:
    """One polyline (with None breaks) of shafts and two-barbed heads, the longest arrow ARROW_LENGTH long;
    returns (xs, ys, the scale from gradient to drawn length)."""
    norms = np.linalg.norm(directions, axis=1)
    largest = float(norms.max()) if len(norms) and np.isfinite(norms).all() else 0.0
    scale = ARROW_LENGTH / largest if largest > 0 else 0.0
    xs: list = []
    ys: list = []
    for (x0, y0), (dx, dy) in zip(origins, directions * scale):
        length = math.hypot(dx, dy)
        if length < 1e-9:
            continue
        x1, y1 = x0 + dx, y0 + dy
        # two barbs at ±25° from the shaft, a third of the arrow long (at least a visible 0.06)
        barb = max(0.3 * length, 0.06)
        angle = math.atan2(dy, dx)
        xs += [x0, x1, None]
        ys += [y0, y1, None]
        for side in (-1, 1):
            back = angle + math.pi + side * math.radians(25)
            xs += [x1, x1 + barb * math.cos(back), None]
            ys += [y1, y1 + barb * math.sin(back), None]
    return xs, ys, scale


REAL_OPACITY, FAKE_OPACITY = 0.75, 0.85
PLANE_PX = 385
"""The plot's square in the browser (the figure's 540-px height less its margins, on any screen)."""
PLANE_IMAGE_PX = 480
"""Side of the plane's picture: above the plot's square on any screen, and a live frame's picture in ~25 ms."""


def game_figure(
    ticks: np.ndarray | None,
    field: np.ndarray | None,
    real: np.ndarray,
    fake: np.ndarray | None,
    arrows: tuple[np.ndarray, np.ndarray] | None = None,
    centres: np.ndarray | None = None,
    *,
    clickable: bool = False,
    title: str | None = None,
    height: int = 540,
) -> go.Figure:
    """D(x) as a heatmap (blue: "real", orange: "generated", white: ½), the real points (blue), the generated ones
    (vermilion), and arrows −∇_x ℓ_G at generated samples (black; lengths scaled, the longest ARROW_LENGTH).

    ``centres`` draws the 3σ circle of each ring mode; ``clickable`` lays an invisible grid of points over the
    plane so that a click selects a position (to add a point there)."""
    traces: list[dict] = []
    if field is not None and ticks is not None:
        # drawn in the points' picture below; the heatmap stays, invisible, for its hover
        traces.append(
            dict(
                type="heatmap",
                x=ticks.astype(np.float32),
                y=ticks.astype(np.float32),
                z=np.asarray(field, dtype=np.float32),
                opacity=0,
                showscale=False,  # the page's caption names the colours; hover gives D(x): room for a larger square
                hovertemplate="x₁=%{x:.2f}, x₂=%{y:.2f}<br>D(x)=%{z:.3f}<extra></extra>",
                name="D(x)",
            )
        )
    if centres is not None:
        angle = np.linspace(0, 2 * np.pi, 49)
        xs: list = []
        ys: list = []
        radius = gan.MODE_RADIUS_STDS * toy2d.RING_STD
        for cx, cy in centres:
            xs += [*(cx + radius * np.cos(angle)), None]
            ys += [*(cy + radius * np.sin(angle)), None]
        traces.append(
            dict(
                type="scatter",
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=theme.GREY, width=1.5, dash="dot"),
                name="mode: 3σ circle",
                hoverinfo="skip",
            )
        )
    shown = real[:POINTS_SHOWN]
    # a few drawn points get larger markers: each of them matters
    real_size = 6 if len(real) > 100 else 10
    groups = [(shown, REAL_COLOUR, raster.marker_radius(real_size, PLANE_PX, PLANE_IMAGE_PX), REAL_OPACITY)]
    traces += raster.pictured_points(shown, "real x ~ p_data", REAL_COLOUR, real_size, REAL_OPACITY, hover_label="real")
    if fake is not None:
        generated = fake[:POINTS_SHOWN]
        groups.append((generated, FAKE_COLOUR, raster.marker_radius(6, PLANE_PX, PLANE_IMAGE_PX), FAKE_OPACITY))
        traces += raster.pictured_points(
            generated, "generated g(z)", FAKE_COLOUR, 6, FAKE_OPACITY, hover_label="generated"
        )
    if arrows is not None:
        xs, ys, _scale = _arrow_segments(*arrows)
        traces.append(
            dict(
                type="scatter",
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=ARROW_COLOUR, width=2),
                name="−∇ₓ ℓ_G (G's push)",
                hoverinfo="skip",
            )
        )
    if clickable:
        click = np.linspace(-LIMIT, LIMIT, CLICK_TICKS)
        g1, g2 = np.meshgrid(click, click)
        traces.append(
            dict(
                type="scatter",
                x=g1.ravel().astype(np.float32),
                y=g2.ravel().astype(np.float32),
                mode="markers",
                marker=plain.click_marker(),
                name="click to add",
                showlegend=False,
                hovertemplate="(%{x:.2f}, %{y:.2f}): click to add a point<extra></extra>",
            )
        )
    layout = plain.layout(title, height, legend=copy.deepcopy(_BOTTOM_LEGEND))
    layout["margin"]["b"] = LEGEND_ROOM_PX
    _square_axes(layout)
    # D(x) and the points in one picture under the circles and arrows (1,000 SVG markers over a heatmap were most
    # of the page's drawing time in Chromium)
    extent = (-LIMIT, LIMIT)
    size = (PLANE_IMAGE_PX, PLANE_IMAGE_PX)
    background = None
    if field is not None and ticks is not None:
        background = raster.cells_rgb(ticks, ticks, np.asarray(field), FIELD_SCALE, 0.0, 1.0, size, extent, extent)
    layout["images"] = [
        raster.dots_image(groups, extent, extent, radius_px=1.0, opacity=1.0, size_px=size, background=background)
    ]
    if clickable:
        layout.update(clickmode="event+select", dragmode=False)
    return plain.figure(traces, layout)


def progress_figure(history: list[gan.Record], ring: bool, height: int = 540) -> go.Figure:
    """Over generator steps: ring modes covered (top, ring data only) and the two JS estimates (bottom): the
    histogram JS(p̂_data ‖ p̂_g) and (V̂(D, G) + log 4)/2 from the current D, under the ceiling log 2."""
    steps = np.array([r.g_steps for r in history])
    rows = 2 if ring else 1
    layout = plain.subplots_layout(
        None,
        height,
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=(("Ring modes covered",) if ring else ()) + ("JS(p_data ‖ p_g), nats",),
    )
    traces = []
    if ring:
        traces.append(
            dict(
                type="scatter",
                x=steps,
                y=np.array([r.modes for r in history], dtype=float),
                mode="lines+markers" if len(steps) < 30 else "lines",
                line=dict(color=theme.BLUE, width=3, shape="hv"),
                name="modes covered",
                showlegend=False,
                hovertemplate="G-step %{x}: %{y} of 8 modes<extra></extra>",
                xaxis="x",
                yaxis="y",
            )
        )
        plain.merge(
            layout["yaxis"],
            dict(range=[-0.3, toy2d.RING_MODES + 0.3], tick0=0, dtick=2, title=dict(text="of 8")),
        )
    js_x, js_y = ("x2", "y2") if ring else ("x", "y")
    traces += [
        dict(
            type="scatter",
            x=steps,
            y=np.array([r.js_histogram for r in history], dtype=float),
            mode="lines",
            line=dict(color=HISTOGRAM_COLOUR, width=3),
            name="histogram JS",
            hovertemplate="G-step %{x}: %{y:.3f}<extra>histogram JS</extra>",
            xaxis=js_x,
            yaxis=js_y,
        ),
        dict(
            type="scatter",
            x=steps,
            y=np.array([r.js_from_d for r in history], dtype=float),
            mode="lines",
            line=dict(color=ESTIMATE_COLOUR, width=3, dash="dash"),
            name="(V̂ + log 4)/2 from D",
            hovertemplate="G-step %{x}: %{y:.3f}<extra>from D</extra>",
            xaxis=js_x,
            yaxis=js_y,
        ),
    ]
    layout["shapes"] = [plain.hline(math.log(2), dict(color=theme.GREY, dash="dot", width=1.5), f"{js_x} domain", js_y)]
    plain.merge(layout[f"yaxis{js_y[1:]}"], dict(range=[-0.05, 0.75]))
    plain.merge(layout[f"xaxis{js_x[1:]}"], dict(title=dict(text="generator step")))
    layout["legend"] = copy.deepcopy(_BOTTOM_LEGEND)
    _subplot_title_size(layout, 16)
    layout["margin"]["b"] = LEGEND_ROOM_PX
    return plain.figure(traces, layout)


def _subplot_title_size(layout: dict, size: int) -> None:
    """``fig.update_annotations(font_size=size)`` on a layout dict (its annotations are the subplot titles)."""
    for note in layout.get("annotations", []):
        note.setdefault("font", {})["size"] = size


def curves_figure(
    trainer_d_losses: list[float], trainer_g_losses: list[float], history: list[gan.Record], loss: str, window: int = 25
) -> go.Figure:
    """Left: L_D per D-step and L_G per G-step (moving averages of ``window``), with their values at the
    equilibrium D = ½ (log 4 and ±log 2). Right: the mean D(x) on data and on generated samples over G-steps."""
    layout = plain.subplots_layout(
        None,
        400,
        rows=1,
        cols=2,
        subplot_titles=("Losses (moving average)", "Mean D on real and generated"),
        horizontal_spacing=0.12,
    )
    traces = []
    for values, name, colour, unit in (
        (trainer_d_losses, "L_D per D-step", theme.GREEN, "D-step"),
        (trainer_g_losses, "L_G per G-step", theme.PURPLE, "G-step"),
    ):
        values = np.asarray(values, dtype=float)
        if not len(values):
            continue
        w = min(window, len(values))
        smooth = moving_average(values, w)[w - 1 :]
        traces.append(
            dict(
                type="scatter",
                x=np.arange(w, len(values) + 1),
                y=np.asarray(smooth, dtype=np.float32),  # float32: a loss curve needs no more digits
                mode="lines",
                line=dict(color=colour, width=3),
                name=name,
                hovertemplate=f"{unit} %{{x}}: %{{y:.3f}}<extra>{name}</extra>",
                xaxis="x",
                yaxis="y",
            )
        )
    # at D = ½: L_D = 2 log 2 = log 4; L_G = log 2 (non-saturating) or −log 2 (saturating)
    equilibrium_g = math.log(2) if loss == gan.NON_SATURATING else -math.log(2)
    dotted = dict(color=theme.GREY, dash="dot", width=1.5)
    # (on the left only once it has a curve: Plotly's add_hline leaves out an empty subplot)
    shapes = [plain.hline(level, dict(dotted), "x domain", "y") for level in (math.log(4), equilibrium_g) if traces]
    steps = np.array([r.g_steps for r in history])
    for values, name, colour in (
        ([r.d_real for r in history], "D(x), x real", REAL_COLOUR),
        ([r.d_fake for r in history], "D(g(z))", FAKE_COLOUR),
    ):
        traces.append(
            dict(
                type="scatter",
                x=steps,
                y=np.asarray(values, dtype=float),
                mode="lines",
                line=dict(color=colour, width=3),
                name=name,
                hovertemplate="G-step %{x}: %{y:.3f}<extra></extra>",
                xaxis="x2",
                yaxis="y2",
            )
        )
    shapes.append(plain.hline(0.5, dict(dotted), "x2 domain", "y2"))
    layout["shapes"] = shapes
    plain.merge(layout["xaxis"], dict(title=dict(text="update of that player")))
    plain.merge(layout["xaxis2"], dict(title=dict(text="generator step")))
    plain.merge(layout["yaxis2"], dict(range=[0, 1]))
    layout["legend"] = copy.deepcopy(_BOTTOM_LEGEND)
    _subplot_title_size(layout, 16)
    layout["margin"]["b"] = LEGEND_ROOM_PX
    return plain.figure(traces, layout)
