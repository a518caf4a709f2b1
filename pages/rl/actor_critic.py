"""Actor-critic on CartPole (sheet 1.5): online vs batch on the same seed, advantages along an episode, V̂(s)."""

import dataclasses
import json
from pathlib import Path

import streamlit as st

from core.rl.actor_critic import ONLINE_DEFAULTS, ActorCriticConfig, ActorCriticTrainer
from core.rl.common import ENV_IDS, SOLVED_RETURN, STATE_NAMES, rollout, state_slice
from ui import contract as ui
from ui import rl_training
from viz.rl import deep as deep_rl

PAGE = "rl_actor_critic"
VARIANTS = {"batch": dict(variant="batch"), "online": dict(variant="online")}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 1e3)
ONLINE_LEARNING_RATES = (3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e3)

BENCHMARK = Path(__file__).resolve().parents[2] / "docs" / "benchmarks_deep_rl.json"


@st.cache_data(show_spinner=False, max_entries=2)
def measured_lines(mtime: float) -> str | None:
    """One sentence per actor-critic variant from the benchmark's summaries (docs/benchmarks_deep_rl.json)."""
    results = {r["label"]: r for r in json.loads(BENCHMARK.read_text())["results"]}
    parts = []
    for variant in ("online", "batch"):
        summary = results.get(f"Actor-critic ({variant})", {}).get("summary")
        if summary is None:
            continue
        median = (
            f", median {summary['median_steps']:,.0f} steps ≈ {summary['median_seconds']:.0f} s"
            if summary["median_steps"] is not None
            else ""
        )
        parts.append(f"{variant}: solved {summary['solved']}/{summary['seeds']} seeds{median}")
    if not parts:
        return None
    return "Measured with the defaults (`python -m bench.bench_deep_rl`, CartPole-v1): " + "; ".join(parts) + "."


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
    "Batch: actor step α_θ",
    "alr",
    LEARNING_RATES,
    3e-3,
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
)
critic_lr = ui.select(
    "Batch: critic step α_φ",
    "clr",
    LEARNING_RATES,
    5e-3,
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
)
n_envs = ui.slider("Batch: environments", "envs", 1, 16, 8, 1)
n_steps = ui.slider("Batch: steps per env per update", "nsteps", 1, 64, 16, 1)
st.sidebar.markdown("**Online variant** (one transition per update)")
online_actor_lr = ui.select(
    "Online: actor step α_θ",
    "oalr",
    ONLINE_LEARNING_RATES,
    ONLINE_DEFAULTS["actor_lr"],
    format_func=lambda v: f"{v:g}" + ("  (too large)" if v >= 1e3 else ""),
    help="One noisy sample per step: the actor needs a smaller step than in the batch variant, and smaller "
    "than the critic's (it should follow a critic that already knows roughly what states are worth).",
)
online_critic_lr = ui.select(
    "Online: critic step α_φ", "oclr", ONLINE_LEARNING_RATES, ONLINE_DEFAULTS["critic_lr"], format_func="{:g}".format
)
reward_scale = ui.select(
    "Online: reward scale c",
    "rscale",
    (1.0, 0.1, 0.01),
    ONLINE_DEFAULTS["reward_scale"],
    format_func="{:g}".format,
    help="The critic learns V̂ of c·r: at c = 0.01 CartPole's values are ~1 instead of ~100. Measured: solved a "
    "little sooner, stayed solved on fewer seeds.",
)
adam_beta1 = ui.select(
    "Online: Adam β₁",
    "beta1",
    (0.9, 0.5, 0.0),
    ONLINE_DEFAULTS["adam_beta1"],
    format_func="{:g}".format,
    help="The momentum of Adam's gradient average. One episode's gradients are correlated; β₁ = 0 (RMSprop with "
    "Adam's bias correction) reacts to the newest one only. Measured: no clear difference.",
)
entropy_coef = ui.select(
    "Online: entropy bonus β",
    "ent",
    (0.0, 0.001, 0.01),
    ONLINE_DEFAULTS["entropy_coef"],
    format_func="{:g}".format,
    help="Adds β H(π(·|s)) to what the actor ascends: keeps π from going deterministic too early.",
)
max_grad_norm = ui.select(
    "Online: gradient-norm clipping",
    "oclip",
    (0.0, 1.0, 10.0),
    ONLINE_DEFAULTS["max_grad_norm"],
    format_func=lambda v: "off" if v == 0 else f"‖g‖ ≤ {v:g}",
)
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
online = dict(
    eval_every=ONLINE_DEFAULTS["eval_every"],
    actor_lr=online_actor_lr,
    critic_lr=online_critic_lr,
    reward_scale=reward_scale,
    adam_beta1=adam_beta1,
    entropy_coef=entropy_coef,
    max_grad_norm=max_grad_norm,
)
configs = {
    label: dataclasses.replace(base, **VARIANTS[label], **(online if label == "online" else {})) for label in chosen
}
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
    r"\hat A(s,a) = c\,r + \gamma \hat V_\phi(s') - \hat V_\phi(s),\qquad "
    r"\phi \leftarrow \arg\min \big(c\,r + \gamma \hat V_\phi(s') - \hat V_\phi(s)\big)^2,\qquad "
    r"\theta \leftarrow \theta + \alpha_\theta \nabla_\theta \big[\log \pi_\theta(a|s)\,\hat A(s,a)"
    r" + \beta\, H(\pi_\theta(\cdot|s))\big]",
    caption=f"with the current numbers: γ = {gamma:g}. Batch: α_θ = {actor_lr:g}, α_φ = {critic_lr:g}, c = 1, "
    f"β = 0, {n_envs} envs × {n_steps} steps = {n_envs * n_steps} transitions per update. Online: 1 transition "
    f"per update, α_θ = {online_actor_lr:g}, α_φ = {online_critic_lr:g}, c = {reward_scale:g}, "
    f"β = {entropy_coef:g}, Adam β₁ = {adam_beta1:g}"
    + (f", ‖g‖ ≤ {max_grad_norm:g}" if max_grad_norm > 0 else "")
    + ". V̂ is shown in reward units (V̂_φ / c).",
)
measured = measured_lines(BENCHMARK.stat().st_mtime) if BENCHMARK.exists() else None
if measured:
    st.caption(measured)

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
    "- **Online** updates after every single transition: it adapts at once, but each step follows one noisy "
    "sample. What made it work here (5 seeds, `python -m bench.bench_deep_rl`): an actor step 10× smaller than the "
    "critic's, so that the actor follows a critic that already roughly knows what states are worth — with both at "
    "1e-3 it solves and then collapses (try α_θ = 1e-3). Reward scaling, Adam's β₁ = 0 and an entropy bonus made "
    "no clear difference; clipping at ‖g‖ ≤ 1 stops it learning at all (the big gradients are the failures, the "
    "transitions that carry the news). **Batch** averages "
    f"{n_envs * n_steps} transitions per update: fewer, better-aimed steps, but ~6× the environment steps.\n"
    "- One update per environment step costs time: through torch it is ~100 tensor ops on 1-row tensors, under a "
    "thousand updates per second. The online variant here does the same arithmetic in NumPy (tested against torch "
    "autograd and torch.optim.Adam), ~8× faster. With the earlier step sizes that alone turns 'not solved in "
    "60 s' into ~10 s (50k steps); the smaller actor step halves the steps again.\n"
    "- Along a good episode the advantages hover around 0 (the critic predicts well); large negative Â "
    "appear just before the pole falls — the critic's way of blaming those actions.\n"
    "- V̂(s) is highest near the upright, centred state and falls off towards the failure angles: at γ = 0.99 "
    "a state from which the pole is kept up forever is worth about 1/(1 − γ) = 100."
)
ui.end()
