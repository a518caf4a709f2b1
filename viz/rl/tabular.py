"""Figures of the Q-learning / SARSA page: learning curves over seeds, what each algorithm learned (visits with
the greedy path, Q per cell), the error against Q*, and an animated replay of one episode with its TD updates.

Grid coordinates as in viz.rl.gridworld: cell (row, col) is centred on (x=col, y=row), the y axis reversed.
"""

from __future__ import annotations

import warnings

import numpy as np
import plotly.graph_objects as go

from core.numerics import moving_average
from core.rl.gridworld import ARROWS
from core.rl.tabular import BatchResult
from core.rl.tabular_tasks import TabularTask
from viz import animation, plain, raster, theme
from viz.rl import gridworld as gviz

COLOURS = {"Q-learning": theme.BLUE, "SARSA": theme.VERMILION}
FILLS = {"Q-learning": "rgba(0,114,178,0.18)", "SARSA": "rgba(213,94,0,0.18)"}
# unit step of each grid direction in figure coordinates
_DIRECTION_XY = np.array([(0, -1), (1, 0), (0, 1), (-1, 0)], dtype=float)
MAX_REPLAY_FRAMES = 150
# The replay's caption (four lines of the TD update) and the room above and below its grid.
CAPTION_SIZE = 15
REPLAY_TOP_PX = 45 + 4 * 20 + 10
REPLAY_BOTTOM_PX = 98


def _band_traces(x: np.ndarray, per_seed: np.ndarray, name: str, unit: str) -> list[dict]:
    """Mean over seeds as a line, the 10–90 % range over seeds as a band."""
    colour = COLOURS.get(name, theme.BLACK)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(per_seed, axis=0)
            # NaN only where the step budget stopped seeds early; nanpercentile loops over the episodes in
            # Python (~10 ms for 150), percentile is one sorted pass
            percentile = np.nanpercentile if np.isnan(per_seed).any() else np.percentile
            lo, hi = percentile(per_seed, [10, 90], axis=0)
    return [
        dict(
            type="scatter",
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([hi, lo[::-1]]),
            fill="toself",
            fillcolor=FILLS.get(name, "rgba(0,0,0,0.1)"),
            line=dict(width=0),
            hoverinfo="skip",
            name=f"{name}: 10–90 % of seeds",
            showlegend=per_seed.shape[0] > 1,
        ),
        dict(
            type="scatter",
            x=x,
            y=mean,
            mode="lines",
            line=dict(color=colour, width=3),
            name=f"{name} (mean)",
            hovertemplate=f"{name}<br>episode %{{x}}: %{{y:.3g}} {unit}<extra></extra>",
        ),
    ]


def learning_curves(
    result: BatchResult, window: int = 1, optimum: float | None = None, *, as_json: bool = False
) -> go.Figure | dict:
    """Sum of rewards per episode, mean over seeds with a 10–90 % band, per algorithm (``as_json``: the figure's
    JSON form, :func:`viz.plain.spec`, as a figure cache keeps it)."""
    x = np.arange(1, result.returns.shape[-1] + 1)
    traces = []
    for j, name in enumerate(result.algorithms):
        traces += _band_traces(x, moving_average(result.returns[j], window), name, "")
    smooth = f" (moving average over {window})" if window > 1 else ""
    layout = plain.layout(
        f"Sum of rewards per episode, {len(result.seeds)} seeds{smooth}",
        440,
        xaxis=dict(title=dict(text="episode")),
        yaxis=dict(title=dict(text="sum of rewards in the episode")),
        legend=dict(orientation="h", y=-0.22),
    )
    if optimum is not None:
        layout["shapes"] = [plain.hline(optimum, dict(color=theme.BLACK, dash="dot", width=2))]
        layout["annotations"] = [
            dict(
                showarrow=False,
                text=f"greedy π* from the start: {optimum:.3g}",
                x=1,
                xanchor="right",
                xref="x domain",
                y=optimum,
                yanchor="top",
                yref="y",
            )
        ]
    # the first episodes (random wandering) would squash the rest: frame the y axis on the later 90 %
    later = result.returns[..., result.returns.shape[-1] // 10 :]
    if np.isfinite(later).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # episodes no seed reached: NaN, not an error
            means = moving_average(np.nanmean(later, axis=1), window)
        lo, hi = float(np.nanmin(means)), float(np.nanmax(means))
        if optimum is not None:
            lo, hi = min(lo, optimum), max(hi, optimum)
        pad = 0.15 * (hi - lo) + 1e-9 + 0.05 * abs(hi)
        layout["yaxis"]["range"] = [lo - 3 * pad, hi + pad]
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def q_error_curves(result: BatchResult, *, as_json: bool = False) -> go.Figure | dict:
    """max over reachable (s, a) of |Q − Q*| after each episode, mean over seeds with a band, log scale
    (``as_json``: the JSON form)."""
    x = np.arange(1, result.returns.shape[-1] + 1)
    traces = []
    for j, name in enumerate(result.algorithms):
        traces += _band_traces(x, np.maximum(result.q_error[j], 1e-12), name, "")
    y_axis = theme.log_axis(np.maximum(result.q_error, 1e-12), 400 - 110)
    layout = plain.layout(
        "Error of the learned Q against Q* from value iteration",
        400,
        xaxis=dict(title=dict(text="episode")),
        yaxis={**y_axis, "title": dict(text="‖Q − Q*‖∞ (reachable states)")},
        legend=dict(orientation="h", y=-0.22),
    )
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def _grid_height(task: TabularTask) -> int:
    H, W = task.shape
    return int(min(560, max(300, 60 + 360 * H / max(W, 1) if W >= 8 else 80 * H + 80)))


def _grid_layout(task: TabularTask, title: str, height: int | None = None, **overrides) -> dict:
    """The layout of a grid figure: one unit square per cell, row 0 on top, no ticks, 10 px margins."""
    H, W = task.shape
    return plain.layout(
        title,
        _grid_height(task) if height is None else height,
        xaxis=dict(range=[-0.5, W - 0.5], showgrid=False, zeroline=False, showticklabels=False, constrain="domain"),
        yaxis=dict(
            range=[H - 0.5, -0.5],
            showgrid=False,
            zeroline=False,
            showticklabels=False,
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
        ),
        margin=dict(l=10, r=10, t=60, b=10),
        **overrides,
    )


def _special_cells(task: TabularTask, side: float) -> tuple[list[dict], dict]:
    """Walls filled, terminal and cliff cells outlined, start ringed; their tokens as labels where they fit a
    cell ``side`` px wide (CliffWalking's "−100" does not in a half column: hovering the cell shows it)."""
    rename = {"T": "G"} if task.env_id == "CliffWalking-v1" else None
    labels = gviz.cell_labels(task.world, rename=rename, size=theme.MIN_TEXT_SIZE, side=side)
    return gviz.cell_shapes(task.world), labels


def _path_xy(task: TabularTask, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.divmod(np.asarray(states), task.shape[1])
    return cols.astype(float), rows.astype(float)


# The "what each learned" panels: one figure, a column per algorithm, visits over Q (see learned_panels).
PANEL_TITLE_SIZE = 17
_PANEL_MARGIN = dict(l=40, r=120, t=2 * 1.25 * PANEL_TITLE_SIZE + 12, b=36)  # y ticks, two colour bars, titles
_PANEL_GAP_X = 44  # the right column's y tick labels
_PANEL_GAP_Y = 1.25 * PANEL_TITLE_SIZE + 14  # the lower row's title
_PANEL_MAX_ROW_PX = 300  # a tall grid's row no taller than this (both rows fit a 720 px projector with the titles)
_PANEL_MAX_CELL_PX = 100
_PANEL_MIN_ROW_PX = 150  # the colour bar beside a row is as tall as the row


def learned_panels(
    task: TabularTask,
    names: tuple[str, ...],
    visits: list[np.ndarray],
    paths: list[np.ndarray],
    Q_grid: list[np.ndarray],
    notes: list[str],
    column_px: float = theme.MAIN_COLUMN_PX,
    *,
    as_json: bool = False,
) -> go.Figure | dict:
    """What each algorithm learned, in one figure of subplots ``column_px`` wide: a column per algorithm of
    ``names``; on top its visit counts (``visits``, log colour scale, one scale for all columns) with its greedy
    path (``paths``, ``notes`` under its name), below its Q(s, a) as four triangles per cell (``Q_grid``, grid
    directions, one diverging scale for all columns). The cells are square and as large as the column allows.

    Why one figure: four figures cost Chromium four plots to lay out and draw on every change of the training
    (about as much again as their content); one with subplots draws once."""
    H, W = task.shape
    n = len(names)
    m = _PANEL_MARGIN
    plot_w = column_px - m["l"] - m["r"]
    slot_w = (plot_w - (n - 1) * _PANEL_GAP_X) / n
    side = min(slot_w / W, _PANEL_MAX_ROW_PX / H, _PANEL_MAX_CELL_PX)
    grid_w, grid_h = side * W, side * H
    # each row at least as tall as a readable colour bar; a flatter grid sits in the middle of its row
    row_h = max(grid_h, _PANEL_MIN_ROW_PX)
    height = int(np.ceil(2 * row_h + _PANEL_GAP_Y + m["t"] + m["b"]))
    plot_h = height - m["t"] - m["b"]
    free = ~(task.world.wall | task.world.terminal).reshape(-1)

    grids = []
    for counts in visits:
        grid = np.log10(1.0 + counts.reshape(H, W).astype(float))
        grid[task.world.wall] = np.nan
        grids.append(grid)
    top = max((float(np.nanmax(g)) for g in grids if np.isfinite(g).any()), default=0.0)
    ticks = list(range(0, int(top) + 2))
    q_scale = theme.diverging_scale(np.concatenate([Q[free] for Q in Q_grid]) if free.any() else np.zeros(1))
    lo, hi = q_scale["zmin"], q_scale["zmax"]
    rename = {"T": "G"} if task.env_id == "CliffWalking-v1" else None

    layout = plain.layout(None, height, margin=dict(m), showlegend=False, dragmode=False)
    layout.pop("title", None)  # empty: the panels carry their own titles
    layout["coloraxis"] = dict(
        colorscale=plain.colorscale("Greys"),
        cmin=0,
        cmax=max(top, 1e-9),
        colorbar=dict(
            title=dict(text="visits"),
            tickvals=ticks,
            ticktext=[f"{10**t:g}" for t in ticks],
            thickness=12,
            y=1.0,
            yanchor="top",
            len=row_h / plot_h,
        ),
    )
    traces, shapes, annotations, images = [], [], [], []
    for j, name in enumerate(names):
        # each grid's slot (its column's share of the width, its row): the grid is as large as the slot allows at
        # square cells and centred in it (constrain="domain"), so that a wider column (1920 px) shows larger cells
        x0 = j * (slot_w + _PANEL_GAP_X) / plot_w
        for row in range(2):  # 0: visits and path, 1: Q triangles
            k = row * n + j + 1
            x_ref, y_ref = ("x", "y") if k == 1 else (f"x{k}", f"y{k}")
            y1 = 1.0 - row * (row_h + _PANEL_GAP_Y) / plot_h
            ticks_shown = row == 1  # the cells' (row, column) under the Q values, as the hover and the replay name them
            layout["xaxis" if k == 1 else f"xaxis{k}"] = dict(
                domain=[x0, x0 + slot_w / plot_w],
                anchor=y_ref,
                range=[-0.5, W - 0.5],
                showgrid=False,
                zeroline=False,
                showticklabels=ticks_shown,
                ticks="outside" if ticks_shown else "",
                constrain="domain",  # a wider column (1920 px screens) centres the grid, its cells stay square
                **theme.integer_axis(W, grid_w),
            )
            layout["yaxis" if k == 1 else f"yaxis{k}"] = dict(
                domain=[y1 - row_h / plot_h, y1],
                anchor=x_ref,
                range=[H - 0.5, -0.5],
                showgrid=False,
                zeroline=False,
                showticklabels=ticks_shown,
                ticks="outside" if ticks_shown else "",
                scaleanchor=x_ref,
                scaleratio=1,
                constrain="domain",
                **theme.integer_axis(H, grid_h, label_px=theme.text_height(theme.FONT_SIZE) + 4),
            )
            on = dict(xaxis=x_ref, yaxis=y_ref)
            title = f"{name}: visits and greedy path<br>{notes[j]}" if row == 0 else f"{name}: Q(s, a) per cell"
            annotations.append(
                dict(
                    text=title,
                    showarrow=False,
                    x=0.5,
                    xref=f"{x_ref} domain",
                    xanchor="center",
                    y=1.0,
                    yref=f"{y_ref} domain",
                    yanchor="bottom",
                    yshift=4,
                    font=dict(size=PANEL_TITLE_SIZE),
                )
            )
            shapes += [{**shape, "xref": x_ref, "yref": y_ref} for shape in gviz.cell_shapes(task.world)]
            if row == 0:
                x, y = _path_xy(task, paths[j])
                colour = COLOURS.get(name, theme.BLACK)
                traces += [
                    dict(
                        type="heatmap",
                        z=grids[j],
                        customdata=visits[j].reshape(H, W),
                        coloraxis="coloraxis",
                        hovertemplate="cell (%{y}, %{x}): %{customdata} visits<extra></extra>",
                        **on,
                    ),
                    dict(
                        type="scatter",
                        x=x,
                        y=y,
                        mode="lines+markers",
                        line=dict(color=colour, width=5),
                        marker=dict(size=9, color=colour),
                        name="greedy path",
                        hoverinfo="skip",
                        **on,
                    ),
                    {**gviz.cell_labels(task.world, rename=rename, size=theme.MIN_TEXT_SIZE, side=side), **on},
                ]
            else:
                values = gviz.q_values_trace(task.world, Q_grid[j], side, **on)
                images.append(gviz.q_triangle_image(task.world, Q_grid[j], lo, hi, side, x_ref, y_ref))
                labels = gviz.cell_labels(
                    task.world, rename=rename, size=theme.MIN_TEXT_SIZE, side=side, terminals_only="text" in values
                )
                traces += [values, {**labels, **on}]
    # the Q colour bar beside the lower row
    traces.append({**gviz.q_colour_bar(lo, hi, y=0.0, yanchor="bottom", len=row_h / plot_h), "xaxis": "x"})
    layout.update(shapes=shapes, annotations=annotations, images=images)
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def replay(
    task: TabularTask,
    steps: dict[str, np.ndarray],
    visits: np.ndarray,
    name: str,
    gamma: float,
    column_px: float = theme.MAIN_COLUMN_PX,
    *,
    as_json: bool = False,
) -> go.Figure | dict:
    """One episode as Plotly animation frames: the agent, its trail, and the TD update of each step in numbers
    (``as_json``: the JSON form, frames included)."""
    H, W = task.shape
    n = min(len(steps["state"]), MAX_REPLAY_FRAMES)
    states = np.concatenate([steps["state"][:n], steps["next_state"][n - 1 : n]]) if n else np.array([])
    x, y = _path_xy(task, states)
    colour = COLOURS.get(name, theme.BLACK)
    grid = np.log10(1.0 + visits.reshape(H, W).astype(float))
    grid[task.world.wall] = np.nan
    # The visits as a picture under the grid, not a heatmap trace: an animation that moves only scatter traces
    # (no redraw) wipes a heatmap off the plot. Each cell up to 32 × 32 pixels, so that the browser's smoothing of
    # a scaled image keeps the cells' edges sharp; field_rgb puts its last row on top, so the rows go in reversed.
    rgb = raster.field_rgb(grid[::-1], plain.colorscale("Greys"), 0.0, float(np.nanmax(grid)) if visits.any() else 1.0)
    per_cell = int(np.clip(1024 // max(H, W), 4, 32))
    background = raster.layout_image(
        raster.png_data_uri(np.repeat(np.repeat(rgb, per_cell, axis=0), per_cell, axis=1)),
        -0.5,
        -0.5,
        W,
        H,
        opacity=0.6,
    )
    # 10 px margins a side, the title and the caption above, the play controls below
    side = gviz.cell_px(
        task.shape,
        column_px,
        _grid_height(task) + REPLAY_TOP_PX + REPLAY_BOTTOM_PX - 70,
        20,
        REPLAY_TOP_PX + REPLAY_BOTTOM_PX,
    )
    shapes, labels = _special_cells(task, side)
    sarsa = name == "SARSA"

    def caption(i: int) -> str:
        if i == 0:
            return "Start. ▶ plays the episode; the slider steps through it."
        k = i - 1
        s, a, s2 = int(steps["state"][k]), int(steps["action"][k]), int(steps["next_state"][k])
        arrow = ARROWS[task.direction_of_action[a]]
        how = "ε-random" if steps["explored"][k] else "greedy"
        bootstrap = f"{steps['bootstrap'][k]:.3g}"
        # γ·(−2.98), not γ·-2.98
        boot = "0 (terminal)" if steps["terminated"][k] else bootstrap if bootstrap[0] != "-" else f"({bootstrap})"
        which = "Q(s′, a′)" if sarsa else "max_a′ Q(s′, a′)"
        return (
            f"step {k + 1}: s = {divmod(s, W)}, a = {arrow} ({how}), r = {steps['reward'][k]:g}, s′ = {divmod(s2, W)}"
            f"<br>TD target = r + γ·{which} = {steps['reward'][k]:g} + {gamma:g}·{boot} = {steps['target'][k]:.4g}"
            f"<br>δ = target − Q(s, a) = {steps['target'][k]:.4g} − {steps['q_before'][k]:.4g} = "
            f"{steps['td_error'][k]:.4g}"
            f"<br>Q(s, a) ← {steps['q_before'][k]:.4g} + {steps['step_size'][k]:.3g}·δ = {steps['q_after'][k]:.4g}"
        )

    # Each frame sends only what moves (Plotly animates scatter traces without redrawing the figure, ≥ 10
    # frames/s): the trail, the agent and the caption, which is a text trace above the grid for that reason
    # (a title changes only with a full redraw per frame).
    x_list, y_list = x.tolist(), y.tolist()
    captions = [caption(i) for i in range(len(states))]
    widest = max(theme.text_width(line, CAPTION_SIZE) for text in captions for line in text.split("<br>"))
    # left-aligned from the grid's top left corner, or centred over the grid when wider than it (the anchor must
    # lie on the axes: Plotly hides an unclipped text whose point is outside them)
    fits = widest <= W * side

    # the trail breaks where the agent did not move to a neighbour (a fall off the cliff back to the start, a jump)
    trail_x, trail_y, at = [], [], []
    for j, (col, row) in enumerate(zip(x_list, y_list)):
        if j and abs(col - x_list[j - 1]) + abs(row - y_list[j - 1]) > 1:
            trail_x.append(None)
            trail_y.append(None)
        trail_x.append(col)
        trail_y.append(row)
        at.append(len(trail_x))  # the trail up to state j: its first at[j] points

    def frame_data(i: int) -> list[dict]:
        # the trail as long in every frame (the rest of it at the agent): Plotly's line transition can draw a
        # false segment when the number of points changes between frames
        rest = len(trail_x) - at[i]
        return [
            dict(
                type="scatter",
                x=trail_x[: at[i]] + [x_list[i]] * rest,
                y=trail_y[: at[i]] + [y_list[i]] * rest,
            ),
            dict(type="scatter", x=x_list[i : i + 1], y=y_list[i : i + 1]),
            dict(type="scatter", text=[captions[i]]),
        ]

    # simplify=False: Plotly's line simplification drops points mid-animation and draws false diagonals
    trail = dict(
        type="scatter",
        mode="lines",
        line=dict(color=colour, width=4, simplify=False),
        hoverinfo="skip",
        showlegend=False,
    )
    agent = dict(
        type="scatter",
        mode="markers",
        marker=dict(size=24, color=colour, line=dict(color="white", width=2)),
        hoverinfo="skip",
        showlegend=False,
    )
    caption_trace = dict(
        type="scatter",
        x=[-0.5 if fits else (W - 1) / 2],
        y=[-0.5],  # the grid's top edge: the text stands above it
        mode="text",
        textposition="top right" if fits else "top center",
        textfont=dict(size=CAPTION_SIZE),
        cliponaxis=False,
        hoverinfo="skip",
        showlegend=False,
        name="caption",
    )
    first = frame_data(0)
    traces = [labels, {**trail, **first[0]}, {**agent, **first[1]}, {**caption_trace, **first[2]}]
    frames = [dict(data=frame_data(i), traces=[1, 2, 3], name=str(i)) for i in range(len(states))]
    layout = _grid_layout(
        task,
        f"{name}: one episode, step by step",
        height=_grid_height(task) + REPLAY_TOP_PX + REPLAY_BOTTOM_PX - 70,
        shapes=shapes,
        images=[background],
        **animation.controls(range(len(states)), slow_ms=animation.SLOW_MS, prefix="step "),
    )
    # the title at the top, the caption between it and the grid
    plain.merge(
        layout,
        dict(title=dict(y=1, yanchor="top", pad=dict(t=12)), margin=dict(t=REPLAY_TOP_PX, b=REPLAY_BOTTOM_PX)),
    )
    if as_json:
        return plain.spec(traces, layout, frames)
    return animation.with_frames(plain.figure(traces, layout), frames)
