"""Diffusion on digits (sheet 12): a DDPM over the 64 pixels of the 8×8 digits, trained live; its denoising frames
(x_t beside the predicted x̂₀ at every step), and DDPM vs DDIM from the same x_T with a classifier's verdict."""

import numpy as np
import streamlit as st

from core.datasets import digits
from core.generative import diffusion as diff
from core.generative import digit_diffusion as dd
from ui import contract as ui
from ui import digit_frames as frames_ui
from ui.training import Run, TrainingSession
from viz.generative import digit_diffusion as viz

NAME = "ddpm_digits"
# Gradient steps between two redraws of the loss curve at most (each round is sized to ~0.35 s).
CHUNK = 500
T_CHOICES = (50, 100, 200, 400)
COUNTS = (16, 25, 36, 49, 64)
FORWARD_DIGITS = 10  # the first ten digits of the data set are 0, 1, …, 9


def next_draw() -> None:
    st.session_state["draw"] = int(st.session_state.get("draw", 0)) + 1


@st.cache_data(max_entries=32)
def forward_digits(schedule: str, T: int, t: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ten digits x_0 and x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (diffusion.q_sample), ε from the seed."""
    images = digits()[0][:FORWARD_DIGITS]
    x0 = dd.to_model_space(images)
    eps = np.random.default_rng(dd.draw_stream(seed, 0)).standard_normal(x0.shape)
    return images, dd.to_images(diff.q_sample(x0, t, diff.make_schedule(schedule, T), eps))


ui.begin(
    __file__,
    intro="The diffusion page's DDPM on images: every 8×8 digit is a point with 64 coordinates, noised step by step "
    "to N(0, I); a small network ε_θ(x_t, t) learns to predict the noise, and the sampler runs the process "
    "backwards. Left: what the sampler holds at step t; right: the clean digit x̂₀ it currently predicts.",
)
st.sidebar.markdown("**Training ε_θ**")
schedule_kind = ui.select(
    "β schedule",
    "sched",
    diff.SCHEDULES,
    "linear",
    help="linear: β_t from 10⁻⁴ to 0.02 (scaled by 1000/T); cosine: ᾱ_t = cos²(π/2·(t/T + s)/(1 + s)) / f(0).",
)
T = int(ui.select("Diffusion steps T", "T", T_CHOICES, 100, help="DDPM samples with all T steps."))
hidden = int(ui.select("Hidden width", "hidden", (48, 96, 192), 96, help="Two hidden layers of this width."))
learning_rate = float(ui.select("Adam learning rate", "lr", (5e-4, 1e-3, 2e-3, 5e-3), 2e-3))
steps = int(ui.slider("Training steps", "steps", 500, 20_000, 8000, 500, help="Gradient steps on θ (batch 128)."))
seed = ui.seed()
st.sidebar.markdown("**Sampling**")
count = int(ui.select("Digits per frame", "count", COUNTS, 25))
if st.session_state.get("ddim", 0) > T:
    st.session_state["ddim"] = T
ddim_steps = int(
    ui.slider("DDIM steps S", "ddim", 1, T, min(20, T), 1, help="Jumps along an evenly spaced sub-sequence of 0..T.")
)
frames_shown = int(
    ui.slider("Frames to play", "frames", 11, 101, 51, 10, help="Evenly spaced steps in the animation and the GIF.")
)
draw_row = st.sidebar.columns([1, 1], vertical_alignment="bottom")
draw_row[0].button(
    "New noise",
    key="ddpm_digits_new_noise",
    icon=":material/casino:",
    on_click=next_draw,
    width="stretch",
    help="Draws a new x_T ~ N(0, I) (the next draw number).",
)
draw = int(ui.number("Draw #", "draw", 0, 1_000_000, 0, 1, container=draw_row[1]))

config = dd.DDPMConfig(schedule_kind, T, hidden, learning_rate=learning_rate, steps=steps, seed=seed)
session = TrainingSession(
    NAME,
    [
        Run(
            "ε_θ",
            key=config,
            factory=lambda: dd.PixelDiffusionTrainer(config),
            pretrained=lambda: dd.load_shipped(config),
            ship=dd.save_shipped,
        )
    ],
    chunk=CHUNK,
    unit="gradient steps",
)
session.controls()
trainer = session.trainers()["ε_θ"]
training = session.running and not session.all_finished()
ready = trainer is not None and trainer.steps > 0 and trainer.diverged_reason is None and not training

# ------------------------------------------------------------------------------------------------ frames
st.subheader("Denoising frames: x_t and the predicted x̂₀")
controls = st.columns([3, 1], vertical_alignment="bottom")
with controls[0]:
    t = frames_ui.timestep_scrubber(T)
sampler = ui.select("Frames of", "sampler", dd.SAMPLERS, "DDPM", container=controls[1], horizontal_radio=True)
if training:
    st.caption("Training: the frames appear when it finishes, or at the current ε_θ on **Pause**.")
elif not ready:
    if trainer is not None and trainer.diverged_reason is not None:
        st.caption("No frames from a diverged ε_θ: its loss curve below ends at the last finite step.")
    else:
        st.caption(
            f"Press **Train** to fit ε_θ for these settings ({steps:,} steps, about a second per thousand). Until "
            "then, the forward process on real digits at the scrubbed t:"
        )
    clean, noised = ui.attempt(forward_digits, schedule_kind, T, t, seed)
    ui.figure(viz.samples_figure({"x₀ (data)": clean, f"x_t ~ q(x_t | x₀), t = {t}": noised}, columns=5, height=300))
else:
    if not trainer.finished:
        ui.caution(f"Training was stopped after {trainer.steps:,} of {steps:,} steps: these frames come from that ε_θ.")
    frame_set = frames_ui.frame_set(NAME, trainer, sampler, count, ddim_steps, seed, draw)
    label = f"DDPM, T = {T} steps" if sampler == "DDPM" else f"DDIM, S = {ddim_steps} steps"
    ui.figure(frames_ui.frames_figure(frame_set, t, frames_shown, label))
    frames_ui.downloads(frame_set, frames_shown, "ddpm-digits")

numbers = dd.frame_numbers(ui.attempt(diff.make_schedule, schedule_kind, T), max(t, 1))
ui.formula(
    rf"\hat x_0 = \frac{{x_t - \sqrt{{1-\bar\alpha_t}}\,\epsilon_\theta(x_t, t)}}{{\sqrt{{\bar\alpha_t}}}}:\quad "
    rf"t = {max(t, 1)}:\ \bar\alpha_t = {numbers['alpha_bar']:.4f},\ \sqrt{{\bar\alpha_t}} = {numbers['signal']:.4f},"
    rf"\ \sqrt{{1-\bar\alpha_t}} = {numbers['noise']:.4f}",
    caption="The right-hand panel: q(x_t | x₀) solved for x₀ with the predicted noise (at the scrubbed t; t = 0 "
    "shows t = 1)",
)
ui.formula(
    rf"x_{{t-1}} = \frac{{1}}{{\sqrt{{\alpha_t}}}}\Big(x_t - \frac{{\beta_t}}{{\sqrt{{1-\bar\alpha_t}}}}"
    rf"\,\epsilon_\theta(x_t, t)\Big) + \sigma_t z:\quad \frac{{1}}{{\sqrt{{\alpha_t}}}} = "
    rf"{numbers['inv_sqrt_alpha']:.4f},\ \frac{{\beta_t}}{{\sqrt{{1-\bar\alpha_t}}}} = {numbers['eps_coefficient']:.4f}",
    caption="One DDPM step (σ_t² = β_t, z ~ N(0, I), z = 0 at t = 1) with the numbers at the scrubbed t",
)

# ------------------------------------------------------------------------------------------------ DDPM vs DDIM
st.subheader("DDPM vs DDIM from the same x_T")
if not ready:
    st.caption("The comparison appears with the frames.")
else:
    runs = {name: frames_ui.sampler_run(NAME, trainer, name, ddim_steps, seed, draw) for name in dd.SAMPLERS}
    noise = frames_ui.noise_quality(seed, draw)
    shown_key = (*frames_ui.weights_key(trainer), ddim_steps, seed, draw, count)
    ui.figure(
        frames_ui.cached_figure(
            NAME,
            ("samples", *shown_key),
            lambda: viz.samples_figure(
                {f"{name}: {run.network_calls} steps": run.samples[:count] for name, run in runs.items()}
            ),
        )
    )
    frames_ui.quality_table(runs, noise)
    ui.figure(
        frames_ui.cached_figure(
            NAME,
            ("histogram", *shown_key),
            lambda: viz.class_histogram({**{name: run.quality for name, run in runs.items()}, "noise x_T": noise}),
        )
    )
    st.caption(
        f"The first {count} of {dd.QUALITY_SAMPLES} samples from one x_T (DDIM's are the frames' last DDIM frame). "
        f"The classifier: multinomial logistic regression on the 1,797 digits (it gives its class p ≥ "
        f"{dd.CONFIDENT:g} for 77 % of them). Wall time: this run on one core; it varies from run to run."
    )
ui.formula(
    r"\hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\epsilon_\theta(x_t,t)}{\sqrt{\bar\alpha_t}},\qquad "
    r"x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\epsilon_\theta(x_t,t),\quad "
    rf"t \to t' \text{{ in {ddim_steps} jumps}}",
    caption="DDIM (η = 0): no fresh noise, so the same x_T always gives the same digits",
)

# ------------------------------------------------------------------------------------------------ training
st.subheader("Training")


def draw_loss(trainers: dict[str, dd.PixelDiffusionTrainer | None]) -> None:
    current = trainers["ε_θ"]
    if current is not None and current.steps > 0:
        ui.figure(
            frames_ui.cached_figure(
                NAME, ("loss", *frames_ui.weights_key(current)), lambda: viz.loss_figure(current.losses)
            )
        )
    session.divergence_notices()  # with the curve it concerns, redrawn by every chunk


session.live(draw_loss)
ui.formula(
    r"\theta \leftarrow \theta - \eta\,\nabla_\theta\,\tfrac{1}{64}\big\|\epsilon - \epsilon_\theta\big("
    r"\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big)\big\|^2,\quad t \sim \mathcal U\{1,\dots,"
    rf"{T}\}},\ \epsilon \sim \mathcal N(0, I_{{64}}),\ x_0 = 2p - 1",
    caption="Training (Adam in place of the plain gradient step; the frames use a moving average of θ)",
)
ui.formula(
    r"\epsilon_\theta(x_t, t) = \frac{\sqrt{1-\bar\alpha_t}\,(x_t - \sqrt{\bar\alpha_t}\,m)}{v_t}"
    r" + \sqrt{\frac{\bar\alpha_t s^2}{v_t}}\,F_\theta\Big(\frac{x_t - \sqrt{\bar\alpha_t}\,m}{\sqrt{v_t}},\,t\Big),"
    r"\qquad v_t = \bar\alpha_t s^2 + 1 - \bar\alpha_t",
    caption="How ε_θ is built, per pixel: the noise a Gaussian with the digits' mean m and variance s² would imply "
    "(exact on the always-blank corners, s = 0), plus a small MLP F_θ's correction. A plain MLP on x_t cannot reach "
    "the gain 1/√(1 − ᾱ_t) ≈ 32 that ε needs near t = 1, and its digits keep the last steps' noise as speckle.",
)

# ------------------------------------------------------------------------------------------------ errata
wrong_mean, wrong_std = diff.sheet_training_scales(diff.make_schedule(schedule_kind, T), max(t, 1))
ui.erratum(
    "(12 a, training) that the network sees √α_t x₀ + √(1 − α_t) ε.",
    "it is the **cumulative product** ᾱ_t = Π_{s≤t} α_s: x_t = **√ᾱ_t x₀ + √(1 − ᾱ_t) ε**. At t = "
    f"{max(t, 1)}: the sheet's √α_t = {wrong_mean:.4f}, √(1 − α_t) = {wrong_std:.4f} (one step's noise), the true "
    f"√ᾱ_t = {numbers['signal']:.4f}, √(1 − ᾱ_t) = {numbers['noise']:.4f}. Scrub to t = {T}: the sheet's digit "
    "would still be almost clean.",
)
ui.erratum(
    "(12 a, sampling) x_{t−1} = (1/√α_t)(x_t − ((1 − α_t)/√(1 − α_t)) ε_θ(x_t, t)) + σ_t z.",
    "the denominator has the **cumulative** ᾱ_t: the factor is **β_t/√(1 − ᾱ_t)**. At t = "
    f"{numbers['step_t']}: the sheet's √β_t = {numbers['sheet_eps_coefficient']:.4f}, the correct "
    f"{numbers['eps_coefficient']:.4f} (they agree only at t = 1).",
)
ui.erratum(
    "(12 a, training) a gradient step ∇_ε ‖ε − ε_θ(…)‖² with respect to ε.",
    "ε is a sampled noise, not a parameter: the step is on the **network's parameters θ**, "
    "θ ← θ − η ∇_θ ‖ε − ε_θ(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t)‖².",
)
ui.what_to_notice(
    "- Press ▶ play: the left panel starts as pure noise and the digits appear only in the last third of the "
    "steps, but the right panel (x̂₀) shows a blurred average digit from the first step on and settles which digit "
    "each one will be long before x_t looks like anything.\n"
    "- DDPM adds fresh noise σ_t z at every step, DDIM none: from the same x_T, DDIM with a fifth of the network "
    "calls draws digits the classifier reads as often or more often (no last-step noise is left on them); at "
    "S = 1–3 they blur into averages.\n"
    "- **New noise** draws another x_T: DDIM's digits change with it only, DDPM's also with its per-step noise.\n"
    "- Before training, scrub t on real digits: by t ≈ T/2 a digit is already hard to name; the loss curve never "
    "reaches 0, because at large t the best ε_θ can only guess which digit the noise came from."
)
ui.end()
