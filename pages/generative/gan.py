"""GAN lab: a generator and a discriminator play on 2-D data, step by step or live (sheet 11 b–c, tied to 2.4's JS)."""

import numpy as np
import streamlit as st

from core.errors import InputError
from core.generative import gan, toy2d
from ui import contract as ui
from ui.training import Run, TrainingSession
from viz.generative import gan as viz

RUN = "GAN"
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1, 1.0)
# speed → (at most this many rounds per frame, seconds between frames, training seconds per frame at most)
SPEEDS = {"slow motion": (1, 0.5, 0.35), "normal": (50, 0.2, 0.35), "fast": (1000, 0.1, 1.5)}
FIELD_RESOLUTION = 60
ARROWS = 40
CSV_KEY = "gan_csv"
CSV_ERROR = "_gan_csv_error"
POINTS_KEY = "pts"
FIELD_KEY = "gan_field"


@st.cache_data(max_entries=32, show_spinner=False)
def user_points(text: str) -> np.ndarray:
    return toy2d.user_points(text)


def load_csv() -> None:
    """file_uploader callback: an uploaded CSV replaces the point list, or leaves a message beside the uploader."""
    upload = st.session_state.get(CSV_KEY)
    st.session_state.pop(CSV_ERROR, None)
    if upload is None:
        return
    try:
        points = toy2d.parse_csv(upload.getvalue())
    except InputError as error:
        st.session_state[CSV_ERROR] = f"{upload.name}: {error} Your current points are kept."
        return
    st.session_state[POINTS_KEY] = toy2d.format_points(points)
    if session is not None:
        session.pause()


def add_clicked_point() -> None:
    """on_select callback: append the clicked position to the URL-bound point list, then rerun the whole page."""
    event = st.session_state.get(FIELD_KEY)
    points = (event or {}).get("selection", {}).get("points", [])
    if not points:
        return
    x, y = points[0]["x"], points[0]["y"]
    lines = st.session_state.get(POINTS_KEY, "").rstrip("\n")
    st.session_state[POINTS_KEY] = (lines + "\n" if lines else "") + f"{x:.2f}, {y:.2f}"
    # new data is a new GAN from its initial weights: it waits for Play, so more points can be added first
    if session is not None:
        session.pause()
    st.rerun()


ui.begin(
    __file__,
    intro="The background is the discriminator D(x); arrows show where the generator g(z) pushes its points.",
)

# ------------------------------------------------------------------------------------------------ controls
st.sidebar.markdown("**Data p_data**")
data_name = ui.select("Distribution", "data", toy2d.DISTRIBUTIONS, toy2d.RING)
user = data_name == toy2d.USER
points = None
stale = False
if user:
    points_text = ui.text_area(
        "Your points: x, y per line",
        POINTS_KEY,
        "",
        height=110,
        help=f"Click on the chart to add a point, type lines 'x, y' (coordinates in [−{toy2d.DOMAIN:g}, "
        f"{toy2d.DOMAIN:g}]), or upload a CSV below. At least {toy2d.MIN_USER_POINTS} points.",
    )
    points, stale = ui.attempt_or_last("gan-points", user_points, points_text, container=st.sidebar)
    st.sidebar.file_uploader(
        "Upload a CSV of x,y rows (replaces the list)", type=["csv", "txt"], key=CSV_KEY, on_change=load_csv
    )
    if st.session_state.get(CSV_ERROR):
        with st.sidebar:
            ui.problem(st.session_state[CSV_ERROR])
    n_points = gan.GANConfig.points
else:
    n_points = ui.slider("Training points", "n", 200, 5000, 2000, 100, help="Points drawn from p_data to train on.")

st.sidebar.markdown("**Players**")
z_dim = ui.slider("Noise dimension of z", "z", 1, 8, 2, help="z ~ N(0, I) in this many dimensions.")
g_width = ui.select("Generator width", "gw", (16, 32, 64, 128), 64, help="Units per hidden layer of g.")
g_depth = ui.slider("Generator hidden layers", "gd", 1, 4, 2)
d_width = ui.select("Discriminator width", "dw", (16, 32, 64, 128), 64, help="Units per hidden layer of D.")
d_depth = ui.slider("Discriminator hidden layers", "dd", 1, 4, 2)

st.sidebar.markdown("**Training**")
loss = ui.select(
    "Generator loss",
    "loss",
    gan.LOSSES,
    gan.NON_SATURATING,
    help="non-saturating: −log D(g(z)); saturating (the minimax game): log(1 − D(g(z))).",
)
k = ui.slider("D-steps per G-step k", "k", 1, 10, 1)
g_lr = ui.select("Generator learning rate η_G", "glr", LEARNING_RATES, 1e-3, format_func=lambda v: f"{v:g}")
d_lr = ui.select("Discriminator learning rate η_D", "dlr", LEARNING_RATES, 1e-3, format_func=lambda v: f"{v:g}")
batch = ui.select("Batch size m", "batch", (32, 64, 128, 256), 128)
steps = ui.slider("Generator steps", "steps", 500, 10000, 2000, 500, help="The training budget of Play.")
speed = ui.select(
    "Play speed",
    "speed",
    tuple(SPEEDS),
    "normal",
    help="slow motion: one round (k D-steps, one G-step) per frame, twice a second; normal: up to 50 rounds "
    "per frame; fast: up to 1.5 s of training between frames.",
)
seed = ui.seed()

config = gan.GANConfig(
    data=data_name,
    points=n_points,
    z_dim=z_dim,
    g_width=g_width,
    g_depth=g_depth,
    d_width=d_width,
    d_depth=d_depth,
    g_lr=g_lr,
    d_lr=d_lr,
    d_steps=k,
    loss=loss,
    batch=batch,
    steps=steps,
    seed=seed,
)
ui.attempt(gan.check_config, config)
ring = data_name == toy2d.RING

if user and points is None:
    # nothing valid drawn yet: an empty canvas to click on (the message beside the point list says what is missing)
    st.caption("Click on the chart to add points (at least five), or type or upload them in the sidebar.")
    ui.figure(
        viz.game_figure(None, None, np.zeros((0, 2)), None, clickable=True, title="Your data: click to add points"),
        key=FIELD_KEY,
        on_select=add_clicked_point,
        selection_mode="points",
    )
    session = None
else:
    if stale:
        ui.showing_last_valid("points", "point list (sidebar)")
    run_key = (config, toy2d.format_points(points)) if user else config
    rounds, frame_seconds, chunk_seconds = SPEEDS[speed]
    session = TrainingSession(
        "gan",
        [
            Run(
                RUN,
                key=run_key,
                factory=lambda: gan.GANTrainer(config, points),
                pretrained=None if user else (lambda: gan.load_shipped(config)),
                ship=None if user else gan.save_shipped,
            )
        ],
        chunk=rounds,
        unit="generator steps",
        frame_seconds=frame_seconds,
        chunk_seconds=chunk_seconds,
        train_label="Play",
        continue_label="Play",
        build_untrained=True,
    )
    session.controls(show_step=False)
    trainer: gan.GANTrainer = session.trainers()[RUN]
    moves = st.columns(4)
    stopped = trainer.diverged_reason is not None
    for column, (label, icon, move, text) in zip(
        moves,
        (
            ("Step D", ":material/shield:", gan.GANTrainer.step_discriminator, "One discriminator update (g fixed)."),
            ("Step G", ":material/brush:", gan.GANTrainer.step_generator, "One generator update (D fixed)."),
            ("Step both", ":material/skip_next:", gan.GANTrainer.step_both, f"{k} D-step(s), then one G-step."),
            (
                "Fit D",
                ":material/fit_screen:",
                gan.GANTrainer.fit_discriminator,
                f"{gan.FIT_D_STEPS} D-steps with g fixed: D moves towards D* and (V̂ + log 4)/2 towards JS.",
            ),
        ),
    ):
        column.button(
            label,
            key=f"gan_{label.lower().replace(' ', '_')}",
            icon=icon,
            on_click=session.act,
            args=(RUN, move),
            disabled=stopped,
            width="stretch",
            help=text,
        )

    def draw(trainers: dict) -> None:
        """Everything that moves while the players train: redrawn after every frame."""
        live: gan.GANTrainer = trainers[RUN]
        ticks, field = live.field(FIELD_RESOLUTION)
        origins, pushes = live.generator_gradients(ARROWS)
        now = live.current()
        left, right = st.columns([3, 2])
        with left:
            ui.figure(
                viz.game_figure(
                    ticks,
                    field,
                    live.data,
                    live.samples(),
                    (origins, pushes),
                    live.centres,
                    clickable=user,
                    title=f"G-step {live.steps:,} · D-step {live.d_updates:,}",
                ),
                key=FIELD_KEY,
                on_select=add_clicked_point if user else "ignore",
                selection_mode="points" if user else None,
            )
            longest = float(np.linalg.norm(pushes, axis=1).max())
            st.caption(
                "Background D(x): blue where D says real (→ 1), white at ½, orange where it says generated (→ 0). "
                f"Arrows: −∇ₓℓ_G at {ARROWS} generated points, scaled so the longest is drawn "
                f"{viz.ARROW_LENGTH:g} long (its true length ‖∇ₓℓ_G‖ = {longest:.3g})."
            )
        with right:
            a, b = st.columns(2)
            if ring:
                a.metric("Modes covered", f"{now.modes:.0f} of {toy2d.RING_MODES}")
            else:
                a.metric("Mean D(g(z))", f"{now.d_fake:.2f}")
            b.metric("Histogram JS", f"{now.js_histogram:.3f}")
            ui.figure(viz.progress_figure(live.history, ring, height=430 if ring else 360))
        ui.figure(viz.curves_figure(live.d_losses, live.g_losses, live.history, loss))
        session.divergence_notices()

    session.live(draw)

# ------------------------------------------------------------------------------------------------ formulas
st.subheader("The game and its numbers")
if session is not None:
    trainer = session.trainers()[RUN]
    now = trainer.current()
    value = trainer.value_estimate()
    ui.formula(
        r"\min_g \max_D V(D, G) = \mathbb E_{x\sim p_{data}}[\log D(x)] + \mathbb E_{z}[\log(1 - D(g(z)))]"
        rf",\qquad \hat V(D, G) = {value:.3f}",
        caption=f"The value of the game, estimated with the current D on {gan.EVAL_SAMPLES:,} data points and "
        f"{gan.EVAL_SAMPLES:,} samples (G-step {trainer.steps:,})",
    )
    generator_loss = (
        r"\mathcal L_G = -\frac1m\sum_i \log D(g(z_i))"
        if loss == gan.NON_SATURATING
        else r"\mathcal L_G = \frac1m\sum_i \log\big(1 - D(g(z_i))\big)"
    )
    ui.formula(
        r"\mathcal L_D = -\frac1m\sum_i \big[\log D(x_i) + \log\big(1 - D(g(z_i))\big)\big]"
        rf"\ \ ({k}\times,\ \eta_D = {d_lr:g}),\qquad {generator_loss}\ \ (\eta_G = {g_lr:g},\ m = {batch})",
        caption=f"One round: k = {k} discriminator step(s), then one generator step ({loss} loss), each by Adam",
    )
    ui.formula(
        r"D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}\ \Rightarrow\ V(D^*, G) = "
        r"2\,\mathrm{JS}(p_{data}\,\|\,p_g) - \log 4,\qquad "
        rf"\hat V = {value:.3f}\ \le\ 2 \cdot {now.js_histogram:.3f} - {gan.LOG4:.3f} = "
        rf"{2 * now.js_histogram - gan.LOG4:.3f}",
        caption=f"Sheet 2.4's JS (natural log) at the optimal D; right: the trained D's value next to the JS of "
        f"{gan.HISTOGRAM_BINS}×{gan.HISTOGRAM_BINS}-bin histograms of data and samples. Any D other than D* "
        "gives a lower V: press Fit D and the two sides meet.",
    )
if ring:
    st.caption(
        f"Mode coverage: a generated sample belongs to mode m when it lies within 3σ of its centre "
        f"(‖x − μ_m‖ ≤ {gan.MODE_RADIUS_STDS * toy2d.RING_STD:.2f}, σ = {toy2d.RING_STD}); a mode is covered when at "
        f"least {gan.MODE_MIN_SHARE:.0%} of the {gan.EVAL_SAMPLES:,} samples (a fixed set of z) belong to it."
    )
ui.what_to_notice(
    "- The background is D: blue where it says *real*, orange where it says *generated*. The arrows "
    "−∇ₓℓ_G point up D's slope, towards where D believes the data are — not at the data themselves.\n"
    "- Mode collapse on the ring: raise the generator's learning rate to 0.005 (5× the discriminator's), or shrink D "
    "to width 16 with one layer. The samples crowd into one to three modes and hop between them as D "
    "chases them; the modes curve stays low while the histogram JS stays high.\n"
    "- Saturation: press Reset, then Fit D, so D confidently rejects the untrained samples. With the "
    "saturating loss log(1 − D) the arrows' true length in the caption is hundreds of times smaller than with "
    "the non-saturating −log D: that is why Goodfellow et al. train g on −log D.\n"
    "- The JS tie (sheet 2.4): only at D* is V = 2·JS − log 4. A D trained a step or a few per G-step is far from "
    "D*, so (V̂ + log 4)/2 (green, dashed) lies below the histogram JS (purple); Fit D closes the gap. The "
    "histogram JS is itself biased up: two samples of the same distribution give about 0.02.\n"
    "- The sheet says a GAN minimises JS: that holds for the saturating (minimax) loss with D at its optimum. "
    "With the non-saturating loss, g at D* minimises KL(p_g ‖ p_data) − 2·JS instead (Arjovsky & Bottou 2017), "
    "which punishes missing modes little — one reason collapse happens.\n"
    "- At the equilibrium p_g = p_data, D = ½ everywhere (a white field), L_D = log 4 and L_G = log 2 "
    "(the dotted lines)."
)
ui.end()
