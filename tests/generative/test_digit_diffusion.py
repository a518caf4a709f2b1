"""Diffusion on the 8×8 digits (sheet 12) against independent references: the generalised forward jump against
the scalar one, the loss against a hand-written one, the ε-network's Gaussian term against a Monte-Carlo
regression, the frames against the shared samplers, the classifier's verdict on trained samples against noise,
the GIF read back by Pillow, and the page."""

from __future__ import annotations

import io
import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.datasets import digits
from core.errors import InputError
from core.generative import diffusion as diff
from core.generative import digit_diffusion as dd
from core.training import Trainable
from tests.apptest_helpers import assert_healthy, run_page, train_to_end
from viz import animation
from viz.generative import digit_diffusion as viz

SMALL = dd.DDPMConfig(T=20, hidden=16, steps=30, batch_size=32)


@pytest.fixture(scope="module")
def shipped() -> dd.PixelDiffusionTrainer:
    trainer = dd.load_shipped(dd.DDPMConfig())
    assert trainer is not None, "no shipped default: run python -m scripts.make_pretrained gen-digit-diffusion"
    return trainer


# --------------------------------------------------------------------------------------------- the shared schedule code


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(diff.SCHEDULES), st.integers(10, 200), st.data())
def test_q_sample_with_one_t_per_row_equals_one_jump_per_row(kind, T, data):
    """The generalised q_sample (one t per row, any trailing shape) against the scalar form row by row."""
    s = diff.make_schedule(kind, T)
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    x0, eps = rng.standard_normal((6, 8, 8)), rng.standard_normal((6, 8, 8))
    t = rng.integers(0, T + 1, 6)
    jumped = diff.q_sample(x0, t, s, eps)
    for row in range(6):
        expected = math.sqrt(s.alpha_bars[t[row]]) * x0[row] + math.sqrt(1 - s.alpha_bars[t[row]]) * eps[row]
        np.testing.assert_allclose(jumped[row], expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(diff.q_sample(x0[row], int(t[row]), s, eps[row]), jumped[row])


def test_q_sample_names_a_timestep_out_of_range_in_a_batch():
    s = diff.make_schedule("linear", 20)
    with pytest.raises(InputError, match="got 21"):
        diff.q_sample(np.zeros((3, 64)), np.array([1, 21, 5]), s, np.zeros((3, 64)))


def test_predict_x0_inverts_the_forward_jump_given_the_true_noise():
    s = diff.make_schedule("cosine", 50)
    rng = np.random.default_rng(0)
    x0, eps = rng.standard_normal((5, 64)), rng.standard_normal((5, 64))
    for t in (1, 25, 49):
        np.testing.assert_allclose(diff.predict_x0(diff.q_sample(x0, t, s, eps), t, s, eps), x0, atol=1e-9)


def test_samplers_with_the_exact_epsilon_return_a_single_digit():
    """The shared DDPM/DDIM samplers on 64-D vectors: with the exact ε of a one-digit data set they return it."""
    s = diff.make_schedule("linear", 100)
    digit = dd.to_model_space(digits()[0][:1])[0]
    oracle = diff.oracle_eps(digit, s)
    x_T = np.random.default_rng(1).standard_normal((4, 64))
    np.testing.assert_allclose(diff.ddpm_sample(oracle, s, x_T, seed=2).samples, np.tile(digit, (4, 1)), atol=1e-8)
    np.testing.assert_allclose(diff.ddim_sample(oracle, s, x_T, 7).samples, np.tile(digit, (4, 1)), atol=1e-8)


# --------------------------------------------------------------------------------------------- data and network


def test_pixels_map_to_minus_one_one_and_back():
    images = digits()[0][:20]
    x = dd.to_model_space(images)
    assert x.shape == (20, 64) and x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(dd.to_images(x), images, atol=1e-12)
    assert dd.to_images(np.array([[-3.0] * 64])).min() == 0.0  # clipped back to the grey range


def test_gaussian_term_is_the_regression_of_the_noise_on_x_t():
    """With the learned correction switched off, ε_θ is E[ε | x_t] for Gaussian data: the least-squares slope of ε
    on x_t measured by Monte Carlo (and the exact ε where a coordinate never varies)."""
    s = diff.make_schedule("linear", 100)
    mean, variance = np.array([0.3, -1.0]), np.array([0.5, 0.0])
    net = dd.VectorEpsilonNet(s.alpha_bars, mean, variance, hidden=8, layers=1)
    torch.nn.init.zeros_(net.correction[-1].weight)
    torch.nn.init.zeros_(net.correction[-1].bias)
    rng = np.random.default_rng(0)
    n = 200_000
    x0 = mean + np.sqrt(variance) * rng.standard_normal((n, 2))
    eps = rng.standard_normal((n, 2))
    for t in (3, 40, 90):
        x_t = diff.q_sample(x0, t, s, eps)
        with torch.no_grad():
            guess = net(torch.tensor(x_t, dtype=torch.float32), torch.full((n,), t)).double().numpy()
        # E[ε | x_t] = a + b x_t by least squares, coordinate 0 (the varying one); the net's guess is that line
        slope, intercept = np.polyfit(x_t[:, 0], eps[:, 0], 1)
        net_slope, net_intercept = np.polyfit(x_t[:, 0], guess[:, 0], 1)
        residual = eps[:, 0] - (intercept + slope * x_t[:, 0])
        slope_error = residual.std() / (math.sqrt(n) * x_t[:, 0].std())  # the Monte-Carlo standard error
        assert abs(net_slope - slope) < 4 * slope_error
        assert abs(net_intercept - intercept) < 4 * residual.std() / math.sqrt(n) + 4 * slope_error * abs(
            x_t[:, 0].mean()
        )
        np.testing.assert_allclose(guess[:, 0], net_intercept + net_slope * x_t[:, 0], atol=1e-4)
        np.testing.assert_allclose(guess[:, 1], eps[:, 1], atol=1e-4)  # a constant coordinate: ε is known exactly


def test_loss_is_the_mean_squared_noise_error_per_coordinate():
    trainer = dd.PixelDiffusionTrainer(SMALL)
    rng = np.random.default_rng(0)
    x0, eps, t = trainer.data[:8], rng.standard_normal((8, 64)), rng.integers(1, 21, 8)
    # ᾱ_t from the betas directly, not from the schedule's own cumulative product
    alpha_bar = np.cumprod(1 - trainer.schedule.betas)[t][:, None]
    x_t = torch.tensor(np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * eps, dtype=torch.float32)
    with torch.no_grad():
        prediction = trainer.model(x_t, torch.tensor(t))
        expected = float(((torch.tensor(eps, dtype=torch.float32) - prediction) ** 2).sum(dim=1).mean() / 64)
        assert float(trainer.loss(x0, t, eps)) == pytest.approx(expected, rel=1e-5)


def test_training_lowers_the_loss_and_the_average_follows_the_weights():
    trainer = dd.PixelDiffusionTrainer(dd.DDPMConfig(T=50, hidden=32, steps=400, ema_decay=0.0))
    trainer.train_chunk(1000)  # capped at config.steps
    assert trainer.steps == 400 and trainer.finished
    for averaged, current in zip(trainer.average.parameters(), trainer.model.parameters()):
        assert torch.equal(averaged, current)  # d = 0: the average is the last weights
    # on 4,000 fixed pairs: below the Gaussian guess alone (the correction F_θ zeroed), which is where it started
    rng = np.random.default_rng(1)
    pick, t = rng.integers(0, len(trainer.data), 4000), rng.integers(1, 51, 4000)
    x0, eps = trainer.data[pick], rng.standard_normal((4000, 64))
    with torch.no_grad():
        trained = float(trainer.loss(x0, t, eps))
        last = trainer.model.correction[-1]
        last.weight.zero_(), last.bias.zero_()
        gaussian = float(trainer.loss(x0, t, eps))
    assert trained < 0.9 * gaussian


def test_weight_average_is_the_exponential_recursion():
    config = dd.DDPMConfig(T=20, hidden=8, steps=3, ema_decay=0.9)
    trainer = dd.PixelDiffusionTrainer(config)
    average = [p.detach().clone() for p in trainer.model.parameters()]
    for k in range(3):
        trainer.train_chunk(1)
        decay = min(0.9, (1 + k) / (10 + k))
        average = [decay * a + (1 - decay) * p.detach() for a, p in zip(average, trainer.model.parameters())]
    for expected, got in zip(average, trainer.average.parameters()):
        torch.testing.assert_close(got, expected)


def test_trainer_is_a_trainable_and_chunking_does_not_change_the_result():
    whole, chunked = dd.PixelDiffusionTrainer(SMALL), dd.PixelDiffusionTrainer(SMALL)
    assert isinstance(whole, Trainable)
    assert (whole.steps, whole.total_steps, whole.finished, whole.diverged_reason) == (0, 30, False, None)
    whole.train_chunk(30)
    chunked.train_chunk(11)
    assert chunked.train_seconds > 0 and not chunked.finished
    chunked.train_chunk(100)
    assert chunked.steps == 30 and chunked.losses == whole.losses
    for a, b in zip(whole.average.state_dict().values(), chunked.average.state_dict().values()):
        assert torch.equal(a, b)
    other = dd.PixelDiffusionTrainer(dd.DDPMConfig(T=20, hidden=16, steps=30, batch_size=32, seed=1))
    other.train_chunk(30)
    assert other.losses != whole.losses


def test_a_loss_that_is_not_finite_is_reported_and_its_step_not_applied():
    data = np.zeros((50, 3))
    data[:, 1] = 1e300  # beyond float32: every batch gives a loss that is not finite
    with np.errstate(over="ignore"):  # the data's variance overflows too: that is the point
        trainer = dd.VectorDiffusionTrainer(SMALL, data)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.train_chunk(10)
    assert trainer.diverged_reason is not None and "loss became" in trainer.diverged_reason
    assert trainer.finished and trainer.steps == 0 and trainer.losses == []
    assert all(torch.equal(before[k], v) for k, v in trainer.model.state_dict().items())
    trainer.train_chunk(10)  # a diverged run trains no further
    assert trainer.steps == 0


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(schedule="quadratic"), "schedule"),
        (dict(T=5), "T must be"),
        (dict(steps=0), "Training steps"),
        (dict(hidden=2), "units"),
        (dict(learning_rate=-1.0), "learning rate"),
        (dict(ema_decay=1.0), "averaging"),
        (dict(batch_size=0), "batch size"),
    ],
)
def test_bad_settings_name_the_problem(change, match):
    import dataclasses

    with pytest.raises(InputError, match=match):
        dd.PixelDiffusionTrainer(dataclasses.replace(SMALL, **change))


# --------------------------------------------------------------------------------------------- frames and samplers


def test_frames_are_the_shared_samplers_runs_with_the_prediction_of_every_step():
    trainer = dd.PixelDiffusionTrainer(SMALL)
    trainer.train_chunk(30)
    x_T, noise = dd.start_noise(64, 6, seed=3)
    ddpm = dd.denoise(trainer, x_T, "DDPM", 5, noise)
    reference = diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, dd.start_noise(64, 6, seed=3)[1])
    np.testing.assert_array_equal(ddpm.x, reference.points)
    assert ddpm.network_calls == 20 and list(ddpm.timesteps) == list(range(20, -1, -1))
    for k in (0, 7, 19):  # x̂_0 from a fresh ε_θ call
        t = int(ddpm.timesteps[k])
        eps = trainer.eps_fn(ddpm.x[k], t)
        expected = (ddpm.x[k] - math.sqrt(1 - trainer.schedule.alpha_bars[t]) * eps) / math.sqrt(
            trainer.schedule.alpha_bars[t]
        )
        np.testing.assert_allclose(ddpm.x0_hat[k], expected, atol=1e-12)
    np.testing.assert_array_equal(ddpm.x0_hat[-1], ddpm.x[-1])
    np.testing.assert_allclose(ddpm.images, dd.to_images(ddpm.x.reshape(-1, 64)).reshape(21, 6, 8, 8))
    ddim = dd.denoise(trainer, x_T, "DDIM", 5, noise)
    assert ddim.network_calls == 5 and list(ddim.timesteps) == [20, 16, 12, 8, 4, 0]


def test_ddim_with_eta_zero_gives_identical_samples_for_the_same_noise_and_ddpm_does_not():
    trainer = dd.PixelDiffusionTrainer(SMALL)
    trainer.train_chunk(30)
    first, again = dd.sample_both(trainer, 8, 6, seed=4), dd.sample_both(trainer, 8, 6, seed=4)
    np.testing.assert_array_equal(first[1].x, again[1].x)
    np.testing.assert_array_equal(first[0].x, again[0].x)  # DDPM is seeded too
    np.testing.assert_array_equal(first[0].x[0], first[1].x[0])  # the same x_T for both samplers
    # another DDPM noise stream, the same x_T: DDPM changes, DDIM cannot (it draws no noise)
    x_T, _ = dd.start_noise(64, 8, seed=4)
    other = dd.denoise(trainer, x_T, "DDPM", 6, np.random.SeedSequence(99))
    assert not np.allclose(other.samples, first[0].samples)
    np.testing.assert_array_equal(dd.denoise(trainer, x_T, "DDIM", 6, np.random.SeedSequence(99)).x, first[1].x)
    # the quality run's larger batch starts with the frames' x_T: its first DDIM samples are the frames' last
    comparison = dd.compare_samplers(trainer, 6, seed=4, count=20)
    np.testing.assert_allclose(comparison.runs["DDIM"].samples[:8], first[1].samples, atol=1e-12)
    assert {name: run.network_calls for name, run in comparison.runs.items()} == {"DDPM": 20, "DDIM": 6}
    np.testing.assert_array_equal(dd.sample_frames(trainer, "DDIM", 8, 6, seed=4).x, first[1].x)
    assert not np.array_equal(dd.sample_both(trainer, 8, 6, seed=4, draw=1)[1].x[0], first[1].x[0])


def test_sampler_input_errors():
    trainer = dd.PixelDiffusionTrainer(SMALL)
    for call in (
        lambda: dd.denoise(trainer, np.zeros((2, 64)), "Euler", 5, 0),
        lambda: dd.sample_both(trainer, 0, 5, seed=0),
        lambda: dd.sample_both(trainer, 4, 21, seed=0),
        lambda: dd.start_noise(64, 4, seed=0, draw=-1),
    ):
        with pytest.raises(InputError):
            call()


# --------------------------------------------------------------------------------------------- quality


def test_classifier_reads_the_digits_and_the_quality_numbers_are_what_they_say():
    images, labels = digits()
    classifier = dd.digit_classifier()
    assert classifier.score(images.reshape(-1, 64), labels) > 0.95
    q = dd.quality(images[:300])
    probabilities = classifier.predict_proba(images[:300].reshape(-1, 64))
    assert q.confidence == pytest.approx(probabilities.max(axis=1).mean())
    assert q.digit_share == pytest.approx((probabilities.max(axis=1) >= dd.CONFIDENT).mean())
    assert q.counts.sum() == 300 and q.nearest == 0.0  # every image is a training digit


def test_nearest_digit_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    images = rng.random((5, 8, 8))
    data = digits()[0].reshape(-1, 64)
    brute = [np.linalg.norm(data - image.reshape(64), axis=1).min() for image in images]
    np.testing.assert_allclose(dd.nearest_digit_distance(images), brute, rtol=1e-9)


def test_trained_samples_are_read_as_digits_more_often_than_noise(shipped):
    """The shipped default ε_θ: of 200 samples from one x_T, the classifier reads far more as a digit (p ≥ 0.9)
    than of the noise x_T itself (measured 35–40 % against 13–17 %), and they spread over the classes."""
    for seed in (0, 1):
        comparison = dd.compare_samplers(shipped, 20, seed=seed)
        noise = comparison.noise
        for sampler, run in comparison.runs.items():
            q = run.quality
            assert q.digit_share > noise.digit_share + 0.12, (sampler, q.digit_share, noise.digit_share)
            assert q.nearest < 0.5 * noise.nearest
            assert (q.counts > 0).sum() >= 9  # not one digit over and over


def test_shipped_round_trip(tmp_path):
    trainer = dd.PixelDiffusionTrainer(SMALL)
    with pytest.raises(InputError, match="finished"):
        dd.save_shipped(trainer, tmp_path)
    trainer.train_chunk(30)
    dd.save_shipped(trainer, tmp_path)
    back = dd.load_shipped(SMALL, tmp_path)
    assert back.finished and back.losses == pytest.approx(trainer.losses, rel=5e-3)  # 3 significant digits
    x = np.random.default_rng(0).standard_normal((4, 64))
    np.testing.assert_allclose(back.eps_fn(x, 7), trainer.eps_fn(x, 7), rtol=1e-5, atol=1e-6)
    assert dd.load_shipped(dd.DDPMConfig(T=21, hidden=16, steps=30, batch_size=32), tmp_path) is None


# --------------------------------------------------------------------------------------------- figures and downloads


def _frames() -> dd.Frames:
    trainer = dd.PixelDiffusionTrainer(SMALL)
    x_T, noise = dd.start_noise(64, 9, seed=0)
    return dd.denoise(trainer, x_T, "DDPM", 5, noise)


def test_frames_figure_plays_every_shown_step_at_ten_frames_a_second_or_more():
    frames = _frames()
    shown = animation.even_sample(len(frames.timesteps), 8)
    uris = [viz.frame_uris(frames, k) for k in shown]
    names = [str(int(frames.timesteps[k])) for k in shown]
    spec = viz.frames_figure(uris, names, 2, title="DDPM")
    fig = go.Figure(spec)  # Plotly's validation accepts what was written without it
    assert [f.name for f in fig.frames] == names
    play = next(b for b in fig.layout.updatemenus[0].buttons if "play" in b.label)
    assert play.args[1]["frame"]["duration"] <= 80 and play.args[1]["frame"]["redraw"]
    assert fig.layout.sliders[0].active == 2 and len(fig.data) == 2
    assert fig.data[0].source == viz.grid_uri(frames.images[shown[2]])
    assert fig.data[1].source == viz.grid_uri(frames.predicted_images[shown[2]])
    assert fig.frames[-1].data[1].source == viz.grid_uri(frames.predicted_images[shown[-1]])


def test_grid_canvas_puts_each_digit_in_its_cell_as_ink():
    images = np.zeros((5, 8, 8))
    images[3, 2, 5] = 1.0  # one black pixel in the 4th digit
    canvas = viz.grid_grey(images, columns=3)
    assert canvas.shape == (2 * 9 - 1, 3 * 9 - 1)
    assert canvas[9 + 2, 0 * 9 + 5] == 0 and canvas[9 + 2, 9 + 5] == 255  # row 1, column 0; its neighbour blank
    assert canvas[8, 0] == viz.GAP_GREY


def test_gif_and_strip_read_back_with_their_frames_and_timing():
    frames = _frames()
    shown = [0, 5, 10, 20]
    gif = Image.open(io.BytesIO(viz.frames_gif(frames, shown)))
    assert gif.n_frames == 4 and gif.info["duration"] == viz.GIF_MS and gif.info.get("loop") == 0
    gif.seek(3)
    assert gif.info["duration"] > viz.GIF_MS  # the finished digits are held
    strip = Image.open(io.BytesIO(viz.frames_strip_png(frames, shown)))
    rows, cols = viz.grid_shape(9)
    assert strip.size == (viz.GIF_SCALE * (4 * (cols * 9 - 1) + 3 * 3), viz.GIF_SCALE * (2 * (rows * 9 - 1) + 3))


# --------------------------------------------------------------------------------------------- page


def test_page_opens_on_the_shipped_frames_and_the_scrubber_moves_them():
    at = run_page("pages/generative/digit_diffusion.py")
    assert_healthy(at, "default")
    assert len(at.get("plotly_chart")) >= 4  # frames, samples, histogram, loss
    assert at.slider(key="t").value == 100
    next(b for b in at.button if b.key == "t_back").click().run()
    assert_healthy(at, "after ◀")
    assert at.slider(key="t").value == 99
    at.radio(key="sampler").set_value("DDIM").run()
    assert_healthy(at, "DDIM frames")
    assert any("DDIM, S = 20 steps" in c.proto.spec for c in at.get("plotly_chart"))


def test_page_trains_live_then_samples():
    at = run_page("pages/generative/digit_diffusion.py", {"T": "50", "steps": "500", "hidden": "48"})
    assert_healthy(at, "untrained")
    assert any("Press **Train**" in c.value for c in at.caption)
    next(b for b in at.button if b.key == "ddpm_digits_train").click().run()
    train_to_end(at, "ddpm_digits")
    assert_healthy(at, "trained")
    assert any(c.value.startswith("500 / 500 gradient steps") for c in at.caption)
    assert any('"frames"' in c.proto.spec for c in at.get("plotly_chart"))


def test_a_new_session_on_the_shipped_model_samples_nothing_again(monkeypatch):
    """Frames and quality runs are shared by every session with the same weights (ui.digit_frames, ui.shared_memo):
    the second visitor's page shows the first one's samples."""
    calls = []
    for name in ("sample_frames", "run_sampler"):
        original = getattr(dd, name)
        monkeypatch.setattr(dd, name, lambda *a, _original=original, **k: calls.append(1) or _original(*a, **k))
    first = run_page("pages/generative/digit_diffusion.py")
    assert_healthy(first, "first session")
    made = len(calls)
    assert made > 0
    second = run_page("pages/generative/digit_diffusion.py")
    assert_healthy(second, "second session")
    assert len(calls) == made
    assert [c.proto.spec for c in first.get("plotly_chart")] == [c.proto.spec for c in second.get("plotly_chart")]
