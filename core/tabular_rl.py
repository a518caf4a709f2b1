"""Model-free tabular RL: Q-learning and SARSA with ε-greedy exploration (sheet 1.2).

The agent does not know ``P(s'|s, a)`` or ``r(s, a)``: it acts, observes ``r`` and ``s'`` and updates

* Q-learning (off-policy):  Q(s, a) ← Q(s, a) + α [r + γ max_{a'} Q(s', a') − Q(s, a)]
* SARSA (on-policy):        Q(s, a) ← Q(s, a) + α [r + γ Q(s', a') − Q(s, a)],  a' drawn ε-greedily at s'

ε-greedy: with probability ε a uniformly random action (exploration), otherwise argmax_a Q(s, a)
(exploitation), ties broken uniformly at random.

## Many agents at once

:func:`run_agents` runs a whole batch of independent agents (every algorithm × every seed) in lock step: one
NumPy operation moves all of them one environment step, so the per-step Python overhead is shared by the batch.
An agent that ends an episode resets on its own and goes on; an agent that has finished all its episodes drops
out of the batch.

## Random numbers: the same trajectories as a real Gymnasium loop

Agent ``i`` draws every random number from one stream, ``gymnasium.utils.seeding.np_random(seed_i)``: exactly
the generator that ``env.reset(seed=seed_i)`` gives a Gymnasium environment.  :func:`run_reference` steps the
real environment and lets the agent draw from ``env.unwrapped.np_random``, so both loops consume one stream in
the same order:

    reset            1 uniform (toy-text envs draw the start state; the gridworld env draws none)
    choose a at s    2 uniforms: u1 < ε explores; u2 picks the random action or breaks greedy ties
    env.step(a)      1 uniform (the successor, ``argmax(cumsum(P(.|s, a)) > u)``)
    choose a' at s'  2 uniforms, SARSA always (a' enters its target), Q-learning only if the episode goes on

and so give identical trajectories for the same seed.  Q-learning chooses a' *after* its update (Sutton &
Barto's pseudocode; it matters when s' = s), SARSA before it (a' is in its target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from core.errors import InputError
from core.gridworld import GridWorld, GridWorldEnv, parse_layout
from core.mdp import TabularMDP, q_iteration

ALGORITHMS = ("Q-learning", "SARSA")
EPSILON_DECAYS = ("constant", "linear", "exponential")
# Exponential decay closes all but this fraction of the gap ε_start − ε_end by the last episode.
EXPONENTIAL_REMAINDER = 0.01
# Uniforms per agent kept ready; refilled every _REFILL_EVERY lock steps (a step uses at most 6).
_BUFFER = 6 * 1024
_REFILL_EVERY = 1000
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


@dataclass(frozen=True)
class TDConfig:
    """Hyperparameters of one tabular TD run (shared by every agent of a batch)."""

    episodes: int = 500
    """Number of episodes each agent learns for."""
    alpha: float = 0.5
    """Step size α ∈ (0, 1] of the update Q ← Q + α δ."""
    alpha_decay_power: float = 0.0
    """ω ∈ [0, 1]: the step size of the n-th update of (s, a) is α / n^ω (0: constant α; 1: sample average)."""
    gamma: float = 1.0
    """Discount γ ∈ [0, 1]."""
    epsilon: float = 0.1
    """ε ∈ [0, 1] of ε-greedy in the first episode."""
    epsilon_end: float = 0.1
    """ε in the last episode when ε decays."""
    epsilon_decay: str = "constant"
    """How ε goes from ``epsilon`` to ``epsilon_end`` over the episodes: constant, linear or exponential."""
    q_init: float = 0.0
    """Initial Q(s, a) of every non-terminal state (optimistic when above the returns)."""

    def validate(self) -> None:
        if not isinstance(self.episodes, (int, np.integer)) or self.episodes < 1:
            raise InputError(f"The number of episodes must be a whole number of at least 1; got {self.episodes}.")
        if not 0.0 < self.alpha <= 1.0:
            raise InputError(f"The step size α must lie in (0, 1]; got {self.alpha}.")
        if not 0.0 <= self.alpha_decay_power <= 1.0:
            raise InputError(f"The step-size decay power ω must lie in [0, 1]; got {self.alpha_decay_power}.")
        if not 0.0 <= self.gamma <= 1.0:
            raise InputError(f"The discount γ must lie in [0, 1]; got {self.gamma}.")
        for name, value in (("ε", self.epsilon), ("the final ε", self.epsilon_end)):
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{name} of ε-greedy is a probability and must lie in [0, 1]; got {value}.")
        if self.epsilon_decay not in EPSILON_DECAYS:
            raise InputError(f"Unknown ε decay '{self.epsilon_decay}'; choose one of {', '.join(EPSILON_DECAYS)}.")
        if not np.isfinite(self.q_init):
            raise InputError("The initial Q value must be a finite number.")


def epsilon_schedule(config: TDConfig) -> np.ndarray:
    """ε_e for episodes e = 0 … E−1.

    constant:     ε_e = ε
    linear:       ε_e = ε + (ε_end − ε) e / (E − 1)
    exponential:  ε_e = ε_end + (ε − ε_end) · 0.01^{e / (E − 1)}
    """
    config.validate()
    E = config.episodes
    fraction = np.arange(E) / max(E - 1, 1)
    if config.epsilon_decay == "linear":
        # ε_e = ε + (ε_end − ε) e / (E − 1)
        return config.epsilon + (config.epsilon_end - config.epsilon) * fraction
    if config.epsilon_decay == "exponential":
        # ε_e = ε_end + (ε − ε_end) · 0.01^{e/(E−1)}
        return config.epsilon_end + (config.epsilon - config.epsilon_end) * EXPONENTIAL_REMAINDER**fraction
    return np.full(E, config.epsilon)


# --------------------------------------------------------------------------------------------- tasks


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

    from core.gridworld import frozen_lake_layout

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
    """A page-1.1 gridworld (any layout) through :class:`core.gridworld.GridWorldEnv`."""
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


# --------------------------------------------------------------------------------------------- batch


@dataclass
class Trace:
    """Every update of one agent, one row per environment step (for replaying an episode)."""

    episode: np.ndarray
    step: np.ndarray
    state: np.ndarray
    action: np.ndarray
    explored: np.ndarray
    """Whether the action was the ε-random one."""
    reward: np.ndarray
    next_state: np.ndarray
    next_action: np.ndarray
    """a' chosen at s' (−1 where none was chosen: Q-learning at an episode's end)."""
    terminated: np.ndarray
    bootstrap: np.ndarray
    """max_{a'} Q(s', a') for Q-learning, Q(s', a') for SARSA (0 at a terminal s')."""
    target: np.ndarray
    """TD target r + γ · bootstrap."""
    q_before: np.ndarray
    td_error: np.ndarray
    """δ = target − Q(s, a)."""
    step_size: np.ndarray
    q_after: np.ndarray

    def of_episode(self, e: int) -> dict[str, np.ndarray]:
        keep = self.episode == e
        return {name: value[keep] for name, value in vars(self).items()}


@dataclass
class BatchResult:
    """Learning curves and final tables of a batch of agents: axis 0 the algorithm, axis 1 the seed."""

    algorithms: tuple[str, ...]
    seeds: tuple[int, ...]
    returns: np.ndarray
    """(n_alg, n_seeds, E) sum of rewards of each episode."""
    lengths: np.ndarray
    """(n_alg, n_seeds, E) steps of each episode."""
    q_error: np.ndarray | None
    """(n_alg, n_seeds, E) max over reachable non-terminal (s, a) of |Q(s, a) − Q*(s, a)| after each episode."""
    Q: np.ndarray
    """(n_alg, n_seeds, S, A) the learned tables."""
    visits: np.ndarray
    """(n_alg, n_seeds, S) how often each state was occupied (starts and arrivals)."""
    epsilons: np.ndarray
    """(E,) ε of each episode."""
    traces: dict[tuple[str, int], Trace]
    """(algorithm, seed index) -> its full step log, for the traced agents."""
    steps: int
    """Total environment steps taken by all agents together."""
    completed: np.ndarray
    """(n_alg, n_seeds) episodes each agent finished (all of them unless the step budget ran out)."""
    lock_steps: int
    """Iterations of the lock-step loop (the longest agent's total steps)."""


def _check_batch(task: TabularTask, algorithms: Sequence[str], seeds: Sequence[int]) -> None:
    if not algorithms:
        raise InputError("Choose at least one algorithm (Q-learning or SARSA).")
    for name in algorithms:
        if name not in ALGORITHMS:
            raise InputError(f"Unknown algorithm '{name}'; choose from {', '.join(ALGORITHMS)}.")
    if not len(seeds):
        raise InputError("At least one seed is needed.")
    if any(int(s) < 0 for s in seeds):
        raise InputError("Seeds must be non-negative whole numbers.")
    if task.start_probs.sum() <= 0:
        raise InputError("The task has no start state.")


def _choose(q: np.ndarray, u1: np.ndarray, u2: np.ndarray, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ε-greedy for a batch: rows of q are Q(s, ·); u1 < ε explores (action ⌊u2·A⌋), else the ⌊u2·n⌋-th of the
    n tied maximizers."""
    A = q.shape[1]
    ties = q == q.max(axis=1, keepdims=True)
    pick = (u2 * ties.sum(axis=1)).astype(np.int64)
    greedy = (np.cumsum(ties, axis=1) > pick[:, None]).argmax(axis=1)
    explore = u1 < eps
    return np.where(explore, (u2 * A).astype(np.int64), greedy), explore


def run_agents(
    task: TabularTask,
    config: TDConfig,
    seeds: Sequence[int],
    algorithms: Sequence[str] = ALGORITHMS,
    Q_star: np.ndarray | None = None,
    trace_seed_indices: Sequence[int] = (),
    max_lock_steps: int | None = None,
) -> BatchResult:
    """Q-learning and/or SARSA for every seed, all agents vectorized in one NumPy batch.

    Per step, for every agent:  take a, observe r and s';  TD target
        Q-learning: r + γ max_{a'} Q(s', a')        SARSA: r + γ Q(s', a'),  a' ε-greedy at s'
    (the bootstrap term is 0 when s' is terminal);  Q(s, a) ← Q(s, a) + α_n [target − Q(s, a)],
    with α_n = α / n(s, a)^ω.  Agent (algorithm j, seed i) draws from ``seeding.np_random(seeds[i])``.
    ``max_lock_steps`` caps the work (a page's budget): episodes not finished by then are NaN in ``returns``.
    """
    config.validate()
    _check_batch(task, algorithms, seeds)
    mdp = task.mdp
    S, A, K = mdp.next_state.shape
    E = config.episodes
    n_alg, n_seeds = len(algorithms), len(seeds)
    n = n_alg * n_seeds
    gamma, alpha, omega = float(config.gamma), float(config.alpha), float(config.alpha_decay_power)
    eps_of_episode = epsilon_schedule(config)

    # agent id = algorithm index * n_seeds + seed index
    generators = [seeding.np_random(int(seed))[0] for _ in algorithms for seed in seeds]
    buffer = np.stack([g.random(_BUFFER) for g in generators])  # (n, _BUFFER)
    sarsa_of_agent = np.repeat([name == "SARSA" for name in algorithms], n_seeds)

    # Every table is used through flat 1-D views: NumPy gathers from a 1-D array with one index array
    # ~30× faster than from a 3-D array with three.
    next_state_flat = mdp.next_state.reshape(-1)  # (S*A*K,) slot (s, a, k) at (s*A + a)*K + k
    reward_flat = mdp.reward.reshape(-1)
    cum_prob = np.cumsum(mdp.prob, axis=2).reshape(S * A, K)  # the env samples argmax(cumsum(P) > u)
    terminal = mdp.terminal
    start_cum = np.cumsum(task.start_probs)
    fixed_start = int(np.argmax(task.start_probs))

    Q = np.full((n, S, A), float(config.q_init))
    Q[:, terminal, :] = 0.0
    Q_flat = Q.reshape(-1)  # (n*S*A,) entry (agent, s, a) at (agent*S + s)*A + a
    Q_rows = Q.reshape(n * S, A)  # row agent*S + s holds Q(s, ·) of that agent
    counts = np.zeros(n * S * A, dtype=np.int64)
    visits = np.zeros(n * S, dtype=np.int64)
    returns = np.full((n, E), np.nan)
    lengths = np.zeros((n, E), dtype=np.int64)
    q_error = np.full((n, E), np.nan) if Q_star is not None else None
    if Q_star is not None:
        # flat (s, a) entries judged: reachable, non-terminal s
        judged = np.flatnonzero(np.repeat(reachable_states(task) & ~terminal, A))
        Q_star_judged = Q_star.reshape(-1)[judged]  # (n_judged,)
    buffer_flat = buffer.reshape(-1)  # (n*_BUFFER,)

    # the batch of active agents ("slots"); per-agent tables are indexed through ids[slot]
    ids = np.arange(n)
    row0 = ids * S  # first row of each slot's agent in Q_rows
    buf0 = ids * _BUFFER
    cursor = np.zeros(n, dtype=np.int64)
    sarsa = sarsa_of_agent.copy()
    episode = np.zeros(n, dtype=np.int64)
    t = np.zeros(n, dtype=np.int64)
    G = np.zeros(n)

    def draw(slots: np.ndarray) -> np.ndarray:
        u = buffer_flat[buf0[slots] + cursor[slots]]
        cursor[slots] += 1
        return u

    def reset(slots: np.ndarray) -> np.ndarray:
        if task.reset_draws:
            # the env's categorical_sample: argmax(cumsum(p0) > u)
            return (start_cum[None, :] > draw(slots)[:, None]).argmax(axis=1)
        return np.full(len(slots), fixed_start, dtype=np.int64)

    def choose(slots: np.ndarray, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u1 = draw(slots)
        u2 = draw(slots)
        return _choose(Q_rows[row0[slots] + states], u1, u2, eps_of_episode[episode[slots]])

    traced = {(algorithms[i // n_seeds], i % n_seeds): i for i in range(n) if i % n_seeds in set(trace_seed_indices)}
    logs: dict[int, list] = {i: [] for i in traced.values()}

    everyone = np.arange(n)
    s = reset(everyone)
    visits[row0 + s] += 1
    a, explored = choose(everyone, s)

    steps = lock_steps = 0
    slots = np.arange(n)
    while len(ids):
        if max_lock_steps is not None and lock_steps >= max_lock_steps:
            break
        m = len(ids)
        if lock_steps % _REFILL_EVERY == 0 and lock_steps:
            for slot, agent in enumerate(ids):
                rest = buffer[agent, cursor[slot] :].copy()
                buffer[agent, : len(rest)] = rest
                buffer[agent, len(rest) :] = generators[agent].random(_BUFFER - len(rest))
                cursor[slot] = 0
        lock_steps += 1
        steps += m

        # the environment: s' ~ P(.|s, a) by argmax(cumsum(P) > u), r = r(s, a, s')
        u = buffer_flat[buf0 + cursor]
        cursor += 1
        s_a = s * A + a
        k = (cum_prob[s_a] > u[:, None]).argmax(axis=1) if K > 1 else 0
        s_next = next_state_flat[s_a * K + k]
        r = reward_flat[s_a * K + k]
        term = terminal[s_next]
        t += 1
        done = term | (t >= task.max_steps)
        G += r
        row_next = row0 + s_next
        visits[row_next] += 1

        # a' at s': SARSA always (it is in the target), Q-learning when the episode goes on
        chooses = sarsa | ~done
        u1 = buffer_flat[buf0 + cursor]
        u2 = buffer_flat[buf0 + cursor + 1]
        cursor += 2 * chooses
        q_next = Q_rows[row_next]  # (m, A)
        a_next, explored_next = _choose(q_next, u1, u2, eps_of_episode[episode])

        # target: Q-learning r + γ max_a' Q(s', a');  SARSA r + γ Q(s', a');  nothing to bootstrap at a terminal s'
        bootstrap = np.where(sarsa, q_next.reshape(-1)[slots * A + a_next], q_next.max(axis=1))
        bootstrap[term] = 0.0
        target = r + gamma * bootstrap
        entry = (row0 + s) * A + a
        q_sa = Q_flat[entry]
        if omega:
            counts[entry] += 1
            # α_n = α / n(s, a)^ω
            step_size = alpha / counts[entry] ** omega
        else:
            step_size = alpha
        # δ = target − Q(s, a);  Q(s, a) ← Q(s, a) + α δ
        td_error = target - q_sa
        q_new = q_sa + step_size * td_error
        Q_flat[entry] = q_new

        # Q-learning chooses a' after its update: redo the greedy choice where the update touched Q(s', ·)
        redo = ~sarsa & ~done & ~explored_next & (s_next == s)
        if redo.any():
            again = np.flatnonzero(redo)
            a_next[again], _ = _choose(Q_rows[row_next[again]], u1[again], u2[again], np.zeros(len(again)))

        if logs:
            for slot in np.flatnonzero(np.isin(ids, list(logs))):
                logs[int(ids[slot])].append(
                    (
                        episode[slot],
                        t[slot] - 1,
                        s[slot],
                        a[slot],
                        explored[slot],
                        r[slot],
                        s_next[slot],
                        a_next[slot] if chooses[slot] else -1,
                        term[slot],
                        bootstrap[slot],
                        target[slot],
                        q_sa[slot],
                        td_error[slot],
                        step_size if np.isscalar(step_size) else step_size[slot],
                        q_new[slot],
                    )
                )

        s, a, explored = s_next, a_next, explored_next
        if not done.any():
            continue

        # episode ends: record, then reset (or drop agents that have run all their episodes)
        ended = np.flatnonzero(done)
        agents = ids[ended]
        returns[agents, episode[ended]] = G[ended]
        lengths[agents, episode[ended]] = t[ended]
        if q_error is not None:
            # ‖Q − Q*‖∞ over reachable non-terminal (s, a)
            learned = Q_flat[(agents * (S * A))[:, None] + judged[None, :]]  # (ended, n_judged)
            error = np.abs(learned - Q_star_judged).max(axis=1)
            q_error[agents, episode[ended]] = error
        episode[ended] += 1
        G[ended] = 0.0
        t[ended] = 0
        going_on = ended[episode[ended] < E]
        if len(going_on):
            s[going_on] = reset(going_on)
            visits[row0[going_on] + s[going_on]] += 1
            a[going_on], explored[going_on] = choose(going_on, s[going_on])
        if len(going_on) < len(ended):
            keep = episode < E
            ids, row0, buf0, cursor, sarsa = ids[keep], row0[keep], buf0[keep], cursor[keep], sarsa[keep]
            episode, t, G, s, a, explored = episode[keep], t[keep], G[keep], s[keep], a[keep], explored[keep]
            slots = np.arange(len(ids))

    fields = Trace.__dataclass_fields__
    traces = {}
    for key, agent in traced.items():
        rows = logs[agent]
        columns = list(zip(*rows)) if rows else [[] for _ in fields]
        traces[key] = Trace(*(np.asarray(col) for col in columns))

    def per_algorithm(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_alg, n_seeds, *x.shape[1:])  # (n, ...) -> (n_alg, n_seeds, ...)

    return BatchResult(
        algorithms=tuple(algorithms),
        seeds=tuple(int(x) for x in seeds),
        returns=per_algorithm(returns),
        lengths=per_algorithm(lengths),
        q_error=per_algorithm(q_error) if q_error is not None else None,
        Q=per_algorithm(Q),
        visits=per_algorithm(visits.reshape(n, S)),
        epsilons=eps_of_episode,
        traces=traces,
        steps=steps,
        completed=np.isfinite(per_algorithm(returns)).sum(axis=-1),
        lock_steps=lock_steps,
    )


# --------------------------------------------------------------------------------------------- reference


@dataclass
class ReferenceResult:
    """One agent run by stepping the real Gymnasium environment."""

    Q: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray
    states: list[np.ndarray]
    """Per episode: the visited states s_0 … s_T."""
    actions: list[np.ndarray]


def run_reference(task: TabularTask, config: TDConfig, seed: int, algorithm: str) -> ReferenceResult:
    """One agent, a plain loop over the real environment (``make_env(task)``), drawing its ε-greedy numbers
    from the env's own generator ``env.unwrapped.np_random``: the textbook pseudocode, one step at a time.

    Q-learning:  choose a at s (ε-greedy); step; Q(s,a) += α[r + γ max_{a'} Q(s',a') − Q(s,a)]; s ← s'
    SARSA:       step; choose a' at s' (ε-greedy); Q(s,a) += α[r + γ Q(s',a') − Q(s,a)]; s, a ← s', a'
    """
    config.validate()
    _check_batch(task, [algorithm], [seed])
    S, A = task.n_states, task.n_actions
    terminal = task.mdp.terminal
    eps_of_episode = epsilon_schedule(config)
    gamma, alpha, omega = config.gamma, config.alpha, config.alpha_decay_power
    Q = np.full((S, A), float(config.q_init))
    Q[terminal] = 0.0
    counts = np.zeros((S, A), dtype=np.int64)
    is_sarsa = algorithm == "SARSA"

    env = make_env(task)
    s, _ = env.reset(seed=int(seed))
    rng = env.unwrapped.np_random

    def choose(state: int, eps: float) -> int:
        u1, u2 = rng.random(), rng.random()
        if u1 < eps:
            return int(u2 * A)
        row = Q[state]
        ties = np.flatnonzero(row == row.max())
        return int(ties[int(u2 * len(ties))])

    returns = np.zeros(config.episodes)
    lengths = np.zeros(config.episodes, dtype=np.int64)
    all_states, all_actions = [], []
    try:
        for e in range(config.episodes):
            eps = eps_of_episode[e]
            if e > 0:
                s, _ = env.reset()
            a = choose(s, eps)
            states, actions = [s], []
            while True:
                s_next, r, terminated, truncated, _ = env.step(a)
                actions.append(a)
                states.append(s_next)
                returns[e] += r
                lengths[e] += 1
                a_next = choose(s_next, eps) if is_sarsa else None
                if terminated:
                    bootstrap = 0.0
                elif is_sarsa:
                    bootstrap = Q[s_next, a_next]
                else:
                    bootstrap = Q[s_next].max()
                target = r + gamma * bootstrap
                counts[s, a] += 1
                step_size = alpha / counts[s, a] ** omega if omega else alpha
                Q[s, a] = Q[s, a] + step_size * (target - Q[s, a])
                if terminated or truncated:
                    break
                if not is_sarsa:
                    a_next = choose(s_next, eps)
                s, a = s_next, a_next
            all_states.append(np.array(states))
            all_actions.append(np.array(actions))
    finally:
        env.close()
    return ReferenceResult(Q, returns, lengths, all_states, all_actions)


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


def greedy_path(task: TabularTask, Q: np.ndarray, max_length: int | None = None) -> np.ndarray:
    """States visited by following argmax_a Q(s, a) (first maximizer) from the most likely start, always
    taking the most likely successor; stops at a terminal state, a repeated state or ``max_length``."""
    mdp = task.mdp
    max_length = max_length or task.n_states + 1
    s = int(np.argmax(task.start_probs))
    path, seen = [s], {s}
    for _ in range(max_length):
        if mdp.terminal[s]:
            break
        a = int(np.argmax(Q[s]))
        s = int(mdp.next_state[s, a, int(np.argmax(mdp.prob[s, a]))])
        path.append(s)
        if s in seen:
            break
        seen.add(s)
    return np.array(path)


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
