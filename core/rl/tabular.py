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

import numpy as np
from gymnasium.utils import seeding

from core.errors import InputError
from core.numerics import seed_streams
from core.rl.tabular_tasks import TabularTask, make_env, reachable_states

ALGORITHMS = ("Q-learning", "SARSA")
EPSILON_DECAYS = ("constant", "linear", "exponential")
# Exponential decay closes all but this fraction of the gap ε_start − ε_end by the last episode.
EXPONENTIAL_REMAINDER = 0.01
# Uniforms per agent kept ready; refilled every _REFILL_EVERY lock steps (a step uses at most 6).
_BUFFER = 6 * 1024
_REFILL_EVERY = 1000


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


def agent_seeds(seed: int, n: int) -> tuple[int, ...]:
    """n independent Gymnasium seeds from one page seed: seed_i = first 32-bit word of SeedSequence(seed).spawn(n)[i].

    Each seed_i is an ordinary non-negative int, so agent i can still be replayed with ``env.reset(seed=seed_i)``
    (:func:`run_reference`); spawned children never overlap, unlike ``range(seed, seed + n)``, where page seed 1
    would rerun agents 2 … n of page seed 0.
    """
    if n < 1:
        raise InputError("At least one seed is needed.")
    return tuple(int(stream.generate_state(1)[0]) for stream in seed_streams(int(seed), int(n)))


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
