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
    """What a lock step computed for the traced agents.

    Per lock step it keeps only what cannot be rebuilt afterwards: the entry (a', s') the agent goes on from,
    whether a' explored, r, the bootstrap term, Q(s, a) before the update (and α_n when ω > 0), as one row of
    preallocated blocks written by one ``np.concatenate``: the row holds each field for every traced agent still in
    the batch, field by field. The reset steps (from R) are kept too: a step's s, a and "explored" are the previous
    lock step's s', a' and "explored", and the episodes are cut where s' is terminal or the time limit is reached.
    :meth:`trace_of` rebuilds an agent's :class:`Trace` from that, computing target, δ and Q after with the loop's
    own float operations (so they are the same numbers, bit for bit).
    """

    CHUNK = _REFILL_EVERY
    """Lock steps per preallocated block."""

    def __init__(self, agents: Sequence[int], with_step_size: bool) -> None:
        self.n_fields = 6 if with_step_size else 5
        # one segment per set of traced agents in the batch (a new one when one of them leaves):
        # [its agents in row order, its blocks (each CHUNK × n_fields·len(agents)), its first lock step]
        self.segments: list[list] = []
        self.last_lock = 0
        self._start(tuple(int(i) for i in agents), 1)

    def _start(self, agents: tuple[int, ...], first_lock: int) -> None:
        self.segments.append([agents, [], first_lock])
        self._blocks, self._first = self.segments[-1][1], first_lock

    def write(self, lock: int, pieces: tuple[np.ndarray, ...]) -> None:
        """This lock step's row: ``pieces`` are the fields, each for the traced agents in row order."""
        row = (lock - self._first) % self.CHUNK
        if row == 0:
            self._blocks.append(np.empty((self.CHUNK, self.n_fields * len(self.segments[-1][0]))))
        np.concatenate(pieces, out=self._blocks[-1][row], casting="unsafe")
        self.last_lock = lock

    def keep(self, agents: tuple[int, ...]) -> None:
        """The traced agents in the batch from the next lock step on."""
        if agents != self.segments[-1][0]:
            self._start(agents, self.last_lock + 1)

    def trace_of(
        self,
        agent: int,
        terminal: np.ndarray,
        max_steps: int,
        is_sarsa: bool,
        gamma: float,
        alpha: float,
        n_states: int,
        stride: int,
    ) -> Trace:
        """Agent ``agent``'s trace; ``n_states`` and ``stride`` decode a logged entry a·n_states + agent·stride + s."""
        # the agent's columns in each segment it belongs to, in lock-step order
        ends = [first for _, _, first in self.segments[1:]] + [self.last_lock + 1]
        parts = []
        for (agents, blocks, first), end in zip(self.segments, ends):
            if agent in agents and end > first:
                t, j = len(agents), agents.index(agent)
                rows = np.concatenate(blocks)[: end - first]
                parts.append(rows[:, j::t].T)  # (n_fields, its lock steps in the segment)
        rows = np.concatenate(parts, axis=1)  # (n_fields, its lock steps); column 0 is its first reset
        a_next, s_next = np.divmod(rows[0].astype(np.int64), n_states)
        s_next -= agent * stride
        explored = rows[1].astype(bool)
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
        reward, bootstrap, q_before = rows[2][keep], rows[3][keep], rows[4][keep]
        step_size = rows[5][keep] if self.n_fields == 6 else np.full(len(reward), alpha)
        # the loop's own operations: target = r + γ·bootstrap, δ = target − Q(s, a), Q(s, a) + α_n δ
        target = reward + gamma * bootstrap
        td_error = target - q_before
        q_after = q_before + (step_size if self.n_fields == 6 else alpha) * td_error
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
    """Lookup tables for ε-greedy over a set of candidate actions given by their bitmask code = Σ_a 2^a [a is one],
    indexed by code·A (the row of that code): ``weights`` (A,) the A·2^a, so that weights @ candidates is code·A;
    ``count`` (2^A·A,) at code·A how many candidates; ``kth`` (2^A·A,) at code·A + j the j-th candidate in
    increasing order. None when A is too large for a table of 2^A rows."""
    if A > _TABLE_MAX_ACTIONS:
        return None
    bits = 1 << np.arange(A)
    is_candidate = (np.arange(1 << A)[:, None] & bits) > 0  # (2^A, A)
    # candidates first, in increasing order (stable sort on "not a candidate")
    kth = np.argsort(~is_candidate, axis=1, kind="stable")  # (2^A, A)
    count = np.zeros((1 << A, A), dtype=np.int64)
    count[:, 0] = is_candidate.sum(axis=1)
    return A * bits, count.reshape(-1), kth.reshape(-1)


def _choose(
    q: np.ndarray, q_max: np.ndarray, u1: np.ndarray, u2: np.ndarray, eps, tables
) -> tuple[np.ndarray, np.ndarray]:
    """ε-greedy for a batch: column i of q (A, m) is Q(s_i, ·) and q_max[i] its maximum; u1 < ε explores (action
    ⌊u2·A⌋), else the ⌊u2·n⌋-th of the n tied maximizers.

    Both cases are one rule: pick the ⌊u2·n⌋-th of n candidate actions, where an exploring agent's candidates
    are all A actions. ``tables`` (:func:`_tie_tables`) read the pick off the candidates' bitmask; without
    them it is the first action whose running count of candidates c exceeds u2·n (for whole numbers c,
    c > ⌊x⌋ exactly when c > x). (:func:`run_agents` inlines the table case.)
    """
    explore = u1 < eps
    # candidates: the tied maximizers, or every action when exploring
    candidates = (q == q_max) | explore  # (A, m)
    if tables is not None:
        weights, count, kth = tables
        row = weights @ candidates  # (m,) code·A, the row of the candidates' bitmask
        # j = ⌊u2·n⌋, then the j-th candidate
        return kth[row + (u2 * count[row]).astype(np.intp)], explore
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

    The loop's cost is NumPy's per-call overhead (a batch of a few dozen agents is a few hundred numbers per
    call), so a lock step makes as few calls as it can: tables are laid out so that one gather from a flat
    array answers each question, and what changes only at an episode's end (its return and length, ε, the
    time limit, the step budget) is done only for the agents whose episode ends, or only when it can change.
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
    # the agents' uniforms after one unused slot, so that a reset that draws none (read one earlier) never reads
    # at index −1
    buffer_flat = np.zeros(1 + n * _BUFFER)
    buffer = buffer_flat[1:].reshape(n, _BUFFER)
    buffer[:] = [g.random(_BUFFER) for g in generators]
    # a lock step's uniforms at an agent's position p: the env's at p, u1 and u2 of ε-greedy at p + 1, p + 2,
    # each read with one gather from a view of the buffer shifted by 0, 1 or 2
    buffer_1, buffer_2 = buffer_flat[1:], buffer_flat[2:]
    sarsa_of_agent = np.repeat([name == "SARSA" for name in algorithms], n_seeds)

    # States of all agents in one index: b = agent*(S+1) + s over S + 1 states (R = S is the reset). Q is
    # laid out action-major over them, entry (a, agent, s) at e = a*NS + b, so that Q(s', ·) of a batch is an
    # (A, m) gather whose max over actions is a reduction over A rows, and Q(s', a') one gather at a*NS + b'.
    # NumPy gathers from a 1-D array with one index array ~30× faster than from a 3-D array with three.
    R, stride = S, S + 1
    NS = n * stride
    next_state_table, cum_prob_table, reward_table = (
        np.ascontiguousarray(table.transpose(1, 0, 2)) for table in _reset_state_tables(task)
    )  # (A, S+1, K)
    K = next_state_table.shape[2]
    agent_states = np.arange(n) * stride  # b of (agent, s = 0)
    if K == 1:
        # a deterministic env (and one start state): the tables tiled over the agents, read at the entry e itself
        next_b = (next_state_table[:, None, :, 0] + agent_states[None, :, None]).reshape(-1)  # (A*NS,) b of s'
        reward_e = np.broadcast_to(reward_table[:, None, :, 0], (A, n, stride)).reshape(-1)  # (A*NS,)
    else:
        # several successors: the tables of one agent, read at sa = a*(S+1) + s (kept beside e), slot sa*K + k
        next_state_flat = next_state_table.reshape(-1)
        reward_flat = reward_table.reshape(-1)
        cum_prob = cum_prob_table.reshape(A * stride, K)
    terminal = np.append(mdp.terminal, False)  # (S+1,)
    terminal_b = np.tile(terminal, n)  # (NS,)
    action_rows = (np.arange(A) * NS)[:, None]  # (A, 1): e of (a, b) = b + action_rows[a]
    if tables is not None:
        weights, count_of_row, kth = tables
        # the chosen action's offset a*NS (or a, which sa needs, when K > 1), read off the same table
        kth_offset = kth * NS if K == 1 else kth

    # Q of every agent; Q(terminal, ·) = 0 stays 0 (nothing acts from a terminal state), which makes the
    # bootstrap term 0 there without a mask
    Q_table = np.full((A, n, stride), float(config.q_init))
    Q_table[:, :, terminal] = 0.0
    Q_flat = Q_table.reshape(-1)  # entry (a, agent, s) at a*NS + agent*(S+1) + s
    counts = np.zeros(A * NS, dtype=np.int64) if omega else None
    # per episode, at record = agent*(E+1) + episode (the extra record E of each agent is never written)
    records = E + 1
    returns = np.full(n * records, np.nan)
    end_lock = np.zeros(n * records, dtype=np.int64)  # the lock step that ended the episode: lengths afterwards
    q_error = np.full(n * records, np.nan) if Q_star is not None else None
    if Q_star is not None:
        # the (s, a) entries judged: reachable, non-terminal s
        judged_s, judged_a = np.nonzero(np.repeat((reachable_states(task) & ~mdp.terminal)[:, None], A, axis=1))
        judged = judged_a * NS + judged_s  # their e for agent 0
        Q_star_judged = Q_star[judged_s, judged_a]  # (n_judged,)
    last_record = np.zeros(n * records, dtype=bool)
    last_record[E - 1 :: records] = True  # the agent's last episode: it leaves the batch when it ends
    constant_eps = bool((eps_of_episode == eps_of_episode[0]).all())
    eps_of_record = np.tile(np.append(eps_of_episode, 0.0), n)  # (n*(E+1),)
    # visits are counted from a log of the states b' arrived at, added up at each refill
    visit_log = np.empty(_REFILL_EVERY * n, dtype=np.int64)
    visits = np.zeros(NS, dtype=np.int64)
    logged = 0

    # the batch of active agents ("slots"); everything below is per slot and compacted when agents drop out.
    # The Q-learning agents take the first n_q slots, the SARSA agents the rest: compacting keeps the order, so
    # each algorithm's part of the batch is a slice. The traced agents' slots are ``traced_slots``.
    traced = {(algorithms[i // n_seeds], i % n_seeds): i for i in range(n) if i % n_seeds in set(trace_seed_indices)}
    is_traced = np.zeros(n, dtype=bool)
    is_traced[list(traced.values())] = True
    ids = np.argsort(sarsa_of_agent, kind="stable")  # Q-learning first, each in id order
    log = _TraceLog(ids[is_traced[ids]], with_step_size=bool(omega)) if traced else None
    base = agent_states[ids]  # the slot's b of s = 0
    reset_entry = base + R  # e of (a = 0, R)
    pos = 1 + ids * _BUFFER  # the agent's next unused uniform in buffer_flat
    n_q = int((~sarsa_of_agent).sum())
    give_back = np.where(sarsa_of_agent[ids], 0, 2)  # uniforms a Q-learning agent does not use when its episode ends
    record = ids * records  # the slot's current episode's record
    eps = float(eps_of_episode[0]) if constant_eps else eps_of_record[record]
    G = np.zeros(n)
    # every agent starts in R: lock step 1 is the reset; an episode started by the reset at lock step L is
    # truncated when the lock step reaches deadline = L + max_steps (its length at lock step t is t − L)
    entry = reset_entry.copy()  # (a, s) = (0, R)
    sa = np.full(n, R)  # K > 1: (a, s) in one agent's tables
    resetting = np.ones(n, dtype=bool)
    deadline = np.full(n, 1 + max_steps)
    # no deadline falls before this lock step: the time limit is checked only from then on (deadlines only grow)
    next_deadline = 1 + max_steps
    capped = max_lock_steps is not None
    # an agent stops after lock step stop_base + record: max_lock_steps env steps, plus one lock step per reset
    stop_base = 1 + (max_lock_steps or 0) - ids * records
    next_stop = 1 + (max_lock_steps or 0)  # no agent stops before this lock step (the stops only grow)

    def traced_slots() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The traced agents' slots: all of them, those among the first n_q, those of the rest (from n_q)."""
        slots = np.flatnonzero(is_traced[ids])
        return slots, slots[slots < n_q], slots[slots >= n_q] - n_q

    if log is not None:
        log_all, log_q, log_sarsa = traced_slots()

    def drop(keep: np.ndarray) -> None:
        """Compact every per-slot array to the slots in ``keep`` (agents finished or out of budget leave)."""
        nonlocal ids, base, reset_entry, pos, n_q, give_back, record, eps, G, entry, sa, resetting, deadline
        nonlocal stop_base, log_all, log_q, log_sarsa
        n_q = int(keep[:n_q].sum())
        ids, base, reset_entry, pos, give_back = ids[keep], base[keep], reset_entry[keep], pos[keep], give_back[keep]
        record, G, entry, sa, resetting = record[keep], G[keep], entry[keep], sa[keep], resetting[keep]
        deadline, stop_base = deadline[keep], stop_base[keep]
        if not constant_eps:
            eps = eps[keep]
        if log is not None:
            log_all, log_q, log_sarsa = traced_slots()
            log.keep(tuple(int(i) for i in ids[log_all]))

    steps = lock = 0
    n_resetting = n
    step_size = alpha
    while len(ids):
        m = len(ids)
        if lock % _REFILL_EVERY == 0 and lock:
            for slot, agent in enumerate(ids):
                used = pos[slot] - 1 - agent * _BUFFER
                rest = buffer[agent, used:].copy()
                buffer[agent, : len(rest)] = rest
                buffer[agent, len(rest) :] = generators[agent].random(_BUFFER - len(rest))
                pos[slot] = 1 + agent * _BUFFER
            visits += np.bincount(visit_log[:logged], minlength=NS)
            logged = 0
        lock += 1
        steps += m - n_resetting

        # this step's uniforms, in each agent's stream order: the env's (step or reset), then u1, u2 of ε-greedy
        # at s'. A reset of GridWorldEnv draws none: read one earlier, so that u1, u2 still come next.
        first = pos if task.reset_draws else pos - resetting
        u1, u2 = buffer_1[first], buffer_2[first]
        if K > 1:
            u = buffer_flat[first]
        first += 3  # Q-learning agents whose episode ends give back u1, u2 below
        pos = first

        # the environment (or the reset, from R): s' ~ P(.|s, a) by argmax(cumsum(P) > u), r = r(s, a, s')
        if K == 1:
            state_next = next_b[entry]
            r = reward_e[entry]
        else:
            slot_k = sa * K + (cum_prob[sa] > u[:, None]).argmax(axis=1)
            s_next = next_state_flat[slot_k]
            r = reward_flat[slot_k]
            state_next = base + s_next
        done = terminal_b[state_next]
        check_deadline = lock >= next_deadline
        if check_deadline:
            done |= deadline <= lock
        G += r
        visit_log[logged : logged + m] = state_next
        logged += m

        rows = state_next + action_rows  # (A, m): e of (a, s'_i) in column i
        q_next = Q_flat[rows]  # Q(s'_i, ·)
        q_max = np.maximum.reduce(q_next, axis=0)
        q_sa = Q_flat[entry]
        if omega:
            n_sa = counts[entry] + 1
            counts[entry] = n_sa
            # α_n = α / n(s, a)^ω
            step_size = alpha / n_sa**omega
        # Q-learning, first n_q slots: target r + γ max_a' Q(s', a'), with Q(terminal, ·) = 0 (and γ·x is x, bit for
        # bit, when γ = 1);  δ = target − Q(s, a);  Q(s, a) ← Q(s, a) + α_n δ.  Then it chooses a' at s' with
        # the updated Q (Sutton & Barto's order; it matters when s' = s), so Q(s', ·) is read again.
        if n_q:
            if n_q == m:
                bootstrap_q, q_sa_q, target_q = q_max, q_sa, r + q_max if gamma == 1.0 else r + gamma * q_max
                entry_q, step_q = entry, step_size
            else:
                bootstrap_q, q_sa_q, r_q = q_max[:n_q], q_sa[:n_q], r[:n_q]
                target_q = r_q + bootstrap_q if gamma == 1.0 else r_q + gamma * bootstrap_q
                entry_q, step_q = entry[:n_q], step_size[:n_q] if omega else step_size
            Q_flat[entry_q] = q_sa_q + step_q * (target_q - q_sa_q)
            q_next = Q_flat[rows]  # SARSA's columns are unchanged: the agents' tables are disjoint
            q_max = np.maximum.reduce(q_next, axis=0)

        # a' at s', ε-greedy as in _choose, inlined: SARSA always (it is in the target), Q-learning too (the u1, u2
        # of a Q-learning agent whose episode ends are given back below)
        explored = u1 < eps
        if tables is not None:
            row = weights @ ((q_next == q_max) | explored)  # code·A of the candidates
            a_next = kth_offset[row + (u2 * count_of_row[row]).astype(np.intp)]
        else:
            a_next, _ = _choose(q_next, q_max, u1, u2, eps, None)
            if K == 1:
                a_next = a_next * NS
        if K == 1:
            entry_next = a_next + state_next  # a_next is a*NS
        else:
            entry_next = a_next * NS + state_next
            sa = a_next * stride + s_next

        # SARSA, the other slots: target r + γ Q(s', a'), Q(s', a') before its own update
        if n_q < m:
            if n_q == 0:
                entry_s, q_sa_s, r_s, step_s = entry, q_sa, r, step_size
                bootstrap_s = Q_flat[entry_next]
            else:
                entry_s, q_sa_s, r_s = entry[n_q:], q_sa[n_q:], r[n_q:]
                step_s = step_size[n_q:] if omega else step_size
                bootstrap_s = Q_flat[entry_next[n_q:]]
            target_s = r_s + bootstrap_s if gamma == 1.0 else r_s + gamma * bootstrap_s
            Q_flat[entry_s] = q_sa_s + step_s * (target_s - q_sa_s)

        if log is not None:
            pieces = (entry_next[log_all], explored[log_all], r[log_all])
            if n_q:
                pieces += (bootstrap_q[log_q],)
            if n_q < m:
                pieces += (bootstrap_s[log_sarsa],)
            pieces += (q_sa[log_all], step_size[log_all]) if omega else (q_sa[log_all],)
            log.write(lock, pieces)

        entry, resetting = entry_next, done
        ended = done.nonzero()[0]
        n_resetting = len(ended)
        if n_resetting:
            # episode ends: record, then reset in the next lock step (or drop agents that have run all episodes)
            ending = record[ended]
            returns[ending] = G[ended]
            end_lock[ending] = lock
            if q_error is not None:
                # ‖Q − Q*‖∞ over reachable non-terminal (s, a)
                learned = Q_flat[base[ended][:, None] + judged]  # (ended, n_judged)
                q_error[ending] = np.abs(learned - Q_star_judged).max(axis=1)
            if n_q:
                pos[ended] -= give_back[ended]  # Q-learning chose no a' at the end of the episode
            record[ended] = ending + 1
            if not constant_eps:
                eps[ended] = eps_of_record[ending + 1]
            G[ended] = 0.0
            entry[ended] = reset_entry[ended]
            if K > 1:
                sa[ended] = R
            deadline[ended] = lock + 1 + max_steps
            finished = last_record[ending].nonzero()[0]
            if len(finished):
                keep = np.ones(m, dtype=bool)
                keep[ended[finished]] = False
                n_resetting -= len(finished)
                drop(keep)
        if check_deadline and len(ids):
            next_deadline = int(deadline.min())
        if capped and lock >= next_stop and len(ids):
            stop_at = stop_base + record
            keep = stop_at > lock
            if not keep.all():
                n_resetting = int((resetting & keep).sum())
                drop(keep)
            if len(ids):
                next_stop = int(stop_at[keep].min())
    visits += np.bincount(visit_log[:logged], minlength=NS)

    traces = {}
    for key, agent in traced.items():
        traces[key] = log.trace_of(agent, terminal, max_steps, sarsa_of_agent[agent], gamma, alpha, NS, stride)

    def per_algorithm(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_alg, n_seeds, *x.shape[1:])  # (n, ...) -> (n_alg, n_seeds, ...)

    returns = returns.reshape(n, records)[:, :E]
    completed = np.isfinite(returns)
    # an episode's length: the lock steps from the one after its reset to its end, the reset after the previous end
    ends = end_lock.reshape(n, records)[:, :E]
    lengths = np.where(completed, np.diff(ends, axis=1, prepend=0) - 1, 0)
    return BatchResult(
        algorithms=tuple(algorithms),
        seeds=tuple(int(x) for x in seeds),
        returns=per_algorithm(returns.copy()),
        lengths=per_algorithm(lengths),
        q_error=per_algorithm(q_error.reshape(n, records)[:, :E].copy()) if q_error is not None else None,
        Q=per_algorithm(Q_table[:, :, :S].transpose(1, 2, 0).copy()),  # (n, S, A)
        visits=per_algorithm(visits.reshape(n, stride)[:, :S].copy()),
        epsilons=eps_of_episode,
        traces=traces,
        steps=steps,
        completed=per_algorithm(completed.sum(axis=-1)),
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
