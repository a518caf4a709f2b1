"""Model-free tabular RL: Q-learning and SARSA with ε-greedy exploration (sheet 1.2).

The agent does not know ``P(s'|s, a)`` or ``r(s, a)``: it acts, observes ``r`` and ``s'`` and updates

* Q-learning (off-policy):  Q(s, a) ← Q(s, a) + α [r + γ max_{a'} Q(s', a') − Q(s, a)]
* SARSA (on-policy):        Q(s, a) ← Q(s, a) + α [r + γ Q(s', a') − Q(s, a)],  a' drawn ε-greedily at s'

ε-greedy: with probability ε a uniformly random action (exploration), otherwise argmax_a Q(s, a)
(exploitation), ties broken uniformly at random.

## Many agents at once

:func:`run_agents` runs a whole batch of independent agents (every algorithm × every seed) in lock step: one
NumPy operation moves all of them one environment step, so the per-step Python overhead is shared by the batch.
An agent that ends an episode resets on its own in the next lock step (the reset is a step from an extra state R
to a start state, so it runs through the same NumPy calls as every other step) and goes on; an agent that has
finished all its episodes drops out of the batch.

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
# Uniforms per agent kept ready; refilled every _REFILL_EVERY lock steps (a lock step uses at most 3).
_BUFFER = 6 * 1024
_REFILL_EVERY = 2000
# offsets of a lock step's uniforms from the agent's position in its stream: the env's u, then u1, u2
_DRAW_OFFSETS = np.arange(3)
# ε-greedy reads its pick off a lookup table of 2^A rows up to this many actions (above it, a running count)
_TABLE_MAX_ACTIONS = 8


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
    """Iterations of the lock-step loop: the longest agent's env steps plus its resets (one per episode)."""


class _TraceLog:
    """What a lock step computed for the traced agents, who hold the first slots of the batch.

    Per lock step it keeps only what cannot be rebuilt afterwards: s', a', whether a' explored, r, the bootstrap
    term, Q(s, a) before the update (and α_n when ω > 0), written with plain slices into preallocated blocks.
    The reset steps (from R) are kept too: a step's s, a and "explored" are the previous lock step's s', a' and
    "explored", and the episodes are cut where s' is terminal or the time limit is reached. :meth:`trace_of`
    rebuilds an agent's :class:`Trace` from that, computing target, δ and Q after with the loop's own float
    operations (so they are the same numbers, bit for bit).
    """

    CHUNK = _REFILL_EVERY
    """Lock steps per preallocated block."""

    def __init__(self, traced_ids: np.ndarray, with_step_size: bool) -> None:
        self.n_fields = 7 if with_step_size else 6
        self.width = len(traced_ids)
        self.t = len(traced_ids)  # traced agents still in the batch: slots 0 … t−1
        # (first lock step, the agents of slots 0 … t−1 from then on); a new one when a traced agent leaves
        self.segments: list[tuple[int, tuple[int, ...]]] = [(1, tuple(int(i) for i in traced_ids))]
        self.blocks: list[np.ndarray] = []  # each (n_fields, CHUNK, width)
        self.last_lock = 0
        self._rows: np.ndarray | None = None

    def write(self, lock: int, s_next, a_next, explored, r, bootstrap, q_sa, step_size) -> None:
        row = (lock - 1) % self.CHUNK
        if row == 0:
            self.blocks.append(np.empty((self.n_fields, self.CHUNK, self.width)))
        block, t = self.blocks[-1], self.t
        block[0, row, :t] = s_next[:t]
        block[1, row, :t] = a_next[:t]
        block[2, row, :t] = explored[:t]
        block[3, row, :t] = r[:t]
        block[4, row, :t] = bootstrap[:t]
        block[5, row, :t] = q_sa[:t]
        if self.n_fields == 7:
            block[6, row, :t] = step_size[:t]
        self.last_lock = lock

    def keep(self, keep: np.ndarray) -> None:
        """The batch is compacted to ``keep``: the traced agents that stay are still its first slots."""
        agents = self.segments[-1][1]
        kept = tuple(agent for agent, stays in zip(agents, keep[: self.t]) if stays)
        if kept != agents:
            self.segments.append((self.last_lock + 1, kept))
            self.t = len(kept)

    def trace_of(
        self,
        agent: int,
        terminal: np.ndarray,
        max_steps: int,
        is_sarsa: bool,
        gamma: float,
        alpha: float,
    ) -> Trace:
        if self._rows is None:
            self._rows = np.concatenate(self.blocks, axis=1)[:, : self.last_lock]  # (n_fields, lock steps, width)
        # the agent's column in each segment it belongs to, in lock-step order
        ends = [start for start, _ in self.segments[1:]] + [self.last_lock + 1]
        parts = [
            self._rows[:, start - 1 : end - 1, agents.index(agent)]
            for (start, agents), end in zip(self.segments, ends)
            if agent in agents
        ]
        rows = np.concatenate(parts, axis=1)  # (n_fields, its lock steps); row 0 is its first reset
        s_next = rows[0].astype(np.int64)
        a_next = rows[1].astype(np.int64)
        explored = rows[2].astype(bool)
        # cut the lock steps into episodes: a reset, then steps until s' is terminal or the time limit is reached
        is_reset, ends_episode = np.zeros(len(s_next), dtype=bool), np.zeros(len(s_next), dtype=bool)
        episode, step = np.zeros(len(s_next), dtype=np.int64), np.zeros(len(s_next), dtype=np.int64)
        reset, e = 0, 0
        while reset < len(s_next):
            is_reset[reset] = True
            window = terminal[s_next[reset + 1 : reset + 1 + max_steps]]
            # the episode's last step: the first terminal s', else the time limit (or the end of the log)
            last = reset + (int(window.argmax()) + 1 if window.any() else max_steps)
            if last < len(s_next):
                ends_episode[last] = True
            last = min(last, len(s_next) - 1)
            episode[reset + 1 : last + 1] = e
            step[reset + 1 : last + 1] = np.arange(last - reset)
            reset, e = last + 1, e + 1
        keep = ~is_reset
        previous = np.flatnonzero(keep) - 1  # the lock step before each step: it chose this step's s and a
        reward, bootstrap, q_before = rows[3][keep], rows[4][keep], rows[5][keep]
        step_size = rows[6][keep] if self.n_fields == 7 else np.full(len(reward), alpha)
        # the loop's own operations: target = r + γ·bootstrap, δ = target − Q(s, a), Q(s, a) + α_n δ
        target = reward + gamma * bootstrap
        td_error = target - q_before
        q_after = q_before + (step_size if self.n_fields == 7 else alpha) * td_error
        next_action = a_next[keep] if is_sarsa else np.where(ends_episode[keep], -1, a_next[keep])
        return Trace(
            episode=episode[keep],
            step=step[keep],
            state=s_next[previous],
            action=a_next[previous],
            explored=explored[previous],
            reward=reward,
            next_state=s_next[keep],
            next_action=next_action,
            terminated=terminal[s_next[keep]],
            bootstrap=bootstrap,
            target=target,
            q_before=q_before,
            td_error=td_error,
            step_size=step_size,
            q_after=q_after,
        )


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
    if (task.start_probs[task.mdp.terminal] > 0).any():
        raise InputError("The task can start in a terminal state: every such episode would end before it begins.")


def _tie_tables(A: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Lookup tables for ε-greedy over a set of candidate actions given as a bitmask code = Σ_a 2^a [a is one]:
    ``weights`` (A,) the 2^a, ``count`` (2^A,) how many candidates, ``kth`` (2^A·A,) at code·A + j the j-th
    candidate in increasing order. None when A is too large for a table of 2^A rows."""
    if A > _TABLE_MAX_ACTIONS:
        return None
    weights = 1 << np.arange(A)
    is_candidate = (np.arange(1 << A)[:, None] & weights) > 0  # (2^A, A)
    # candidates first, in increasing order (stable sort on "not a candidate")
    kth = np.argsort(~is_candidate, axis=1, kind="stable")  # (2^A, A)
    return weights, is_candidate.sum(axis=1), kth.reshape(-1)


def _choose(
    q: np.ndarray, q_max: np.ndarray, u1: np.ndarray, u2: np.ndarray, eps, tables
) -> tuple[np.ndarray, np.ndarray]:
    """ε-greedy for a batch: column i of q (A, m) is Q(s_i, ·) and q_max[i] its maximum; u1 < ε explores (action
    ⌊u2·A⌋), else the ⌊u2·n⌋-th of the n tied maximizers.

    Both cases are one rule: pick the ⌊u2·n⌋-th of n candidate actions, where an exploring agent's candidates
    are all A actions. ``tables`` (:func:`_tie_tables`) read the pick off the candidates' bitmask; without
    them it is the first action whose running count of candidates c exceeds u2·n (for whole numbers c,
    c > ⌊x⌋ exactly when c > x).
    """
    explore = u1 < eps
    # candidates: the tied maximizers, or every action when exploring
    candidates = (q == q_max) | explore  # (A, m)
    if tables is not None:
        weights, count, kth = tables
        code = weights @ candidates  # (m,) bitmask of the candidates
        # j = ⌊u2·n⌋, then the j-th candidate
        pick = (u2 * count[code]).astype(np.intp)
        return kth[code * len(weights) + pick], explore
    running = np.cumsum(candidates, axis=0)  # (A, m); the last row is n
    return (running <= u2 * running[-1]).sum(axis=0), explore


def _reset_state_tables(task: TabularTask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The env's tables with one extra state R = S appended, whose every action is the env's reset.

    Returns next_state (S+1, A, K'), cumulative probabilities (S+1, A, K') and rewards (S+1, A, K'). From R the
    successor is drawn from the start distribution p_0 the way ``env.reset`` does, argmax(cumsum(p_0) > u): its
    slots are the states p_0 can start in, plus a last slot for state 0 that catches u ≥ sum(p_0) (where
    argmax of all-False gives 0, as in Gymnasium). The reward of a reset is 0.
    """
    mdp = task.mdp
    S, A, K = mdp.next_state.shape
    support = np.flatnonzero(task.start_probs > 0)
    starts, start_cum = support, np.cumsum(task.start_probs)[support]
    if len(support) > 1:
        starts, start_cum = np.append(support, 0), np.append(start_cum, np.inf)
    width = max(K, len(starts))
    next_state = np.empty((S + 1, A, width), dtype=np.int64)
    cum_prob = np.empty((S + 1, A, width))
    reward = np.zeros((S + 1, A, width))
    next_state[:S, :, :K], reward[:S, :, :K] = mdp.next_state, mdp.reward
    next_state[:S, :, K:] = np.arange(S)[:, None, None]  # padding slots, never drawn: probability 0
    # the env samples slot argmax(cumsum(P(.|s, a)) > u)
    cum_prob[:S, :, :K] = np.cumsum(mdp.prob, axis=2)
    cum_prob[:S, :, K:] = cum_prob[:S, :, K - 1 : K]
    slot = np.minimum(np.arange(width), len(starts) - 1)
    next_state[S], cum_prob[S] = starts[slot], start_cum[slot]
    if len(support) == 1:
        cum_prob[S] = 1.0  # one start state: every u in [0, 1) picks slot 0
    return next_state, cum_prob, reward


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
    ``max_lock_steps`` caps the work (a page's budget): each agent takes at most that many environment steps,
    and episodes not finished by then are NaN in ``returns``.

    The env's reset is one more step of the same loop: an agent whose episode ended moves to an extra state R
    whose every action leads to a start state with reward 0 (its update lands in R's column, which nothing
    reads). So every lock step makes the same NumPy calls for every agent, resets included.
    """
    config.validate()
    _check_batch(task, algorithms, seeds)
    mdp = task.mdp
    S, A, _ = mdp.next_state.shape
    E, max_steps = config.episodes, task.max_steps
    n_alg, n_seeds = len(algorithms), len(seeds)
    n = n_alg * n_seeds
    gamma, alpha, omega = float(config.gamma), float(config.alpha), float(config.alpha_decay_power)
    eps_of_episode = epsilon_schedule(config)
    tables = _tie_tables(A)

    # agent id = algorithm index * n_seeds + seed index
    generators = [seeding.np_random(int(seed))[0] for _ in algorithms for seed in seeds]
    buffer = np.stack([g.random(_BUFFER) for g in generators])  # (n, _BUFFER)
    buffer_flat = buffer.reshape(-1)  # (n*_BUFFER,)
    sarsa_of_agent = np.repeat([name == "SARSA" for name in algorithms], n_seeds)
    any_sarsa, all_sarsa = bool(sarsa_of_agent.any()), bool(sarsa_of_agent.all())

    # Everything is laid out action-major over S + 1 states (R = S is the reset): entry (a, s) at
    # sa = a*(S+1) + s, so that Q(s', ·) of a batch is an (A, m) array whose max over actions is a reduction
    # over A rows. Tables are used through flat 1-D views: NumPy gathers from a 1-D array with one index
    # array ~30× faster than from a 3-D array with three.
    R, stride = S, S + 1
    next_state_table, cum_prob_table, reward_table = (
        np.ascontiguousarray(table.transpose(1, 0, 2)) for table in _reset_state_tables(task)
    )  # (A, S+1, K)
    K = next_state_table.shape[2]
    next_state_flat = next_state_table.reshape(-1)  # slot (a, s, k) at sa*K + k
    reward_flat = reward_table.reshape(-1)
    cum_prob = cum_prob_table.reshape(A * stride, K)
    terminal = np.append(mdp.terminal, False)  # (S+1,)
    action_offsets = (np.arange(A) * stride)[:, None]  # (A, 1): sa of (a, s) = s + action_offsets[a]

    # Q of every agent, (n, A, S+1); Q(terminal, ·) = 0 stays 0 (nothing acts from a terminal state), which
    # makes the bootstrap term 0 there without a mask
    Q_all = np.full((n, A, stride), float(config.q_init))
    Q_all[:, :, terminal] = 0.0
    Q_flat = Q_all.reshape(-1)  # entry (agent, a, s) at agent*A*(S+1) + sa
    block = A * stride  # entries per agent
    counts = np.zeros(n * block, dtype=np.int64)
    returns = np.full(n * E, np.nan)  # entry agent*E + episode
    lengths = np.zeros(n * E, dtype=np.int64)
    q_error = np.full(n * E, np.nan) if Q_star is not None else None
    if Q_star is not None:
        # the (s, a) entries judged: reachable, non-terminal s
        judged_s, judged_a = np.nonzero(np.repeat((reachable_states(task) & ~mdp.terminal)[:, None], A, axis=1))
        judged = judged_a * stride + judged_s  # their sa
        Q_star_judged = Q_star[judged_s, judged_a]  # (n_judged,)
    # visits are counted from a log of the entries (agent, 0, s') arrived at, added up at each refill
    visit_log = np.empty(_REFILL_EVERY * n, dtype=np.int64)
    visits = np.zeros(n * stride, dtype=np.int64)
    logged = 0

    def count_visits() -> None:
        # entry agent*block + s  ->  visit row agent*(S+1) + s
        keys = visit_log[:logged]
        visits[:] += np.bincount(keys - (keys // block) * (block - stride), minlength=len(visits))

    # the batch of active agents ("slots"); everything below is per slot and compacted when agents drop out.
    # The traced agents take the first slots: compacting keeps the order, so they stay a prefix of the batch and
    # a lock step logs them with plain slices (see _TraceLog)
    traced = {(algorithms[i // n_seeds], i % n_seeds): i for i in range(n) if i % n_seeds in set(trace_seed_indices)}
    traced_ids = sorted(traced.values())
    ids = np.array(traced_ids + [i for i in range(n) if i not in traced.values()], dtype=np.intp)
    log = _TraceLog(ids[: len(traced_ids)], with_step_size=bool(omega)) if traced_ids else None
    agent_base = ids * block  # the agent's first entry in Q_flat
    pos = ids * _BUFFER  # the agent's next unused uniform in buffer_flat
    sarsa = sarsa_of_agent[ids]
    q_learning = ~sarsa
    give_back = np.where(sarsa, 0, 2)  # uniforms a Q-learning agent does not use when its episode ends
    episode = np.zeros(n, dtype=np.int64)
    eps = np.full(n, eps_of_episode[0])
    eps_padded = np.append(eps_of_episode, 0.0)  # (E+1,): index E for agents that have finished
    G = np.zeros(n)
    # every agent starts in R: lock step 1 is the reset; an episode started by the reset at lock step L is
    # truncated when the lock step reaches deadline = L + max_steps (its length at lock step t is t − L)
    s = np.full(n, R)
    sa = s.copy()  # (a, s) = (0, R)
    resetting = np.ones(n, dtype=bool)
    deadline = np.full(n, 1 + max_steps)
    capped = max_lock_steps is not None
    # an agent stops after lock step stop_at: max_lock_steps env steps, plus one lock step per reset
    stop_at = np.full(n, 1 + (max_lock_steps or 0))
    next_stop = int(stop_at.min()) if capped else -1
    lane = np.arange(n)

    def drop(keep: np.ndarray) -> None:
        """Compact every per-slot array to the slots in ``keep`` (agents finished or out of budget leave)."""
        nonlocal ids, agent_base, pos, sarsa, q_learning, give_back, episode, eps, G, s, sa, resetting, deadline
        nonlocal stop_at, lane, next_stop
        ids, agent_base, pos, sarsa, give_back = ids[keep], agent_base[keep], pos[keep], sarsa[keep], give_back[keep]
        q_learning, episode, eps = q_learning[keep], episode[keep], eps[keep]
        G, s, sa, resetting = G[keep], s[keep], sa[keep], resetting[keep]
        deadline, stop_at = deadline[keep], stop_at[keep]
        lane = np.arange(len(ids))
        next_stop = int(stop_at.min()) if capped and len(ids) else -1
        if log is not None:
            log.keep(keep)

    steps = lock = 0
    n_resetting = n
    while len(ids):
        m = len(ids)
        if lock % _REFILL_EVERY == 0 and lock:
            for slot, agent in enumerate(ids):
                used = pos[slot] - agent * _BUFFER
                rest = buffer[agent, used:].copy()
                buffer[agent, : len(rest)] = rest
                buffer[agent, len(rest) :] = generators[agent].random(_BUFFER - len(rest))
                pos[slot] = agent * _BUFFER
            count_visits()
            logged = 0
        lock += 1
        steps += m - n_resetting

        # this step's uniforms, in each agent's stream order: the env's (step or reset), then u1, u2 of ε-greedy
        # at s'. A reset of GridWorldEnv draws none: read one earlier, so that u1, u2 still come next.
        first = pos if task.reset_draws else pos - resetting
        u = buffer_flat[first[:, None] + _DRAW_OFFSETS]  # (m, 3)
        pos = first + 3  # Q-learning agents whose episode ends give back u1, u2 below

        # the environment (or the reset, from R): s' ~ P(.|s, a) by argmax(cumsum(P) > u), r = r(s, a, s')
        slot_k = sa * K + (cum_prob[sa] > u[:, :1]).argmax(axis=1) if K > 1 else sa
        s_next = next_state_flat[slot_k]
        r = reward_flat[slot_k]
        done = terminal[s_next] | (deadline <= lock)
        G += r
        base_next = agent_base + s_next  # entry (agent, 0, s')
        visit_log[logged : logged + m] = base_next
        logged += m

        # a' at s': SARSA always (it is in the target), Q-learning when the episode goes on (the u1, u2 of a
        # Q-learning agent whose episode ends are given back below)
        q_next = Q_flat[base_next + action_offsets]  # (A, m): column i is Q(s'_i, ·)
        q_max = np.maximum.reduce(q_next, axis=0)
        a_next, explored_next = _choose(q_next, q_max, u[:, 1], u[:, 2], eps, tables)

        # target: Q-learning r + γ max_a' Q(s', a');  SARSA r + γ Q(s', a');  Q(terminal, ·) = 0
        if any_sarsa:
            q_taken = q_next.reshape(-1)[a_next * m + lane]  # Q(s', a')
            bootstrap = q_taken if all_sarsa else np.where(sarsa, q_taken, q_max)
        else:
            bootstrap = q_max
        target = r + gamma * bootstrap
        entry = agent_base + sa
        q_sa = Q_flat[entry]
        if omega:
            counts[entry] += 1
            # α_n = α / n(s, a)^ω
            step_size = alpha / counts[entry] ** omega
        else:
            step_size = alpha
        # δ = target − Q(s, a);  Q(s, a) ← Q(s, a) + α δ
        td_error = target - q_sa
        Q_flat[entry] = q_sa + step_size * td_error

        # Q-learning chooses a' after its update: choose again where the update touched Q(s', ·), i.e. s' = s
        # (with the same u1, u2: an exploring choice comes out the same; one at an episode's end is unused)
        if not all_sarsa:
            again = s_next == s
            if any_sarsa:
                again &= q_learning
            again = again.nonzero()[0]
            if len(again):
                q_again = Q_flat[base_next[again] + action_offsets]  # (A, len(again))
                q_again_max = np.maximum.reduce(q_again, axis=0)
                a_next[again], _ = _choose(q_again, q_again_max, u[again, 1], u[again, 2], eps[again], tables)

        if log is not None:
            log.write(lock, s_next, a_next, explored_next, r, bootstrap, q_sa, step_size)

        s, sa, resetting = s_next, a_next * stride + s_next, done
        n_resetting = 0
        ended = done.nonzero()[0]
        if len(ended):
            # episode ends: record, then reset in the next lock step (or drop agents that have run all episodes)
            record = ids[ended] * E + episode[ended]
            returns[record] = G[ended]
            lengths[record] = lock - (deadline[ended] - max_steps)
            if q_error is not None:
                # ‖Q − Q*‖∞ over reachable non-terminal (s, a)
                learned = Q_flat[agent_base[ended][:, None] + judged[None, :]]  # (ended, n_judged)
                q_error[record] = np.abs(learned - Q_star_judged).max(axis=1)
            pos[ended] -= give_back[ended]  # Q-learning chose no a' at the end of the episode
            episode[ended] += 1
            eps[ended] = eps_padded[episode[ended]]
            G[ended] = 0.0
            s[ended] = sa[ended] = R
            deadline[ended] = lock + 1 + max_steps
            n_resetting = len(ended)
            if capped:
                stop_at[ended] += 1
                next_stop = int(stop_at.min())
            if (episode[ended] == E).any():
                keep = episode < E
                n_resetting = int((resetting & keep).sum())
                drop(keep)
        if capped and lock >= next_stop:
            keep = stop_at > lock
            n_resetting = int((resetting & keep).sum())
            drop(keep)
    count_visits()

    traces = {}
    for key, agent in traced.items():
        traces[key] = log.trace_of(agent, terminal, max_steps, sarsa_of_agent[agent], gamma, alpha)

    def per_algorithm(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_alg, n_seeds, *x.shape[1:])  # (n, ...) -> (n_alg, n_seeds, ...)

    returns = returns.reshape(n, E)
    return BatchResult(
        algorithms=tuple(algorithms),
        seeds=tuple(int(x) for x in seeds),
        returns=per_algorithm(returns),
        lengths=per_algorithm(lengths.reshape(n, E)),
        q_error=per_algorithm(q_error.reshape(n, E)) if q_error is not None else None,
        Q=per_algorithm(Q_all[:, :, :S].transpose(0, 2, 1).copy()),  # (n, S, A)
        visits=per_algorithm(visits.reshape(n, stride)[:, :S].copy()),
        epsilons=eps_of_episode,
        traces=traces,
        steps=steps,
        completed=np.isfinite(per_algorithm(returns)).sum(axis=-1),
        lock_steps=lock,
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
