"""The VAE (core/generative/vae.py) against independent references: torch.distributions for the KL and the
likelihoods, a linear-Gaussian model whose log p(x) and posterior are exact (SciPy), scikit-learn's PCA, and
the mean image as the baseline a trained model must beat."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from core.errors import InputError
from core.generative import vae
from viz.generative import vae as viz

SMALL = vae.VAEConfig(epochs=3, hidden=32)


# --------------------------------------------------------------------------------------------- the ELBO's parts


@settings(max_examples=25, deadline=None)
@given(
    mu=st.lists(st.floats(-3, 3), min_size=1, max_size=6),
    log_var=st.lists(st.floats(-4, 3), min_size=6, max_size=6),
)
def test_closed_form_kl_equals_torch_kl_divergence(mu, log_var):
    m = torch.tensor(mu, dtype=torch.float64)
    lv = torch.tensor(log_var[: len(mu)], dtype=torch.float64)
    q = torch.distributions.Normal(m, torch.exp(0.5 * lv))
    p = torch.distributions.Normal(torch.zeros_like(m), torch.ones_like(m))
    expected = torch.distributions.kl_divergence(q, p).sum()
    assert float(vae.kl_standard_normal(m, lv)) == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


def test_closed_form_kl_equals_a_monte_carlo_estimate():
    """KL(q ‖ p) = E_q[log q(z) − log p(z)]: the mean over 400,000 draws, within 4 standard errors."""
    mu = torch.tensor([0.7, -1.2, 0.1], dtype=torch.float64)
    log_var = torch.tensor([-1.0, 0.4, -2.5], dtype=torch.float64)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * log_var))
    p = torch.distributions.Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    generator = torch.Generator().manual_seed(3)
    z = vae.reparameterize(mu, log_var, torch.randn(400_000, 3, generator=generator, dtype=torch.float64))
    log_ratio = (q.log_prob(z) - p.log_prob(z)).sum(dim=1)
    closed = float(vae.kl_standard_normal(mu, log_var))
    assert abs(float(log_ratio.mean()) - closed) < 4 * float(log_ratio.std()) / math.sqrt(len(z))


def test_reparameterized_samples_have_the_encoders_distribution_and_its_gradient():
    """z = μ + σ ⊙ ε has mean μ and variance σ², and ∂/∂μ E[‖z‖²] = 2μ, ∂/∂log σ² E[‖z‖²] = σ² (E‖z‖² = ‖μ‖² + Σσ²),
    computed exactly on Gauss–Hermite nodes (a 20-node rule integrates the quadratic exactly)."""
    mu = torch.tensor([0.5, -2.0], dtype=torch.float64, requires_grad=True)
    log_var = torch.tensor([-0.6, 0.8], dtype=torch.float64, requires_grad=True)
    nodes, weights = np.polynomial.hermite_e.hermegauss(20)
    weights = torch.tensor(weights / weights.sum())
    e1, e2 = torch.meshgrid(torch.tensor(nodes), torch.tensor(nodes), indexing="ij")
    eps = torch.stack([e1.ravel(), e2.ravel()], dim=1)  # (400, 2): the product rule's nodes
    w = (weights[:, None] * weights[None, :]).ravel()
    z = vae.reparameterize(mu, log_var, eps)
    expectation = (w * (z**2).sum(dim=1)).sum()
    expectation.backward()
    np.testing.assert_allclose(mu.grad.numpy(), 2 * mu.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(log_var.grad.numpy(), np.exp(log_var.detach().numpy()), rtol=1e-12)
    moments = vae.reparameterize(mu.detach(), log_var.detach(), torch.randn(200_000, 2, dtype=torch.float64))
    np.testing.assert_allclose(moments.mean(0).numpy(), mu.detach().numpy(), atol=0.02)
    np.testing.assert_allclose(moments.var(0).numpy(), np.exp(log_var.detach().numpy()), rtol=0.02)


def test_likelihoods_equal_torch_distributions():
    generator = torch.Generator().manual_seed(0)
    x_binary = (torch.rand(5, 64, generator=generator) < 0.4).double()
    logits = torch.randn(5, 64, generator=generator, dtype=torch.float64) * 3
    expected = torch.distributions.Bernoulli(logits=logits).log_prob(x_binary).sum(dim=1)
    np.testing.assert_allclose(vae.bernoulli_log_likelihood(x_binary, logits).numpy(), expected.numpy(), rtol=1e-12)
    mean = torch.randn(5, 7, generator=generator, dtype=torch.float64)
    x = torch.randn(5, 7, generator=generator, dtype=torch.float64)
    expected = torch.distributions.Normal(mean, math.exp(0.5 * -1.3)).log_prob(x).sum(dim=1)
    np.testing.assert_allclose(vae.gaussian_log_likelihood(x, mean, -1.3).numpy(), expected.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------------------------- ELBO ≤ log p(x)


def _linear_gaussian(seed: int = 0, d: int = 2, D: int = 5, noise: float = 0.3):
    """p(z) = N(0, I), p(x|z) = N(Wz + c, s² I) with orthogonal columns of W, so that the exact posterior
    p(z|x) = N(Σ Wᵀ(x − c)/s², Σ), Σ = (I + WᵀW/s²)⁻¹, is diagonal; log p(x) = log N(x; c, WWᵀ + s² I)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(D, d)))
    W = q * np.array([1.5, 0.8][:d])  # orthogonal columns of different lengths
    c = rng.normal(size=D)
    x = rng.normal(size=D) * 1.3 + c
    evidence = multivariate_normal(c, W @ W.T + noise**2 * np.eye(D)).logpdf(x)
    posterior_cov = np.linalg.inv(np.eye(d) + W.T @ W / noise**2)
    posterior_mean = posterior_cov @ W.T @ (x - c) / noise**2
    return W, c, x, noise, evidence, posterior_mean, np.diag(posterior_cov)


def _elbo_samples(W, c, x, noise, mean, variance, samples: int, seed: int) -> np.ndarray:
    """One-sample ELBO values log p(x|z_s) − KL(q ‖ p(z)) through the core's negative_elbo_terms."""
    W_t, c_t = torch.tensor(W), torch.tensor(c)
    x_t = torch.tensor(x)[None, :]  # (1, D)
    mu = torch.tensor(mean)[None, :]
    log_var = torch.log(torch.tensor(variance))[None, :]
    eps = torch.randn(samples, 1, len(mean), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    def one_by_one(x_, decoded):  # keep each sample's log-likelihood: the terms' mean over S is taken after
        return vae.gaussian_log_likelihood(x_, decoded, 2 * math.log(noise))

    z = vae.reparameterize(mu, log_var, eps)  # (S, 1, d)
    per_sample = one_by_one(x_t, z @ W_t.T + c_t)[:, 0] - vae.kl_standard_normal(mu, log_var)[0]
    # the core's own estimate (the mean over S) must be the mean of these
    reconstruction, kl = vae.negative_elbo_terms(x_t, mu, log_var, lambda z: z @ W_t.T + c_t, one_by_one, eps)
    assert float(-(reconstruction + kl)[0]) == pytest.approx(float(per_sample.mean()), rel=1e-12)
    return per_sample.numpy()


def test_elbo_equals_log_evidence_at_the_exact_posterior():
    """With q(z|x) = p(z|x) every single-sample ELBO is log p(x) exactly: log p(x|z) + log p(z) − log q(z|x) =
    log p(x) for every z (zero variance)."""
    W, c, x, noise, evidence, post_mean, post_var = _linear_gaussian()
    values = _elbo_samples(W, c, x, noise, post_mean, post_var, 64, seed=1)
    # single-sample ELBO = log p(x|z) − KL(q‖p) equals log p(x) only in expectation (the KL is exact, the
    # likelihood term sampled); the full log-ratio is constant — check both
    assert float(values.mean()) == pytest.approx(evidence, abs=4 * values.std() / 8 + 1e-9)
    q = torch.distributions.Normal(torch.tensor(post_mean), torch.tensor(np.sqrt(post_var)))
    eps = torch.randn(64, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    z = vae.reparameterize(torch.tensor(post_mean), torch.log(torch.tensor(post_var)), eps)
    prior = torch.distributions.Normal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
    likelihood = vae.gaussian_log_likelihood(
        torch.tensor(x), z @ torch.tensor(W).T + torch.tensor(c), 2 * math.log(noise)
    )
    ratio = likelihood + prior.log_prob(z).sum(1) - q.log_prob(z).sum(1)
    np.testing.assert_allclose(ratio.numpy(), evidence, rtol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_elbo_is_below_log_evidence_by_the_posterior_kl(seed):
    """For any q: ELBO = log p(x) − KL(q(z|x) ‖ p(z|x)) ≤ log p(x) (the Monte-Carlo ELBO within 4 standard errors)."""
    W, c, x, noise, evidence, post_mean, post_var = _linear_gaussian(seed)
    rng = np.random.default_rng(100 + seed)
    mean = post_mean + rng.normal(size=2) * 0.8
    variance = post_var * np.exp(rng.normal(size=2))
    values = _elbo_samples(W, c, x, noise, mean, variance, 200_000, seed=seed)
    q = torch.distributions.Normal(torch.tensor(mean), torch.tensor(np.sqrt(variance)))
    posterior = torch.distributions.Normal(torch.tensor(post_mean), torch.tensor(np.sqrt(post_var)))
    gap = float(torch.distributions.kl_divergence(q, posterior).sum())
    standard_error = values.std() / math.sqrt(len(values))
    assert gap > 0.05  # a q away from the posterior: the bound is strict
    assert abs(values.mean() - (evidence - gap)) < 4 * standard_error
    assert values.mean() < evidence


# --------------------------------------------------------------------------------------------- the trainer


def test_trained_vae_reconstructs_better_than_the_mean_image():
    trainer = vae.VAETrainer(vae.VAEConfig(epochs=15))
    untrained = trainer.squared_error()
    trainer.train_chunk(15)
    assert trainer.finished and trainer.steps == 15 and trainer.diverged_reason is None
    baseline = vae.mean_image_error()
    assert trainer.squared_error() < 0.75 * baseline < untrained
    # training raised the ELBO and the curves are consistent: loss = reconstruction + β·KL
    assert trainer.elbo[-1] > trainer.elbo[0]
    np.testing.assert_allclose(trainer.losses, np.add(trainer.reconstruction, trainer.kl), rtol=1e-6)  # float32


def test_same_seed_same_run_another_seed_another():
    first, again, other = (vae.VAETrainer(vae.VAEConfig(epochs=2, hidden=32, seed=s)) for s in (4, 4, 5))
    for trainer in (first, again, other):
        trainer.train_chunk(2)
    assert first.losses == again.losses
    assert first.losses != other.losses


def test_beta_weights_the_kl_in_the_loss():
    """The same seed, β = 0 and β = 2: the loss is reconstruction + β·KL, and β = 0 leaves the KL unchecked."""
    free = vae.VAETrainer(vae.VAEConfig(epochs=4, beta=0.0))
    tight = vae.VAETrainer(vae.VAEConfig(epochs=4, beta=2.0))
    free.train_chunk(4)
    tight.train_chunk(4)
    np.testing.assert_allclose(tight.losses, np.add(tight.reconstruction, np.multiply(2.0, tight.kl)), rtol=1e-6)
    np.testing.assert_allclose(free.losses, free.reconstruction, rtol=1e-6)
    assert free.kl[-1] > 3 * tight.kl[-1]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(beta=-0.5), "β must be a number ≥ 0"),
        (dict(beta=math.nan), "β must be a number ≥ 0"),
        (dict(latent_dim=5), "latent dimension"),
        (dict(epochs=0), "Epochs"),
        (dict(learning_rate=0.0), "learning rate"),
    ],
)
def test_bad_settings_name_the_problem(change, match):
    import dataclasses

    with pytest.raises(InputError, match=match):
        vae.VAETrainer(dataclasses.replace(vae.VAEConfig(), **change))


def test_a_diverging_learning_rate_is_reported_and_keeps_what_was_learned():
    trainer = vae.VAETrainer(vae.VAEConfig(epochs=10))
    trainer.train_chunk(3)
    learned = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    curves = (list(trainer.losses), list(trainer.kl))
    for group in trainer.optimizer.param_groups:
        group["lr"] = 1e4  # what a far too large learning rate does from here on
    trainer.train_chunk(5)
    assert trainer.finished and trainer.diverged_reason is not None
    assert "learning rate" in trainer.diverged_reason and "after epoch 3" in trainer.diverged_reason
    assert trainer.steps == 3 and (trainer.losses, trainer.kl) == curves
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, learned[key]), key
    assert np.isfinite(trainer.codes()[0]).all()


def test_learning_rate_one_diverges_in_the_first_epoch_with_a_clear_message():
    trainer = vae.VAETrainer(vae.VAEConfig(learning_rate=1.0))
    initial = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.train_chunk(5)
    assert trainer.steps == 0 and "Adam learning rate 1 is too large" in trainer.diverged_reason
    assert all(torch.equal(v, initial[k]) for k, v in trainer.model.state_dict().items())


def test_shipped_round_trip(tmp_path):
    trainer = vae.VAETrainer(SMALL)
    with pytest.raises(InputError, match="finished"):
        vae.save_shipped(trainer, tmp_path)
    trainer.train_chunk(3)
    vae.save_shipped(trainer, tmp_path)
    back = vae.load_shipped(SMALL, tmp_path)
    assert back.finished and back.steps == 3
    assert back.reconstruction == pytest.approx(trainer.reconstruction) and back.kl == pytest.approx(trainer.kl)
    np.testing.assert_allclose(back.codes()[0], trainer.codes()[0], rtol=1e-5, atol=1e-6)
    assert vae.load_shipped(vae.VAEConfig(epochs=3, hidden=32, beta=0.5), tmp_path) is None


# --------------------------------------------------------------------------------------------- latent plane, walks


def test_plane_is_the_identity_in_two_dimensions_and_pca_above():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    two = rng.normal(size=(50, 2))
    plane = vae.latent_plane(two)
    np.testing.assert_allclose(plane.project(two), two)
    codes = rng.normal(size=(300, 6)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2, 0.1]) + 1.0
    plane = vae.latent_plane(codes)
    pca = PCA(2).fit(codes)
    np.testing.assert_allclose(np.abs(plane.axes @ pca.components_.T), np.eye(2), atol=1e-8)
    assert plane.explained == pytest.approx(pca.explained_variance_ratio_.sum())
    # lift is the inverse of project on the plane
    uv = rng.normal(size=(5, 2))
    np.testing.assert_allclose(plane.project(plane.lift(uv)), uv, atol=1e-12)


def test_lerp_and_slerp_paths():
    z_a, z_b = np.array([2.0, 0.0, 0.0]), np.array([0.0, 1.0, 1.0])
    t = np.linspace(0, 1, 9)
    line, arc = vae.lerp(z_a, z_b, t), vae.slerp(z_a, z_b, t)
    for path in (line, arc):
        np.testing.assert_allclose(path[[0, -1]], [z_a, z_b], atol=1e-12)
    np.testing.assert_allclose(line[4], (z_a + z_b) / 2)
    # slerp: the length moves linearly, the direction at a constant angular speed in the plane of z_a and z_b
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), (1 - t) * 2.0 + t * math.sqrt(2.0))
    angles = np.arccos(np.clip(arc @ z_a / (np.linalg.norm(arc, axis=1) * 2.0), -1, 1))
    np.testing.assert_allclose(angles, t * math.pi / 2, atol=1e-12)
    normal = np.cross(z_a, z_b)
    np.testing.assert_allclose(arc @ normal, 0.0, atol=1e-12)
    # equal lengths: the classic slerp of the raw codes
    u, v = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(vae.slerp(u, v, np.array([0.5]))[0], [math.sqrt(0.5)] * 2)
    # antipodal codes have no unique circle: the straight line
    np.testing.assert_allclose(vae.slerp(u, -u, t[:3]), vae.lerp(u, -u, t[:3]))


def test_walk_decodes_its_own_codes():
    trainer = vae.VAETrainer(SMALL)
    trainer.train_chunk(3)
    path = vae.walk(trainer, 3, 8, 6)
    mu, _ = trainer.codes()
    np.testing.assert_allclose(path.linear[[0, -1]], mu[[3, 8]], atol=1e-12)
    np.testing.assert_allclose(path.spherical_images, trainer.decode(path.spherical), atol=1e-6)
    np.testing.assert_allclose(path.linear_images[0], trainer.reconstruct([3])[0], atol=1e-6)
    with pytest.raises(InputError, match="choose an index"):
        vae.walk(trainer, 0, 1797, 6)


def test_manifold_cells_decode_their_centres_and_the_figure_puts_them_there():
    trainer = vae.VAETrainer(SMALL)
    trainer.train_chunk(3)
    plane = vae.latent_plane(trainer.codes()[0])
    extent = (-2.0, 3.0)
    images = vae.manifold(trainer, plane, extent, 5)
    centres = vae.cell_centres(extent, 5)
    np.testing.assert_allclose(images[1, 3], trainer.decode(plane.lift([centres[3], centres[1]]))[0], atol=1e-6)
    # the heatmap: image (i, j) drawn with its top row at the top of the cell around (u_j, v_i)
    heat = viz.manifold_figure(images, extent, plane.names).data[0]
    z = np.asarray(heat.z, dtype=float)
    x = heat.x0 + heat.dx * np.arange(z.shape[1])
    y = heat.y0 + heat.dy * np.arange(z.shape[0])
    cols = np.flatnonzero(np.abs(x - centres[3]) < 4 * heat.dx)
    rows = np.flatnonzero(np.abs(y - centres[1]) < 4 * heat.dy)
    block = z[np.ix_(rows, cols)]
    np.testing.assert_allclose(block, images[1, 3][::-1], atol=1e-6)
    np.testing.assert_allclose(x[cols].mean(), centres[3], atol=1e-9)


def test_prior_samples_are_reproducible_per_draw():
    trainer = vae.VAETrainer(SMALL)
    first = vae.prior_samples(trainer, 4, seed=2, draw=0)
    np.testing.assert_array_equal(first, vae.prior_samples(trainer, 4, seed=2, draw=0))
    assert not np.allclose(first, vae.prior_samples(trainer, 4, seed=2, draw=1))
    assert not np.allclose(first, vae.prior_samples(trainer, 4, seed=3, draw=0))


# --------------------------------------------------------------------------------------------- the page


def test_page_names_a_negative_beta_in_the_link_and_keeps_drawing():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/generative/vae.py", {"beta": "-1"})
    assert_healthy(at, "beta=-1")
    notices = [w.value for w in at.warning if "link" in w.value]
    assert notices and "beta=-1" in notices[0]
    assert at.get("plotly_chart")  # the shipped runs are still drawn


def test_page_reports_a_diverging_learning_rate_and_keeps_the_other_run():
    from tests.apptest_helpers import assert_healthy, run_page, train_to_end

    at = run_page("pages/generative/vae.py", {"lr": "1", "epochs": "5"})
    next(b for b in at.button if b.key == "vae_train").click().run()
    train_to_end(at, "vae")
    assert_healthy(at, "lr=1")
    diverged = [w.value for w in at.warning if "training diverged" in w.value]
    assert diverged and "learning rate 1 is too large" in diverged[0]
    assert any("5 / 5" in c.value for c in at.caption)  # the run that did not diverge trained to its end


def test_latent_scatter_draws_the_codes_as_one_picture_and_keeps_each_for_hover_and_clicks():
    labels = vae.digits()[1]
    points = np.random.default_rng(0).normal(size=(len(labels), 2))
    figure = viz.latent_scatter(points, labels, ("z₁", "z₂"), (-3.0, 3.0), title="codes", clickable=True)
    (image,) = figure.layout.images
    assert (image.x, image.y, image.sizex, image.sizey) == (-3.0, 3.0, 6.0, 6.0)
    classes = [t for t in figure.data if t.customdata is not None]
    assert [t.name for t in classes] == [str(d) for d in range(10)]
    # every code is still a point (hover names it, a click picks it), drawn by the picture instead of as a marker
    picked = np.concatenate([np.asarray(t.customdata) for t in classes])
    np.testing.assert_array_equal(np.sort(picked), np.arange(len(labels)))
    for trace in classes:
        np.testing.assert_allclose(np.asarray(trace.x), points[np.asarray(trace.customdata), 0], rtol=1e-6)
        assert trace.marker.maxdisplayed == 1
