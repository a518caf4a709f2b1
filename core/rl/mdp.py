"""Finite Markov decision processes and their exact dynamic-programming solutions (sheet 1.1).

Notation follows the course sheet:

* states ``s`` in a finite set, actions ``a``;
* transition probability ``P(s'|s, a)`` and reward ``r(s, a, s')``;
* expected immediate reward ``r(s, a) = sum_{s'} r(s, a, s') P(s'|s, a)``;
* Q-iteration ``Q_{k+1}(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) max_{a'} Q_k(s', a')``,
  stopped when ``max_s |max_a Q_{k+1}(s, a) - max_a Q_k(s, a)| <= epsilon``;
* ``V*(s) = max_a Q*(s, a)`` and ``pi*(s) = argmax_a Q*(s, a)``.

An MDP is stored as an explicit table, like Gymnasium's toy-text ``P[s][a]``, but flattened into arrays
of shape ``(S, A, K)``: the ``K`` possible successors of each state-action pair.  The sweep itself is one
sparse matrix-vector product, ``Q_{k+1} = [gamma P | r] [V_k; 1]``, so there is no Python loop over states.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse
from scipy.sparse import _sparsetools

from core.errors import InputError

# Ties in max_a Q are decided with this absolute tolerance, so that every maximizing action is drawn.
TIE_TOLERANCE = 1e-9
# A value this large means the iteration is diverging (gamma = 1 with no reachable terminal, say).
DIVERGENCE_BOUND = 1e12
# Keep the per-iteration Q history only while it stays under this many numbers (memory of one page).
HISTORY_BUDGET = 6_000_000
# From this many state-action pairs on, sweeps run on torch's multi-threaded sparse matvec; below it,
# on scipy, whose per-call overhead is microseconds instead of a thread-pool wake-up.
TORCH_MIN_PAIRS = 20_000


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP as an explicit transition table.

    ``next_state[s, a, k]`` is the k-th possible successor ``s'`` of ``(s, a)``, reached with probability
    ``prob[s, a, k] = P(s'|s, a)`` and reward ``reward[s, a, k] = r(s, a, s')``.  Unused slots have
    probability 0.  Terminal states are absorbing with reward 0, so ``V(terminal) = 0``.
    """

    next_state: np.ndarray
    """(S, A, K) int64: successor state indices."""
    prob: np.ndarray
    """(S, A, K) float64: P(s'|s, a); each (s, a) row sums to 1."""
    reward: np.ndarray
    """(S, A, K) float64: r(s, a, s')."""
    terminal: np.ndarray
    """(S,) bool: absorbing states."""
    action_names: tuple[str, ...] = ("up", "right", "down", "left")
    _csr: dict = field(default_factory=dict, repr=False, compare=False)
    """Sparse matrices built on first use: backend ("scipy", "torch") → P as CSR; "backup" → the pattern of
    [P | r] (see :meth:`backup_matrix`)."""

    def __post_init__(self) -> None:
        shape = self.next_state.shape
        if self.prob.shape != shape or self.reward.shape != shape or len(shape) != 3:
            raise InputError("next_state, prob and reward must all have shape (S, A, K).")
        if self.terminal.shape != (shape[0],):
            raise InputError("terminal must have one flag per state.")
        if len(self.action_names) != shape[1]:
            raise InputError("one action name per action is needed.")
        row_sums = self.prob.sum(axis=2)
        if not np.allclose(row_sums, 1.0, atol=1e-9):
            raise InputError("every P(.|s, a) must sum to 1.")

    @property
    def n_states(self) -> int:
        return self.next_state.shape[0]

    @property
    def n_actions(self) -> int:
        return self.next_state.shape[1]

    def expected_reward(self) -> np.ndarray:
        """r(s, a) = sum_{s'} r(s, a, s') P(s'|s, a), shape (S, A)."""
        return (self.reward * self.prob).sum(axis=2)

    def transition_matrix(self, backend: str = "torch"):
        """P as a sparse CSR matrix of shape (A*S, S): row ``a*S + s`` holds P(.|s, a).

        ``backend="torch"`` gives a torch sparse CSR tensor (multi-threaded matvec, for large MDPs),
        ``"scipy"`` a scipy CSR matrix (no threading overhead, for small ones). Action-major rows make max_a
        a reduction over A contiguous vectors of length S, several times faster than reducing the short
        last axis of an (S, A) array.
        """
        if "scipy" not in self._csr:
            S, A, K = self.next_state.shape
            # scipy merges repeated successors (two slips into the same wall) and sorts each row's
            # columns: that halves the cost of torch's sparse matvec compared with the raw slots.
            rows = np.repeat(np.arange(S * A).reshape(A, S).T.reshape(-1), K)  # row of slot (s, a, k) = a*S + s
            merged = scipy.sparse.csr_matrix(
                (self.prob.reshape(-1), (rows, self.next_state.reshape(-1))), shape=(A * S, S)
            )
            merged.eliminate_zeros()
            merged.sort_indices()
            self._csr["scipy"] = merged
        if backend == "torch" and "torch" not in self._csr:
            torch = _torch()
            merged = self._csr["scipy"]
            # int32 indices halve the index traffic of the matvec: 2.2x faster than int64 at 200x200
            crow = torch.from_numpy(merged.indptr.astype(np.int32))
            col = torch.from_numpy(merged.indices.astype(np.int32))
            val = torch.from_numpy(merged.data.astype(np.float64))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
                self._csr["torch"] = torch.sparse_csr_tensor(crow, col, val, size=merged.shape, check_invariants=False)
        return self._csr[backend]

    def backup_matrix(self, gamma: float, backend: str = "torch"):
        """M = [gamma P | r] as a sparse CSR matrix of shape (A*S, S + 1), so that one sweep is one matvec:

            Q_{k+1} = M x_k,   x_k = [V_k; 1]   i.e.   Q_{k+1}(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) V_k(s')

        Row ``a*S + s`` (action-major, like :meth:`transition_matrix`) holds gamma P(.|s, a) in columns 0..S-1 and
        r(s, a) in column S (absent where r(s, a) = 0). Folding r into the matrix saves the separate read of the
        (A*S,) reward vector that ``addmv(r, P, V)`` makes every sweep, and gamma in the values saves a scaling
        pass. ``backend="scipy"`` gives a scipy CSR matrix with int32 indices, ``"torch"`` a torch sparse CSR
        tensor over the same arrays (multi-threaded matvec). The pattern is built once per MDP; only the values
        are scaled by gamma on each call (one pass over the non-zeros).
        """
        if "backup" not in self._csr:
            S, A, K = self.next_state.shape
            rows = np.repeat(np.arange(S * A).reshape(A, S).T.reshape(-1), K)  # row of slot (s, a, k) = a*S + s
            r_as = np.ascontiguousarray(self.expected_reward().T).reshape(-1)  # r(s, a) at row a*S + s
            # duplicates (two slips into the same wall) are summed; zero probabilities and rewards dropped
            base = scipy.sparse.csr_matrix(
                (
                    np.concatenate([self.prob.reshape(-1), r_as]),
                    (
                        np.concatenate([rows, np.arange(A * S)]),
                        np.concatenate([self.next_state.reshape(-1), np.full(A * S, S)]),
                    ),
                ),
                shape=(A * S, S + 1),
            )
            base.eliminate_zeros()
            base.sort_indices()
            # int32 indices halve the index traffic of the matvec (2.2x faster than int64 at 200x200)
            indptr, indices = base.indptr.astype(np.int32), base.indices.astype(np.int32)
            self._csr["backup"] = (indptr, indices, base.data, np.flatnonzero(indices == S))
        indptr, indices, data, reward_slots = self._csr["backup"]
        # gamma P(s'|s, a) in the P columns, r(s, a) unscaled in column S
        scaled = data * gamma
        scaled[reward_slots] = data[reward_slots]
        shape = (len(indptr) - 1, self.n_states + 1)
        if backend == "scipy":
            return scipy.sparse.csr_matrix((scaled, indices, indptr), shape=shape, copy=False)
        torch = _torch()
        if "backup_torch" not in self._csr:
            self._csr["backup_torch"] = (torch.from_numpy(indptr), torch.from_numpy(indices))
        crow, col = self._csr["backup_torch"]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            return torch.sparse_csr_tensor(crow, col, torch.from_numpy(scaled), size=shape, check_invariants=False)

    def table(self, s: int, a: int) -> list[tuple[float, int, float]]:
        """Gymnasium-style ``P[s][a]``: the list of (probability, next state, reward) with probability > 0."""
        keep = self.prob[s, a] > 0
        return [
            (float(p), int(n), float(r))
            for p, n, r in zip(self.prob[s, a][keep], self.next_state[s, a][keep], self.reward[s, a][keep])
        ]

    @classmethod
    def from_gymnasium_P(
        cls, P: dict, n_states: int, n_actions: int, action_names: Sequence[str] | None = None
    ) -> TabularMDP:
        """Build from a toy-text table ``P[s][a] = [(prob, next_state, reward, terminated), ...]``.

        A state is terminal when every transition out of it is a probability-1 self-loop with reward 0
        (that is how FrozenLake writes its holes and goal).
        """
        K = max(len(P[s][a]) for s in range(n_states) for a in range(n_actions))
        next_state = np.zeros((n_states, n_actions, K), dtype=np.int64)
        prob = np.zeros((n_states, n_actions, K))
        reward = np.zeros((n_states, n_actions, K))
        for s in range(n_states):
            next_state[s] = s
            for a in range(n_actions):
                for k, (p, s_next, r, _done) in enumerate(P[s][a]):
                    next_state[s, a, k], prob[s, a, k], reward[s, a, k] = s_next, p, r
        self_loop = (next_state == np.arange(n_states)[:, None, None]) | (prob == 0)
        terminal = self_loop.all(axis=(1, 2)) & (reward == 0).all(axis=(1, 2))
        names = tuple(action_names) if action_names is not None else tuple(str(a) for a in range(n_actions))
        return cls(next_state, prob, reward, terminal, names)


@dataclass
class IterationResult:
    """The outcome of Q-iteration or policy evaluation, with the whole sweep-by-sweep history."""

    Q: np.ndarray
    """(S, A) final Q_k."""
    V: np.ndarray
    """(S,) final V_k = max_a Q_k (or sum_a pi(a|s) Q_k for policy evaluation)."""
    deltas: np.ndarray
    """(iterations,) max_s |V_{k+1}(s) - V_k(s)| after each sweep."""
    converged: bool
    diverged: bool
    epsilon: float
    gamma: float
    Q_history: np.ndarray | None
    """(iterations + 1, S, A) float32 Q_0 ... Q_k, or None when it would not fit in memory."""

    @property
    def iterations(self) -> int:
        return len(self.deltas)

    def greedy_actions(self, k: int | None = None) -> np.ndarray:
        """(S, A) bool mask of argmax_a Q_k(s, a), every tied maximizer included."""
        Q = self.Q if k is None else self.Q_at(k)
        return greedy_mask(Q)

    def Q_at(self, k: int) -> np.ndarray:
        """Q_k for sweep k (0 = the initial guess); the final Q when no history was kept."""
        if self.Q_history is None:
            return self.Q
        return self.Q_history[min(max(k, 0), len(self.Q_history) - 1)].astype(np.float64)


def greedy_mask(Q: np.ndarray) -> np.ndarray:
    """pi*(s) = argmax_a Q(s, a) as a boolean mask with every maximizing action set (ties kept)."""
    return Q >= Q.max(axis=1, keepdims=True) - TIE_TOLERANCE


def _check_gamma_eps(gamma: float, epsilon: float, max_iterations: int) -> None:
    if not 0.0 <= gamma <= 1.0:
        raise InputError(f"The discount gamma must lie in [0, 1]; got {gamma}.")
    if epsilon <= 0:
        raise InputError(f"The stopping threshold epsilon must be positive; got {epsilon}.")
    if max_iterations < 1:
        raise InputError("At least one iteration is needed.")


def _torch():
    """torch, imported on first use: only large MDPs sweep with its sparse matvec, so the pages of small
    gridworlds never pay its ~2 s import (cold start)."""
    import torch

    return torch


def _matvec(M, backend: str, x: np.ndarray, out: np.ndarray):
    """out = M x for a sparse CSR ``M`` from :meth:`TabularMDP.backup_matrix`, written into ``out`` in place."""
    if backend == "torch":
        torch = _torch()
        x_t, out_t = torch.from_numpy(x), torch.from_numpy(out)
        return lambda: torch.mv(M, x_t, out=out_t)
    n_rows, n_cols = M.shape
    indptr, indices, data = M.indptr, M.indices, M.data

    def scipy_matvec():
        # scipy's kernel accumulates into out (out += M x), so clear it first; calling it directly skips the
        # allocation and checks of ``M @ x``, which dominate the sweep of a small MDP
        out.fill(0.0)
        _sparsetools.csr_matvec(n_rows, n_cols, indptr, indices, data, x, out)

    return scipy_matvec


def _sweeps(
    mdp: TabularMDP,
    gamma: float,
    epsilon: float,
    max_iterations: int,
    Q0: np.ndarray | None,
    backup_value,
    keep_history: bool | None,
) -> IterationResult:
    """Shared driver: Q_{k+1} = r(s, a) + gamma P V_k with V_k = backup_value(Q_k), until the sheet's stop test.

    Internally Q is kept action-major, shape (A, S), to match the rows of ``mdp.backup_matrix()``, and every
    sweep works in preallocated buffers (no allocation inside the loop).
    """
    _check_gamma_eps(gamma, epsilon, max_iterations)
    S, A = mdp.n_states, mdp.n_actions
    backend = "torch" if S * A >= TORCH_MIN_PAIRS else "scipy"
    M = mdp.backup_matrix(gamma, backend)  # [gamma P | r], (A*S, S + 1)
    # Q_0 (a copy: the sweeps overwrite it in place)
    Q = np.zeros(A * S) if Q0 is None else np.array(np.asarray(Q0, dtype=np.float64).T, order="C").reshape(-1)
    Q_as = Q.reshape(A, S)  # view: row a holds Q(., a)
    # x_k = [V_k; 1] in two rows, the current sweep's and the next one's (swapped every sweep)
    X = np.ones((2, S + 1))
    V_of = (X[0, :S], X[1, :S])
    sweep = (_matvec(M, backend, X[0], Q), _matvec(M, backend, X[1], Q))
    difference = np.empty(S)
    if keep_history is None:
        keep_history = S * A <= HISTORY_BUDGET // 300
    history: list[np.ndarray] = [Q_as.T.astype(np.float32)] if keep_history else []
    backup_value(Q_as, out=V_of[0])
    now = 0
    deltas: list[float] = []
    converged = diverged = False
    for _ in range(max_iterations):
        # Q_{k+1}(s, a) = r(s, a) + gamma * sum_{s'} P(s'|s, a) V_k(s')   (= M [V_k; 1])
        sweep[now]()
        V, V_next = V_of[now], V_of[1 - now]
        backup_value(Q_as, out=V_next)
        # stop test: max_s |max_a Q_{k+1}(s, a) - max_a Q_k(s, a)| <= epsilon
        np.subtract(V_next, V, out=difference)
        delta = max(float(difference.max()), -float(difference.min())) if S else 0.0
        deltas.append(delta)
        now = 1 - now
        if keep_history:
            if len(history) * S * A > HISTORY_BUDGET:
                keep_history, history = False, []
            else:
                history.append(Q_as.T.astype(np.float32))
        if not np.isfinite(delta) or (len(deltas) % 64 == 0 and float(abs(V_next).max()) > DIVERGENCE_BOUND):
            diverged = True
            break
        if delta <= epsilon:
            converged = True
            break
    return IterationResult(
        Q=Q_as.T.copy(),
        V=V_of[now].copy(),
        deltas=np.array(deltas),
        converged=converged,
        diverged=diverged,
        epsilon=epsilon,
        gamma=gamma,
        Q_history=np.stack(history) if keep_history and history else None,
    )


def q_iteration(
    mdp: TabularMDP,
    gamma: float,
    epsilon: float = 1e-6,
    max_iterations: int = 10_000,
    Q0: np.ndarray | None = None,
    keep_history: bool | None = None,
) -> IterationResult:
    """Q-iteration (the sheet's "Bellman function" algorithm).

    Pick Q_0(s, a) (zeros by default), k = 0; repeat

        Q_{k+1}(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) max_{a'} Q_k(s', a')

    until max_s |max_a Q_{k+1}(s, a) - max_a Q_k(s, a)| <= epsilon.  Then V*(s) = max_a Q*(s, a) and
    pi*(s) = argmax_a Q*(s, a).  Stops early, with ``converged=False``, after ``max_iterations`` sweeps or
    when the values blow up (``diverged=True``), e.g. gamma = 1 with no reachable terminal.
    """

    def max_over_actions(Q_as, out):
        # V_k(s) = max_a Q_k(s, a): a reduction over A contiguous rows of length S (Q_as has shape (A, S))
        return np.maximum.reduce(Q_as, axis=0, out=out)

    return _sweeps(mdp, gamma, epsilon, max_iterations, Q0, max_over_actions, keep_history)


def policy_evaluation(
    mdp: TabularMDP,
    policy: np.ndarray,
    gamma: float,
    epsilon: float = 1e-6,
    max_iterations: int = 10_000,
    keep_history: bool | None = None,
) -> IterationResult:
    """Iterative policy evaluation of a stochastic policy pi(a|s), shape (S, A).

        Q_{k+1}(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) V_k(s'),   V_k(s) = sum_a pi(a|s) Q_k(s, a)

    which converges to V^pi(s) = E[R^pi(s)] (sheet 1.1 a.8), the expected discounted total reward of
    following pi from s.  Same stop test as Q-iteration.
    """
    policy = np.asarray(policy, dtype=np.float64)
    if policy.shape != (mdp.n_states, mdp.n_actions):
        raise InputError(f"The policy must have shape (S, A) = ({mdp.n_states}, {mdp.n_actions}).")
    if (policy < 0).any() or not np.allclose(policy.sum(axis=1), 1.0):
        raise InputError("Each row pi(.|s) of the policy must be a probability distribution.")
    pi_as = np.ascontiguousarray(policy.T)  # (A, S)
    weighted = np.empty_like(pi_as)  # pi(a|s) Q_k(s, a), reused every sweep

    def expectation_over_policy(Q_as, out):
        # V_k(s) = sum_a pi(a|s) Q_k(s, a)
        np.multiply(pi_as, Q_as, out=weighted)
        return np.sum(weighted, axis=0, out=out)

    return _sweeps(mdp, gamma, epsilon, max_iterations, None, expectation_over_policy, keep_history)


def uniform_random_policy(mdp: TabularMDP) -> np.ndarray:
    """pi(a|s) = 1/|A| for every state: the equiprobable random policy of Sutton & Barto Example 4.1."""
    return np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)


def greedy_policy(Q: np.ndarray) -> np.ndarray:
    """pi(a|s) uniform over argmax_a Q(s, a) (ties share the probability)."""
    mask = greedy_mask(Q).astype(np.float64)
    return mask / mask.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class BackupTerm:
    """One successor s' in a Bellman backup: P(s'|s, a), r(s, a, s') and V_k(s')."""

    prob: float
    next_state: int
    reward: float
    next_value: float


@dataclass(frozen=True)
class Backup:
    """Q_{k+1}(s, a) = sum_{s'} P(s'|s, a) [r(s, a, s') + gamma V_k(s')] written out term by term."""

    state: int
    action: int
    gamma: float
    terms: tuple[BackupTerm, ...]

    @property
    def expected_reward(self) -> float:
        """r(s, a) = sum_{s'} r(s, a, s') P(s'|s, a)."""
        return sum(t.prob * t.reward for t in self.terms)

    @property
    def value(self) -> float:
        return self.expected_reward + self.gamma * sum(t.prob * t.next_value for t in self.terms)


def bellman_backup(mdp: TabularMDP, V: np.ndarray, s: int, a: int, gamma: float) -> Backup:
    """The single backup Q_{k+1}(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) V_k(s') with its numbers.

    Successors that appear in several slots (e.g. two slips into the same wall) are merged.
    """
    merged: dict[int, list[float]] = {}
    for p, s_next, r in mdp.table(s, a):
        entry = merged.setdefault(s_next, [0.0, 0.0])
        entry[0] += p
        entry[1] += p * r
    terms = tuple(
        BackupTerm(prob=p, next_state=n, reward=pr / p if p else 0.0, next_value=float(V[n]))
        for n, (p, pr) in sorted(merged.items(), key=lambda item: -item[1][0])
    )
    return Backup(state=s, action=a, gamma=gamma, terms=terms)


def state_values(Q: np.ndarray, policy: np.ndarray | None = None, absorbing: np.ndarray | None = None) -> np.ndarray:
    """V(s) read off a Q table: V(s) = max_a Q(s, a) (Q-iteration), or V(s) = sum_a pi(a|s) Q(s, a) for a policy.

    ``absorbing`` (S,) bool marks states whose value is set to 0 (walls and terminals: never backed up).
    """
    Q = np.asarray(Q, dtype=np.float64)
    if policy is None:
        # V(s) = max_a Q(s, a)
        V = Q.max(axis=1)
    else:
        # V(s) = sum_a pi(a|s) Q(s, a)
        V = (np.asarray(policy, dtype=np.float64) * Q).sum(axis=1)
    if absorbing is not None:
        V[np.asarray(absorbing, dtype=bool)] = 0.0
    return V


def backup_at_sweep(
    mdp: TabularMDP,
    result: IterationResult,
    k: int,
    s: int,
    policy: np.ndarray | None = None,
    absorbing: np.ndarray | None = None,
) -> Backup:
    """The backup that produced Q_k(s, a*) in sweep k, a* = argmax_a Q_k(s, a) (the first of ties):
    Q_k(s, a*) = sum_{s'} P(s'|s, a*) [r(s, a*, s') + gamma V_{k-1}(s')].

    V_{k-1} is read off Q_{k-1} as the sweep did (``policy`` None: max_a; else sum_a pi(a|s) Q). At k = 0 nothing
    has been backed up yet: it shows the first backup of action 0 from V_0 = 0.
    """
    if k > 0:
        V_prev = state_values(result.Q_at(k - 1), policy, absorbing=absorbing)
        best = int(np.argmax(result.Q_at(k)[s]))
    else:
        V_prev, best = np.zeros(mdp.n_states), 0
    return bellman_backup(mdp, V_prev, s, best, result.gamma)


def greedy_path(
    mdp: TabularMDP,
    start: int,
    Q: np.ndarray,
    max_length: int | None = None,
    successor_slot: int | None = None,
) -> np.ndarray:
    """The states s_0 = start, s_1, ... visited by following a_t = argmax_a Q(s_t, a) without noise.

    ``Q`` is a Q table (S, A) or a boolean greedy mask (:func:`greedy_mask`); on ties the first maximizing
    action is taken.  The successor is s_{t+1} = next_state[s_t, a_t, k] with k = argmax_k P(k|s_t, a_t) (the
    most likely successor, first slot on ties) or, with ``successor_slot``, always that slot (a gridworld's
    ``mdp()`` puts the intended move in slot 0).  Stops at a terminal state, when a state repeats (the
    repeated state ends the path: the policy loops) or after ``max_length`` steps (default S + 1).
    """
    S = mdp.n_states
    if not 0 <= int(start) < S:
        raise InputError(f"The start state {start} is not one of the {S} states.")
    Q = np.asarray(Q)
    if Q.shape != (S, mdp.n_actions):
        raise InputError(f"Q must have shape (S, A) = ({S}, {mdp.n_actions}); got {Q.shape}.")
    max_length = max_length or S + 1
    s = int(start)
    path, seen = [s], {s}
    for _ in range(max_length):
        if mdp.terminal[s]:
            break
        # a_t = argmax_a Q(s_t, a), first maximizer
        a = int(np.argmax(Q[s]))
        k = successor_slot if successor_slot is not None else int(np.argmax(mdp.prob[s, a]))
        s = int(mdp.next_state[s, a, k])
        path.append(s)
        if s in seen:
            break
        seen.add(s)
    return np.array(path)
