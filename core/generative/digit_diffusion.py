"""Denoising diffusion on the 8×8 digits (sheet 12): a DDPM over all 64 pixels, its denoising frames, DDPM vs DDIM.

The process is the 2-D page's, and so is its code: the schedule (``make_schedule``), the forward jump ``q_sample``,
``predict_x0`` and the samplers ``ddpm_sample`` / ``ddim_sample`` come from :mod:`core.generative.diffusion` (tested
there), which take any trailing shape. What is new here is the data and the network:

* x_0 = 2p − 1: a digit's 64 grey levels p ∈ [0, 1] mapped to [−1, 1], so that the data and the N(0, I) end of the
  process have the same scale (as Ho et al. do with images); a sample goes back as p = clip((x_0 + 1)/2, 0, 1);
* ε_θ(x_t, t): the noise a Gaussian with the data's mean and variance would imply, plus a learned correction, a small
  SiLU MLP on [x_t scaled to unit variance, embedding(t)] (see :class:`VectorEpsilonNet` for why); sampling uses an
  exponential moving average θ̄ of the weights along training, as Ho et al. do (the samples then do not follow the
  noise of the last few updates);
* L(θ) = (1/D) ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖² per pair, the mean over the D coordinates (D = 64 here), so
  that the curve reads the same for latent diffusion's D = d.

:class:`VectorDiffusionTrainer` is written for any data of shape (n, D); :mod:`core.generative.latent_diffusion`
reuses it on the VAE's codes. The quality number is independent of both: scikit-learn's multinomial logistic
regression, fitted once on all 1797 digits, reads each sample (its confidence max_k p(k | x), its class), and the
distance to the nearest training digit.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the initial weights, the training
draws (digits, t and ε per step) and the samplers (x_T and DDPM's fresh z, one child per draw number).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.datasets import DIGIT_SIDE, digits
from core.errors import InputError
from core.generative import diffusion as diff
from core.numerics import seed_streams, torch_seed
from core.snapshot import PRETRAINED_DIR, load_module_arrays, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng, torch_threads

PIXELS = DIGIT_SIDE * DIGIT_SIDE
SAMPLERS = ("DDPM", "DDIM")
MAX_SAMPLES = 400
QUALITY_SAMPLES = 200
"""Samples behind the quality numbers (the frames show fewer): a share then has a standard error of about 3
percentage points."""
MAX_TRAIN_STEPS = 50_000
CONFIDENT = 0.9
"""A sample counts as "read as a digit" when the classifier gives its class at least this probability (the
classifier's own digits: 77 % of them; pixel noise: 14 %)."""
EMBEDDING = 32
"""Width of the sinusoidal time embedding fed to ε_θ."""

# The independent streams of one seed: SeedSequence(seed).spawn(3)[k].
INIT_STREAM, TRAIN_STREAM, SAMPLE_STREAM = range(3)


def seed_stream(seed: int, which: int) -> np.random.SeedSequence:
    """Stream ``which`` of ``SeedSequence(seed).spawn(3)``: initial weights, training draws, samplers."""
    return seed_streams(seed, 3)[which]


def draw_stream(seed: int, draw: int) -> np.random.SeedSequence:
    """Child number ``draw`` of the seed's sampler stream: "new noise" never repeats a draw, and the same (seed,
    draw) gives the same x_T and z for every model of that seed."""
    if draw < 0:
        raise InputError(f"The draw number must be ≥ 0; got {draw}.")
    parent = seed_stream(seed, SAMPLE_STREAM)
    # what parent.spawn(draw + 1)[draw] returns, made directly
    return np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, draw), pool_size=parent.pool_size)


# --------------------------------------------------------------------------------------------- data


def to_model_space(images: np.ndarray) -> np.ndarray:
    """x = 2p − 1: grey levels p ∈ [0, 1] of images (n, 8, 8) as vectors (n, 64) in [−1, 1]."""
    p = np.asarray(images, dtype=float).reshape(-1, PIXELS)
    # x = 2p − 1
    return 2.0 * p - 1.0


def to_images(x: np.ndarray) -> np.ndarray:
    """p = clip((x + 1)/2, 0, 1): vectors (n, 64) back to grey images (n, 8, 8)."""
    # p = (x + 1)/2, clipped to the grey range
    return np.clip((np.asarray(x, dtype=float) + 1.0) / 2.0, 0.0, 1.0).reshape(-1, DIGIT_SIDE, DIGIT_SIDE)


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class DDPMConfig:
    """Everything that identifies one trained ε_θ (the pages key their training sessions by it)."""

    schedule: str = "linear"
    """β schedule: ``linear`` (10⁻⁴ … 0.02, scaled by 1000/T) or ``cosine``."""
    T: int = 100
    """Number of diffusion steps (DDPM samples with all of them)."""
    hidden: int = 96
    """Width of each hidden layer of ε_θ."""
    layers: int = 2
    """Hidden layers of ε_θ."""
    learning_rate: float = 2e-3
    """Adam step size."""
    steps: int = 8000
    """Gradient steps to train for (about 10 s on one core for the default ε_θ)."""
    batch_size: int = 128
    """Training pairs (x_0, t, ε) per gradient step."""
    ema_decay: float = 0.995
    """d of the weight average θ̄ ← d θ̄ + (1 − d) θ that samples (0: sample with the last weights θ)."""
    seed: int = 0
    """Seeds the initial weights and every training draw (independent streams, see seed_stream)."""


def validate(config: DDPMConfig) -> DDPMConfig:
    """The config itself when it can train; an InputError naming the first field that cannot."""
    if config.schedule not in diff.SCHEDULES:
        raise InputError(f"Unknown schedule {config.schedule!r}; choose one of {', '.join(diff.SCHEDULES)}.")
    if not diff.T_RANGE[0] <= config.T <= diff.T_RANGE[1]:
        raise InputError(f"T must be between {diff.T_RANGE[0]} and {diff.T_RANGE[1]}; got {config.T}.")
    if not 1 <= config.steps <= MAX_TRAIN_STEPS:
        raise InputError(f"Training steps must be between 1 and {MAX_TRAIN_STEPS}; got {config.steps}.")
    if not 4 <= config.hidden <= 1024 or not 1 <= config.layers <= 6:
        raise InputError(f"ε_θ needs 4 to 1024 units in 1 to 6 hidden layers; got {config.hidden} × {config.layers}.")
    if not (math.isfinite(config.learning_rate) and 0 < config.learning_rate <= 10):
        raise InputError(f"The learning rate must be in (0, 10]; got {config.learning_rate:g}.")
    if not 0 <= config.ema_decay < 1:
        raise InputError(f"The averaging decay must be in [0, 1); got {config.ema_decay:g}.")
    if not 1 <= config.batch_size <= 4096:
        raise InputError(f"The batch size must be between 1 and 4096; got {config.batch_size}.")
    return config


class VectorEpsilonNet(nn.Module):
    """ε_θ(x_t, t) for vectors of D coordinates: the Gaussian guess plus a learned correction, per coordinate i,

    ε_θ(x_t, t)_i = √(1 − ᾱ_t) u_i / v_i + √(ᾱ_t s_i² / v_i) · F_θ(u / √v, t)_i,
    u = x_t − √ᾱ_t m,   v_i = ᾱ_t s_i² + 1 − ᾱ_t,

    with m and s² the training data's mean and variance per coordinate. The first term is E[ε | x_t] if the data
    were N(m, diag s²): exact where a coordinate never varies (the digits' always-blank corners, s = 0, where the
    correction is switched off), and the best linear guess elsewhere. F_θ is an MLP on [u/√v, embedding(t)] (an
    input of unit variance at every t) with SiLU units; it learns what the Gaussian misses, with outputs of unit
    scale (the factor √(ᾱ_t s²/v) is the Gaussian's remaining standard deviation of ε).

    Why not a plain MLP on x_t: near t = 0 the noise is ε ≈ (x_t − x_0)/√(1 − ᾱ_t), a gain of 1/√β_1 ≈ 32 at t = 1
    (T = 100) and ~1 at t = T, which a small MLP does not learn; its samples keep the last steps' noise as speckle (measured with
    T = 200, a 2×128 MLP and 4,000 steps: 19 % of DDPM samples read as a digit by the classifier, against 32 % with
    this form and 14 % for pure noise; at t = 1 the plain MLP's ε error was that of guessing 0).
    This is the preconditioning of Karras et al. (2022) written for ε; the network is still an ε-predictor
    trained on the loss of the sheet."""

    def __init__(
        self,
        alpha_bars: np.ndarray,
        mean: np.ndarray,
        variance: np.ndarray,
        hidden: int,
        layers: int,
        embedding: int = EMBEDDING,
    ):
        super().__init__()
        dim = len(mean)
        self.T = len(alpha_bars) - 1
        self.embedding = embedding
        self.register_buffer("alpha_bars", torch.tensor(alpha_bars, dtype=torch.float32))
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("variance", torch.tensor(variance, dtype=torch.float32))
        widths = [dim + embedding] + [hidden] * layers
        blocks: list[nn.Module] = []
        for width_in, width_out in itertools.pairwise(widths):
            blocks += [nn.Linear(width_in, width_out), nn.SiLU()]
        self.correction = nn.Sequential(*blocks, nn.Linear(hidden, dim))
        """F_θ."""

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        alpha_bar = self.alpha_bars[t][:, None]  # (n, 1)
        # u = x_t − √ᾱ_t m,  v = ᾱ_t s² + 1 − ᾱ_t   (n, D)
        centred = x - alpha_bar.sqrt() * self.mean
        total = alpha_bar * self.variance + (1.0 - alpha_bar)
        # E[ε | x_t] for Gaussian data: √(1 − ᾱ_t) u / v
        gaussian = (1.0 - alpha_bar).sqrt() * centred / total
        # F_θ on [u/√v, embedding(t)]: (n, D + embedding) → (n, D)
        learned = self.correction(
            torch.cat([centred / total.sqrt(), diff.time_embedding(t, self.T, self.embedding)], 1)
        )
        # + √(ᾱ_t s² / v) F_θ
        return gaussian + (alpha_bar * self.variance / total).sqrt() * learned


class VectorDiffusionTrainer:
    """Trains ε_θ on data (n, D) in chunks by Adam on the DDPM loss, keeping the weight average θ̄ that samples
    (the :class:`core.training.Trainable` protocol). A step whose loss is not finite is not applied:
    ``diverged_reason`` says why and ``losses`` ends at the last finite step.

    The forward jump x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε is :func:`core.generative.diffusion.q_sample` (one t per row)."""

    def __init__(self, config: DDPMConfig, data: np.ndarray):
        self.config = validate(config)
        self.schedule = diff.make_schedule(config.schedule, config.T)
        self.data = np.asarray(data, dtype=float)
        if self.data.ndim != 2 or len(self.data) < 1:
            raise InputError(f"The training data must be a non-empty (n, D) array; got shape {self.data.shape}.")
        self.dim = self.data.shape[1]
        self.rng = np.random.default_rng(seed_stream(config.seed, TRAIN_STREAM))
        with seeded_global_rng(torch_seed(seed_stream(config.seed, INIT_STREAM))):
            self.model = VectorEpsilonNet(
                self.schedule.alpha_bars, self.data.mean(axis=0), self.data.var(axis=0), config.hidden, config.layers
            )
        self.average = copy.deepcopy(self.model).requires_grad_(False)
        """θ̄, the moving average of the weights: what samples."""
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.losses: list[float] = []
        """The batch loss of every gradient step so far (finite values only)."""
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None

    @property
    def steps(self) -> int:
        """Gradient steps done (one loss each)."""
        return len(self.losses)

    @property
    def total_steps(self) -> int:
        return self.config.steps

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.steps

    def loss(self, x0: np.ndarray, t: np.ndarray, eps: np.ndarray) -> torch.Tensor:
        """L(θ) = (1/B) Σ_b (1/D) ‖ε_b − ε_θ(√ᾱ_{t_b} x_{0,b} + √(1 − ᾱ_{t_b}) ε_b, t_b)‖²."""
        # x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, one t per row
        x_t = diff.q_sample(x0, t, self.schedule, eps)
        prediction = self.model(torch.from_numpy(x_t).float(), torch.from_numpy(t))
        # (1/D) ‖ε − ε_θ(x_t, t)‖², averaged over the batch
        return ((torch.from_numpy(eps).float() - prediction) ** 2).mean()

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` gradient steps θ ← θ − η ∇_θ L(θ) (Adam), each on a fresh batch (x_0, t ~ U{1..T}, ε),
        then θ̄ ← d_k θ̄ + (1 − d_k) θ with d_k = min(d, (1 + k)/(10 + k)) (a short average early on); fewer steps
        at the end of the budget or when the loss stops being finite."""
        start = time.perf_counter()
        cfg = self.config
        with torch_threads():
            for _ in range(max(0, min(n_steps, cfg.steps - self.steps))):
                pick = self.rng.integers(0, len(self.data), cfg.batch_size)
                t = self.rng.integers(1, cfg.T + 1, cfg.batch_size)
                eps = self.rng.standard_normal((cfg.batch_size, self.dim))
                loss = self.loss(self.data[pick], t, eps)
                value = float(loss.detach())
                if not math.isfinite(value):
                    self.diverged_reason = (
                        f"the loss became {value} at gradient step {self.steps + 1} "
                        f"(Adam learning rate {cfg.learning_rate:g} is too large)"
                    )
                    break
                self.optimizer.zero_grad()
                loss.backward()  # ∇_θ: the gradient w.r.t. the network's parameters, not w.r.t. ε
                self.optimizer.step()
                self._update_average()
                self.losses.append(value)
        self.train_seconds += time.perf_counter() - start

    def _update_average(self) -> None:
        k = self.steps
        # d_k = min(d, (1 + k)/(10 + k)): early on the average follows θ closely (no memory of the random start)
        decay = min(self.config.ema_decay, (1.0 + k) / (10.0 + k))
        with torch.no_grad():
            for averaged, current in zip(self.average.parameters(), self.model.parameters()):
                # θ̄ ← d θ̄ + (1 − d) θ
                averaged.mul_(decay).add_(current, alpha=1.0 - decay)

    def eps_fn(self, x: np.ndarray, t: int) -> np.ndarray:
        """ε_θ̄(x_t, t) for a numpy batch x_t of shape (n, D) at one timestep t (the averaged weights)."""
        with torch.no_grad():
            steps = torch.full((len(x),), int(t), dtype=torch.long)
            return self.average(torch.from_numpy(np.asarray(x, dtype=np.float32)), steps).double().numpy()

    def decode(self, x: np.ndarray) -> np.ndarray:
        """Model-space vectors (m, D) as grey images (m, 8, 8); a subclass says how (pixels, or a VAE decoder)."""
        raise NotImplementedError

    def recent_loss(self, window: int = 100) -> float:
        """(1/w) ∑ of the last w = min(window, steps done) batch losses (NaN before the first step)."""
        recent = self.losses[-window:]
        # mean of the last w losses
        return float(np.mean(recent)) if recent else math.nan


class PixelDiffusionTrainer(VectorDiffusionTrainer):
    """The pixel-space DDPM: ε_θ on all 1797 digits as x_0 = 2p − 1 (D = 64)."""

    def __init__(self, config: DDPMConfig):
        images, _ = digits()
        super().__init__(config, to_model_space(images))

    def decode(self, x: np.ndarray) -> np.ndarray:
        """p = clip((x + 1)/2, 0, 1) as images (m, 8, 8)."""
        return to_images(x)


# --------------------------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Frames:
    """One sampler run with everything the frames draw: x_t and the predicted x̂_0 at every visited step."""

    sampler: str
    """``DDPM`` or ``DDIM``."""
    timesteps: np.ndarray
    """Visited timesteps T … 0, shape (K + 1,)."""
    x: np.ndarray
    """x_t at each visited step in model space, shape (K + 1, n, D); x[0] = x_T, x[-1] = the samples."""
    x0_hat: np.ndarray
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ(x_t, t))/√ᾱ_t at each visited step, shape (K + 1, n, D); at t = 0, x_0 itself."""
    images: np.ndarray
    """x decoded to grey images, shape (K + 1, n, 8, 8)."""
    predicted_images: np.ndarray
    """x̂_0 decoded to grey images, shape (K + 1, n, 8, 8)."""
    network_calls: int
    """Evaluations of ε_θ on the batch (T for DDPM, S for DDIM)."""
    seconds: float
    """Wall time of the sampler (the network calls and the updates), without decoding."""

    @property
    def samples(self) -> np.ndarray:
        """The final images x_0, shape (n, 8, 8)."""
        return self.images[-1]


def denoise(
    trainer: VectorDiffusionTrainer, x_T: np.ndarray, sampler: str, ddim_steps: int, noise: diff.Seed
) -> Frames:
    """Run DDPM (all T steps, σ_t² = β_t, fresh z from ``noise``) or DDIM (η = 0, ``ddim_steps`` jumps) from x_T
    with :func:`core.generative.diffusion.ddpm_sample` / ``ddim_sample``, recording each ε_θ(x_t, t) the sampler
    asks for, so that x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ)/√ᾱ_t comes with every step (``predict_x0``)."""
    if sampler not in SAMPLERS:
        raise InputError(f"Unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    asked: list[np.ndarray] = []

    def recording_eps(x: np.ndarray, t: int) -> np.ndarray:
        eps = trainer.eps_fn(x, t)
        asked.append(eps)
        return eps

    with torch_threads():  # one thread: a small network on 2 busy cores (see core.torch_threads.TRAIN_THREADS)
        start = time.perf_counter()
        if sampler == "DDPM":
            trajectory = diff.ddpm_sample(recording_eps, trainer.schedule, x_T, noise)
        else:
            trajectory = diff.ddim_sample(recording_eps, trainer.schedule, x_T, ddim_steps)
        seconds = time.perf_counter() - start
    predicted = [
        diff.predict_x0(x, int(t), trainer.schedule, eps)
        for x, t, eps in zip(trajectory.points[:-1], trajectory.timesteps[:-1], asked)
    ]
    x0_hat = np.stack([*predicted, trajectory.points[-1]])  # at t = 0 the prediction is x_0 itself
    steps, count = trajectory.points.shape[:2]
    images = trainer.decode(trajectory.points.reshape(steps * count, -1)).reshape(steps, count, DIGIT_SIDE, DIGIT_SIDE)
    predicted_images = trainer.decode(x0_hat.reshape(steps * count, -1)).reshape(images.shape)
    return Frames(
        sampler, trajectory.timesteps, trajectory.points, x0_hat, images, predicted_images, len(asked), seconds
    )


def start_noise(dim: int, count: int, seed: int, draw: int = 0) -> tuple[np.ndarray, np.random.SeedSequence]:
    """(x_T ~ N(0, I) of shape (count, dim), the stream of DDPM's fresh z): two independent children of draw
    ``draw`` of the seed's sampler stream."""
    if not 1 <= count <= MAX_SAMPLES:
        raise InputError(f"Between 1 and {MAX_SAMPLES} samples; got {count}.")
    start, noise = draw_stream(seed, draw).spawn(2)
    return np.random.default_rng(start).standard_normal((count, dim)), noise


def sample_both(
    trainer: VectorDiffusionTrainer, count: int, ddim_steps: int, seed: int, draw: int = 0
) -> tuple[Frames, Frames]:
    """DDPM's T steps and DDIM's S = ``ddim_steps`` jumps from the same x_T, with the current averaged weights."""
    if not 1 <= ddim_steps <= trainer.config.T:
        raise InputError(f"DDIM needs between 1 and T = {trainer.config.T} steps; got {ddim_steps}.")
    x_T, noise = start_noise(trainer.dim, count, seed, draw)
    return denoise(trainer, x_T, "DDPM", ddim_steps, noise), denoise(trainer, x_T, "DDIM", ddim_steps, noise)


def sample_frames(
    trainer: VectorDiffusionTrainer, sampler: str, count: int, ddim_steps: int, seed: int, draw: int = 0
) -> Frames:
    """One sampler's frames from draw ``draw`` of the seed's x_T (``count`` samples): DDPM's T steps or DDIM's S =
    ``ddim_steps`` jumps."""
    if not 1 <= ddim_steps <= trainer.config.T:
        raise InputError(f"DDIM needs between 1 and T = {trainer.config.T} steps; got {ddim_steps}.")
    x_T, noise = start_noise(trainer.dim, count, seed, draw)
    return denoise(trainer, x_T, sampler, ddim_steps, noise)


@dataclass(frozen=True)
class SamplerRun:
    """One sampler on a batch large enough for the quality numbers (its frames not kept)."""

    sampler: str
    samples: np.ndarray
    """The final images x_0, shape (n, 8, 8)."""
    network_calls: int
    """ε_θ evaluations on the batch (T for DDPM, S for DDIM)."""
    seconds: float
    """Wall time of the sampler on the batch (network calls and updates, without decoding)."""
    quality: Quality


def run_sampler(
    trainer: VectorDiffusionTrainer,
    sampler: str,
    ddim_steps: int,
    seed: int,
    draw: int = 0,
    count: int = QUALITY_SAMPLES,
) -> SamplerRun:
    """DDPM (T steps) or DDIM (S = ``ddim_steps`` jumps) from draw ``draw`` of the seed's x_T, ``count`` samples:
    final images, calls, wall time and quality. The first rows of this x_T are the frames' x_T (one stream, drawn
    row by row), so DDIM's first samples are the last DDIM frame."""
    if sampler not in SAMPLERS:
        raise InputError(f"Unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    if not 1 <= ddim_steps <= trainer.config.T:
        raise InputError(f"DDIM needs between 1 and T = {trainer.config.T} steps; got {ddim_steps}.")
    x_T, noise = start_noise(trainer.dim, count, seed, draw)
    with torch_threads():
        start = time.perf_counter()
        if sampler == "DDPM":
            trajectory = diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, noise)
        else:
            trajectory = diff.ddim_sample(trainer.eps_fn, trainer.schedule, x_T, ddim_steps)
        seconds = time.perf_counter() - start
    samples = trainer.decode(trajectory.samples)
    return SamplerRun(sampler, samples, len(trajectory.timesteps) - 1, seconds, quality(samples))


@dataclass(frozen=True)
class Comparison:
    """DDPM and DDIM from the same x_T, next to the starting noise."""

    runs: dict[str, SamplerRun]
    """``DDPM`` / ``DDIM`` → its run."""
    noise: Quality
    """The quality numbers of pixel-space N(0, I) of the same draw and size."""


def compare_samplers(
    trainer: VectorDiffusionTrainer, ddim_steps: int, seed: int, draw: int = 0, count: int = QUALITY_SAMPLES
) -> Comparison:
    """:func:`run_sampler` for DDPM and DDIM from the same x_T, and the quality of that draw's noise."""
    runs = {sampler: run_sampler(trainer, sampler, ddim_steps, seed, draw, count) for sampler in SAMPLERS}
    return Comparison(runs, quality(noise_images(count, seed, draw)))


# --------------------------------------------------------------------------------------------- quality


@functools.lru_cache(maxsize=1)
def digit_classifier():
    """Multinomial logistic regression p(k | x) = softmax(W x + b)_k fitted (L2, C = 1) on all 1797 digits' grey
    levels; independent of every generative model here. Fitted once per process (about 0.2 s on one thread)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    images, labels = digits()
    # one BLAS thread: on 2 busy cores the default threads make this fit 50× slower (measured: 0.2 s vs 12 s)
    with threadpool_limits(1):
        return LogisticRegression(max_iter=300).fit(images.reshape(len(images), PIXELS), labels)


@dataclass(frozen=True)
class Quality:
    """What the digit classifier and the data say about a set of images."""

    confidence: float
    """Mean over the images of max_k p(k | x)."""
    digit_share: float
    """Share of the images with max_k p(k | x) ≥ CONFIDENT: read as a digit."""
    counts: np.ndarray
    """How many images the classifier puts in each class 0–9 (argmax), shape (10,)."""
    nearest: float
    """Mean Euclidean distance from each image to its nearest training digit (grey levels)."""


def nearest_digit_distance(images: np.ndarray) -> np.ndarray:
    """min_n ‖x − x_n‖ over the 1797 digits for each image, via ‖x − y‖² = ‖x‖² − 2 x·y + ‖y‖²; shape (m,)."""
    data, _ = digits()
    y = data.reshape(len(data), PIXELS)
    x = np.asarray(images, dtype=float).reshape(-1, PIXELS)
    # ‖x − y‖² = ‖x‖² − 2 x·y + ‖y‖², (m, 1797); rounding can make it a hair below 0
    squared = (x**2).sum(axis=1)[:, None] - 2.0 * x @ y.T + (y**2).sum(axis=1)[None, :]
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def quality(images: np.ndarray) -> Quality:
    """Confidence, share read as a digit, class histogram and nearest-digit distance of images (m, 8, 8)."""
    x = np.clip(np.asarray(images, dtype=float).reshape(-1, PIXELS), 0.0, 1.0)
    probabilities = digit_classifier().predict_proba(x)  # (m, 10)
    top = probabilities.max(axis=1)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
    return Quality(float(top.mean()), float((top >= CONFIDENT).mean()), counts, float(nearest_digit_distance(x).mean()))


def noise_images(count: int, seed: int, draw: int = 0) -> np.ndarray:
    """The reference a trained model must beat: pixel-space x_T ~ N(0, I) (the draw's start noise) as images."""
    x_T, _ = start_noise(PIXELS, count, seed, draw)
    return to_images(x_T)


# --------------------------------------------------------------------------------------------- page numbers


def frame_numbers(schedule: diff.Schedule, t: int) -> dict[str, float]:
    """At timestep t: ᾱ_t, √ᾱ_t, √(1 − ᾱ_t) (the forward jump and x̂_0), and for t ≥ 1 the DDPM step's 1/√α_t and
    β_t/√(1 − ᾱ_t) next to the sheet's √β_t (see ``diff.step_coefficients``)."""
    scale, variance = diff.q_moments(schedule, t)
    step = diff.step_coefficients(schedule, t)
    return {
        "alpha_bar": float(schedule.alpha_bars[t]),
        "signal": scale,
        "noise": math.sqrt(variance),
        "step_t": step.t,
        "inv_sqrt_alpha": step.inv_sqrt_alpha,
        "eps_coefficient": step.eps_coefficient,
        "sheet_eps_coefficient": step.sheet_eps_coefficient,
    }


# --------------------------------------------------------------------------------------------- shipped results

SNAPSHOT_KIND = "ddpm-digits"


def save_shipped(trainer: PixelDiffusionTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished ε_θ — its averaged weights θ̄ (what samples) and its loss curve — as the shipped result
    of its config."""
    return save_module_run(
        shipped_copy(trainer), trainer.average, snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    )


def shipped_copy(trainer: VectorDiffusionTrainer) -> VectorDiffusionTrainer:
    """A shallow copy whose loss curve is rounded to 3 significant digits (what a drawn curve shows): the curve is
    kept as JSON in the file, and 8,000 full-precision floats would take more room than the network's weights."""
    shipped = copy.copy(trainer)
    shipped.losses = [float(f"{value:.3g}") for value in trainer.losses]
    return shipped


def restore_averaged(trainer: VectorDiffusionTrainer, path: Path) -> dict | None:
    """Load a run written from θ̄ into ``trainer``: the averaged weights into both θ̄ and θ (a restored run is
    finished and never trained further); the file's meta, or None when there is no such file."""
    meta = restore_module_run(trainer, trainer.average, path)
    if meta is not None:
        load_module_arrays(trainer.model, {k: v.numpy() for k, v in trainer.average.state_dict().items()})
    return meta


def load_shipped(config: DDPMConfig, directory: Path = PRETRAINED_DIR) -> PixelDiffusionTrainer | None:
    """The shipped, finished ε_θ of ``config`` (None when none was shipped for exactly these settings)."""
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if not path.exists():  # most settings have none: build nothing
        return None
    trainer = PixelDiffusionTrainer(config)
    restore_averaged(trainer, path)
    return trainer
