"""REINFORCE on CartPole (sheet 1.4): live training, the gradient-variance experiment, π(a|s) over a state slice."""

import dataclasses

import streamlit as st

from core.rl.common import ACTION_NAMES, ENV_IDS, SOLVED_RETURN, STATE_NAMES, state_slice
from core.rl.reinforce import ReinforceConfig, ReinforceTrainer, gradient_variance
from ui import contract as ui
from ui import rl_training
from viz.rl import deep as deep_rl

PAGE = "rl_policy_gradient"
VARIANTS = {
    "r(τ)": dict(reward_to_go=False, baseline=False),
    "r(τ) − b": dict(reward_to_go=False, baseline=True),
    "reward-to-go": dict(reward_to_go=True, baseline=False),
    "reward-to-go − b": dict(reward_to_go=True, baseline=True),
}
LEARNING_RATES = (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1e3)


@st.cache_data(show_spinner="Sampling trajectories and their gradients…", max_entries=8)
def variance_experiment(seed: int, env_id: str, n_pool: int, gamma: float):
    return gradient_variance(seed, env_id=env_id, gamma=gamma, n_pool=n_pool)


spec = ui.begin(
    __file__,
    "A policy network π_θ(a|s) is trained directly by the policy gradient. Compare the sheet's estimator "
    "(every step weighted by the whole trajectory's return r(τ)) with reward-to-go and a baseline.",
)
env_id = ui.select("Environment", "env", ENV_IDS)
chosen = ui.multiselect("Estimators to train", "variants", list(VARIANTS), ["r(τ)", "reward-to-go − b"])
budget = ui.slider("Step budget", "steps", 5_000, 300_000, 100_000, 5_000, help="Environment steps per run.")
lr = ui.select(
    "Learning rate α",
    "lr",
    LEARNING_RATES,
    1e-2,
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
)
n_batch = ui.slider("N, trajectories per update", "N", 1, 32, 8, 1)
gamma = ui.slider("Discount γ", "gamma", 0.90, 0.999, 0.99, 0.001, format="%.3f")
seed = ui.seed()

if not chosen:
    ui.problem("Pick at least one estimator to train in the sidebar.")
    ui.end()
    st.stop()

base = ReinforceConfig(env_id=env_id, total_steps=budget, learning_rate=lr, episodes_per_batch=n_batch, gamma=gamma)
configs = {label: dataclasses.replace(base, **VARIANTS[label]) for label in chosen}
ui.attempt(lambda: [c.validate() for c in configs.values()])
trainers, logs = rl_training.train_and_report(
    PAGE, configs, ReinforceTrainer, "reinforce", seed, 10_000, SOLVED_RETURN[env_id]
)

ui.formula(
    r"\nabla_\theta J(\theta) \approx \frac{1}{N}\sum_{i=1}^{N}\sum_t \nabla_\theta \log\pi_\theta(a_t^i|s_t^i)\,"
    r"\big(w_t^i - b_t\big),\quad w_t^i = r(\tau_i)\ \text{or}\ G_t^i=\sum_{t'\ge t}\gamma^{t'-t} r_{t'}^i",
    caption=f"with the current numbers: N = {n_batch}, γ = {gamma:g}, θ ← θ + α∇J with α = {lr:g} (Adam)",
)

st.subheader("Gradient variance vs N")
c1, c2 = st.columns([2, 1])
n_pool = ui.slider("Trajectories sampled for the experiment", "pool", 50, 400, 100, 50, container=c1)
var_key = (seed, env_id, n_pool, gamma)
with c2:
    st.write("")
    if st.button("Measure the variance", key="measure", icon=":material/science:"):
        st.session_state["_rl_pg_variance"] = var_key
if st.session_state.get("_rl_pg_variance") == var_key:
    gv = ui.attempt(variance_experiment, *var_key)
    ui.figure(deep_rl.variance_plot(gv.batch_sizes, gv.variance, gv.single_variance))
    st.caption(
        f"At the initial policy of seed {seed}: {gv.n_trajectories} trajectories (mean length {gv.mean_length:.1f}); "
        "ĝ_N is the average of N per-trajectory gradients drawn from them, 300 times per N. Dotted: σ²/N."
    )
    st.markdown(
        f"**Measured here:** against r(τ), the baseline divides σ² by **{gv.reduction('r(τ) − b'):.1f}×**, "
        f"reward-to-go by **{gv.reduction('reward-to-go'):.1f}×**, and both together by "
        f"**{gv.reduction('reward-to-go − b'):.1f}×**: as many times fewer trajectories for the same variance."
    )
else:
    ui.figure(
        deep_rl.empty_figure(
            "Variance of the REINFORCE gradient estimate", "Press Measure the variance (a few seconds)."
        )
    )

st.subheader("The policy over a slice of the state space")
trained = {label: t for label, t in trainers.items() if t is not None}
names = STATE_NAMES[env_id]
c1, c2, c3 = st.columns(3)
which = ui.select("Policy", "pinet", list(VARIANTS), chosen[0], container=c1)
x_dim = ui.select("x axis", "px", list(range(len(names))), 2, format_func=lambda i: names[i], container=c2)
y_dim = ui.select("y axis", "py", list(range(len(names))), 3, format_func=lambda i: names[i], container=c3)
trainer = trained.get(which)
action = ACTION_NAMES[env_id][-1]
if trainer is None:
    ui.figure(deep_rl.empty_figure(f"π({action} | s)", f"Train “{which}” to see its policy here."))
elif x_dim == y_dim:
    ui.problem("Pick two different state components for the x and y axes of the slice.")
else:
    xs, ys, probs = ui.attempt(state_slice, trainer.last_action_prob, env_id, x_dim, y_dim)  # (ny, nx)
    ui.figure(
        deep_rl.state_heatmap(
            xs,
            ys,
            probs,
            names[x_dim],
            names[y_dim],
            f"{which}: π({action} | s), other components = 0",
            f"π({action}|s)",
        )
    )

ui.what_to_notice(
    "- With **r(τ)** every action of a trajectory is credited with rewards that came *before* it too; "
    "**reward-to-go** and a **baseline** remove that noise without changing the expected gradient, so the "
    "same budget reaches 500 sooner and more reliably.\n"
    "- In the variance experiment the measured points follow σ²/N (dotted): averaging N trajectories divides "
    "the variance by N. A baseline and reward-to-go lower σ² itself, which is worth as much as sampling that many "
    "times more trajectories: **Measure the variance** states the factors measured at this seed (how large they "
    "are depends on the policy, the seed and the episode lengths).\n"
    "- The policy is stochastic while training (π is a softmax); the greedy evaluation takes argmax_a π(a|s). "
    "Over (θ, θ̇), π(push right|s) goes from 0 to 1 across a diagonal band: the policy becomes nearly deterministic."
)
ui.end()
