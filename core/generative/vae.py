"""Variational autoencoder on scikit-learn's 8×8 digits (sheet 11 a): encoder, decoder, ELBO, latent walks.

Notation follows the course sheet:

* encoder q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x)): an MLP maps a digit x (64 grey levels in [0, 1]) to μ and log σ²;
* reparameterization z = μ + σ ⊙ ε, ε ~ N(0, I), so the sample is a differentiable function of φ (sheet 11 b);
* decoder p_θ(x|z) = Π_i Bernoulli(x_i; p_i), p = sigmoid(logits_θ(z)), prior p(z) = N(0, I);
* ELBO = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ N(0, I)), with the KL in closed form
  KL = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²); training minimises −E_q[log p_θ(x|z)] + β·KL (β = 1: the ELBO).

Why a Bernoulli decoder (binary cross-entropy) and not a Gaussian one: the grey levels lie in [0, 1] and most
pixels are nearly 0 or nearly 1, which a sigmoid output models without a noise scale to choose. A Gaussian
decoder N(x̂, s² I) with a fixed s is −‖x − x̂‖²/(2s²) + const: the choice of s sets the weight of the
reconstruction against the KL, i.e. it is a hidden β (s² = ½ is β = 1 with plain squared error). With grey
(not binary) targets the Bernoulli log-likelihood is not normalised: its best value is −Σ_i H(x_i), the binary
entropy of the grey levels (about −13.7 nats per digit here), not 0 — an offset that leaves the gradients alone.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the initial weights, the training
draws (mini-batch order and ε) and the page's samples from the prior.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.datasets import DIGIT_SIDE, digits
from core.errors import InputError
from core.numerics import seed_streams, torch_seed
from core.snapshot import PRETRAINED_DIR, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng, torch_threads

PIXELS = DIGIT_SIDE * DIGIT_SIDE
LATENT_DIMS = (2, 3, 4, 8, 16)
MAX_EPOCHS = 500
MAX_BETA = 100.0
MAX_FRAMES = 60
MAX_SAMPLES = 400

# The independent streams of one seed: SeedSequence(seed).spawn(3)[k].
INIT_STREAM, TRAIN_STREAM, SAMPLE_STREAM = range(3)


def seed_stream(seed: int, which: int) -> np.random.SeedSequence:
    """Stream ``which`` of ``SeedSequence(seed).spawn(3)``: initial weights, training draws, prior samples."""
    return seed_streams(seed, 3)[which]


# --------------------------------------------------------------------------------------------- the ELBO's parts


def reparameterize(mu: torch.Tensor, log_var: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = μ + σ ⊙ ε with σ = exp(½ log σ²): a sample of N(μ, diag σ²) that is differentiable in μ and σ
    (ε ~ N(0, I) is an input, not a function of the parameters). ``eps`` may carry extra leading sample axes."""
    # z = μ + σ ⊙ ε
    return mu + torch.exp(0.5 * log_var) * eps


def kl_standard_normal(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²) per row (summed over the last axis)."""
    # ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)
    return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=-1)


def bernoulli_log_likelihood(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log p(x|z) = Σ_i [x_i log p_i + (1 − x_i) log(1 − p_i)], p = sigmoid(logits), per row.

    Computed as −BCE-with-logits: log sigmoid(l) = −softplus(−l) never takes the log of a rounded-off 0."""
    # −Σ_i BCE(p_i, x_i)
    return -nn.functional.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(dim=-1)


def gaussian_log_likelihood(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor | float) -> torch.Tensor:
    """log N(x; m, diag s²) = −½ Σ_i [log 2π + log s_i² + (x_i − m_i)²/s_i²] per row."""
    log_var = torch.as_tensor(log_var, dtype=mean.dtype)
    # −½ Σ_i [log 2π + log s² + (x − m)²/s²]
    return -0.5 * (math.log(2 * math.pi) + log_var + (x - mean).pow(2) / log_var.exp()).sum(dim=-1)


def negative_elbo_terms(x, mu, log_var, decode, log_likelihood, eps) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction, KL) per example, with −ELBO = reconstruction + KL:

    reconstruction = −(1/S) Σ_s log p_θ(x | z_s),  z_s = μ + σ ⊙ ε_s  (a Monte-Carlo estimate of −E_q[log p_θ(x|z)]),
    KL = KL(q_φ(z|x) ‖ N(0, I)) in closed form.

    ``eps`` has shape (S, n, d); ``decode(z)`` maps (S, n, d) codes to what ``log_likelihood(x, ·)`` takes.
    """
    z = reparameterize(mu, log_var, eps)  # (S, n, d)
    # −(1/S) Σ_s log p(x|z_s), per example
    reconstruction = -log_likelihood(x, decode(z)).mean(dim=0)
    return reconstruction, kl_standard_normal(mu, log_var)


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class VAEConfig:
    """Everything that identifies one trained VAE (the page keys its training session by it)."""

    latent_dim: int = 2
    """d, the size of z. With d = 2 the latent plane is drawn as it is; above, through a PCA of the codes μ."""
    beta: float = 1.0
    """Weight β of the KL in the loss −E_q[log p(x|z)] + β·KL; β = 1 is the ELBO, β → 0 an autoencoder."""
    hidden: int = 128
    """Units of the one hidden (ReLU) layer of the encoder and of the decoder."""
    learning_rate: float = 3e-3
    """Adam step size."""
    epochs: int = 60
    """Passes over all 1797 digits."""
    batch_size: int = 64
    """Digits per gradient step (29 steps per epoch at 64)."""
    seed: int = 0
    """Seeds the initial weights and every training draw (independent streams, see seed_stream)."""


def validate(config: VAEConfig) -> VAEConfig:
    """The config itself when every field can train; an InputError naming the first one that cannot."""
    if not (math.isfinite(config.beta) and config.beta >= 0):
        raise InputError(
            f"β must be a number ≥ 0; got {config.beta:g}. A negative β rewards moving q(z|x) away from the prior: "
            "the loss then has no minimum (σ → ∞ makes it −∞)."
        )
    if config.beta > MAX_BETA:
        raise InputError(f"β must be at most {MAX_BETA:g}; got {config.beta:g}.")
    if config.latent_dim not in LATENT_DIMS:
        raise InputError(
            f"The latent dimension must be one of {', '.join(map(str, LATENT_DIMS))}; got {config.latent_dim}."
        )
    if not 1 <= config.epochs <= MAX_EPOCHS:
        raise InputError(f"Epochs must be between 1 and {MAX_EPOCHS}; got {config.epochs}.")
    if not (math.isfinite(config.learning_rate) and 0 < config.learning_rate <= 10):
        raise InputError(f"The learning rate must be in (0, 10]; got {config.learning_rate:g}.")
    if not 1 <= config.batch_size <= 1797 or not 4 <= config.hidden <= 1024:
        raise InputError("The batch size must be in 1..1797 and the hidden width in 4..1024.")
    return config


class VAE(nn.Module):
    """q_φ(z|x): x → [64 → hidden → 2d] → (μ, log σ²);  p_θ(x|z): z → [d → hidden → 64] → Bernoulli logits."""

    def __init__(self, latent_dim: int, hidden: int):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Linear(PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²), each (n, d), of q_φ(z|x) for digits x of shape (n, 64)."""
        out = self.encoder(x)  # (n, 2d)
        return out[:, : self.latent_dim], out[:, self.latent_dim :]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p_θ(x|z), shape (..., 64)."""
        return self.decoder(z)


def digits_tensor() -> torch.Tensor:
    """All 1797 digits as a float32 tensor (1797, 64) of grey levels in [0, 1]."""
    images, _ = digits()
    return torch.tensor(images.reshape(len(images), PIXELS), dtype=torch.float32)


class VAETrainer:
    """Trains one VAE in chunks of epochs by Adam on −E_q[log p(x|z)] + β·KL (one ε per digit per step).

    The :class:`core.training.Trainable` protocol counts epochs: ``steps`` is the number of finished epochs and
    each curve (``losses``, ``reconstruction``, ``kl``) holds one mean per epoch over that epoch's mini-batches,
    in nats per digit. A step whose loss is not finite is not applied, and the weights go back to the end of the
    last finished epoch: ``diverged_reason`` says why, and the curves and the model are those of that epoch.

    A subclass can train the same objective on other data with another decoder (core.generative.compare's VAE
    on 2-D points, Gaussian decoder) by overriding ``training_data``, ``build_model`` and ``log_likelihood``.
    """

    log_likelihood = staticmethod(bernoulli_log_likelihood)
    """log p_θ(x | decoder output) per row, given ``model.decode(z)``: here the digits' Bernoulli decoder."""

    def __init__(self, config: VAEConfig):
        self.config = validate(config)
        self.x, self.labels = self.training_data()
        self.generator = torch.Generator().manual_seed(torch_seed(seed_stream(config.seed, TRAIN_STREAM)))
        with seeded_global_rng(torch_seed(seed_stream(config.seed, INIT_STREAM))):
            self.model = self.build_model()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.losses: list[float] = []
        """Training loss −E_q[log p(x|z)] + β·KL per epoch (mean over the epoch's mini-batches)."""
        self.reconstruction: list[float] = []
        """−E_q[log p(x|z)] per epoch (nats per digit; one z per digit per step)."""
        self.kl: list[float] = []
        """KL(q(z|x) ‖ N(0, I)) per epoch (nats per digit)."""
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._codes: tuple[int, np.ndarray, np.ndarray] | None = None  # (epochs, μ, log σ²) of the current weights

    def training_data(self) -> tuple[torch.Tensor, np.ndarray | None]:
        """(x (n, 64), labels (n,)): all 1797 digits and their classes."""
        return digits_tensor(), digits()[1]

    def build_model(self) -> nn.Module:
        """The encoder–decoder pair (built from the initial-weights stream)."""
        return VAE(self.config.latent_dim, self.config.hidden)

    @property
    def steps(self) -> int:
        """Epochs finished."""
        return len(self.losses)

    @property
    def total_steps(self) -> int:
        return self.config.epochs

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.epochs

    @property
    def elbo(self) -> list[float]:
        """ELBO = E_q[log p(x|z)] − KL per epoch (whatever β trained it)."""
        return [-(r + k) for r, k in zip(self.reconstruction, self.kl)]

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` epochs; in each, the digits in a fresh random order, one Adam step per mini-batch on
        L = (1/B) Σ_b [−log p_θ(x_b | μ_b + σ_b ⊙ ε_b) + β·KL(q(z|x_b) ‖ N(0, I))]."""
        start = time.perf_counter()
        with torch_threads():
            for _ in range(max(0, min(n_steps, self.config.epochs - self.steps))):
                if not self._train_epoch():
                    break
        self.train_seconds += time.perf_counter() - start

    def _train_epoch(self) -> bool:
        cfg = self.config
        # the weights at the end of the last good epoch: a diverging step must not destroy what was learned
        kept = {key: value.clone() for key, value in self.model.state_dict().items()}
        order = torch.randperm(len(self.x), generator=self.generator)
        sums = np.zeros(3)  # Σ over digits of (loss, reconstruction, KL)
        for start in range(0, len(self.x), cfg.batch_size):
            x = self.x[order[start : start + cfg.batch_size]]  # (B, 64)
            mu, log_var = self.model.encode(x)
            eps = torch.randn(1, *mu.shape, generator=self.generator)  # (1, B, d): one ε per digit
            reconstruction, kl = negative_elbo_terms(x, mu, log_var, self.model.decode, self.log_likelihood, eps)
            # L = mean_b [reconstruction_b + β·KL_b]
            loss = (reconstruction + cfg.beta * kl).mean()
            value = float(loss.detach())
            if not math.isfinite(value):
                self._diverge(f"the loss became {value} in epoch {self.steps + 1}", kept)
                return False
            self.optimizer.zero_grad()
            loss.backward()  # ∇_φ and ∇_θ; through z = μ + σ ⊙ ε the gradient reaches the encoder
            self.optimizer.step()
            sums += len(x) * np.array([value, float(reconstruction.detach().mean()), float(kl.detach().mean())])
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            self._diverge(f"the weights stopped being finite in epoch {self.steps + 1}", kept)
            return False
        loss, reconstruction, kl = sums / len(self.x)
        self.losses.append(float(loss))
        self.reconstruction.append(float(reconstruction))
        self.kl.append(float(kl))
        return True

    def _diverge(self, what: str, kept: dict) -> None:
        self.model.load_state_dict(kept)
        self.diverged_reason = (
            f"{what} (Adam learning rate {self.config.learning_rate:g} is too large); the model is kept as it was "
            f"after epoch {self.steps}"
        )

    # --- what the page draws (numpy out)
    def codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(μ, log σ²) of q_φ(z|x) for all 1797 digits, each (1797, d); computed once per set of weights."""
        if self._codes is None or self._codes[0] != self.steps:
            with torch.no_grad(), torch_threads():
                mu, log_var = self.model.encode(self.x)
            self._codes = (self.steps, mu.double().numpy(), log_var.double().numpy())
        return self._codes[1], self._codes[2]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """The decoder's pixel means p = sigmoid(logits_θ(z)) for codes z (m, d), as images (m, 8, 8)."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.config.latent_dim)
        with torch.no_grad(), torch_threads():
            p = torch.sigmoid(self.model.decode(torch.from_numpy(z)))
        return p.double().numpy().reshape(-1, DIGIT_SIDE, DIGIT_SIDE)

    def reconstruct(self, indices) -> np.ndarray:
        """Decoded means of the codes μ(x) of the digits at ``indices``: images (m, 8, 8)."""
        mu, _ = self.codes()
        return self.decode(mu[np.asarray(indices, dtype=int)])

    def squared_error(self) -> float:
        """(1/n) Σ_n ‖x_n − x̂_n‖², x̂_n = sigmoid(logits_θ(μ_φ(x_n))): the reconstruction error per digit."""
        images, _ = digits()
        x = images.reshape(len(images), PIXELS)
        reconstructed = self.reconstruct(np.arange(len(images))).reshape(len(images), PIXELS)
        # (1/n) Σ_n Σ_i (x_ni − x̂_ni)²
        return float(((x - reconstructed) ** 2).sum(axis=1).mean())


def mean_image_error() -> float:
    """(1/n) Σ_n ‖x_n − x̄‖²: the squared error of drawing every digit as the mean image (the baseline a VAE must
    beat)."""
    images, _ = digits()
    x = images.reshape(len(images), PIXELS)
    # (1/n) Σ_n ‖x_n − x̄‖²
    return float(((x - x.mean(axis=0)) ** 2).sum(axis=1).mean())


# --------------------------------------------------------------------------------------------- the latent plane


@dataclass(frozen=True)
class Plane:
    """A 2-D view of the latent space: z = origin + (u, v) @ axes. For d = 2 the latent plane itself
    (origin 0, axes the unit vectors); for d > 2 the plane of the codes' first two principal components."""

    origin: np.ndarray
    """A point of the plane, shape (d,)."""
    axes: np.ndarray
    """Orthonormal rows spanning it, shape (2, d)."""
    explained: float
    """Share of the codes' variance the plane holds (1 for d = 2)."""
    names: tuple[str, str]
    """Axis titles: ("z₁", "z₂") or ("PC 1", "PC 2")."""

    def project(self, z: np.ndarray) -> np.ndarray:
        """(u, v) = (z − origin) @ axesᵀ, shape (m, 2)."""
        return (np.asarray(z) - self.origin) @ self.axes.T

    def lift(self, uv: np.ndarray) -> np.ndarray:
        """z = origin + (u, v) @ axes, shape (m, d)."""
        return self.origin + np.asarray(uv, dtype=float).reshape(-1, 2) @ self.axes


def latent_plane(codes: np.ndarray) -> Plane:
    """The plane the page draws: identity for d = 2; for d > 2 PCA of the codes μ_n:
    m = (1/n) Σ μ_n, axes = the top two right singular vectors of [μ_n − m], explained = (s₁² + s₂²)/Σ s_k²."""
    codes = np.asarray(codes, dtype=float)
    d = codes.shape[1]
    if d == 2:
        return Plane(np.zeros(2), np.eye(2), 1.0, ("z₁", "z₂"))
    origin = codes.mean(axis=0)
    _, singular, vt = np.linalg.svd(codes - origin, full_matrices=False)
    axes = vt[:2]
    # each component's sign fixed so that its largest entry is positive: a retrained model does not flip the picture
    axes = axes * np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])[:, None]
    total = float((singular**2).sum())
    explained = float((singular[:2] ** 2).sum() / total) if total > 0 else 0.0
    return Plane(origin, axes, explained, ("PC 1", "PC 2"))


def plane_extent(points: np.ndarray, pad: float = 0.1) -> tuple[float, float]:
    """A square [lo, hi]² holding the central 98 % of the projected codes on both axes, padded by ``pad``."""
    lo = float(np.percentile(points, 1, axis=0).min())
    hi = float(np.percentile(points, 99, axis=0).max())
    if not hi > lo:  # an untrained encoder can map every digit to nearly the same point
        lo, hi = lo - 1.0, hi + 1.0
    margin = pad * (hi - lo)
    return lo - margin, hi + margin


def cell_centres(extent: tuple[float, float], n: int) -> np.ndarray:
    """The n centres lo + (k + ½)(hi − lo)/n, k = 0 … n − 1, of n equal cells across [lo, hi]."""
    lo, hi = extent
    return lo + (np.arange(n) + 0.5) * (hi - lo) / n


def manifold(trainer: VAETrainer, plane: Plane, extent: tuple[float, float], n: int) -> np.ndarray:
    """The decoded manifold: images (n, n, 8, 8), row i at v = centre_i (upwards), column j at u = centre_j."""
    if not 2 <= n <= 40:
        raise InputError(f"The manifold grid must be 2 to 40 images a side; got {n}.")
    centres = cell_centres(extent, n)
    u, v = np.meshgrid(centres, centres)  # (n, n): rows follow v, columns follow u
    images = trainer.decode(plane.lift(np.stack([u.ravel(), v.ravel()], axis=1)))
    return images.reshape(n, n, DIGIT_SIDE, DIGIT_SIDE)


# --------------------------------------------------------------------------------------------- latent walks


def lerp(z_a: np.ndarray, z_b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """z(t) = (1 − t) z_a + t z_b for each t: shape (len(t), d)."""
    t = np.asarray(t, dtype=float)[:, None]
    # z(t) = (1 − t) z_a + t z_b
    return (1.0 - t) * z_a + t * z_b


def slerp(z_a: np.ndarray, z_b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation: the direction turns along the great circle while the length goes linearly,

    z(t) = ((1 − t)‖z_a‖ + t‖z_b‖) · [sin((1 − t)Ω) ẑ_a + sin(tΩ) ẑ_b] / sin Ω,  ẑ = z/‖z‖,  cos Ω = ẑ_a·ẑ_b.

    The bracket is Shoemake's slerp of the unit vectors (itself a unit vector), so ‖z(t)‖ never dips below the
    shorter end: the path avoids the low-norm centre that a Gaussian prior in many dimensions rarely visits
    (its mass sits near ‖z‖ ≈ √d). With ‖z_a‖ = ‖z_b‖ it is the slerp of the raw codes (White 2016); applied to
    codes of unequal length that formula bulges far out when Ω is near π, this one does not. Falls back to
    :func:`lerp` where the circle is not unique (Ω = 0 or π) or a code is 0."""
    z_a, z_b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    norm_a, norm_b = float(np.linalg.norm(z_a)), float(np.linalg.norm(z_b))
    if norm_a == 0 or norm_b == 0:
        return lerp(z_a, z_b, t)
    unit_a, unit_b = z_a / norm_a, z_b / norm_b
    omega = math.acos(float(np.clip(unit_a @ unit_b, -1.0, 1.0)))
    if math.sin(omega) < 1e-6:
        return lerp(z_a, z_b, t)
    t = np.asarray(t, dtype=float)[:, None]
    # [sin((1 − t)Ω) ẑ_a + sin(tΩ) ẑ_b] / sin Ω: a unit vector on the great circle
    direction = (np.sin((1.0 - t) * omega) * unit_a + np.sin(t * omega) * unit_b) / math.sin(omega)
    # ‖z(t)‖ = (1 − t)‖z_a‖ + t‖z_b‖
    return ((1.0 - t) * norm_a + t * norm_b) * direction


@dataclass(frozen=True)
class Walk:
    """Decoded frames of the straight-line and the spherical path between two codes."""

    t: np.ndarray
    """Path parameter of each frame, 0 … 1, shape (F,)."""
    linear: np.ndarray
    """Codes z(t) on the straight line, shape (F, d)."""
    spherical: np.ndarray
    """Codes z(t) on the great circle, shape (F, d)."""
    linear_images: np.ndarray
    """Decoded means, shape (F, 8, 8)."""
    spherical_images: np.ndarray
    """Decoded means, shape (F, 8, 8)."""

    @property
    def linear_norms(self) -> np.ndarray:
        return np.linalg.norm(self.linear, axis=1)

    @property
    def spherical_norms(self) -> np.ndarray:
        return np.linalg.norm(self.spherical, axis=1)


def walk(trainer: VAETrainer, index_a: int, index_b: int, frames: int) -> Walk:
    """The walk from the code μ(x_a) of digit ``index_a`` to μ(x_b) in ``frames`` evenly spaced steps of t."""
    mu, _ = trainer.codes()
    for index in (index_a, index_b):
        if not 0 <= index < len(mu):
            raise InputError(f"There are {len(mu)} digits; choose an index from 0 to {len(mu) - 1}; got {index}.")
    if not 2 <= frames <= MAX_FRAMES:
        raise InputError(f"A walk needs 2 to {MAX_FRAMES} frames; got {frames}.")
    t = np.linspace(0.0, 1.0, frames)
    linear, spherical = lerp(mu[index_a], mu[index_b], t), slerp(mu[index_a], mu[index_b], t)
    images = trainer.decode(np.concatenate([linear, spherical]))  # one decoder call for both paths
    return Walk(t, linear, spherical, images[:frames], images[frames:])


def prior_samples(trainer: VAETrainer, count: int, seed: int, draw: int = 0) -> np.ndarray:
    """``count`` decoded samples x̂ = sigmoid(logits_θ(z)), z ~ N(0, I): images (count, 8, 8).

    Draw number ``draw`` of the seed's prior stream (its child ``draw``), so "new samples" never repeat a draw
    and the same (seed, draw) always gives the same images — for every model of that seed."""
    if not 1 <= count <= MAX_SAMPLES:
        raise InputError(f"Between 1 and {MAX_SAMPLES} samples; got {count}.")
    if draw < 0:
        raise InputError(f"The draw number must be ≥ 0; got {draw}.")
    parent = seed_stream(seed, SAMPLE_STREAM)
    # child number ``draw`` of the prior stream, made directly (what parent.spawn(draw + 1)[draw] returns)
    stream = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, draw), pool_size=parent.pool_size)
    z = np.random.default_rng(stream).standard_normal((count, trainer.config.latent_dim))
    return trainer.decode(z)


# --------------------------------------------------------------------------------------------- shipped results

SNAPSHOT_KIND = "vae"


def save_shipped(trainer: VAETrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished VAE (its weights and its three curves) as the shipped result of its config."""
    path = snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    return save_module_run(trainer, trainer.model, path, reconstruction=trainer.reconstruction, kl=trainer.kl)


def load_shipped(config: VAEConfig, directory: Path = PRETRAINED_DIR) -> VAETrainer | None:
    """The shipped, finished VAE of ``config`` (None when none was shipped for exactly these settings).

    The optimizer moments are not kept: a finished run is never trained further (Reset trains a new one)."""
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if not path.exists():  # most settings have none: build nothing
        return None
    trainer = VAETrainer(config)
    meta = restore_module_run(trainer, trainer.model, path)
    trainer.reconstruction = [float(v) for v in meta["reconstruction"]]
    trainer.kl = [float(v) for v in meta["kl"]]
    return trainer
