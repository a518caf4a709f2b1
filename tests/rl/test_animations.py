"""The animated RL figures (issue 11): value-iteration sweep playback, the Q-learning replay and the DQN episode.

Each frame must hold what the core computed for that step (checked against the core's own arrays, recomputed
here), and the animations that play fast must move only scatter traces (an animation of those needs no redraw
of the figure per frame; a heatmap, an image or the title would)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.rl.gridworld import PRESETS, parse_layout
from core.rl.mdp import greedy_policy, policy_evaluation, q_iteration, uniform_random_policy
from core.rl.tabular import TDConfig, agent_seeds, run_agents
from core.rl.tabular_tasks import cliff_walking_task, optimal_q
from viz import animation
from viz.rl import deep
from viz.rl import gridworld as gviz
from viz.rl import tabular as tviz


def _solved(name: str, max_iterations: int = 1000):
    preset = PRESETS[name]
    world = parse_layout(preset.layout, preset.living_reward, preset.bump_reward, preset.slip)
    return world, q_iteration(world.mdp(), preset.gamma, 1e-4, max_iterations)


def _buttons(fig) -> dict[str, dict]:
    """label → the animate options of each button of the figure's play controls."""
    return {b["label"]: b["args"][1] for b in fig.layout.updatemenus[0].to_plotly_json()["buttons"]}


def _named(fig, name: str) -> int:
    return next(i for i, t in enumerate(fig.data) if t.name == name)


# ------------------------------------------------------------------------------------------- shared controls
@pytest.mark.parametrize(("count", "at_most"), [(5, 10), (19, 19), (222, 80), (1000, 7), (3, 2)])
def test_even_sample_keeps_both_ends_and_even_gaps(count, at_most):
    picked = animation.even_sample(count, at_most)
    assert picked[0] == 0 and picked[-1] == count - 1
    assert len(picked) == min(count, at_most) and picked == sorted(set(picked))
    gaps = np.diff(picked)
    assert gaps.max() - gaps.min() <= 1  # evenly spaced up to rounding


def test_controls_bind_the_slider_to_the_frames_and_play_fast():
    layout = animation.controls(["0", "1", "2"], slow_ms=450, prefix="k = ")
    buttons = {b["label"]: b["args"] for b in layout["updatemenus"][0]["buttons"]}
    assert buttons["▶ play"][0] is None and buttons["▶ play"][1]["frame"]["duration"] <= 80
    assert buttons["▶ slow"][1]["frame"]["duration"] == 450
    assert buttons["❚❚ pause"][0] == [None]  # Plotly's way to stop an animation
    assert [s["args"][0] for s in layout["sliders"][0]["steps"]] == [["0"], ["1"], ["2"]]


# ------------------------------------------------------------------------------------------- sweep playback
def _levels_of_frame(frame: dict, levels: int) -> dict[tuple[int, int], int]:
    """(row, col) → colour level, read back from the squares of a frame's level traces."""
    cell_level = {}
    for b, trace in enumerate(frame["data"][:levels]):
        xs = [v for v in trace["x"] if v is not None]
        ys = [v for v in trace["y"] if v is not None]
        for j in range(0, len(xs), 5):  # five corners per square
            col, row = np.mean(xs[j : j + 4]), np.mean(ys[j : j + 4])
            cell_level[(round(row), round(col))] = b
    return cell_level


def test_sweep_playback_frame_k_shows_v_k_and_the_greedy_arrows():
    world, result = _solved("BookGrid 4×3 (AIMA)")
    fig = gviz.sweep_playback(world, result)
    frames = fig.to_dict()["frames"]
    K = result.iterations
    assert [f["name"] for f in frames] == [str(k) for k in range(K + 1)]  # every sweep, k = 0 … K
    cells = np.flatnonzero(~world.wall.reshape(-1))
    hover = _named(fig, "hover")
    levels = gviz._SWEEP_LEVELS
    # V_k = max_a Q_k(s, a) straight from the stored history (walls are not drawn)
    V = result.Q_history.astype(np.float64).max(axis=2)  # (K + 1, S)
    V[:, world.wall.reshape(-1)] = 0.0
    bound = np.abs(V[:, ~(world.wall | world.terminal).reshape(-1)]).max()
    for k in (0, 1, 5, K):
        frame = frames[k]
        values = frame["data"][frame["traces"].index(hover)]["customdata"]
        np.testing.assert_allclose(values, V[k, cells], atol=1e-6)
        # each cell sits in the colour level of its value on the shared scale [−bound, bound]
        expected = np.round((V[k] + bound) / (2 * bound) * (levels - 1)).astype(int)
        drawn = _levels_of_frame(frame, levels)
        assert drawn == {divmod(int(s), world.shape[1]): int(expected[s]) for s in cells}
        # one arrow head per greedy action of Q_k in every free cell that is not a jump source
        greedy = greedy_policy(result.Q_history[k].astype(np.float64)) > 1e-9
        free = ~(world.wall | world.terminal).reshape(-1) & (world.jump_target.reshape(-1) < 0)
        tips = frame["data"][levels + 1]
        assert len(tips["x"]) == int(greedy[free].sum())
    # the last frame is the result the page shows after the run
    last = frames[K]["data"][frames[K]["traces"].index(hover)]["customdata"]
    np.testing.assert_allclose(last, np.where(world.wall.reshape(-1), 0.0, result.V)[cells], atol=1e-6)


def test_sweep_playback_moves_only_scatter_traces_without_redraw():
    world, result = _solved("DiscountGrid (CS188)")
    fig = gviz.sweep_playback(world, result)
    assert all(d["type"] == "scatter" for f in fig.to_dict()["frames"] for d in f["data"])
    assert not any(t.type == "heatmap" for t in fig.data)
    buttons = _buttons(fig)
    assert buttons["▶ play"]["frame"] == {"duration": animation.PLAY_MS, "redraw": False}
    assert animation.PLAY_MS <= 80
    assert fig.layout.title.text == "Sweep playback"


def test_sweep_playback_samples_long_runs_evenly():
    world, result = _solved("FrozenLake 8×8 (Gymnasium)")
    assert result.iterations + 1 > gviz.MAX_SWEEP_FRAMES
    names = [int(f["name"]) for f in gviz.sweep_playback(world, result).to_dict()["frames"]]
    assert len(names) == gviz.MAX_SWEEP_FRAMES and names[0] == 0 and names[-1] == result.iterations
    assert names == gviz.sweep_frames(result, world.n_states)


def test_sweep_playback_of_policy_evaluation_keeps_the_policy_arrows():
    world, _ = _solved("BookGrid 4×3 (AIMA)")
    mdp = world.mdp()
    policy = uniform_random_policy(mdp)
    result = policy_evaluation(mdp, policy, 0.9, 1e-4, 1000)
    fig = gviz.sweep_playback(world, result, policy)
    frames = fig.to_dict()["frames"]
    levels = gviz._SWEEP_LEVELS
    assert levels not in frames[0]["traces"]  # the arrows' traces never change
    hover = _named(fig, "hover")
    k = min(7, result.iterations)
    # V_k = Σ_a π(a|s) Q_k(s, a)
    expected = (policy * result.Q_history[k]).sum(axis=1)
    cells = np.flatnonzero(~world.wall.reshape(-1))
    values = frames[k]["data"][frames[k]["traces"].index(hover)]["customdata"]
    np.testing.assert_allclose(values, expected[cells], atol=1e-5)


# ------------------------------------------------------------------------------------------- Q-learning replay
@pytest.fixture(scope="module")
def cliff_episode():
    task = cliff_walking_task()
    config = TDConfig(episodes=20, alpha=0.5, gamma=1.0, epsilon=0.1)
    result = run_agents(
        task, config, agent_seeds(0, 2), ("Q-learning",), Q_star=optimal_q(task, 1.0), trace_seed_indices=(0,)
    )
    steps = result.traces[("Q-learning", 0)].of_episode(5)
    return task, steps, tviz.replay(task, steps, result.visits[0, 0], "Q-learning", 1.0)


def test_replay_frame_i_puts_the_agent_on_state_i_with_that_steps_td_update(cliff_episode):
    task, steps, fig = cliff_episode
    frames = fig.to_dict()["frames"]
    n = min(len(steps["state"]), tviz.MAX_REPLAY_FRAMES)  # a long episode (this one) is cut
    assert len(steps["state"]) > n and len(frames) == n + 1  # the start, then one frame per step shown
    W = task.shape[1]
    caption = _named(fig, "caption")
    for i in (1, n // 2, n):
        agent = frames[i]["data"][1]
        row, col = divmod(int(steps["state"][i] if i < n else steps["next_state"][n - 1]), W)
        assert (agent["x"], agent["y"]) == ([col], [row])
        trail = frames[i]["data"][0]  # the path so far (broken where the agent fell back to the start)
        drawn = [(x, y) for x, y in zip(trail["x"], trail["y"]) if x is not None]
        expected = [divmod(int(s), W)[::-1] for s in steps["state"][: i + 1]]
        assert drawn[: i + 1] == expected and set(drawn[i:]) == {(col, row)}  # then held at the agent
        assert len(trail["x"]) == len(frames[0]["data"][0]["x"])  # as many points in every frame
        text = frames[i]["data"][frames[i]["traces"].index(caption)]["text"][0]
        assert f"step {i}:" in text and f"{steps['td_error'][i - 1]:.4g}" in text
        assert f"{steps['q_after'][i - 1]:.4g}" in text


def test_replay_breaks_the_trail_where_the_agent_falls_off_the_cliff(cliff_episode):
    task, steps, fig = cliff_episode
    trail = fig.to_dict()["frames"][-1]["data"][0]
    W = task.shape[1]
    shown = min(len(steps["state"]), tviz.MAX_REPLAY_FRAMES)
    # moves to a cell that is not a neighbour: a step into the cliff puts the agent back on the start cell
    jumps = sum(
        abs(a // W - b // W) + abs(a % W - b % W) > 1
        for a, b in zip(steps["state"][:shown], steps["next_state"][:shown])
    )
    assert jumps > 0 and trail["x"].count(None) == jumps


def test_replay_plays_fast_and_slow_moving_only_scatter_traces(cliff_episode):
    _, _, fig = cliff_episode
    buttons = _buttons(fig)
    assert buttons["▶ play"]["frame"]["duration"] <= 100 and buttons["▶ slow"]["frame"]["duration"] == 450
    assert not buttons["▶ play"]["frame"]["redraw"] and not buttons["▶ slow"]["frame"]["redraw"]
    frames = fig.to_dict()["frames"]
    assert all(d["type"] == "scatter" for f in frames for d in f["data"])
    assert all("layout" not in f for f in frames)  # the caption is a text trace, not the title
    assert all(t.type == "scatter" for t in fig.data)  # the visits are a layout image: no heatmap to wipe
    assert len(fig.layout.images) == 1


# ------------------------------------------------------------------------------------------- DQN episode
def test_episode_animation_frames_are_the_rendered_frames_losslessly():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(4, 20, 30, 3), dtype=np.uint8)
    fig = deep.episode_animation(frames, np.array([0, 3, 6, 9]), "episode")
    spec = fig.to_dict()["frames"]
    assert [f["name"] for f in spec] == ["0", "3", "6", "9"]
    for frame, expected in zip(spec, frames):
        (image,) = frame["data"]
        png = base64.b64decode(image["source"].split(",", 1)[1])
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), expected)
    assert _buttons(fig)["▶ play"]["frame"]["duration"] <= 80
