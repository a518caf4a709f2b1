"""Maximum likelihood ≡ minimum cross-entropy ≡ minimum KL, watched step by step (sheet 2.4 c)."""

import numpy as np
import streamlit as st

from core.information.mle import (
    ClassifierTrace,
    DecisionRegions,
    MLEConfig,
    MLETrace,
    decision_regions,
    fit_categorical_mle,
    fit_softmax_classifier,
)
from ui import contract as ui
from ui import information_widgets as iw
from viz.information import mle as viz
from viz.information.text import latex_log, unit_name


@st.cache_data(max_entries=32)
def fit(p_true: tuple[float, ...], n: int, steps: int, lr: float, seed: int, base: float) -> MLETrace:
    config = MLEConfig(sample_size=n, steps=steps, learning_rate=lr, seed=seed)
    return fit_categorical_mle(np.array(p_true), config, base)


@st.cache_data(max_entries=32)
def classify(
    n_classes: int, spread: float, steps: int, lr: float, seed: int, base: float
) -> tuple[ClassifierTrace, DecisionRegions]:
    trace = fit_softmax_classifier(30, n_classes, spread, steps, lr, seed, base)
    return trace, decision_regions(trace)


# Figures cached on the controls they depend on (plotly JSON dicts, see ui.figure): the fit and the classifier
# have their own controls, and moving one redraws only its figures.
@st.cache_data(max_entries=32, show_spinner=False)
def fit_figures(p_true: tuple[float, ...], n: int, steps: int, lr: float, seed: int, base: float, t: int):
    trace = fit(p_true, n, steps, lr, seed, base)
    return viz.mle_curves(trace, t, base).to_plotly_json(), viz.mle_bars(trace, t).to_plotly_json()


@st.cache_data(max_entries=32, show_spinner=False)
def classifier_figures(n_classes: int, spread: float, steps: int, lr: float, seed: int, base: float):
    trace, regions = classify(n_classes, spread, steps, lr, seed, base)
    return viz.classifier_curves(trace, base).to_plotly_json(), viz.classifier_regions(trace, regions).to_plotly_json()


ui.begin(
    __file__,
    intro="Draw a dataset from a true distribution p, then fit a model q_θ = softmax(θ) by gradient descent on "
    "the average negative log-likelihood. The sheet's chain of equalities says three different-looking "
    "quantities are the same curve — here they are, computed separately.",
)
base = iw.unit_switch()
unit = unit_name(base)
log_tex = latex_log(base)
st.sidebar.markdown("**Unsupervised: fit q_θ to samples**")
# a p that cannot be read is named under its field; the fit goes on with the last valid p (the classifier below
# does not depend on it at all)
p_typed = iw.distribution_text("True distribution p", "p_true", "0.4, 0.25, 0.15, 0.1, 0.06, 0.04")
p_true = p_typed.value
n = ui.slider("Sample size N", "n", 5, 2000, 50, 5, help="More samples: p̂ closer to p, so MLE lands closer to p.")
steps = ui.slider("Gradient-descent steps", "steps", 10, 500, 150, 10)
lr = ui.slider("Learning rate α", "lr", 0.05, 3.0, 0.2, 0.05)
seed = ui.seed()
trace = ui.attempt(fit, tuple(p_true.tolist()), n, steps, lr, seed, base)
if st.session_state.get("t", 0) > steps:
    st.session_state["t"] = steps  # the step scrubber cannot point past the last step
t = ui.slider("Show the model at step", "t", 0, steps, steps, 1, container=st)

p_typed.mark("true distribution p", "true distribution p (sidebar)", "the default p")
curves_figure, bars_figure = fit_figures(tuple(p_true.tolist()), n, steps, lr, seed, base, t)
ui.figure(curves_figure)
left, right = st.columns([3, 2])
with left:
    ui.figure(bars_figure)
with right:
    st.metric(f"NLL at step {t} [{unit}]", f"{trace.nll[t]:.4f}")
    st.metric("H(p̂, q_θ)", f"{trace.cross_entropy[t]:.4f}")
    st.metric("KL(p̂‖q_θ) + H(p̂)", f"{trace.kl_plus_entropy[t]:.4f}")
    st.metric("KL(p‖q_θ) to the truth", f"{trace.kl_to_truth[t]:.4f}")
ui.formula(
    rf"-\frac1N\sum_{{i=1}}^{{N}} {log_tex} q_\theta(x_i) = {trace.nll[t]:.4f} \;=\; H(\hat p, q_\theta) = "
    rf"{trace.cross_entropy[t]:.4f} \;=\; KL(\hat p\|q_\theta) + H(\hat p) = "
    rf"{trace.kl_plus_entropy[t] - trace.h_p_hat:.4f} + {trace.h_p_hat:.4f}",
    caption=f"The sheet's chain at step {t}, each side computed on its own (N = {n}); H(p̂) does not depend on θ, "
    "so minimizing the NLL minimizes KL(p̂‖q_θ)",
)

st.subheader("Supervised: a classifier's cross-entropy loss is its NLL")
c1, c2, c3 = st.columns(3)
n_classes = ui.slider("Classes", "classes", 2, 4, 3, 1, container=c1)
spread = ui.slider(
    "Class spread σ",
    "spread",
    0.3,
    2.5,
    1.0,
    0.1,
    container=c2,
    help="Larger spread: classes overlap, the loss cannot reach 0.",
)
clf_steps = ui.slider("Steps", "clf_steps", 10, 300, 100, 10, container=c3)
clf, regions = classify(n_classes, spread, clf_steps, 0.5, seed, base)
loss_figure, regions_figure = classifier_figures(n_classes, spread, clf_steps, 0.5, seed, base)
left, right = st.columns([3, 2])
with left:
    ui.figure(loss_figure)
with right:
    ui.figure(regions_figure)
ui.formula(
    rf"\frac1N\sum_i H\big(\mathbb 1[y_i],\,q_\theta(\cdot|x_i)\big) = -\frac1N\sum_i\sum_k \mathbb 1[y_i = k]"
    rf"{log_tex} q_\theta(k|x_i) = -\frac1N\sum_i {log_tex} q_\theta(y_i|x_i) = {clf.nll[-1]:.4f}\ \text{{{unit}}}",
    caption=f"Softmax regression (30 points per class, α = 0.5) after {clf_steps} steps: the one-hot label "
    "keeps only the true class's term",
)
ui.what_to_notice(
    "- The three curves (NLL from the samples, cross-entropy from p̂, KL + H(p̂)) lie on top of each other at "
    "every step: maximum likelihood *is* minimum cross-entropy *is* minimum KL(p̂‖q_θ).\n"
    "- The NLL bottoms out at H(p̂), not at 0: the data's own entropy is the floor.\n"
    "- MLE fits the *empirical* p̂: with small N the green KL(p‖q_θ) to the truth stays well above 0; raise N and "
    "it shrinks. An outcome never seen in the data gets q_θ → 0.\n"
    "- Supervised: averaging H(one-hot label, prediction) is exactly the NLL of the labels."
)
ui.end()
