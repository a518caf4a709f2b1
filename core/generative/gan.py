"""A generative adversarial network on 2-D toy data (sheet 11 b–c, tied to the Jensen–Shannon divergence of 2.4).

Notation (Goodfellow et al. 2014, as on the page):

* the generator x = g(z), z ~ N(0, I) of ``z_dim`` dimensions, gives p_g; the discriminator D(x) = σ(f(x)) is its
  guess that x came from p_data;
* the value V(D, G) = E_{x~p_data}[log D(x)] + E_{z}[log(1 − D(g(z)))]; D ascends it, G descends it;
* D-step: one Adam step on L_D = −(1/m) Σ_i [log D(x_i) + log(1 − D(g(z_i)))] (the binary cross-entropy of real = 1,
  generated = 0); ``d_steps`` = k of them before each G-step;
* G-step, saturating (the minimax loss): L_G = (1/m) Σ_i log(1 − D(g(z_i)));
  non-saturating (Goodfellow's practical choice): L_G = −(1/m) Σ_i log D(g(z_i)). Both push D(g(z)) up, but the
  saturating one has almost no gradient where D confidently rejects a sample (D(g(z)) ≈ 0), i.e. early on;
* at the optimal D*(x) = p_data(x) / (p_data(x) + p_g(x)), V(D*, G) = 2·JS(p_data ‖ p_g) − log 4 (sheet 2.4's JS,
  natural log): :func:`optimal_discriminator`, :func:`value_function`. For any other D, V(D, G) is lower, so
  (V(D, G) + log 4)/2 estimated with the trained D on samples is an estimate of a lower bound on JS.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(4)`` for the data, the initial weights, the
training draws and the evaluation draws (the fixed z and data that every figure and count uses).
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import InputError
from core.generative import toy2d
from core.information.divergences import js_divergence
from core.numerics import seed_streams, torch_seed
from core.snapshot import (
    PRETRAINED_DIR,
    load_module_arrays,
    load_snapshot,
    module_arrays,
    require_finished,
    save_snapshot,
    snapshot_path,
)
from core.torch_threads import seeded_global_rng, torch_threads

NON_SATURATING = "non-saturating"
SATURATING = "saturating"
LOSSES = (NON_SATURATING, SATURATING)
LOG4 = math.log(4.0)

DATA_STREAM, INIT_STREAM, TRAIN_STREAM, EVAL_STREAM = range(4)
EVAL_SAMPLES = 1000
"""Fixed z (and fresh data points) every count, estimate and figure is computed on."""
RECORD_EVERY = 25
"""Generator steps between two entries of the history (modes covered, JS estimates, mean D outputs)."""
HISTOGRAM_BINS = 20
"""Bins per axis of the 2-D histograms over [−DOMAIN, DOMAIN]² whose JS the page shows."""
MODE_RADIUS_STDS = 3.0
"""A generated sample belongs to ring mode m when it lies within 3σ of the mode's centre."""
MODE_MIN_SHARE = 0.02
"""A mode is covered when at least 2 % of the samples belong to it (a quarter of its fair share, 1/8)."""
FIT_D_STEPS = 300
"""D-steps of one "fit D to the current g" move."""
SAMPLE_LIMIT = 100.0
"""Generated samples farther than this from the origin (the data lie within 2.5) mean the generator diverged."""
ADAM_BETAS = (0.5, 0.999)
"""Adam's moment decay rates as in DCGAN (Radford et al. 2016): a shorter memory of the first moment suits the
moving target each player sees."""
LEAKY_SLOPE = 0.2
"""Negative slope of the LeakyReLU hidden units of both networks."""


def _single_threaded(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with torch_threads():
            return method(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class GANConfig:
    """Everything that identifies one GAN run (the page keys its session cache, and the shipped file, by it)."""

    data: str = toy2d.RING
    """Name of p_data (one of toy2d.DISTRIBUTIONS; "your points" trains on the points given to the trainer)."""
    points: int = 2000
    """Size of the training set drawn from p_data (ignored for the user's own points)."""
    z_dim: int = 2
    """Dimension of the noise z ~ N(0, I) fed to the generator."""
    g_width: int = 64
    """Units in each hidden layer of the generator g."""
    g_depth: int = 2
    """Hidden layers of the generator."""
    d_width: int = 64
    """Units in each hidden layer of the discriminator D."""
    d_depth: int = 2
    """Hidden layers of the discriminator."""
    g_lr: float = 1e-3
    """Adam step size of the generator."""
    d_lr: float = 1e-3
    """Adam step size of the discriminator."""
    d_steps: int = 1
    """k: discriminator updates before each generator update."""
    loss: str = NON_SATURATING
    """Generator loss: "non-saturating" −log D(g(z)) or "saturating" log(1 − D(g(z)))."""
    batch: int = 128
    """m: real and generated points per update of either player."""
    steps: int = 2000
    """Generator steps to train for (each after k discriminator steps)."""
    seed: int = 0
    """Seeds the data, the initial weights, the training draws and the evaluation draws (independent streams)."""


def check_config(config: GANConfig) -> None:
    """Every field in its range, else an InputError naming it."""
    if config.data not in toy2d.DISTRIBUTIONS:
        raise InputError(f"Unknown distribution {config.data!r}; choose one of {', '.join(toy2d.DISTRIBUTIONS)}.")
    if config.loss not in LOSSES:
        raise InputError(f"Unknown generator loss {config.loss!r}; choose one of {', '.join(LOSSES)}.")
    for name, value, low, high in (
        ("noise dimension", config.z_dim, 1, 16),
        ("generator width", config.g_width, 1, 512),
        ("generator depth", config.g_depth, 0, 6),
        ("discriminator width", config.d_width, 1, 512),
        ("discriminator depth", config.d_depth, 0, 6),
        ("D-steps per G-step k", config.d_steps, 1, 20),
        ("batch size", config.batch, 1, 4096),
        ("training steps", config.steps, 1, 100_000),
    ):
        if not low <= value <= high:
            raise InputError(f"The {name} must be between {low} and {high}; got {value}.")
    for name, value in (("generator", config.g_lr), ("discriminator", config.d_lr)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"The {name} learning rate must be a positive number; got {value}.")


def mlp(inputs: int, width: int, depth: int, outputs: int) -> nn.Sequential:
    """inputs → ``depth`` hidden layers of ``width`` LeakyReLU units → ``outputs`` linear units."""
    layers: list[nn.Module] = []
    size = inputs
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.LeakyReLU(LEAKY_SLOPE)]
        size = width
    layers.append(nn.Linear(size, outputs))
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------- analytic


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) on a discrete space (½ where both are 0: any value is optimal)."""
    p_data, p_g = np.asarray(p_data, dtype=float), np.asarray(p_g, dtype=float)
    total = p_data + p_g
    with np.errstate(invalid="ignore", divide="ignore"):
        # D*(x) = p_data / (p_data + p_g)
        return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def value_function(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray) -> float:
    """V(D, G) = Σ_x p_data(x) log D(x) + Σ_x p_g(x) log(1 − D(x)) on a discrete space (0 · log 0 = 0)."""
    d, p_data, p_g = (np.asarray(a, dtype=float) for a in (d, p_data, p_g))
    with np.errstate(divide="ignore"):
        real = np.where(p_data > 0, p_data * np.log(np.where(p_data > 0, d, 1.0)), 0.0)
        fake = np.where(p_g > 0, p_g * np.log(np.where(p_g > 0, 1.0 - d, 1.0)), 0.0)
    # V = E_data[log D] + E_g[log(1 − D)]
    return float(real.sum() + fake.sum())


def histogram(points: np.ndarray, bins: int = HISTOGRAM_BINS, limit: float = toy2d.DOMAIN) -> np.ndarray:
    """The share of ``points`` in each of bins × bins equal cells over [−limit, limit]² (points outside are counted
    in the nearest edge cell); shape (bins, bins), summing to 1."""
    clipped = np.clip(np.asarray(points, dtype=float), -limit, limit)
    counts, _, _ = np.histogram2d(clipped[:, 0], clipped[:, 1], bins=bins, range=[[-limit, limit], [-limit, limit]])
    return counts / max(counts.sum(), 1.0)


def histogram_js(a: np.ndarray, b: np.ndarray, bins: int = HISTOGRAM_BINS, limit: float = toy2d.DOMAIN) -> float:
    """JS(P̂_a ‖ P̂_b) in nats between the 2-D histograms of two point sets (sheet 2.4, natural log).

    A plug-in estimate: with finitely many points it is biased upwards (two samples of one distribution have
    JS > 0), more so for more bins and fewer points."""
    return js_divergence(histogram(a, bins, limit).ravel(), histogram(b, bins, limit).ravel(), base=math.e)


def mode_counts(samples: np.ndarray, centres: np.ndarray, std: float) -> np.ndarray:
    """How many samples lie within MODE_RADIUS_STDS·σ of each centre: ‖x − μ_m‖ ≤ 3σ; shape (modes,)."""
    # (n, modes) distances from every sample to every centre
    distances = np.linalg.norm(np.asarray(samples)[:, None, :] - np.asarray(centres)[None, :, :], axis=2)
    return (distances <= MODE_RADIUS_STDS * std).sum(axis=0)


def covered_modes(samples: np.ndarray, centres: np.ndarray, std: float, min_share: float = MODE_MIN_SHARE) -> int:
    """Modes holding at least ``min_share`` of the samples (each within 3σ of the mode's centre)."""
    return int((mode_counts(samples, centres, std) >= min_share * len(samples)).sum())


# --------------------------------------------------------------------------------------------- trainer


@dataclass(frozen=True)
class Record:
    """One entry of the history: where the game stood after ``g_steps`` generator and ``d_steps`` D updates."""

    g_steps: int
    d_steps: int
    modes: float
    """Ring modes covered by the evaluation samples (NaN for other data)."""
    js_histogram: float
    """JS(p̂_data ‖ p̂_g) of the 2-D histograms of the evaluation data and samples (nats)."""
    js_from_d: float
    """(V̂(D, G) + log 4)/2 with the current D (nats): a lower-bound estimate of JS."""
    d_real: float
    """Mean D(x) over the evaluation data."""
    d_fake: float
    """Mean D(g(z)) over the evaluation samples."""


class GANTrainer:
    """Alternating Adam updates of D and g (the :class:`core.training.Trainable` protocol: the page's training
    session trains it in chunks of rounds, k D-steps then one G-step each; ``step_discriminator``,
    ``step_generator`` and ``step_both`` are the page's single moves).

    ``steps`` counts generator steps. An update whose loss or gradient is not finite is not applied, and
    generated samples that fly off the plane (‖x‖ > SAMPLE_LIMIT) end the run too: either way ``diverged_reason``
    says why and the weights, curves and history go back to the last healthy record.
    """

    def __init__(self, config: GANConfig, data: np.ndarray | None = None):
        check_config(config)
        self.config = config
        streams = seed_streams(config.seed, 4)
        # given points: the user's own, or a draw of a named p_data made elsewhere (the VAE-vs-GAN page trains
        # both models on one draw)
        if config.data == toy2d.USER or data is not None:
            if data is None or len(data) < toy2d.MIN_USER_POINTS:
                raise InputError(f"Training on your points needs at least {toy2d.MIN_USER_POINTS} of them.")
            self.data = np.asarray(data, dtype=float)
        else:
            self.data = toy2d.sample(config.data, config.points, streams[DATA_STREAM])
        self.real = torch.tensor(self.data, dtype=torch.float32)
        z_stream, data_stream = streams[EVAL_STREAM].spawn(2)
        self.eval_z = torch.tensor(np.random.default_rng(z_stream).standard_normal((EVAL_SAMPLES, config.z_dim)))
        self.eval_z = self.eval_z.float()
        # the JS estimates compare fresh data points with the samples (the user's points are all there is)
        self.eval_data = (
            self.data if config.data == toy2d.USER else toy2d.sample(config.data, EVAL_SAMPLES, data_stream)
        )
        self.centres = toy2d.ring_centres() if config.data == toy2d.RING else None
        with seeded_global_rng(torch_seed(streams[INIT_STREAM])):
            self.generator_net, self.discriminator_net = self.build_networks(self.data.shape[1])
        self.g_optimizer = torch.optim.Adam(self.generator_net.parameters(), lr=config.g_lr, betas=ADAM_BETAS)
        self.d_optimizer = torch.optim.Adam(self.discriminator_net.parameters(), lr=config.d_lr, betas=ADAM_BETAS)
        self.rng = torch.Generator().manual_seed(torch_seed(streams[TRAIN_STREAM]))
        self.d_losses: list[float] = []
        """L_D of every discriminator update so far."""
        self.g_losses: list[float] = []
        """L_G of every generator update so far."""
        self.history: list[Record] = []
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._healthy: tuple | None = None
        self._record()

    def build_networks(self, dim: int) -> tuple[nn.Module, nn.Module]:
        """(g: z ↦ x of ``dim`` coordinates, f: x ↦ the logit of D), built from the initial-weights stream; a
        subclass can change the shapes (core.generative.compare's GAN on digits adds a sigmoid to g)."""
        cfg = self.config
        return mlp(cfg.z_dim, cfg.g_width, cfg.g_depth, dim), mlp(dim, cfg.d_width, cfg.d_depth, 1)

    # --- the Trainable protocol
    @property
    def steps(self) -> int:
        """Generator steps done."""
        return len(self.g_losses)

    @property
    def d_updates(self) -> int:
        """Discriminator steps done."""
        return len(self.d_losses)

    @property
    def total_steps(self) -> int:
        return self.config.steps

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.steps

    @_single_threaded
    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` rounds of k D-steps and one G-step (fewer at the end of the budget or on divergence);
        a history entry every RECORD_EVERY generator steps."""
        start = time.perf_counter()
        for _ in range(max(0, min(n_steps, self.config.steps - self.steps))):
            if not self._round():
                break
            if self.steps % RECORD_EVERY == 0 and not self._record():
                break
        self.train_seconds += time.perf_counter() - start

    # --- single moves (the page's Step D / Step G / Step both)
    def step_discriminator(self) -> None:
        """One D-step, then a history entry."""
        self._timed(self._d_step)

    def step_generator(self) -> None:
        """One G-step, then a history entry."""
        self._timed(self._g_step)

    def step_both(self) -> None:
        """One round (k D-steps, one G-step), then a history entry."""
        self._timed(self._round)

    def fit_discriminator(self, n_steps: int = FIT_D_STEPS) -> None:
        """``n_steps`` D-steps with g held fixed, then a history entry: D moves towards D* = p_data/(p_data + p_g),
        so V̂(D, G) rises towards 2·JS(p_data ‖ p_g) − log 4."""

        def fit() -> bool:
            return all(self._d_step() for _ in range(n_steps))

        self._timed(fit)

    @_single_threaded
    def _timed(self, move) -> None:
        if self.diverged_reason is not None:
            return
        start = time.perf_counter()
        if move():
            self._record()
        self.train_seconds += time.perf_counter() - start

    # --- the updates
    def _real_batch(self) -> torch.Tensor:
        pick = torch.randint(len(self.real), (self.config.batch,), generator=self.rng)
        return self.real[pick]

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=self.rng)

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """L_D = −(1/m) Σ [log D(x_i) + log(1 − D(x̃_i))]: the cross-entropy of labels real = 1, generated = 0."""
        real_logit, fake_logit = self.discriminator_net(real), self.discriminator_net(fake)
        # −log D(x) = softplus(−f(x)) and −log(1 − D(x̃)) = softplus(f(x̃)), with D = σ(f): stable for large |f|
        return F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """Non-saturating L_G = −(1/m) Σ log D(g(z_i)), or saturating L_G = (1/m) Σ log(1 − D(g(z_i)))."""
        logit = self.discriminator_net(fake)
        if self.config.loss == NON_SATURATING:
            # −log D = softplus(−f)
            return F.softplus(-logit).mean()
        # log(1 − D) = −softplus(f)
        return (-F.softplus(logit)).mean()

    def _apply(self, loss: torch.Tensor, net: nn.Module, optimizer: torch.optim.Optimizer, who: str) -> bool:
        """Back-propagate ``loss`` into ``net`` only and take one Adam step, unless the loss or its gradient is
        not finite (then nothing changes and the run is marked diverged)."""
        value = float(loss.detach())
        parameters = list(net.parameters())
        optimizer.zero_grad()
        if math.isfinite(value):
            # ∇ w.r.t. this player's parameters only: the other player is held fixed during this update
            torch.autograd.backward(loss, inputs=parameters)
            # one sum over every gradient entry: NaN or ±inf anywhere makes it non-finite
            gradient_sum = float(sum(p.grad.sum() for p in parameters))
        if not math.isfinite(value) or not math.isfinite(gradient_sum):
            lr = self.config.d_lr if who == "D" else self.config.g_lr
            what = f"loss became {value}" if not math.isfinite(value) else "gradient stopped being finite"
            step = len(self.d_losses if who == "D" else self.g_losses) + 1
            self._diverge(f"the {who} {what} at {who}-step {step} (learning rate {lr:g} is too large)")
            return False
        optimizer.step()
        (self.d_losses if who == "D" else self.g_losses).append(value)
        return True

    def _d_step(self) -> bool:
        """θ_D ← Adam step on L_D with a real batch x_1..x_m and a generated batch x̃_i = g(z_i) (g held fixed)."""
        with torch.no_grad():
            fake = self.generator_net(self._noise(self.config.batch))
        real = self._real_batch()
        return self._apply(self.discriminator_loss(real, fake), self.discriminator_net, self.d_optimizer, "D")

    def _g_step(self) -> bool:
        """θ_g ← Adam step on L_G with fresh z_1..z_m (D held fixed)."""
        fake = self.generator_net(self._noise(self.config.batch))
        return self._apply(self.generator_loss(fake), self.generator_net, self.g_optimizer, "G")

    def _round(self) -> bool:
        for _ in range(self.config.d_steps):
            if not self._d_step():
                return False
        return self._g_step()

    # --- health: records, checkpoints, divergence
    @_single_threaded
    def current(self) -> Record:
        """Where the game stands now, on the evaluation z and data: modes covered (ring), both JS estimates and the
        mean D outputs."""
        samples = self.samples()
        estimate = self.value_estimate()
        with torch.no_grad():
            d_real = torch.sigmoid(self.discriminator_net(torch.tensor(self.eval_data, dtype=torch.float32)))
            d_fake = torch.sigmoid(self.discriminator_net(self.generator_net(self.eval_z)))
        ring = self.centres is not None
        plane = samples.shape[1] == 2  # the histogram JS is over cells of the plane (NaN for other data)
        return Record(
            g_steps=self.steps,
            d_steps=self.d_updates,
            modes=float(covered_modes(samples, self.centres, toy2d.RING_STD)) if ring else math.nan,
            js_histogram=histogram_js(self.eval_data, samples) if plane else math.nan,
            # (V̂ + log 4)/2: V(D, G) ≤ V(D*, G) = 2 JS − log 4
            js_from_d=(estimate + LOG4) / 2,
            d_real=float(d_real.mean()),
            d_fake=float(d_fake.mean()),
        )

    def _record(self) -> bool:
        """Append a history entry; keep the weights as the last healthy state, or end the run if the samples left
        the plane."""
        samples = self.samples()
        spread = float(np.abs(samples).max()) if np.isfinite(samples).all() else math.inf
        if spread > SAMPLE_LIMIT:
            self._diverge(
                f"the generated samples left the plane (|x| up to {spread:.3g}, the data lie within "
                f"{toy2d.DOMAIN:g}) by generator step {self.steps}: learning rates "
                f"G {self.config.g_lr:g} / D {self.config.d_lr:g} are too large"
            )
            return False
        self.history.append(self.current())
        self._healthy = (
            copy.deepcopy(self.generator_net.state_dict()),
            copy.deepcopy(self.discriminator_net.state_dict()),
            len(self.g_losses),
            len(self.d_losses),
            len(self.history),
        )
        return True

    def _diverge(self, reason: str) -> None:
        """Mark the run diverged and go back to the last healthy record (weights, curves, history)."""
        self.diverged_reason = reason
        if self._healthy is not None:
            g_state, d_state, g_count, d_count, records = self._healthy
            self.generator_net.load_state_dict(g_state)
            self.discriminator_net.load_state_dict(d_state)
            del self.g_losses[g_count:], self.d_losses[d_count:], self.history[records:]
            self.diverged_reason += f"; showing the weights of generator step {g_count}, the last healthy check"

    # --- what the page draws
    def samples(self, count: int = EVAL_SAMPLES) -> np.ndarray:
        """g(z) for the first ``count`` of the fixed evaluation z; shape (count, 2)."""
        with torch.no_grad():
            return self.generator_net(self.eval_z[:count]).double().numpy()

    def discriminator(self, points: np.ndarray) -> np.ndarray:
        """D(x) = σ(f(x)) at points of shape (n, 2); shape (n,)."""
        with torch.no_grad():
            logit = self.discriminator_net(torch.tensor(np.asarray(points), dtype=torch.float32))
            return torch.sigmoid(logit).double().numpy()[:, 0]

    @_single_threaded
    def field(self, resolution: int = 60, limit: float = toy2d.DOMAIN) -> tuple[np.ndarray, np.ndarray]:
        """D(x) over a resolution × resolution grid on [−limit, limit]²: (ticks (r,), D (r, r), rows = x₂)."""
        ticks = np.linspace(-limit, limit, resolution)
        g1, g2 = np.meshgrid(ticks, ticks)  # (r, r): row i is x₂ = ticks[i]
        grid = np.stack([g1.ravel(), g2.ravel()], axis=1)  # (r², 2)
        return ticks, self.discriminator(grid).reshape(resolution, resolution)

    @_single_threaded
    def generator_gradients(self, count: int = 40) -> tuple[np.ndarray, np.ndarray]:
        """Where each of ``count`` generated samples x = g(z) is pushed: (x (count, 2), −∇_x ℓ_G(x) (count, 2)),
        with ℓ_G(x) = −log D(x) (non-saturating) or log(1 − D(x)) (saturating), the per-sample generator loss.
        The generator's update moves its samples along these (through ∂x/∂θ_g)."""
        x = self.generator_net(self.eval_z[:count]).detach().requires_grad_(True)
        logit = self.discriminator_net(x)
        # per-sample losses, summed: the gradient w.r.t. each row of x is that sample's own ∇_x ℓ_G
        per_sample = F.softplus(-logit) if self.config.loss == NON_SATURATING else -F.softplus(logit)
        (gradient,) = torch.autograd.grad(per_sample.sum(), x)
        return x.detach().double().numpy(), -gradient.double().numpy()

    def value_estimate(self) -> float:
        """V̂(D, G) = (1/n) Σ log D(x_j) + (1/n) Σ log(1 − D(g(z_j))) on the evaluation data and samples."""
        with torch.no_grad():
            real_logit = self.discriminator_net(torch.tensor(self.eval_data, dtype=torch.float32))
            fake_logit = self.discriminator_net(self.generator_net(self.eval_z))
            # log D = −softplus(−f), log(1 − D) = −softplus(f)
            return float(-F.softplus(-real_logit).mean() - F.softplus(fake_logit).mean())

    def recent(self, values: list[float], window: int = 50) -> float:
        """(1/w) Σ of the last w = min(window, len) values (NaN when there are none)."""
        tail = values[-window:]
        return float(np.mean(tail)) if tail else math.nan


# --------------------------------------------------------------------------------------------- shipped runs

SNAPSHOT_KIND = "gan"
_HISTORY_FIELDS = ("g_steps", "d_steps", "modes", "js_histogram", "js_from_d", "d_real", "d_fake")


def save_shipped(trainer: GANTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished run (both networks, both loss curves, the history) as the shipped result of its config."""
    require_finished(trainer)
    if trainer.config.data == toy2d.USER:
        raise InputError("Runs on your own points are not shipped.")
    path = snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    save_snapshot(path, *run_arrays(trainer))
    return path


def run_arrays(trainer: GANTrainer) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) of a run for core.snapshot.save_snapshot: both networks, both loss curves, the history."""
    arrays = {f"g.{k}": v for k, v in module_arrays(trainer.generator_net).items()}
    arrays |= {f"d.{k}": v for k, v in module_arrays(trainer.discriminator_net).items()}
    arrays["history"] = np.array([[getattr(r, f) for f in _HISTORY_FIELDS] for r in trainer.history], dtype=float)
    arrays["d_losses"] = np.array(trainer.d_losses)
    arrays["g_losses"] = np.array(trainer.g_losses)
    meta = {"train_seconds": trainer.train_seconds, "diverged": trainer.diverged_reason}
    return arrays, meta


def load_shipped(config: GANConfig, directory: Path = PRETRAINED_DIR) -> GANTrainer | None:
    """The shipped, finished run of ``config`` (None when none was shipped for exactly these settings)."""
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if config.data == toy2d.USER or not path.exists():
        return None
    return restore_run(GANTrainer(config), *load_snapshot(path))


def restore_run(trainer: GANTrainer, arrays: dict[str, np.ndarray], meta: dict) -> GANTrainer:
    """Put what :func:`run_arrays` wrote into a freshly built trainer of the same config, in place; returns it."""
    load_module_arrays(trainer.generator_net, {k[2:]: v for k, v in arrays.items() if k.startswith("g.")})
    load_module_arrays(trainer.discriminator_net, {k[2:]: v for k, v in arrays.items() if k.startswith("d.")})
    trainer.d_losses = [float(v) for v in arrays["d_losses"]]
    trainer.g_losses = [float(v) for v in arrays["g_losses"]]
    trainer.history = [
        Record(**{f: (int(v) if f.endswith("steps") else float(v)) for f, v in zip(_HISTORY_FIELDS, row)})
        for row in arrays["history"]
    ]
    trainer.train_seconds = float(meta["train_seconds"])
    trainer.diverged_reason = meta["diverged"]
    return trainer
