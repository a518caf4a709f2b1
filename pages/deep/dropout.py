"""Dropout against overfitting: train/test curves with and without it on a small noisy dataset (sheet 6c)."""

import streamlit as st

from core.deep import mlp_studies
from ui import contract as ui
from viz.deep import dropout as dropout_viz
from viz.deep import mlp as viz

spec = ui.begin(
    __file__,
    intro="A network far too big for a few noisy points memorises them: the training loss goes to 0 while the "
    "test loss climbs. The same network, same data, same initial weights, trained with dropout.",
)

dataset_name = ui.select("Dataset", "data", ("moons", "xor", "circles", "spiral"))
n_points = ui.slider("Points (half for training)", "n", 20, 200, 60, 10)
noise = ui.slider("Noise", "noise", 0.0, 1.5, 1.0, 0.1)
width = ui.slider("Units per hidden layer (2 layers)", "width", 8, 48, 24, 8)
p = ui.slider(
    "Dropout p", "p", 0.05, 0.8, 0.5, 0.05, help="Probability that a hidden unit is dropped in a training step."
)
steps = ui.slider("Training steps (Adam, η = 0.01)", "steps", 100, 600, 300, 50)
seed = ui.seed()


@st.cache_data(max_entries=32, show_spinner=False)
def compare(name: str, n: int, noise: float, width: int, p: float, steps: int, seed: int):
    return mlp_studies.dropout_runs(name, n, noise, width, p, steps, seed)


# Figures cached on the settings they depend on (plotly JSON dicts, see ui.figure): a rerun with the same settings
# (a click elsewhere, a theme change) draws nothing anew.
@st.cache_data(max_entries=32, show_spinner=False)
def curves_figure(name: str, n: int, noise: float, width: int, p: float, steps: int, seed: int) -> dict:
    (_, plain_run), (drop_label, dropped) = compare(name, n, noise, width, p, steps, seed).items()
    return viz.loss_curves(
        plain_run.history,
        "cross_entropy",
        "Train (blue) and test (vermilion) loss: solid = no dropout, dotted = dropout",
        extra={drop_label: dropped.history},
    ).to_plotly_json()


@st.cache_data(max_entries=64, show_spinner=False)
def boundary_figure(name: str, n: int, noise: float, width: int, p: float, steps: int, seed: int, label: str):
    run = compare(name, n, noise, width, p, steps, seed)[label]
    title = f"{label}: final test loss {run.history[-1, 2]:.3f}"
    data = mlp_studies.dropout_data(name, n, noise, seed)
    return dropout_viz.boundary(run.ticks, run.prob, data, title).to_plotly_json()


settings = (dataset_name, n_points, noise, width, p, steps, seed)
results = ui.attempt(compare, *settings)
ui.figure(curves_figure(*settings))
cols = st.columns(2)
for col, (label, run) in zip(cols, results.items()):
    with col:
        ui.figure(boundary_figure(*settings, label))
        best_loss, best_step = run.best_test
        st.caption(f"Test accuracy {run.test_accuracy:.0%}; lowest test loss {best_loss:.3f} at step {best_step}.")

st.caption(
    "Background: P(y=1) from orange (class 0) through white (½, the black line) to blue (class 1). Circles with a "
    "dark edge: training points; diamonds with a white edge: test points."
)
ui.formula(
    rf"\text{{train: }}\tilde a^{{[l]}} = a^{{[l]}} \odot \frac{{r^{{[l]}}}}{{1-p}},\ r_j \sim \mathrm{{Bernoulli}}(1-p) = \mathrm{{Bernoulli}}({1 - p:.2f});"
    r"\qquad \text{test: } \tilde a^{[l]} = a^{[l]}",
    caption="Inverted dropout: survivors are scaled up by 1/(1 − p) in training, so E[ã] = a and the test-time "
    "network needs no rescaling.",
)
ui.what_to_notice(
    "- Without dropout the training loss heads to 0 and the boundary bends around single noisy points; the test "
    "loss turns upward after its minimum: overfitting.\n"
    "- With dropout each step trains a random sub-network, so no unit can rely on a particular partner "
    "(co-adaptation); the boundary is smoother and the test loss stays lower, while the training loss stays "
    "higher and noisier.\n"
    "- Too much dropout (p = 0.8) underfits; with many points (200) and little noise the two runs barely "
    "differ: dropout is a regulariser, it pays when data are few."
)
ui.end()
