"""Benchmark: Q-learning and SARSA, 100 seeds × 500 episodes of CliffWalking-v1, vectorized across seeds,
against a plain per-step Gymnasium loop measured in the same run.

The batch must stay bit-identical to stepping Gymnasium's env with the same seeds: the run checks one agent's
Q table against the reference loop (tests/rl/test_tabular.py checks every field).

Run: .venv/bin/python -m bench.bench_tabular_rl [--quick]
Timings on a shared machine say more about the neighbours than about the code; compare the ratios.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from core.rl.tabular import ALGORITHMS, TDConfig, run_agents, run_reference
from core.rl.tabular_tasks import cliff_walking_task, optimal_q, plain_gymnasium_steps

SEEDS, EPISODES, GOAL_SECONDS = 100, 500, 2.0


def best_of(repeat: int, fn):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def minus(x: float) -> str:
    """x with one decimal and a typographic minus sign, like the rest of the page."""
    return f"{x:.1f}".replace("-", "−")


def run(quick: bool = False) -> str:
    repeat, plain_steps = (1, 50_000) if quick else (3, 200_000)
    # Sutton & Barto Example 6.6: ε = 0.1, α = 0.5, γ = 1, no time limit worth the name
    task = cliff_walking_task(max_steps=100_000)
    config = TDConfig(episodes=EPISODES, alpha=0.5, gamma=1.0, epsilon=0.1)
    seeds = range(SEEDS)
    Q_star = optimal_q(task, 1.0)

    rows = []
    both_time, both = best_of(repeat, lambda: run_agents(task, config, seeds, ALGORITHMS))
    rows.append(("Q-learning + SARSA, one batch", both.steps, both_time))
    for name in ALGORITHMS:
        t, r = best_of(repeat, lambda name=name: run_agents(task, config, seeds, [name]))
        rows.append((f"{name} alone", r.steps, t))
    t, r = best_of(1, lambda: run_agents(task, config, seeds, ALGORITHMS, Q_star=Q_star))
    rows.append(("both, with ‖Q − Q*‖ per episode", r.steps, t))

    # the baselines, on the same machine in the same run
    plain_time, _ = best_of(repeat, lambda: plain_gymnasium_steps(task, plain_steps))
    short = TDConfig(episodes=50, alpha=0.5, gamma=1.0, epsilon=0.1)
    one_agent_time, ref = best_of(1, lambda: run_reference(task, short, 0, "Q-learning"))
    identical = np.array_equal(ref.Q, run_agents(task, short, [0], ["Q-learning"]).Q[0, 0])
    ref_steps = int(ref.lengths.sum())
    plain_rate = plain_steps / plain_time

    lines = [
        "## Tabular Q-learning / SARSA (sheet 1.2) — `python -m bench.bench_tabular_rl`",
        "",
        f"CliffWalking-v1, {SEEDS} seeds × {EPISODES} episodes, ε = 0.1, α = 0.5, γ = 1, best of {repeat}"
        f"{' (quick run)' if quick else ''}: all (algorithm, seed) agents step in one NumPy batch, bit-identical to "
        "stepping Gymnasium's env with the same seeds, against a plain Gymnasium loop in the same run "
        f"({platform.machine()}, {os.cpu_count()} CPUs visible, NumPy {np.__version__}).",
        "",
        "| run | agent-steps | lock steps | time (s) | steps/s | × plain Gymnasium loop |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lock_steps = {"Q-learning + SARSA, one batch": both.lock_steps}
    for label, steps, seconds in rows:
        rate = steps / seconds
        lock = f"{lock_steps[label]:,}" if label in lock_steps else ""
        lines.append(f"| {label} | {steps:,} | {lock} | {seconds:.2f} | {rate / 1e6:.2f} M | {rate / plain_rate:.1f} |")
    lines.append(
        f"| plain Gymnasium loop, random actions (`env.step` only) | {plain_steps:,} | | {plain_time:.2f} | "
        f"{plain_rate / 1e3:.0f} k | 1.0 |"
    )
    ref_rate = ref_steps / one_agent_time
    lines.append(
        f"| single-agent Q-learning stepping the real env (reference loop, 50 episodes) | {ref_steps:,} | | "
        f"{one_agent_time:.2f} | {ref_rate / 1e3:.0f} k | {ref_rate / plain_rate:.2f} |"
    )
    online = both.returns[:, :, -100:].mean(axis=(1, 2))
    verdict = "met" if both_time <= GOAL_SECONDS else "not met"
    lines += [
        "",
        f"Mean sum of rewards over the last 100 episodes: Q-learning {minus(online[0])}, SARSA {minus(online[1])} "
        "(Sutton & Barto Fig. 6.4: about −50 and −25). Seed 0's Q-learning table after 50 episodes equals the "
        f"reference loop's: **{'yes' if identical else 'NO'}**.",
        "",
        f"Goal ≤ {GOAL_SECONDS:g} s for both algorithms in one batch: **{verdict}** ({both_time:.2f} s, "
        f"{both.steps / both_time / plain_rate:.1f}× the plain Gymnasium loop's steps/s).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
