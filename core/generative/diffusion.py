"""Denoising diffusion on a 2-D toy distribution: forward process, ε-prediction training, DDPM and DDIM (sheet 12).

Notation follows the course sheet (with its errata corrected, see the page):

* a variance schedule ``β_1, …, β_T``, ``α_t = 1 − β_t`` and the cumulative product ``ᾱ_t = Π_{s≤t} α_s``
  (``ᾱ_0 = 1``: no noise at t = 0);
* one forward step ``q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I)`` and in closed form
  ``q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I)``, i.e. ``x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε``, ``ε ~ N(0, I)``;
* training: a gradient step on the network's parameters θ of ``‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²``;
* DDPM sampling ``x_{t−1} = (1/√α_t)(x_t − (β_t/√(1 − ᾱ_t)) ε_θ(x_t, t)) + σ_t z`` (z = 0 at t = 1);
* DDIM sampling with η = 0 on a sub-sequence of timesteps t > t′:
  ``x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ(x_t, t))/√ᾱ_t``, ``x_{t′} = √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε_θ(x_t, t)``.

Every schedule array has length T + 1 and is indexed by t = 0, …, T (index 0 holds β_0 = 0, ᾱ_0 = 1).

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(5)`` for the data, the forward-process noise,
the initial weights, the training draws and the samplers (see :func:`seed_stream`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.errors import InputError
from core.numerics import seed_streams, torch_seed
from core.snapshot import PRETRAINED_DIR, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng

DATASETS = ("two moons", "8 Gaussians", "spiral")
SCHEDULES = ("linear", "cosine")
SIGMAS = ("β_t", "β̃_t")
T_RANGE = (10, 1000)
MAX_POINTS = 5000
# β is clipped below 1 so that α_t > 0 and 1/√α_t stays finite (Nichol & Dhariwal clip at 0.999 too).
MAX_BETA = 0.999
# The cosine schedule's offset s (Nichol & Dhariwal 2021): keeps β_1 from being vanishingly small.
COSINE_OFFSET = 0.008

EpsFn = Callable[[np.ndarray, int], np.ndarray]
"""ε(x_t, t): a noise prediction for a batch x_t of shape (n, 2) at integer timestep t."""

Seed = int | np.random.SeedSequence
"""An integer seed or one stream spawned from it."""

# The independent streams of one seed: SeedSequence(seed).spawn(5)[k].
DATA_STREAM, FORWARD_STREAM, INIT_STREAM, TRAIN_STREAM, SAMPLE_STREAM = range(5)


def seed_stream(seed: int, which: int) -> np.random.SeedSequence:
    """Stream number ``which`` of ``SeedSequence(seed).spawn(5)``: data, forward noise, initial weights,
    training draws, samplers (the ``*_STREAM`` constants). The same seed gives the same stream every call."""
    return seed_streams(seed, 5)[which]


# --------------------------------------------------------------------------------------------- data


def make_data(name: str, n: int, seed: Seed) -> np.ndarray:
    """n points of a 2-D toy distribution q(x_0), scaled to roughly unit variance per coordinate; shape (n, 2)."""
    if name not in DATASETS:
        raise InputError(f"Unknown data set {name!r}; choose one of {', '.join(DATASETS)}.")
    if not 1 <= n <= MAX_POINTS:
        raise InputError(f"The number of points must be between 1 and {MAX_POINTS}; got {n}.")
    rng = np.random.default_rng(seed)
    if name == "two moons":
        upper = rng.random(n) < 0.5
        angle = rng.uniform(0.0, math.pi, n)
        x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
        y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
        points = np.stack([x - 0.5, y - 0.25], axis=1) + 0.06 * rng.standard_normal((n, 2))
        return points / 0.75
    if name == "8 Gaussians":
        centre = rng.integers(0, 8, n)
        angle = centre * (2 * math.pi / 8)
        means = 1.4 * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
        return means + 0.12 * rng.standard_normal((n, 2))
    # spiral: radius grows with the angle
    turn = np.sqrt(rng.random(n)) * 3.0 * math.pi + 0.5
    points = np.stack([turn * np.cos(turn), turn * np.sin(turn)], axis=1) / (3.0 * math.pi / 1.6)
    return points + 0.05 * rng.standard_normal((n, 2))


# --------------------------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Schedule:
    """β_t, α_t and ᾱ_t for t = 0, …, T (arrays of length T + 1; index 0 is the clean data)."""

    kind: str
    betas: np.ndarray
    alphas: np.ndarray
    alpha_bars: np.ndarray

    @property
    def T(self) -> int:
        return len(self.betas) - 1

    @property
    def signal_scale(self) -> np.ndarray:
        """√ᾱ_t: the factor on x_0 in x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
        return np.sqrt(self.alpha_bars)

    @property
    def noise_scale(self) -> np.ndarray:
        """√(1 − ᾱ_t): the factor on ε in x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
        return np.sqrt(1.0 - self.alpha_bars)

    @property
    def snr(self) -> np.ndarray:
        """Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) of x_t (∞ at t = 0)."""
        with np.errstate(divide="ignore"):
            return self.alpha_bars / (1.0 - self.alpha_bars)


def make_schedule(kind: str, T: int) -> Schedule:
    """The variance schedule β_1..β_T, α_t = 1 − β_t, ᾱ_t = Π_{s=1}^t α_s.

    * linear (Ho et al. 2020): β_t from 10⁻⁴ to 0.02 over T = 1000 steps; for another T both ends are scaled by
      1000/T so that Σβ_t, and hence ᾱ_T ≈ e^{−Σβ}, stays about the same;
    * cosine (Nichol & Dhariwal 2021): ᾱ_t = f(t)/f(0), f(t) = cos²(π/2 · (t/T + s)/(1 + s)), β_t = 1 − ᾱ_t/ᾱ_{t−1}.

    β_t is clipped at 0.999.
    """
    if kind not in SCHEDULES:
        raise InputError(f"Unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}.")
    if not T_RANGE[0] <= T <= T_RANGE[1]:
        raise InputError(f"The number of steps T must be between {T_RANGE[0]} and {T_RANGE[1]}; got {T}.")
    if kind == "linear":
        scale = 1000.0 / T
        betas = np.linspace(scale * 1e-4, scale * 0.02, T)
    else:
        steps = np.arange(T + 1) / T
        f = np.cos((steps + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
        # β_t = 1 − ᾱ_t / ᾱ_{t−1} with ᾱ_t = f(t)/f(0)
        betas = 1.0 - f[1:] / f[:-1]
    betas = np.concatenate([[0.0], np.clip(betas, 0.0, MAX_BETA)])
    # α_t = 1 − β_t
    alphas = 1.0 - betas
    # ᾱ_t = Π_{s=1}^t α_s (ᾱ_0 = 1 as α_0 = 1)
    alpha_bars = np.cumprod(alphas)
    return Schedule(kind, betas, alphas, alpha_bars)


def _check_t(schedule: Schedule, t: int | np.ndarray) -> None:
    """One timestep, or an array of them (one per row of a batch), each in 0..T."""
    outside = np.asarray(t)[(np.asarray(t) < 0) | (np.asarray(t) > schedule.T)]
    if outside.size:
        raise InputError(f"The timestep t must be between 0 and T = {schedule.T}; got {outside.flat[0]}.")


# --------------------------------------------------------------------------------------------- forward


def forward_step(x_prev: np.ndarray, t: int, schedule: Schedule, noise: np.ndarray) -> np.ndarray:
    """One forward step x_t = √α_t x_{t−1} + √β_t z, z ~ N(0, I) given as ``noise`` (same shape as x_prev)."""
    _check_t(schedule, t)
    # x_t = √α_t x_{t−1} + √β_t z
    return math.sqrt(schedule.alphas[t]) * x_prev + math.sqrt(schedule.betas[t]) * noise


def q_sample(x0: np.ndarray, t: int | np.ndarray, schedule: Schedule, eps: np.ndarray) -> np.ndarray:
    """x_t ~ q(x_t | x_0) in one jump: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, with ε ~ N(0, I) given as ``eps``.

    x_0 has any shape (n, …) (2-D points, 64 pixels, a latent code); ``t`` is one timestep, or an integer array of
    shape (n,) with one per row (a training batch)."""
    _check_t(schedule, t)
    t = np.asarray(t)
    alpha_bar = schedule.alpha_bars[t].reshape(t.shape + (1,) * (np.ndim(x0) - t.ndim))  # broadcasts over rows
    # x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε
    return np.sqrt(alpha_bar) * x0 + np.sqrt(1.0 - alpha_bar) * eps


def q_moments(schedule: Schedule, t: int) -> tuple[float, float]:
    """(mean scale, variance) of q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I): returns (√ᾱ_t, 1 − ᾱ_t)."""
    _check_t(schedule, t)
    return math.sqrt(schedule.alpha_bars[t]), 1.0 - schedule.alpha_bars[t]


def posterior_coefficients(schedule: Schedule, t: int) -> tuple[float, float, float]:
    """q(x_{t−1} | x_t, x_0) = N(c_0 x_0 + c_t x_t, β̃_t I) for t ≥ 1; returns (c_0, c_t, β̃_t).

    c_0 = √ᾱ_{t−1} β_t / (1 − ᾱ_t),  c_t = √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t),  β̃_t = (1 − ᾱ_{t−1}) β_t / (1 − ᾱ_t).
    Substituting x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t turns the mean into (1/√α_t)(x_t − β_t/√(1 − ᾱ_t) ε): the
    DDPM sampler's mean.
    """
    if not 1 <= t <= schedule.T:
        raise InputError(f"The posterior needs 1 ≤ t ≤ T = {schedule.T}; got {t}.")
    beta, alpha, alpha_bar, alpha_bar_prev = (
        schedule.betas[t],
        schedule.alphas[t],
        schedule.alpha_bars[t],
        schedule.alpha_bars[t - 1],
    )
    c0 = math.sqrt(alpha_bar_prev) * beta / (1.0 - alpha_bar)
    ct = math.sqrt(alpha) * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar)
    beta_tilde = (1.0 - alpha_bar_prev) * beta / (1.0 - alpha_bar)
    return c0, ct, beta_tilde


# --------------------------------------------------------------------------------------------- samplers


@dataclass(frozen=True)
class Trajectory:
    """A sampler's run: the points at every visited timestep."""

    timesteps: np.ndarray
    """Visited timesteps, from T down to 0, shape (K + 1,)."""
    points: np.ndarray
    """x at each visited timestep, shape (K + 1, n, …) ((K + 1, n, 2) for 2-D points); points[0] = x_T,
    points[-1] = the samples x_0. The samplers work on any trailing shape of x_T."""

    @property
    def samples(self) -> np.ndarray:
        return self.points[-1]


def ddpm_sample(eps_fn: EpsFn, schedule: Schedule, x_T: np.ndarray, seed: Seed, sigma: str = "β_t") -> Trajectory:
    """Ancestral DDPM sampling from x_T over all T steps:

    x_{t−1} = (1/√α_t)(x_t − (β_t/√(1 − ᾱ_t)) ε_θ(x_t, t)) + σ_t z,  z ~ N(0, I), z = 0 at t = 1,
    with σ_t² = β_t or σ_t² = β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) β_t (Ho et al.: both work about equally well).
    """
    if sigma not in SIGMAS:
        raise InputError(f"Unknown σ_t choice {sigma!r}; choose one of {', '.join(SIGMAS)}.")
    rng = np.random.default_rng(seed)
    x = np.asarray(x_T, dtype=float)
    points = [x]
    for t in range(schedule.T, 0, -1):
        beta, alpha, alpha_bar = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
        eps = eps_fn(x, t)
        # mean = (1/√α_t)(x_t − (β_t/√(1 − ᾱ_t)) ε_θ(x_t, t))
        mean = (x - beta / math.sqrt(1.0 - alpha_bar) * eps) / math.sqrt(alpha)
        variance = beta if sigma == "β_t" else posterior_coefficients(schedule, t)[2]
        noise = rng.standard_normal(x.shape) if t > 1 else np.zeros_like(x)
        # x_{t−1} = mean + σ_t z
        x = mean + math.sqrt(variance) * noise
        points.append(x)
    return Trajectory(np.arange(schedule.T, -1, -1), np.stack(points))


def predict_x0(x_t: np.ndarray, t: int, schedule: Schedule, eps: np.ndarray) -> np.ndarray:
    """The clean data the noise prediction implies, q(x_t | x_0) solved for x_0 (t ≥ 1):
    x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ(x_t, t)) / √ᾱ_t."""
    alpha_bar = schedule.alpha_bars[t]
    # x̂_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t
    return (x_t - math.sqrt(1.0 - alpha_bar) * eps) / math.sqrt(alpha_bar)


def ddim_timesteps(T: int, steps: int) -> np.ndarray:
    """The DDIM sub-sequence T = τ_K > … > τ_1 > τ_0 = 0 of K = ``steps`` evenly spaced jumps; shape (K + 1,)."""
    if not 1 <= steps <= T:
        raise InputError(f"DDIM needs between 1 and T = {T} steps; got {steps}.")
    return np.round(np.linspace(T, 0, steps + 1)).astype(int)


def ddim_sample(eps_fn: EpsFn, schedule: Schedule, x_T: np.ndarray, steps: int) -> Trajectory:
    """Deterministic DDIM (η = 0) from x_T in ``steps`` jumps t → t′ along :func:`ddim_timesteps`:

    x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ(x_t, t)) / √ᾱ_t,   x_{t′} = √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε_θ(x_t, t).
    """
    timesteps = ddim_timesteps(schedule.T, steps)
    x = np.asarray(x_T, dtype=float)
    points = [x]
    for t, t_next in itertools.pairwise(timesteps):
        alpha_bar_next = schedule.alpha_bars[t_next]
        eps = eps_fn(x, int(t))
        x0_hat = predict_x0(x, int(t), schedule, eps)
        # x_{t′} = √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε   (η = 0: no fresh noise)
        x = math.sqrt(alpha_bar_next) * x0_hat + math.sqrt(1.0 - alpha_bar_next) * eps
        points.append(x)
    return Trajectory(timesteps, np.stack(points))


def oracle_eps(point: np.ndarray, schedule: Schedule) -> EpsFn:
    """The exact ε for a one-point data distribution x_0 = c: ε = (x_t − √ᾱ_t c)/√(1 − ᾱ_t)."""
    c = np.asarray(point, dtype=float)

    def eps(x: np.ndarray, t: int) -> np.ndarray:
        alpha_bar = schedule.alpha_bars[t]
        return (x - math.sqrt(alpha_bar) * c) / math.sqrt(1.0 - alpha_bar)

    return eps


def nearest_distance(points: np.ndarray, data: np.ndarray) -> float:
    """Mean Euclidean distance from each point to its nearest data point (0 when every sample lies on the data)."""
    # (n, m) pairwise distances
    distances = np.linalg.norm(points[:, None, :] - data[None, :, :], axis=2)
    return float(distances.min(axis=1).mean())


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TrainConfig:
    """Everything that identifies one trained ε_θ (the page keys its session cache by it)."""

    data: str
    """Name of the toy distribution q(x_0)."""
    points: int
    """Size of the training set drawn from q(x_0)."""
    schedule: str
    """β schedule: ``linear`` or ``cosine``."""
    T: int
    """Number of diffusion steps."""
    hidden: int = 128
    """Width of each of the three hidden layers of ε_θ."""
    learning_rate: float = 2e-3
    """Adam step size."""
    steps: int = 3000
    """Gradient steps to train for."""
    batch_size: int = 256
    """Training pairs (x_0, t, ε) per gradient step."""
    seed: int = 0
    """Seeds the data, the initial weights and every training draw (independent streams, see seed_stream)."""


def time_embedding(t: torch.Tensor, T: int, dim: int = 32) -> torch.Tensor:
    """Sinusoidal embedding of the timestep (as in transformers): [sin(ω_k t/T), cos(ω_k t/T)], ω_k = 1000^{k/(d/2)}."""
    half = dim // 2
    frequencies = torch.exp(torch.arange(half, dtype=torch.float32) * (math.log(1000.0) / half))  # (half,)
    angles = (t.float() / T)[:, None] * frequencies[None, :]  # (n, half)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)  # (n, dim)


class EpsilonNet(nn.Module):
    """ε_θ(x_t, t): an MLP on [x_t, embedding(t)] that predicts the noise ε added to x_0."""

    def __init__(self, T: int, hidden: int, embedding: int = 32):
        super().__init__()
        self.T = T
        self.embedding = embedding
        self.net = nn.Sequential(
            nn.Linear(2 + embedding, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 2),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, time_embedding(t, self.T, self.embedding)], dim=1))


class DiffusionTrainer:
    """Trains ε_θ in chunks by Adam on the DDPM loss (the :class:`core.training.Trainable` protocol: the page drives
    it with the training session, one per TrainConfig). A step whose loss is not finite is not applied:
    ``diverged_reason`` says why and ``losses`` ends at the last finite step."""

    def __init__(self, config: TrainConfig):
        if not 1 <= config.steps <= 100_000:
            raise InputError(f"Training steps must be between 1 and 100000; got {config.steps}.")
        self.config = config
        self.schedule = make_schedule(config.schedule, config.T)
        self.data = make_data(config.data, config.points, seed_stream(config.seed, DATA_STREAM))
        self.x0 = torch.tensor(self.data, dtype=torch.float32)
        self.alpha_bars = torch.tensor(self.schedule.alpha_bars, dtype=torch.float32)
        self.generator = torch.Generator().manual_seed(torch_seed(seed_stream(config.seed, TRAIN_STREAM)))
        with seeded_global_rng(torch_seed(seed_stream(config.seed, INIT_STREAM))):
            self.model = EpsilonNet(config.T, config.hidden)
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

    def loss(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """L(θ) = mean ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖² over the batch."""
        alpha_bar = self.alpha_bars[t][:, None]  # (batch, 1)
        # x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε
        x_t = alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * eps
        # ‖ε − ε_θ(x_t, t)‖², summed over the 2 coordinates, averaged over the batch
        return ((eps - self.model(x_t, t)) ** 2).sum(dim=1).mean()

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` gradient steps θ ← θ − η ∇_θ L(θ) (Adam), each on a fresh batch (x_0, t ~ U{1..T}, ε);
        fewer at the end of the budget or when the loss stops being finite."""
        start = time.perf_counter()
        cfg = self.config
        for _ in range(max(0, min(n_steps, cfg.steps - self.steps))):
            pick = torch.randint(len(self.x0), (cfg.batch_size,), generator=self.generator)
            t = torch.randint(1, cfg.T + 1, (cfg.batch_size,), generator=self.generator)
            eps = torch.randn(cfg.batch_size, 2, generator=self.generator)
            loss = self.loss(self.x0[pick], t, eps)
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
            self.losses.append(value)
        self.train_seconds += time.perf_counter() - start

    def eps_fn(self, x: np.ndarray, t: int) -> np.ndarray:
        """ε_θ(x_t, t) for a numpy batch x_t of shape (n, 2)."""
        with torch.no_grad():
            xt = torch.tensor(x, dtype=torch.float32)
            steps = torch.full((len(x),), t, dtype=torch.long)
            return self.model(xt, steps).double().numpy()

    def sample(self, count: int, ddim_steps: int, sigma: str, seed: int) -> tuple[Trajectory, Trajectory]:
        """DDPM and DDIM trajectories from the same x_T ~ N(0, I) with the current weights.

        x_T and DDPM's fresh noise z come from two independent children of the seed's sampler stream.
        """
        if not 1 <= count <= MAX_POINTS:
            raise InputError(f"The number of samples must be between 1 and {MAX_POINTS}; got {count}.")
        start_stream, noise_stream = seed_stream(seed, SAMPLE_STREAM).spawn(2)
        x_T = np.random.default_rng(start_stream).standard_normal((count, 2))
        ddpm = ddpm_sample(self.eps_fn, self.schedule, x_T, noise_stream, sigma)
        ddim = ddim_sample(self.eps_fn, self.schedule, x_T, ddim_steps)
        return ddpm, ddim

    def recent_loss(self, window: int = 100) -> float:
        """(1/w) ∑ of the last w = min(window, steps done) batch losses (NaN before the first step)."""
        recent = self.losses[-window:]
        # mean of the last w losses
        return float(np.mean(recent)) if recent else math.nan


# --------------------------------------------------------------------------------------------- page report


@dataclass(frozen=True)
class ForwardReport:
    """The data, the schedule and one fixed ε per point, so that scrubbing t moves the same points."""

    data: np.ndarray
    """x_0, shape (n, 2)."""
    schedule: Schedule
    eps: np.ndarray
    """ε ~ N(0, I) per point, shape (n, 2)."""

    def at(self, t: int) -> np.ndarray:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε for every point."""
        return q_sample(self.data, t, self.schedule, self.eps)


def forward_report(data: str, n: int, schedule: str, T: int, seed: int) -> ForwardReport:
    """The forward process of ``n`` points of ``data`` under a ``schedule`` of ``T`` steps.

    The points are the ones a :class:`DiffusionTrainer` with the same seed trains on (the data stream); the fixed ε
    come from the forward-noise stream.
    """
    points = make_data(data, n, seed_stream(seed, DATA_STREAM))
    sched = make_schedule(schedule, T)
    eps = np.random.default_rng(seed_stream(seed, FORWARD_STREAM)).standard_normal(points.shape)
    return ForwardReport(points, sched, eps)


# --------------------------------------------------------------------------------------------- page numbers


@dataclass(frozen=True)
class StepCoefficients:
    """The numbers of one DDPM step at timestep t ≥ 1, and the sheet's (erroneous) versions of them."""

    t: int
    inv_sqrt_alpha: float
    """1/√α_t, the factor in front of the bracket."""
    eps_coefficient: float
    """β_t/√(1 − ᾱ_t), the factor on ε_θ (correct)."""
    sheet_eps_coefficient: float
    """(1 − α_t)/√(1 − α_t) = √β_t, the sheet's factor on ε_θ (non-cumulative α_t)."""


def step_coefficients(schedule: Schedule, t: int) -> StepCoefficients:
    """x_{t−1} = (1/√α_t)(x_t − (β_t/√(1 − ᾱ_t)) ε_θ(x_t, t)) + σ_t z at t (t = 0 is taken as t = 1), next to the
    sheet's coefficient (1 − α_t)/√(1 − α_t) = √β_t (α_t where ᾱ_t belongs)."""
    t = max(int(t), 1)  # the sampler's coefficients need t ≥ 1
    _check_t(schedule, t)
    beta, alpha, alpha_bar = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
    return StepCoefficients(
        t=t,
        # 1/√α_t
        inv_sqrt_alpha=1.0 / math.sqrt(alpha),
        # β_t/√(1 − ᾱ_t)
        eps_coefficient=beta / math.sqrt(1.0 - alpha_bar),
        # the sheet's (1 − α_t)/√(1 − α_t) = √β_t
        sheet_eps_coefficient=math.sqrt(beta),
    )


def sheet_training_scales(schedule: Schedule, t: int) -> tuple[float, float]:
    """The sheet's (erroneous) training input √α_t x_0 + √(1 − α_t) ε: returns (√α_t, √(1 − α_t)), one step's
    worth of noise where the one-jump form q(x_t | x_0) has (√ᾱ_t, √(1 − ᾱ_t))."""
    _check_t(schedule, t)
    alpha = schedule.alphas[t]
    # √α_t and √(1 − α_t)
    return math.sqrt(alpha), math.sqrt(1.0 - alpha)


SNAPSHOT_KIND = "ddpm2d"


def save_shipped(trainer: DiffusionTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished ε_θ (its weights and its loss curve) as the shipped result of its TrainConfig."""
    return save_module_run(trainer, trainer.model, snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory))


def load_shipped(config: TrainConfig, directory: Path = PRETRAINED_DIR) -> DiffusionTrainer | None:
    """The shipped, finished ε_θ of ``config`` (None when none was shipped for exactly these settings).

    The optimizer moments are not kept: a finished run is never trained further (Reset trains a new one)."""
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if not path.exists():  # most settings have none: build nothing
        return None
    trainer = DiffusionTrainer(config)
    restore_module_run(trainer, trainer.model, path)
    return trainer
