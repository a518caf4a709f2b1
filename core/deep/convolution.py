"""2-D convolution (sheet 7e): cross-correlation and true convolution, the written-out sum, and test images.

True convolution ``(I * K)[i, j] = Σ_m Σ_n I[m, n] K[i − m, j − n]``. Deep-learning frameworks compute
cross-correlation ``(I ⋆ K)[i, j] = Σ_u Σ_v I[i + u, j + v] K[u, v]`` instead; the two differ by a 180° flip of
the kernel. With stride ``S``, zero padding ``P`` and dilation ``d`` an output position ``(i, j)`` reads input
``I[iS − P + u d, jS − P + v d]`` for kernel taps ``(u, v)``. The 8×8 digits come from :mod:`core.datasets`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import user_data
from core.errors import InputError

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
MAX_UPLOAD_BYTES = user_data.MAX_UPLOAD_BYTES
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


def load_image(data: bytes, max_side: int = MAX_IMAGE_SIDE) -> np.ndarray:
    """An uploaded PNG/JPEG as grey levels in [0, 1], L = 0.299 R + 0.587 G + 0.114 B, shrunk (Lanczos) so its
    longer side is ≤ ``max_side``: :func:`core.user_data.decode_image`, with its limits on bytes and pixels."""
    return user_data.decode_image(data, max_side)


def applied_kernel(kernel: np.ndarray, flip: bool) -> np.ndarray:
    """The weights as they are laid over the image: K rotated 180° (K[F − 1 − u, F − 1 − v]) for true
    convolution, K itself for cross-correlation."""
    kernel = np.asarray(kernel, dtype=float)
    # true convolution reads K[i − m, j − n]: the kernel rotated by 180°
    return kernel[::-1, ::-1].copy() if flip else kernel.copy()


def apply_kernel(
    image: np.ndarray, kernel: np.ndarray, flip: bool, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """True convolution I * K (``flip``) or cross-correlation I ⋆ K, with stride S, padding P and dilation d."""
    return (convolve2d if flip else correlate2d)(image, kernel, stride, padding, dilation)
