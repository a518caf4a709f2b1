"""Benchmark: Q-iteration to convergence on open gridworlds (sheet 1.1).

Grid: n×n, start top-left, a +1 terminal bottom-right, slip 0.2, γ = 0.99, ε = 1e-6.
Compares core.rl.mdp.q_iteration (sparse action-major matvec) with the plain NumPy formulation that gathers
V at every (s, a, k) successor slot. Prints a Markdown table (median of several runs, in-process).

Run: .venv/bin/python bench/bench_value_iteration.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from core.rl.gridworld import open_grid, parse_layout
from core.rl.mdp import q_iteration

GAMMA, EPSILON, SLIP = 0.99, 1e-6, 0.2


def plain_numpy_q_iteration(mdp, gamma: float, epsilon: float) -> int:
    """The textbook vectorization: Q = r(s,a) + γ Σ_k P[s,a,k] V[next[s,a,k]] with fancy indexing."""
    r = mdp.expected_reward()
    V = np.zeros(mdp.n_states)
    for k in range(1, 100_000):
        Q = r + gamma * (mdp.prob * V[mdp.next_state]).sum(axis=2)
        V_next = Q.max(axis=1)
        delta = np.abs(V_next - V).max()
        V = V_next
        if delta <= epsilon:
            return k
    raise RuntimeError("no convergence")


def timed(fn, repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}; γ={GAMMA}, ε={EPSILON:g}, slip={SLIP}\n")
    print("| grid | sweeps | q_iteration min / median / max (s) | plain NumPy gather median (s) | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for n in (50, 200):
        mdp = parse_layout(open_grid(n, n), slip=SLIP).mdp()
        mdp.transition_matrix("torch"), mdp.transition_matrix("scipy")  # build once, like the page's cache
        result = q_iteration(mdp, GAMMA, EPSILON, keep_history=False)
        ours = timed(lambda m=mdp: q_iteration(m, GAMMA, EPSILON, keep_history=False), args.repeats)
        plain = timed(lambda m=mdp: plain_numpy_q_iteration(m, GAMMA, EPSILON), max(1, args.repeats // 2))
        print(
            f"| {n}×{n} | {result.iterations} | {ours[0]:.3f} / {ours[1]:.3f} / {ours[2]:.3f} | {plain[1]:.3f} | "
            f"{plain[1] / ours[1]:.1f}× |"
        )


if __name__ == "__main__":
    main()
