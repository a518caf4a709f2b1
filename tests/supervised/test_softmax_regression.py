"""core.supervised.softmax_regression against torch's cross-entropy; bad input raises InputError."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.errors import InputError
from core.supervised import softmax_regression as sr


def test_softmax_gradient_matches_autograd_cross_entropy():
    rng = np.random.default_rng(0)
    X = np.hstack([np.ones((30, 1)), rng.standard_normal((30, 2))])
    labels = rng.integers(0, 4, 30)
    Theta = rng.standard_normal((3, 4))
    t = torch.tensor(Theta, requires_grad=True)
    loss = F.cross_entropy(torch.tensor(X) @ t, torch.tensor(labels))
    (grad,) = torch.autograd.grad(loss, t)
    np.testing.assert_allclose(sr.softmax_gradient(Theta, X, labels), grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(sr.softmax_loss(Theta, X, labels), loss.item(), atol=1e-12)


def test_softmax_training_learns_blobs():
    report = sr.softmax_report(m=150, classes=3, spread=1.0, alpha=0.5, steps=300, seed=0)
    assert report.losses[-1] < report.losses[0]
    assert report.accuracy > 0.9
    assert set(np.unique(report.grid_class)) == {0, 1, 2}


def test_bad_input_raises_input_error():
    with pytest.raises(InputError):
        sr.softmax_report(2, 3, 1.0, 0.5, 10, 0)


@pytest.mark.parametrize("classes", [2, 5])
def test_loss_starts_at_log_k(classes):
    report = sr.softmax_report(m=60, classes=classes, spread=1.0, alpha=0.5, steps=3, seed=1)
    assert report.uniform_loss == pytest.approx(np.log(classes), abs=1e-15)
    assert report.losses[0] == pytest.approx(report.uniform_loss, abs=1e-12)


def test_your_four_named_classes_far_outside_the_square_are_learned():
    rng = np.random.default_rng(2)
    centres = {"north": (0, 900), "south": (0, -900), "east": (900, 0), "west": (-900, 0)}
    rows = [f"{x:.1f},{y:.1f},{name}" for name, c in centres.items() for x, y in rng.normal(c, 120, (12, 2))]
    points = sr.parse_classes("\n".join(rows))
    report = sr.user_softmax_report(points, alpha=1.0, steps=300)
    assert report.class_names == ("north", "south", "east", "west")  # in the order they first appear
    assert np.abs(report.X[:, 1:]).max() <= 0.9 * 3.0 + 1e-12 and not report.rescaling.identity
    assert report.accuracy >= 0.95 and set(np.unique(report.grid_class)) == {0, 1, 2, 3}
    # the same numbers as plain softmax regression on the rescaled points
    again = sr.fit_softmax(report.rescaling.apply(points.x), points.label, 4, 1.0, 300)
    np.testing.assert_array_equal(again.Theta, report.Theta)


def test_your_data_messages():
    with pytest.raises(InputError, match="only one class"):
        sr.parse_classes("0,0,a\n1,1,a")
    with pytest.raises(InputError, match="9 classes"):
        sr.parse_classes("\n".join(f"{k},0,{k}" for k in range(9)))
    with pytest.raises(InputError, match="line 1"):
        sr.parse_classes("0,0\n1,1,1")
