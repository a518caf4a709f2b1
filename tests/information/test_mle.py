"""core.information.mle against torch: NLL = cross-entropy = KL + H(p̂), the softmax classifier."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.information.entropy import NATS
from core.information.mle import (
    MLEConfig,
    classifier_design,
    decision_regions,
    fit_categorical_mle,
    fit_softmax_classifier,
    nll_gradient,
    predict_classes,
)


def test_softmax_nll_gradient_matches_autograd():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=5)
    samples = rng.integers(0, 5, size=30)
    p_hat = np.bincount(samples, minlength=5) / samples.size
    t = torch.tensor(theta, requires_grad=True)
    nll = torch.nn.functional.cross_entropy(t.expand(samples.size, 5), torch.tensor(samples))
    nll.backward()
    np.testing.assert_allclose(nll_gradient(theta, p_hat), t.grad.numpy(), atol=1e-12)


def test_mle_three_curves_coincide_and_reach_p_hat():
    p = np.array([0.5, 0.2, 0.2, 0.1])
    trace = fit_categorical_mle(p, MLEConfig(sample_size=40, steps=400, learning_rate=1.0, seed=1))
    np.testing.assert_allclose(trace.nll, trace.cross_entropy, atol=1e-10)
    np.testing.assert_allclose(trace.cross_entropy, trace.kl_plus_entropy, atol=1e-10)
    assert trace.nll[-1] < trace.nll[0]
    np.testing.assert_allclose(trace.q_history[-1], trace.p_hat, atol=1e-3)
    assert trace.nll[-1] == pytest.approx(trace.h_p_hat, abs=1e-5)


def test_classifier_cross_entropy_equals_nll_and_torch():
    trace = fit_softmax_classifier(20, 3, 0.8, 50, 0.5, seed=0, base=NATS)
    np.testing.assert_allclose(trace.nll, trace.cross_entropy, atol=1e-12)
    logits = torch.tensor(classifier_design(trace.features) @ trace.weights)
    reference = torch.nn.functional.cross_entropy(logits, torch.tensor(trace.labels)).item()
    assert trace.nll[-1] == pytest.approx(reference, abs=1e-10)
    assert trace.nll[-1] < trace.nll[0] and trace.accuracy[-1] > 0.8


def test_classifier_prediction_matches_torch_argmax_and_final_accuracy():
    trace = fit_softmax_classifier(25, 4, 1.2, 60, 0.5, seed=3, base=NATS)
    predicted = predict_classes(trace.weights, trace.features)
    logits = torch.tensor(trace.features) @ torch.tensor(trace.weights[:2]) + torch.tensor(trace.weights[2])
    np.testing.assert_array_equal(predicted, torch.softmax(logits, dim=1).argmax(dim=1).numpy())
    # the last recorded accuracy is that of the final weights
    assert (predicted == trace.labels).mean() == pytest.approx(trace.accuracy[-1])


def test_decision_regions_cover_the_data_and_agree_with_prediction():
    trace = fit_softmax_classifier(20, 3, 0.8, 50, 0.5, seed=0, base=NATS)
    regions = decision_regions(trace, resolution=40, pad=0.5)
    assert regions.predicted.shape == (40, 40)
    assert regions.xs[0] == pytest.approx(trace.features[:, 0].min() - 0.5)
    assert regions.ys[-1] == pytest.approx(trace.features[:, 1].max() + 0.5)
    i, j = 7, 31  # row i is ys[i], column j is xs[j]
    point = np.array([[regions.xs[j], regions.ys[i]]])
    assert regions.predicted[i, j] == predict_classes(trace.weights, point)[0]
    # well-separated blobs: every class owns some region
    assert set(np.unique(regions.predicted)) == {0, 1, 2}
