"""Gridworld figures: Q-value triangles, V heatmap with policy arrows, convergence curve.

Coordinates: cell (row, col) is the unit square centred on (x=col, y=row); the y axis is reversed so row 0 is
on top, as in the layout text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from core.rl.gridworld import ACTIONS, GridWorld
from viz import theme

# unit step of each action in figure coordinates (x = col, y = row, y axis reversed)
_DIRECTION_XY = np.array([(0, -1), (1, 0), (0, 1), (-1, 0)], dtype=float)
# corners of the triangle of each action, relative to the cell centre: centre + the two corners on that side
_TRIANGLES = {
    0: [(-0.5, -0.5), (0.5, -0.5)],
    1: [(0.5, -0.5), (0.5, 0.5)],
    2: [(0.5, 0.5), (-0.5, 0.5)],
    3: [(-0.5, 0.5), (-0.5, -0.5)],
}
_COLOUR_BINS = 41
MAX_TRIANGLE_CELLS = 900
# numbers are printed in the cells only while a cell stays wide enough to hold four of them
MAX_NUMBER_SIDE = 8


def _format(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def _grid_axes(fig: go.Figure, world: GridWorld, height: int | None = None) -> go.Figure:
    H, W = world.shape
    fig.update_xaxes(
        range=[-0.5, W - 0.5], showgrid=False, zeroline=False, showticklabels=W <= 20, dtick=1, constrain="domain"
    )
    fig.update_yaxes(
        range=[H - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        showticklabels=H <= 20,
        dtick=1,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
    )
    if height is None:
        height = int(min(720, max(400, 120 * H + 90)))
    fig.update_layout(height=height)
    return fig


def _box(r: float, c: float, half: float, kind: str = "rect", **style) -> dict:
    """A square (or circle) shape of half-width ``half`` centred on cell (r, c)."""
    return dict(type=kind, x0=c - half, x1=c + half, y0=r - half, y1=r + half, layer="above", **style)


def cell_shapes(world: GridWorld) -> list[dict]:
    """Walls as dark squares, terminals outlined, the start cell ringed."""
    return [
        *(_box(r, c, 0.5, fillcolor=theme.WALL, line=dict(width=0)) for r, c in np.argwhere(world.wall)),
        *(_box(r, c, 0.46, line=dict(color=theme.BLACK, width=3)) for r, c in np.argwhere(world.terminal)),
        _box(*world.start, 0.18, kind="circle", line=dict(color=theme.BLUE, width=4)),
    ]


def cell_labels(world: GridWorld, rename: dict[str, str] | None = None, size: int = 15) -> go.Scatter:
    """Text on special cells: terminal rewards, jump sources/targets, reward cells (``rename`` maps tokens)."""
    xs, ys, texts = [], [], []
    for r, row in enumerate(world.tokens):
        for c, token in enumerate(row):
            if token in (".", "#", "S"):
                continue
            xs.append(c)
            ys.append(r + (0.0 if world.terminal[r, c] else 0.3))
            texts.append(f"<b>{(rename or {}).get(token, token)}</b>")
    return go.Scatter(
        x=xs,
        y=ys,
        text=texts,
        mode="text",
        textfont=dict(size=size, color=theme.BLACK),
        hoverinfo="skip",
        showlegend=False,
    )


def _selection_layer(world: GridWorld) -> go.Scatter:
    """One nearly invisible marker per cell so that a click selects the cell (customdata = row, col)."""
    H, W = world.shape
    rows, cols = np.divmod(np.arange(H * W), W)
    return go.Scatter(
        x=cols,
        y=rows,
        mode="markers",
        marker=dict(size=max(6, int(300 / max(H, W))), color="rgba(0,0,0,0.01)", symbol="square"),
        customdata=np.stack([rows, cols], axis=1),
        hovertemplate="cell (%{customdata[0]}, %{customdata[1]})<extra></extra>",
        showlegend=False,
        name="cells",
    )


def _selected_outline(cell: tuple[int, int] | None) -> list[dict]:
    return [] if cell is None else [_box(*cell, 0.5, line=dict(color=theme.ORANGE, width=5))]


def q_triangles(
    world: GridWorld,
    Q: np.ndarray,
    title: str = "Q(s, a): one triangle per action",
    selected: tuple[int, int] | None = None,
    numbers: bool | None = None,
) -> go.Figure:
    """Each cell split into four triangles (up/right/down/left) coloured by Q(s, a) on a diverging scale."""
    H, W = world.shape
    free = ~(world.wall | world.terminal).reshape(-1)
    values = Q[free] if free.any() else np.zeros((1, 4))
    scale = theme.diverging_scale(values)
    lo, hi = scale["zmin"], scale["zmax"]
    colours = sample_colorscale(theme.DIVERGING, list(np.linspace(0, 1, _COLOUR_BINS)))
    bins = np.clip(np.round((Q - lo) / (hi - lo) * (_COLOUR_BINS - 1)), 0, _COLOUR_BINS - 1).astype(int)

    # one filled path per colour bin: triangles separated by None
    paths: dict[int, tuple[list, list]] = {}
    cx, cy, hover = [], [], []
    for s in np.flatnonzero(free):
        r, c = divmod(int(s), W)
        for a in range(4):
            (x1, y1), (x2, y2) = _TRIANGLES[a]
            xs, ys = paths.setdefault(int(bins[s, a]), ([], []))
            xs += [c, c + x1, c + x2, c, None]
            ys += [r, r + y1, r + y2, r, None]
            dx, dy = _DIRECTION_XY[a]
            cx.append(c + 0.3 * dx)
            cy.append(r + 0.3 * dy)
            hover.append(f"Q(({r},{c}), {ACTIONS[a]}) = {Q[s, a]:.4g}")
    fig = go.Figure()
    for b, (xs, ys) in sorted(paths.items()):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colours[b],
                mode="lines",
                line=dict(color="rgba(255,255,255,0.9)", width=1),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    show_numbers = numbers if numbers is not None else max(H, W) <= MAX_NUMBER_SIDE
    fig.add_trace(
        go.Scatter(
            x=cx,
            y=cy,
            mode="text" if show_numbers else "markers",
            text=[_format(Q[s, a]) for s in np.flatnonzero(free) for a in range(4)] if show_numbers else None,
            textfont=dict(size=12 if max(H, W) <= 5 else 10, color=theme.BLACK),
            marker=dict(size=4, opacity=0),
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
        )
    )
    # colour bar through an invisible marker trace
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                colorscale=theme.DIVERGING,
                cmin=lo,
                cmax=hi,
                color=[lo],
                colorbar=dict(title=dict(text="Q"), thickness=14),
            ),
        )
    )
    fig.add_trace(cell_labels(world))
    fig.add_trace(_selection_layer(world))
    fig.update_layout(shapes=cell_shapes(world) + _selected_outline(selected), clickmode="event+select", dragmode=False)
    return _grid_axes(theme.style(fig, title), world)


def value_and_policy(
    world: GridWorld,
    V: np.ndarray,
    policy: np.ndarray,
    title: str = "V(s) and π(a|s)",
    selected: tuple[int, int] | None = None,
    numbers: bool | None = None,
) -> go.Figure:
    """V as a heatmap, π(a|s) as arrows whose length is the probability (all maximizing actions on ties)."""
    H, W = world.shape
    grid = V.reshape(H, W).astype(float).copy()
    grid[world.wall] = np.nan
    free = ~(world.wall | world.terminal).reshape(-1)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            colorbar=dict(title=dict(text="V"), thickness=14),
            hovertemplate="V(%{y}, %{x}) = %{z:.4g}<extra></extra>",
            **theme.diverging_scale(V[free] if free.any() else V),
        )
    )
    # arrows: a line from the centre, an arrow-head marker at the tip, length ∝ π(a|s)
    xs, ys, tips_x, tips_y, angles = [], [], [], [], []
    for s in np.flatnonzero(free & (world.jump_target.reshape(-1) < 0)):
        r, c = divmod(int(s), W)
        for a in np.flatnonzero(policy[s] > 1e-9):
            length = 0.42 * float(policy[s, a]) ** 0.5
            dx, dy = _DIRECTION_XY[a]
            xs += [c, c + length * dx, None]
            ys += [r, r + length * dy, None]
            tips_x.append(c + length * dx)
            tips_y.append(r + length * dy)
            angles.append((0, 90, 180, 270)[a])
    width = 3 if max(H, W) <= 10 else 1.5
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line=dict(color=theme.BLACK, width=width), hoverinfo="skip", showlegend=False
        )
    )
    fig.add_trace(
        go.Scatter(
            x=tips_x,
            y=tips_y,
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker=dict(symbol="triangle-up", angle=angles, size=14 if max(H, W) <= 10 else 6, color=theme.BLACK),
        )
    )
    show_numbers = numbers if numbers is not None else max(H, W) <= MAX_NUMBER_SIDE
    if show_numbers:
        rows, cols = np.divmod(np.flatnonzero(free), W)
        fig.add_trace(
            go.Scatter(
                x=cols - 0.3,
                y=rows + 0.36,
                mode="text",
                hoverinfo="skip",
                showlegend=False,
                text=[_format(V[s]) for s in np.flatnonzero(free)],
                textfont=dict(size=12, color=theme.BLACK),
                textposition="middle right",
            )
        )
    fig.add_trace(cell_labels(world))
    fig.add_trace(_selection_layer(world))
    fig.update_layout(shapes=cell_shapes(world) + _selected_outline(selected), clickmode="event+select", dragmode=False)
    return _grid_axes(theme.style(fig, title), world)


def convergence(deltas: np.ndarray, epsilon: float, k: int | None = None, title: str | None = None) -> go.Figure:
    """max_s |V_{k+1}(s) − V_k(s)| per sweep on a log scale, with the stop threshold ε."""
    sweeps = np.arange(1, len(deltas) + 1)
    positive = np.where(deltas > 0, deltas, np.nan)
    fig = go.Figure(
        go.Scatter(
            x=sweeps,
            y=positive,
            mode="lines+markers" if len(deltas) <= 80 else "lines",
            line=dict(color=theme.BLUE, width=3),
            name="max|ΔV|",
            hovertemplate="sweep %{x}: max|ΔV| = %{y:.3g}<extra></extra>",
        )
    )
    fig.add_hline(
        y=epsilon,
        line=dict(color=theme.VERMILION, dash="dash", width=2),
        annotation_text=f"ε = {epsilon:g}",
        annotation_position="top right",
    )
    if k is not None and 0 < k <= len(deltas):
        fig.add_vline(x=k, line=dict(color=theme.ORANGE, width=2))
    fig.update_yaxes(type="log", title="max|ΔV|", exponentformat="power")
    fig.update_xaxes(title="sweep k")
    return theme.style(fig, title or "Convergence: the stop test of Q-iteration", height=340)
