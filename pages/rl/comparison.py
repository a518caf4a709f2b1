"""Value-based vs policy-based vs actor-critic on CartPole (sheet 1.6): measured results next to the sheet's list."""

import json
from pathlib import Path

import numpy as np
import streamlit as st

from core.rl.common import SOLVED_RETURN, TrainingLog
from ui import contract as ui
from viz.rl import deep as deep_rl

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks_deep_rl.json"
PROS_CONS = {
    "value-based": (
        "Off-policy, uses experience replay, sample efficient.",
        "Indirect; accurate Q estimation is hard; may give unstable policies.",
    ),
    "policy-based": ("Optimises the policy directly; typically more stable.", "On-policy; less sample efficient."),
    "actor-critic": (
        "Direct policy updates with a critic to reduce variance (can use replay off-policy).",
        "Two models to train; one can outpace the other.",
    ),
}


# keyed by the file's mtime: a rewritten results file replaces the entry (2: the old one and the new one)
@st.cache_data(show_spinner=False, max_entries=2)
def load_results(mtime: float) -> dict:
    return json.loads(RESULTS.read_text())


spec = ui.begin(
    __file__,
    "The same environment (CartPole-v1), the same seeds, the same rule for *solved* (greedy mean ≥ 475 over 10 "
    "episodes): measured by `bench/bench_deep_rl.py`, not trained live here (that takes minutes). "
    "Train any of them yourself on the DQN, policy-gradient and actor-critic pages.",
)
data = load_results(RESULTS.stat().st_mtime) if RESULTS.exists() else None
measure = ui.select("Measure", "measure", ("environment steps", "wall-clock seconds"), horizontal_radio=True)
# only the seeds the benchmark ran can be picked (it used 0 … seeds − 1)
seeds = list(range(data["meta"]["seeds"])) if data is not None else [0]
curve_seed = ui.select("Seed of the learning curves", "seed", seeds, 0)

if data is None:
    ui.figure(deep_rl.empty_figure("Steps to solve", "No benchmark results yet: run bench/bench_deep_rl.py."))
else:
    meta, results = data["meta"], data["results"]
    key = "solved_step" if measure == "environment steps" else "solved_seconds"
    per = {r["label"]: [x[key] for x in r["runs"]] for r in results}
    cap = max(max(r["budget"] for r in results), 1) if key == "solved_step" else max(r["wall_cap"] for r in results)
    ui.figure(
        deep_rl.solve_steps_plot(
            per, cap, f"{measure.capitalize()} to solve, one dot per seed (× = not solved)", measure
        )
    )
    rows = []
    for r in results:
        runs = r["runs"]
        solved = [x for x in runs if x["solved_step"] is not None]
        steps = [x["solved_step"] for x in solved]
        secs = [x["solved_seconds"] for x in solved]
        finals = [x["final_mean"] for x in runs]
        stable = [x["still_solved"] for x in solved]
        # the online network, where the result is a kept copy (DQN); older result files lack the field
        online = [x.get("still_solved_online", x["still_solved"]) for x in solved]
        rows.append(
            {
                "agent": r["label"],
                "family": r["family"],
                "solved": f"{len(solved)}/{len(runs)}",
                "steps to solve": f"{np.mean(steps):,.0f} ± {np.std(steps):,.0f}" if steps else "—",
                "seconds to solve": f"{np.mean(secs):.1f} ± {np.std(secs):.1f}" if secs else "—",
                "return later": f"{np.mean(finals):.0f} ± {np.std(finals):.0f}",
                "still solved: result · online": f"{sum(stable)}/{len(stable)} · {sum(online)}/{len(online)}"
                if stable
                else "—",
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        f"{meta['seeds']} seeds, measured {meta['date']} on {meta['machine']}. Steps are exact and reproducible; "
        "seconds = steps ÷ the agent's steps/s measured alone on seed 0 (the machine is shared). *Still solved*: "
        f"greedy mean ≥ 475 on 10 held-out start states after {meta.get('extra_steps', 10_000):,} more "
        "steps, for the network the agent's page shows as its result (DQN: the kept best network) and for the "
        "online network."
    )
    logs = {}
    for r in results:
        run = next((x for x in r["runs"] if x["seed"] == curve_seed), None)
        if run is not None:
            logs[r["label"]] = TrainingLog(
                eval_step=run["eval_step"], eval_mean=run["eval_mean"], eval_sd=[0.0] * len(run["eval_mean"])
            )
    ui.figure(
        deep_rl.learning_curves(
            logs, SOLVED_RETURN["CartPole-v1"], title=f"Greedy evaluation while training, seed {curve_seed}"
        )
    )
    st.markdown("**What the sheet lists** (its claims, which the numbers above test)")
    st.dataframe(
        [{"family": family, "sheet: pros": pros, "sheet: cons": cons} for family, (pros, cons) in PROS_CONS.items()],
        hide_index=True,
        width="stretch",
        column_config={"family": st.column_config.TextColumn(width="small")},
    )

ui.formula(
    r"\text{value-based: } \pi(s)=\arg\max_a Q(s,a;\theta) \qquad \text{policy-based: } "
    r"\theta \leftarrow \theta + \alpha \nabla_\theta J(\theta) \qquad \text{actor-critic: } \hat A = r + \gamma \hat V_\phi(s') - \hat V_\phi(s)"
)
ui.what_to_notice(
    "- **Sample efficiency** (steps): DQN reuses every transition many times from its replay buffer, so it "
    'needs the fewest environment steps — the sheet\'s "off-policy, sample efficient".\n'
    "- **Wall time** tells another story on a CPU: each DQN step pays for gradient updates, while REINFORCE "
    "spends one cheap update per batch of whole episodes. Fewer steps is not the same as faster.\n"
    '- **Stability**: compare "still solved" and the spread over seeds; value-based greedy policies '
    'can collapse after solving (the sheet\'s "may result in unstable policies"): the online DQN network often '
    "does, which is why the DQN page keeps the network of its best greedy evaluation as the result."
)
ui.end()
