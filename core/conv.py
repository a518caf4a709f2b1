"""2-D convolution, normalization layers and plain-vs-residual gradients (sheet 7b, 7c, 7e, 7g).

* True convolution (sheet 7e): ``(I * K)[i, j] = Σ_m Σ_n I[m, n] K[i − m, j − n]``. Deep-learning frameworks
  compute cross-correlation ``(I ⋆ K)[i, j] = Σ_u Σ_v I[i + u, j + v] K[u, v]`` instead; the two differ by a
  180° flip of the kernel. With stride ``S``, zero padding ``P`` and dilation ``d`` an output position
  ``(i, j)`` reads input ``I[iS − P + u d, jS − P + v d]`` for kernel taps ``(u, v)``.
* Batch normalization (sheet 7b) over a batch ``x`` of shape (N, C, H, W): per channel,
  ``μ_B = (1/m) Σ x_i``, ``σ_B² = (1/m) Σ (x_i − μ_B)²`` over the ``m = N·H·W`` values of that channel,
  ``x̂ = (x − μ_B)/√(σ_B² + ε)``, ``y = γ x̂ + β``. In eval mode running averages replace μ_B and σ_B².
* Layer normalization (sheet 7c): the same, but per example over (C, H, W): independent of the batch size.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.errors import InputError

# ------------------------------------------------------------------------------------------ convolution

KERNELS: dict[str, np.ndarray] = {
    "edge (Laplacian)": np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float),
    "vertical edge (Sobel x)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "horizontal edge (Sobel y)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "blur (box 3×3)": np.full((3, 3), 1 / 9),
    "blur (Gaussian 5×5)": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float),
}

MAX_IMAGE_SIDE = 64
MAX_UPLOAD_BYTES = 2_000_000
MAX_KERNEL = 7


def parse_kernel(text: str) -> np.ndarray:
    """A square kernel from text: one row per line, numbers separated by spaces or commas (3×3 or 5×5 …)."""
    rows = [line.replace(",", " ").split() for line in text.strip().splitlines() if line.strip()]
    if not rows:
        raise InputError("The custom kernel is empty: write one row of numbers per line, e.g. '0 -1 0'.")
    try:
        values = [[float(x) for x in row] for row in rows]
    except ValueError as error:
        raise InputError(f"The custom kernel must contain only numbers ({error}).") from None
    size = len(values)
    if any(len(row) != size for row in values):
        widths = ", ".join(str(len(row)) for row in values)
        raise InputError(f"The custom kernel must be square: {size} rows but row lengths {widths}.")
    if size > MAX_KERNEL:
        raise InputError(f"The custom kernel may be at most {MAX_KERNEL}×{MAX_KERNEL}; got {size}×{size}.")
    kernel = np.array(values)
    if not np.all(np.isfinite(kernel)):
        raise InputError("The custom kernel must contain finite numbers (no inf or nan).")
    return kernel


def output_shape(height: int, width: int, kernel: int, stride: int, padding: int, dilation: int) -> tuple[int, int]:
    """(H₂, W₂) with W₂ = ⌊(W₁ − F_eff + 2P)/S⌋ + 1 and F_eff = d(F − 1) + 1; InputError when ≤ 0."""
    if stride < 1 or padding < 0 or dilation < 1:
        raise InputError("Stride and dilation must be ≥ 1 and padding ≥ 0.")
    span = dilation * (kernel - 1) + 1
    # W₂ = ⌊(W₁ − F_eff + 2P)/S⌋ + 1
    h2 = (height - span + 2 * padding) // stride + 1
    w2 = (width - span + 2 * padding) // stride + 1
    if h2 <= 0 or w2 <= 0:
        raise InputError(
            f"The kernel spans {span}×{span} pixels (F_eff = {dilation}·({kernel} − 1) + 1) but the padded image is "
            f"{height + 2 * padding}×{width + 2 * padding}: W₂ = ⌊({width} − {span} + 2·{padding})/{stride}⌋ + 1 = "
            f"{w2} ≤ 0. Use a smaller kernel or dilation, or more padding."
        )
    return h2, w2


def correlate2d(
    image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Cross-correlation (what frameworks call convolution): ``O[i, j] = Σ_u Σ_v I_pad[iS + u d, jS + v d] K[u, v]``."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    f = kernel.shape[0]
    h2, w2 = output_shape(*image.shape, f, stride, padding, dilation)
    padded = np.pad(image, padding)
    out = np.zeros((h2, w2))
    # one shifted, strided view of the input per kernel tap: F² vectorised adds, no loop over pixels
    for u in range(f):
        for v in range(f):
            rows = slice(u * dilation, u * dilation + stride * (h2 - 1) + 1, stride)
            cols = slice(v * dilation, v * dilation + stride * (w2 - 1) + 1, stride)
            # O[i, j] += I_pad[iS + u d, jS + v d] K[u, v]
            out += kernel[u, v] * padded[rows, cols]
    return out


def convolve2d(
    image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """True convolution ``(I * K)[i, j] = Σ_m Σ_n I[m, n] K[i − m, j − n]``: cross-correlation with K flipped 180°.

    Output indices are those of the 'valid' part (the full convolution's index minus F − 1), as in
    ``scipy.signal.convolve2d(..., mode='valid')`` when S = 1, P = 0, d = 1.
    """
    # K[i − m, j − n] runs over the kernel backwards: the same as correlating with K[::-1, ::-1]
    return correlate2d(image, np.asarray(kernel)[::-1, ::-1], stride, padding, dilation)


@dataclass(frozen=True)
class Term:
    """One product of the written-out sum for one output position."""

    m: int
    """Input row (may be outside the image: then it is padding and the value is 0)."""
    n: int
    """Input column."""
    value: float
    """I[m, n] (0 in the padding)."""
    ku: int
    """Kernel row of the weight used (after the flip for true convolution)."""
    kv: int
    weight: float
    """K[ku, kv]."""
    padding: bool

    @property
    def product(self) -> float:
        return self.value * self.weight


def terms_at(
    image: np.ndarray,
    kernel: np.ndarray,
    i: int,
    j: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    flip: bool = True,
) -> list[Term]:
    """The F² products summed into output (i, j), in kernel-tap order.

    Tap (u, v) reads ``I[m, n]`` with ``m = iS − P + u d``, ``n = jS − P + v d``; the weight is ``K[u, v]`` for
    cross-correlation and ``K[F − 1 − u, F − 1 − v]`` for true convolution (the sheet's ``K[i − m, j − n]`` with
    the output index shifted by F − 1).
    """
    image = np.asarray(image, dtype=float)
    f = kernel.shape[0]
    h2, w2 = output_shape(*image.shape, f, stride, padding, dilation)
    if not (0 <= i < h2 and 0 <= j < w2):
        raise InputError(f"Output position ({i}, {j}) is outside the {h2}×{w2} output.")
    terms = []
    for u in range(f):
        for v in range(f):
            # m = iS − P + u d
            m = i * stride - padding + u * dilation
            n = j * stride - padding + v * dilation
            inside = 0 <= m < image.shape[0] and 0 <= n < image.shape[1]
            ku, kv = (f - 1 - u, f - 1 - v) if flip else (u, v)
            value = float(image[m, n]) if inside else 0.0
            terms.append(Term(m, n, value, ku, kv, float(kernel[ku, kv]), not inside))
    return terms


def pattern_image(name: str, size: int = 28) -> np.ndarray:
    """A generated grey-level test image in [0, 1]: checkerboard, stripes, rings, or a square."""
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    if name == "checkerboard":
        cells = max(size // 7, 1)
        yy, xx = np.mgrid[0:size, 0:size]
        return (((yy // cells) + (xx // cells)) % 2).astype(float)
    if name == "diagonal stripes":
        return (np.sin(2 * np.pi * 4 * (x + y)) > 0).astype(float)
    if name == "rings":
        r = np.hypot(x - 0.5, y - 0.5)
        return 0.5 + 0.5 * np.cos(2 * np.pi * 6 * r)
    if name == "square":
        image = np.zeros((size, size))
        a, b = size // 4, size - size // 4
        image[a:b, a:b] = 1.0
        return image
    raise InputError(f"Unknown pattern {name!r}.")


def digit_image(index: int) -> np.ndarray:
    """An 8×8 handwritten digit from scikit-learn's bundled ``load_digits`` (grey levels 0–16 scaled to [0, 1])."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    if not 0 <= index < len(digits.images):
        raise InputError(f"Digit index must be between 0 and {len(digits.images) - 1}.")
    return digits.images[index] / 16.0


def load_image(data: bytes, max_side: int = MAX_IMAGE_SIDE) -> np.ndarray:
    """Decode an uploaded PNG/JPEG to grey levels in [0, 1], shrunk so its longer side is ≤ ``max_side``."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"The file is {len(data) / 1e6:.1f} MB; images up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB are accepted."
        )
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > 40_000_000:
                raise InputError("The image has too many pixels (over 40 megapixels).")
            grey = picture.convert("L")
            scale = max_side / max(grey.width, grey.height)
            if scale < 1:
                size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
                grey = grey.resize(size, Image.Resampling.LANCZOS)
            array = np.asarray(grey, dtype=float) / 255.0
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise InputError(
            f"The file could not be read as an image ({type(error).__name__}); upload a PNG or JPEG."
        ) from None
    if min(array.shape) < 3:
        raise InputError(
            f"The image is {array.shape[0]}×{array.shape[1]} pixels after shrinking; at least 3×3 is needed."
        )
    return array


# ---------------------------------------------------------------------------------------- normalization

NORM_AXES = {
    # axes of (N, C, H, W) that one mean/variance is taken over
    "BatchNorm": (0, 2, 3),
    "LayerNorm": (1, 2, 3),
    "InstanceNorm": (2, 3),
}


def batch_norm(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BatchNorm2d forward on x of shape (N, C, H, W); returns (y, new running mean, new running var).

    Training: ``μ_B = (1/m) Σ x_i``, ``σ_B² = (1/m) Σ (x_i − μ_B)²`` per channel over m = N·H·W values,
    ``y = γ (x − μ_B)/√(σ_B² + ε) + β``; running stats ``r ← (1 − momentum) r + momentum · stat`` where the
    variance's stat is the unbiased ``m/(m − 1) σ_B²`` (PyTorch's convention). Eval: μ_B, σ_B² ← running stats.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise InputError(f"BatchNorm expects (N, C, H, W); got shape {x.shape}.")
    n, c, h, w = x.shape
    m = n * h * w
    if training:
        if m < 2:
            raise InputError("BatchNorm in training mode needs more than one value per channel (N·H·W ≥ 2).")
        # μ_B = (1/m) Σ x_i over N, H, W
        mean = x.mean(axis=(0, 2, 3))
        # σ_B² = (1/m) Σ (x_i − μ_B)²
        var = x.var(axis=(0, 2, 3))
        # running averages use the unbiased variance m/(m − 1) σ_B²
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = np.asarray(running_mean, float), np.asarray(running_var, float)
        new_mean, new_var = mean.copy(), var.copy()
    shape = (1, c, 1, 1)  # broadcast per-channel vectors over (N, C, H, W)
    # x̂ = (x − μ_B)/√(σ_B² + ε);  y = γ x̂ + β
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    y = np.asarray(gamma).reshape(shape) * x_hat + np.asarray(beta).reshape(shape)
    return y, new_mean, new_var


def layer_norm(
    x: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None, eps: float = 1e-5
) -> np.ndarray:
    """LayerNorm over (C, H, W) of each example: ``μ = mean``, ``σ² = biased var`` over C·H·W values,
    ``y = γ (x − μ)/√(σ² + ε) + β`` with γ, β of shape (C, H, W) (torch.nn.LayerNorm([C, H, W])). Same in train/eval.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise InputError(f"LayerNorm expects (N, C, H, W); got shape {x.shape}.")
    # μ, σ² per example over C, H, W
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma[None]
    if beta is not None:
        y = y + beta[None]
    return y


def normalize_over(x: np.ndarray, axes: tuple[int, ...], eps: float = 1e-5) -> np.ndarray:
    """(x − μ)/√(σ² + ε) with μ, σ² (biased) over ``axes``; BN, LN and InstanceNorm differ only in the axes."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@dataclass
class BatchSizeStudy:
    """How BatchNorm's statistics and one example's output vary with the batch size m."""

    batch_sizes: np.ndarray
    """(B,) batch sizes N."""
    mean_spread: np.ndarray
    """(B, 3) 10th, 50th, 90th percentile of μ_B over the repeats (channel 0)."""
    var_spread: np.ndarray
    """(B, 3) percentiles of σ_B²."""
    bn_output: np.ndarray
    """(B, 3) percentiles of BN's output for one fixed value of a fixed example, across random batch-mates."""
    ln_output: np.ndarray
    """(B, 3) the same for LayerNorm (constant: it never looks at the other examples)."""
    true_mean: float
    true_var: float


def batch_size_study(
    seed: int,
    channels: int = 3,
    size: int = 4,
    batch_sizes: tuple[int, ...] = (2, 4, 8, 16, 32, 64),
    repeats: int = 200,
    true_mean: float = 2.0,
    true_std: float = 3.0,
) -> BatchSizeStudy:
    """Draw ``repeats`` batches of each size from x ~ N(true_mean, true_std²) (per pixel), always containing the
    same example x₀ first, and record μ_B, σ_B² and BN/LN's output for x₀[0, 0, 0, 0]."""
    if repeats < 2:
        raise InputError("At least two repeats are needed to see a spread.")
    rng = np.random.default_rng(seed)
    x0 = rng.normal(true_mean, true_std, size=(1, channels, size, size))
    means, variances, bn_out, ln_out = [], [], [], []
    q = (10, 50, 90)
    ln_value = layer_norm(x0)[0, 0, 0, 0]  # LayerNorm never sees the batch: one value for every batch size
    for n in batch_sizes:
        others = rng.normal(true_mean, true_std, size=(repeats, n - 1, channels, size, size))
        batches = np.concatenate([np.broadcast_to(x0, (repeats, 1, channels, size, size)), others], axis=1)
        # μ_B and σ_B² of channel 0 over (N, H, W), for each repeat
        mu = batches[:, :, 0].mean(axis=(1, 2, 3))
        var = batches[:, :, 0].var(axis=(1, 2, 3))
        # BN output of x₀'s first pixel: (x − μ_B)/√(σ_B² + ε)
        out = (x0[0, 0, 0, 0] - mu) / np.sqrt(var + 1e-5)
        means.append(np.percentile(mu, q))
        variances.append(np.percentile(var, q))
        bn_out.append(np.percentile(out, q))
        ln_out.append([ln_value] * 3)
    return BatchSizeStudy(
        np.array(batch_sizes),
        np.array(means),
        np.array(variances),
        np.array(bn_out),
        np.array(ln_out),
        true_mean,
        true_std**2,
    )


@dataclass
class RunningStatsTrace:
    """Running mean/var of a BatchNorm layer fed a stream of training batches, and train vs eval outputs."""

    steps: np.ndarray
    running_mean: np.ndarray
    """(T + 1,) running mean of channel 0 after each step (starts at 0, PyTorch's init)."""
    running_var: np.ndarray
    """(T + 1,) running variance (starts at 1)."""
    batch_mean: np.ndarray
    """(T,) μ_B of each batch."""
    true_mean: float
    true_var: float
    train_outputs: np.ndarray
    """(R,) BN output in train mode for one fixed test value, in R different random batches."""
    eval_output: float
    """BN output in eval mode for the same value (uses running stats: one number)."""
    test_value: float


def running_stats_trace(
    seed: int,
    batch_size: int,
    steps: int,
    momentum: float,
    true_mean: float = 2.0,
    true_std: float = 3.0,
    channels: int = 2,
    size: int = 4,
) -> RunningStatsTrace:
    """Feed ``steps`` training batches of N(true_mean, true_std²) through :func:`batch_norm` and record the
    running statistics ``r ← (1 − momentum) r + momentum · stat``; then compare train vs eval output."""
    if not 0 < momentum <= 1:
        raise InputError(f"The momentum must lie in (0, 1]; got {momentum}.")
    if batch_size * size * size < 2:
        raise InputError("BatchNorm in training mode needs more than one value per channel.")
    rng = np.random.default_rng(seed)
    gamma, beta = np.ones(channels), np.zeros(channels)
    r_mean, r_var = np.zeros(channels), np.ones(channels)
    means, variances, batch_means = [r_mean[0]], [r_var[0]], []
    for _ in range(steps):
        x = rng.normal(true_mean, true_std, size=(batch_size, channels, size, size))
        batch_means.append(x[:, 0].mean())
        _, r_mean, r_var = batch_norm(x, gamma, beta, r_mean, r_var, training=True, momentum=momentum)
        means.append(r_mean[0])
        variances.append(r_var[0])
    test = rng.normal(true_mean, true_std, size=(1, channels, size, size))
    train_outputs = []
    for _ in range(50):
        mates = rng.normal(true_mean, true_std, size=(batch_size - 1, channels, size, size))
        y, _, _ = batch_norm(np.concatenate([test, mates]), gamma, beta, r_mean, r_var, training=True)
        train_outputs.append(y[0, 0, 0, 0])
    y_eval, _, _ = batch_norm(test, gamma, beta, r_mean, r_var, training=False)
    return RunningStatsTrace(
        np.arange(steps + 1),
        np.array(means),
        np.array(variances),
        np.array(batch_means),
        true_mean,
        true_std**2,
        np.array(train_outputs),
        float(y_eval[0, 0, 0, 0]),
        float(test[0, 0, 0, 0]),
    )


# -------------------------------------------------------------------------------------- skip connections


@dataclass(frozen=True)
class SkipConfig:
    """A deep plain network and the same network with identity skip connections, on scikit-learn's digits."""

    architecture: str = "MLP"
    """MLP (dense layers on the 64 pixels) or CNN (3×3 convs with padding 1 on the 8×8 image)."""
    depth: int = 20
    """Hidden layers (MLP) or conv layers (CNN) between the input and the output layers."""
    width: int = 32
    """Units per hidden layer (MLP) or channels (CNN)."""
    activation: str = "tanh"
    """tanh, relu or sigmoid after each hidden layer."""
    init: str = "PyTorch default"
    """PyTorch default (Kaiming-uniform with a = √5), He (Kaiming normal), or Xavier (Glorot normal)."""
    learning_rate: float = 0.05
    """SGD step size (with momentum 0.9) in the short training run."""
    batch_size: int = 64
    """Examples per SGD step."""
    seed: int = 0
    """Initial weights (shared by the plain and the residual net) and mini-batch order."""


ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


class DeepNet(nn.Module):
    """``h_{l+1} = g(layer_l(h_l))`` (plain) or ``h_{l+1} = h_l + g(layer_l(h_l))`` (residual)."""

    def __init__(self, config: SkipConfig, residual: bool):
        super().__init__()
        self.residual = residual
        self.cnn = config.architecture == "CNN"
        w = config.width
        if self.cnn:
            self.stem = nn.Conv2d(1, w, 3, padding=1)
            self.hidden = nn.ModuleList(nn.Conv2d(w, w, 3, padding=1) for _ in range(config.depth))
            self.head = nn.Linear(w, 10)
        else:
            self.stem = nn.Linear(64, w)
            self.hidden = nn.ModuleList(nn.Linear(w, w) for _ in range(config.depth))
            self.head = nn.Linear(w, 10)
        self.act = ACTIVATIONS[config.activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.stem(x.view(-1, 1, 8, 8) if self.cnn else x))  # (B, 64) -> (B, 1, 8, 8) for the CNN
        for layer in self.hidden:
            # residual: h_{l+1} = h_l + g(W_l h_l + b_l); plain: h_{l+1} = g(W_l h_l + b_l)
            h = h + self.act(layer(h)) if self.residual else self.act(layer(h))
        if self.cnn:
            h = h.mean(dim=(2, 3))  # global average pool: (B, w, 8, 8) -> (B, w)
        return self.head(h)

    def layers(self) -> list[nn.Module]:
        return [self.stem, *self.hidden, self.head]


def _validate(config: SkipConfig) -> None:
    if config.architecture not in ("MLP", "CNN"):
        raise InputError(f"Unknown architecture {config.architecture!r}.")
    if config.activation not in ACTIVATIONS:
        raise InputError(f"Unknown activation {config.activation!r}.")
    if not 1 <= config.depth <= 100:
        raise InputError(f"Depth must be between 1 and 100; got {config.depth}.")
    if not 2 <= config.width <= 256:
        raise InputError(f"Width must be between 2 and 256; got {config.width}.")
    if config.learning_rate <= 0:
        raise InputError("The learning rate must be positive.")


def build_pair(config: SkipConfig) -> tuple[DeepNet, DeepNet]:
    """The plain and the residual net with *identical* initial weights (same seed, same shapes)."""
    _validate(config)
    torch.manual_seed(config.seed)
    plain = DeepNet(config, residual=False)
    if config.init != "PyTorch default":
        generator = torch.Generator().manual_seed(config.seed)
        for layer in plain.layers():
            if config.init == "He":
                # He: W ~ N(0, 2 / fan_in)
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
            elif config.init == "Xavier":
                # Xavier: W ~ N(0, 2 / (fan_in + fan_out))
                nn.init.xavier_normal_(layer.weight, generator=generator)
            else:
                raise InputError(f"Unknown initialisation {config.init!r}.")
            nn.init.zeros_(layer.bias)
    residual = DeepNet(config, residual=True)
    residual.load_state_dict(plain.state_dict())
    return plain, residual


@functools.lru_cache(maxsize=1)
def digits_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1 797 digits as (N, 64) float pixels in [0, 1] and (N,) labels (cached: never mutate)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return torch.tensor(digits.data / 16.0, dtype=torch.float32), torch.tensor(digits.target)


def gradient_norms(net: DeepNet, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """‖∂L/∂W_l‖_F for every layer l (stem, hidden…, head) on one batch; L = cross-entropy."""
    net.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    return np.array([float(layer.weight.grad.norm()) for layer in net.layers()])


@dataclass
class SkipResult:
    grad_plain: np.ndarray
    """(L,) gradient norm per layer at initialization, plain net."""
    grad_residual: np.ndarray
    loss_plain: list[float]
    """Training loss after each step so far."""
    loss_residual: list[float]
    acc_plain: float = float("nan")
    """Training-set accuracy after the last step."""
    acc_residual: float = float("nan")


def init_gradients(config: SkipConfig, examples: int = 256) -> SkipResult:
    """Gradient norms per layer at initialization for the plain and the residual net on the same batch."""
    plain, residual = build_pair(config)
    x, y = digits_tensors()
    generator = torch.Generator().manual_seed(config.seed)
    pick = torch.randperm(len(x), generator=generator)[:examples]
    return SkipResult(gradient_norms(plain, x[pick], y[pick]), gradient_norms(residual, x[pick], y[pick]), [], [])


class SkipTrainer:
    """Trains the plain and the residual net side by side, in chunks (SGD with momentum 0.9, same batches)."""

    def __init__(self, config: SkipConfig):
        self.config = config
        self.plain, self.residual = build_pair(config)
        self.x, self.y = digits_tensors()
        self.generator = torch.Generator().manual_seed(config.seed)
        self.optimizers = [
            torch.optim.SGD(net.parameters(), lr=config.learning_rate, momentum=0.9)
            for net in (self.plain, self.residual)
        ]
        self.losses: tuple[list[float], list[float]] = ([], [])

    def train(self, steps: int) -> None:
        for _ in range(steps):
            pick = torch.randint(len(self.x), (self.config.batch_size,), generator=self.generator)
            for net, optimizer, history in zip((self.plain, self.residual), self.optimizers, self.losses):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(net(self.x[pick]), self.y[pick])
                loss.backward()
                optimizer.step()
                value = float(loss.detach())
                history.append(value if np.isfinite(value) else float("nan"))

    def accuracy(self) -> tuple[float, float]:
        with torch.no_grad():
            return tuple(float((net(self.x).argmax(1) == self.y).float().mean()) for net in (self.plain, self.residual))
