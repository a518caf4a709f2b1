"""Core of sheet 1.1 against independent references: textbook values, a plain-Python Q-iteration over the
Gymnasium-style P table, an exact linear solve, and Gymnasium's own FrozenLake table and env checker."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.rl.gridworld import (
    DISCOUNT_GRID_GOALS,
    PRESETS,
    discount_grid_challenges,
    edit_layout,
    frozen_lake_layout,
    frozen_lake_mdp,
    open_grid,
    parse_layout,
    path_outcome,
)
from core.rl.gridworld_env import GridWorldEnv
from core.rl.mdp import (
    TabularMDP,
    backup_at_sweep,
    bellman_backup,
    greedy_mask,
    greedy_path,
    greedy_policy,
    policy_evaluation,
    q_iteration,
    state_values,
    uniform_random_policy,
)


def world_of(name: str, **overrides):
    p = PRESETS[name]
    kwargs = dict(living_reward=p.living_reward, bump_reward=p.bump_reward, slip=p.slip) | overrides
    return parse_layout(p.layout, **kwargs), p.gamma


def reference_q_iteration(P: dict, n_states: int, n_actions: int, gamma: float, epsilon: float):
    """The sheet's algorithm written the slow, obvious way over a toy-text P[s][a] table."""
    Q = np.zeros((n_states, n_actions))
    for _ in range(100_000):
        V = Q.max(axis=1)
        Q_next = np.zeros_like(Q)
        for s in range(n_states):
            for a in range(n_actions):
                Q_next[s, a] = sum(p * (r + gamma * V[s2]) for p, s2, r, *_ in P[s][a])
        delta = np.abs(Q_next.max(axis=1) - V).max()
        Q = Q_next
        if delta <= epsilon:
            return Q
    raise AssertionError("reference did not converge")


# ----------------------------------------------------------------------------------- textbook values


def test_sutton_barto_example_3_5_optimal_values():
    """Sutton & Barto (2018), Figure 3.5: v* of the 5×5 gridworld, γ = 0.9."""
    world, gamma = world_of("Sutton & Barto 5×5 (Example 3.5)")
    result = q_iteration(world.mdp(), gamma, 1e-10)
    expected = np.array(
        [
            [22.0, 24.4, 22.0, 19.4, 17.5],
            [19.8, 22.0, 19.8, 17.8, 16.0],
            [17.8, 19.8, 17.8, 16.0, 14.4],
            [16.0, 17.8, 16.0, 14.4, 13.0],
            [14.4, 16.0, 14.4, 13.0, 11.7],
        ]
    )
    assert result.converged
    np.testing.assert_allclose(result.V.reshape(5, 5), expected, atol=0.051)


def test_sutton_barto_example_3_5_random_policy_values():
    """Sutton & Barto (2018), Figure 3.2: v_π of the equiprobable random policy, γ = 0.9."""
    world, gamma = world_of("Sutton & Barto 5×5 (Example 3.5)")
    result = policy_evaluation(world.mdp(), uniform_random_policy(world.mdp()), gamma, 1e-10)
    expected_rows = np.array(
        [
            [3.3, 8.8, 4.4, 5.3, 1.5],
            [1.5, 3.0, 2.3, 1.9, 0.5],
            [0.1, 0.7, 0.7, 0.4, -0.4],
            [-1.0, -0.4, -0.4, -0.6, -1.2],
            [-1.9, -1.3, -1.2, -1.4, -2.0],
        ]
    )
    np.testing.assert_allclose(result.V.reshape(5, 5), expected_rows, atol=0.051)


def test_sutton_barto_example_4_1_random_policy_values():
    """Sutton & Barto (2018), Figure 4.1 (k = ∞): v_π of the random policy on the 4×4 grid, γ = 1."""
    world, gamma = world_of("Sutton & Barto 4×4 (Example 4.1)")
    result = policy_evaluation(world.mdp(), uniform_random_policy(world.mdp()), gamma, 1e-9)
    expected = np.array([[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]])
    assert result.converged
    np.testing.assert_allclose(result.V.reshape(4, 4), expected, atol=1e-3)


def test_sutton_barto_example_4_1_ties_are_all_kept():
    world, gamma = world_of("Sutton & Barto 4×4 (Example 4.1)")
    mask = q_iteration(world.mdp(), gamma, 1e-9).greedy_actions()
    # cell (1, 1): up and left both reach a terminal in 2 steps
    s = world.state(1, 1)
    assert mask[s].tolist() == [True, False, False, True]
    # cell (0, 3): left (towards (0,0)) and down (towards (3,3)) are both 3 steps away
    assert mask[world.state(0, 3)].tolist() == [False, False, True, True]


# ----------------------------------------------------------------------------------- independent references


@pytest.mark.parametrize("name", list(PRESETS))
def test_vectorized_q_iteration_equals_plain_python_loop(name):
    world, gamma = world_of(name)
    gamma = min(gamma, 0.95)
    env = GridWorldEnv(world)
    expected = reference_q_iteration(env.P, world.n_states, 4, gamma, 1e-9)
    result = q_iteration(world.mdp(), gamma, 1e-9)
    np.testing.assert_allclose(result.Q, expected, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    height=st.integers(1, 6),
    width=st.integers(1, 6),
    slip=st.floats(0, 1),
    gamma=st.floats(0, 0.97),
)
def test_policy_evaluation_equals_linear_solve(seed, height, width, slip, gamma):
    """V^π solves (I − γ P_π) V = r_π exactly; iterative evaluation must agree on random grids and policies."""
    rng = np.random.default_rng(seed)
    tokens = rng.choice([".", ".", ".", "#", "+1", "-1", "~0.5"], size=(height, width))
    tokens[0, 0] = "S"
    world = parse_layout("\n".join(" ".join(r) for r in tokens), living_reward=-0.1, slip=slip)
    mdp = world.mdp()
    pi = rng.dirichlet(np.ones(4), size=world.n_states)
    S = world.n_states
    P_pi = np.zeros((S, S))
    for s in range(S):
        for a in range(4):
            for p, s2, _r in mdp.table(s, a):
                P_pi[s, s2] += pi[s, a] * p
    r_pi = (pi * mdp.expected_reward()).sum(axis=1)
    exact = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
    result = policy_evaluation(mdp, pi, gamma, 1e-11)
    np.testing.assert_allclose(result.V, exact, atol=1e-8)


@pytest.mark.parametrize("map_name", ["4x4", "8x8"])
@pytest.mark.parametrize("slippery", [True, False])
def test_frozen_lake_table_equals_our_gridworld(map_name, slippery):
    """FrozenLake's own P and the same map in our layout language (slip 2/3) are the same MDP."""
    theirs = frozen_lake_mdp(map_name, is_slippery=slippery)
    ours = parse_layout(frozen_lake_layout(map_name), slip=2 / 3 if slippery else 0.0)
    a = q_iteration(theirs, 0.99, 1e-12)
    b = q_iteration(ours.mdp(), 0.99, 1e-12)
    np.testing.assert_allclose(a.Q, b.Q, atol=1e-9)
    np.testing.assert_array_equal(theirs.terminal, ours.terminal.reshape(-1))


def test_frozen_lake_4x4_known_optimal_start_value():
    """The optimal success probability from the start of slippery FrozenLake 4×4 at γ = 0.99 (≈ 0.542)."""
    result = q_iteration(frozen_lake_mdp("4x4"), 0.99, 1e-12)
    assert result.V[0] == pytest.approx(0.5420, abs=5e-4)


@pytest.mark.parametrize("name", list(PRESETS))
def test_env_passes_gymnasium_checker(name):
    world, _ = world_of(name)
    env = GridWorldEnv(world, render_mode="rgb_array")
    check_env(env, skip_render_check=False)


def test_env_samples_match_transition_table():
    world = parse_layout(". . .\n. S .\n. . .", slip=0.5)
    env = GridWorldEnv(world)
    env.reset(seed=3)
    counts = {}
    for _ in range(4000):
        env.reset()
        s2, *_ = env.step(0)  # up from the centre: up 0.5, right 0.25, left 0.25
        counts[s2] = counts.get(s2, 0) + 1
    assert counts.keys() == {world.state(0, 1), world.state(1, 2), world.state(1, 0)}
    assert counts[world.state(0, 1)] / 4000 == pytest.approx(0.5, abs=0.04)
    assert counts[world.state(1, 2)] / 4000 == pytest.approx(0.25, abs=0.04)


# ----------------------------------------------------------------------------------- the algorithm's details


def test_stop_rule_and_error_bound():
    """Stops at the first sweep with max|ΔV| ≤ ε, and then ‖V_k − V*‖∞ ≤ εγ/(1 − γ)."""
    world, _ = world_of("BookGrid 4×3 (AIMA)")
    gamma, eps = 0.9, 1e-3
    result = q_iteration(world.mdp(), gamma, eps)
    assert result.deltas[-1] <= eps and (result.deltas[:-1] > eps).all()
    exact = q_iteration(world.mdp(), gamma, 1e-13).V
    assert np.abs(result.V - exact).max() <= eps * gamma / (1 - gamma) + 1e-12


def test_history_replays_each_sweep():
    world, gamma = world_of("BookGrid 4×3 (AIMA)")
    mdp = world.mdp()
    result = q_iteration(mdp, gamma, 1e-6)
    assert result.Q_history.shape == (result.iterations + 1, world.n_states, 4)
    np.testing.assert_array_equal(result.Q_history[0], 0)
    # Q_{k+1}(s, a) is one Bellman backup of V_k = max_a Q_k
    for k in (0, 3, result.iterations - 1):
        V_k = result.Q_at(k).max(axis=1)
        for s, a in ((world.state(2, 0), 0), (world.state(0, 2), 1)):
            assert bellman_backup(mdp, V_k, s, a, gamma).value == pytest.approx(result.Q_at(k + 1)[s, a], abs=1e-5)


def test_backup_at_sweep_rebuilds_the_best_q_of_that_sweep():
    """backup_at_sweep(k, s) is the argmax action of Q_k(s, ·) and its value is Q_k(s, a*), for Q-iteration and
    for policy evaluation of the random policy (V_{k-1} = Σ_a π(a|s) Q_{k-1})."""
    world, gamma = world_of("BookGrid 4×3 (AIMA)", slip=0.2)
    mdp = world.mdp()
    walls = world.wall.reshape(-1)
    random_policy = uniform_random_policy(mdp)
    runs = [(q_iteration(mdp, gamma, 1e-6), None), (policy_evaluation(mdp, random_policy, gamma, 1e-6), random_policy)]
    for result, policy in runs:
        for k in (1, 2, 5, result.iterations):
            for s in (world.state(2, 0), world.state(0, 0), world.state(1, 2)):
                backup = backup_at_sweep(mdp, result, k, s, policy, absorbing=walls)
                assert backup.action == int(np.argmax(result.Q_at(k)[s]))
                assert backup.value == pytest.approx(result.Q_at(k)[s, backup.action], abs=1e-5)
    first = backup_at_sweep(mdp, runs[0][0], 0, world.state(2, 0))
    assert first.action == 0 and all(t.next_value == 0 for t in first.terms)


def test_gamma_one_without_terminal_does_not_converge():
    world = parse_layout("S . .\n. . .", living_reward=-1.0)
    result = q_iteration(world.mdp(), 1.0, 1e-6, max_iterations=300)
    assert not result.converged
    assert result.iterations == 300
    assert result.deltas[-1] == pytest.approx(1.0)


def test_gamma_one_with_terminal_converges():
    world = parse_layout("S . +1", living_reward=-0.1)
    result = q_iteration(world.mdp(), 1.0, 1e-9)
    assert result.converged
    assert result.V[0] == pytest.approx(-0.1 + 0.9)


def test_greedy_path_on_discount_grid():
    world, _ = world_of("DiscountGrid (CS188)", slip=0.0, living_reward=0.0)
    outcome = path_outcome(world, greedy_mask(q_iteration(world.mdp(), 0.9, 1e-9).Q))
    # without noise and with γ = 0.9 the distant +10 exit along the cliff is best
    assert outcome.exit_reward == 10 and outcome.next_to_negative_terminal
    low_gamma = path_outcome(world, greedy_mask(q_iteration(world.mdp(), 0.1, 1e-9).Q))
    assert low_gamma.exit_reward == 1


def test_state_values_match_the_sweeps_own_values_and_a_plain_loop():
    """V(s) = max_a Q(s, a) after Q-iteration, V(s) = sum_a pi(a|s) Q(s, a) after policy evaluation: both equal
    the V the sweep driver itself reports, and a per-state Python loop; absorbing states are set to 0."""
    world, gamma = world_of("BookGrid 4×3 (AIMA)")
    mdp = world.mdp()
    optimal = q_iteration(mdp, gamma, 1e-10)
    np.testing.assert_allclose(state_values(optimal.Q), optimal.V, atol=1e-9)
    pi = greedy_policy(optimal.Q)
    evaluated = policy_evaluation(mdp, pi, gamma, 1e-10)
    np.testing.assert_allclose(state_values(evaluated.Q, pi), evaluated.V, atol=1e-9)
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(world.n_states, 4))
    policy = rng.dirichlet(np.ones(4), size=world.n_states)
    wall = world.wall.reshape(-1)
    expected_max = [0.0 if wall[s] else max(Q[s]) for s in range(world.n_states)]
    expected_pi = [0.0 if wall[s] else sum(policy[s, a] * Q[s, a] for a in range(4)) for s in range(world.n_states)]
    np.testing.assert_allclose(state_values(Q, absorbing=wall), expected_max)
    np.testing.assert_allclose(state_values(Q, policy, absorbing=wall), expected_pi)


def test_greedy_path_follows_the_first_maximizer_and_stops_at_a_loop():
    world = parse_layout("S . . +1")
    mdp = world.mdp()
    right = np.zeros((4, 4))
    right[:, 1] = 1.0  # always → (action 1)
    np.testing.assert_array_equal(greedy_path(mdp, 0, right), [0, 1, 2, 3])
    # mask and Q give the same path; ties go to the first action (↑ bumps into the border: a loop)
    np.testing.assert_array_equal(greedy_path(mdp, 0, right > 0.5), [0, 1, 2, 3])
    np.testing.assert_array_equal(greedy_path(mdp, 1, np.zeros((4, 4))), [1, 1])
    # → then ← between cells 0 and 1: the repeated state closes the path
    back_and_forth = right.copy()
    back_and_forth[1] = [0, 0, 0, 1]
    np.testing.assert_array_equal(greedy_path(mdp, 0, back_and_forth), [0, 1, 0])
    with pytest.raises(InputError, match="start state"):
        greedy_path(mdp, 9, right)


def test_greedy_path_slot_zero_is_the_intended_move_even_when_slips_are_likelier():
    """slip 0.9: each perpendicular slip (0.45) is likelier than the intended move (0.1)."""
    world = parse_layout(". . .\nS . +1\n. . .", slip=0.9)
    mdp = world.mdp()
    right = np.zeros((world.n_states, 4))
    right[:, 1] = 1.0
    start = world.start_state
    intended = greedy_path(mdp, start, right, successor_slot=0)
    np.testing.assert_array_equal(intended, [start, start + 1, start + 2])
    likeliest = greedy_path(mdp, start, right)
    assert likeliest[1] == int(mdp.next_state[start, 1, int(np.argmax(mdp.prob[start, 1]))]) != start + 1


def _reference_discount_grid(world, Q):
    """Independent walk: follow argmax_a Q over the intended move by coordinates, no transition table."""
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    H, W = world.shape
    r, c = world.start
    visited = []
    while (r, c) not in visited:
        visited.append((r, c))
        if world.terminal[r, c]:
            break
        dr, dc = moves[int(np.argmax(Q[r * W + c]))]
        if 0 <= r + dr < H and 0 <= c + dc < W and not world.wall[r + dr, c + dc]:
            r, c = r + dr, c + dc
    end = visited[-1]
    exit_reward = world.cell_reward[end] if world.terminal[end] else None
    risky = any(
        0 <= r + dr < H and 0 <= c + dc < W and world.terminal[r + dr, c + dc] and world.cell_reward[r + dr, c + dc] < 0
        for r, c in visited[1:]  # the start cell is not chosen by the policy
        if not world.terminal[r, c]
        for dr, dc in moves.values()
    )
    return {
        "a": exit_reward == 1 and risky,
        "b": exit_reward == 1 and not risky,
        "c": exit_reward == 10 and risky,
        "d": exit_reward == 10 and not risky,
        "e": exit_reward is None,
    }


@pytest.mark.parametrize(
    ("gamma", "slip", "living", "goal"),
    [
        (0.1, 0.0, 0.0, "a"),  # short horizon, no noise: the close exit along the cliff
        (0.2, 0.2, 0.0, "b"),  # short horizon with noise: the close exit by the top road
        (0.5, 0.0, 0.0, "c"),  # longer horizon, no noise: the distant exit along the cliff
        (0.5, 0.2, 0.0, "d"),  # longer horizon with noise: the distant exit by the top road
        (0.1, 0.2, 0.0, "e"),  # very short horizon with noise: no exit is worth the risk, the path loops
    ],
)
def test_discount_grid_challenges_agree_with_an_independent_walk(gamma, slip, living, goal):
    p = PRESETS["DiscountGrid (CS188)"]
    world = parse_layout(p.layout, slip=slip, living_reward=living)
    result = q_iteration(world.mdp(), gamma, 1e-9, max_iterations=5000)
    mask = greedy_mask(result.Q)
    achieved = discount_grid_challenges(world, mask)
    assert achieved == _reference_discount_grid(world, mask)
    assert achieved.keys() == DISCOUNT_GRID_GOALS.keys()
    assert [c for c, ok in achieved.items() if ok] == [goal]


# ----------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "layout, message",
    [
        ("", "empty"),
        ("# #\n# #", "Every cell is a wall"),
        (". .\n.", "same width"),
        ("S . S", "start cells"),
        (". ? .", "Unknown cell"),
        ("A+1 . .", "no target"),
    ],
)
def test_parse_errors_name_the_problem(layout, message):
    with pytest.raises(InputError, match=message):
        parse_layout(layout)


def test_wall_on_start_is_refused():
    with pytest.raises(InputError, match="inside a wall"):
        edit_layout("S . .", 0, 0, "#")
    assert edit_layout("S . .", 0, 2, "S") == ". . S"


def test_bad_gamma_and_epsilon():
    mdp = parse_layout("S +1").mdp()
    with pytest.raises(InputError, match="gamma"):
        q_iteration(mdp, 1.5)
    with pytest.raises(InputError, match="epsilon"):
        q_iteration(mdp, 0.9, 0.0)


def test_open_grid_benchmark_layout_solves():
    world = parse_layout(open_grid(20, 20), slip=0.2)
    result = q_iteration(world.mdp(), 0.99, 1e-6)
    assert result.converged and result.V[0] > 0


def test_large_grid_uses_torch_path_and_matches_numpy_gather():
    """Above TORCH_MIN_PAIRS the sweep runs on torch's sparse matvec; it must equal the plain NumPy sweep."""
    from core.rl.mdp import TORCH_MIN_PAIRS

    world = parse_layout(open_grid(80, 80), slip=0.2, living_reward=-0.01)
    mdp = world.mdp()
    assert mdp.n_states * mdp.n_actions >= TORCH_MIN_PAIRS
    result = q_iteration(mdp, 0.95, 1e-8, keep_history=False)
    r = mdp.expected_reward()
    V = np.zeros(mdp.n_states)
    for _ in range(result.iterations):
        Q = r + 0.95 * (mdp.prob * V[mdp.next_state]).sum(axis=2)
        V = Q.max(axis=1)
    np.testing.assert_allclose(result.Q, Q, atol=1e-10)


def random_mdp(seed: int, S: int, A: int, K: int) -> TabularMDP:
    """A general MDP, no grid: K random successors per (s, a) anywhere in the state space (repeats and zero
    probabilities included), rewards that are often 0, a few terminal states."""
    rng = np.random.default_rng(seed)
    next_state = rng.integers(0, S, size=(S, A, K))
    prob = rng.random((S, A, K)) * (rng.random((S, A, K)) < 0.8)
    prob[..., 0] += 1e-3  # no all-zero row
    prob /= prob.sum(axis=2, keepdims=True)
    reward = rng.normal(size=(S, A, K)) * (rng.random((S, A, K)) < 0.3)
    terminal = rng.random(S) < 0.05
    return TabularMDP(next_state, prob, reward, terminal, tuple(str(a) for a in range(A)))


@pytest.mark.parametrize("backend", ["scipy", "torch"])
def test_backup_matrix_is_one_bellman_backup_of_any_table(backend):
    """[γP | r] [V; 1] is the backup r(s, a) + γ Σ_{s'} P(s'|s, a) V(s'), summed slot by slot in plain Python."""
    S, A, K, gamma = 23, 3, 5, 0.9
    mdp = random_mdp(7, S, A, K)
    V = np.random.default_rng(1).normal(size=S)
    expected = np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            for k in range(K):
                p, s2, r = mdp.prob[s, a, k], mdp.next_state[s, a, k], mdp.reward[s, a, k]
                expected[s, a] += p * r + gamma * p * V[s2]
    M = mdp.backup_matrix(gamma, backend)
    assert tuple(M.shape) == (A * S, S + 1)
    x = np.append(V, 1.0)
    Q = (M @ x) if backend == "scipy" else (M @ torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(Q.reshape(A, S).T, expected, atol=1e-12)  # rows action-major: a*S + s


def test_large_general_mdp_sweeps_equal_plain_numpy_gather():
    """On a large MDP with no grid structure (torch's sparse matvec), Q-iteration and policy evaluation equal
    the plain NumPy sweep that gathers V at every successor slot, sweep for sweep; Q_0 is not modified."""
    from core.rl.mdp import TORCH_MIN_PAIRS

    mdp = random_mdp(3, 6_000, 4, 4)
    assert mdp.n_states * mdp.n_actions >= TORCH_MIN_PAIRS
    r = mdp.expected_reward()
    Q0 = np.random.default_rng(2).normal(size=(mdp.n_states, mdp.n_actions))
    Q0_before = Q0.copy()
    pi = np.random.default_rng(4).dirichlet(np.ones(4), size=mdp.n_states)
    runs = (
        # (result, V_0, V_k from Q_k)
        (q_iteration(mdp, 0.9, 1e-9, Q0=Q0, keep_history=False), Q0.max(axis=1), lambda Q: Q.max(axis=1)),
        (policy_evaluation(mdp, pi, 0.9, 1e-9, keep_history=False), np.zeros(mdp.n_states), lambda Q: (pi * Q).sum(1)),
    )
    for result, V, backup in runs:
        deltas = []
        for _ in range(result.iterations):
            Q = r + 0.9 * (mdp.prob * V[mdp.next_state]).sum(axis=2)
            V_next = backup(Q)
            deltas.append(np.abs(V_next - V).max())
            V = V_next
        assert result.converged and result.iterations > 10
        np.testing.assert_allclose(result.Q, Q, atol=1e-10)
        np.testing.assert_allclose(result.V, V, atol=1e-10)
        np.testing.assert_allclose(result.deltas, deltas, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(Q0, Q0_before)
