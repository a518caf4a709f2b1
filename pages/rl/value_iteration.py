"""MDP and the Bellman equation (sheet 1.1): an editable gridworld solved by Q-iteration, sweep by sweep."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.errors import InputError
from core.rl.gridworld import (
    ACTIONS,
    ARROWS,
    DISCOUNT_GRID_GOALS,
    MAX_SIDE,
    PRESETS,
    discount_grid_challenges,
    edit_layout,
    frozen_lake_mdp,
    parse_layout,
)
from core.rl.mdp import (
    IterationResult,
    backup_at_sweep,
    greedy_mask,
    greedy_policy,
    policy_evaluation,
    q_iteration,
    state_values,
    uniform_random_policy,
)
from ui import contract as ui
from ui import text_upload
from viz import theme
from viz.rl import gridworld as gviz

DEFAULT_PRESET = "BookGrid 4×3 (AIMA)"
MODES = {
    "optimal": "Q-iteration: optimal V*, π*",
    "random": "Policy evaluation: equiprobable random π",
    "greedy": "Policy evaluation: greedy π from Q*",
}
TOOLS = {
    "select": "Select a cell (its Bellman backup)",
    "#": "Wall",
    ".": "Floor",
    "S": "Start",
    "terminal": "Terminal with reward r",
    "reward": "Reward cell (~r, not terminal)",
}
EPSILONS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8)
PLAYING = "_playing"
PLAY_SECONDS = 0.5
# set by the page run just before it calls the play clock: that call is inline (the k slider is already drawn)
CLOCK_INLINE = "_mdp_play_clock_inline"
PLAYBACK_TITLES = {
    "optimal": "V_k and the greedy π_k",
    "random": "V_k of the random policy",
    "greedy": "V_k of the greedy policy from Q*",
}


@st.cache_data(max_entries=64, show_spinner=False)
def solve(
    layout: str,
    gamma: float,
    slip: float,
    living: float,
    bump: float,
    epsilon: float,
    max_iterations: int,
    mode: str,
    gymnasium_map: str | None,
) -> tuple[IterationResult, IterationResult | None]:
    """(result shown, Q* used for the greedy policy) for the chosen mode."""
    world = parse_layout(layout, living_reward=living, bump_reward=bump, slip=slip)
    mdp = frozen_lake_mdp(gymnasium_map) if gymnasium_map else world.mdp()
    if mode == "optimal":
        return q_iteration(mdp, gamma, epsilon, max_iterations), None
    if mode == "random":
        return policy_evaluation(mdp, uniform_random_policy(mdp), gamma, epsilon, max_iterations), None
    optimal = q_iteration(mdp, gamma, epsilon, max_iterations, keep_history=False)
    return policy_evaluation(mdp, greedy_policy(optimal.Q), gamma, epsilon, max_iterations), optimal


def load_preset() -> None:
    preset = PRESETS[st.session_state["preset"]]
    st.session_state["grid"] = preset.layout
    st.session_state["gamma"] = preset.gamma
    st.session_state["slip"] = round(preset.slip, 2)
    st.session_state["living"] = preset.living_reward
    st.session_state["bump"] = preset.bump_reward
    st.session_state["k"] = 0
    st.session_state.pop("cell", None)


def apply_click() -> None:
    """A click on a grid figure: select the cell, or edit it with the current tool."""
    event = st.session_state.get(st.session_state.get("_clicked_chart", ""), None)
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if not points:
        return
    # the selection layer puts one marker at each cell centre (x = column, y = row)
    x, y = points[0].get("x"), points[0].get("y")
    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
        return
    row, col = round(y), round(x)
    tool = st.session_state.get("tool", "select")
    st.session_state["_edit_error"] = None
    if tool == "select":
        st.session_state["cell"] = f"{row},{col}"
        return
    token = {
        "terminal": f"{st.session_state.get('tool_r', 1.0):+g}",
        "reward": f"~{st.session_state.get('tool_r', 1.0):+g}",
    }
    try:
        st.session_state["grid"] = edit_layout(st.session_state["grid"], row, col, token.get(tool, tool))
    except InputError as error:
        st.session_state["_edit_error"] = str(error)


def click_handler(chart_key: str):
    def handler() -> None:
        st.session_state["_clicked_chart"] = chart_key
        apply_click()

    return handler


# ------------------------------------------------------------------------------------------------ controls
ui.begin(
    __file__,
    intro="A gridworld is a small MDP you can see: states are cells, actions move up/right/down/left, and "
    "with probability *slip* the move goes sideways. **Q-iteration** solves it exactly, one sweep over all "
    "states at a time. Click the grid to select a cell or to edit it.",
)
sb = st.sidebar
if "grid" not in st.session_state and st.query_params.get("preset") in PRESETS:
    # A link that names a preset but not every parameter: fill the missing ones from that preset.
    linked = PRESETS[st.query_params["preset"]]
    for key, value in (
        ("grid", linked.layout),
        ("gamma", linked.gamma),
        ("slip", round(linked.slip, 2)),
        ("living", linked.living_reward),
        ("bump", linked.bump_reward),
    ):
        if key not in st.query_params:
            st.session_state[key] = value
preset_name = ui.select(
    "Preset",
    "preset",
    list(PRESETS),
    DEFAULT_PRESET,
    on_change=load_preset,
    help="Classic gridworlds; choosing one loads its layout and parameters.",
)
default = PRESETS[DEFAULT_PRESET]
gamma = ui.slider(
    "Discount γ", "gamma", 0.0, 1.0, default.gamma, 0.01, help="Weight of the next reward: R = r₀ + γr₁ + γ²r₂ + …"
)
slip = ui.slider(
    "Slip probability",
    "slip",
    0.0,
    1.0,
    default.slip,
    0.01,
    help="Probability that a move goes to one of the two perpendicular directions (half each).",
)
living = ui.slider(
    "Living reward",
    "living",
    -2.0,
    2.0,
    default.living_reward,
    0.01,
    help="Reward added to every move (−1 in Sutton & Barto's 4×4).",
)
bump = ui.slider(
    "Bump reward",
    "bump",
    -2.0,
    0.0,
    default.bump_reward,
    0.1,
    help="Extra reward for bumping into the border or a wall (−1 in Sutton & Barto's 5×5).",
)
mode = ui.select("What to compute", "mode", list(MODES), "optimal", format_func=MODES.get)
epsilon = ui.select(
    "Stop threshold ε",
    "eps",
    EPSILONS,
    1e-4,
    format_func=lambda e: f"{e:g}",
    help="Stop when max_s |V_{k+1}(s) − V_k(s)| ≤ ε.",
)
max_iterations = ui.number(
    "Iteration cap",
    "maxit",
    1,
    20_000,
    1_000,
    100,
    help="Stop after this many sweeps even if the test has not passed (γ = 1 may never converge).",
)

with sb.expander("Edit the grid (text)", expanded=False):
    layout = ui.text_area(
        "Layout",
        "grid",
        default.layout,
        height=160,
        container=st,
        help="One token per cell: . floor, # wall, S start, T terminal (0), +1/−10 terminal with that reward, "
        "~r reward cell, A+10 jump source to cell a.",
    )
# under the expander, not in it: a message about the layout stays visible while the expander is closed
grid_message = sb.container()
with sb.expander("Layout file: upload or download", expanded=False):
    # a layout file (the same text format) replaces the text once it parses; the text stays the URL's copy
    text_upload.text_uploader(
        "Upload a layout file (.txt)", "grid", parse_layout, types=["txt"], container=st,
        help=f"The text format above, up to {MAX_SIDE} cells a side. A file that cannot be read leaves the "
        "current grid as it is.",
    )  # fmt: skip
    download_slot = st.container()
tool = ui.select("Click on the grid to…", "tool", list(TOOLS), "select", format_func=TOOLS.get)
if tool in ("terminal", "reward"):
    ui.number("Reward r of the cell", "tool_r", -100.0, 100.0, 1.0, 0.5)

# ------------------------------------------------------------------------------------------------ compute
preset = PRESETS[preset_name]
world, grid_stale = ui.attempt_or_last(
    "grid", parse_layout, layout, living_reward=living, bump_reward=bump, slip=slip, container=grid_message
)
if grid_stale:
    # A layout that cannot be parsed keeps the last valid grid on screen (before any, the preset's), solved with
    # the current γ, slip and rewards, so every figure stays up while the text is fixed.
    never_valid = world is None
    world = parse_layout(
        preset.layout if never_valid else world.layout(), living_reward=living, bump_reward=bump, slip=slip
    )
if st.session_state.get("_edit_error"):
    ui.problem(st.session_state["_edit_error"])
download_slot.download_button(
    "Download this layout",
    data=world.layout() + "\n",
    file_name="gridworld.txt",
    mime="text/plain",
    on_click="ignore",
    icon=":material/download:",
    key="grid_download",
    help="The grid drawn now, in the layout text format: upload it here or on the Q-learning page.",
)
unedited = world.layout() == parse_layout(preset.layout).layout()
use_gymnasium = bool(
    preset.gymnasium_map and unedited and abs(slip - preset.slip) < 0.006 and living == 0 and bump == 0
)
result, optimal = ui.attempt(
    solve,
    world.layout(),
    gamma,
    slip,
    living,
    bump,
    epsilon,
    int(max_iterations),
    mode,
    preset.gymnasium_map if use_gymnasium else None,
)

if result.diverged:
    ui.caution(
        f"The values blow up (|V| > 10¹² after {result.iterations} sweeps): with γ = {gamma:g} and no "
        "terminal the agent can reach, the discounted sum never settles. Lower γ or add a reachable terminal."
    )
elif not result.converged:
    ui.caution(
        f"No convergence within the cap of {result.iterations} sweeps: the last change was "
        f"{result.deltas[-1]:.3g} > ε = {epsilon:g}. With γ = 1 and no reachable terminal the values keep "
        "drifting; lower γ, add a terminal, or raise the cap."
    )
if use_gymnasium:
    st.caption(f"Transition table read from Gymnasium FrozenLake-v1 ({preset.gymnasium_map}): `env.unwrapped.P`.")
st.caption(preset.source if unedited else "Custom grid (edited).")
if grid_stale:
    ui.showing_last_valid(
        "grid", "layout (sidebar, *Edit the grid*)", shown=f"the preset's grid, {preset_name}," if never_valid else None
    )

# ------------------------------------------------------------------------------------------------ sweep slider
free_cells = [f"{r},{c}" for r, c in np.argwhere(~world.wall)]
if st.session_state.get("cell") not in free_cells:
    start = world.start
    st.session_state["cell"] = f"{start[0]},{start[1]}"
last = result.iterations
if st.session_state.get("k", 0) > last:
    st.session_state["k"] = last


def step_k(delta: int) -> None:
    """Move the sweep slider; only from a callback or the play clock's tick, never after the slider is drawn."""
    st.session_state["k"] = int(min(max(st.session_state.get("k", 0) + delta, 0), last))


def toggle_play() -> None:
    start = not st.session_state.get(PLAYING, False)
    if start and st.session_state.get("k", 0) >= last:
        st.session_state["k"] = 0  # Play at the last sweep replays from the start
    st.session_state[PLAYING] = start


@st.fragment(run_every=PLAY_SECONDS)
def play_clock() -> None:
    """Play: every tick one sweep forward, then the whole page redraws at the new k.

    A tick is a fragment run of its own, so the k slider drawn by the page run is not part of it and writing k is
    allowed (writing it at the end of the page run, after the slider, raised StreamlitAPIException).
    """
    if st.session_state.pop(CLOCK_INLINE, False):
        return  # the call inside the page run: its frame is the one to show until the next tick
    step_k(1)
    st.rerun()


can_watch = result.Q_history is not None
top = st.columns([2.4, 3, 0.8, 0.8, 0.8, 0.8, 0.8], vertical_alignment="bottom")
watch = can_watch and ui.toggle(
    "Step through the sweeps",
    "watch",
    False,
    container=top[0],
    help="Replay Q-iteration from Q₀ = 0: after k sweeps only states within k steps of a reward know about it.",
)
if watch:
    k = ui.slider("Sweep k (0 = the initial guess Q₀ = 0)", "k", 0, max(last, 1), 0, 1, container=top[1])
    k = min(k, last)
    top[2].button(":material/first_page:", on_click=step_k, args=(-last,), width="stretch", help="Back to k = 0")
    top[3].button(":material/chevron_left:", on_click=step_k, args=(-1,), width="stretch", help="One sweep back")
    top[4].button(":material/chevron_right:", on_click=step_k, args=(1,), width="stretch", help="One sweep forward")
    top[5].button(":material/last_page:", on_click=step_k, args=(last,), width="stretch", help="To the last sweep")
    if k >= last:
        st.session_state[PLAYING] = False  # played to the end (not a widget key: writing it here is allowed)
    playing = st.session_state.get(PLAYING, False)
    top[6].button(
        ":material/pause:" if playing else ":material/play_arrow:",  # icon only: five buttons share one row
        on_click=toggle_play,
        width="stretch",
        help="Pause" if playing else "Play: advance one sweep every half second",
        type="primary",
    )
else:
    k = last
    if not can_watch:
        top[1].info(
            f"{world.shape[0]}×{world.shape[1]} is too large to keep every sweep; showing the result "
            f"after {last} sweeps."
        )
    else:
        top[1].markdown(
            f"Showing the result after **{last} sweeps** (stopped because "
            f"{'max|ΔV| ≤ ε' if result.converged else 'the cap was reached'})."
        )

Q_k = result.Q_at(k)
if mode == "optimal":
    policy_k = greedy_policy(Q_k)
elif mode == "random":
    policy_k = uniform_random_policy(world.mdp())
else:
    policy_k = greedy_policy(optimal.Q)

value_policy = None if mode == "optimal" else policy_k  # V = max_a Q, or sum_a pi(a|s) Q under the policy
V_k = state_values(Q_k, value_policy, absorbing=world.wall.reshape(-1))
row, col = (int(v) for v in st.session_state["cell"].split(","))

# ------------------------------------------------------------------------------------------------ figures
label = {"optimal": "V* and π*", "random": "V^π of the random policy", "greedy": "V^π of the greedy policy"}[mode]
left, right = st.columns(2)
with left:
    if world.n_states <= gviz.MAX_TRIANGLE_CELLS:
        ui.figure(
            gviz.q_triangles(
                world,
                Q_k,
                f"Q_{k}(s, a) — one triangle per action",
                selected=(row, col),
                column_px=theme.HALF_COLUMN_PX,
            ),
            key="qfig",
            on_select=click_handler("qfig"),
            selection_mode="points",
        )
    else:
        st.info("Q triangles are drawn for grids up to 900 cells; the value map on the right shows every cell.")
with right:
    ui.figure(
        gviz.value_and_policy(
            world, V_k, policy_k, f"{label} after {k} sweeps", selected=(row, col), column_px=theme.HALF_COLUMN_PX
        ),
        key="vfig",
        on_select=click_handler("vfig"),
        selection_mode="points",
    )

if watch:
    # the movie of every sweep, played by the browser (the step-through above reruns the page per sweep)
    ui.figure(gviz.sweep_playback(world, result, value_policy, f"Sweep playback: {PLAYBACK_TITLES[mode]}"))
    sampled = len(gviz.sweep_frames(result, world.n_states)) < last + 1
    st.caption(
        "**▶ play** runs the sweeps from Q₀ = 0 in your browser, one per frame"
        + (" (evenly spaced sweeps of the run)" if sampled else "")
        + "; drag the slider to any k. The colour spreads out from the rewards one cell per sweep"
        + (", and the arrows settle on π* long before the values stop changing." if mode == "optimal" else ".")
    )
ui.figure(gviz.convergence(result.deltas, epsilon, k if watch else None))

# ------------------------------------------------------------------------------------------------ formulas
st.subheader("The Bellman backup")
ui.formula(
    r"Q_{k+1}(s,a) = r(s,a) + \gamma \sum_{s'} P(s'\mid s,a)\, \max_{a'} Q_k(s',a'), \qquad "
    r"r(s,a) = \sum_{s'} r(s,a,s')\,P(s'\mid s,a)",
    caption="Q-iteration, exactly as on the sheet (policy evaluation replaces max_{a'} by the average under π):",
)
ui.formula(
    r"\text{stop when } \max_s \left|\max_a Q_{k+1}(s,a) - \max_a Q_k(s,a)\right| \le \varepsilon"
    r"\quad\Rightarrow\quad V^*(s) = \max_a Q^*(s,a),\;\; \pi^*(s) = \arg\max_a Q^*(s,a)"
)
s = world.state(row, col)
mdp = world.mdp()
cell_col, table_col = st.columns([3, 2])
with cell_col:
    st.markdown(f"**Cell ({row}, {col})** at sweep k = {k} — click another cell (tool *Select*) to follow it.")
    if world.terminal[row, col] or world.wall[row, col]:
        st.markdown("This cell is terminal (or a wall): it is absorbing, so V = 0 and it is never backed up.")
    else:
        backup = backup_at_sweep(mdp, result, k, s, value_policy, absorbing=world.wall.reshape(-1))
        best = backup.action
        terms = r" \\ &\quad + ".join(
            rf"\underbrace{{{t.prob:.2f}}}_{{s'={world.cell(t.next_state)}}}\,[{t.reward:+.2f} + {gamma:g}\cdot({t.next_value:.3f})]"
            for t in backup.terms
        )
        ui.formula(
            rf"\begin{{aligned}}Q_{{{k}}}(({row},{col}),\text{{{ACTIONS[best]}}}) &= \sum_{{s'}} P(s'\mid s,a)\,"
            rf"[r(s,a,s') + \gamma V_{{{max(k - 1, 0)}}}(s')] \\ &= {terms} \\ &= {backup.value:.4f}\end{{aligned}}",
            caption="The backup of the best action with this page's numbers (successors merged where slips land "
            "on the same cell):",
        )
with table_col:
    if not (world.terminal[row, col] or world.wall[row, col]) and k > 0:
        rows_md = ["| action | Q_k(s,a) | π(a\\|s) |", "|---|---:|---:|"]
        for a in range(4):
            rows_md.append(f"| {ARROWS[a]} {ACTIONS[a]} | {Q_k[s, a]:.4f} | {policy_k[s, a]:.2f} |")
        st.markdown("\n".join(rows_md))
        st.caption(
            f"V_k(s) = {V_k[s]:.4f}" + (" = max over the column" if mode == "optimal" else " = Σ_a π(a|s) Q_k(s,a)")
        )

# ------------------------------------------------------------------------------------------------ challenges
if preset_name == "DiscountGrid (CS188)" and mode == "optimal" and unedited:
    achieved = discount_grid_challenges(world, greedy_mask(result.Q))
    goals = DISCOUNT_GRID_GOALS
    with st.container(border=True):
        st.markdown("**CS188 challenge — find γ, slip and living reward for each policy** (greedy path from S):")
        st.markdown(
            "\n".join(
                f"- {':material/check_box:' if achieved[c] else ':material/check_box_outline_blank:'} ({c}) {goals[c]}"
                for c in goals
            )
        )

ui.what_to_notice(
    "- **Values spread one step per sweep.** Step k from 0: after k sweeps only cells within k moves of a "
    "reward have non-zero values (S&B 5×5 and BookGrid show it best).\n"
    "- **The convergence line is straight on a log scale**: once every state has heard of the rewards, the error "
    "shrinks by a factor ≈ γ per sweep (the backup is a γ-contraction). Drop γ and count the sweeps.\n"
    "- **Slip makes the policy careful**: on BridgeGrid or DiscountGrid, raise the slip and watch π* step away "
    "from the negative terminals, even at the cost of a longer path.\n"
    "- **Ties are real**: in Sutton & Barto's 4×4 several actions are equally good; all of them are drawn.\n"
    "- **V^π vs V\\***: switch to 'Policy evaluation: equiprobable random π' on the 4×4 preset to get the "
    "textbook v_π (0, −14, −20, −22, …)."
)
ui.end()

# Play: the clock's ticks advance k; any click (Pause, a slider) reruns the page before the next tick.
if watch and st.session_state.get(PLAYING):
    st.session_state[CLOCK_INLINE] = True
    play_clock()
