"""Skip connections (sheet 7g): gradient norms per layer and training curves, plain vs residual, same weights."""

import math

import streamlit as st

from core.deep import skip_connections as skip
from ui import contract as ui
from viz.deep import skip_connections as viz

STATE = "_cnn_skip_training"
CHUNK = 10


@st.cache_data(max_entries=32)
def init_gradients(config: skip.SkipConfig) -> skip.SkipResult:
    return skip.init_gradients(config, examples=128 if config.architecture == "MLP" else 32)


ui.begin(
    __file__,
    intro="Two networks with the **same depth, width and initial weights** on scikit-learn's 8×8 digits: a plain "
    "stack h_{l+1} = g(W_l h_l + b_l), and the same stack with identity skip connections "
    "h_{l+1} = h_l + g(W_l h_l + b_l).",
)

architecture = ui.select("Network", "arch", ["MLP", "CNN"], help="CNN: 3×3 convs with padding 1 on the 8×8 image.")
depth = int(ui.slider("Hidden layers", "depth", 2, 40, 20, 1))
width = int(ui.select("Width (units or channels)", "width", [8, 16, 32, 64], 32 if architecture == "MLP" else 16))
activation = ui.select("Activation g", "act", ["tanh", "relu", "sigmoid"], "sigmoid")
init = ui.select("Initialization", "init", ["PyTorch default", "He", "Xavier"])
learning_rate = float(ui.select("Learning rate (SGD, momentum 0.9)", "lr", [0.005, 0.01, 0.02, 0.05, 0.1], 0.02))
steps = int(ui.slider("Training steps", "steps", 50, 400, 150, 50))
seed = ui.seed()
config = skip.SkipConfig(architecture, depth, width, activation, init, learning_rate, 32, seed)

result = ui.attempt(init_gradients, config)
ui.figure(viz.gradient_norm_figure(result))
ratio_plain = result.grad_plain[0] / result.grad_plain[-1]
ratio_residual = result.grad_residual[0] / result.grad_residual[-1]
ui.formula(
    rf"\frac{{\|\partial L/\partial W_0\|}}{{\|\partial L/\partial W_{{{depth + 1}}}\|}} = "
    rf"{ratio_plain:.2e}\ \text{{(plain)}},\qquad {ratio_residual:.2e}\ \text{{(residual)}}",
    caption="First layer's gradient relative to the output layer's, at initialization",
)
ui.formula(
    r"\frac{\partial h_{l+1}}{\partial h_l} = \operatorname{diag}(g'(z_l))\,W_l \;\;\text{(plain)}"
    r"\qquad \frac{\partial h_{l+1}}{\partial h_l} = I + \operatorname{diag}(g'(z_l))\,W_l \;\;\text{(residual)}",
    caption="Back-propagation multiplies these Jacobians layer by layer: the identity keeps the product from vanishing",
)

st.subheader("Training curves")
state = st.session_state.get(STATE)
if state is not None and state["config"] != config:
    state = None
    st.session_state.pop(STATE, None)
buttons = st.columns([1, 1, 4])
if buttons[0].button("▶ Train both", key="train", help=f"{steps} SGD steps on the same mini-batches, in chunks."):
    state = {"config": config, "trainer": skip.SkipTrainer(config), "running": True, "target": steps}
    st.session_state[STATE] = state
if buttons[1].button("⏹ Stop", key="stop") and state is not None:
    state["running"] = False


@st.fragment(run_every=0.3 if state is not None and state["running"] else None)
def training_panel() -> None:
    state = st.session_state.get(STATE)
    if state is None:
        st.caption("Press **Train both** to train the plain and the residual net side by side.")
        return
    trainer: skip.SkipTrainer = state["trainer"]
    done = len(trainer.losses[0])
    if state["running"] and done < state["target"]:
        trainer.train(min(CHUNK, state["target"] - done))
        done = len(trainer.losses[0])
    st.progress(done / state["target"], text=f"{done} / {state['target']} steps")
    ui.figure(viz.loss_figure(*trainer.losses))
    if any(math.isnan(v) for v in trainer.losses[0] + trainer.losses[1]):
        ui.caution("A loss became NaN or infinite: the learning rate is too large for this net.")
    if state["running"] and done >= state["target"]:
        state["running"] = False
        state["accuracy"] = trainer.accuracy()
        st.rerun()
    if "accuracy" in state:
        plain, residual = state["accuracy"]
        st.markdown(f"Training accuracy after {done} steps: plain **{plain:.1%}**, residual **{residual:.1%}**.")


training_panel()

ui.what_to_notice(
    "- In the plain sigmoid or tanh net the gradient **shrinks layer by layer** towards the input (a straight "
    "line on the log scale: a constant factor per layer), so the first layers hardly learn: the vanishing gradient "
    "of sheet 7g. With skip connections every layer gets a gradient of similar size.\n"
    "- Train both: the plain deep net's loss stays flat near log 10 ≈ 2.3 (chance) for a long time, the residual "
    "one falls at once. Make the plain net shallow (2–3 layers) and the difference disappears.\n"
    "- He initialization with ReLU rescues plain nets of moderate depth; the identity path of the residual net "
    "needs no such care: ∂h_{l+1}/∂h_l = I + … keeps the product of Jacobians near 1."
)
ui.end()
