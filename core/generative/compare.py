"""VAE vs GAN on the same data (sheet 11): the two models side by side on 2-D points and on the 8×8 digits, and
the numbers that make the sheet's comparison measurable.

Nothing of either model is implemented twice here. The VAE is :class:`core.generative.vae.VAETrainer` (its
reparameterization, closed-form KL and ELBO); the GAN is :class:`core.generative.gan.GANTrainer` (its losses,
alternating updates, V̂(D, G) and mode coverage). This module adds what neither page needed:

* a VAE on 2-D points: encoder q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x)) as before, and a *Gaussian* decoder
  p_θ(x|z) = N(μ_θ(z), diag s²), one learned variance s² per coordinate; a sample is x = μ_θ(z) + s ⊙ ε,
  z ~ N(0, I), ε ~ N(0, I): the decoder's noise blurs every sample by s around the decoded mean;
* a GAN on the digits: g: z ↦ sigmoid(MLP(z)) ∈ [0, 1]⁶⁴ and an MLP discriminator on 64 pixels;
* the measures, on EVAL_SAMPLES samples of each model against the training set X = {x_j}:
  precision-like  d(S → X) = (1/|S|) Σ_i min_j ‖s_i − x_j‖  (samples near the data: fidelity),
  recall-like     d(X → S) = (1/|X|) Σ_j min_i ‖x_j − s_i‖  (every data point near a sample: diversity/coverage),
  modes covered (ring: gan.covered_modes), classes covered (digits: the label of each sample's nearest training
  digit), and sharpness (digits) = the share of pixels within SHARP_MARGIN of 0 or 1.

What each minimises: the VAE −ELBO = E_q[−log p_θ(x|z)] + KL(q_φ(z|x) ‖ N(0, I)) (an upper bound on −log p_θ(x),
i.e. maximum likelihood, a KL(p_data ‖ p_θ) in disguise); the GAN's generator V(D, G), which at the optimal D
is 2·JS(p_data ‖ p_g) − log 4 (sheet 2.4).

Randomness: each trainer keeps its own seeded streams (vae.seed_stream, gan's four). The 2-D training set both
models share comes from child POINTS_STREAM of SeedSequence(seed), a fresh reference draw of p_data from child
REFERENCE_STREAM — children neither trainer uses (the VAE's are 0–2, the GAN's 0–3).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree
from threadpoolctl import ThreadpoolController
from torch import nn

from core.errors import InputError
from core.generative import gan, toy2d, vae
from core.numerics import seed_streams
from core.snapshot import (
    PRETRAINED_DIR,
    load_snapshot,
    module_arrays,
    require_finished,
    restore_module_run,
    save_snapshot,
    snapshot_path,
)

POINTS_DATA = (toy2d.RING, toy2d.MOONS)
"""The 2-D data sets of the page."""
POINTS_STREAM, REFERENCE_STREAM = 4, 5
"""Children of SeedSequence(seed).spawn(6): the shared training points and a fresh reference draw."""
EVAL_SAMPLES = gan.EVAL_SAMPLES
"""Samples of each model that every measure and figure uses (the GAN's fixed evaluation z)."""
SHARP_MARGIN = 0.1
"""A pixel counts as sharp when its grey level is within this of 0 (paper) or 1 (ink)."""
INIT_LOG_VAR = float(np.log(0.1**2))
"""log s² of the 2-D VAE's decoder at initialisation (s = 0.1, below the ring modes' 0.12). Started at s = 1 the
decoder explains the data (variance ≈ 1 per coordinate) as its own noise at once and the KL pulls every code onto
the prior: posterior collapse (measured with the page's defaults: KL 0.003 nats, s ≈ 1.0 after 100 epochs, one
Gaussian blob); from 0.1 the reconstruction term is worth learning first (KL ≈ 3.5 nats, s ≈ 0.11, all 8 modes)."""
CLASS_MIN_SHARE = gan.MODE_MIN_SHARE
"""A digit class is covered when at least this share of the samples has its nearest training digit in it."""


# --------------------------------------------------------------------------------------------- the shared data


def shared_points(data: str, n: int, seed: int) -> np.ndarray:
    """The one training set of both 2-D models: n points of ``data`` from child POINTS_STREAM; shape (n, 2)."""
    if data not in POINTS_DATA:
        raise InputError(f"The 2-D data must be one of {', '.join(POINTS_DATA)}; got {data!r}.")
    return toy2d.sample(data, n, seed_streams(seed, 6)[POINTS_STREAM])


def reference_points(data: str, seed: int, n: int = EVAL_SAMPLES) -> np.ndarray:
    """A fresh draw of p_data (child REFERENCE_STREAM), measured like a model: what a perfect model would score."""
    return toy2d.sample(data, n, seed_streams(seed, 6)[REFERENCE_STREAM])


@functools.cache
def digit_pixels() -> np.ndarray:
    """The 1797 digits as rows of 64 grey levels in [0, 1]; shape (1797, 64), read-only (made once per process)."""
    pixels = vae.digits_tensor().double().numpy()
    pixels.setflags(write=False)
    return pixels


# --------------------------------------------------------------------------------------------- VAE on 2-D points


@dataclass(frozen=True)
class PointsVAEConfig(vae.VAEConfig):
    """A VAE on 2-D points: the digits VAE's fields (other defaults for the small problem) plus the data."""

    hidden: int = 32
    """Units of each of the two hidden (LeakyReLU) layers of the encoder and of the decoder."""
    epochs: int = 100
    """Passes over the training points (32 steps per epoch at 2000 points and batch 64)."""
    data: str = toy2d.RING
    """p_data: one of POINTS_DATA."""
    points: int = 2000
    """Training points, the same draw the GAN trains on (shared_points)."""


class PointsVAE(nn.Module):
    """q_φ(z|x): x → [2 → h → h → 2d] → (μ, log σ²);  p_θ(x|z) = N(μ_θ(z), diag s²): z → [d → h → h → 2] → μ_θ,
    with log s² one learned number per coordinate (not a function of z)."""

    def __init__(self, latent_dim: int, hidden: int):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = gan.mlp(2, hidden, 2, 2 * latent_dim)
        self.decoder = gan.mlp(latent_dim, hidden, 2, 2)
        self.log_var = nn.Parameter(torch.full((2,), INIT_LOG_VAR))
        """log s², shape (2,): the decoder's noise per coordinate."""

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²), each (n, d), for points x of shape (n, 2)."""
        out = self.encoder(x)  # (n, 2d)
        return out[:, : self.latent_dim], out[:, self.latent_dim :]

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ_θ(z) of shape (..., 2), log s² of shape (2,)): what gaussian_decoder_log_likelihood takes."""
        return self.decoder(z), self.log_var


def gaussian_decoder_log_likelihood(x: torch.Tensor, decoded: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """log p_θ(x|z) = log N(x; μ_θ(z), diag s²) per row (vae.gaussian_log_likelihood on the decoder's output)."""
    mean, log_var = decoded
    return vae.gaussian_log_likelihood(x, mean, log_var)


class PointsVAETrainer(vae.VAETrainer):
    """vae.VAETrainer on the shared 2-D points with the Gaussian decoder: the same loop, ELBO and KL; ``steps``
    counts epochs, the curves are nats per point."""

    log_likelihood = staticmethod(gaussian_decoder_log_likelihood)

    def __init__(self, config: PointsVAEConfig):
        if config.data not in POINTS_DATA:
            raise InputError(f"The 2-D data must be one of {', '.join(POINTS_DATA)}; got {config.data!r}.")
        if not 100 <= config.points <= toy2d.MAX_POINTS:
            raise InputError(f"The number of training points must be 100 to {toy2d.MAX_POINTS}; got {config.points}.")
        super().__init__(config)

    def training_data(self) -> tuple[torch.Tensor, None]:
        points = shared_points(self.config.data, self.config.points, self.config.seed)
        return torch.tensor(points, dtype=torch.float32), None

    def build_model(self) -> nn.Module:
        return PointsVAE(self.config.latent_dim, self.config.hidden)

    @property
    def decoder_std(self) -> np.ndarray:
        """s = exp(½ log s²) per coordinate, shape (2,)."""
        return np.exp(0.5 * self.model.log_var.detach().double().numpy())

    def decode(self, z: np.ndarray) -> np.ndarray:
        """The decoded means μ_θ(z) of codes z (m, d); shape (m, 2)."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.config.latent_dim)
        with torch.no_grad(), vae.torch_threads():
            mean, _ = self.model.decode(torch.from_numpy(z))
        return mean.double().numpy()

    def squared_error(self) -> float:
        """(1/n) Σ_n ‖x_n − μ_θ(μ_φ(x_n))‖²: the reconstruction error per point."""
        x = self.x.double().numpy()
        # (1/n) Σ_n ‖x_n − x̂_n‖²
        return float(((x - self.reconstruct(np.arange(len(x)))) ** 2).sum(axis=1).mean())


# --------------------------------------------------------------------------------------------- GAN on digits


class DigitsGANTrainer(gan.GANTrainer):
    """gan.GANTrainer on the 1797 digits (64 pixels): the same losses and alternating updates, with a sigmoid
    on the generator's output so that every generated pixel is a grey level in [0, 1] like the data's.

    The config's ``data`` is "your points" (the trainer is handed the digits; ``points`` is ignored); the ring's
    mode count and the 2-D histogram JS do not apply (NaN in the history)."""

    def __init__(self, config: gan.GANConfig):
        if config.data != toy2d.USER:
            raise InputError(f"A GAN on the digits takes data = {toy2d.USER!r}; got {config.data!r}.")
        super().__init__(config, digit_pixels())

    def build_networks(self, dim: int) -> tuple[nn.Module, nn.Module]:
        generator, discriminator = super().build_networks(dim)
        # x = sigmoid(MLP(z)) ∈ [0, 1]⁶⁴
        return nn.Sequential(*generator, nn.Sigmoid()), discriminator


# --------------------------------------------------------------------------------------------- the page's defaults

DIGITS = "8×8 digits"


def points_configs(data: str, seed: int) -> tuple[PointsVAEConfig, gan.GANConfig]:
    """The two 2-D runs of one setting on the same ``shared_points``: a VAE with two hidden layers of 32 in the
    encoder and in the decoder, and a GAN with two of 32 in g and in D (about 2,500 weights each)."""
    if data not in POINTS_DATA:
        raise InputError(f"The 2-D data must be one of {', '.join(POINTS_DATA)}; got {data!r}.")
    vae_config = PointsVAEConfig(data=data, seed=seed)
    gan_config = gan.GANConfig(data=data, points=vae_config.points, g_width=32, d_width=32, steps=2000, seed=seed)
    return vae_config, gan_config


def digits_configs(seed: int) -> tuple[vae.VAEConfig, gan.GANConfig]:
    """The two digit runs: a 2-d latent VAE, and a GAN with 8-d noise, one hidden layer each."""
    vae_config = vae.VAEConfig(latent_dim=2, hidden=32, epochs=60, seed=seed)
    gan_config = gan.GANConfig(
        data=toy2d.USER,
        z_dim=8,
        g_width=64,
        g_depth=1,
        d_width=64,
        d_depth=1,
        batch=64,
        steps=6000,
        seed=seed,
    )
    return vae_config, gan_config


def make_vae(config: vae.VAEConfig) -> vae.VAETrainer:
    """A fresh VAE trainer of ``config``: on points for a PointsVAEConfig, on the digits otherwise."""
    return PointsVAETrainer(config) if isinstance(config, PointsVAEConfig) else vae.VAETrainer(config)


def make_gan(config: gan.GANConfig) -> gan.GANTrainer:
    """A fresh GAN trainer of ``config``: on the digits for data = "your points", on shared_points otherwise.

    Built on one torch thread: the trainer records its first state (1,000 samples) while it is built, and on 2
    busy cores torch's second thread made that slow (measured: the digits GAN built in 130 ms, 6 ms on one thread)."""
    with gan.torch_threads():
        if config.data == toy2d.USER:
            return DigitsGANTrainer(config)
        return gan.GANTrainer(config, shared_points(config.data, config.points, config.seed))


# --------------------------------------------------------------------------------------------- the measures


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def nearest(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest neighbours both ways between point sets a (n, D) and b (m, D):
    (min_j ‖a_i − b_j‖ per row of a (n,), the argmin j (n,), min_i ‖a_i − b_j‖ per row of b (m,)).

    In 2-D by k-d trees (exact; 1 ms for 1,000 × 2,000 points where the matrix below takes 10–25); above, from
    the n × m matrix of squared distances on one BLAS thread (on 2 busy cores a second thread made it 2–3×
    slower, measured 8 vs 19 ms for 1,000 samples against the 1,797 digits)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape[1] <= 3:
        to_b, index = cKDTree(b).query(a)
        to_a, _ = cKDTree(a).query(b)
        return to_b, index, to_a
    with _blas().limit(limits=1, user_api="blas"):
        # ‖a_i − b_j‖² = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j, clipped at 0 against round-off; (n, m)
        squared = np.maximum((a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T, 0.0)
    return np.sqrt(squared.min(axis=1)), squared.argmin(axis=1), np.sqrt(squared.min(axis=0))


def sharpness(images: np.ndarray, margin: float = SHARP_MARGIN) -> float:
    """Share of pixels within ``margin`` of 0 or 1: (1/(nP)) Σ_{n,i} [x_ni ≤ margin or x_ni ≥ 1 − margin]."""
    x = np.asarray(images, dtype=float)
    return float(((x <= margin) | (x >= 1.0 - margin)).mean())


def classes_covered(nearest_labels: np.ndarray, min_share: float = CLASS_MIN_SHARE) -> int:
    """Digit classes k with at least ``min_share`` of the samples: #{k : (1/n) Σ_i [label(nn(s_i)) = k] ≥ share}."""
    counts = np.bincount(np.asarray(nearest_labels, dtype=int), minlength=10)
    return int((counts >= min_share * len(nearest_labels)).sum())


@dataclass(frozen=True)
class Measures:
    """How a set of samples S sits against the training set X (NaN where a measure does not apply)."""

    samples_to_data: float
    """d(S → X) = (1/|S|) Σ_i min_j ‖s_i − x_j‖: small when every sample looks like some training example."""
    data_to_samples: float
    """d(X → S) = (1/|X|) Σ_j min_i ‖x_j − s_i‖: small when every training example has a sample near it."""
    modes: float
    """Ring modes covered (gan.covered_modes: ≥ 2 % of the samples within 3σ of the mode); NaN off the ring."""
    classes: float
    """Digit classes covered (classes_covered, by the label of each sample's nearest training digit); NaN in 2-D."""
    sharpness: float
    """Share of pixels within SHARP_MARGIN of 0 or 1 (sharpness); NaN in 2-D."""


def measure(
    samples: np.ndarray, data: np.ndarray, *, centres: np.ndarray | None = None, labels: np.ndarray | None = None
) -> Measures:
    """The Measures of ``samples`` (n, D) against the training set ``data`` (m, D); ``centres`` (the ring's modes)
    and ``labels`` (the digits' classes, which also mark the data as images) add the measures that need them."""
    to_data, nearest_index, to_samples = nearest(samples, data)
    return Measures(
        samples_to_data=float(to_data.mean()),
        data_to_samples=float(to_samples.mean()),
        modes=float(gan.covered_modes(samples, centres, toy2d.RING_STD)) if centres is not None else math.nan,
        classes=float(classes_covered(labels[nearest_index])) if labels is not None else math.nan,
        sharpness=sharpness(samples) if labels is not None else math.nan,
    )


def reference_measures(data: str, seed: int) -> Measures:
    """What real data scores, the yardstick of the table: in 2-D a fresh draw of p_data (reference_points) against
    the shared training set; for the digits each digit against the *other* 1797 − 1 (leave-one-out)."""
    if data == DIGITS:
        x = digit_pixels()
        labels = vae.digits()[1]
        with _blas().limit(limits=1, user_api="blas"):
            # ‖x_i − x_j‖², with the digit itself excluded; (1797, 1797)
            squared = np.maximum((x * x).sum(axis=1)[:, None] + (x * x).sum(axis=1)[None, :] - 2.0 * x @ x.T, 0.0)
        np.fill_diagonal(squared, np.inf)
        distance = float(np.sqrt(squared.min(axis=1)).mean())
        return Measures(distance, distance, math.nan, float(classes_covered(labels)), sharpness(x))
    fresh = reference_points(data, seed)
    centres = toy2d.ring_centres() if data == toy2d.RING else None
    return measure(fresh, shared_points(data, PointsVAEConfig.points, seed), centres=centres)


@dataclass(frozen=True)
class Summary:
    """What the page shows of one trained model: its samples, their measures and its objective now."""

    samples: np.ndarray
    """EVAL_SAMPLES samples, (n, 2) points or (n, 64) images: VAE x = μ_θ(z) + s ⊙ ε (2-D) or the decoder's pixel
    means p(x_i = 1 | z) (digits); GAN g(z) on its fixed evaluation z."""
    means: np.ndarray | None
    """The 2-D VAE's decoded means μ_θ(z) of the same z, without the decoder's noise (None otherwise)."""
    measures: Measures
    objective: float
    """The value the model's training drives: −ELBO (VAE, last epoch) or V̂(D, G) (GAN, evaluation set)."""
    reconstruction: float = math.nan
    """VAE: −E_q[log p_θ(x|z)] of the last epoch (nats per example)."""
    kl: float = math.nan
    """VAE: KL(q_φ(z|x) ‖ N(0, I)) of the last epoch (nats per example)."""
    js_lower: float = math.nan
    """GAN: (V̂ + log 4)/2 ≤ JS(p_data ‖ p_g): the JS lower bound the current D certifies (nats)."""
    js_histogram: float = math.nan
    """GAN in 2-D: JS of the 20 × 20-bin histograms of data and samples (nats; biased up, see gan.histogram_js)."""


def vae_draws(trainer: vae.VAETrainer, count: int = EVAL_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """(samples, means) of a VAE from z ~ N(0, I) (and ε ~ N(0, I) in 2-D), drawn from the trainer's prior stream.

    2-D: means μ_θ(z), samples x = μ_θ(z) + s ⊙ ε. Digits: both are the pixel means p = sigmoid(logits_θ(z))."""
    z_stream, noise_stream = vae.seed_stream(trainer.config.seed, vae.SAMPLE_STREAM).spawn(2)
    z = np.random.default_rng(z_stream).standard_normal((count, trainer.config.latent_dim))
    means = trainer.decode(z).reshape(count, -1)
    if not isinstance(trainer, PointsVAETrainer):
        return means, means
    eps = np.random.default_rng(noise_stream).standard_normal(means.shape)
    # x = μ_θ(z) + s ⊙ ε
    return means + trainer.decoder_std * eps, means


def summarize(trainer: vae.VAETrainer | gan.GANTrainer) -> Summary:
    """The Summary of a trained VAE or GAN, computed once per state of its weights (kept on the trainer, like
    VAETrainer.codes): a rerun of the page with the same weights costs nothing."""
    stamp = (trainer.steps, getattr(trainer, "d_updates", 0))
    kept = getattr(trainer, "_compare_summary", None)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    with vae.torch_threads():
        summary = _vae_summary(trainer) if isinstance(trainer, vae.VAETrainer) else _gan_summary(trainer)
    trainer._compare_summary = (stamp, summary)
    return summary


def _extras(data: np.ndarray, name: str) -> dict:
    """measure()'s keywords for a data set: the ring's centres, or the digits' labels."""
    if data.shape[1] == vae.PIXELS:
        return dict(labels=vae.digits()[1])
    return dict(centres=toy2d.ring_centres() if name == toy2d.RING else None)


def _vae_summary(trainer: vae.VAETrainer) -> Summary:
    samples, means = vae_draws(trainer)
    data = trainer.x.double().numpy()
    name = getattr(trainer.config, "data", DIGITS)
    reconstruction = trainer.reconstruction[-1] if trainer.steps else math.nan
    kl = trainer.kl[-1] if trainer.steps else math.nan
    return Summary(
        samples=samples,
        means=means if isinstance(trainer, PointsVAETrainer) else None,
        measures=measure(samples, data, **_extras(data, name)),
        # −ELBO = E_q[−log p_θ(x|z)] + KL
        objective=reconstruction + kl,
        reconstruction=reconstruction,
        kl=kl,
    )


def _gan_summary(trainer: gan.GANTrainer) -> Summary:
    samples = trainer.samples(EVAL_SAMPLES)
    now = trainer.current()
    return Summary(
        samples=samples,
        means=None,
        measures=measure(samples, trainer.data, **_extras(trainer.data, trainer.config.data)),
        objective=trainer.value_estimate(),
        js_lower=now.js_from_d,
        js_histogram=now.js_histogram,
    )


# --------------------------------------------------------------------------------------------- shipped runs

_KINDS = {
    (True, True): "vvg-vae2d",
    (True, False): "vvg-vae-digits",
    (False, True): "vvg-gan2d",
    (False, False): "vvg-gan-digits",
}


def _path(config: vae.VAEConfig | gan.GANConfig, directory: Path) -> Path:
    is_vae = isinstance(config, vae.VAEConfig)
    in_2d = isinstance(config, PointsVAEConfig) or (not is_vae and config.data != toy2d.USER)
    return snapshot_path(_KINDS[is_vae, in_2d], config, 0, directory)


def _half(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Weights and loss curves as float16 (3 significant digits: invisible in a sample or a curve; half the
    bytes of the shipped file)."""
    return {k: v.astype(np.float16) if np.issubdtype(v.dtype, np.floating) else v for k, v in arrays.items()}


def _short(curve: list[float]) -> list[float]:
    """A curve rounded to 6 significant digits (float32 holds about 7): a shorter JSON header."""
    return [float(f"{v:.6g}") for v in curve]


def save_shipped(trainer: vae.VAETrainer | gan.GANTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished run of this page as the shipped result of its config (weights and curves in float16)."""
    require_finished(trainer)
    path = _path(trainer.config, directory)
    if isinstance(trainer, vae.VAETrainer):
        # what core.snapshot.save_module_run writes, plus the VAE's two curves (as vae.save_shipped)
        meta = {
            "losses": _short(trainer.losses),
            "train_seconds": trainer.train_seconds,
            "diverged": trainer.diverged_reason,
            "reconstruction": _short(trainer.reconstruction),
            "kl": _short(trainer.kl),
        }
        save_snapshot(path, _half(module_arrays(trainer.model)), meta)
    else:
        arrays, meta = gan.run_arrays(trainer)
        history = arrays.pop("history")  # step counts beyond 2048 are not exact in float16
        save_snapshot(path, {**_half(arrays), "history": history}, meta)
    return path


def load_shipped(
    config: vae.VAEConfig | gan.GANConfig, directory: Path = PRETRAINED_DIR
) -> vae.VAETrainer | gan.GANTrainer | None:
    """The shipped, finished run of ``config`` (None when none was shipped for exactly these settings)."""
    path = _path(config, directory)
    if not path.exists():
        return None
    if isinstance(config, vae.VAEConfig):
        trainer = make_vae(config)
        meta = restore_module_run(trainer, trainer.model, path)
        trainer.reconstruction = [float(v) for v in meta["reconstruction"]]
        trainer.kl = [float(v) for v in meta["kl"]]
        return trainer
    return gan.restore_run(make_gan(config), *load_snapshot(path))
