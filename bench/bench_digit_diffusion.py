"""Diffusion on the digits (sheet 12, 12c): seconds of training until the pixel DDPM's samples are recognisable, and
the cost of one denoising step in pixel space against the VAE's latent space.

Recognisable: of 200 DDPM samples from a fixed x_T, the digit classifier (logistic regression on the 1,797 digits)
reads at least RECOGNISABLE of them as a digit (p ≥ 0.9) — it does so for 77 % of the real digits and ~14 % of
pure noise. The training baseline, measured in the same run, is a bare PyTorch loop of the same network, batches
and Adam updates (no weight average, no numpy noising, no bookkeeping): the ratio says what the trainer adds.

Run: .venv/bin/python -m bench.bench_digit_diffusion [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.generative import digit_diffusion as dd
from core.generative import latent_diffusion as ldm
from core.generative import vae
from viz import animation
from viz.generative import digit_diffusion as viz

RECOGNISABLE = 0.30
GOAL_SECONDS = 30.0
GOAL_RATIO = 5.0
CHECK_EVERY = 500
"""Gradient steps between two quality checks (the checks' time is not counted as training)."""
BATCHES = (25, 256, 1024)


def seconds_to_recognisable(seed: int, cap: float = 2 * GOAL_SECONDS) -> tuple[float, int, float, float]:
    """(training seconds, gradient steps, share read as a digit, noise's share) when the share first reaches
    RECOGNISABLE (checked every CHECK_EVERY steps), or at the budget / ``cap`` seconds; the default settings."""
    trainer = dd.PixelDiffusionTrainer(dd.DDPMConfig(seed=seed))
    share = 0.0
    noise = dd.quality(dd.noise_images(dd.QUALITY_SAMPLES, seed)).digit_share
    while not trainer.finished and trainer.train_seconds < cap:
        trainer.train_chunk(CHECK_EVERY)
        share = dd.run_sampler(trainer, "DDPM", 20, seed).quality.digit_share
        if share >= RECOGNISABLE:
            break
    return trainer.train_seconds, trainer.steps, share, noise


def bare_loop_seconds(steps: int) -> float:
    """The default network, batch and Adam updates in a bare torch loop (x_t made in torch, no average)."""
    config = dd.DDPMConfig()
    trainer = dd.PixelDiffusionTrainer(config)  # for its data and network only
    model = trainer.model
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    data = torch.tensor(trainer.data, dtype=torch.float32)
    alpha_bars = torch.tensor(trainer.schedule.alpha_bars, dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)
    with vae.torch_threads():
        start = time.perf_counter()
        for _ in range(steps):
            x0 = data[torch.randint(len(data), (config.batch_size,), generator=generator)]
            t = torch.randint(1, config.T + 1, (config.batch_size,), generator=generator)
            eps = torch.randn(config.batch_size, dd.PIXELS, generator=generator)
            a = alpha_bars[t][:, None]
            loss = ((eps - model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t)) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start


def trainer_seconds(steps: int) -> float:
    trainer = dd.PixelDiffusionTrainer(dd.DDPMConfig(steps=steps))
    trainer.train_chunk(steps)
    return trainer.train_seconds


def default_models() -> tuple[dd.PixelDiffusionTrainer, ldm.LatentDiffusionTrainer]:
    """The two pages' default models: shipped where present, else trained here (the cost needs no training, the
    quality does)."""
    pixel = dd.load_shipped(dd.DDPMConfig())
    if pixel is None:
        pixel = dd.PixelDiffusionTrainer(dd.DDPMConfig())
        pixel.train_chunk(pixel.total_steps)
    config = ldm.LatentConfig()
    autoencoder = vae.load_shipped(config.vae)
    if autoencoder is None:
        autoencoder = vae.VAETrainer(config.vae)
        autoencoder.train_chunk(autoencoder.total_steps)
    latent = ldm.load_shipped(config, autoencoder)
    if latent is None:
        latent = ldm.LatentDiffusionTrainer(config, autoencoder)
        latent.train_chunk(latent.total_steps)
    return pixel, latent


def frame_figure_ms(trainer: dd.VectorDiffusionTrainer, repeats: int) -> tuple[float, float, float]:
    """(ms to build the default frames figure from fresh frames, its JSON size in kB, ms to encode the GIF)."""
    frames = dd.sample_frames(trainer, "DDPM", 25, 20, seed=0)
    shown = animation.even_sample(len(frames.timesteps), 51)
    times, gif_times = [], []
    size = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        uris = [viz.frame_uris(frames, k) for k in shown]
        spec = viz.frames_figure(uris, [str(int(frames.timesteps[k])) for k in shown], 0, title="DDPM")
        times.append(time.perf_counter() - start)
        size = sum(len(a) + len(b) for a, b in uris) / 1000
        start = time.perf_counter()
        viz.frames_gif(frames, shown)
        gif_times.append(time.perf_counter() - start)
    assert spec["frames"]
    return 1000 * statistics.median(times), size, 1000 * statistics.median(gif_times)


def run(quick: bool = False) -> str:
    torch.set_num_threads(1)
    seeds = (0,) if quick else (0, 1, 2)
    results = [seconds_to_recognisable(seed) for seed in seeds]
    steps = 1000 if quick else 4000
    bare = min(bare_loop_seconds(steps) for _ in range(1 if quick else 2))
    ours = min(trainer_seconds(steps) for _ in range(1 if quick else 2))
    pixel, latent = default_models()
    costs = [(batch, ldm.step_cost(pixel, batch), ldm.step_cost(latent, batch)) for batch in BATCHES]
    quality = {
        "pixel DDPM": dd.run_sampler(pixel, "DDPM", 20, 0).quality,
        "latent DDPM": dd.run_sampler(latent, "DDPM", 20, 0).quality,
        "VAE prior": dd.quality(vae.prior_samples(latent.autoencoder, dd.QUALITY_SAMPLES, 0)),
        "noise": dd.quality(dd.noise_images(dd.QUALITY_SAMPLES, 0)),
    }
    figure_ms, figure_kb, gif_ms = frame_figure_ms(pixel, 3 if quick else 10)

    config = dd.DDPMConfig()
    worst = max(seconds for seconds, _, share, _ in results)
    reached = all(share >= RECOGNISABLE for _, _, share, _ in results)
    per_step_ms = 1000 * bare / steps
    lines = [
        "## Diffusion on digits and latent diffusion (sheet 12, 12c) — `python -m bench.bench_digit_diffusion`",
        "",
        f"The pages' defaults: pixel ε_θ on 64 pixels ({config.layers}×{config.hidden} SiLU MLP, T = {config.T}, "
        f"linear β, Adam {config.learning_rate:g}, batch {config.batch_size}, weight average "
        f"{config.ema_decay:g}), one torch thread; checked every {CHECK_EVERY} steps on {dd.QUALITY_SAMPLES} DDPM "
        f"samples. Recognisable: ≥ {RECOGNISABLE:.0%} read as a digit (p ≥ {dd.CONFIDENT:g}) by the classifier. "
        f"Baseline: a bare torch loop of the same updates, {per_step_ms:.2f} ms per step in this run.",
        "",
        "| seed | training to recognisable (s) | bare loop, same steps (s) | ratio | gradient steps | read as a digit "
        "| noise x_T |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seed, (seconds, done, share, noise) in zip(seeds, results):
        baseline = bare / steps * done
        lines.append(
            f"| {seed} | {seconds:.1f} | {baseline:.1f} | {seconds / baseline:.2f}× | {done:,} | {share:.0%} | "
            f"{noise:.0%} |"
        )
    lines += [
        "",
        f"Trainer vs bare loop over {steps:,} steps: {ours:.1f} s vs {bare:.1f} s ({ours / bare:.2f}×: the numpy "
        "noising through `diffusion.q_sample` and the weight average).",
        "",
        "One denoising step (a DDPM step: ε_θ and the update; wall time = whole DDPM runs / T), pixel vs latent "
        f"(d = {latent.dim}, {latent.config.layers}×{latent.config.hidden} ε_θ):",
        "",
        "| batch | FLOPs pixel / latent | ratio | memory pixel / latent (kB) | ratio | wall pixel / latent (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for batch, p, q in costs:
        lines.append(
            f"| {batch} | {p.flops:,} / {q.flops:,} | {p.flops / q.flops:.1f}× | {p.memory_bytes / 1000:,.1f} / "
            f"{q.memory_bytes / 1000:,.1f} | {p.memory_bytes / q.memory_bytes:.1f}× | {1000 * p.seconds:.2f} / "
            f"{1000 * q.seconds:.2f} | {p.seconds / q.seconds:.1f}× |"
        )
    lines += [
        "",
        "Quality on 200 samples (seed 0): "
        + ", ".join(
            f"{name} {q.digit_share:.0%} read as a digit (nearest digit {q.nearest:.2f})" for name, q in quality.items()
        )
        + ".",
        "",
        f"Frames figure (51 frames of 25 digits, x_t and x̂₀): built in {figure_ms:.0f} ms, {figure_kb:,.0f} kB of "
        f"PNGs; the GIF of the same frames encodes in {gif_ms:.0f} ms (only when its button is pressed).",
        "",
    ]
    flops_ratio = min(p.flops / q.flops for _, p, q in costs)
    big = costs[-1]
    wall_ratio = big[1].seconds / big[2].seconds
    lines.append(
        f"Goal digits DDPM recognisable in ≤ {GOAL_SECONDS:.0f} s of training: "
        f"**{'met' if reached and worst <= GOAL_SECONDS else 'not met'}** (slowest seed {worst:.1f} s). "
        f"Goal a latent step ≥ {GOAL_RATIO:.0f}× cheaper: FLOPs **{'met' if flops_ratio >= GOAL_RATIO else 'not met'}** "
        f"({flops_ratio:.1f}×), wall time at batch {big[0]} **{'met' if wall_ratio >= GOAL_RATIO else 'not met'}** "
        f"({wall_ratio:.1f}×; at batch {costs[0][0]} the fixed cost of a PyTorch call dominates both: "
        f"{costs[0][1].seconds / costs[0][2].seconds:.1f}×)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
