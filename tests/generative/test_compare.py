"""VAE vs GAN (core/generative/compare.py) against independent references: SciPy's cdist for the nearest-neighbour
distances, torch.distributions for the Gaussian decoder's log-likelihood and the ELBO it enters, counts on placed
points for modes, classes and sharpness; the adapters' shapes, shared data, determinism and shipped round trips;
the page's tabs and table."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from core.errors import InputError
from core.generative import compare as cmp
from core.generative import gan, toy2d, vae
from core.training import Trainable
from tests.apptest_helpers import assert_healthy, run_page
from viz.generative import compare as viz

PAGE = "pages/generative/vae_vs_gan.py"
SMALL_VAE = cmp.PointsVAEConfig(hidden=16, epochs=3, points=400)
SMALL_GAN = gan.GANConfig(data=toy2d.RING, points=400, g_width=16, d_width=16, batch=32, steps=60)
SMALL_DIGITS_GAN = gan.GANConfig(data=toy2d.USER, z_dim=4, g_width=16, g_depth=1, d_width=16, d_depth=1, steps=40)


# --------------------------------------------------------------------------------------------- the measures


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_nearest_distances_are_scipys_both_ways(data):
    """Both code paths: k-d trees up to 3 dimensions, the distance matrix above."""
    dim = data.draw(st.sampled_from([1, 2, 3, 8]))
    a, b = (
        data.draw(arrays(np.float64, (data.draw(st.integers(1, 30)), dim), elements=st.floats(-5, 5))) for _ in range(2)
    )
    to_b, index, to_a = cmp.nearest(a, b)
    reference = cdist(a, b)
    np.testing.assert_allclose(to_b, reference.min(axis=1), atol=1e-6)
    np.testing.assert_allclose(to_a, reference.min(axis=0), atol=1e-6)
    # the argmin is a nearest point (ties may pick another one at the same distance)
    np.testing.assert_allclose(reference[np.arange(len(a)), index], reference.min(axis=1), atol=1e-6)


def test_measures_of_placed_points():
    """Samples exactly on 3 of the 8 ring centres: 3 modes, d(S → X) = 0 when S ⊂ X, d(X → S) by hand."""
    centres = toy2d.ring_centres()
    samples = np.repeat(centres[:3], 10, axis=0)  # (30, 2)
    data = np.concatenate([centres[:3], centres[:3] + np.array([0.3, 0.4])])  # each point 0 or 0.5 from a sample
    m = cmp.measure(samples, data, centres=centres)
    assert m.modes == 3
    assert m.samples_to_data == pytest.approx(0.0, abs=1e-7)
    assert m.data_to_samples == pytest.approx(0.25)  # half the points at 0, half at 0.5
    assert math.isnan(m.classes) and math.isnan(m.sharpness)
    # off the ring there is no mode count
    assert math.isnan(cmp.measure(samples, data).modes)


def test_sharpness_and_classes_count_by_hand():
    images = np.array([[0.0, 0.05, 0.1, 0.5], [0.95, 1.0, 0.89, 0.11]])
    # ≤ 0.1 or ≥ 0.9: 0, 0.05, 0.1 | 0.95, 1.0 → 5 of 8
    assert cmp.sharpness(images) == pytest.approx(5 / 8)
    labels = np.array([0] * 50 + [1] * 48 + [2] * 2)  # 2 % is exactly the threshold
    assert cmp.classes_covered(labels) == 3
    assert cmp.classes_covered(labels[:-1]) == 2  # 1 of 99 is below 2 %


def test_digit_measures_label_each_sample_by_its_nearest_training_digit():
    x = cmp.digit_pixels()
    labels = vae.digits()[1]
    ones = x[labels == 1][:40]
    m = cmp.measure(ones, x, labels=labels)
    assert m.classes == 1 and m.samples_to_data == pytest.approx(0.0, abs=1e-6)
    assert m.sharpness == pytest.approx(cmp.sharpness(ones))


def test_leave_one_out_reference_is_scipys():
    x = cmp.digit_pixels()
    distances = cdist(x, x)
    np.fill_diagonal(distances, np.inf)
    ref = cmp.reference_measures(cmp.DIGITS, 0)
    assert ref.samples_to_data == pytest.approx(distances.min(axis=1).mean(), rel=1e-6)
    assert ref.classes == 10 and 0 < ref.sharpness < 1


def test_fresh_ring_data_covers_every_mode():
    ref = cmp.reference_measures(toy2d.RING, 3)
    assert ref.modes == toy2d.RING_MODES
    # the data's own spacing is small against the ring's radius
    assert ref.samples_to_data < 0.1 and ref.data_to_samples < 0.1


# --------------------------------------------------------------------------------------------- VAE on 2-D points


def test_gaussian_decoder_elbo_equals_torch_distributions():
    """−ELBO terms of the points VAE (vae.negative_elbo_terms with the Gaussian decoder) against
    torch.distributions: −log N(x; μ_θ(z), s²) with z = μ + σε, and KL(N(μ, σ²) ‖ N(0, I))."""
    trainer = cmp.PointsVAETrainer(SMALL_VAE)
    model = trainer.model
    with torch.no_grad():
        model.log_var.copy_(torch.tensor([-1.3, 0.4]))  # unequal noise per coordinate
        x = trainer.x[:7]
        mu, log_var = model.encode(x)
        eps = torch.randn(3, *mu.shape, generator=torch.Generator().manual_seed(1))
        reconstruction, kl = vae.negative_elbo_terms(
            x, mu, log_var, model.decode, cmp.gaussian_decoder_log_likelihood, eps
        )
        z = mu + torch.exp(0.5 * log_var) * eps  # (3, 7, d)
        decoder = torch.distributions.Normal(model.decoder(z), torch.exp(0.5 * model.log_var))
        expected_reconstruction = -decoder.log_prob(x).sum(dim=-1).mean(dim=0)
        q = torch.distributions.Normal(mu, torch.exp(0.5 * log_var))
        prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        expected_kl = torch.distributions.kl_divergence(q, prior).sum(dim=-1)
    np.testing.assert_allclose(reconstruction.numpy(), expected_reconstruction.numpy(), rtol=1e-5)
    np.testing.assert_allclose(kl.numpy(), expected_kl.numpy(), rtol=1e-5)


def test_points_vae_trains_the_elbo_and_learns_its_noise():
    trainer = cmp.PointsVAETrainer(dataclasses.replace(SMALL_VAE, epochs=8))
    assert isinstance(trainer, Trainable)
    start = trainer.decoder_std.copy()
    trainer.train_chunk(8)
    assert trainer.finished and trainer.diverged_reason is None
    assert trainer.losses[-1] < trainer.losses[0]
    # β = 1: the loss is the −ELBO, reconstruction + KL
    np.testing.assert_allclose(trainer.losses, np.add(trainer.reconstruction, trainer.kl), rtol=1e-6)
    assert not np.allclose(trainer.decoder_std, start)  # s is a parameter that trains
    assert trainer.decode(np.zeros((4, 2))).shape == (4, 2)
    with torch.no_grad():  # ‖x − μ_θ(μ_φ(x))‖² per point, straight from the torch modules
        x = trainer.x.double()
        reconstructed = trainer.model.decoder(trainer.model.encode(trainer.x)[0]).double()
        expected = float(((x - reconstructed) ** 2).sum(dim=1).mean())
    assert trainer.squared_error() == pytest.approx(expected, rel=1e-5)


def test_vae_samples_are_decoder_means_plus_the_decoders_noise():
    trainer = cmp.PointsVAETrainer(SMALL_VAE)
    samples, means = cmp.vae_draws(trainer, 4000)
    noise = samples - means
    # x − μ_θ(z) = s ⊙ ε: mean 0 and standard deviation s per coordinate (4000 draws: ±5 % on the std)
    np.testing.assert_allclose(noise.std(axis=0), trainer.decoder_std, rtol=0.05)
    assert np.abs(noise.mean(axis=0)).max() < 4 * trainer.decoder_std.max() / math.sqrt(4000)
    digits = vae.VAETrainer(vae.VAEConfig(hidden=8, epochs=1))
    pixels, same = cmp.vae_draws(digits, 10)
    assert pixels.shape == (10, 64) and pixels is same and 0 <= pixels.min() and pixels.max() <= 1


def test_both_2d_models_train_on_the_same_points():
    vae_config, gan_config = cmp.points_configs(toy2d.MOONS, 5)
    vae_run, gan_run = cmp.make_vae(vae_config), cmp.make_gan(gan_config)
    np.testing.assert_allclose(vae_run.x.numpy(), gan_run.data, atol=1e-6)
    # the GAN still measures against a fresh draw, not its training points
    assert gan_run.eval_data.shape == (gan.EVAL_SAMPLES, 2) and not np.allclose(gan_run.eval_data[:5], gan_run.data[:5])
    other = cmp.make_vae(cmp.points_configs(toy2d.MOONS, 6)[0])
    assert not np.allclose(other.x.numpy(), vae_run.x.numpy())


def test_a_gan_given_ring_points_still_counts_modes():
    points = cmp.shared_points(toy2d.RING, 400, 2)
    trainer = gan.GANTrainer(SMALL_GAN, points)
    np.testing.assert_array_equal(trainer.data, points)
    assert trainer.centres is not None and math.isfinite(trainer.history[0].modes)


# --------------------------------------------------------------------------------------------- GAN on digits


def test_digits_gan_generates_grey_levels_and_trains():
    trainer = cmp.DigitsGANTrainer(SMALL_DIGITS_GAN)
    samples = trainer.samples(50)
    assert samples.shape == (50, 64) and samples.min() > 0 and samples.max() < 1  # the sigmoid
    assert isinstance(trainer.generator_net[-1], torch.nn.Sigmoid)
    trainer.train_chunk(40)
    assert trainer.finished and trainer.diverged_reason is None and len(trainer.d_losses) == 40
    record = trainer.history[-1]
    assert math.isnan(record.modes) and math.isnan(record.js_histogram) and math.isfinite(record.js_from_d)
    # the discriminator's losses are the binary cross-entropy of real = 1, generated = 0: ≥ 0
    assert min(trainer.d_losses) > 0


def test_same_seed_same_samples_another_seed_others():
    one, again = cmp.DigitsGANTrainer(SMALL_DIGITS_GAN), cmp.DigitsGANTrainer(SMALL_DIGITS_GAN)
    one.train_chunk(10), again.train_chunk(10)
    np.testing.assert_array_equal(one.samples(), again.samples())
    other = cmp.DigitsGANTrainer(dataclasses.replace(SMALL_DIGITS_GAN, seed=1))
    assert not np.allclose(other.samples(), one.samples())


def test_summaries_are_computed_once_per_state_of_the_weights():
    trainer = cmp.make_gan(SMALL_GAN)
    first = cmp.summarize(trainer)
    assert cmp.summarize(trainer) is first
    trainer.train_chunk(25)
    second = cmp.summarize(trainer)
    assert second is not first and not np.array_equal(second.samples, first.samples)
    assert second.objective == pytest.approx(trainer.value_estimate())
    # the JS lower bound: (V̂ + log 4)/2
    assert second.js_lower == pytest.approx((second.objective + gan.LOG4) / 2)


def test_bad_settings_are_named():
    with pytest.raises(InputError, match="2-D data"):
        cmp.points_configs("spiral", 0)
    with pytest.raises(InputError, match="your points"):
        cmp.DigitsGANTrainer(dataclasses.replace(SMALL_DIGITS_GAN, data=toy2d.RING))
    with pytest.raises(InputError, match="training points"):
        cmp.PointsVAETrainer(dataclasses.replace(SMALL_VAE, points=10))


# --------------------------------------------------------------------------------------------- shipped runs


@pytest.mark.parametrize(
    "config",
    [SMALL_VAE, vae.VAEConfig(hidden=8, epochs=2), SMALL_GAN, SMALL_DIGITS_GAN],
    ids=["vae-2d", "vae-digits", "gan-2d", "gan-digits"],
)
def test_shipped_runs_round_trip(tmp_path, config):
    trainer = cmp.make_vae(config) if isinstance(config, vae.VAEConfig) else cmp.make_gan(config)
    with pytest.raises(InputError, match="finished"):
        cmp.save_shipped(trainer, tmp_path)
    trainer.train_chunk(10_000)
    cmp.save_shipped(trainer, tmp_path)
    back = cmp.load_shipped(config, tmp_path)
    assert type(back) is type(trainer) and back.finished and back.steps == trainer.steps
    curves = ("losses", "reconstruction", "kl") if isinstance(config, vae.VAEConfig) else ("g_losses", "d_losses")
    for curve in curves:  # float16 curves: 3 significant digits
        np.testing.assert_allclose(getattr(back, curve), getattr(trainer, curve), rtol=2e-3, atol=1e-3)
    # float16 weights: the samples agree to a few thousandths
    np.testing.assert_allclose(cmp.summarize(back).samples, cmp.summarize(trainer).samples, atol=0.05)
    assert cmp.load_shipped(dataclasses.replace(config, seed=9), tmp_path) is None


# --------------------------------------------------------------------------------------------- figures and page


def test_points_figure_draws_what_the_view_asks_for():
    trainer = cmp.PointsVAETrainer(SMALL_VAE)
    summary = cmp.summarize(trainer)
    names = {
        view: [t["name"] for t in viz.points_figure(trainer.x.numpy(), summary, None, vae_view=view).data]
        for view in viz.VAE_VIEWS
    }
    assert "VAE samples" in names[viz.SAMPLES] and "VAE decoder mean μ_θ(z)" not in names[viz.SAMPLES]
    assert "VAE samples" not in names[viz.MEANS] and "VAE decoder mean μ_θ(z)" in names[viz.MEANS]
    assert {"VAE samples", "VAE decoder mean μ_θ(z)"} <= set(names[viz.BOTH])


def test_points_figure_draws_its_dots_as_one_picture_per_panel_and_keeps_every_point_for_hover():
    trainer = cmp.PointsVAETrainer(SMALL_VAE)
    summary = cmp.summarize(trainer)
    figure = viz.points_figure(trainer.x.numpy(), summary, summary, vae_view=viz.BOTH)
    images = figure.layout.images
    assert [(i.xref, i.yref) for i in images] == [("x", "y"), ("x2", "y2")]
    assert all(i.source.startswith("data:image/png;base64,") for i in images)
    hover = [t for t in figure.data if t.hovertemplate and t.x is not None and len(t.x) > 1]
    shown = min(viz.POINTS_SHOWN, len(trainer.x))
    training = [t for t in hover if t.name == "training points"]
    assert len(training) == 2 and all(len(t.x) == shown for t in training)
    # drawn by the picture, not as markers: Plotly draws one of each hover trace's points
    assert all(t.marker.maxdisplayed == 1 for t in hover)
    assert {t.name for t in figure.data if t.showlegend is not False} >= {"training points", "VAE samples"}


def test_page_opens_on_shipped_runs_in_both_tabs():
    tables = []
    for tab in ("2-D points", "8×8 digits"):
        at = run_page(PAGE, {"tab": tab})
        assert_healthy(at, PAGE)
        shipped = [c.value for c in at.caption if "shipped pre-trained result" in c.value]
        assert len(shipped) == 1, tab  # one session per tab: only the open tab's runs and figures are drawn
        tables += [m.value for m in at.markdown if "d(S → X)" in m.value]
    assert any("classes covered" in t for t in tables) and any("modes covered" in t for t in tables)
    assert "8 of 8" in next(t for t in tables if "modes covered" in t)


def test_page_on_moons_and_another_seed_draws_untrained_models():
    at = run_page(PAGE, {"data": toy2d.MOONS, "seed": "7"})
    assert_healthy(at, PAGE)
    assert any(c.value.startswith("VAE 0 / ") for c in at.caption)
    assert any("no modes" in m.value for m in at.markdown)
