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
# Room the figure's frame takes from its width (theme.style's margins plus the colour bar with its tick labels)
# and from its height (title and x tick labels): what is left is shared by the cells.
_FRAME_X, _FRAME_Y = 50 + 20 + 75, 60 + 50
# Gap between a printed number and the edge of its cell or its neighbour, in pixels.
_PAD = 3


def _format(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def _grid_height(world: GridWorld, column_px: float) -> int:
    """Tall enough for square cells as wide as the column allows (no empty band above and below the grid),
    at most 120 px a row and 720 px in all."""
    H, W = world.shape
    fill_width = (column_px - _FRAME_X) / max(W, 1) * H + _FRAME_Y
    return int(np.clip(fill_width, 300, min(720, 120 * H + 90)))


def cell_px(shape: tuple[int, int], width_px: float, height_px: float, frame_x: float, frame_y: float) -> float:
    """Side in pixels of one square cell of an H×W grid drawn with equal aspect in a figure of that size."""
    H, W = shape
    return max(1.0, min((width_px - frame_x) / max(W, 1), (height_px - frame_y) / max(H, 1)))


def _grid_axes(fig: go.Figure, world: GridWorld, column_px: float) -> go.Figure:
    H, W = world.shape
    height = _grid_height(world, column_px)
    side = cell_px(world.shape, column_px, height, _FRAME_X, _FRAME_Y)
    fig.update_xaxes(
        range=[-0.5, W - 0.5],
        showgrid=False,
        zeroline=False,
        constrain="domain",
        **theme.integer_axis(W, side * W),
    )
    fig.update_yaxes(
        range=[H - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        **theme.integer_axis(H, side * H, label_px=theme.text_height(theme.FONT_SIZE) + 4),
    )
    fig.update_layout(height=height)
    return fig


def four_labels_fit(texts: list[str], side: float, size: float = theme.MIN_TEXT_SIZE) -> bool:
    """Whether four numbers (one per side of a cell, as in the Q triangles) fit a cell ``side`` px wide at ``size``:
    the left and right ones side by side across the centre, the top and bottom ones clear of them."""
    if not texts:
        return True
    w, h = max(theme.text_width(t, size) for t in texts), theme.text_height(size)
    return side >= 2 * w + 2 * _PAD + 2 and side >= 3 * h + 2 * _PAD


def one_label_fits(texts: list[str], side: float, size: float = theme.MIN_TEXT_SIZE) -> bool:
    """Whether one number per cell fits along the bottom edge of a cell ``side`` px wide, below its arrows."""
    if not texts:
        return True
    w, h = max(theme.text_width(t, size) for t in texts), theme.text_height(size)
    return side >= w + 2 * _PAD and side >= 3.5 * h


def _selected_callout(world: GridWorld, cell: tuple[int, int], text: str, side: float) -> dict:
    """The selected cell's numbers in a box beside it, pointing at it (the cells are too small to hold them):
    above the cell in the lower half of the grid, below it in the upper half, shifted sideways to stay over the
    grid (not over the tick labels or the colour bar)."""
    r, c = cell
    H, W = world.shape
    above = r >= H / 2
    half_box = max(theme.text_width(line, theme.MIN_TEXT_SIZE + 1) for line in text.split("<br>")) / 2 + 12
    centre = (c + 0.5) * side
    shift = float(np.clip(centre, half_box, max(half_box, W * side - half_box))) - centre
    return dict(
        x=c,
        y=r,
        text=text,
        showarrow=True,
        arrowcolor=theme.ORANGE,
        arrowwidth=2,
        ax=shift,
        ay=-(side / 2 + 45) if above else side / 2 + 45,
        font=dict(size=theme.MIN_TEXT_SIZE + 1, color=theme.BLACK),
        bgcolor="rgba(255,255,255,0.92)",
        bordercolor=theme.ORANGE,
        borderwidth=2,
        borderpad=3,
    )


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


def cell_labels(
    world: GridWorld,
    rename: dict[str, str] | None = None,
    size: int = 15,
    side: float | None = None,
    terminals_only: bool = False,
) -> go.Scatter:
    """Text on special cells: terminal rewards, jump sources/targets, reward cells (``rename`` maps tokens).

    ``size`` is at least theme.MIN_TEXT_SIZE; with the cell side ``side`` (px) given, a label too wide for its
    cell is not printed, and hovering the cell shows it instead (as for every label but the terminals' with
    ``terminals_only``: where numbers fill the other cells).
    """
    size = max(size, theme.MIN_TEXT_SIZE)
    xs, ys, texts, hovers = [], [], [], []
    for r, row in enumerate(world.tokens):
        for c, token in enumerate(row):
            if token in (".", "#", "S"):
                continue
            label = (rename or {}).get(token, token)
            # bold text is ~10 % wider than the estimate's regular weight
            fits = side is None or 1.1 * theme.text_width(label, size) + 2 * _PAD <= side
            fits = fits and (world.terminal[r, c] or not terminals_only)
            xs.append(c)
            ys.append(r + (0.0 if world.terminal[r, c] else 0.3))
            texts.append(f"<b>{label}</b>" if fits else "")
            hovers.append(f"cell ({r}, {c}): {label}")
    return go.Scatter(
        x=xs,
        y=ys,
        text=texts,
        mode="text+markers",
        textfont=dict(size=size, color=theme.BLACK),
        marker=dict(size=max(6, min(30, int(side or 30))), color="rgba(0,0,0,0)", symbol="square"),
        hovertext=hovers,
        hoverinfo="text",
        showlegend=False,
        name="labels",
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
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """Each cell split into four triangles (up/right/down/left) coloured by Q(s, a) on a diverging scale.

    The numbers are printed in the triangles when four of them fit a cell at theme.MIN_TEXT_SIZE in a column
    ``column_px`` wide (``numbers=False``: never); otherwise hovering a triangle shows its value and the
    ``selected`` cell's four values stand in a box beside it.
    """
    W = world.shape[1]
    free = ~(world.wall | world.terminal).reshape(-1)
    values = Q[free] if free.any() else np.zeros((1, 4))
    scale = theme.diverging_scale(values)
    lo, hi = scale["zmin"], scale["zmax"]
    colours = sample_colorscale(theme.DIVERGING, list(np.linspace(0, 1, _COLOUR_BINS)))
    bins = np.clip(np.round((Q - lo) / (hi - lo) * (_COLOUR_BINS - 1)), 0, _COLOUR_BINS - 1).astype(int)

    side = cell_px(world.shape, column_px, _grid_height(world, column_px), _FRAME_X, _FRAME_Y)
    labels = [_format(Q[s, a]) for s in np.flatnonzero(free) for a in range(4)]
    show_numbers = numbers is not False and four_labels_fit(labels, side)
    # label centres: as far out in each triangle as the widest label allows, at most 0.3 of a cell
    w_max = max((theme.text_width(t) for t in labels), default=0.0)
    out_x = min(0.3, (side / 2 - w_max / 2 - _PAD) / side)
    out_y = min(0.3, (side / 2 - theme.text_height() / 2 - _PAD) / side)
    offsets = np.abs(_DIRECTION_XY) * [out_x, out_y]

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
            dx, dy = _DIRECTION_XY[a] * (offsets[a] if show_numbers else 0.3)
            cx.append(c + dx)
            cy.append(r + dy)
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
    fig.add_trace(
        go.Scatter(
            x=cx,
            y=cy,
            mode="text+markers" if show_numbers else "markers",
            text=labels if show_numbers else None,
            textfont=dict(size=theme.MIN_TEXT_SIZE, color=theme.BLACK),
            marker=dict(size=max(4, int(side / 3)), opacity=0),
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="Q values",
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
    # a jump or reward token would sit on the number of the down triangle
    fig.add_trace(cell_labels(world, side=side, terminals_only=show_numbers))
    fig.add_trace(_selection_layer(world))
    callouts = []
    if selected is not None and not show_numbers and numbers is not False:
        s = selected[0] * W + selected[1]
        if free[s]:
            up, right, down, left = (_format(v) for v in Q[s])
            callouts.append(_selected_callout(world, selected, f"↑ {up}<br>← {left}   → {right}<br>↓ {down}", side))
    fig.update_layout(
        shapes=cell_shapes(world) + _selected_outline(selected),
        annotations=callouts,
        clickmode="event+select",
        dragmode=False,
    )
    return _grid_axes(theme.style(fig, title), world, column_px)


def value_and_policy(
    world: GridWorld,
    V: np.ndarray,
    policy: np.ndarray,
    title: str = "V(s) and π(a|s)",
    selected: tuple[int, int] | None = None,
    numbers: bool | None = None,
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """V as a heatmap, π(a|s) as arrows whose length is the probability (all maximizing actions on ties).

    V(s) is printed along the bottom of each cell when it fits at theme.MIN_TEXT_SIZE in a column ``column_px``
    wide (``numbers=False``: never); otherwise hovering shows it and the ``selected`` cell's value stands in a
    box beside it.
    """
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
    side = cell_px(world.shape, column_px, _grid_height(world, column_px), _FRAME_X, _FRAME_Y)
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
    labels = [_format(V[s]) for s in np.flatnonzero(free)]
    show_numbers = numbers is not False and one_label_fits(labels, side)
    if show_numbers:
        rows, cols = np.divmod(np.flatnonzero(free), W)
        fig.add_trace(
            go.Scatter(
                # from the cell's left edge, along its bottom edge
                x=cols - 0.5 + _PAD / side,
                y=rows + 0.5 - (theme.text_height() / 2 + _PAD) / side,
                mode="text",
                hoverinfo="skip",
                showlegend=False,
                text=labels,
                textfont=dict(size=theme.MIN_TEXT_SIZE, color=theme.BLACK),
                textposition="middle right",
                name="V values",
            )
        )
    fig.add_trace(cell_labels(world, side=side))
    fig.add_trace(_selection_layer(world))
    callouts = []
    if selected is not None and not show_numbers and numbers is not False:
        s = selected[0] * W + selected[1]
        if free[s]:
            callouts.append(_selected_callout(world, selected, f"V = {_format(V[s])}", side))
    fig.update_layout(
        shapes=cell_shapes(world) + _selected_outline(selected),
        annotations=callouts,
        clickmode="event+select",
        dragmode=False,
    )
    return _grid_axes(theme.style(fig, title), world, column_px)


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
    fig.update_yaxes(**theme.log_axis(np.append(positive, epsilon), 340 - 110), title="max|ΔV|")
    fig.update_xaxes(title="sweep k", **theme.integer_axis(len(deltas) + 1, theme.MAIN_COLUMN_PX - 70))
    return theme.style(fig, title or "Convergence: the stop test of Q-iteration", height=340)
