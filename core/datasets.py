"""Data every section shares: scikit-learn's bundled 8×8 digits (no download).

One ``digit_image`` for the convolution explorer, the ViT patches, the VAE and the digit diffusion pages.
"""

from __future__ import annotations

import functools

import numpy as np

from core.errors import InputError

DIGIT_SIDE = 8
"""The digits are 8×8 grey images."""
DIGIT_MAX = 16.0
"""scikit-learn stores grey levels 0..16; divided by this they lie in [0, 1]."""


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / DIGIT_MAX).astype(np.float64)  # (1797, 8, 8) in [0, 1]
    images.setflags(write=False)
    labels = digits.target.astype(np.int64)
    labels.setflags(write=False)
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits as (images (n, 8, 8) in [0, 1], labels (n,)); read-only views of one cached copy."""
    return _digits()


def digit_image(index: int) -> tuple[np.ndarray, int]:
    """Digit number ``index``: its 8×8 image with grey levels in [0, 1] and its label 0–9."""
    images, labels = _digits()
    if not 0 <= index < len(images):
        raise InputError(f"There are {len(images)} digits; choose an index from 0 to {len(images) - 1}.")
    return images[index].copy(), int(labels[index])
