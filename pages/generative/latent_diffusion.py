"""Latent diffusion (sheet 12c): the digit DDPM trained on the codes of the VAE, decoded at every step; the cost of a
denoising step and the quality of the samples, measured against the pixel-space DDPM."""

import dataclasses

import streamlit as st

from core.generative import diffusion as diff
from core.generative import digit_diffusion as dd
from core.generative import latent_diffusion as ldm
from core.generative import vae
from ui import contract as ui
from ui import digit_frames as frames_ui
from ui.training import Run, TrainingSession
from viz.generative import digit_diffusion as viz

NAME = "ldm"
CHUNK = 500  # gradient steps between two redraws at most (each round is sized to ~0.35 s)
VAE_CHUNK = 10  # VAE epochs between two redraws at most
COUNTS = (16, 25, 36, 49, 64)
PIXEL_LABEL = "pixel space (64)"


def next_draw() -> None:
    st.session_state["draw"] = int(st.session_state.get("draw", 0)) + 1


@st.cache_resource(max_entries=4, show_spinner=False)
def pixel_reference(config: dd.DDPMConfig) -> dd.PixelDiffusionTrainer:
    """The pixel-space ε_θ to compare with: the Diffusion-on-digits page's shipped default (trained), or, where none
    is shipped, an untrained one of the same architecture (its cost is the same; its quality is not shown).
    Shared by all sessions: only read, never trained."""
    return dd.load_shipped(config) or dd.PixelDiffusionTrainer(config)


@st.cache_data(max_entries=8, show_spinner=False)
def pixel_run(config: dd.DDPMConfig, seed: int, draw: int) -> dd.SamplerRun | None:
    """The pixel model's DDPM on the same draw: its calls, wall time (measured once) and quality (None when it is
    untrained)."""
    reference = pixel_reference(config)
    if reference.steps == 0:
        return None
    return dd.run_sampler(reference, "DDPM", 1, seed, draw)


@st.cache_data(max_entries=8, show_spinner=False)
def vae_prior(_autoencoder: vae.VAETrainer, seed: int, draw: int, fingerprint: str = "") -> dd.SamplerRun:
    """The VAE's own samples decoder(z), z ~ N(0, I) (QUALITY_SAMPLES of them) and their quality."""
    samples = vae.prior_samples(_autoencoder, dd.QUALITY_SAMPLES, seed, draw)
    return dd.SamplerRun("VAE prior", samples, 0, 0.0, dd.quality(samples))


@st.cache_data(max_entries=16, show_spinner="Measuring a denoising step of both models …")
def costs(pixel: dd.DDPMConfig, latent: ldm.LatentConfig, _latent_trainer: ldm.LatentDiffusionTrainer) -> dict:
    """StepCost of one denoising step (batch COST_BATCH) of the pixel and the latent model, and the VAE decoder's
    FLOPs for the batch; measured once per process for a pair of configurations (the cost depends on the
    architecture only)."""
    return {
        PIXEL_LABEL: ldm.step_cost(pixel_reference(pixel)),
        f"latent (d = {latent.vae.latent_dim})": ldm.step_cost(_latent_trainer),
        "decoder": ldm.decoder_flops(_latent_trainer.autoencoder),
    }


ui.begin(
    __file__,
    intro="Compress, then diffuse: the VAE's encoder turns each digit into d numbers, the pixel page's DDPM learns "
    "to denoise those codes, and the decoder turns every step back into an image — d coordinates a step, not 64.",
)
st.sidebar.markdown("**Autoencoder** (the VAE page's β = 1 run)")
latent_dim = int(
    ui.select(
        "Latent size d",
        "dim",
        ldm.LATENT_DIMS,
        4,
        help="d = 2 and 4 open trained; d = 8 trains its VAE first (a few seconds).",
    )
)
st.sidebar.markdown("**Latent ε_θ**")
schedule_kind = ui.select("β schedule", "sched", diff.SCHEDULES, "linear", help="As on the pixel page.")
T = int(ui.select("Diffusion steps T", "T", (50, 100, 200, 400), 100, help="DDPM samples with all T steps."))
hidden = int(ui.select("Hidden width", "hidden", (16, 32, 64), 32, help="Two hidden layers of this width."))
steps = int(ui.slider("Training steps", "steps", 500, 20_000, 8000, 500, help="Gradient steps on θ (batch 128)."))
seed = ui.seed()
st.sidebar.markdown("**Sampling**")
count = int(ui.select("Digits per frame", "count", COUNTS, 25))
if st.session_state.get("ddim", 0) > T:
    st.session_state["ddim"] = T
ddim_steps = int(ui.slider("DDIM steps S", "ddim", 1, T, min(20, T), 1, help="Jumps along a sub-sequence of 0..T."))
frames_shown = int(
    ui.slider("Frames to play", "frames", 11, 101, 51, 10, help="Evenly spaced steps in the animation and the GIF.")
)
draw_row = st.sidebar.columns([1, 1], vertical_alignment="bottom")
draw_row[0].button(
    "New noise",
    key="ldm_new_noise",
    icon=":material/casino:",
    on_click=next_draw,
    width="stretch",
    help="Draws a new z_T ~ N(0, I) (the next draw number).",
)
draw = int(ui.number("Draw #", "draw", 0, 1_000_000, 0, 1, container=draw_row[1]))

base = ldm.LatentConfig()
config = ldm.LatentConfig(
    vae=dataclasses.replace(base.vae, latent_dim=latent_dim),  # the VAE page's run (its seed 0)
    ddpm=dataclasses.replace(base.ddpm, schedule=schedule_kind, T=T, hidden=hidden, steps=steps, seed=seed),
)

# ------------------------------------------------------------------------------------------------ the two models
vae_session = TrainingSession(
    "ldm_vae",
    [
        Run(
            "VAE",
            key=config.vae,
            factory=lambda: vae.VAETrainer(config.vae),
            pretrained=lambda: vae.load_shipped(config.vae),
            ship=vae.save_shipped,
        )
    ],
    chunk=VAE_CHUNK,
    unit="epochs",
    train_label="Train the VAE",
)
autoencoder = vae_session.trainers()["VAE"]
vae_ready = autoencoder is not None and autoencoder.finished and autoencoder.diverged_reason is None
# The VAE's controls sit in an expander above the latent model's, but are drawn after them: the latent model is
# what this page is about, so its Train is the first one drawn (the one the space bar plays).
vae_box = st.expander(
    f"Step 1 · the autoencoder, a VAE with d = {latent_dim}: "
    + ("trained — open to retrain it" if vae_ready else "train it first"),
    expanded=not vae_ready,
    icon=":material/compress:",
)

trainer = None
training = False
if not vae_ready:
    st.caption(
        "Step 2, the latent ε_θ, trains on the codes of a trained VAE: train the VAE above first (a few seconds)."
    )
else:
    session = TrainingSession(
        NAME,
        [
            Run(
                "latent ε_θ",
                key=(config, ldm.autoencoder_fingerprint(autoencoder)),
                factory=lambda: ldm.LatentDiffusionTrainer(config, autoencoder),
                pretrained=lambda: ldm.load_shipped(config, autoencoder),
                ship=ldm.save_shipped,
            )
        ],
        chunk=CHUNK,
        unit="gradient steps",
        train_label="Train ε_θ",
    )
    session.controls()
    trainer = session.trainers()["latent ε_θ"]
    training = session.running and not session.all_finished()

    def draw_loss(trainers: dict[str, ldm.LatentDiffusionTrainer | None]) -> None:
        current = trainers["latent ε_θ"]
        if current is not None and current.steps > 0 and training:
            ui.figure(viz.loss_figure(current.losses, height=260))
        session.divergence_notices()

    session.live(draw_loss)


def draw_vae(trainers: dict[str, vae.VAETrainer | None]) -> None:
    current = trainers["VAE"]
    if current is not None and current.steps > 0 and not current.finished:
        st.caption(f"VAE epoch {current.steps}: ELBO {current.elbo[-1]:.1f} nats per digit")
    vae_session.divergence_notices()


with vae_box:
    st.caption(
        "The VAE page's β = 1 run (60 epochs on all 1,797 digits); its encoder's mean μ_φ(x) is each digit's code."
    )
    vae_session.controls()
    vae_session.live(draw_vae)

ready = trainer is not None and trainer.steps > 0 and trainer.diverged_reason is None and not training
controls = st.columns([3, 1], vertical_alignment="bottom")
with controls[0]:
    t = frames_ui.timestep_scrubber(T)
sampler = ui.select("Frames of", "sampler", dd.SAMPLERS, "DDPM", container=controls[1], horizontal_radio=True)
if training:
    st.caption("Training: the frames appear when it finishes, or at the current ε_θ on **Pause**.")
elif not ready:
    if vae_ready and trainer is not None and trainer.diverged_reason is not None:
        st.caption("No frames from a diverged ε_θ (the notice above says why): Reset and train it again.")
    elif vae_ready:
        st.caption(
            "Press **Train** to fit the latent ε_θ (a few seconds): the frames, the cost and the quality follow. "
            "Until then, the forward process on the codes of real digits at the scrubbed t, seen through the decoder:"
        )
        decoded_x0, decoded_xt = ldm.forward_decoded(
            autoencoder, ui.attempt(diff.make_schedule, schedule_kind, T), t, seed
        )
        ui.figure(
            viz.samples_figure(
                {"decoder(m + s·z₀): the codes of x₀": decoded_x0, f"decoder(m + s·z_t), t = {t}": decoded_xt},
                columns=5,
                height=300,
            )
        )
    else:
        st.caption("The frames appear once both models are trained.")
else:
    if not trainer.finished:
        ui.caution(f"Training was stopped after {trainer.steps:,} of {steps:,} steps: these frames come from that ε_θ.")
    frame_set = frames_ui.frame_set(NAME, trainer, sampler, count, ddim_steps, seed, draw)
    label = f"decoded DDPM, T = {T}" if sampler == "DDPM" else f"decoded DDIM, S = {ddim_steps}"
    ui.figure(frames_ui.frames_figure(frame_set, t, frames_shown, label))
    frames_ui.downloads(frame_set, frames_shown, "latent-diffusion")
    st.caption(
        "Both panels go through the VAE decoder: left sigmoid(decoder(m + s·z_t)), right the same for ẑ₀. Even "
        "pure noise z_T decodes to something digit-like — the decoder only draws what it learned."
    )

if trainer is not None:
    scale = ", ".join(f"{v:.2f}" for v in trainer.shift)
    ui.formula(
        rf"z_0 = \frac{{\mu_\phi(x) - m}}{{s}},\quad m = ({scale}),\ s = {trainer.scale:.3f}\qquad "
        rf"x = \operatorname{{sigmoid}}\big(\mathrm{{decoder}}_\theta(m + s\,z)\big)",
        caption=f"Into the latent space (the encoder's mean, standardised) and back out (the decoder), d = {latent_dim}",
    )

# ------------------------------------------------------------------------------------------------ cost and quality
st.subheader("Pixel space vs latent space: cost of a step, quality of the samples")
if not ready:
    st.caption("The measurements appear with the frames.")
else:
    pixel_config = dd.DDPMConfig(schedule_kind, T, seed=seed)
    measured = costs(pixel_config, config, trainer)
    decoder = measured.pop("decoder")
    ui.figure(frames_ui.cached_figure(NAME, ("cost", pixel_config, config), lambda: viz.cost_figure(measured)))
    pixel, latent = measured.values()
    st.markdown(
        "| one denoising step, batch of "
        f"{pixel.batch} | parameters | FLOPs | memory | wall time |\n|---|---:|---:|---:|---:|\n"
        + "\n".join(
            f"| {name} | {c.parameters:,} | {c.flops:,} | {c.memory_bytes / 1000:,.1f} kB | {1000 * c.seconds:.2f} ms |"
            for name, c in measured.items()
        )
        + f"\n| ratio | {pixel.parameters / latent.parameters:.1f}× | {pixel.flops / latent.flops:.1f}× | "
        f"{pixel.memory_bytes / latent.memory_bytes:.1f}× | {pixel.seconds / latent.seconds:.1f}× |"
    )
    st.caption(
        f"Measured on this machine (one core; wall time of whole DDPM runs over T = {T} steps, per step). The "
        f"latent model also decodes once at the end: {decoder:,} FLOPs for the batch, about "
        f"{decoder / max(latent.flops, 1):.1f} latent steps' worth. Memory: the parameters and every layer's "
        "output in one forward pass."
    )
    reference = pixel_run(pixel_config, seed, draw)
    prior = vae_prior(autoencoder, seed, draw, ldm.autoencoder_fingerprint(autoencoder))
    extra = {f"pixel-space DDPM (T = {T})": reference} if reference is not None else {}
    extra["VAE alone: decoder(z), z ~ N(0, I)"] = prior
    runs = {name: frames_ui.sampler_run(NAME, trainer, name, ddim_steps, seed, draw) for name in dd.SAMPLERS}
    frames_ui.quality_table(
        {f"latent {name}": run for name, run in runs.items()}, frames_ui.noise_quality(seed, draw), extra
    )
    if reference is None:
        st.caption("No trained pixel model for these settings is shipped: train one on **Diffusion on digits**.")
    ui.figure(
        frames_ui.cached_figure(
            NAME,
            ("samples", *frames_ui.weights_key(trainer), ddim_steps, seed, draw, count),
            lambda: viz.samples_figure(
                {
                    **{f"latent {name}: {run.network_calls} steps": run.samples[:count] for name, run in runs.items()},
                    "VAE alone: decoder(z), z ~ N(0, I)": prior.samples[:count],
                },
                height=320,
            ),
        )
    )

ui.formula(
    r"\theta \leftarrow \theta - \eta\,\nabla_\theta\,\tfrac{1}{d}\big\|\epsilon - \epsilon_\theta\big("
    r"\sqrt{\bar\alpha_t}\,z_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big)\big\|^2,\qquad "
    r"z_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(z_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\epsilon_\theta(z_t, t)\Big)"
    r" + \sigma_t w",
    caption=f"The pixel page's DDPM with z in place of x: training and one sampling step, on d = {latent_dim} "
    "coordinates",
)
ui.erratum(
    "(12 a) x_t = √α_t x₀ + √(1 − α_t) ε in training, and (1 − α_t)/√(1 − α_t) in the sampling step.",
    "as on the diffusion pages, both need the **cumulative** ᾱ_t = Π_{s≤t} α_s: z_t = √ᾱ_t z₀ + √(1 − ᾱ_t) ε and "
    "the factor β_t/√(1 − ᾱ_t); and the gradient step is on **θ**, not on ε. The latent model runs the very same "
    "code as the pixel model, so the corrections carry over unchanged.",
)
ui.what_to_notice(
    "- The table: a latent step costs a fraction of a pixel step — fewer coordinates in and out, and a narrower "
    "network suffices for them. The decoder runs once per sample at the end (the frames decode every step only "
    "to be seen).\n"
    "- Quality: with d = 4 the latent samples are read as digits about as often as the pixel model's, and more "
    "often than the VAE's own samples decoder(z), z ~ N(0, I): diffusion fits where the codes really lie, the "
    "prior N(0, I) only roughly.\n"
    "- Try d = 2: the decoder itself is then the limit — its digits are blurrier and it never draws a 5, however "
    'good the diffusion. The sheet\'s "maintains the generative performance" holds only for a good autoencoder.\n'
    "- In the frames, even z_T decodes to a digit-like blur: the decoder can only draw what it learned, so "
    "latent samples never show pixel noise — unlike the pixel page's x_t."
)
ui.end()
