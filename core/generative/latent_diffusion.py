"""Latent diffusion (sheet 12 c): the digit DDPM trained in a VAE's latent space, decoded at every step.

Rombach et al. (2022): an autoencoder compresses the data once; diffusion then runs on the small codes, and the
decoder maps the sampled code back to an image. Here:

* the autoencoder is the VAE of the VAE page (:mod:`core.generative.vae`, used as it is): the encoder's mean μ_φ(x)
  is each digit's code, the decoder's pixel means sigmoid(decoder_θ(z)) the image of a code;
* z_0 = (μ_φ(x) − m)/s: the codes less their mean m, divided by one scale s (their root-mean-square spread), so the
  data have unit variance like the N(0, I) end of the process (Stable Diffusion's scale factor);
* the DDPM is :class:`core.generative.digit_diffusion.VectorDiffusionTrainer`, i.e. the same schedule, forward jump
  (``diffusion.q_sample``), loss, ε-network form and samplers (``diffusion.ddpm_sample`` / ``ddim_sample``) as the
  pixel model, on D = d coordinates instead of 64;
* every frame decodes z_t and ẑ_0 through the VAE decoder: x = sigmoid(decoder_θ(m + s z)).

What a step costs: :func:`step_cost` measures one denoising step of either model — the network's FLOPs (torch's
FLOP counter), its memory (parameters, and the activations of one forward pass) and the wall time of a DDPM step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from core.errors import InputError
from core.generative import diffusion as diff
from core.generative import digit_diffusion as dd
from core.generative import vae
from core.snapshot import PRETRAINED_DIR, load_snapshot, save_module_run, snapshot_path
from core.torch_threads import torch_threads

LATENT_DIMS = (2, 4, 8)
"""VAE latent sizes the page offers (the VAE page ships d = 2)."""
COST_BATCH = 256
"""Samples per denoising step when the page measures the cost of a step."""


DEFAULT_VAE = vae.VAEConfig(latent_dim=4)
"""The VAE page's β = 1 run with d = 4. With d = 2 the decoder itself is the limit: the classifier reads 41 % of its
reconstructions as digits (d = 4: 65 %), and it never draws a 5."""
DEFAULT_DDPM = dd.DDPMConfig(hidden=32)
"""The pixel model's schedule, T, training budget and network form, a third as wide (4 coordinates to denoise
instead of 64)."""


@dataclass(frozen=True)
class LatentConfig:
    """Everything that identifies one latent ε_θ: the VAE whose codes it models, and its own DDPM."""

    vae: vae.VAEConfig = DEFAULT_VAE
    """The autoencoder (DEFAULT_VAE: shipped, as is the VAE page's d = 2 run)."""
    ddpm: dd.DDPMConfig = DEFAULT_DDPM
    """The DDPM on the standardised codes."""


def autoencoder_fingerprint(autoencoder: vae.VAETrainer) -> str:
    """12 hex digits of the SHA-1 of the VAE's weights: a shipped latent ε_θ is only used with the VAE it was
    trained on (a VAE retrained with other weights under the same config would not match its codes)."""
    digest = hashlib.sha1()
    for key, value in autoencoder.model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().cpu().numpy().astype(np.float32).tobytes())
    return digest.hexdigest()[:12]


def standardised_codes(autoencoder: vae.VAETrainer) -> tuple[np.ndarray, np.ndarray, float]:
    """(z_0, m, s): the standardised codes z_0 = (μ_φ(x) − m)/s of all 1797 digits (the latent DDPM's data), their
    mean m and their scale s (one number for all d coordinates, so the code's shape is kept)."""
    codes, _ = autoencoder.codes()  # μ_φ(x), (1797, d)
    # m = (1/n) Σ μ_φ(x_n),  s = √((1/(n d)) Σ ‖μ_φ(x_n) − m‖²)
    shift = codes.mean(axis=0)
    scale = float(np.sqrt(((codes - shift) ** 2).mean())) or 1.0
    # z_0 = (μ_φ(x) − m)/s
    return (codes - shift) / scale, shift, scale


def forward_decoded(
    autoencoder: vae.VAETrainer, schedule: diff.Schedule, t: int, seed: int, count: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The forward process on the codes of the first ``count`` digits, both ends seen through the decoder: what the
    latent ε_θ will learn to undo, shown before it is trained. Images (count, 8, 8) of decoder(m + s z_0) and of
    decoder(m + s z_t), with ε from the seed's first draw (as the pixel page's forward process)."""
    z0, shift, scale = standardised_codes(autoencoder)
    z0 = z0[:count]
    eps = np.random.default_rng(dd.draw_stream(seed, 0)).standard_normal(z0.shape)
    # z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε
    zt = diff.q_sample(z0, t, schedule, eps)
    # x = sigmoid(decoder_θ(m + s z))
    return autoencoder.decode(shift + scale * z0), autoencoder.decode(shift + scale * zt)


class LatentDiffusionTrainer(dd.VectorDiffusionTrainer):
    """The DDPM on the standardised VAE codes z_0 = (μ_φ(x) − m)/s of all 1797 digits (D = d)."""

    def __init__(self, config: LatentConfig, autoencoder: vae.VAETrainer):
        if autoencoder.config != config.vae:
            raise InputError("The VAE given is not the one this latent model is configured for.")
        if not autoencoder.finished or autoencoder.diverged_reason is not None:
            raise InputError("Latent diffusion needs a trained VAE: train it to the end of its budget first.")
        self.latent_config = config
        self.autoencoder = autoencoder
        z0, self.shift, self.scale = standardised_codes(autoencoder)
        super().__init__(config.ddpm, z0)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """x = sigmoid(decoder_θ(m + s z)): standardised codes (m, d) as grey images (m, 8, 8), by the VAE."""
        # μ = m + s z, then the VAE decoder's pixel means
        return self.autoencoder.decode(self.shift + self.scale * np.asarray(z, dtype=float))


# --------------------------------------------------------------------------------------------- cost of a step


@dataclass(frozen=True)
class StepCost:
    """One denoising step of a model on a batch: what the network computes, holds and takes."""

    dim: int
    """Coordinates D of x_t (64 pixels, or d latent codes)."""
    batch: int
    """Samples denoised together."""
    parameters: int
    """Weights and biases of ε_θ."""
    flops: int
    """Floating-point operations of ε_θ on the batch (matrix products, counted by torch's FlopCounterMode)."""
    parameter_bytes: int
    """Memory of the parameters (float32)."""
    activation_bytes: int
    """Memory of every layer's output in one forward pass on the batch (float32)."""
    seconds: float
    """Median wall time of one DDPM step on the batch: the ε_θ call and the update (measured)."""

    @property
    def memory_bytes(self) -> int:
        return self.parameter_bytes + self.activation_bytes


def _activation_bytes(model: nn.Module, x: torch.Tensor, t: torch.Tensor) -> int:
    """Σ over the leaf modules of the bytes of their outputs in one forward pass (hooks)."""
    total = 0

    def count(_module, _inputs, output):
        nonlocal total
        total += output.numel() * output.element_size()

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(count) for m in leaves]
    try:
        with torch.no_grad():
            model(x, t)
    finally:
        for handle in handles:
            handle.remove()
    return total


def step_cost(trainer: dd.VectorDiffusionTrainer, batch: int = COST_BATCH, repeats: int = 3, seed: int = 0) -> StepCost:
    """The cost of one denoising step of ``trainer``'s ε_θ̄ on ``batch`` samples. FLOPs and memory are counted on
    one forward pass at t = T/2; the wall time is that of whole DDPM runs (``diffusion.ddpm_sample``, all T steps)
    divided by T, the median of ``repeats`` runs."""
    if not 1 <= batch <= 4096:
        raise InputError(f"The batch for the cost measurement must be 1 to 4096 samples; got {batch}.")
    model = trainer.average
    x_T = np.random.default_rng(seed).standard_normal((batch, trainer.dim))
    x = torch.from_numpy(x_T.astype(np.float32))
    t = torch.full((batch,), trainer.config.T // 2, dtype=torch.long)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x, t)
    parameters = sum(p.numel() for p in model.parameters())
    parameter_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    times = []
    with torch_threads():
        for repeat in range(repeats):
            start = time.perf_counter()
            diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, seed + repeat)
            times.append((time.perf_counter() - start) / trainer.config.T)
    return StepCost(
        dim=trainer.dim,
        batch=batch,
        parameters=int(parameters),
        flops=int(counter.get_total_flops()),
        parameter_bytes=int(parameter_bytes),
        activation_bytes=_activation_bytes(model, x, t),
        seconds=float(statistics.median(times)),
    )


def decoder_flops(autoencoder: vae.VAETrainer, batch: int = COST_BATCH) -> int:
    """FLOPs of decoding ``batch`` codes once with the VAE decoder (latent diffusion pays it once per sample, after
    the last step — or once per frame when every step is drawn)."""
    z = torch.zeros(batch, autoencoder.config.latent_dim)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        autoencoder.model.decode(z)
    return int(counter.get_total_flops())


# --------------------------------------------------------------------------------------------- shipped results

SNAPSHOT_KIND = "ldm"


def _path(config: LatentConfig, directory: Path) -> Path:
    return snapshot_path(SNAPSHOT_KIND, config, 0, directory)


def save_shipped(trainer: LatentDiffusionTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished latent ε_θ (its averaged weights and loss curve) with the fingerprint of its VAE."""
    return save_module_run(
        dd.shipped_copy(trainer),
        trainer.average,
        _path(trainer.latent_config, directory),
        vae_fingerprint=autoencoder_fingerprint(trainer.autoencoder),
    )


def load_shipped(
    config: LatentConfig, autoencoder: vae.VAETrainer, directory: Path = PRETRAINED_DIR
) -> LatentDiffusionTrainer | None:
    """The shipped, finished latent ε_θ of ``config`` on ``autoencoder``; None when none was shipped for these
    settings, or when it was trained on a VAE with other weights."""
    path = _path(config, directory)
    if not path.exists() or not autoencoder.finished:
        return None
    found = load_snapshot(path)
    if found is None or found[1].get("vae_fingerprint") != autoencoder_fingerprint(autoencoder):
        return None
    trainer = LatentDiffusionTrainer(config, autoencoder)
    dd.restore_averaged(trainer, path)
    return trainer


def with_latent_dim(config: LatentConfig, latent_dim: int) -> LatentConfig:
    """The same latent model on a VAE with another latent size d."""
    if latent_dim not in LATENT_DIMS:
        raise InputError(f"The latent size must be one of {', '.join(map(str, LATENT_DIMS))}; got {latent_dim}.")
    return dataclasses.replace(config, vae=dataclasses.replace(config.vae, latent_dim=latent_dim))
