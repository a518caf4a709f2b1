"""Back-propagation on a small network, step by step with every number (sheet 6a)."""

import numpy as np
import streamlit as st

from core.deep import mlp
from ui import contract as ui
from viz.deep import backprop as viz

ARCHITECTURES = ("2-2-1", "2-3-1", "2-3-2-1", "2-2-2-1")
LOSS_NAMES = {"cross_entropy": "cross-entropy", "mse": "squared error"}

spec = ui.begin(
    __file__,
    intro="One sample goes **forward** through a small network layer by layer (z, then a), then the error goes "
    "**backward** (δ, then the gradients). Use **Next ▶** to walk through it; every unit shows its numbers, the "
    "edges of the current step are labelled and every other edge shows its numbers on hover.",
)

architecture = ui.select("Network (units per layer)", "arch", ARCHITECTURES, "2-3-1")
activation = ui.select("Hidden activation g", "act", ("sigmoid", "tanh", "relu"))
loss_name = ui.select("Loss", "loss", tuple(LOSS_NAMES), format_func=LOSS_NAMES.get)
x1 = ui.slider("Sample x1", "x1", -2.0, 2.0, 0.5, 0.1)
x2 = ui.slider("Sample x2", "x2", -2.0, 2.0, -1.0, 0.1)
label = ui.select("Label y", "y", (1, 0), horizontal_radio=True)
lr = ui.slider("Learning rate η (for the update)", "lr", 0.01, 2.0, 0.5, 0.01)
use_dropout = ui.toggle("Dropout p = 0.5 on hidden units", "drop", False, help="A fixed mask drawn from the seed.")
seed = ui.seed()

sizes = tuple(int(n) for n in architecture.split("-"))
config = mlp.MLPConfig(sizes, activation, loss_name, dropout=0.5 if use_dropout else 0.0)
L = config.n_layers
STAGES = (
    "0 · the sample enters",
    *(f"{ly} · forward: layer {ly}" + (" (output)" if ly == L else "") for ly in range(1, L + 1)),
    f"{L + 1} · the loss",
    *(f"{L + 2 + k} · backward: δ^[{L - k}]" for k in range(L)),
    f"{2 * L + 2} · update: W ← W − η ∂L/∂W",
)
# a stage saved in the URL for another network depth falls back to the first stage
if st.session_state.get("stage") not in STAGES:
    st.session_state.pop("stage", None)


def move(offset: int) -> None:
    current = STAGES.index(st.session_state.get("stage", STAGES[0]))
    st.session_state["stage"] = STAGES[min(max(current + offset, 0), len(STAGES) - 1)]


stage_name = ui.select("Stage", "stage", STAGES, container=st.container())
cols = st.columns([1, 1, 4])
cols[0].button("◀ Back", key="bp_back", on_click=move, args=(-1,), width="stretch")
cols[1].button("Next ▶", key="bp_next", on_click=move, args=(1,), width="stretch", type="primary")
stage = STAGES.index(stage_name)

params = mlp.init_params(config, seed, bias_std=0.5)
x = np.array([[x1], [x2]])  # (2, 1): one sample as a column
y = np.array([float(label)])
masks = mlp.walkthrough_masks(config, seed) if use_dropout else None
fwd = mlp.forward(params, x, config, masks)
back = mlp.backward(params, fwd, y, config)
loss = mlp.data_loss(fwd.z[L][0], y, loss_name)

shown_forward = min(stage, L)
shown_backward = L - (stage - (L + 2)) if stage >= L + 2 else L + 1
if stage == 2 * L + 2:
    shown_backward = 1
title = f"Loss L = {loss:.4f}" if stage >= L + 1 else "Forward pass"
# the labelled edges: those into the first unit of the layer that this stage's formula works on
if 1 <= stage <= L:
    focus_layer = stage
elif L + 2 <= stage <= 2 * L + 1:
    focus_layer = L - (stage - (L + 2))
else:
    focus_layer = 1 if stage == 0 else L
ui.figure(
    viz.backprop_graph(
        config,
        params,
        fwd,
        back if stage >= L + 2 else None,
        shown_forward,
        shown_backward,
        ("x1", "x2"),
        title,
        focus=(focus_layer, 0),
    )
)
st.caption(
    "Light-blue units: forward values known (z = pre-activation, a = activation). Light-orange units: δ = ∂L/∂z "
    "known. "
    f"Labelled edges (into the first unit of layer {focus_layer}): the weight w, and in vermilion ∂L/∂w = "
    "δ(target) · a(source) once the target's δ is known; hover any other edge for its numbers."
)


def fmt(v: float) -> str:
    return f"{v:+.3f}".replace("+", "") if v >= 0 else f"({v:.3f})"


# the formula of the current stage, with this sample's numbers, for the first unit of the layer
if stage == 0:
    ui.formula(rf"a^{{[0]}} = x = ({x1:g},\ {x2:g}),\quad y = {label}", caption="The input layer is the sample itself.")
elif stage <= L:
    ly = stage
    W, b = params[2 * ly - 2], params[2 * ly - 1]
    g = config.g(ly)
    terms = " + ".join(f"{fmt(W[0, i])}\\cdot{fmt(fwd.a[ly - 1][i, 0])}" for i in range(W.shape[1]))
    ui.formula(
        rf"z^{{[{ly}]}}_1 = \sum_i W^{{[{ly}]}}_{{1i}} a^{{[{ly - 1}]}}_i + b^{{[{ly}]}}_1 = {terms} + {fmt(b[0])} = {fwd.z[ly][0, 0]:.4f}",
        caption=f"Forward through layer {ly}, first unit (z = W a + b):",
    )
    ui.formula(rf"a^{{[{ly}]}}_1 = \mathrm{{{g}}}({fwd.z[ly][0, 0]:.4f}) = {fwd.a[ly][0, 0]:.4f}")
elif stage == L + 1:
    a_out = fwd.a[L][0, 0]
    if loss_name == "cross_entropy":
        ui.formula(
            rf"\mathcal{{L}} = -\log\sigma\big((2y-1)z^{{[L]}}\big) = -\log\sigma({2 * label - 1}\cdot{fmt(fwd.z[L][0, 0])}) = {loss:.4f}",
            caption="Cross-entropy of the sigmoid output (sheet 6b):",
        )
    else:
        ui.formula(
            rf"\mathcal{{L}} = (a^{{[L]}} - y)^2 = ({a_out:.4f} - {label})^2 = {loss:.4f}", caption="Squared error:"
        )
elif stage <= 2 * L + 1:
    ly = L - (stage - (L + 2))
    d = back.delta[ly][0, 0]
    gp = mlp.activation_derivative(config.g(ly), fwd.z[ly][0, 0])
    if ly == L:
        a_out = fwd.a[L][0, 0]
        if loss_name == "cross_entropy":
            ui.formula(
                rf"\delta^{{[L]}} = \frac{{\partial \mathcal{{L}}}}{{\partial a^{{[L]}}}}\,\sigma'(z^{{[L]}}) = "
                rf"\frac{{a-y}}{{a(1-a)}}\cdot a(1-a) = a - y = {a_out:.4f} - {label} = {d:.4f}",
                caption="Output error: with cross-entropy the σ′ factor cancels.",
            )
        else:
            ui.formula(
                rf"\delta^{{[L]}} = 2(a-y)\,\sigma'(z^{{[L]}}) = 2({a_out:.4f} - {label})\cdot{gp:.4f} = {d:.4f}",
                caption="Output error with squared error: the σ′ factor stays.",
            )
    else:
        W_next = params[2 * ly]
        terms = " + ".join(f"{fmt(W_next[k, 0])}\\cdot{fmt(back.delta[ly + 1][k, 0])}" for k in range(W_next.shape[0]))
        mask = "" if masks is None else rf"\cdot {masks[ly][0, 0]:g}"
        ui.formula(
            rf"\delta^{{[{ly}]}}_1 = \Big(\sum_k W^{{[{ly + 1}]}}_{{k1}} \delta^{{[{ly + 1}]}}_k\Big) {mask}\, g'(z^{{[{ly}]}}_1) = ({terms}){mask}\cdot {gp:.4f} = {d:.4f}",
            caption=f"Back through layer {ly + 1}'s weights, first unit of layer {ly}"
            + (" (times the dropout mask r/(1−p))" if masks is not None else "")
            + ":",
        )
    ui.formula(
        rf"\frac{{\partial \mathcal{{L}}}}{{\partial W^{{[{ly}]}}_{{11}}}} = \delta^{{[{ly}]}}_1 a^{{[{ly - 1}]}}_1 = "
        rf"{d:.4f}\cdot{fmt(fwd.a[ly - 1][0, 0])} = {back.grads[2 * ly - 2][0, 0]:.4f},\qquad "
        rf"\frac{{\partial \mathcal{{L}}}}{{\partial b^{{[{ly}]}}_1}} = \delta^{{[{ly}]}}_1 = {d:.4f}"
    )
else:
    new_params = mlp.gradient_step(params, back.grads, lr)
    new_loss = mlp.data_loss(mlp.forward(new_params, x, config, masks).z[L][0], y, loss_name)
    ui.formula(
        rf"W \leftarrow W - {lr:g}\,\frac{{\partial \mathcal{{L}}}}{{\partial W}}:\qquad \mathcal{{L}}: {loss:.4f} \rightarrow {new_loss:.4f}",
        caption="One gradient-descent step on this sample, then the same sample forward again:",
    )
    if new_loss > loss:
        ui.caution(f"With η = {lr:g} the step overshoots: the loss went up. Try a smaller learning rate.")

numeric = mlp.numerical_gradient(params, x, y, config, masks)
gap = mlp.max_gradient_gap(back.grads, numeric)
with st.expander("Gradient check: back-propagation against finite differences"):
    st.markdown(
        f"Largest difference between the backprop gradients and (L(θ+h) − L(θ−h))/2h over all "
        f"{sum(p.size for p in params)} parameters: **{gap:.1e}** (h = 10⁻⁶)."
    )
ui.formula(
    r"\delta^{[L]} = \frac{\partial \mathcal{L}}{\partial a^{[L]}} \odot g'(z^{[L]}),\quad "
    r"\delta^{[l]} = \big((W^{[l+1]})^\top \delta^{[l+1]}\big) \odot g'(z^{[l]}),\quad "
    r"\frac{\partial \mathcal{L}}{\partial W^{[l]}} = \delta^{[l]} (a^{[l-1]})^\top,\quad "
    r"\frac{\partial \mathcal{L}}{\partial b^{[l]}} = \delta^{[l]}",
    caption="The sheet's back-propagation equations (6a):",
)
ui.what_to_notice(
    "- Every ∂L/∂w is the product of two numbers already on the picture: δ of the unit the edge points to and "
    "a of the unit it comes from. A unit with a = 0 (a dead ReLU, a dropped unit) passes no gradient to its "
    "outgoing weights.\n"
    "- δ shrinks by the factor g′(z) at every layer it passes: sigmoid's g′ ≤ 0.25, so δ in the first layer is "
    "small. Put the sample far out (x1 = 2, x2 = −2) with sigmoid units and compare with tanh and ReLU.\n"
    "- With cross-entropy the output error is just a − y; with squared error it has an extra σ′(z) that "
    "vanishes when the output is confidently wrong.\n"
    "- With dropout on, a dropped unit has a = 0 and δ = 0: it neither contributes nor learns on this sample."
)
ui.end()
