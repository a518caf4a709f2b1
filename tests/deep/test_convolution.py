"""Convolution and cross-correlation (sheet 7e) against torch conv2d and SciPy; kernels and uploaded images."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.deep import convolution as conv
from core.errors import InputError

# ----------------------------------------------------------------------------- convolution vs torch


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(3, 14),
    w=st.integers(3, 14),
    f=st.sampled_from([1, 2, 3, 5]),
    stride=st.integers(1, 3),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_correlate_and_convolve_equal_torch_conv2d(h, w, f, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(h, w)), rng.normal(size=(f, f))
    span = dilation * (f - 1) + 1
    if min(h, w) + 2 * padding < span:
        with pytest.raises(InputError):
            conv.correlate2d(image, kernel, stride, padding, dilation)
        return
    t_image = torch.tensor(image)[None, None]
    for ours, weight in (
        (conv.correlate2d(image, kernel, stride, padding, dilation), kernel),
        # true convolution = torch's cross-correlation with the kernel flipped 180°
        (conv.convolve2d(image, kernel, stride, padding, dilation), kernel[::-1, ::-1].copy()),
    ):
        reference = torch.nn.functional.conv2d(
            t_image, torch.tensor(weight)[None, None], None, stride, padding, dilation
        )
        np.testing.assert_allclose(ours, reference[0, 0].numpy(), atol=1e-10)


def test_true_convolution_equals_scipy():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(conv.convolve2d(image, kernel), scipy.signal.convolve2d(image, kernel, mode="valid"))
    np.testing.assert_allclose(conv.correlate2d(image, kernel), scipy.signal.correlate2d(image, kernel, mode="valid"))


@pytest.mark.parametrize("flip", [True, False])
def test_written_out_sum_equals_output(flip):
    rng = np.random.default_rng(2)
    image, kernel = rng.normal(size=(10, 11)), rng.normal(size=(3, 3))
    out = (conv.convolve2d if flip else conv.correlate2d)(image, kernel, 2, 1, 2)
    for i, j in [(0, 0), (1, 2), (out.shape[0] - 1, out.shape[1] - 1)]:
        terms = conv.terms_at(image, kernel, i, j, 2, 1, 2, flip=flip)
        assert sum(t.product for t in terms) == pytest.approx(out[i, j])
        assert all(t.value == 0 for t in terms if t.padding)


def test_kernel_and_image_validation():
    assert conv.parse_kernel("1 2 3\n4,5,6\n7 8 9").shape == (3, 3)
    with pytest.raises(InputError, match="square"):
        conv.parse_kernel("1 2\n3")
    with pytest.raises(InputError, match="numbers"):
        conv.parse_kernel("1 a\n3 4")
    with pytest.raises(InputError, match="image"):
        conv.load_image(b"not a picture")
    with pytest.raises(InputError, match="MB"):
        conv.load_image(b"0" * (conv.MAX_UPLOAD_BYTES + 1))


def test_uploaded_image_is_shrunk_to_the_cap():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 150), (255, 0, 0)).save(buffer, format="PNG")
    image = conv.load_image(buffer.getvalue())
    assert image.shape == (32, 64) and 0 <= image.min() <= image.max() <= 1


@pytest.mark.parametrize("flip", [True, False])
def test_apply_kernel_and_applied_kernel(flip):
    rng = np.random.default_rng(5)
    image, kernel = rng.normal(size=(9, 9)), rng.normal(size=(3, 3))
    # the kernel as laid over the image, correlated, gives the same output as the chosen operation
    np.testing.assert_allclose(
        conv.apply_kernel(image, kernel, flip, 2, 1, 1),
        conv.correlate2d(image, conv.applied_kernel(kernel, flip), 2, 1, 1),
    )
    expected = (
        scipy.signal.convolve2d(image, kernel, mode="valid")
        if flip
        else scipy.signal.correlate2d(image, kernel, mode="valid")
    )
    np.testing.assert_allclose(conv.apply_kernel(image, kernel, flip), expected)


def test_digit_image_from_the_shared_datasets():
    from core.datasets import digit_image

    image, label = digit_image(0)
    assert image.shape == (8, 8) and 0 <= image.min() and image.max() <= 1 and label == 0
    assert conv.correlate2d(image, conv.KERNELS["blur (box 3×3)"]).shape == (6, 6)
