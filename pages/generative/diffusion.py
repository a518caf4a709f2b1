"""Diffusion: the forward noising process, an ε-prediction network trained on a 2-D toy distribution, and DDPM vs
DDIM sampling from the same x_T (sheet 12, with its errata)."""

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.generative import diffusion as diff
from ui import contract as ui
from ui import shared_memo
from ui.shared_memo import weights_digest
from ui.training import Run, TrainingSession
from viz.generative import diffusion as viz

# Sampler results remembered by the process, for every session (the least recently used dropped first).
MAX_SAMPLE_SETS = 16
# Gradient steps between two redraws of the loss curve (a Pause takes effect within one chunk).
CHUNK = 100


@st.cache_data(max_entries=64)
def forward(data: str, n: int, schedule: str, T: int, seed: int) -> diff.ForwardReport:
    return diff.forward_report(data, n, schedule, T, seed)


@dataclass(frozen=True)
class Sampled:
    """One sampler run (DDPM and DDIM from the same x_T): its figures' JSON and its distances to the data, built
    together once and shared by every session whose ε_θ has the same weights (ui.shared_memo): a new visitor's
    page on the shipped model, or a rerun that changes none of the sampler's settings, only shows them."""

    samples: dict
    trajectories: dict
    denoising: dict
    distances: tuple[float, float, float]
    """Mean distance to the nearest data point of x_T, DDPM's samples and DDIM's samples."""


def samples(
    trainer: diff.DiffusionTrainer, data: np.ndarray, count: int, ddim_steps: int, sigma: str, seed: int
) -> Sampled:
    """The trainer's DDPM and DDIM samples with their figures, for its current weights."""
    weights = weights_digest(trainer.model)
    key = (trainer.config, weights, hashlib.blake2b(data.tobytes()).hexdigest(), count, ddim_steps, sigma, seed)

    def make() -> Sampled:
        ddpm, ddim = trainer.sample(count, ddim_steps, sigma, seed)
        return Sampled(
            viz.samples_figure(data, ddpm, ddim, as_json=True),
            viz.trajectories_figure(data, ddpm, ddim, as_json=True),
            viz.denoising_animation_json(data, ddpm, ddim),
            tuple(diff.nearest_distance(points, data) for points in (ddpm.points[0], ddpm.samples, ddim.samples)),
        )

    # A Pause starts this run while the old one may still finish its chunk (Streamlit's fast reruns): samples of
    # weights that moved meanwhile are shown once but not remembered under the weights read before.
    return shared_memo.named("diffusion_samples", MAX_SAMPLE_SETS).get(
        key, make, still_valid=lambda: weights_digest(trainer.model) == weights
    )


# Figures that depend only on the controls, cached on them (plotly JSON dicts, see ui.figure): scrubbing t
# rebuilds the two forward figures only.
@st.cache_data(max_entries=64, show_spinner=False)
def forward_figure(data: str, n: int, schedule: str, T: int, seed: int, t: int) -> dict:
    return viz.forward_cloud(forward(data, n, schedule, T, seed), t, as_json=True)


@st.cache_data(max_entries=64, show_spinner=False)
def schedule_figure(data: str, n: int, schedule: str, T: int, seed: int, t: int) -> dict:
    return viz.schedule_curves(forward(data, n, schedule, T, seed).schedule, t).to_plotly_json()


@st.cache_data(max_entries=16, show_spinner=False)
def empty_figure(data: str, n: int, schedule: str, T: int, seed: int) -> dict:
    return viz.reverse_empty(forward(data, n, schedule, T, seed).data).to_plotly_json()


LOSS_FIGURE = "_diffusion_loss_figure"


def loss_figure(trainer: diff.DiffusionTrainer) -> dict:
    """The loss curve's JSON, rebuilt only when the trainer has moved (this session's last one is kept)."""
    key = (trainer.config, trainer.steps, len(trainer.losses))
    kept = st.session_state.get(LOSS_FIGURE)
    if kept is None or kept[0] != key:
        kept = (key, viz.loss_figure(trainer.losses).to_plotly_json())
        st.session_state[LOSS_FIGURE] = kept
    return kept[1]


def _shift(delta: int, T: int) -> None:
    st.session_state["t"] = min(max(int(st.session_state.get("t", T // 2)) + delta, 0), T)


ui.begin(
    __file__,
    intro="Destroy a 2-D data set with Gaussian noise step by step (the **forward process**), then train a small "
    "network ε_θ(x_t, t) to predict that noise and run the process backwards (the **reverse process**) — with DDPM's "
    "T stochastic steps and with DDIM's few deterministic ones, from the same starting noise x_T.",
)
data_name = ui.select("Data q(x₀)", "data", diff.DATASETS, "two moons")
n = ui.slider("Points", "n", 200, 2000, 500, 100, help="Training points drawn from q(x₀) (and shown in every plot).")
schedule_kind = ui.select(
    "β schedule",
    "sched",
    diff.SCHEDULES,
    "linear",
    help="linear: β_t from 10⁻⁴ to 0.02 (scaled by 1000/T); cosine: ᾱ_t = cos²(π/2·(t/T + s)/(1 + s)) / f(0).",
)
T = int(ui.slider("Diffusion steps T", "T", 20, 200, 100, 10))
seed = ui.seed()
report = ui.attempt(forward, data_name, n, schedule_kind, T, seed)
schedule = report.schedule

# ------------------------------------------------------------------------------------------------ forward
st.subheader("Forward process q(x_t | x₀)")
if st.session_state.get("t", 0) > T:
    st.session_state["t"] = T  # the scrubber cannot point past the last step
back, slider_column, ahead = st.columns([1, 10, 1], vertical_alignment="bottom")
back.button(
    ":material/chevron_left:",
    key="t_back",
    on_click=_shift,
    args=(-1, T),
    help="One step back (t − 1).",
    width="stretch",
)
ahead.button(
    ":material/chevron_right:",
    key="t_ahead",
    on_click=_shift,
    args=(1, T),
    help="One step forward (t + 1).",
    width="stretch",
)
t = int(
    ui.slider("Timestep t", "t", 0, T, T // 2, 1, container=slider_column, help="Scrub through the noising process.")
)
beta_t, alpha_t, alpha_bar_t = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
mean_scale, variance = diff.q_moments(schedule, t)

left, right = st.columns([3, 2])
with left:
    ui.figure(forward_figure(data_name, n, schedule_kind, T, seed, t))
with right:
    st.metric("β_t", f"{beta_t:.4f}")
    st.metric("α_t = 1 − β_t", f"{alpha_t:.4f}")
    st.metric("ᾱ_t = Π α_s", f"{alpha_bar_t:.4f}")
    st.metric("SNR ᾱ_t / (1 − ᾱ_t)", "∞" if t == 0 else f"{schedule.snr[t]:.3g}")
ui.figure(schedule_figure(data_name, n, schedule_kind, T, seed, t))
ui.formula(
    rf"q(x_{{{t}}} \mid x_0) = \mathcal N\big(\sqrt{{\bar\alpha_{{{t}}}}}\,x_0,\ (1-\bar\alpha_{{{t}}})I\big)"
    rf" = \mathcal N\big({mean_scale:.4f}\,x_0,\ {variance:.4f}\,I\big),\qquad "
    rf"\bar\alpha_{{{t}}} = \prod_{{s=1}}^{{{t}}}(1-\beta_s) = {alpha_bar_t:.4f}",
    caption=f"The forward process in one jump, at the scrubbed t = {t}",
)

# ------------------------------------------------------------------------------------------------ reverse
st.subheader("Reverse process: train ε_θ, then sample")
st.sidebar.markdown("**Training ε_θ**")
hidden = int(ui.select("Hidden width", "hidden", [64, 128, 256], 128, help="Three hidden layers of this width."))
learning_rate = float(ui.select("Adam learning rate", "lr", [5e-4, 1e-3, 2e-3, 5e-3], 2e-3))
steps = int(ui.slider("Training steps", "steps", 200, 6000, 3000, 100, help="Gradient steps on θ (batch 256)."))
st.sidebar.markdown("**Sampling**")
if st.session_state.get("ddim", 0) > T:
    st.session_state["ddim"] = T
ddim_steps = int(
    ui.slider("DDIM steps", "ddim", 1, T, min(20, T), 1, help="Jumps along an evenly spaced sub-sequence of 0..T.")
)
sigma = ui.select(
    "DDPM σ_t²",
    "sigma",
    diff.SIGMAS,
    "β_t",
    help="β_t (the sheet's Algorithm) or the posterior variance β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t.",
)
count = int(ui.slider("Samples", "count", 100, 1000, 500, 100))
config = diff.TrainConfig(data_name, n, schedule_kind, T, hidden, learning_rate, steps, seed=seed)

session = TrainingSession(
    "diffusion",
    [
        Run(
            "ε_θ",
            key=config,
            factory=lambda: diff.DiffusionTrainer(config),
            pretrained=lambda: diff.load_shipped(config),
            ship=diff.save_shipped,
        )
    ],
    chunk=CHUNK,
    unit="gradient steps",
)
session.controls()


def draw_loss(trainers: dict[str, diff.DiffusionTrainer | None]) -> None:
    trainer = trainers["ε_θ"]
    if trainer is not None and trainer.steps > 0:
        ui.figure(loss_figure(trainer))
    session.divergence_notices()  # with the curve it concerns, redrawn by every chunk


# The sampler figures are drawn once training stops (the live part redraws only the loss): sampling while
# training would slow every chunk and show a model that is already out of date.
trainer = session.trainers()["ε_θ"]
if session.running and not session.all_finished():
    st.caption("Training: the samples appear when it finishes, or at the current ε_θ on **Pause**.")
elif trainer is None or trainer.steps == 0:
    st.caption(
        f"Press **Train** to fit ε_θ for these settings ({steps} steps, a few seconds per thousand). "
        "Sampling and plot controls never retrain; a model is kept per setting for this session."
    )
    ui.figure(empty_figure(data_name, n, schedule_kind, T, seed))
elif trainer.diverged_reason is None:
    if not trainer.finished:
        ui.caution(f"Training was stopped after {trainer.steps} of {steps} steps: these samples come from that ε_θ.")
    sampled = ui.attempt(samples, trainer, report.data, count, ddim_steps, sigma, seed)
    ui.figure(sampled.samples)
    distances = sampled.distances
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Loss (mean of last 100)", f"{trainer.recent_loss(100):.3f}")
    c2.metric("x_T: mean dist. to data", f"{distances[0]:.3f}")
    c3.metric("DDPM: mean dist. to data", f"{distances[1]:.3f}")
    c4.metric("DDIM: mean dist. to data", f"{distances[2]:.3f}")
    ui.figure(sampled.trajectories)
    ui.figure(sampled.denoising)
    st.caption(
        f"**▶ play** runs the reverse process in your browser, t = {T} → 0: the same x_T becomes noise-free samples. "
        f"DDPM moves a little at every one of its {T} steps and keeps jittering from its fresh noise σ_t z; DDIM "
        f"stands still between its {ddim_steps} jumps and lands on a similar cloud."
    )
else:
    st.caption("No samples from a diverged ε_θ: its loss curve below ends at the last finite step.")
session.live(draw_loss)

ui.formula(
    r"\theta \leftarrow \theta - \eta\,\nabla_\theta\,\big\|\epsilon - \epsilon_\theta\big(\sqrt{\bar\alpha_t}\,x_0"
    r" + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big)\big\|^2,\quad t \sim \mathcal U\{1,\dots,"
    rf"{T}\}},\ \epsilon \sim \mathcal N(0, I)",
    caption="Training (Adam in place of the plain gradient step)",
)
step = diff.step_coefficients(schedule, t)  # the sampler's coefficients need t ≥ 1: t = 0 shows t = 1
ts, coefficient = step.t, step.eps_coefficient
ui.formula(
    rf"x_{{t-1}} = \frac{{1}}{{\sqrt{{\alpha_t}}}}\Big(x_t - \frac{{\beta_t}}{{\sqrt{{1-\bar\alpha_t}}}}"
    rf"\,\epsilon_\theta(x_t, t)\Big) + \sigma_t z:\quad t = {ts}:\ "
    rf"\frac{{1}}{{\sqrt{{\alpha_{{{ts}}}}}}} = {step.inv_sqrt_alpha:.4f},\ "
    rf"\frac{{\beta_{{{ts}}}}}{{\sqrt{{1-\bar\alpha_{{{ts}}}}}}} = {coefficient:.4f}",
    caption="DDPM sampling step with the numbers at the scrubbed t (z = 0 at the last step t = 1)",
)
ui.formula(
    r"\hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\epsilon_\theta(x_t,t)}{\sqrt{\bar\alpha_t}},\qquad "
    r"x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\epsilon_\theta(x_t,t),\quad "
    rf"t \to t' \text{{ in {ddim_steps} jumps}}",
    caption="DDIM (η = 0): predict x₀, then re-noise it deterministically to the next, possibly much smaller, t′",
)

# ------------------------------------------------------------------------------------------------ errata
wrong_mean, wrong_std = diff.sheet_training_scales(schedule, t)
ui.erratum(
    "(12 a, training) that the network sees √α_t x₀ + √(1 − α_t) ε.",
    "it is the **cumulative product** ᾱ_t = Π_{s≤t} α_s: x_t = **√ᾱ_t x₀ + √(1 − ᾱ_t) ε**, the one-jump form of "
    f"q(x_t | x₀). At the scrubbed t = {t}: √α_t = {wrong_mean:.4f} and √(1 − α_t) = {wrong_std:.4f} (only one "
    f"step's worth of noise), but the true x_t has √ᾱ_t = {mean_scale:.4f} and √(1 − ᾱ_t) = "
    f"{schedule.noise_scale[t]:.4f}.",
)
ui.erratum(
    "(12 a, sampling) x_{t−1} = (1/√α_t)(x_t − ((1 − α_t)/√(1 − α_t)) ε_θ(x_t, t)) + σ_t z.",
    "the denominator has the **cumulative** ᾱ_t: the coefficient is **β_t/√(1 − ᾱ_t) = (1 − α_t)/√(1 − ᾱ_t)**. "
    f"At t = {ts}: the sheet's (1 − α_t)/√(1 − α_t) = √β_t = {step.sheet_eps_coefficient:.4f}, the correct "
    f"β_t/√(1 − ᾱ_t) = {coefficient:.4f}. (Only at t = 1, where ᾱ₁ = α₁, do they agree.)",
)
ui.erratum(
    "(12 a, training) a gradient descent step ∇_ε ‖ε − ε_θ(…)‖² with respect to ε.",
    "ε is a sampled noise, not a parameter: the step is on the **network's parameters θ**, "
    "θ ← θ − η ∇_θ ‖ε − ε_θ(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t)‖² (Ho et al. 2020, Algorithm 1).",
)
ui.what_to_notice(
    "- Scrub t: the cloud shrinks by √ᾱ_t and blurs by √(1 − ᾱ_t) until it is indistinguishable from N(0, I) "
    "(the dotted circles); with the cosine schedule the structure survives longer at small t and ᾱ_t falls "
    "more evenly (compare the SNR curves).\n"
    "- Train, then compare: DDPM uses all T stochastic steps, DDIM reaches a similar cloud in far fewer "
    "deterministic jumps — lower the DDIM steps to 1–3 and watch the samples blur towards the data's mean.\n"
    "- DDIM trajectories are smooth curves (η = 0: x_T fixes x₀); DDPM trajectories jitter from the fresh noise "
    "σ_t z at every step, and change with the seed even for the same x_T.\n"
    "- The loss never goes to 0: at large t, x_t is almost pure ε and easy to read off, but at small t the noise "
    "is tiny next to the spread of the data and which x₀ it came from is uncertain — the best ε_θ is the "
    "conditional mean E[ε | x_t], not the exact ε."
)
ui.end()
