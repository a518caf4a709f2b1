"""Q-learning and SARSA (core/rl/tabular.py, tasks in core/rl/tabular_tasks.py) against references: Gymnasium's own envs stepped one at a time,
Q* from value iteration, and Sutton & Barto's cliff-walking result (Example 6.6)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.rl.gridworld import DELTAS, PRESETS, parse_layout
from core.rl.mdp import greedy_path as mdp_greedy_path
from core.rl.tabular import (
    ALGORITHMS,
    TDConfig,
    _choose,
    _tie_tables,
    agent_seeds,
    epsilon_schedule,
    run_agents,
    run_reference,
)
from core.rl.tabular_tasks import (
    TabularTask,
    _from_env,
    cliff_walking_task,
    frozen_lake_task,
    greedy_policy_matches,
    gridworld_task,
    optimal_q,
    q_in_grid_directions,
    reachable_states,
)


def greedy_path(task, Q):
    """The greedy path of Q from the task's start (core.rl.mdp.greedy_path on the task's table)."""
    return mdp_greedy_path(task.mdp, task.start_state, Q)


def _tasks():
    return {
        "cliff": cliff_walking_task(max_steps=150),
        "lake4-slippery": frozen_lake_task("4x4", is_slippery=True),
        "lake8": frozen_lake_task("8x8", is_slippery=False),
        "bookgrid": gridworld_task(parse_layout(PRESETS["BookGrid 4×3 (AIMA)"].layout, slip=0.2), max_steps=40),
    }


TASKS = _tasks()


@pytest.mark.parametrize("name", list(TASKS))
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_vectorized_batch_replays_the_real_gymnasium_loop(name, algorithm):
    """Same seed, same trajectories: the NumPy batch against a plain loop stepping the real env."""
    task = TASKS[name]
    config = TDConfig(
        episodes=40,
        alpha=0.4,
        alpha_decay_power=0.5,
        gamma=0.95,
        epsilon=0.5,
        epsilon_end=0.05,
        epsilon_decay="exponential",
    )
    seeds = (11, 4, 2024)
    batch = run_agents(task, config, seeds, ALGORITHMS, trace_seed_indices=range(len(seeds)))
    j = ALGORITHMS.index(algorithm)
    for i, seed in enumerate(seeds):
        ref = run_reference(task, config, seed, algorithm)
        trace = batch.traces[(algorithm, i)]
        assert np.array_equal(np.concatenate([x[:-1] for x in ref.states]), trace.state)
        assert np.array_equal(np.concatenate([x[1:] for x in ref.states]), trace.next_state)
        assert np.array_equal(np.concatenate(ref.actions), trace.action)
        assert np.array_equal(ref.lengths, batch.lengths[j, i])
        np.testing.assert_allclose(ref.returns, batch.returns[j, i])
        np.testing.assert_array_equal(ref.Q, batch.Q[j, i])


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    alpha=st.floats(0.01, 1.0),
    epsilon=st.floats(0.0, 1.0),
    algorithm=st.sampled_from(ALGORITHMS),
)
def test_batch_equals_reference_for_any_seed_and_settings(seed, alpha, epsilon, algorithm):
    task = TASKS["lake4-slippery"]
    config = TDConfig(episodes=15, alpha=alpha, gamma=0.9, epsilon=epsilon, epsilon_end=epsilon)
    batch = run_agents(task, config, [seed], [algorithm])
    ref = run_reference(task, config, seed, algorithm)
    assert np.array_equal(ref.lengths, batch.lengths[0, 0])
    np.testing.assert_array_equal(ref.Q, batch.Q[0, 0])


def test_an_agent_does_not_depend_on_its_batch():
    task = TASKS["cliff"]
    config = TDConfig(episodes=30, alpha=0.5, gamma=1.0, epsilon=0.1)
    alone = run_agents(task, config, [5], ["SARSA"])
    crowd = run_agents(task, config, [1, 5, 9], ALGORITHMS)
    np.testing.assert_array_equal(alone.Q[0, 0], crowd.Q[1, 1])


def taxi_task(max_steps: int = 60) -> TabularTask:
    """Gymnasium's Taxi-v4, whose reset draws the start from 300 states (every other task here has one)."""
    env = gym.make("Taxi-v4")
    try:
        mdp, start = _from_env(env, ("south", "north", "east", "west", "pickup", "dropoff"))
    finally:
        env.close()
    world = parse_layout(". . . . .")  # for drawing only
    return TabularTask("Taxi-v4", mdp, start, True, max_steps, world.shape, world, "Taxi-v4")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_batch_replays_gymnasium_when_the_start_state_is_drawn_from_many(algorithm):
    """Taxi-v4 starts in one of 300 states (the reset's uniform picks it) and has 6 actions."""
    task = taxi_task()
    assert (task.start_probs > 0).sum() == 300 and task.n_actions == 6
    config = TDConfig(episodes=12, alpha=0.5, gamma=0.95, epsilon=0.3)
    seeds = (5, 77)
    batch = run_agents(task, config, seeds, ALGORITHMS, trace_seed_indices=range(len(seeds)))
    j = ALGORITHMS.index(algorithm)
    for i, seed in enumerate(seeds):
        ref = run_reference(task, config, seed, algorithm)
        trace = batch.traces[(algorithm, i)]
        starts = trace.state[trace.step == 0]
        assert np.array_equal(starts, [x[0] for x in ref.states])
        assert len(set(starts.tolist())) > 3  # the starts really are drawn
        assert np.array_equal(ref.lengths, batch.lengths[j, i])
        np.testing.assert_array_equal(ref.Q, batch.Q[j, i])


def plain_epsilon_greedy(q: np.ndarray, u1: float, u2: float, eps: float) -> int:
    """The reference loop's ε-greedy, one agent: ⌊u2·A⌋ when u1 < ε, else the ⌊u2·n⌋-th of the n maximizers."""
    if u1 < eps:
        return int(u2 * len(q))
    ties = np.flatnonzero(q == q.max())
    return int(ties[int(u2 * len(ties))])


@pytest.mark.parametrize("A", [1, 2, 4, 6, 8, 9, 12])
def test_batched_epsilon_greedy_equals_the_one_agent_rule(A):
    """The batch's choice, by lookup table (A ≤ 8) or by running count (A > 8), equals the plain rule, ties
    (few distinct Q values) and exploration included."""
    rng = np.random.default_rng(A)
    m = 4000
    q = rng.integers(0, 3, size=(A, m)).astype(float)  # (A, m): column i is Q(s_i, ·)
    u1, u2 = rng.random(m), rng.random(m)
    u2[:50] = np.nextafter(1.0, 0.0)  # the largest uniform picks the last candidate
    eps = np.full(m, 0.3)
    tables = _tie_tables(A)
    assert (tables is None) == (A > 8)
    for t in (tables, None):
        chosen, explored = _choose(q, q.max(axis=0), u1, u2, eps, t)
        expected = [plain_epsilon_greedy(q[:, i], u1[i], u2[i], 0.3) for i in range(m)]
        np.testing.assert_array_equal(chosen, expected)
        np.testing.assert_array_equal(explored, u1 < 0.3)


def test_step_budget_stops_every_agent_after_that_many_env_steps():
    """max_lock_steps = L: each agent's finished episodes are the first ones of the unlimited run, exactly those
    that fit in L env steps."""
    task = TASKS["cliff"]
    config = TDConfig(episodes=60, alpha=0.5, gamma=1.0, epsilon=0.1)
    budget = 900
    full = run_agents(task, config, range(4), ALGORITHMS)
    capped = run_agents(task, config, range(4), ALGORITHMS, max_lock_steps=budget)
    for j in range(len(ALGORITHMS)):
        for i in range(4):
            done = int(capped.completed[j, i])
            steps = np.cumsum(full.lengths[j, i])  # env steps after each episode of the unlimited run
            assert steps[done - 1] <= budget < steps[done]
            np.testing.assert_array_equal(capped.returns[j, i, :done], full.returns[j, i, :done])
            assert np.isnan(capped.returns[j, i, done:]).all()
    assert capped.steps == 4 * len(ALGORITHMS) * budget


def test_cliff_walking_table_matches_gymnasium():
    """−100 and back to the start for the cliff, start (3, 0), the goal (3, 11) ends the episode."""
    task = cliff_walking_task()
    mdp = task.mdp
    start, goal = 36, 47
    assert task.start_probs[start] == 1.0
    assert mdp.terminal[goal] and mdp.terminal.sum() == 1
    # right from the start steps into the cliff
    assert mdp.next_state[start, 1, 0] == start and mdp.reward[start, 1, 0] == -100
    assert mdp.next_state[35, 2, 0] == goal and mdp.reward[35, 2, 0] == -1
    assert not reachable_states(task)[37:47].any()
    Q_star = optimal_q(task, gamma=1.0)
    assert Q_star[start].max() == pytest.approx(-13.0)  # 13 steps along the cliff edge


def test_cliff_walking_q_learning_takes_the_edge_sarsa_the_safe_path():
    """Sutton & Barto Example 6.6 (ε = 0.1, α = 0.5): Q-learning learns the optimal cliff-edge path but earns
    less online (≈ −50 vs ≈ −25 per episode); SARSA learns the longer safe path."""
    task = cliff_walking_task(max_steps=10_000)
    config = TDConfig(episodes=300, alpha=0.5, gamma=1.0, epsilon=0.1)
    batch = run_agents(task, config, range(10), ALGORITHMS)
    online = batch.returns[:, :, -100:].mean(axis=(1, 2))
    assert -60 < online[0] < -40 and -32 < online[1] < -18
    q_paths = [len(greedy_path(task, batch.Q[0, i])) - 1 for i in range(10)]
    sarsa_paths = [len(greedy_path(task, batch.Q[1, i])) - 1 for i in range(10)]
    assert np.median(q_paths) == 13
    assert np.median(sarsa_paths) >= 15


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_deterministic_frozen_lake_reaches_the_value_iteration_policy(algorithm):
    task = frozen_lake_task("4x4", is_slippery=False)
    gamma = 0.9
    Q_star = optimal_q(task, gamma)
    config = TDConfig(episodes=400, alpha=0.5, gamma=gamma, epsilon=1.0, epsilon_end=0.0, epsilon_decay="linear")
    batch = run_agents(task, config, range(6), [algorithm])
    for i in range(6):
        path = greedy_path(task, batch.Q[0, i])
        assert len(path) - 1 == 6 and path[-1] == 15  # the shortest way round the holes to the goal
        assert greedy_policy_matches(task, batch.Q[0, i], Q_star, states=path[:-1]), f"seed {i}"


def test_off_policy_q_learning_finds_the_optimal_policy_while_acting_at_random():
    """Off-policy: the behaviour is uniformly random (ε = 1), yet the greedy policy of Q is π* everywhere."""
    task = frozen_lake_task("4x4", is_slippery=False)
    Q_star = optimal_q(task, 0.9)
    config = TDConfig(episodes=400, alpha=1.0, gamma=0.9, epsilon=1.0, epsilon_end=1.0)
    batch = run_agents(task, config, range(6), ["Q-learning"])
    assert sum(greedy_policy_matches(task, batch.Q[0, i], Q_star) for i in range(6)) >= 5


def test_learned_q_approaches_q_star_with_decaying_step_size():
    """Q-learning under a uniformly random behaviour on the noisy 4×3 world (slip 0.2), α_n = 1/n^0.8."""
    task = gridworld_task(parse_layout(PRESETS["BookGrid 4×3 (AIMA)"].layout, slip=0.2), max_steps=30)
    gamma = 0.9
    Q_star = optimal_q(task, gamma)
    config = TDConfig(episodes=400, alpha=1.0, alpha_decay_power=0.8, gamma=gamma, epsilon=1.0, epsilon_end=1.0)
    batch = run_agents(task, config, range(6), ["Q-learning"], Q_star=Q_star)
    error = batch.q_error[0].mean(axis=0)  # mean over seeds
    early, middle, late = error[5], error[50], error[-1]
    assert late < middle < early
    assert late < 0.25 * early
    # the error recorded per episode is ‖Q − Q*‖∞ over reachable non-terminal pairs
    judged = reachable_states(task) & ~task.mdp.terminal
    assert batch.q_error[0, 0, -1] == pytest.approx(np.abs(batch.Q[0, 0][judged] - Q_star[judged]).max())


def test_epsilon_schedules_reach_their_end_points():
    linear = epsilon_schedule(TDConfig(episodes=11, epsilon=1.0, epsilon_end=0.0, epsilon_decay="linear"))
    np.testing.assert_allclose(linear, np.linspace(1.0, 0.0, 11))
    expo = epsilon_schedule(TDConfig(episodes=11, epsilon=0.5, epsilon_end=0.1, epsilon_decay="exponential"))
    assert expo[0] == pytest.approx(0.5) and expo[-1] == pytest.approx(0.1 + 0.4 * 0.01)
    assert np.all(np.diff(expo) < 0)
    assert np.all(epsilon_schedule(TDConfig(episodes=5, epsilon=0.3, epsilon_end=0.0)) == 0.3)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"alpha": 0.0}, "α"),
        ({"alpha": 1.5}, "α"),
        ({"epsilon": -0.1}, "ε"),
        ({"epsilon": 1.2}, "ε"),
        ({"epsilon_end": 2.0}, "ε"),
        ({"episodes": 0}, "episodes"),
        ({"gamma": 1.1}, "γ"),
        ({"epsilon_decay": "cosine"}, "decay"),
    ],
)
def test_bad_input_is_named(changes, words):
    config = TDConfig(**{"episodes": 5, **changes})
    with pytest.raises(InputError, match=words):
        run_agents(TASKS["lake8"], config, [0])


def test_bad_batch_and_task_input_is_named():
    config = TDConfig(episodes=3)
    with pytest.raises(InputError, match="algorithm"):
        run_agents(TASKS["lake8"], config, [0], [])
    with pytest.raises(InputError, match="seed"):
        run_agents(TASKS["lake8"], config, [], ALGORITHMS)
    with pytest.raises(InputError, match="time limit"):
        cliff_walking_task(max_steps=0)
    with pytest.raises(InputError, match="start cell is a terminal"):
        gridworld_task(parse_layout("+1 -1"), max_steps=10)


def _hand_replay(trace, S: int, A: int, q_init: float, alpha: float, gamma: float, sarsa: bool) -> np.ndarray:
    """Q rebuilt from the logged (s, a, r, s', a') alone with the textbook update; no step is terminal here, so
    every target is r + γ max_a' Q(s', a') (Q-learning) or r + γ Q(s', a') (SARSA), truncated or not."""
    Q = np.full((S, A), q_init)
    for s, a, r, s2, a2 in zip(trace.state, trace.action, trace.reward, trace.next_state, trace.next_action):
        bootstrap = Q[s2, a2] if sarsa else Q[s2].max()
        Q[s, a] += alpha * (r + gamma * bootstrap - Q[s, a])
    return Q


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_time_limit_truncates_and_bootstraps(algorithm):
    """An episode cut by the time limit is not terminal: both targets still bootstrap from Q(s', ·)."""
    task = gridworld_task(parse_layout(PRESETS["Sutton & Barto 5×5 (Example 3.5)"].layout, bump_reward=-1), 25)
    config = TDConfig(episodes=4, alpha=0.5, gamma=0.9, epsilon=0.5)
    batch = run_agents(task, config, [3], ALGORITHMS, trace_seed_indices=[0])
    assert np.all(batch.lengths == 25)  # no terminal cell: every episode is truncated
    trace = batch.traces[(algorithm, 0)]
    last = trace.step == 24
    assert not trace.terminated[last].any()
    np.testing.assert_allclose(trace.target, trace.reward + 0.9 * trace.bootstrap)
    np.testing.assert_allclose(trace.q_after, trace.q_before + 0.5 * trace.td_error)

    # Time limit 1 on a two-cell grid without terminals: every transition is truncated, none terminal.  The
    # first update is Q(s0, a0) = q0 + α (r + γ q0 − q0) = 2 + 0.5 (−1 + 0.9·2 − 2) = 1.4; it would be
    # 2 + 0.5 (−1 − 2) = 0.5 if truncation dropped γ Q(s', ·).  Every later Q is checked against a hand replay.
    task = gridworld_task(parse_layout("S .", living_reward=-1.0), max_steps=1)
    config = TDConfig(episodes=12, alpha=0.5, gamma=0.9, epsilon=0.3, epsilon_end=0.3, q_init=2.0)
    batch = run_agents(task, config, [7], [algorithm], trace_seed_indices=[0])
    trace = batch.traces[(algorithm, 0)]
    assert np.all(batch.lengths == 1) and not trace.terminated.any()
    assert trace.q_after[0] == pytest.approx(1.4)
    expected = _hand_replay(trace, task.n_states, task.n_actions, 2.0, 0.5, 0.9, algorithm == "SARSA")
    np.testing.assert_allclose(batch.Q[0, 0], expected, rtol=0, atol=1e-12)
    # the plain Gymnasium loop (TimeLimit truncation) agrees
    np.testing.assert_allclose(run_reference(task, config, 7, algorithm).Q, expected, rtol=0, atol=1e-12)


def test_agent_seeds_are_spawned_streams():
    """seed_i = first word of SeedSequence(seed).spawn(n)[i]: deterministic, distinct, no overlap between seeds."""
    seeds = agent_seeds(5, 4)
    assert seeds == agent_seeds(5, 4)
    children = np.random.SeedSequence(5).spawn(4)
    assert seeds == tuple(int(c.generate_state(1)[0]) for c in children)
    assert len(set(seeds)) == 4 and all(s >= 0 for s in seeds)
    assert not set(agent_seeds(6, 4)) & set(seeds)
    with pytest.raises(InputError, match="seed"):
        agent_seeds(0, 0)


@pytest.mark.parametrize("name", ["cliff", "lake4", "lake8", "gridworld"])
def test_q_in_grid_directions_matches_the_move_each_action_makes(name):
    """Independent of direction_of_action: in an interior cell of a deterministic task, the env action whose
    successor lies one step in grid direction d must carry Q_grid(s, d)."""
    task = {
        "cliff": TASKS["cliff"],
        "lake4": frozen_lake_task("4x4", is_slippery=False),
        "lake8": TASKS["lake8"],
        "gridworld": gridworld_task(parse_layout("S . . .\n. . . .\n. . . +1"), max_steps=40),
    }[name]
    assert (task.mdp.prob.max(axis=2) == 1).all()  # deterministic: the most likely successor is the successor
    Q = np.random.default_rng(0).normal(size=(task.n_states, task.n_actions))
    Q_grid = q_in_grid_directions(task, Q)
    H, W = task.shape
    unit_steps = [tuple(x) for x in DELTAS.tolist()]
    checked = 0
    for s in range(task.n_states):
        r, c = divmod(s, W)
        if task.mdp.terminal[s] or not (0 < r < H - 1 and 0 < c < W - 1):
            continue
        for a in range(task.n_actions):
            k = int(np.argmax(task.mdp.prob[s, a]))
            dr, dc = divmod(int(task.mdp.next_state[s, a, k]), W)
            step = (dr - r, dc - c)
            if step not in unit_steps:
                continue  # CliffWalking: a step into the cliff returns to the start
            assert Q_grid[s, unit_steps.index(step)] == Q[s, a]
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("budget", [None, 700])
def test_traces_cut_episodes_where_the_batch_ended_them(budget):
    """Each traced agent's log, rebuilt after the loop from its lock steps, has the batch's episodes: as many
    steps per episode as ``lengths`` (a budget cuts the last one short), steps numbered 0 … T−1, each step's s
    the previous step's s' within an episode, explored exactly where the action was a random one (ε = 1 in the
    first episodes), and a′ = −1 only at the end of a Q-learning episode. Traced agents that drop out of the
    batch early (the budget, fewer episodes for longer ones) leave the others' logs intact."""
    task = TASKS["cliff"]
    config = TDConfig(episodes=25, alpha=0.5, gamma=1.0, epsilon=1.0, epsilon_end=0.0, epsilon_decay="linear")
    seeds = (3, 8, 21)
    batch = run_agents(task, config, seeds, ALGORITHMS, trace_seed_indices=(0, 2), max_lock_steps=budget)
    for (algorithm, i), trace in batch.traces.items():
        j = ALGORITHMS.index(algorithm)
        done = int(batch.completed[j, i])
        per_episode = np.bincount(trace.episode, minlength=done)
        np.testing.assert_array_equal(per_episode[:done], batch.lengths[j, i, :done])
        if budget is not None:
            assert len(trace.state) == budget  # every env step of the budget is logged
        for e in range(done):
            steps = trace.of_episode(e)
            np.testing.assert_array_equal(steps["step"], np.arange(len(steps["step"])))
            np.testing.assert_array_equal(steps["state"][1:], steps["next_state"][:-1])
            assert steps["state"][0] == task.start_state
            ends = steps["next_action"] == -1
            assert ends.sum() == (0 if algorithm == "SARSA" else 1) and (algorithm == "SARSA" or ends[-1])
        assert trace.explored[trace.episode == 0].all()  # ε = 1: every action of the first episode is random
        np.testing.assert_array_equal(trace.q_after, trace.q_before + 0.5 * trace.td_error)
