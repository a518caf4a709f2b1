"""Benchmark: Q-learning and SARSA, 100 seeds × 500 episodes of CliffWalking-v1, vectorized across seeds,
against a plain per-step Gymnasium loop measured in the same run.

Usage: .venv/bin/python bench/bench_tabular_rl.py [--seeds 100] [--episodes 500] [--repeat 3]
Prints a Markdown table (paste into docs/benchmarks.md). Run it on an idle machine: timings on a shared
machine say more about the neighbours than about the code.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from core.rl.tabular import ALGORITHMS, TDConfig, run_agents, run_reference
from core.rl.tabular_tasks import cliff_walking_task, optimal_q, plain_gymnasium_steps


def best_of(repeat: int, fn):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    # Sutton & Barto Example 6.6: ε = 0.1, α = 0.5, γ = 1, no time limit worth the name
    task = cliff_walking_task(max_steps=100_000)
    config = TDConfig(episodes=args.episodes, alpha=0.5, gamma=1.0, epsilon=0.1)
    seeds = range(args.seeds)
    Q_star = optimal_q(task, 1.0)

    rows = []
    both_time, both = best_of(args.repeat, lambda: run_agents(task, config, seeds, ALGORITHMS))
    rows.append(("Q-learning + SARSA, one batch", both.steps, both_time))
    for name in ALGORITHMS:
        t, r = best_of(args.repeat, lambda name=name: run_agents(task, config, seeds, [name]))
        rows.append((f"{name} alone", r.steps, t))
    t, r = best_of(1, lambda: run_agents(task, config, seeds, ALGORITHMS, Q_star=Q_star))
    rows.append(("both, with ‖Q − Q*‖ per episode", r.steps, t))

    # the baselines, on the same machine in the same run
    plain_steps = 200_000
    plain_time, _ = best_of(args.repeat, lambda: plain_gymnasium_steps(task, plain_steps))
    one_agent_time, ref = best_of(
        1, lambda: run_reference(task, TDConfig(episodes=50, alpha=0.5, gamma=1.0, epsilon=0.1), 0, "Q-learning")
    )
    ref_steps = int(ref.lengths.sum())
    plain_rate = plain_steps / plain_time

    print(
        f"CliffWalking-v1, {args.seeds} seeds × {args.episodes} episodes, ε = 0.1, α = 0.5, γ = 1; "
        f"best of {args.repeat}; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, "
        f"NumPy {np.__version__}\n"
    )
    print("| run | agent-steps | time (s) | steps/s | × plain Gymnasium loop |")
    print("|---|---:|---:|---:|---:|")
    for label, steps, seconds in rows:
        rate = steps / seconds
        print(f"| {label} | {steps:,} | {seconds:.2f} | {rate / 1e6:.2f} M | {rate / plain_rate:.1f} |")
    print(
        f"| plain Gymnasium loop, random actions (`env.step` only) | {plain_steps:,} | {plain_time:.2f} | "
        f"{plain_rate / 1e3:.0f} k | 1.0 |"
    )
    ref_rate = ref_steps / one_agent_time
    print(
        f"| single-agent Q-learning stepping the real env (reference loop) | {ref_steps:,} | "
        f"{one_agent_time:.2f} | {ref_rate / 1e3:.0f} k | {ref_rate / plain_rate:.2f} |"
    )
    online = both.returns[:, :, -100:].mean(axis=(1, 2))
    print(
        f"\nMean sum of rewards over the last 100 episodes: Q-learning {online[0]:.1f}, SARSA {online[1]:.1f} "
        "(Sutton & Barto Fig. 6.4: about −50 and −25)."
    )


if __name__ == "__main__":
    main()
