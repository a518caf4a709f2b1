"""Diffusion core (sheet 12) against independent references: the one-step forward chain, cumulative products,
the posterior identity, samplers on an exact ε oracle, and training that lowers the loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.generative import diffusion as diff
from core.numerics import moving_average
from core.training import Trainable
from tests.apptest_helpers import all_charts, assert_healthy, run_page

schedules = st.sampled_from(diff.SCHEDULES)
horizons = st.integers(min_value=10, max_value=300)


@settings(max_examples=40, deadline=None)
@given(schedules, horizons)
def test_alpha_bar_is_the_cumulative_product(kind, T):
    s = diff.make_schedule(kind, T)
    product = 1.0
    for t in range(1, T + 1):
        assert s.alphas[t] == pytest.approx(1.0 - s.betas[t])
        product *= 1.0 - s.betas[t]
        assert s.alpha_bars[t] == pytest.approx(product, rel=1e-12, abs=1e-300)
    assert s.alpha_bars[0] == 1.0
    assert np.all((s.betas[1:] > 0) & (s.betas[1:] <= diff.MAX_BETA))


def test_cosine_schedule_follows_its_closed_form():
    T, offset = 100, diff.COSINE_OFFSET
    s = diff.make_schedule("cosine", T)

    def f(t):
        return math.cos((t / T + offset) / (1 + offset) * math.pi / 2) ** 2

    for t in (1, 10, 50, 90):  # β not clipped here
        assert s.alpha_bars[t] == pytest.approx(f(t) / f(0), rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(schedules, horizons, st.floats(-3, 3), st.data())
def test_closed_form_moments_equal_t_one_step_updates(kind, T, x0, data):
    """Exact moments of x_t = √α_t x_{t−1} + √β_t z from a fixed x_0, step by step, vs N(√ᾱ_t x_0, (1 − ᾱ_t) I)."""
    s = diff.make_schedule(kind, T)
    t = data.draw(st.integers(0, T))
    mean, variance = x0, 0.0
    for step in range(1, t + 1):
        mean = math.sqrt(s.alphas[step]) * mean
        variance = s.alphas[step] * variance + s.betas[step]
    scale, closed_variance = diff.q_moments(s, t)
    assert scale * x0 == pytest.approx(mean, abs=1e-12)
    assert closed_variance == pytest.approx(variance, abs=1e-12)


@pytest.mark.parametrize("kind", diff.SCHEDULES)
def test_monte_carlo_of_the_one_step_chain_matches_q_sample(kind):
    T, t, n = 50, 30, 200_000
    s = diff.make_schedule(kind, T)
    rng = np.random.default_rng(0)
    x0 = np.array([1.5, -0.7])
    x = np.broadcast_to(x0, (n, 2)).copy()
    for step in range(1, t + 1):
        x = diff.forward_step(x, step, s, rng.standard_normal((n, 2)))
    jump = diff.q_sample(np.broadcast_to(x0, (n, 2)), t, s, rng.standard_normal((n, 2)))
    for sample in (x, jump):
        tolerance = 5 * math.sqrt((1 - s.alpha_bars[t]) / n)
        np.testing.assert_allclose(sample.mean(axis=0), math.sqrt(s.alpha_bars[t]) * x0, atol=tolerance)
        np.testing.assert_allclose(np.cov(sample.T), (1 - s.alpha_bars[t]) * np.eye(2), atol=0.01)


@settings(max_examples=40, deadline=None)
@given(schedules, horizons, st.data())
def test_posterior_mean_equals_the_ddpm_mean(kind, T, data):
    """c_0 x_0 + c_t x_t with x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t equals (1/√α_t)(x_t − β_t/√(1 − ᾱ_t) ε)."""
    s = diff.make_schedule(kind, T)
    t = data.draw(st.integers(1, T))
    if s.alpha_bars[t] < 1e-12:
        return  # x_0 from x_t is numerically meaningless when ᾱ_t underflows
    x_t, eps = data.draw(st.floats(-3, 3)), data.draw(st.floats(-3, 3))
    c0, ct, beta_tilde = diff.posterior_coefficients(s, t)
    x0 = (x_t - math.sqrt(1 - s.alpha_bars[t]) * eps) / math.sqrt(s.alpha_bars[t])
    ddpm_mean = (x_t - s.betas[t] / math.sqrt(1 - s.alpha_bars[t]) * eps) / math.sqrt(s.alphas[t])
    assert c0 * x0 + ct * x_t == pytest.approx(ddpm_mean, rel=1e-7, abs=1e-7)
    # Bayes for Gaussians: 1/β̃_t = α_t/β_t + 1/(1 − ᾱ_{t−1}) (the second term absent at t = 1)
    if t > 1:
        precision = 1 / beta_tilde
        assert precision == pytest.approx(s.alphas[t] / s.betas[t] + 1 / (1 - s.alpha_bars[t - 1]), rel=1e-9)
    else:
        assert beta_tilde == 0.0


def test_ddim_is_deterministic_given_x_T_and_ddpm_is_not():
    trainer = diff.DiffusionTrainer(diff.TrainConfig("8 Gaussians", 200, "linear", 40, hidden=32, steps=20))
    trainer.train_chunk(20)
    x_T = np.random.default_rng(3).standard_normal((50, 2))
    first = diff.ddim_sample(trainer.eps_fn, trainer.schedule, x_T, 10)
    again = diff.ddim_sample(trainer.eps_fn, trainer.schedule, x_T.copy(), 10)
    np.testing.assert_array_equal(first.points, again.points)
    assert list(first.timesteps) == list(np.round(np.linspace(40, 0, 11)).astype(int))
    one = diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, seed=1)
    other = diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, seed=2)
    assert not np.allclose(one.samples, other.samples)


@pytest.mark.parametrize("kind", diff.SCHEDULES)
@pytest.mark.parametrize("sigma", diff.SIGMAS)
def test_samplers_with_the_exact_epsilon_return_the_single_data_point(kind, sigma):
    s = diff.make_schedule(kind, 100)
    c = np.array([0.8, -1.3])
    oracle = diff.oracle_eps(c, s)
    x_T = np.random.default_rng(0).standard_normal((64, 2))
    ddpm = diff.ddpm_sample(oracle, s, x_T, seed=5, sigma=sigma)
    np.testing.assert_allclose(ddpm.samples, np.broadcast_to(c, (64, 2)), atol=1e-8)
    for steps in (1, 7, 100):
        ddim = diff.ddim_sample(oracle, s, x_T, steps)
        np.testing.assert_allclose(ddim.samples, np.broadcast_to(c, (64, 2)), atol=1e-8)


def test_oracle_epsilon_recovers_the_noise_added():
    s = diff.make_schedule("linear", 60)
    c = np.array([0.3, 0.4])
    eps = np.random.default_rng(1).standard_normal((10, 2))
    x_t = diff.q_sample(np.broadcast_to(c, (10, 2)), 25, s, eps)
    np.testing.assert_allclose(diff.oracle_eps(c, s)(x_t, 25), eps, atol=1e-12)


def test_loss_is_the_mean_squared_noise_error():
    trainer = diff.DiffusionTrainer(diff.TrainConfig("spiral", 100, "cosine", 50, hidden=16, steps=1))
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(8, 2, generator=g), torch.randn(8, 2, generator=g)
    t = torch.randint(1, 51, (8,), generator=g)
    a = torch.tensor(trainer.schedule.alpha_bars, dtype=torch.float32)[t][:, None]
    with torch.no_grad():
        expected = torch.nn.functional.mse_loss(trainer.model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t), eps) * 2
        assert float(trainer.loss(x0, t, eps)) == pytest.approx(float(expected), rel=1e-5)


def test_training_lowers_the_loss():
    trainer = diff.DiffusionTrainer(diff.TrainConfig("two moons", 400, "linear", 50, hidden=64, steps=400))
    trainer.train_chunk(1000)  # capped at config.steps
    assert trainer.steps == 400 and trainer.finished
    assert np.mean(trainer.losses[-50:]) < 0.8 * np.mean(trainer.losses[:50])


def test_training_is_reproducible_from_the_seed():
    config = diff.TrainConfig("8 Gaussians", 100, "linear", 20, hidden=16, steps=30, seed=4)
    first, second = diff.DiffusionTrainer(config), diff.DiffusionTrainer(config)
    first.train_chunk(30)
    second.train_chunk(30)
    assert first.losses == second.losses


@pytest.mark.parametrize(
    "call",
    [
        lambda: diff.make_schedule("quadratic", 100),
        lambda: diff.make_schedule("linear", 5),
        lambda: diff.make_data("circles", 100, 0),
        lambda: diff.make_data("spiral", 0, 0),
        lambda: diff.ddim_timesteps(20, 21),
        lambda: diff.q_sample(np.zeros(2), 30, diff.make_schedule("linear", 20), np.zeros(2)),
        lambda: diff.posterior_coefficients(diff.make_schedule("linear", 20), 0),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


def test_data_sets_are_seeded_and_scaled():
    for name in diff.DATASETS:
        a, b = diff.make_data(name, 500, 7), diff.make_data(name, 500, 7)
        np.testing.assert_array_equal(a, b)
        assert a.shape == (500, 2) and 0.3 < a.std(axis=0).min() and a.std(axis=0).max() < 2.0


def _button(at, name):
    return next(b for b in at.button if b.key == f"diffusion_{name}")


def test_page_trains_and_samples_after_the_button():
    at = run_page("pages/generative/diffusion.py", {"T": "20", "steps": "200", "hidden": "64"})
    assert_healthy(at, "default")
    charts = len(at.get("plotly_chart"))  # forward cloud, schedule, the empty reverse-process figure
    _button(at, "train").click().run()  # the untrained frame, then one chunk (ui/training.py: frame, then chunk)
    at.run()  # the timer tick: that chunk's loss drawn, one more trained; only the loss is drawn while training
    assert_healthy(at, "training")
    assert len(all_charts(at)) == charts
    # chunks are sized by time: the first one is small and measures the speed
    done = int(at.get("progress")[0].proto.text.split(" / 200 gradient steps")[0].replace(",", ""))
    assert 0 < done < 200
    for _ in range(200):  # each rerun is one more timed chunk, until the budget is spent and the page samples
        if not any(b.key == "diffusion_pause" for b in at.button):
            break
        at.run()
    assert_healthy(at, "after Train")
    assert (
        len(at.get("plotly_chart")) == charts + 3
    )  # samples, trajectories, denoising and loss replace the empty state
    at.slider(key="t").set_value(5).run()  # a plot control: the trained model is reused, nothing retrains
    assert_healthy(at, "after scrubbing")
    assert len(at.get("plotly_chart")) == charts + 3
    assert _button(at, "train").disabled
    assert any(c.value.startswith("200 / 200 gradient steps") for c in at.caption)


def test_page_paused_after_a_step_samples_with_the_caution():
    at = run_page("pages/generative/diffusion.py", {"T": "20", "steps": "300", "hidden": "64"})
    _button(at, "step").click().run()  # 100 of 300 steps, then it waits
    assert_healthy(at, "after Step")
    assert any("stopped after 100 of 300 steps" in w.value for w in at.warning)
    assert any(c.value.startswith("100 / 300 gradient steps") for c in at.caption)
    _button(at, "reset").click().run()
    assert not at.warning
    assert any("Press **Train**" in c.value for c in at.caption)


def test_trainer_is_a_trainable():
    trainer = diff.DiffusionTrainer(diff.TrainConfig("8 Gaussians", 100, "linear", 20, hidden=16, steps=7))
    assert isinstance(trainer, Trainable)
    assert (trainer.steps, trainer.total_steps, trainer.finished, trainer.diverged_reason) == (0, 7, False, None)
    trainer.train_chunk(3)
    assert trainer.steps == 3 and trainer.train_seconds > 0 and not trainer.finished
    trainer.train_chunk(10)  # capped at the budget
    assert trainer.steps == 7 and trainer.finished


def test_chunking_does_not_change_the_result():
    config = diff.TrainConfig("two moons", 150, "cosine", 30, hidden=32, steps=25, seed=2)
    whole, chunked = diff.DiffusionTrainer(config), diff.DiffusionTrainer(config)
    whole.train_chunk(25)
    chunked.train_chunk(11)
    chunked.train_chunk(14)
    assert chunked.losses == whole.losses
    for a, b in zip(whole.model.state_dict().values(), chunked.model.state_dict().values()):
        assert torch.equal(a, b)


def test_a_huge_learning_rate_is_reported_and_only_finite_losses_are_kept():
    config = diff.TrainConfig("8 Gaussians", 100, "linear", 20, hidden=16, learning_rate=1e6, steps=100)
    trainer = diff.DiffusionTrainer(config)
    trainer.train_chunk(100)
    assert trainer.diverged_reason is not None and "loss became" in trainer.diverged_reason
    assert trainer.finished and trainer.steps < 100
    assert len(trainer.losses) == trainer.steps and np.all(np.isfinite(trainer.losses))
    trainer.train_chunk(10)  # a diverged run trains no further
    assert len(trainer.losses) == trainer.steps


@pytest.mark.parametrize("kind", diff.SCHEDULES)
def test_signal_and_noise_scales_and_step_coefficients(kind):
    s = diff.make_schedule(kind, 80)
    # √ᾱ_t² + √(1 − ᾱ_t)² = 1, and they are q(x_t | x_0)'s mean scale and standard deviation
    np.testing.assert_allclose(s.signal_scale**2 + s.noise_scale**2, 1.0, atol=1e-12)
    for t in (0, 1, 17, 80):
        scale, variance = diff.q_moments(s, t)
        assert s.signal_scale[t] == pytest.approx(scale) and s.noise_scale[t] == pytest.approx(math.sqrt(variance))
        sheet_mean, sheet_std = diff.sheet_training_scales(s, t)
        assert sheet_mean == pytest.approx(math.sqrt(s.alphas[t])) and sheet_std == pytest.approx(math.sqrt(s.betas[t]))
    for t in (1, 2, 40, 80):
        c = diff.step_coefficients(s, t)
        # the DDPM mean is the posterior mean c_0 x̂_0 + c_t x_t (x̂_0 from ε): compare the coefficients on x_t and ε
        c0, ct, _ = diff.posterior_coefficients(s, t)
        ab = s.alpha_bars[t]
        assert c.inv_sqrt_alpha == pytest.approx(c0 / math.sqrt(ab) + ct, rel=1e-9)
        assert c.inv_sqrt_alpha * c.eps_coefficient == pytest.approx(c0 * math.sqrt(1 - ab) / math.sqrt(ab), rel=1e-9)
        # the sheet's coefficient √β_t agrees with the correct one only at t = 1, where ᾱ_1 = α_1
        assert (c.sheet_eps_coefficient == pytest.approx(c.eps_coefficient)) == (t == 1)
    assert diff.step_coefficients(s, 0).t == 1


def test_recent_loss_and_the_smoothed_loss_curve():
    trainer = diff.DiffusionTrainer(diff.TrainConfig("8 Gaussians", 100, "linear", 20, hidden=16, steps=30, seed=1))
    assert math.isnan(trainer.recent_loss())
    trainer.train_chunk(30)
    assert trainer.recent_loss(10) == pytest.approx(float(np.mean(trainer.losses[-10:])))
    assert trainer.recent_loss(100) == pytest.approx(float(np.mean(trainer.losses)))
    # the figure's full-window moving average equals numpy's "valid" convolution
    values = np.asarray(trainer.losses)
    np.testing.assert_allclose(moving_average(values, 7)[6:], np.convolve(values, np.ones(7) / 7, mode="valid"))


def test_sampling_is_seeded_and_forward_report_shares_the_training_data():
    config = diff.TrainConfig("two moons", 150, "linear", 20, hidden=16, steps=5, seed=3)
    trainer = diff.DiffusionTrainer(config)
    trainer.train_chunk(5)
    ddpm, ddim = trainer.sample(40, 5, "β_t", seed=3)
    again_ddpm, _ = trainer.sample(40, 5, "β_t", seed=3)
    other_ddpm, _ = trainer.sample(40, 5, "β_t", seed=4)
    np.testing.assert_array_equal(ddpm.points, again_ddpm.points)
    np.testing.assert_array_equal(ddpm.points[0], ddim.points[0])  # the same x_T for both samplers
    assert not np.allclose(ddpm.points[0], other_ddpm.points[0])
    report = diff.forward_report("two moons", 150, "linear", 20, seed=3)
    np.testing.assert_array_equal(report.data, trainer.data)
    # the forward noise is its own stream, independent of the data's
    assert not np.allclose(
        report.eps, np.random.default_rng(diff.seed_stream(3, diff.DATA_STREAM)).standard_normal((150, 2))
    )


def test_a_new_session_on_the_same_weights_shows_the_samples_without_sampling(monkeypatch):
    """The shipped model opens the same for every visitor: the second session reads the first one's samples and
    figures (ui.shared_memo), and other weights (a Step) sample anew."""
    calls = []
    original = diff.DiffusionTrainer.sample
    monkeypatch.setattr(
        diff.DiffusionTrainer, "sample", lambda self, *a: calls.append(self.steps) or original(self, *a)
    )
    first = run_page("pages/generative/diffusion.py")
    assert_healthy(first, "first session")
    assert len(calls) == 1
    second = run_page("pages/generative/diffusion.py")
    assert_healthy(second, "second session")
    assert len(calls) == 1
    spec = lambda at: [c.proto.spec for c in at.get("plotly_chart")]  # noqa: E731
    assert spec(first) == spec(second)
    second.slider(key="count").set_value(200).run()  # another sampler setting: sampled anew
    assert len(calls) == 2
