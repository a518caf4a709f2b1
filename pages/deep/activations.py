"""Activation functions, their derivatives, and why sigmoid hidden units learn slowly (sheet 6a, 6b)."""

import numpy as np
import streamlit as st

from core.deep import mlp_studies
from ui import contract as ui
from viz.deep import mlp as viz

HIDDEN = ("sigmoid", "tanh", "relu")

spec = ui.begin(
    __file__,
    intro="Each activation g and its derivative g′; where g′ is nearly 0 the unit is **saturated** and passes "
    "almost no gradient back. Stack many sigmoid layers and the gradient fades towards the input; put a "
    "sigmoid on the output with cross-entropy and it does not fade when the prediction is wrong.",
)

shown = ui.multiselect("Activations", "acts", HIDDEN, HIDDEN)
threshold = ui.slider("Saturated where g′ <", "thr", 0.01, 0.2, 0.05, 0.01)
depth = ui.slider("Depth (hidden layers)", "depth", 2, 12, 6)
width = ui.slider("Width (units per layer)", "width", 2, 32, 16)
steps = ui.slider("Training steps (comparison)", "steps", 50, 400, 200, 50)
z_out = ui.slider("Output z^[L] to inspect", "zout", -8.0, 8.0, -4.0, 0.5)
seed = ui.seed()


@st.cache_data(max_entries=64, show_spinner=False)
def norms(depth: int, width: int, seed: int) -> dict[str, np.ndarray]:
    return {name: mlp_studies.layer_gradient_norms(name, depth, width, seed) for name in HIDDEN}


@st.cache_data(max_entries=32, show_spinner=False)
def training(depth: int, width: int, steps: int, seed: int) -> dict[str, np.ndarray]:
    return mlp_studies.activation_training(HIDDEN, depth, width, steps, seed)


# Figures cached on the controls they depend on (plotly JSON dicts, see ui.figure): moving one control redraws only
# the figures it changes.
@st.cache_data(max_entries=32, show_spinner=False)
def curves_figure(shown: tuple[str, ...], threshold: float) -> dict:
    return viz.activation_curves(np.linspace(-6, 6, 481), shown, threshold, as_json=True)


@st.cache_data(max_entries=32, show_spinner=False)
def norms_figure(depth: int, width: int, seed: int) -> dict:
    return viz.gradient_norms(norms(depth, width, seed), as_json=True)


@st.cache_data(max_entries=32, show_spinner=False)
def training_figure(depth: int, width: int, steps: int, seed: int, shown: tuple[str, ...]) -> dict:
    curves = {name: h for name, h in training(depth, width, steps, seed).items() if name in shown}
    first, *rest = curves
    return viz.loss_curves(
        curves[first],
        "cross_entropy",
        f"Training the same deep net (SGD, η = 0.3): solid = {first}",
        extra={name: curves[name] for name in rest},
        as_json=True,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def saturation_figure(z_out: float) -> dict:
    z = np.linspace(-8, 8, 321)
    return viz.output_saturation(z, mlp_studies.output_loss_curves(z), marker=z_out, as_json=True)


if not shown:
    ui.problem("Choose at least one activation to plot.")
else:
    ui.figure(curves_figure(tuple(shown), threshold))
ui.formula(
    r"\sigma'(z) = \sigma(z)(1-\sigma(z)) \le \tfrac14,\qquad \tanh'(z) = 1-\tanh^2(z) \le 1,\qquad "
    r"\mathrm{ReLU}'(z) = \begin{cases}1 & z>0\\ 0 & z\le 0\end{cases}",
    caption="The derivatives (sheet 6a):",
)

st.subheader("Gradient reaching each layer of a deep network")
gradient = ui.attempt(norms, depth, width, seed)
ui.figure(norms_figure(depth, width, seed))
ratios = {name: mlp_studies.first_to_last_ratio(values) for name, values in gradient.items()}
ratio = {name: "— (no gradient)" if r is None else f"{r:.1e}" for name, r in ratios.items()}
st.caption(
    "First-layer / output-layer gradient norm: "
    + ", ".join(f"{name} {r}" for name, r in ratio.items())
    + f". Cross-entropy on the moons data, {depth} hidden layers of {width} units, Glorot init (He for ReLU)."
)
ui.formula(
    rf"\delta^{{[1]}} = (W^{{[2]}})^\top \cdots (W^{{[{depth + 1}]}})^\top \delta^{{[{depth + 1}]}} \odot g'(z^{{[{depth}]}}) \cdots \odot g'(z^{{[1]}})",
    caption=f"δ picks up one factor g′(z) per layer: with sigmoid that is ≤ (1/4)^{depth} = {0.25**depth:.1e} on its own.",
)
histories = ui.attempt(training, depth, width, steps, seed)
curves = {name: h for name, h in histories.items() if name in shown}
if curves:
    first, *rest = curves
    ui.figure(training_figure(depth, width, steps, seed, tuple(shown)))
    st.caption(
        "Line styles: solid "
        + first
        + "".join(f", {s} {n}" for s, n in zip(("dotted", "dashed"), rest))
        + ". Blue = train, vermilion = test."
    )

st.subheader("Sigmoid output: cross-entropy does not saturate when wrong")
ui.figure(saturation_figure(z_out))
at = mlp_studies.output_loss_curves(np.array([z_out]))
ce_grad, se_grad = at["cross-entropy"][1][0], at["squared error"][1][0]
ui.formula(
    rf"\text{{at }} z = {z_out:g}:\quad \frac{{\partial}}{{\partial z}}\big[-\log\sigma(z)\big] = \sigma(z) - 1 = {ce_grad:.4f},"
    rf"\qquad \frac{{\partial}}{{\partial z}}(\sigma(z)-1)^2 = 2(\sigma(z)-1)\,\sigma'(z) = {se_grad:.4f}",
    caption="The output's gradient for label y = 1 (sheet 6b: −log σ((2y − 1)z) only saturates when the "
    "classification is right):",
)
ui.what_to_notice(
    "- σ′ is at most 1/4 (at z = 0) and nearly 0 for |z| > 5; tanh′ reaches 1 but saturates just as fast; ReLU′ "
    "is exactly 1 for every z > 0 and 0 otherwise (a unit that is always off is 'dead').\n"
    "- In the deep sigmoid net the first layer receives orders of magnitude less gradient than the last, so it "
    "barely learns; that is why the sheet advises against sigmoid hidden units. ReLU (and tanh, less so) keeps "
    "the gradient alive, and its training loss falls first.\n"
    "- Move 'Output z' far negative (the net is confidently wrong about a y = 1 sample): cross-entropy's "
    "gradient stays near −1, squared error's tends to 0, so an MSE-trained sigmoid output can stay stuck "
    "wrong."
)
ui.end()
