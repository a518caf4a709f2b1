"""Dropout against overfitting: train/test curves with and without it on a small noisy dataset (sheet 6c)."""

import numpy as np
import streamlit as st

from core import mlp
from ui import contract as ui
from viz import mlp as viz

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
    data = mlp.make_dataset(name, n, noise, 0.5, seed)
    out = {}
    for label, rate in (("no dropout", 0.0), (f"dropout p = {p:g}", p)):
        config = mlp.TrainConfig(
            mlp.MLPConfig((2, width, width, 1), "relu", dropout=rate),
            mlp.OptimizerConfig("adam", lr=0.01),
            batch_size=n,
        )
        history, params, _ok = mlp.train_full_batch(config, data, steps, seed, record_every=10)
        ticks, points = mlp.grid(60)
        prob = mlp.predict_proba(params, mlp.features(points, ("x1", "x2")), config.net).reshape(60, 60)  # rows = x2
        out[label] = (history, ticks, prob, params, config)
    return data, out


data, results = ui.attempt(compare, dataset_name, n_points, noise, width, p, steps, seed)
(plain_label, plain), (drop_label, dropped) = results.items()
ui.figure(
    viz.loss_curves(
        plain[0],
        "cross_entropy",
        "Train (blue) and test (red) loss: solid = no dropout, dotted = dropout",
        extra={drop_label: dropped[0]},
    )
)
cols = st.columns(2)
for col, (label, (history, ticks, prob, params, config)) in zip(cols, results.items()):
    with col:
        ui.figure(viz.boundary(ticks, prob, data, title=f"{label}: final test loss {history[-1, 2]:.3f}", height=460))
        correct = (mlp.predict_proba(params, mlp.features(data.x_test, ("x1", "x2")), config.net) > 0.5) == data.y_test
        st.caption(
            f"Test accuracy {correct.mean():.0%}; lowest test loss {history[:, 2].min():.3f} at step {int(history[np.argmin(history[:, 2]), 0])}."
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
