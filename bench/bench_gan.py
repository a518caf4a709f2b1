"""GAN on the ring of 8 Gaussians (sheet 11): seconds until the generator covers ≥ 6 of the 8 modes, per seed, with
the page's default settings; the cost of one Play frame's figures.

The baseline, measured in the same run, is a bare PyTorch loop of the same two networks and the same updates (no
history, no health checks, no checkpoints): the ratio says what the trainer's bookkeeping costs.

Run: .venv/bin/python -m bench.bench_gan [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.generative import gan
from viz.generative import gan as viz

SEEDS = 5
GOAL_MODES = 6
GOAL_SECONDS = 20.0
BASELINE_ROUNDS = 1000


def seconds_to_modes(seed: int, cap: float = GOAL_SECONDS) -> tuple[float, int, float]:
    """(seconds of training, generator steps, modes covered) when ≥ GOAL_MODES are first covered (checked at every
    history record), or at ``cap`` seconds."""
    trainer = gan.GANTrainer(gan.GANConfig(steps=100_000, seed=seed))
    start = time.perf_counter()
    while time.perf_counter() - start < cap:
        trainer.train_chunk(gan.RECORD_EVERY)
        if trainer.history[-1].modes >= GOAL_MODES:
            break
    return time.perf_counter() - start, trainer.steps, trainer.history[-1].modes


def final_modes(seed: int, steps: int) -> tuple[float, float, float]:
    """(modes covered, histogram JS, seconds) after the page's whole default budget."""
    trainer = gan.GANTrainer(gan.GANConfig(steps=steps, seed=seed))
    start = time.perf_counter()
    trainer.train_chunk(steps)
    return trainer.history[-1].modes, trainer.history[-1].js_histogram, time.perf_counter() - start


def bare_loop_seconds(rounds: int) -> float:
    """The same networks, batches and Adam updates as the default GANTrainer, in a bare loop."""
    config = gan.GANConfig()
    trainer = gan.GANTrainer(config)  # for its data and networks only
    g, d = trainer.generator_net, trainer.discriminator_net
    g_opt = torch.optim.Adam(g.parameters(), lr=config.g_lr, betas=gan.ADAM_BETAS)
    d_opt = torch.optim.Adam(d.parameters(), lr=config.d_lr, betas=gan.ADAM_BETAS)
    real_all = trainer.real
    start = time.perf_counter()
    for _ in range(rounds):
        real = real_all[torch.randint(len(real_all), (config.batch,))]
        with torch.no_grad():
            fake = g(torch.randn(config.batch, config.z_dim))
        d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = F.softplus(-d(g(torch.randn(config.batch, config.z_dim)))).mean()
        g_opt.zero_grad()
        torch.autograd.backward(g_loss, inputs=list(g.parameters()))
        g_opt.step()
    return time.perf_counter() - start


def trainer_loop_seconds(rounds: int) -> float:
    trainer = gan.GANTrainer(gan.GANConfig(steps=rounds))
    start = time.perf_counter()
    trainer.train_chunk(rounds)
    return time.perf_counter() - start


def frame_ms(repeats: int) -> float:
    """Median time of what a Play frame draws after its chunk: D's field, the arrows, the three figures and their
    JSON (what st.plotly_chart sends)."""
    trainer = gan.GANTrainer(gan.GANConfig(steps=200))
    trainer.train_chunk(200)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ticks, field = trainer.field(60)
        arrows = trainer.generator_gradients(40)
        trainer.current()
        figures = [
            viz.game_figure(ticks, field, trainer.data, trainer.samples(), arrows, trainer.centres),
            viz.progress_figure(trainer.history, True),
            viz.curves_figure(trainer.d_losses, trainer.g_losses, trainer.history, trainer.config.loss),
        ]
        for figure in figures:
            figure.to_json()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def run(quick: bool = False) -> str:
    torch.set_num_threads(1)
    results = [seconds_to_modes(seed) for seed in range(SEEDS)]
    rounds = BASELINE_ROUNDS // (4 if quick else 1)
    bare = min(bare_loop_seconds(rounds) for _ in range(1 if quick else 3))
    ours = min(trainer_loop_seconds(rounds) for _ in range(1 if quick else 3))
    per_round_ms = 1000 * bare / rounds
    budget = gan.GANConfig().steps
    finals = None if quick else [final_modes(seed, budget) for seed in range(SEEDS)]
    frame = frame_ms(5 if quick else 20)

    lines = [
        "## GAN on the ring of 8 Gaussians (sheet 11) — `python -m bench.bench_gan`",
        "",
        f"The page's defaults (2-64-64-2 generator, 2-64-64-1 discriminator, LeakyReLU, Adam 10⁻³ both, k = 1, "
        f"batch 128, non-saturating loss), one torch thread; modes counted on 1,000 fixed z every "
        f"{gan.RECORD_EVERY} G-steps (≥ {gan.MODE_MIN_SHARE:.0%} of the samples within 3σ of a centre). Time "
        f"units: one bare PyTorch round (k D-steps + 1 G-step, no bookkeeping) measured in the same run, "
        f"{per_round_ms:.2f} ms.",
        "",
        "| seed | G-steps to ≥ 6 modes | seconds to ≥ 6 modes | × bare round | modes then |"
        + (f" modes after {budget:,} G-steps | histogram JS then |" if finals else ""),
        "|---:|---:|---:|---:|---:|" + ("---:|---:|" if finals else ""),
    ]
    for seed, (seconds, steps, modes) in enumerate(results):
        row = f"| {seed} | {steps:,} | {seconds:.2f} | {seconds / (bare / rounds):,.0f} | {modes:.0f} |"
        if finals:
            row += f" {finals[seed][0]:.0f} | {finals[seed][1]:.3f} |"
        lines.append(row)
    median_seconds = statistics.median(r[0] for r in results)
    reached = sum(r[2] >= GOAL_MODES for r in results)
    lines += [
        "",
        "| loop | rounds | seconds | × bare loop |",
        "|---|---:|---:|---:|",
        f"| bare PyTorch (baseline) | {rounds:,} | {bare:.2f} | 1.00 |",
        f"| GANTrainer.train_chunk | {rounds:,} | {ours:.2f} | {ours / bare:.2f} |",
        "",
        f"One Play frame's drawing (D's 60×60 field, 40 arrows, three figures and their JSON): {frame:.0f} ms "
        f"({frame / per_round_ms:.0f} bare rounds).",
        "",
        f"Goal ≥ {GOAL_MODES} of 8 modes in ≤ {GOAL_SECONDS:g} s for the median of {SEEDS} seeds: "
        f"**{'met' if median_seconds <= GOAL_SECONDS and reached > SEEDS // 2 else 'not met'}** "
        f"(median {median_seconds:.2f} s; {reached} of {SEEDS} seeds reached ≥ {GOAL_MODES} modes).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
