"""Gridworld figures: Q-value triangles, V heatmap with policy arrows, convergence curve.

Coordinates: cell (row, col) is the unit square centred on (x=col, y=row); the y axis is reversed so row 0 is
on top, as in the layout text.
"""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from core.rl.gridworld import ACTIONS, GridWorld
from core.rl.mdp import IterationResult, greedy_policy, state_values
from viz import animation, plain, raster, theme

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
# Sweep playback: at most this many frames, and at most this many cell values in all frames together (what the
# page sends to the browser once): a 4×3 grid plays up to 80 sweeps, a 30×30 one 22.
MAX_SWEEP_FRAMES = 80
MAX_FRAME_CELLS = 20_000
# Colour levels of the playback (odd: V = 0 has its own, white): each level is one trace that a frame moves cells
# into, and a frame's cost in the browser grows with the traces it moves (41 levels cost twice as much as 17).
_SWEEP_LEVELS = 17


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


def _grid_axis_props(world: GridWorld, column_px: float) -> tuple[int, dict, dict]:
    """(figure height, x axis, y axis) of a grid figure: square cells, row 0 on top, ticks on whole cells."""
    H, W = world.shape
    height = _grid_height(world, column_px)
    side = cell_px(world.shape, column_px, height, _FRAME_X, _FRAME_Y)
    x_axis = dict(
        range=[-0.5, W - 0.5], showgrid=False, zeroline=False, constrain="domain", **theme.integer_axis(W, side * W)
    )
    y_axis = dict(
        range=[H - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        **theme.integer_axis(H, side * H, label_px=theme.text_height(theme.FONT_SIZE) + 4),
    )
    return height, x_axis, y_axis


def _grid_axes(fig: go.Figure, world: GridWorld, column_px: float) -> go.Figure:
    height, x_axis, y_axis = _grid_axis_props(world, column_px)
    fig.update_xaxes(**x_axis)
    fig.update_yaxes(**y_axis)
    fig.update_layout(height=height)
    return fig


def _grid_layout(world: GridWorld, column_px: float, title: str | None, **overrides) -> dict:
    """The layout ``_grid_axes(theme.style(fig, title), world, column_px)`` gives, as a plain dict (viz.plain)."""
    height, x_axis, y_axis = _grid_axis_props(world, column_px)
    layout = plain.layout(title, height, **overrides)
    plain.update_axes(layout, "x", **x_axis)
    plain.update_axes(layout, "y", **y_axis)
    return layout


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
) -> dict:
    """Text on special cells: terminal rewards, jump sources/targets, reward cells (``rename`` maps tokens), as a
    plain scatter trace dict (``fig.add_trace`` takes it as it is).

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
    return dict(
        type="scatter",
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


def _selection_layer(world: GridWorld) -> dict:
    """One nearly invisible marker per cell so that a click selects the cell (customdata = row, col)."""
    H, W = world.shape
    rows, cols = np.divmod(np.arange(H * W), W)
    return dict(
        type="scatter",
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


@functools.cache
def _triangle_palette() -> np.ndarray:
    """(bins + 1, 4) RGBA: the diverging scale at _COLOUR_BINS levels (Plotly's blend, as sample_colorscale's),
    then a transparent entry for the gaps between triangles and the cells without a Q."""
    palette = np.zeros((_COLOUR_BINS + 1, 4), dtype=np.uint8)
    palette[:-1, :3] = raster.colour_table(plain.colorscale(theme.DIVERGING), _COLOUR_BINS)
    palette[:-1, 3] = 255
    palette.setflags(write=False)
    return palette


@functools.lru_cache(maxsize=16)
def _triangle_stencil(per_cell: int, gap: float) -> np.ndarray:
    """(per_cell, per_cell): the action whose triangle each pixel of a cell lies in (0 up, 1 right, 2 down,
    3 left), 4 for the gaps: a band ``gap`` cells wide along the two diagonals and half of it along the edges
    (two neighbours' halves make one band)."""
    centre = (np.arange(per_cell) + 0.5) / per_cell - 0.5
    v, u = np.meshgrid(centre, centre, indexing="ij")  # v: down the rows, u: along the columns
    action = np.where(np.abs(v) >= np.abs(u), np.where(v < 0, 0, 2), np.where(u > 0, 1, 3))
    gaps = (np.abs(np.abs(u) - np.abs(v)) < gap * np.sqrt(2) / 2) | (np.maximum(np.abs(u), np.abs(v)) > 0.5 - gap / 2)
    action[gaps] = 4
    action.setflags(write=False)
    return action


def q_triangle_image(
    world: GridWorld, Q: np.ndarray, lo: float, hi: float, side: float, xref: str = "x", yref: str = "y"
) -> dict:
    """The Q triangles as one layout image under the axes (``xref``, ``yref``): each free cell split into four
    triangles (up/right/down/left) coloured by Q(s, a) in _COLOUR_BINS steps of the diverging scale on [lo, hi],
    with a 1 px gap between triangles at a cell ``side`` px wide; walls and terminals left transparent (their
    shapes are drawn over them).

    Why a picture: as ~40 filled SVG paths (one per colour step) the triangles took Chromium longer to draw than
    the rest of the figure; hover comes from :func:`q_values_trace`. About two image pixels per screen pixel, so
    that the browser's smoothing of the scaled image keeps the diagonals sharp."""
    H, W = world.shape
    per_cell = int(np.clip(round(2 * side), 8, 48))
    per_cell = int(min(per_cell, max(8, np.sqrt(2_000_000 / (H * W)))))  # at most ~2 M pixels for the biggest grids
    bins = np.clip(np.round((Q - lo) / ((hi - lo) or 1.0) * (_COLOUR_BINS - 1)), 0, _COLOUR_BINS - 1).astype(np.intp)
    free = ~(world.wall | world.terminal).reshape(-1)
    # per cell its four bins and the transparent entry (the gaps'); cells without a Q transparent throughout
    cell_bins = np.full((H * W, 5), _COLOUR_BINS, dtype=np.intp)
    cell_bins[free, :4] = bins[free]
    stencil = _triangle_stencil(per_cell, 1.0 / max(side, 1.0))
    pixels = cell_bins.reshape(H, W, 5)[:, :, stencil]  # (H, W, per_cell, per_cell)
    rgba = _triangle_palette()[pixels.transpose(0, 2, 1, 3).reshape(H * per_cell, W * per_cell)]
    return raster.layout_image(raster.png_data_uri(rgba), -0.5, -0.5, W, H, xref=xref, yref=yref)


def q_values_trace(world: GridWorld, Q: np.ndarray, side: float, numbers: bool = True, **axes: str) -> dict:
    """The Q triangles' values: printed in the triangles (``numbers`` and four of them fit a cell ``side`` px
    wide at theme.MIN_TEXT_SIZE), and on hover in any case (an invisible marker in each triangle), as the
    "Q values" trace; ``axes``: its xaxis / yaxis in a figure of subplots."""
    W = world.shape[1]
    free_states = np.flatnonzero(~(world.wall | world.terminal).reshape(-1))
    labels = [_format(Q[s, a]) for s in free_states for a in range(4)]
    show_numbers = numbers and four_labels_fit(labels, side)
    # label centres: as far out in each triangle as the widest label allows, at most 0.3 of a cell
    w_max = max((theme.text_width(t) for t in labels), default=0.0)
    out_x = min(0.3, (side / 2 - w_max / 2 - _PAD) / side)
    out_y = min(0.3, (side / 2 - theme.text_height() / 2 - _PAD) / side)
    offsets = np.abs(_DIRECTION_XY) * [out_x, out_y]

    cx, cy, hover = [], [], []
    for s in free_states:
        r, c = divmod(int(s), W)
        for a in range(4):
            dx, dy = _DIRECTION_XY[a] * (offsets[a] if show_numbers else 0.3)
            cx.append(c + dx)
            cy.append(r + dy)
            hover.append(f"Q(({r},{c}), {ACTIONS[a]}) = {Q[s, a]:.4g}")
    trace = dict(
        type="scatter",
        x=cx,
        y=cy,
        mode="text+markers" if show_numbers else "markers",
        textfont=dict(size=theme.MIN_TEXT_SIZE, color=theme.BLACK),
        # without the numbers, one invisible marker is drawn, not 4 a cell: hover (and a click) still finds every
        # point, and the markers were most of the cost of drawing a Q figure in the page (as for viz.deep.mlp's)
        marker=dict(size=max(4, int(side / 3)), opacity=0, **({} if show_numbers else {"maxdisplayed": 1})),
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="Q values",
        **axes,
    )
    if show_numbers:
        trace["text"] = labels
    return trace


def q_colour_bar(lo: float, hi: float, **colorbar) -> dict:
    """The Q triangles' colour bar on [lo, hi], through an invisible marker trace (``colorbar``: its place)."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker=dict(
            colorscale=plain.colorscale(theme.DIVERGING),
            cmin=lo,
            cmax=hi,
            color=[lo],
            colorbar=dict(title=dict(text="Q"), thickness=14, **colorbar),
        ),
    )


def q_triangles(
    world: GridWorld,
    Q: np.ndarray,
    title: str = "Q(s, a): one triangle per action",
    selected: tuple[int, int] | None = None,
    numbers: bool | None = None,
    column_px: float = theme.MAIN_COLUMN_PX,
    *,
    as_json: bool = False,
) -> go.Figure | dict:
    """Each cell split into four triangles (up/right/down/left) coloured by Q(s, a) on a diverging scale.

    The numbers are printed in the triangles when four of them fit a cell at theme.MIN_TEXT_SIZE in a column
    ``column_px`` wide (``numbers=False``: never); otherwise hovering a triangle shows its value and the
    ``selected`` cell's four values stand in a box beside it. ``as_json``: the figure's JSON form
    (:func:`viz.plain.spec`), as a figure cache keeps it.
    """
    W = world.shape[1]
    free = ~(world.wall | world.terminal).reshape(-1)
    scale = theme.diverging_scale(Q[free] if free.any() else np.zeros((1, 4)))
    lo, hi = scale["zmin"], scale["zmax"]
    side = cell_px(world.shape, column_px, _grid_height(world, column_px), _FRAME_X, _FRAME_Y)
    numbers_trace = q_values_trace(world, Q, side, numbers is not False)
    show_numbers = "text" in numbers_trace
    traces = [
        numbers_trace,
        q_colour_bar(lo, hi),
        # a jump or reward token would sit on the number of the down triangle
        cell_labels(world, side=side, terminals_only=show_numbers),
        _selection_layer(world),
    ]
    callouts = []
    if selected is not None and not show_numbers and numbers is not False:
        s = selected[0] * W + selected[1]
        if free[s]:
            up, right, down, left = (_format(v) for v in Q[s])
            callouts.append(_selected_callout(world, selected, f"↑ {up}<br>← {left}   → {right}<br>↓ {down}", side))
    layout = _grid_layout(
        world,
        column_px,
        title,
        shapes=cell_shapes(world) + _selected_outline(selected),
        annotations=callouts,
        images=[q_triangle_image(world, Q, lo, hi, side)],
        clickmode="event+select",
        dragmode=False,
    )
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def _arrows(world: GridWorld, policy: np.ndarray) -> tuple[list, list, list, list, list]:
    """π(a|s) as arrows: a line from the cell centre (x, y lists, None between arrows) and an arrow head at each
    tip (tip x, tip y, angle), length ∝ √π(a|s); every action with π(a|s) > 0 (all maximizers on ties)."""
    W = world.shape[1]
    free = ~(world.wall | world.terminal).reshape(-1)
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
    return xs, ys, tips_x, tips_y, angles


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
    # plain trace dicts (viz.plain), as in q_triangles
    scale = theme.diverging_scale(V[free] if free.any() else V)
    traces = [
        dict(
            type="heatmap",
            z=grid,
            colorbar=dict(title=dict(text="V"), thickness=14),
            hovertemplate="V(%{y}, %{x}) = %{z:.4g}<extra></extra>",
            **{**scale, "colorscale": plain.colorscale(scale["colorscale"])},
        )
    ]
    side = cell_px(world.shape, column_px, _grid_height(world, column_px), _FRAME_X, _FRAME_Y)
    xs, ys, tips_x, tips_y, angles = _arrows(world, policy)
    width = 3 if max(H, W) <= 10 else 1.5
    traces.append(
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=theme.BLACK, width=width),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    traces.append(
        dict(
            type="scatter",
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
        traces.append(
            dict(
                type="scatter",
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
    traces += [cell_labels(world, side=side), _selection_layer(world)]
    callouts = []
    if selected is not None and not show_numbers and numbers is not False:
        s = selected[0] * W + selected[1]
        if free[s]:
            callouts.append(_selected_callout(world, selected, f"V = {_format(V[s])}", side))
    layout = _grid_layout(
        world,
        column_px,
        title,
        shapes=cell_shapes(world) + _selected_outline(selected),
        annotations=callouts,
        clickmode="event+select",
        dragmode=False,
    )
    return plain.figure(traces, layout)


def sweep_frames(result: IterationResult, n_states: int) -> list[int]:
    """The sweeps k = 0 … K the playback shows: every one, or evenly spaced ones (first and last kept) where
    there are more than MAX_SWEEP_FRAMES or the frames would hold more than MAX_FRAME_CELLS values."""
    at_most = int(np.clip(MAX_FRAME_CELLS // max(n_states, 1), 10, MAX_SWEEP_FRAMES))
    return animation.even_sample(result.iterations + 1, at_most)


def sweep_playback(
    world: GridWorld,
    result: IterationResult,
    policy: np.ndarray | None = None,
    title: str = "Sweep playback",
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """The sweeps of ``result`` as a movie played in the browser (▶ play, ❚❚ pause, a k slider): V_k in colour
    and π_k as arrows, for the sweeps of :func:`sweep_frames`.

    ``policy`` None (Q-iteration): V_k(s) = max_a Q_k(s, a) and π_k greedy in Q_k (ties shared); a ``policy``
    (policy evaluation): V_k(s) = Σ_a π(a|s) Q_k(s, a), its arrows fixed. One colour scale for every frame, so a
    cell's colour shows its value growing sweep by sweep; V_k is printed along the bottom of each cell where
    the numbers of every frame fit at theme.MIN_TEXT_SIZE (hovering a cell shows it in any case).

    Why no heatmap: a heatmap's z changes only with a full redraw of the figure per frame (under 10 frames/s
    in Chromium for an 8×8 grid); here the cells are filled squares, one trace per colour level (_SWEEP_LEVELS of
    them, the colour bar stepped to match), and a frame moves squares between levels, with the arrows and the
    numbers: scatter changes Plotly animates without a redraw.
    """
    H, W = world.shape
    walls = world.wall.reshape(-1)
    free = ~(world.wall | world.terminal).reshape(-1)
    sweeps = sweep_frames(result, world.n_states)
    values, policies = [], []
    for k in sweeps:
        Q_k = result.Q_at(k)
        # V_k = max_a Q_k(s, a), or Σ_a π(a|s) Q_k(s, a) under the evaluated policy
        values.append(state_values(Q_k, policy, absorbing=walls))
        policies.append(greedy_policy(Q_k) if policy is None else policy)
    V_all = np.stack(values)  # (frames, S)
    scale = theme.diverging_scale(V_all[:, free] if free.any() else V_all)
    lo, hi = scale["zmin"], scale["zmax"]
    levels = _SWEEP_LEVELS
    colours = sample_colorscale(theme.DIVERGING, list(np.linspace(0, 1, levels)))
    # level of V on [lo, hi] in `levels` equal steps, V = 0 in the middle one
    bins = np.clip(np.round((V_all - lo) / (hi - lo) * (levels - 1)), 0, levels - 1).astype(int)
    # the colour bar in the same steps: level i covers (i ± 1/2)/(levels − 1) of the range
    edges = np.clip((np.arange(levels + 1) - 0.5) / (levels - 1), 0.0, 1.0)
    stepped = [[float(edge), colour] for i, colour in enumerate(colours) for edge in (edges[i], edges[i + 1])]
    cells = np.flatnonzero(~walls)  # every cell but walls is coloured (terminals and absorbing cells: V = 0)
    rows, cols = np.divmod(cells, W)
    side = cell_px(world.shape, column_px, _grid_height(world, column_px), _FRAME_X, _FRAME_Y)
    labels = [[_format(v) for v in V[free]] for V in V_all]
    show_numbers = one_label_fits([t for frame in labels for t in frame], side)

    # the corners of a cell's square, then a gap (NaN: drawn as a break, sent as null) before the next one
    square_x = np.array([-0.5, 0.5, 0.5, -0.5, -0.5, np.nan])
    square_y = np.array([-0.5, -0.5, 0.5, 0.5, -0.5, np.nan])

    def squares(i: int) -> list[dict]:
        """One filled path per colour level: the squares of the cells whose V_k falls in it."""
        level = bins[i, cells]
        return [
            dict(
                type="scatter",
                x=animation.plain((cols[level == b, None] + square_x).ravel()),  # (cells in level b × 6,)
                y=animation.plain((rows[level == b, None] + square_y).ravel()),
            )
            for b in range(levels)
        ]

    def arrows(i: int) -> list[dict]:
        xs, ys, tips_x, tips_y, angles = _arrows(world, policies[i])
        return [dict(type="scatter", x=xs, y=ys), dict(type="scatter", x=tips_x, y=tips_y, marker=dict(angle=angles))]

    def readouts(i: int) -> list[dict]:
        hover = dict(type="scatter", customdata=animation.plain(V_all[i, cells], 6))
        return [hover] + ([dict(type="scatter", text=labels[i])] if show_numbers else [])

    fig = go.Figure()
    for b, trace in enumerate(squares(0)):
        fig.add_trace(
            go.Scatter(
                **trace,
                fill="toself",
                fillcolor=colours[b],
                mode="lines",
                # simplify=False: Plotly's line simplification would drop corners while the squares move
                line=dict(color="rgba(255,255,255,0.9)", width=1, simplify=False),
                hoverinfo="skip",
            )
        )
    width = 3 if max(H, W) <= 10 else 1.5
    line, tips = arrows(0)
    fig.add_trace(
        go.Scatter(**line, mode="lines", line=dict(color=theme.BLACK, width=width, simplify=False), hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            **tips,
            mode="markers",
            hoverinfo="skip",
            marker_symbol="triangle-up",
            marker_size=14 if max(H, W) <= 10 else 6,
            marker_color=theme.BLACK,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=cols,
            y=rows,
            mode="markers",
            marker=dict(size=max(6, int(side * 0.9)), symbol="square", opacity=0),
            customdata=readouts(0)[0]["customdata"],
            hovertemplate="V(%{y}, %{x}) = %{customdata:.4g}<extra></extra>",
            name="hover",
        )
    )
    if show_numbers:
        at = np.flatnonzero(free)
        fig.add_trace(
            go.Scatter(
                # from the cell's left edge, along its bottom edge (as in value_and_policy)
                x=at % W - 0.5 + _PAD / side,
                y=at // W + 0.5 - (theme.text_height() / 2 + _PAD) / side,
                mode="text",
                hoverinfo="skip",
                text=labels[0],
                textfont=dict(size=theme.MIN_TEXT_SIZE, color=theme.BLACK),
                textposition="middle right",
                name="V values",
            )
        )
    moving = list(range(levels))
    if policy is None:
        moving += [levels, levels + 1]
    moving += list(range(levels + 2, len(fig.data)))
    # the colour bar, through an invisible marker trace (the cells' colours are fixed per trace)
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            hoverinfo="skip",
            marker=dict(
                colorscale=stepped, cmin=lo, cmax=hi, color=[lo], colorbar=dict(title=dict(text="V"), thickness=14)
            ),
        )
    )
    fig.add_trace(cell_labels(world, side=side))
    fig.update_traces(showlegend=False)

    def frame(i: int) -> dict:
        data = squares(i) + (arrows(i) if policy is None else []) + readouts(i)
        return dict(name=str(sweeps[i]), data=data, traces=moving)

    gap = 40  # below the x tick labels
    fig.update_layout(
        shapes=cell_shapes(world),
        dragmode=False,
        **animation.controls(sweeps, redraw=False, prefix="sweep k = ", gap_px=gap),
    )
    _grid_axes(theme.style(fig, title), world, column_px)
    # the x tick labels keep their 50 px; the controls sit below them
    fig.update_layout(
        height=fig.layout.height + animation.CONTROLS_PX + gap - 50, margin=dict(b=animation.CONTROLS_PX + gap)
    )
    return animation.with_frames(fig, [frame(i) for i in range(len(sweeps))])


def convergence(deltas: np.ndarray, epsilon: float, k: int | None = None, title: str | None = None) -> go.Figure:
    """max_s |V_{k+1}(s) − V_k(s)| per sweep on a log scale, with the stop threshold ε."""
    sweeps = np.arange(1, len(deltas) + 1)
    positive = np.where(deltas > 0, deltas, np.nan)
    trace = dict(
        type="scatter",
        x=sweeps,
        y=positive,
        mode="lines+markers" if len(deltas) <= 80 else "lines",
        line=dict(color=theme.BLUE, width=3),
        name="max|ΔV|",
        hovertemplate="sweep %{x}: max|ΔV| = %{y:.3g}<extra></extra>",
    )
    # the stop threshold ε as fig.add_hline(annotation_position="top right") draws it, and k as add_vline
    shapes = [plain.hline(epsilon, dict(color=theme.VERMILION, dash="dash", width=2))]
    if k is not None and 0 < k <= len(deltas):
        shapes.append(plain.vline(k, dict(color=theme.ORANGE, width=2)))
    threshold = dict(
        showarrow=False,
        text=f"ε = {epsilon:g}",
        x=1,
        xanchor="right",
        xref="x domain",
        y=epsilon,
        yanchor="bottom",
        yref="y",
    )
    layout = plain.layout(
        title or "Convergence: the stop test of Q-iteration",
        340,
        shapes=shapes,
        annotations=[threshold],
        xaxis=dict(title=dict(text="sweep k"), **theme.integer_axis(len(deltas) + 1, theme.MAIN_COLUMN_PX - 70)),
        yaxis=dict(title=dict(text="max|ΔV|"), **theme.log_axis(np.append(positive, epsilon), 340 - 110)),
    )
    return plain.figure([trace], layout)
