"""Figures of the Q-learning / SARSA page: learning curves over seeds, visits with the greedy path, the
error against Q*, and an animated replay of one episode with its TD updates.

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
from viz import theme
from viz.rl import gridworld as gviz

COLOURS = {"Q-learning": theme.BLUE, "SARSA": theme.VERMILION}
FILLS = {"Q-learning": "rgba(0,114,178,0.18)", "SARSA": "rgba(213,94,0,0.18)"}
# unit step of each grid direction in figure coordinates
_DIRECTION_XY = np.array([(0, -1), (1, 0), (0, 1), (-1, 0)], dtype=float)
MAX_REPLAY_FRAMES = 150


def _band_traces(fig: go.Figure, x: np.ndarray, per_seed: np.ndarray, name: str, unit: str) -> None:
    """Mean over seeds as a line, the 10–90 % range over seeds as a band."""
    colour = COLOURS.get(name, theme.BLACK)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(per_seed, axis=0)
            lo, hi = np.nanpercentile(per_seed, [10, 90], axis=0)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([hi, lo[::-1]]),
            fill="toself",
            fillcolor=FILLS.get(name, "rgba(0,0,0,0.1)"),
            line=dict(width=0),
            hoverinfo="skip",
            name=f"{name}: 10–90 % of seeds",
            showlegend=per_seed.shape[0] > 1,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="lines",
            line=dict(color=colour, width=3),
            name=f"{name} (mean)",
            hovertemplate=f"{name}<br>episode %{{x}}: %{{y:.3g}} {unit}<extra></extra>",
        )
    )


def learning_curves(result: BatchResult, window: int = 1, optimum: float | None = None) -> go.Figure:
    """Sum of rewards per episode, mean over seeds with a 10–90 % band, per algorithm."""
    fig = go.Figure()
    x = np.arange(1, result.returns.shape[-1] + 1)
    for j, name in enumerate(result.algorithms):
        _band_traces(fig, x, moving_average(result.returns[j], window), name, "")
    if optimum is not None:
        fig.add_hline(
            y=optimum,
            line=dict(color=theme.BLACK, dash="dot", width=2),
            annotation_text=f"greedy π* from the start: {optimum:.3g}",
            annotation_position="bottom right",
        )
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
        fig.update_yaxes(range=[lo - 3 * pad, hi + pad])
    smooth = f" (moving average over {window})" if window > 1 else ""
    fig.update_xaxes(title="episode")
    fig.update_yaxes(title="sum of rewards in the episode")
    fig.update_layout(legend=dict(orientation="h", y=-0.22))
    return theme.style(fig, f"Sum of rewards per episode, {len(result.seeds)} seeds{smooth}", height=440)


def q_error_curves(result: BatchResult) -> go.Figure:
    """max over reachable (s, a) of |Q − Q*| after each episode, mean over seeds with a band, log scale."""
    fig = go.Figure()
    x = np.arange(1, result.returns.shape[-1] + 1)
    for j, name in enumerate(result.algorithms):
        _band_traces(fig, x, np.maximum(result.q_error[j], 1e-12), name, "")
    fig.update_yaxes(
        **theme.log_axis(np.maximum(result.q_error, 1e-12), 400 - 110), title="‖Q − Q*‖∞ (reachable states)"
    )
    fig.update_xaxes(title="episode")
    fig.update_layout(legend=dict(orientation="h", y=-0.22))
    return theme.style(fig, "Error of the learned Q against Q* from value iteration", height=400)


def _grid_height(task: TabularTask) -> int:
    H, W = task.shape
    return int(min(560, max(300, 60 + 360 * H / max(W, 1) if W >= 8 else 80 * H + 80)))


def _grid_layout(fig: go.Figure, task: TabularTask, title: str) -> go.Figure:
    H, W = task.shape
    fig.update_xaxes(range=[-0.5, W - 0.5], showgrid=False, zeroline=False, showticklabels=False, constrain="domain")
    fig.update_yaxes(
        range=[H - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        showticklabels=False,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
    )
    theme.style(fig, title, height=_grid_height(task))
    fig.update_layout(margin=dict(l=10, r=10, t=60, b=10))
    return fig


def _special_cells(task: TabularTask, side: float) -> tuple[list[dict], go.Scatter]:
    """Walls filled, terminal and cliff cells outlined, start ringed; their tokens as labels where they fit a
    cell ``side`` px wide (CliffWalking's "−100" does not in a half column: hovering the cell shows it)."""
    rename = {"T": "G"} if task.env_id == "CliffWalking-v1" else None
    labels = gviz.cell_labels(task.world, rename=rename, size=theme.MIN_TEXT_SIZE, side=side)
    return gviz.cell_shapes(task.world), labels


def _path_xy(task: TabularTask, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.divmod(np.asarray(states), task.shape[1])
    return cols.astype(float), rows.astype(float)


def visits_and_path(
    task: TabularTask,
    visits: np.ndarray,
    path: np.ndarray,
    name: str,
    title: str,
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """Visit counts (log colour scale, summed over seeds) with the greedy path drawn on top, in a column
    ``column_px`` wide."""
    H, W = task.shape
    grid = np.log10(1.0 + visits.reshape(H, W).astype(float))
    grid[task.world.wall] = np.nan
    ticks = [t for t in range(0, int(np.nanmax(grid)) + 2)] if np.isfinite(grid).any() else [0]
    counts = visits.reshape(H, W)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            customdata=counts,
            colorscale="Greys",
            zmin=0,
            showscale=True,
            colorbar=dict(
                title=dict(text="visits"), tickvals=ticks, ticktext=[f"{10**t:g}" for t in ticks], thickness=12
            ),
            hovertemplate="cell (%{y}, %{x}): %{customdata} visits<extra></extra>",
        )
    )
    x, y = _path_xy(task, path)
    colour = COLOURS.get(name, theme.BLACK)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            line=dict(color=colour, width=5),
            marker=dict(size=9, color=colour),
            name="greedy path",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    # _grid_layout's margins (10 px a side) and the colour bar with its labels
    side = gviz.cell_px(task.shape, column_px, _grid_height(task), 20 + 70, 70)
    shapes, labels = _special_cells(task, side)
    fig.add_trace(labels)
    fig.update_layout(shapes=shapes)
    return _grid_layout(fig, task, title)


def replay(
    task: TabularTask,
    steps: dict[str, np.ndarray],
    visits: np.ndarray,
    name: str,
    gamma: float,
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """One episode as Plotly animation frames: the agent, its trail, and the TD update of each step in numbers."""
    H, W = task.shape
    n = min(len(steps["state"]), MAX_REPLAY_FRAMES)
    states = np.concatenate([steps["state"][:n], steps["next_state"][n - 1 : n]]) if n else np.array([])
    x, y = _path_xy(task, states)
    colour = COLOURS.get(name, theme.BLACK)
    grid = np.log10(1.0 + visits.reshape(H, W).astype(float))
    grid[task.world.wall] = np.nan
    background = go.Heatmap(z=grid, colorscale="Greys", zmin=0, showscale=False, hoverinfo="skip", opacity=0.6)
    # the margins set at the end: 10 px a side, 110 above and 90 below, in a figure 150 px taller than the grid's
    side = gviz.cell_px(task.shape, column_px, _grid_height(task) + 150, 20, 200)
    shapes, labels = _special_cells(task, side)
    sarsa = name == "SARSA"

    def caption(i: int) -> str:
        if i == 0:
            return "Start. ▶ plays the episode; the slider steps through it."
        k = i - 1
        s, a, s2 = int(steps["state"][k]), int(steps["action"][k]), int(steps["next_state"][k])
        arrow = ARROWS[task.direction_of_action[a]]
        how = "ε-random" if steps["explored"][k] else "greedy"
        boot = "0 (terminal)" if steps["terminated"][k] else f"{steps['bootstrap'][k]:.3g}"
        which = "Q(s′, a′)" if sarsa else "max_a′ Q(s′, a′)"
        return (
            f"step {k + 1}: s = {divmod(s, W)}, a = {arrow} ({how}), r = {steps['reward'][k]:g}, s′ = {divmod(s2, W)}"
            f"<br>TD target = r + γ·{which} = {steps['reward'][k]:g} + {gamma:g}·{boot} = {steps['target'][k]:.4g}"
            f"<br>δ = target − Q(s, a) = {steps['target'][k]:.4g} − {steps['q_before'][k]:.4g} = "
            f"{steps['td_error'][k]:.4g};  Q(s, a) ← {steps['q_before'][k]:.4g} + {steps['step_size'][k]:.3g}·δ = "
            f"{steps['q_after'][k]:.4g}"
        )

    # frames as plain dicts: building hundreds of go.Scatter objects costs seconds
    x_list, y_list = x.tolist(), y.tolist()

    def frame_data(i: int) -> list[dict]:
        return [
            dict(
                type="scatter",
                x=x_list[: i + 1],
                y=y_list[: i + 1],
                mode="lines",
                line=dict(color=colour, width=4),
                hoverinfo="skip",
                showlegend=False,
            ),
            dict(
                type="scatter",
                x=x_list[i : i + 1],
                y=y_list[i : i + 1],
                mode="markers",
                marker=dict(size=24, color=colour, line=dict(color="white", width=2)),
                hoverinfo="skip",
                showlegend=False,
            ),
        ]

    frames = [
        dict(data=frame_data(i), traces=[2, 3], name=str(i), layout=dict(title=dict(text=caption(i))))
        for i in range(len(states))
    ]
    fig = go.Figure(dict(data=[background, labels, *frame_data(0)], frames=frames))
    slider_steps = [
        dict(
            method="animate",
            label=str(i),
            args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))],
        )
        for i in range(len(states))
    ]
    fig.update_layout(
        shapes=shapes,
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=-0.02,
                xanchor="left",
                yanchor="top",
                pad=dict(t=8, r=8),
                showactive=False,
                buttons=[
                    dict(
                        label="▶ play",
                        method="animate",
                        args=[
                            None,
                            dict(frame=dict(duration=450, redraw=True), fromcurrent=True, transition=dict(duration=0)),
                        ],
                    ),
                    dict(
                        label="❚❚ pause",
                        method="animate",
                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                steps=slider_steps,
                x=0.22,
                len=0.78,
                y=-0.02,
                yanchor="top",
                currentvalue=dict(prefix="step ", font=dict(size=14)),
                pad=dict(t=8),
            )
        ],
    )
    _grid_layout(fig, task, caption(0))
    fig.update_layout(
        title=dict(font=dict(size=15), y=0.98, yanchor="top"),
        margin=dict(l=10, r=10, t=110, b=90),
        height=fig.layout.height + 150,
    )
    return fig
