"""Actor-critic on CartPole (sheet 1.5): online vs batch on the same seed, advantages along an episode, V̂(s)."""

import dataclasses

import streamlit as st

from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer
from core.rl.common import ENV_IDS, SOLVED_RETURN, STATE_NAMES, rollout, state_slice
from ui import contract as ui
from ui import rl_training
from viz.rl import deep as deep_rl

PAGE = "rl_actor_critic"
VARIANTS = {"batch": dict(variant="batch"), "online": dict(variant="online")}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 1e3)

spec = ui.begin(
    __file__,
    "An actor π_θ(a|s) and a critic V̂_φ(s) learn together: the critic's one-step advantage "
    "Â = r + γV̂(s') − V̂(s) tells the actor which actions were better than expected. Train the online and the "
    "batch variant on the same seed.",
)
env_id = ui.select("Environment", "env", ENV_IDS)
chosen = ui.multiselect("Variants to train", "variants", list(VARIANTS), list(VARIANTS))
budget = ui.slider(
    "Step budget", "steps", 5_000, 300_000, 60_000, 5_000, help="Environment steps per run (all envs together)."
)
actor_lr = ui.select(
    "Actor step α_θ",
    "alr",
    LEARNING_RATES,
    3e-3,
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
)
critic_lr = ui.select(
    "Critic step α_φ",
    "clr",
    LEARNING_RATES,
    5e-3,
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
)
online_scale = ui.select(
    "Online: step-size scale",
    "oscale",
    (1.0, 0.3, 0.1, 0.03),
    0.1,
    help="Online updates use α × this scale. One transition per update is a far noisier gradient than a batch "
    "of n_envs × n_steps; at scale 1 the online policy typically collapses (return ≈ 9). Try it.",
)
n_envs = ui.slider("Batch: environments", "envs", 1, 16, 8, 1)
n_steps = ui.slider("Batch: steps per env per update", "nsteps", 1, 64, 16, 1)
gamma = ui.slider("Discount γ", "gamma", 0.90, 0.999, 0.99, 0.001, format="%.3f")
seed = ui.seed()

if not chosen:
    ui.problem("Pick at least one variant to train in the sidebar.")
    ui.end()
    st.stop()

base = ActorCriticConfig(
    env_id=env_id,
    total_steps=budget,
    actor_lr=actor_lr,
    critic_lr=critic_lr,
    gamma=gamma,
    n_envs=n_envs,
    n_steps=n_steps,
)
scaled = {"online": dict(actor_lr=actor_lr * online_scale, critic_lr=critic_lr * online_scale), "batch": {}}
configs = {label: dataclasses.replace(base, **VARIANTS[label], **scaled[label]) for label in chosen}
ui.attempt(lambda: [c.validate() for c in configs.values()])
trainers, logs = rl_training.train_and_report(
    PAGE, configs, ActorCriticTrainer, "ac", seed, 2_000, SOLVED_RETURN[env_id]
)
ui.figure(
    deep_rl.series_plot(
        {k: (v.loss_step, v.loss) for k, v in logs.items()}, "Critic loss (r + γV̂(s') − V̂(s))²", "loss", log_y=True
    )
)

ui.formula(
    r"\hat A(s,a) = r + \gamma \hat V_\phi(s') - \hat V_\phi(s),\qquad "
    r"\phi \leftarrow \arg\min \big(r + \gamma \hat V_\phi(s') - \hat V_\phi(s)\big)^2,\qquad "
    r"\theta \leftarrow \theta + \alpha_\theta \nabla_\theta \log \pi_\theta(a|s)\,\hat A(s,a)",
    caption=f"with the current numbers: γ = {gamma:g}, α_θ = {actor_lr:g}, α_φ = {critic_lr:g}; batch = "
    f"{n_envs} envs × {n_steps} steps = {n_envs * n_steps} transitions per update, online = 1",
)

st.subheader("Inside the critic")
trained = {label: t for label, t in trainers.items() if t is not None}
names = STATE_NAMES[env_id]
c1, c2, c3 = st.columns(3)
which = ui.select("Run", "acnet", list(VARIANTS), chosen[0], container=c1)
x_dim = ui.select("x axis", "ax", list(range(len(names))), 2, format_func=lambda i: names[i], container=c2)
y_dim = ui.select("y axis", "ay", list(range(len(names))), 3, format_func=lambda i: names[i], container=c3)
trainer = trained.get(which)
if trainer is None:
    ui.figure(deep_rl.empty_figure("Advantage along an episode", f"Train the {which} variant to see its critic here."))
elif x_dim == y_dim:
    ui.problem("Pick two different state components for the x and y axes of the slice.")
else:
    episode = rollout(trainer.greedy_actions, env_id, trainer.streams["episode"], render=False)
    adv = trainer.advantages(episode)
    ui.figure(deep_rl.advantage_plot(episode.rewards, trainer.values(episode.observations), adv))
    xs, ys, v = ui.attempt(state_slice, trainer.values, env_id, x_dim, y_dim)  # (ny, nx)
    ui.figure(
        deep_rl.state_heatmap(
            xs, ys, v, names[x_dim], names[y_dim], f"{which}: critic V̂(s), other components = 0", "V̂(s)"
        )
    )

ui.what_to_notice(
    "- **Online** updates after every single transition: it adapts at once but each step is one noisy sample, "
    "and it is slow in wall time (one gradient step per env step). **Batch** averages "
    f"{n_envs * n_steps} transitions per update: smoother curves, fewer and better-aimed steps.\n"
    "- Along a good episode the advantages hover around 0 (the critic predicts well); large negative Â "
    "appear just before the pole falls — the critic's way of blaming those actions.\n"
    "- V̂(s) is highest near the upright, centred state and falls off towards the failure angles: at γ = 0.99 "
    "a state from which the pole is kept up forever is worth about 1/(1 − γ) = 100."
)
ui.end()
