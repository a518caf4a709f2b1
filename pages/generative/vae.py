"""VAE & latent walks (sheet 11 a): the latent space of the 8×8 digits, the decoded manifold, walks, β side by side."""

import dataclasses

import numpy as np
import streamlit as st

from core.generative import vae
from ui import contract as ui
from ui.training import Run, TrainingSession
from viz import theme
from viz.generative import vae as viz

LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2, 0.1, 1.0)
REFERENCE = "β = 1"
SHOW_OPTIONS = ("β = 1", "the second β")
CHUNK = 10  # at most this many epochs per redraw (each round is sized to ~0.35 s in all)
RECONSTRUCTED = np.arange(10)  # the first ten digits of the data set are 0, 1, …, 9
PRIOR_SAMPLES = 30
LATENT_KEY, MANIFOLD_KEY = "vae_latent", "vae_manifold"
NEXT_END = "_vae_next_walk_end"


def pick_walk_end() -> None:
    """on_select of the latent scatter: the clicked digit becomes walk end A, the next click end B, and so on."""
    points = (st.session_state.get(LATENT_KEY) or {}).get("selection", {}).get("points", [])
    picked = [p for p in points if p.get("customdata") is not None]
    if not picked:
        return
    index = picked[0]["customdata"]
    index = int(index[0] if isinstance(index, (list, tuple)) else index)
    end = st.session_state.get(NEXT_END, "ia")
    st.session_state[end] = index
    st.session_state[NEXT_END] = "ib" if end == "ia" else "ia"
    st.rerun()  # the whole page: the walk below the live part follows


def decode_clicked() -> None:
    """on_select of the manifold: the clicked point of the plane goes into the two coordinate inputs."""
    points = (st.session_state.get(MANIFOLD_KEY) or {}).get("selection", {}).get("points", [])
    if points:
        st.session_state["zu"] = round(float(points[0]["x"]), 2)
        st.session_state["zv"] = round(float(points[0]["y"]), 2)


def next_draw() -> None:
    st.session_state["draw"] = int(st.session_state.get("draw", 0)) + 1


ui.begin(
    __file__,
    intro="An encoder maps each 8×8 digit to a Gaussian q(z|x) over a small latent space, a decoder maps a code z "
    "back to an image; both train on the ELBO. Each point below is one digit's code μ(x), coloured by the digit.",
)
st.sidebar.markdown("**Model** (both runs)")
latent_dim = int(
    ui.select(
        "Latent dimension d",
        "dim",
        vae.LATENT_DIMS,
        2,
        help="d = 2 draws the latent plane itself; for d > 2 the figures show the plane of the codes' first two "
        "principal components (PCA).",
    )
)
epochs = int(ui.slider("Epochs", "epochs", 5, 200, 60, 5, help="Passes over all 1797 digits (29 Adam steps each)."))
learning_rate = float(
    ui.select(
        "Adam learning rate",
        "lr",
        LEARNING_RATES,
        3e-3,
        format_func=lambda v: f"{v:g}",
        help="0.1 trains into a collapsed latent space (KL → 0); 1 diverges within a few steps.",
    )
)
seed = ui.seed()
st.sidebar.markdown("**β side by side** (same seed)")
beta = float(
    ui.slider(
        "β of the second run",
        "beta",
        0.0,
        4.0,
        0.05,
        0.05,
        help="Loss = −E_q[log p(x|z)] + β·KL. β < 1: sharper reconstructions, a less regular latent space; "
        "β > 1: a tighter fit to N(0, I), blurrier digits (β ≥ 3 here: every code collapses onto the prior). "
        "β < 0 is not allowed: it would reward leaving the prior, and the loss has no minimum.",
    )
)
show = ui.select(
    "Figures show", "show", SHOW_OPTIONS, SHOW_OPTIONS[0], help="Which run the latent space, manifold and walk draw."
)
st.sidebar.markdown("**Latent walk** (or click two digits)")
index_a = int(ui.number("From digit #", "ia", 0, 1796, 0, 1, help="An index into the 1797 digits."))
index_b = int(ui.number("To digit #", "ib", 0, 1796, 1, 1, help="An index into the 1797 digits."))

reference = vae.VAEConfig(latent_dim, 1.0, learning_rate=learning_rate, epochs=epochs, seed=seed)
second_label = f"β = {beta:g}"
configs = {REFERENCE: reference}
if second_label != REFERENCE:  # β = 1 twice would be the same run
    configs[second_label] = dataclasses.replace(reference, beta=beta)
colours = dict(zip(configs, (theme.BLUE, theme.ORANGE)))
session = TrainingSession(
    "vae",
    [
        Run(
            label,
            key=config,
            factory=lambda config=config: vae.VAETrainer(config),
            pretrained=lambda config=config: vae.load_shipped(config),
            ship=vae.save_shipped,
        )
        for label, config in configs.items()
    ],
    chunk=CHUNK,
    unit="epochs",
    build_untrained=True,
    train_label="Train both" if len(configs) > 1 else "Train",
)
session.controls()
shown_label = second_label if show == SHOW_OPTIONS[1] and second_label in configs else REFERENCE
labels = vae.digits()[1]


def latent_view(trainer: vae.VAETrainer):
    """The plane, the projected codes and the square drawn for one model's codes."""
    mu, _ = trainer.codes()
    plane = vae.latent_plane(mu)
    points = plane.project(mu)
    return plane, points, vae.plane_extent(points)


def plane_title(label: str, trainer: vae.VAETrainer, plane: vae.Plane) -> str:
    """Short enough for half the main column at 1280 px: "Codes μ(x), β = 1, epoch 60" or, for d > 2,
    "PCA of μ(x) (53 %), β = 1, epoch 60"."""
    state = f"epoch {trainer.steps}" if trainer.steps else "untrained"
    what = "Codes μ(x)" if latent_dim == 2 else f"PCA of μ(x) ({plane.explained:.0%})"
    return f"{what}, {label}, {state}"


def draw_live(trainers: dict[str, vae.VAETrainer]) -> None:
    """What moves while training: the shown model's codes, and every run's curves."""
    trainer = trainers[shown_label]
    plane, points, extent = latent_view(trainer)
    left, right = st.columns([1.05, 1])
    with left:
        ui.figure(
            viz.latent_scatter(
                points,
                labels,
                plane.names,
                extent,
                title=plane_title(shown_label, trainer, plane),
                endpoints=(points[index_a], points[index_b]),
                clickable=True,
            ),
            key=LATENT_KEY,
            on_select=pick_walk_end,
            selection_mode="points",
        )
    with right:
        trained = {label: t for label, t in trainers.items() if t.steps > 0}
        if trained:
            ui.figure(viz.curves_figure(trained, colours))
        else:
            st.caption("The curves of ELBO, reconstruction and KL appear here once training starts.")
    session.divergence_notices()  # beside the curves it concerns, redrawn by every chunk


session.live(draw_live)
trainers: dict[str, vae.VAETrainer] = session.trainers()
trainer = trainers[shown_label]
training = session.running and not session.all_finished()

tab_manifold, tab_walk, tab_beta, tab_prior = ui.tabs(
    ["Decoded manifold", "Latent walk", "β side by side", "Samples from the prior"], "tab"
)
if training:
    for tab in (tab_manifold, tab_walk, tab_beta, tab_prior):
        tab.caption("Training: these figures follow when it stops, or at the current weights on **Pause**.")
else:
    plane, points, extent = latent_view(trainer)
    names = plane.names
    with tab_manifold:
        if tab_manifold.open:  # only the open tab's figures are computed and drawn
            controls, picture, decoded = st.columns([1, 2.6, 1.5])
            grid = int(ui.slider("Images per side", "grid", 6, 20, 12, 1, container=controls))
            u = float(ui.number(names[0], "zu", -50.0, 50.0, 0.0, 0.1, format="%.2f", container=controls))
            v = float(ui.number(names[1], "zv", -50.0, 50.0, 0.0, 0.1, format="%.2f", container=controls))
            images = vae.manifold(trainer, plane, extent, grid)
            with picture:
                ui.figure(
                    viz.manifold_figure(images, extent, names, selected=(u, v)),
                    key=MANIFOLD_KEY,
                    on_select=decode_clicked,
                    selection_mode="points",
                )
            z = plane.lift([u, v])[0]
            with decoded:
                ui.figure(viz.digit_figure(trainer.decode(z)[0], f"decoded at ({u:.2f}, {v:.2f})", height=320))
            shown_z = ", ".join(f"{value:.2f}" for value in z)
            ui.formula(
                rf"\hat x = \operatorname{{sigmoid}}\big(\mathrm{{decoder}}_\theta(z)\big),\qquad z = ({shown_z})"
                + (r"" if latent_dim == 2 else r" = m + u\,a_1 + v\,a_2"),
                caption="The image is the decoder's pixel means p(x_i = 1 | z) at the chosen point"
                + ("" if latent_dim == 2 else " of the PCA plane (m: the codes' mean, a₁, a₂: the principal axes)"),
            )

    with tab_walk:
        if tab_walk.open:  # only the open tab's figures are computed and drawn
            frames = int(
                ui.slider(
                    "Frames",
                    "frames",
                    4,
                    40,
                    12,
                    1,
                    help="Steps of t from 0 to 1 along both paths.",
                    container=st.columns([1, 2])[0],
                )
            )
            path = ui.attempt(vae.walk, trainer, index_a, index_b, frames)
            st.caption(
                f"From digit #{index_a} (a {labels[index_a]}) to digit #{index_b} (a {labels[index_b]}): click two "
                "digits in the latent plane above, or set their numbers in the sidebar."
            )
            columns = [f"{t:.2f}" for t in path.t]
            ui.figure(
                viz.strip_figure(
                    [("straight", path.linear_images), ("spherical", path.spherical_images)],
                    title=f"Decoded walk, {shown_label}: t = 0 (A) … 1 (B)",
                    column_labels=columns if frames <= 16 else None,
                )
            )
            ui.figure(viz.walk_animation(path, plane, points, names, extent))
            ui.figure(viz.norms_figure(path, latent_dim))
            mid = len(path.t) // 2
            ui.formula(
                r"z_{\text{line}}(t) = (1-t)\,z_A + t\,z_B,\qquad z_{\text{sph}}(t) = \big((1-t)\|z_A\| + t\|z_B\|\big)"
                r"\,\frac{\sin((1-t)\Omega)\,\hat z_A + \sin(t\Omega)\,\hat z_B}{\sin\Omega},\quad "
                r"\cos\Omega = \hat z_A\cdot\hat z_B"
                rf",\qquad t = {path.t[mid]:.2f}:\ \|z_{{\text{{line}}}}\| = {path.linear_norms[mid]:.2f},\ "
                rf"\|z_{{\text{{sph}}}}\| = {path.spherical_norms[mid]:.2f}",
                caption="The two paths from z_A = μ(x_A) to z_B = μ(x_B) (ẑ = z/‖z‖: the spherical one turns the "
                "direction along the great circle and moves the length in a straight line), and ‖z‖ halfway",
            )

    with tab_beta:
        if tab_beta.open:  # only the open tab's figures are computed and drawn
            if len(configs) == 1:
                st.caption("Both runs would be β = 1: move **β of the second run** in the sidebar to compare.")
            else:
                views = {label: latent_view(t) for label, t in trainers.items()}
                lows, highs = zip(*(extent for _, _, extent in views.values()))
                common = (min(lows), max(highs))  # one square for both: a wider spread is seen as wider
                for column, (label, t) in zip(st.columns(2), trainers.items()):
                    run_plane, run_points, _ = views[label]
                    with column:
                        ui.figure(
                            viz.latent_scatter(
                                run_points,
                                labels,
                                run_plane.names,
                                common,
                                title=plane_title(label, t, run_plane),
                                height=400,
                            )
                        )
                ui.figure(
                    viz.strip_figure(
                        [("digit x", vae.digits()[0][RECONSTRUCTED])]
                        + [(label, t.reconstruct(RECONSTRUCTED)) for label, t in trainers.items()],
                        title="Reconstructions x̂ = decoder(μ(x)) of the same ten digits",
                    )
                )
                rows = []
                for label, t in trainers.items():
                    if t.steps:
                        rows.append(
                            f"| {label} | {-t.reconstruction[-1]:.2f} | {t.kl[-1]:.2f} | {t.elbo[-1]:.2f} | "
                            f"{t.squared_error():.2f} |"
                        )
                if rows:
                    st.markdown(
                        "| run | E_q log p(x\\|z) | KL | ELBO | ‖x − x̂‖² |\n|---|---:|---:|---:|---:|\n"
                        + "\n".join(rows)
                        + f"\n\nLast epoch, nats per digit; squared error per digit (the mean image: "
                        f"{vae.mean_image_error():.2f})."
                    )
                ui.formula(
                    r"\mathcal L_\beta = -\,\mathbb E_{q_\phi(z|x)}[\log p_\theta(x|z)] + \beta\,"
                    rf"\mathrm{{KL}}\big(q_\phi(z|x)\,\|\,\mathcal N(0,I)\big),\qquad \beta = {beta:g}",
                    caption="What the second run minimises (β = 1: the negative ELBO)",
                )

    with tab_prior:
        if tab_prior.open:  # only the open tab's figures are computed and drawn
            row = st.columns([1, 1, 2], vertical_alignment="bottom")
            row[0].button(
                "New samples",
                key="vae_new_samples",
                icon=":material/casino:",
                on_click=next_draw,
                width="stretch",
                help="Draws new z ~ N(0, I) (the next draw number).",
            )
            draw = int(ui.number("Draw #", "draw", 0, 1_000_000, 0, 1, container=row[1]))
            for column, (label, t) in zip(st.columns(len(trainers)), trainers.items()):
                with column:
                    samples = vae.prior_samples(t, PRIOR_SAMPLES, seed, draw)
                    ui.figure(viz.grid_figure(samples, 6, f"{label}: decoder(z), z ~ N(0, I)", height=420))
            st.caption(
                "The same z for every run (draw number and seed): the differences are the decoders'. A decoder whose "
                "codes do not fill N(0, I) (small β) turns many prior samples into blends that are no digit."
            )

shown = trainers[REFERENCE]
if shown.steps:
    rec, kl = shown.reconstruction[-1], shown.kl[-1]
    ui.formula(
        r"\mathrm{ELBO} = \mathbb E_{q_\phi(z|x)}[\log p_\theta(x|z)] - \mathrm{KL}\big(q_\phi(z|x)\,\|\,"
        rf"\mathcal N(0,I)\big) = {-rec:.2f} - {kl:.2f} = {-(rec + kl):.2f}\ \text{{nats}}",
        caption=f"The β = 1 run after epoch {shown.steps}: mean over the digits (one z per digit, as trained)",
    )
ui.formula(
    r"\mathrm{KL}\big(\mathcal N(\mu,\operatorname{diag}\sigma^2)\,\|\,\mathcal N(0,I)\big) = \tfrac12\sum_{j=1}^{d}"
    r"\big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big),\qquad z = \mu + \sigma\odot\epsilon,\ "
    r"\epsilon\sim\mathcal N(0, I)",
    caption="The KL in closed form, and the reparameterization that lets the gradient reach the encoder",
)
st.caption(
    "Decoder: a Bernoulli p(x_i | z) per pixel (binary cross-entropy), since the grey levels lie in [0, 1] and most "
    "are nearly 0 or 1. A Gaussian decoder with a fixed noise scale s would turn the reconstruction term into "
    "‖x − x̂‖²/(2s²): the choice of s would be a hidden β."
)
ui.what_to_notice(
    "- The codes of one digit gather into one region of the plane without the labels ever being used: the "
    "colours (and the digit written at each cluster's centre) are added afterwards.\n"
    "- The decoded manifold changes smoothly: neighbouring images blend one digit into the next, and the "
    "regions match the clusters of the codes. Click between two clusters to decode a hybrid.\n"
    "- β side by side, same seed: with a small β the reconstructions are sharper (lower ‖x − x̂‖²) but the codes "
    "spread far beyond N(0, I) — and prior samples land in gaps that decode to no digit. With β ≥ 3 the KL "
    "drops to 0: every code sits on the prior and the decoder draws one average blur (posterior collapse).\n"
    "- In 2-D the straight and the spherical walk nearly agree; at d = 16 the straight line's middle has a much "
    "smaller ‖z‖ than the √d where N(0, I) keeps its mass, the spherical path stays out there."
)
ui.end()
