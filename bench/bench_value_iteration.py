"""Benchmark: Q-iteration to convergence on open gridworlds (sheet 1.1).

Grid: n×n, start top-left, a +1 terminal bottom-right, slip 0.2, γ = 0.99, ε = 1e-6, run to the sheet's stop test.
Compares core.rl.mdp.q_iteration (one sparse matvec [γP | r][V; 1] per sweep, action-major rows) with the plain
NumPy formulation that gathers V at every (s, a, k) successor slot, measured in the same run; both must take the
same number of sweeps and agree on V*.

Run: .venv/bin/python -m bench.bench_value_iteration [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import torch

from core.rl.gridworld import open_grid, parse_layout
from core.rl.mdp import TORCH_MIN_PAIRS, q_iteration

GAMMA, EPSILON, SLIP = 0.99, 1e-6, 0.2
GOAL_SIDE, GOAL_SECONDS = 200, 0.2


def plain_numpy_q_iteration(mdp, gamma: float, epsilon: float) -> tuple[int, np.ndarray]:
    """The textbook vectorization: Q = r(s,a) + γ Σ_k P[s,a,k] V[next[s,a,k]] with fancy indexing.
    Returns (sweeps, V*)."""
    r = mdp.expected_reward()
    V = np.zeros(mdp.n_states)
    for k in range(1, 100_000):
        Q = r + gamma * (mdp.prob * V[mdp.next_state]).sum(axis=2)
        V_next = Q.max(axis=1)
        delta = np.abs(V_next - V).max()
        V = V_next
        if delta <= epsilon:
            return k, V
    raise RuntimeError("no convergence")


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """Wall times of ``repeats`` calls and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def run(quick: bool = False) -> str:
    repeats, plain_repeats = (3, 1) if quick else (9, 3)
    default_threads = torch.get_num_threads()
    rows, goal, plain_of_side = [], None, {}
    # (side, torch threads): the page's default, and one thread (what a machine busy with other work leaves)
    for n, threads in ((50, default_threads), (GOAL_SIDE, default_threads), (GOAL_SIDE, 1)):
        mdp = parse_layout(open_grid(n, n), slip=SLIP).mdp()
        if n not in plain_of_side:  # the plain sweep is single-threaded NumPy: one measurement per grid
            plain_of_side[n] = timed(lambda m=mdp: plain_numpy_q_iteration(m, GAMMA, EPSILON), plain_repeats)
        plain, (plain_sweeps, plain_V) = plain_of_side[n]
        torch.set_num_threads(threads)
        try:
            result = q_iteration(mdp, GAMMA, EPSILON, keep_history=False)  # builds the sparse pattern once, as a page
            ours, _ = timed(lambda m=mdp: q_iteration(m, GAMMA, EPSILON, keep_history=False), repeats)
        finally:
            torch.set_num_threads(default_threads)
        if plain_sweeps != result.iterations:
            raise AssertionError(f"{n}×{n}: {result.iterations} sweeps, the plain sweep needs {plain_sweeps}")
        agreement = float(np.abs(result.V - plain_V).max())
        large = mdp.n_states * mdp.n_actions >= TORCH_MIN_PAIRS
        backend = f"torch, {threads} thread{'s' if threads > 1 else ''}" if large else "scipy"
        median, plain_median = statistics.median(ours), statistics.median(plain)
        rows.append(
            f"| {n}×{n} | {backend} | {result.iterations} | {median:.3f} ({min(ours):.3f}–{max(ours):.3f}) | "
            f"{plain_median:.3f} | {plain_median / median:.1f}× | {agreement:.0e} |"
        )
        if n == GOAL_SIDE and goal is None:
            goal = (median, plain_median / median)
    median, speedup = goal
    verdict = "met" if median <= GOAL_SECONDS else "not met"
    epsilon = f"{EPSILON:.0e}".replace("e-0", "e-")
    return "\n".join(
        [
            "## Value iteration (sheet 1.1) — `python -m bench.bench_value_iteration`",
            "",
            f"Open n×n gridworld, start top-left, +1 terminal bottom-right, slip {SLIP}, γ = {GAMMA}, ε = {epsilon}, "
            "run to the sheet's stop test ‖V_{k+1} − V_k‖∞ ≤ ε; `q_iteration` does one sparse matvec "
            "[γP | r][V_k; 1] per sweep (a general CSR matrix of the P table, int32 indices, float64; scipy below "
            f"{TORCH_MIN_PAIRS:,} state-action pairs, torch above) against the plain NumPy sweep that gathers V at "
            f"every (s, a, k) successor slot, in the same run; {'quick run, ' if quick else ''}{repeats} repeats "
            f"({plain_repeats} of the plain sweep).",
            "",
            "| grid | sweep on | sweeps (both) | `q_iteration` median (min–max) s | plain NumPy median s | speed-up "
            "| max abs(V* − V*_plain) |",
            "|---|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Goal ≤ {GOAL_SECONDS} s for {GOAL_SIDE}×{GOAL_SIDE} with the default {default_threads} torch threads: "
            f"**{verdict}** (median {median:.3f} s, {speedup:.1f}× the plain NumPy sweep).",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
