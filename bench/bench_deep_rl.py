"""Benchmark of the deep-RL agents on CartPole-v1 (sheet 1.6 comparison): steps and wall time to solve.

Solved = greedy evaluation mean ≥ 475 over 10 episodes (checked every ``eval_every`` steps; evaluation time
is included in the wall time). After solving, each run trains ``EXTRA_STEPS`` more steps and is evaluated
again: "still solved" is the stability column.

Usage: .venv/bin/python bench/bench_deep_rl.py [--seeds 5] [--out docs/benchmarks_deep_rl]
Writes <out>.md (a Markdown table, also printed) and <out>.json (read by pages/rl/comparison.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer  # noqa: E402
from core.rl.dqn import DQNConfig, DQNTrainer  # noqa: E402
from core.rl.reinforce import ReinforceConfig, ReinforceTrainer  # noqa: E402

# (label, family, trainer factory, step budget, wall cap in seconds, goal in seconds, steps after solving)
AGENTS = (
    ("DQN", "value-based", lambda s: DQNTrainer(DQNConfig(total_steps=100_000), s), 100_000, 300, 30, 10_000),
    (
        "Double DQN",
        "value-based",
        lambda s: DQNTrainer(DQNConfig(total_steps=100_000, double=True), s),
        100_000,
        90,
        30,
        10_000,
    ),
    (
        "REINFORCE (reward-to-go − b)",
        "policy-based",
        lambda s: ReinforceTrainer(ReinforceConfig(total_steps=500_000), s),
        500_000,
        120,
        60,
        20_000,
    ),
    (
        "Actor-critic (batch)",
        "actor-critic",
        lambda s: ActorCriticTrainer(ActorCriticConfig(total_steps=500_000), s),
        500_000,
        120,
        60,
        20_000,
    ),
    (
        "Actor-critic (online)",
        "actor-critic",
        lambda s: ActorCriticTrainer(
            ActorCriticConfig(total_steps=500_000, variant="online", actor_lr=3e-4, critic_lr=5e-4), s
        ),
        500_000,
        60,
        60,
        20_000,
    ),
)


def run_one(factory, seed: int, budget: int, wall_cap: float, extra_steps: int) -> dict:
    trainer = factory(seed)
    chunk = 2_000
    while not trainer.finished and not trainer.solved and trainer.train_seconds < wall_cap:
        trainer.train_chunk(chunk, stop_when_solved=True)
    solved_step, solved_seconds = trainer.solved_step, trainer.solved_seconds
    still_solved = None
    if trainer.solved:
        trainer.total_steps = max(trainer.total_steps, trainer.steps + extra_steps)
        trainer.train_chunk(extra_steps)
        final = trainer.evaluate_now()
        still_solved = bool(final.mean >= 475)
    else:
        final = trainer.evaluate_now()
    return {
        "seed": seed,
        "solved_step": solved_step,
        "solved_seconds": None if solved_seconds is None else round(solved_seconds, 2),
        "steps": trainer.steps,
        "seconds": round(trainer.train_seconds, 2),
        "final_mean": final.mean,
        "final_sd": final.sd,
        "still_solved": still_solved,
        "diverged": trainer.diverged_reason,
        "eval_step": list(trainer.log.eval_step),
        "eval_mean": [round(x, 1) for x in trainer.log.eval_mean],
    }


def fmt_mean_sd(values) -> str:
    v = [x for x in values if x is not None]
    if not v:
        return "—"
    return f"{np.mean(v):,.0f} ± {np.std(v):,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks_deep_rl"))
    parser.add_argument("--only", default="", help="comma-separated labels to run (default: all)")
    args = parser.parse_args()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    results = []
    for label, family, factory, budget, wall_cap, goal, extra in AGENTS:
        if only and label not in only:
            continue
        runs = []
        for seed in range(args.seeds):
            run = run_one(factory, seed, budget, wall_cap, extra)
            runs.append(run)
            print(f"{label} seed {seed}: solved at {run['solved_step']} steps, {run['solved_seconds']} s", flush=True)
        results.append(
            {
                "label": label,
                "family": family,
                "budget": budget,
                "wall_cap": wall_cap,
                "goal_seconds": goal,
                "runs": runs,
            }
        )

    if only and Path(args.out + ".json").exists():
        # a partial re-run keeps the other agents' earlier results, in the table's order
        fresh = {r["label"]: r for r in results}
        earlier = json.loads(Path(args.out + ".json").read_text())["results"]
        order = [a[0] for a in AGENTS]
        merged = {r["label"]: r for r in earlier} | fresh
        results = [merged[label] for label in order if label in merged]

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "load_average_at_end": os.getloadavg()[0],
        "seeds": args.seeds,
        "torch_threads": 1,
    }
    Path(args.out + ".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))

    lines = [
        "# Deep RL on CartPole-v1: steps and wall time to solve",
        "",
        f"Measured {meta['date']} on {meta['machine']} (shared machine; load average {meta['load_average_at_end']:.1f} "
        f"at the end, so wall times are noisy). {args.seeds} seeds. Solved = greedy mean ≥ 475 over 10 episodes; "
        "evaluation time counts in the wall time. Stability: still solved after more training.",
        "",
        "| agent | solved (seeds) | within goal | steps to solve (mean ± sd) | wall s to solve (mean ± sd) | "
        "final greedy return (mean ± sd over seeds) | still solved after more steps |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        runs = r["runs"]
        solved = [x for x in runs if x["solved_step"] is not None]
        within = sum(1 for x in solved if x["solved_seconds"] <= r["goal_seconds"])
        stable = [x["still_solved"] for x in solved]
        lines.append(
            f"| {r['label']} | {len(solved)}/{len(runs)} | {within}/{len(runs)} ≤ {r['goal_seconds']} s | "
            f"{fmt_mean_sd([x['solved_step'] for x in solved])} | {fmt_mean_sd([x['solved_seconds'] for x in solved])} | "
            f"{fmt_mean_sd([x['final_mean'] for x in runs])} | {sum(stable)}/{len(stable)} |"
        )
    lines += ["", "Per seed (steps to solve / wall seconds; — = not solved within the budget or wall cap):", ""]
    for r in results:
        per = ", ".join(
            f"seed {x['seed']}: "
            + (
                f"{x['solved_step']:,} / {x['solved_seconds']:.1f} s"
                if x["solved_step"]
                else f"— ({x['steps']:,} steps, {x['seconds']:.0f} s)"
            )
            for x in r["runs"]
        )
        lines.append(f"- **{r['label']}**: {per}")
    text = "\n".join(lines) + "\n"
    Path(args.out + ".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
