"""Q-learning vs SARSA (sheet 1.2): both algorithms on the same seeds, many seeds at once, with a replay."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from core.rl.gridworld import ARROWS, MAX_SIDE, PRESETS, parse_layout
from core.rl.mdp import greedy_path
from core.rl.tabular import ALGORITHMS, EPSILON_DECAYS, BatchResult, TDConfig, agent_seeds, run_agents
from core.rl.tabular_tasks import (
    TabularTask,
    cliff_walking_task,
    frozen_lake_task,
    gridworld_task,
    optimal_q,
    q_in_grid_directions,
)
from ui import contract as ui
from ui import text_upload
from viz.rl import tabular as viz

CLIFF, LAKE4, LAKE8, GRID = "CliffWalking", "FrozenLake 4x4", "FrozenLake 8x8", "Gridworld"
ENVIRONMENTS = (CLIFF, LAKE4, LAKE8, GRID)
GRID_PRESETS = [name for name, p in PRESETS.items() if p.gymnasium_map is None]
DEFAULT_PRESET = "CliffGrid (CS188)"
# The page's work budget: lock steps of the batch (each moves every agent one step).
STEP_BUDGET = 15_000
SMOOTHING = (1, 5, 10, 25, 50)
# the episode count the replay slider ended at on the last run (a slider left at the end stays at the end)
REPLAY_END = "_rl_td_replay_end"


@st.cache_resource(max_entries=16, show_spinner=False)
def build_task(env: str, slippery: bool, layout: str, slip: float, living: float, limit: int) -> TabularTask:
    """The task (read once from Gymnasium or parsed from the layout); never mutated afterwards."""
    if env == CLIFF:
        return cliff_walking_task(limit)
    if env in (LAKE4, LAKE8):
        return frozen_lake_task("4x4" if env == LAKE4 else "8x8", slippery, limit)
    return gridworld_task(parse_layout(layout, living_reward=living, slip=slip), limit)


@st.cache_data(max_entries=24, show_spinner="Training every seed at once…")
def train(task_args: tuple, config: TDConfig, n_seeds: int, seed: int) -> tuple[BatchResult, np.ndarray | None]:
    """Both algorithms on the same seeds, whichever are shown: each agent draws from its own seed's stream
    (core.rl.tabular), so an algorithm's curves are the same with or without the other, and choosing which to
    show (the Algorithms control) never retrains."""
    task = build_task(*task_args)
    Q_star = optimal_q(task, config.gamma)
    seeds = agent_seeds(seed, n_seeds)  # independent streams: SeedSequence(seed).spawn(n_seeds)
    result = run_agents(
        task, config, seeds, ALGORITHMS, Q_star=Q_star, trace_seed_indices=(0,), max_lock_steps=STEP_BUDGET
    )
    return result, Q_star


def only(result: BatchResult, algorithms: tuple[str, ...]) -> BatchResult:
    """The part of a batch that belongs to ``algorithms`` (axis 0 of every per-agent array); the batch totals
    ``steps`` and ``lock_steps`` stay those of the whole batch (the page does not show them)."""
    keep = [result.algorithms.index(name) for name in algorithms]
    return dataclasses.replace(
        result,
        algorithms=tuple(algorithms),
        returns=result.returns[keep],
        lengths=result.lengths[keep],
        q_error=None if result.q_error is None else result.q_error[keep],
        Q=result.Q[keep],
        visits=result.visits[keep],
        completed=result.completed[keep],
        traces={key: trace for key, trace in result.traces.items() if key[0] in algorithms},
    )


# Figures cached on the settings they depend on (plotly JSON dicts, see ui.figure): a control that changes one
# figure (the smoothing, the replayed episode, the algorithms shown) rebuilds that figure only.
TrainKey = tuple  # (task_args, config, n_seeds, seed): what train() depends on


@st.cache_data(max_entries=32, show_spinner=False)
def curves_figure(key: TrainKey, algorithms: tuple[str, ...], window: int) -> dict:
    result, Q_star = train(*key)
    task, config = build_task(*key[0]), key[1]
    optimum = float(Q_star[task.start_state].max()) if Q_star is not None and config.gamma == 1.0 else None
    return viz.learning_curves(only(result, algorithms), window, optimum, as_json=True)


@st.cache_data(max_entries=32, show_spinner=False)
def learned_figure(key: TrainKey, algorithms: tuple[str, ...]) -> dict:
    """What each algorithm learned with its first seed, in one figure: visits with the greedy path over Q(s, a)
    per cell, a column per algorithm."""
    result, _ = train(*key)
    task = build_task(*key[0])
    rows = [result.algorithms.index(name) for name in algorithms]
    paths = [greedy_path(task.mdp, task.start_state, result.Q[j, 0]) for j in rows]
    notes = [f"{len(p) - 1} steps to the end" if task.mdp.terminal[p[-1]] else "loops: not yet learned" for p in paths]
    return viz.learned_panels(
        task,
        algorithms,
        [result.visits[j].sum(axis=0) for j in rows],
        paths,
        # the drawing's Q triangles use grid directions (up, right, down, left)
        [q_in_grid_directions(task, result.Q[j, 0]) for j in rows],
        notes,
        as_json=True,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def q_error_figure(key: TrainKey, algorithms: tuple[str, ...]) -> dict:
    return viz.q_error_curves(only(train(*key)[0], algorithms), as_json=True)


@st.cache_data(max_entries=64, show_spinner=False)
def replay_figure(key: TrainKey, name: str, episode: int) -> dict:
    result, _ = train(*key)
    task = build_task(*key[0])
    j = result.algorithms.index(name)
    steps = result.traces[(name, 0)].of_episode(episode - 1)
    return viz.replay(task, steps, result.visits[j, 0], name, key[1].gamma, as_json=True)


def load_preset() -> None:
    preset = PRESETS[st.session_state["world"]]
    st.session_state["layout"] = preset.layout
    st.session_state["slip"] = round(preset.slip, 2)
    st.session_state["living"] = preset.living_reward


# ------------------------------------------------------------------------------------------------ controls
ui.begin(
    __file__,
    intro="The agent does **not** know P(s′|s, a) or r(s, a): it acts, observes r and s′, and nudges one "
    "entry of its table Q toward a **TD target**. Q-learning and SARSA differ only in that target. Both run "
    "here on the **same seeds**, many seeds at once, so you see their typical behaviour and its spread.",
)
env = ui.select(
    "Environment",
    "env",
    ENVIRONMENTS,
    CLIFF,
    help="CliffWalking-v1 and FrozenLake-v1 are read from Gymnasium's own tables (env.unwrapped.P); "
    "Gridworld is the page-1.1 grid, which you can edit.",
)
slippery, layout, slip, living = False, "", 0.0, 0.0
if env in (LAKE4, LAKE8):
    slippery = ui.toggle("Slippery ice", "slippery", True, help="Each move goes sideways with probability 2/3.")
if env == GRID:
    linked = st.query_params.get("world")
    if "layout" not in st.session_state and "layout" not in st.query_params and linked in GRID_PRESETS:
        # a link that names a preset but not its layout: start from that preset's grid
        st.session_state["layout"] = PRESETS[linked].layout
    preset = ui.select(
        "Preset grid",
        "world",
        GRID_PRESETS,
        DEFAULT_PRESET,
        on_change=load_preset,
        help="Choosing one loads its layout, slip and living reward.",
    )
    layout = ui.text_area(
        "Layout (edit and relearn)",
        "layout",
        PRESETS[DEFAULT_PRESET].layout,
        height=130,
        help="One token per cell: . floor, # wall, S start, T terminal, +1 / -10 terminal with that reward, "
        "~-1 a cell paying −1 on every arrival. Change a reward or add walls, then press Ctrl+Enter.",
    )
    # a layout that cannot be read is named right here; the agents keep learning on the last valid grid
    layout_message = st.sidebar.container()
    with st.sidebar.expander("Layout file: upload or download", expanded=False):
        # a layout file (the same text format as the MDP page's) replaces the text once it parses
        text_upload.text_uploader(
            "Upload a layout file (.txt)", "layout", parse_layout, types=["txt"], container=st,
            help=f"The text format above, up to {MAX_SIDE} cells a side. A file that cannot be read leaves the "
            "current grid as it is.",
        )  # fmt: skip
        download_slot = st.container()
    slip = ui.slider(
        "Slip probability",
        "slip",
        0.0,
        1.0,
        PRESETS[DEFAULT_PRESET].slip,
        0.01,
        help="Probability that a move goes sideways (half each way).",
    )
    living = ui.slider("Living reward", "living", -2.0, 1.0, 0.0, 0.01, help="Reward added to every move.")
    world, layout_stale = ui.attempt_or_last(
        "layout", parse_layout, layout, living_reward=living, slip=slip, container=layout_message
    )
    never_valid_layout = world is None
    if never_valid_layout:
        # a link whose layout never parsed: the chosen preset's grid until the text is fixed
        world = parse_layout(PRESETS[preset].layout, living_reward=living, slip=slip)
    shown_layout = world.layout()
    download_slot.download_button(
        "Download this layout",
        data=shown_layout + "\n",
        file_name="gridworld.txt",
        mime="text/plain",
        on_click="ignore",
        icon=":material/download:",
        key="layout_download",
        help="The grid the agents learn on, in the layout text format: upload it here or on the MDP page.",
    )
    if layout_stale:
        ui.showing_last_valid(
            "grid", "layout (sidebar)", shown=f"the preset's grid, {preset}," if never_valid_layout else None
        )
    layout = shown_layout
algorithms = ui.multiselect("Algorithms", "algs", ALGORITHMS, ALGORITHMS)
alpha = ui.slider("Step size α", "alpha", 0.01, 1.0, 0.5, 0.01, help="Q(s,a) ← Q(s,a) + α·δ.")
omega = ui.slider(
    "Step-size decay ω",
    "omega",
    0.0,
    1.0,
    0.0,
    0.05,
    help="The n-th update of (s, a) uses α / n^ω: 0 keeps α constant; between ½ and 1 the "
    "Robbins–Monro conditions hold and Q converges to Q* (Q-learning).",
)
gamma = ui.slider("Discount γ", "gamma", 0.0, 1.0, 1.0, 0.01, help="Sutton & Barto use γ = 1 on the cliff.")
epsilon = ui.slider(
    "ε (exploration)", "eps", 0.0, 1.0, 0.1, 0.01, help="Probability of a uniformly random action in ε-greedy."
)
decay = ui.select("ε decay", "decay", EPSILON_DECAYS, "constant", horizontal_radio=True)
epsilon_end = epsilon
if decay != "constant":
    epsilon_end = ui.slider("ε in the last episode", "eps_end", 0.0, 1.0, 0.0, 0.01)
episodes = ui.slider("Episodes", "episodes", 10, 1000, 150, 10)
n_seeds = ui.slider("Number of seeds", "seeds", 1, 100, 10, 1, help="Independent agents per algorithm.")
limit = ui.slider(
    "Time limit (steps per episode)",
    "limit",
    10,
    1000,
    200,
    10,
    help="Gymnasium's TimeLimit: a longer episode is truncated (not terminal: the target still "
    "bootstraps). Gymnasium uses 100 for FrozenLake 4×4, 200 for 8×8, none for CliffWalking.",
)
seed = ui.seed()

# ------------------------------------------------------------------------------------------------ compute
task_args = (env, bool(slippery), layout, float(slip), float(living), int(limit))
task = ui.attempt(build_task, *task_args)
config = TDConfig(
    episodes=int(episodes),
    alpha=float(alpha),
    alpha_decay_power=float(omega),
    gamma=float(gamma),
    epsilon=float(epsilon),
    epsilon_end=float(epsilon_end),
    epsilon_decay=decay,
)
if not algorithms:
    ui.problem("Choose at least one algorithm (Q-learning or SARSA) to train.")
    ui.end()
    st.stop()
key: TrainKey = (task_args, config, int(n_seeds), seed)
full_result, Q_star = ui.attempt(train, *key)
result = only(full_result, tuple(algorithms))
if result.completed.min() < episodes:
    ui.caution(
        f"The page's budget of {STEP_BUDGET:,} steps per agent ran out after {int(result.completed.min())} of "
        f"{episodes} episodes (long episodes: raise the time limit less, lower ε or the episodes). The curves "
        "stop where the slowest seed stopped."
    )


# ------------------------------------------------------------------------------------------------ page
# The smoothing and the replay are fragments: in the browser, moving one of their controls reruns only that part
# of the page (its widgets are drawn inside, so each fragment run creates them again, URL binding included).
@st.fragment
def learning_curves_part(key: TrainKey, result: BatchResult) -> None:
    window = ui.select(
        "Smooth the curves over",
        "smooth",
        SMOOTHING,
        10,
        format_func=lambda w: f"{w} episodes",
        horizontal_radio=True,
        container=st,
    )
    ui.figure(curves_figure(key, result.algorithms, window))


learning_curves_part(key, result)
done_episodes = int(result.completed.min())
last = slice(max(0, done_episodes - max(10, done_episodes // 5)), done_episodes)
if done_episodes:
    summary = "  ·  ".join(
        f"**{name}**: {np.mean(result.returns[j][:, last]):.1f} per episode online over the last "
        f"{last.stop - last.start} episodes"
        for j, name in enumerate(result.algorithms)
    )
    st.markdown(summary)

st.subheader("What each learned (first seed)")
ui.figure(learned_figure(key, result.algorithms))
st.caption(
    "Grey: how often each cell was visited over all seeds and episodes (log scale). Each cell's four "
    "triangles are Q(s, ↑), Q(s, →), Q(s, ↓), Q(s, ←); where the cells are too small for the numbers, hover a "
    "triangle (or a cell's label, such as the cliff's −100) to read it. Both algorithms share one colour scale "
    "for the visits and one for Q."
)

if result.q_error is not None:
    ui.figure(q_error_figure(key, result.algorithms))
else:
    ui.caution(
        "Value iteration does not converge for this γ and grid (γ = 1 and no reachable end), so there "
        "is no Q* to compare with. Lower γ to see the error against Q*."
    )


# ------------------------------------------------------------------------------------------------ replay
@st.fragment
def replay_part(key: TrainKey, result: BatchResult) -> None:
    task, gamma, episodes, seed = build_task(*key[0]), key[1].gamma, key[1].episodes, key[3]
    st.subheader("Replay an episode")
    c1, c2 = st.columns(2)
    replay_name = ui.select("Agent", "replay_alg", ALGORITHMS, ALGORITHMS[0], horizontal_radio=True, container=c1)
    if replay_name not in result.algorithms:
        replay_name = result.algorithms[0]
    j = result.algorithms.index(replay_name)
    trained = int(result.completed[j, 0])  # episodes the replayed agent finished (the step budget may stop it early)
    # Before the slider is drawn (writing its key later in the run is not allowed): an episode past the new end
    # moves to it, and a slider left at the last episode stays at the last one when more episodes are trained.
    # A run that sets the value so gives the slider no default (None): Streamlit warns about a widget created
    # with a default whose value was also set through session state.
    chosen = st.session_state.get("replay")
    moved = chosen is not None and chosen != trained
    moved = moved and (chosen > trained or chosen == st.session_state.get(REPLAY_END))
    if moved:
        st.session_state["replay"] = trained
    st.session_state[REPLAY_END] = trained
    if trained > 1:
        replay_episode = ui.slider("Episode", "replay", 1, trained, None if moved else trained, 1, container=c2)
    else:
        replay_episode = 1
    trace = result.traces[(replay_name, 0)]
    shown = int(min(replay_episode, trained))
    steps = trace.of_episode(shown - 1)
    st.caption(
        f"{replay_name}, seed {seed}, episode {shown} of {episodes}: {len(steps['state'])} steps, sum of rewards "
        f"{steps['reward'].sum():g}, ε = {result.epsilons[shown - 1]:.3g}."
        + (f" Showing the first {viz.MAX_REPLAY_FRAMES} steps." if len(steps["state"]) > viz.MAX_REPLAY_FRAMES else "")
    )
    if not len(steps["state"]):
        return
    ui.figure(replay_figure(key, replay_name, shown))
    # tracked (key, on_change): the table is built and sent only while the expander is open (Streamlit draws a
    # collapsed expander's content too)
    table_box = st.expander("Every update of this episode as a table", key="replay_table", on_change="rerun")
    if table_box.open:
        W = task.shape[1]
        table = pd.DataFrame(
            {
                "s": [str(divmod(int(s), W)) for s in steps["state"]],
                "a": [
                    ARROWS[task.direction_of_action[int(a)]] + (" (ε)" if e else "")
                    for a, e in zip(steps["action"], steps["explored"])
                ],
                "r": steps["reward"],
                "s′": [str(divmod(int(s), W)) for s in steps["next_state"]],
                "TD target": steps["target"],
                "Q(s,a) before": steps["q_before"],
                "δ": steps["td_error"],
                "Q(s,a) after": steps["q_after"],
            }
        )
        table_box.dataframe(table, hide_index=True, width="stretch")
    k = int(np.argmax(np.abs(steps["td_error"])))
    which = r"Q(s',a')" if replay_name == "SARSA" else r"\max_{a'} Q(s',a')"
    ui.formula(
        rf"Q(s,a) \leftarrow Q(s,a) + \alpha\,[\underbrace{{r + \gamma\,{which}}}_{{\text{{TD target}}}} - Q(s,a)]"
        rf" = {steps['q_before'][k]:.4g} + {steps['step_size'][k]:.3g}\,[{steps['reward'][k]:g} + {gamma:g}"
        rf"\cdot {steps['bootstrap'][k]:.4g} - ({steps['q_before'][k]:.4g})] = {steps['q_after'][k]:.4g}",
        caption=f"{replay_name}: the update with the largest |δ| in this episode (step {k + 1}), with its numbers",
    )


replay_part(key, result)

# ------------------------------------------------------------------------------------------------ theory
st.subheader("The two updates")
ui.formula(
    r"\text{Q-learning (off-policy):}\quad Q(s,a) \leftarrow Q(s,a) + \alpha\,[r + \gamma \max_{a'} Q(s',a') - Q(s,a)]"
)
ui.formula(
    r"\text{SARSA (on-policy):}\quad Q(s,a) \leftarrow Q(s,a) + \alpha\,[r + \gamma\, Q(s',a') - Q(s,a)],"
    r"\quad a' \sim \varepsilon\text{-greedy}(Q(s',\cdot))"
)
ui.formula(
    rf"\varepsilon\text{{-greedy}}:\ a = \begin{{cases}} \text{{uniform random action}} & \text{{with prob. }}"
    rf"\varepsilon = {result.epsilons[0]:.3g} \to {result.epsilons[-1]:.3g}\ (\text{{exploration}}) \\ "
    r"\arg\max_a Q(s,a) & \text{otherwise (exploitation)} \end{cases}"
)
ui.what_to_notice(
    "- **Off-policy vs on-policy.** Q-learning's target uses max over a′: it learns the value of the *greedy* "
    "policy while it behaves ε-greedily, so on CliffWalking its greedy path runs along the cliff edge (13 steps, "
    "optimal). Its exploratory steps sometimes drop it into the cliff, so it **earns less online** "
    "(≈ −50 per episode vs ≈ −25 with ε = 0.1, α = 0.5). SARSA's target uses the a′ it will really take, so it "
    "learns the value of the ε-greedy policy itself and prefers the **safer path** away from the edge.\n"
    "- Set **ε decay** to linear with ε → 0 in the last episode: both curves reach the optimum −13 and both "
    "greedy paths become the cliff-edge path — with no exploration left, on- and off-policy coincide.\n"
    "- Set ε = 1 (pure exploration): SARSA learns the value of a random walk; Q-learning still learns Q* "
    "(watch its error curve fall) although it never acts greedily — that is what off-policy means.\n"
    "- Edit the grid (Gridworld): add a wall or change a reward, and both agents relearn from scratch on the "
    "same seeds. With slip > 0 the gap between them grows near dangerous cells."
)
ui.erratum(
    "“**Exploitation**: explore new parts of state space so as to gain more experiences; **Exploitation**: "
    "maximize reward.”",
    "The first is **exploration**: trying actions that are not (yet) the best to gain experience of new parts of "
    "the state space (in ε-greedy: the random action, probability ε). **Exploitation** is taking the action that "
    "is best according to the current Q, to maximize reward (probability 1 − ε).",
)
ui.end()
