"""Gridworld and Q-learning figures at projector size (issue 18): numbers in cells are at least 14 px and are
hidden (shown on hover) where they would not fit; log and integer axes have readable ticks."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from core.rl.gridworld import PRESETS, parse_layout
from core.rl.mdp import greedy_policy, q_iteration, state_values
from core.rl.tabular import TDConfig, agent_seeds, run_agents
from core.rl.tabular_tasks import cliff_walking_task, optimal_q, q_in_grid_directions
from tests.apptest_helpers import assert_valid_figure
from viz import theme
from viz.rl import deep
from viz.rl import gridworld as gviz
from viz.rl import tabular as tviz


def _solved(name: str):
    preset = PRESETS[name]
    world = parse_layout(preset.layout, preset.living_reward, preset.bump_reward, preset.slip)
    result = q_iteration(world.mdp(), preset.gamma, 1e-4)
    return world, result


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def _printed(trace) -> list[str]:
    return [t for t in (trace.text or ()) if t] if trace.mode and "text" in trace.mode else []


def test_q_triangles_print_four_numbers_per_cell_at_14px_in_the_main_column():
    world, result = _solved("BookGrid 4×3 (AIMA)")
    fig = gviz.q_triangles(world, result.Q, column_px=theme.MAIN_COLUMN_PX)
    numbers = _trace(fig, "Q values")
    free = int((~(world.wall | world.terminal)).sum())
    assert len(_printed(numbers)) == 4 * free
    assert numbers.textfont.size >= theme.MIN_TEXT_SIZE


def test_q_triangles_hide_the_numbers_in_a_half_column_and_box_the_selected_cell():
    world, result = _solved("BookGrid 4×3 (AIMA)")
    fig = gviz.q_triangles(world, result.Q, selected=(2, 0), column_px=theme.HALF_COLUMN_PX)
    numbers = _trace(fig, "Q values")
    assert not _printed(numbers)
    # every value stays on hover
    assert len(numbers.hovertext) == 4 * int((~(world.wall | world.terminal)).sum())
    (callout,) = fig.layout.annotations
    up = f"{result.Q[2 * 4 + 0, 0]:.2f}"
    assert f"↑ {up}" in callout.text and callout.font.size >= theme.MIN_TEXT_SIZE


def test_numbers_that_fit_a_cell_are_judged_with_their_width():
    assert gviz.four_labels_fit(["0.55"] * 4, side=90)
    assert not gviz.four_labels_fit(["0.55"] * 4, side=60)
    assert not gviz.four_labels_fit(["-100.00"] * 4, side=90)
    assert gviz.one_label_fits(["0.55"], side=65) and not gviz.one_label_fits(["-13.00"], side=40)


def test_value_map_prints_v_at_14px_when_it_fits_else_boxes_the_selected_cell():
    world, result = _solved("BookGrid 4×3 (AIMA)")
    V = state_values(result.Q, None, absorbing=world.wall.reshape(-1))
    shown = gviz.value_and_policy(world, V, greedy_policy(result.Q), column_px=theme.HALF_COLUMN_PX)
    values = _trace(shown, "V values")
    assert len(values.text) == int((~(world.wall | world.terminal)).sum())
    assert values.textfont.size >= theme.MIN_TEXT_SIZE
    world8, result8 = _solved("FrozenLake 8×8 (Gymnasium)")
    V8 = state_values(result8.Q, None, absorbing=world8.wall.reshape(-1))
    hidden = gviz.value_and_policy(world8, V8, greedy_policy(result8.Q), selected=(0, 0), column_px=200)
    assert "V values" not in [t.name for t in hidden.data]
    assert hidden.layout.annotations[0].text.startswith("V = ")


@pytest.mark.parametrize("name", ["BookGrid 4×3 (AIMA)", "FrozenLake 8×8 (Gymnasium)", "BridgeGrid (CS188)"])
@pytest.mark.parametrize("column_px", [theme.HALF_COLUMN_PX, theme.MAIN_COLUMN_PX])
def test_grid_axes_tick_whole_cells_only(name, column_px):
    world, result = _solved(name)
    fig = gviz.q_triangles(world, result.Q, column_px=column_px)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert isinstance(axis.dtick, int) and axis.dtick >= 1 and axis.tick0 == 0


def test_convergence_uses_the_readable_log_axis():
    _, result = _solved("BookGrid 4×3 (AIMA)")
    fig = gviz.convergence(result.deltas, 1e-4)
    axis = fig.layout.yaxis
    # powers of ten, no lone small digits between them
    assert axis.type == "log" and isinstance(axis.dtick, int) and axis.exponentformat == "power"
    assert axis.minor.dtick in (None, "D1", 1)
    assert fig.layout.xaxis.dtick == 1  # sweeps are whole numbers


@pytest.fixture(scope="module")
def cliff_run():
    task = cliff_walking_task()
    config = TDConfig(episodes=20, alpha=0.5, gamma=1.0, epsilon=0.1)
    result = run_agents(
        task, config, agent_seeds(0, 2), ("Q-learning",), Q_star=optimal_q(task, 1.0), trace_seed_indices=(0,)
    )
    return task, result


def _learned(task, result, names):
    """learned_panels of the first seed of each of ``names`` (all from the result's one algorithm), ``as_json``
    forwarded."""
    path = np.array([task.start_state, task.start_state - 12])
    Q = q_in_grid_directions(task, result.Q[0, 0])
    return lambda **kw: tviz.learned_panels(
        task, names, [result.visits[0].sum(axis=0)] * len(names), [path] * len(names), [Q] * len(names),
        ["1 step to the end"] * len(names), **kw,
    )  # fmt: skip


def test_cliff_walking_labels_hidden_in_two_columns_shown_full_width(cliff_run):
    task, result = cliff_run
    two = _learned(task, result, ("Q-learning", "SARSA"))()
    for labels in (t for t in two.data if t.name == "labels"):
        assert "-100" not in " ".join(_printed(labels)) and any("-100" in h for h in labels.hovertext)
    steps = result.traces[("Q-learning", 0)].of_episode(0)
    full = tviz.replay(task, steps, result.visits[0, 0], "Q-learning", 1.0, theme.MAIN_COLUMN_PX)
    shown = _trace(full, "labels")
    assert sum("-100" in t for t in _printed(shown)) == 10 and shown.textfont.size >= theme.MIN_TEXT_SIZE


def test_cliff_walking_q_numbers_hidden_in_the_q_learning_columns(cliff_run):
    task, result = cliff_run
    Q = q_in_grid_directions(task, result.Q[0, 0])
    for column_px in (theme.HALF_COLUMN_PX, theme.MAIN_COLUMN_PX):
        numbers = _trace(gviz.q_triangles(task.world, Q, column_px=column_px), "Q values")
        assert not _printed(numbers) and len(numbers.hovertext) == 4 * 37


def _readable_log(axis) -> bool:
    """Powers of ten labelled (dtick a whole number of decades) or every tick written in full (a tickformat)."""
    return axis.type == "log" and (isinstance(axis.dtick, int) or bool(axis.tickformat))


def test_q_error_and_deep_rl_log_axes_are_readable(cliff_run):
    _, result = cliff_run
    assert _readable_log(tviz.q_error_curves(result).layout.yaxis)
    loss = deep.series_plot({"DQN": ([1, 2, 3], [5.0, 0.5, 0.02])}, "loss", "loss", log_y=True)
    assert _readable_log(loss.layout.yaxis)
    variance = deep.variance_plot(
        np.array([10, 20, 50, 100, 400]), {"REINFORCE": np.array([9.0, 4, 2, 1, 0.2])}, {"REINFORCE": 90.0}
    )
    assert _readable_log(variance.layout.xaxis) and _readable_log(variance.layout.yaxis)


def test_episode_render_fills_the_column_with_equal_aspect():
    frames = np.zeros((3, 200, 300, 3), dtype=np.uint8)
    fig = deep.episode_animation(frames, np.arange(3), "episode")
    plot_w = theme.MAIN_COLUMN_PX - fig.layout.margin.l - fig.layout.margin.r
    plot_h = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert fig.layout.yaxis.scaleanchor == "x"
    # as wide as the column, or as tall as the cap allows at the frame's aspect
    assert plot_h == pytest.approx(min(plot_w * 200 / 300, deep.MAX_FRAME_PX), abs=1)
    assert plot_h >= 400


@pytest.mark.parametrize("builder", ["q_triangles", "value_and_policy", "convergence"])
def test_plain_grid_figures_are_what_plotly_validation_accepts(builder):
    """The grid figures are written as unvalidated dicts (viz.plain): Plotly's validation of their JSON raises
    on any misspelt property, and keeps every property they set (none is dropped as invalid)."""
    world, result = _solved("DiscountGrid (CS188)")
    V = state_values(result.Q, None, absorbing=world.wall.reshape(-1))
    fig = {
        "q_triangles": lambda: gviz.q_triangles(world, result.Q, selected=world.start, column_px=theme.HALF_COLUMN_PX),
        "value_and_policy": lambda: gviz.value_and_policy(world, V, greedy_policy(result.Q), selected=world.start),
        "convergence": lambda: gviz.convergence(result.deltas, 1e-4, k=3),
    }[builder]()
    assert_valid_figure(fig)


@pytest.mark.parametrize("builder", ["learning_curves", "q_error_curves", "learned_panels", "replay", "q_triangles"])
def test_json_form_of_the_q_learning_figures_is_their_figure_json(cliff_run, builder):
    """``as_json=True`` (viz.plain.spec, what the page's figure caches keep) gives the JSON that building the Figure
    and calling ``to_plotly_json`` gives: the same traces, layout and frames, arrays as the same typed arrays."""
    task, result = cliff_run
    steps = result.traces[("Q-learning", 0)].of_episode(3)
    build = {
        "learning_curves": lambda **kw: tviz.learning_curves(result, 5, -13.0, **kw),
        "q_error_curves": lambda **kw: tviz.q_error_curves(result, **kw),
        "learned_panels": _learned(task, result, ("Q-learning", "SARSA")),
        "replay": lambda **kw: tviz.replay(task, steps, result.visits[0, 0], "Q-learning", 1.0, **kw),
        "q_triangles": lambda **kw: gviz.q_triangles(
            task.world, q_in_grid_directions(task, result.Q[0, 0]), column_px=theme.HALF_COLUMN_PX, **kw
        ),
    }[builder]
    as_figure = json.loads(pio.to_json(build().to_plotly_json(), validate=False))
    as_json = build(as_json=True)
    assert json.loads(pio.to_json(as_json, validate=False)) == as_figure


def test_learned_panels_are_what_plotly_validation_accepts_with_square_cells(cliff_run):
    """The page's one figure of what each learned: valid properties (none dropped), a column per algorithm, the
    same square cells in every panel, at least 20 px in the main column."""
    task, result = cliff_run
    spec = _learned(task, result, ("Q-learning", "SARSA"))(as_json=True)
    spec = assert_valid_figure(spec)
    layout = spec["layout"]
    H, W = task.shape
    plot_w = theme.MAIN_COLUMN_PX - layout["margin"]["l"] - layout["margin"]["r"]
    plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    cells = set()
    for k in ("", "2", "3", "4"):
        x0, x1 = layout[f"xaxis{k}"]["domain"]
        y0, y1 = layout[f"yaxis{k}"]["domain"]
        assert layout[f"yaxis{k}"]["scaleanchor"] == layout[f"yaxis{k}"]["anchor"]  # square cells
        cells.add(round(min((x1 - x0) * plot_w / W, (y1 - y0) * plot_h / H), 6))  # the cell that fits the slot
    assert len(cells) == 1 and cells.pop() >= 20
    assert len(spec["layout"]["images"]) == 2  # the Q triangles of each column
