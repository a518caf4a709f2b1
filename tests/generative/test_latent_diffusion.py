"""Latent diffusion (sheet 12c): the latent model runs the shared schedule code (no second implementation), its
frames go through the VAE decoder, DDIM η = 0 is deterministic, its samples beat noise, and the measured cost of a
step matches the network's arithmetic."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.generative import diffusion as diff
from core.generative import digit_diffusion as dd
from core.generative import latent_diffusion as ldm
from core.generative import vae
from tests.apptest_helpers import assert_healthy, run_page

SMALL = ldm.LatentConfig(
    vae=vae.VAEConfig(latent_dim=4, epochs=2), ddpm=dd.DDPMConfig(T=20, hidden=16, steps=30, batch_size=32)
)


@pytest.fixture(scope="module")
def small_vae() -> vae.VAETrainer:
    autoencoder = vae.VAETrainer(SMALL.vae)
    autoencoder.train_chunk(2)
    return autoencoder


@pytest.fixture(scope="module")
def shipped() -> ldm.LatentDiffusionTrainer:
    config = ldm.LatentConfig()
    autoencoder = vae.load_shipped(config.vae)
    assert autoencoder is not None, "no shipped VAE: run python -m scripts.make_pretrained gen-latent-diffusion"
    trainer = ldm.load_shipped(config, autoencoder)
    assert trainer is not None, "no shipped latent model: run python -m scripts.make_pretrained gen-latent-diffusion"
    return trainer


def _spy(monkeypatch, name: str) -> list:
    """Wrap diffusion.<name> so every call is recorded and still runs the original."""
    calls: list = []
    original = getattr(diff, name)

    def recorded(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(diff, name, recorded)
    return calls


def test_codes_are_standardised_encoder_means(small_vae):
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    mu, _ = small_vae.codes()
    np.testing.assert_allclose(trainer.data * trainer.scale + trainer.shift, mu, atol=1e-12)
    np.testing.assert_allclose(trainer.data.mean(axis=0), 0.0, atol=1e-12)
    assert float((trainer.data**2).mean()) == pytest.approx(1.0)
    assert trainer.dim == 4


def test_forward_process_before_training_is_the_decoded_q_sample_of_the_trainers_codes(small_vae):
    schedule = diff.make_schedule("linear", 20)
    x0_seen, xt_seen = ldm.forward_decoded(small_vae, schedule, 15, seed=3, count=4)
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)  # the codes the latent ε_θ trains on
    z0 = trainer.data[:4]
    eps = np.random.default_rng(dd.draw_stream(3, 0)).standard_normal(z0.shape)
    # z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε, written out here rather than through diffusion.q_sample
    zt = np.sqrt(schedule.alpha_bars[15]) * z0 + np.sqrt(1 - schedule.alpha_bars[15]) * eps
    np.testing.assert_allclose(x0_seen, trainer.decode(z0), atol=1e-6)
    np.testing.assert_allclose(xt_seen, trainer.decode(zt), atol=1e-6)
    assert x0_seen.shape == (4, 8, 8)
    # at t = 0 nothing is noised; by the end of the schedule x_t no longer looks like x_0
    x0_again, at_zero = ldm.forward_decoded(small_vae, schedule, 0, seed=3, count=4)
    np.testing.assert_allclose(at_zero, x0_again, atol=1e-6)
    assert np.abs(xt_seen - x0_seen).mean() > np.abs(at_zero - x0_again).mean()


def test_forward_and_reverse_steps_run_the_shared_schedule_code(monkeypatch, small_vae):
    """Training noises through diffusion.q_sample, sampling is diffusion.ddpm_sample / ddim_sample with x̂_0 from
    diffusion.predict_x0, all on the schedule of diffusion.make_schedule: the latent model has no step of its own."""
    q_calls = _spy(monkeypatch, "q_sample")
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    trainer.train_chunk(3)
    assert len(q_calls) == 3 and q_calls[0][0].shape == (32, 4)  # one batched jump per gradient step
    reference = diff.make_schedule(SMALL.ddpm.schedule, SMALL.ddpm.T)
    np.testing.assert_array_equal(trainer.schedule.alpha_bars, reference.alpha_bars)
    ddpm_calls, ddim_calls = _spy(monkeypatch, "ddpm_sample"), _spy(monkeypatch, "ddim_sample")
    predict_calls = _spy(monkeypatch, "predict_x0")
    ddpm, ddim = dd.sample_both(trainer, 5, 4, seed=1)
    assert len(ddpm_calls) == 1 and len(ddim_calls) == 1
    assert len(predict_calls) >= ddpm.network_calls + ddim.network_calls
    # and the result is exactly the shared sampler's, run by hand on the trainer's ε_θ
    x_T, noise = dd.start_noise(4, 5, seed=1)
    by_hand = diff.ddpm_sample(trainer.eps_fn, trainer.schedule, x_T, noise)
    np.testing.assert_array_equal(ddpm.x, by_hand.points)
    np.testing.assert_array_equal(ddim.x, diff.ddim_sample(trainer.eps_fn, trainer.schedule, x_T, 4).points)


def test_latent_frames_are_decoded_by_the_vae_decoder(monkeypatch, small_vae):
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    decoded = []
    original = small_vae.model.decode

    def counting(z):
        decoded.append(z.shape)
        return original(z)

    monkeypatch.setattr(small_vae.model, "decode", counting)
    x_T, noise = dd.start_noise(4, 6, seed=2)
    frames = dd.denoise(trainer, x_T, "DDPM", 5, noise)
    assert decoded and sum(shape[0] for shape in decoded) == 2 * 21 * 6  # x_t and x̂_0 of every step
    for k in (0, 10, 20):
        expected = small_vae.decode(trainer.shift + trainer.scale * frames.x[k])
        np.testing.assert_allclose(frames.images[k], expected, atol=1e-12)
        np.testing.assert_allclose(
            frames.predicted_images[k], small_vae.decode(trainer.shift + trainer.scale * frames.x0_hat[k]), atol=1e-12
        )
    # the decoder's images, not pixel space: x = sigmoid(decoder(m + s z)) lies strictly inside (0, 1)
    assert 0 < frames.images.min() and frames.images.max() < 1


def test_ddim_with_eta_zero_is_deterministic_in_the_latent_space(small_vae):
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    trainer.train_chunk(30)
    first, again = dd.sample_both(trainer, 7, 5, seed=3), dd.sample_both(trainer, 7, 5, seed=3)
    np.testing.assert_array_equal(first[1].x, again[1].x)
    np.testing.assert_array_equal(first[1].images, again[1].images)
    x_T, _ = dd.start_noise(4, 7, seed=3)
    other_noise = dd.denoise(trainer, x_T, "DDPM", 5, np.random.SeedSequence(7))
    assert not np.allclose(other_noise.x[-1], first[0].x[-1])  # DDPM's own noise matters, DDIM has none


def test_the_vae_must_be_the_configured_one_and_trained(small_vae):
    with pytest.raises(InputError, match="not the one"):
        ldm.LatentDiffusionTrainer(dataclasses.replace(SMALL, vae=vae.VAEConfig(latent_dim=2, epochs=2)), small_vae)
    with pytest.raises(InputError, match="trained VAE"):
        ldm.LatentDiffusionTrainer(SMALL, vae.VAETrainer(SMALL.vae))


def test_shipped_round_trip_and_a_vae_with_other_weights_finds_nothing(tmp_path, small_vae):
    trainer = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    trainer.train_chunk(30)
    ldm.save_shipped(trainer, tmp_path)
    back = ldm.load_shipped(SMALL, small_vae, tmp_path)
    assert back.finished and back.losses == pytest.approx(trainer.losses, rel=5e-3)  # 3 significant digits
    z = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(back.eps_fn(z, 9), trainer.eps_fn(z, 9), rtol=1e-5, atol=1e-6)
    retrained = vae.VAETrainer(dataclasses.replace(SMALL.vae))
    retrained.train_chunk(1)  # same config, other weights (one epoch, not finished)
    assert ldm.load_shipped(SMALL, retrained, tmp_path) is None
    other = vae.VAETrainer(SMALL.vae)
    other.train_chunk(2)
    with torch.no_grad():
        other.model.decoder[0].bias.add_(0.01)  # finished, but its weights differ from those trained on
    assert ldm.load_shipped(SMALL, other, tmp_path) is None


def test_step_cost_counts_the_networks_arithmetic(small_vae):
    """FLOPs against 2·in·out per Linear layer and sample; memory against the layer widths; the latent step is
    cheaper than the pixel step by the ratio of those counts."""
    latent = ldm.LatentDiffusionTrainer(SMALL, small_vae)
    pixel = dd.PixelDiffusionTrainer(dd.DDPMConfig(T=20, hidden=64, steps=1))
    for trainer in (latent, pixel):
        d, h = trainer.dim, trainer.config.hidden
        cost = ldm.step_cost(trainer, batch=10, repeats=1)
        widths = [(d + dd.EMBEDDING, h), (h, h), (h, d)]
        assert cost.flops == 10 * sum(2 * a * b for a, b in widths)
        assert cost.parameters == sum(a * b + b for a, b in widths)
        # every Linear and SiLU output: h, h, h, h, d floats per sample, 4 bytes each
        assert cost.activation_bytes == 10 * 4 * (4 * h + d)
        assert cost.seconds > 0
    assert ldm.step_cost(pixel, 10, 1).flops > 5 * ldm.step_cost(latent, 10, 1).flops
    assert ldm.decoder_flops(small_vae, 10) == 10 * 2 * (4 * 128 + 128 * 64)
    with pytest.raises(InputError):
        ldm.step_cost(latent, batch=0)


def test_shipped_latent_samples_are_read_as_digits_more_often_than_noise(shipped):
    """Of 200 decoded latent samples, the classifier reads far more as a digit than of pixel noise (measured 36–41 %
    against 13–17 %), and the latent space's one decoder covers every class."""
    for seed in (0, 1):
        comparison = dd.compare_samplers(shipped, 20, seed=seed)
        noise = comparison.noise.digit_share
        for sampler, run in comparison.runs.items():
            assert run.quality.digit_share > noise + 0.12, (sampler, run.quality.digit_share, noise)
            assert (run.quality.counts > 0).sum() == 10


def test_with_latent_dim_keeps_everything_else():
    config = ldm.with_latent_dim(ldm.LatentConfig(), 8)
    assert config.vae.latent_dim == 8 and config.ddpm == ldm.LatentConfig().ddpm
    with pytest.raises(InputError):
        ldm.with_latent_dim(config, 3)


def test_page_opens_on_both_shipped_models_with_the_cost_and_quality():
    at = run_page("pages/generative/latent_diffusion.py")
    assert_healthy(at, "default")
    shipped_lines = [c.value for c in at.caption if "shipped pre-trained result" in c.value]
    assert len(shipped_lines) == 2  # the VAE and the latent ε_θ
    tables = [m.value for m in at.markdown if "FLOPs" in m.value and "ratio" in m.value]
    assert tables, "no cost table"
    assert any("pixel-space DDPM" in m.value for m in at.markdown)


def test_page_with_a_seed_nothing_is_shipped_for_draws_the_forward_process_until_trained():
    # the VAE is the VAE page's run (seed 0, shipped); the latent ε_θ of seed 108 is not shipped: before its Train
    # the page still draws a figure (a class-load test had waited 180 s for one)
    at = run_page("pages/generative/latent_diffusion.py", {"seed": "108"})
    assert_healthy(at, "seed 108")
    assert any("Until then, the forward process" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) >= 1


def test_page_with_an_untrained_vae_asks_for_it_first():
    at = run_page("pages/generative/latent_diffusion.py", {"dim": "8"})
    assert_healthy(at, "d = 8")
    assert any("codes of a trained VAE" in c.value for c in at.caption)
    assert not any(b.key == "ldm_train" for b in at.button)
    next(b for b in at.button if b.key == "ldm_vae_train").click().run()
    for _ in range(100):
        if not any(b.key == "ldm_vae_pause" for b in at.button):
            break
        at.run()
    assert_healthy(at, "VAE trained")
    assert any(b.key == "ldm_train" for b in at.button)  # the latent model's session is there now
