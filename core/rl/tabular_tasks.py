"""Episodic tabular tasks for Q-learning and SARSA (sheet 1.2): their tables, start distributions, time limits
and real Gymnasium environments.

* CliffWalking-v1 and FrozenLake-v1 are read from Gymnasium's own ``env.unwrapped.P``;
* any page-1.1 gridworld runs through :class:`core.rl.gridworld_env.GridWorldEnv`;
* :func:`make_env` gives the real environment with its ``TimeLimit`` (the reference loop in
  :mod:`core.rl.tabular` steps it);
* helpers that read a learned table against the task: reachable states, Q* by Q-iteration, whether the greedy
  policy is optimal, and Q re-indexed by grid direction for drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from core.errors import InputError
from core.rl.gridworld import GridWorld, frozen_lake_layout, parse_layout
from core.rl.gridworld_env import GridWorldEnv
from core.rl.mdp import TabularMDP, q_iteration

# CliffWalking: 4×12, start bottom-left, the cliff along the bottom edge, goal bottom-right.
CLIFF_SHAPE = (4, 12)


@dataclass(frozen=True)
class TabularTask:
    """An episodic tabular task: the explicit table (for Q* and drawing) plus how its env starts and stops."""

    name: str
    mdp: TabularMDP
    """Transition table; terminal states are absorbing with reward 0, so Q(terminal, ·) = 0."""
    start_probs: np.ndarray
    """(S,) initial-state distribution."""
    reset_draws: bool
    """Whether the environment's reset consumes one uniform (Gymnasium toy-text) or none (GridWorldEnv)."""
    max_steps: int
    """Time limit: an episode is truncated after this many steps (Gymnasium's TimeLimit)."""
    shape: tuple[int, int]
    """(H, W) of the grid; state s is cell (s // W, s % W)."""
    world: GridWorld
    """A gridworld with the same cells, for drawing (CliffWalking's cliff appears as −100 cells)."""
    env_id: str | None = None
    """Gymnasium id of the real environment, or None for the page-1.1 gridworld."""
    env_kwargs: tuple[tuple[str, object], ...] = ()
    direction_of_action: tuple[int, ...] = (0, 1, 2, 3)
    """Grid direction (0 up, 1 right, 2 down, 3 left) of each env action, for drawing."""

    @property
    def n_states(self) -> int:
        return self.mdp.n_states

    @property
    def n_actions(self) -> int:
        return self.mdp.n_actions

    @property
    def start_state(self) -> int:
        """The most likely start state argmax_s p_0(s) (the only one in every task here)."""
        return int(np.argmax(self.start_probs))


def _absorbing(mdp: TabularMDP, terminal: np.ndarray) -> TabularMDP:
    """The same table with ``terminal`` states made absorbing with reward 0 (an episode ends on arrival)."""
    next_state, prob, reward = mdp.next_state.copy(), mdp.prob.copy(), mdp.reward.copy()
    ends = np.flatnonzero(terminal)
    next_state[ends] = ends[:, None, None]
    prob[ends] = 0.0
    prob[ends, :, 0] = 1.0
    reward[ends] = 0.0
    return TabularMDP(next_state, prob, reward, terminal.copy(), mdp.action_names)


def _from_env(env: gym.Env, action_names: Sequence[str]) -> tuple[TabularMDP, np.ndarray]:
    """Read ``env.unwrapped.P`` into a TabularMDP whose terminal states are those the env ends episodes on.

    TabularMDP.from_gymnasium_P only recognises terminal states written as zero-reward self-loops (FrozenLake);
    CliffWalking's goal still has moves out of it, so terminal states are taken from the ``terminated`` flags.
    """
    raw = env.unwrapped
    P = raw.P
    S, A = env.observation_space.n, env.action_space.n
    mdp = TabularMDP.from_gymnasium_P(P, S, A, action_names)
    terminal = mdp.terminal.copy()
    for s in range(S):
        for a in range(A):
            for p, s_next, _r, done in P[s][a]:
                if done and p > 0:
                    terminal[int(s_next)] = True
    return _absorbing(mdp, terminal), np.asarray(raw.initial_state_distrib, dtype=float)


def cliff_walking_task(max_steps: int = 500) -> TabularTask:
    """Gymnasium's CliffWalking-v1: −1 per step, stepping into the cliff costs −100 and sends the agent back
    to the start (3, 0) without ending the episode; arriving at the goal (3, 11) ends it."""
    _check_max_steps(max_steps)
    env = gym.make("CliffWalking-v1")
    try:
        mdp, start = _from_env(env, ("up", "right", "down", "left"))
    finally:
        env.close()
    H, W = CLIFF_SHAPE
    rows = [["."] * W for _ in range(H)]
    rows[3][0], rows[3][W - 1] = "S", "T"
    for c in range(1, W - 1):
        rows[3][c] = "-100"
    world = parse_layout("\n".join(" ".join(r) for r in rows))
    return TabularTask("CliffWalking-v1", mdp, start, True, int(max_steps), CLIFF_SHAPE, world, "CliffWalking-v1")


def frozen_lake_task(map_name: str = "4x4", is_slippery: bool = True, max_steps: int | None = None) -> TabularTask:
    """Gymnasium's FrozenLake-v1 (4x4 or 8x8, slippery or not); the time limit defaults to Gymnasium's own."""
    from gymnasium.envs.toy_text.frozen_lake import MAPS

    if map_name not in MAPS:
        raise InputError(f"Unknown FrozenLake map '{map_name}'; use 4x4 or 8x8.")
    limit = max_steps if max_steps is not None else (100 if map_name == "4x4" else 200)
    _check_max_steps(limit)
    env = gym.make("FrozenLake-v1", map_name=map_name, is_slippery=bool(is_slippery))
    try:
        mdp, start = _from_env(env, ("left", "down", "right", "up"))
    finally:
        env.close()
    world = parse_layout(frozen_lake_layout(map_name))
    kwargs = (("map_name", map_name), ("is_slippery", bool(is_slippery)))
    name = f"FrozenLake-v1 {map_name}{' slippery' if is_slippery else ''}"
    # FrozenLake numbers its actions left, down, right, up
    return TabularTask(name, mdp, start, True, int(limit), world.shape, world, "FrozenLake-v1", kwargs, (3, 2, 1, 0))


def gridworld_task(world: GridWorld, max_steps: int = 200, name: str = "Gridworld") -> TabularTask:
    """A page-1.1 gridworld (any layout) through :class:`core.rl.gridworld_env.GridWorldEnv`."""
    _check_max_steps(max_steps)
    mdp = world.mdp()
    if world.terminal[world.start]:
        raise InputError("The start cell is a terminal cell: every episode would end before it begins.")
    start = np.zeros(world.n_states)
    start[world.state(*world.start)] = 1.0
    return TabularTask(name, mdp, start, False, int(max_steps), world.shape, world)


def _check_max_steps(max_steps: int) -> None:
    if max_steps is None or int(max_steps) < 1:
        raise InputError(f"The time limit must be at least 1 step per episode; got {max_steps}.")


def make_env(task: TabularTask) -> gym.Env:
    """The real Gymnasium environment of a task, with its time limit."""
    if task.env_id is not None:
        return gym.make(task.env_id, max_episode_steps=task.max_steps, **dict(task.env_kwargs))
    return gym.wrappers.TimeLimit(GridWorldEnv(task.world), max_episode_steps=task.max_steps)


def reachable_states(task: TabularTask) -> np.ndarray:
    """(S,) bool: states reachable from a start state (CliffWalking's cliff cells never are)."""
    mdp = task.mdp
    seen = task.start_probs > 0
    frontier = seen.copy()
    while frontier.any():
        successors = mdp.next_state[frontier][mdp.prob[frontier] > 0]
        new = np.zeros_like(seen)
        new[successors] = True
        frontier = new & ~seen
        seen |= new
    return seen


def optimal_q(task: TabularTask, gamma: float) -> np.ndarray | None:
    """Q* by Q-iteration (sheet 1.1) on the task's table, or None when it does not converge (γ = 1 with no
    reachable end, say)."""
    mdp = task.mdp
    # a fresh table: q_iteration caches its sparse matrix on the object, and tasks may be shared between runs
    fresh = TabularMDP(mdp.next_state, mdp.prob, mdp.reward, mdp.terminal, mdp.action_names)
    result = q_iteration(fresh, gamma, epsilon=1e-10, max_iterations=20_000, keep_history=False)
    return result.Q if result.converged else None


def plain_gymnasium_steps(task: TabularTask, n_steps: int, seed: int = 0) -> int:
    """A plain per-step loop over the real env with random actions (the benchmark's baseline); returns the
    number of steps taken."""
    env = make_env(task)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    for _ in range(n_steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    env.close()
    return n_steps


# --------------------------------------------------------------------------------------------- reading Q


def greedy_policy_matches(
    task: TabularTask, Q: np.ndarray, Q_star: np.ndarray, states: np.ndarray | None = None, tol: float = 1e-6
) -> bool:
    """Whether argmax_a Q(s, a) is an optimal action (an argmax of Q*) in ``states`` (default: every reachable
    non-terminal state)."""
    if states is None:
        states = reachable_states(task) & ~task.mdp.terminal
    judged = np.flatnonzero(states) if np.asarray(states).dtype == bool else np.asarray(states)
    chosen = Q[judged].argmax(axis=1)
    best = Q_star[judged].max(axis=1)
    return bool(np.all(Q_star[judged, chosen] >= best - tol))


def q_in_grid_directions(task: TabularTask, Q: np.ndarray) -> np.ndarray:
    """Q re-indexed by grid direction (0 up, 1 right, 2 down, 3 left) for drawing:

        Q_grid(s, d(a)) = Q(s, a),   d(a) = ``task.direction_of_action[a]``

    (FrozenLake numbers its actions left, down, right, up, so there Q_grid(s, ·) = Q(s, [3, 2, 1, 0])).
    """
    Q = np.asarray(Q)
    if Q.shape != (task.n_states, task.n_actions):
        raise InputError(f"Q must have shape (S, A) = ({task.n_states}, {task.n_actions}); got {Q.shape}.")
    Q_grid = np.empty_like(Q)
    # Q_grid(s, d(a)) = Q(s, a)
    Q_grid[:, list(task.direction_of_action)] = Q
    return Q_grid
