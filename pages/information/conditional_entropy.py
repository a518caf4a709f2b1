"""Conditional entropy H(Y|X) = Σ_x P(x) H(Y|X=x) from an editable joint table, and the chain rule (sheet 2.2 d)."""

import numpy as np
import pandas as pd
import streamlit as st

from core.information.joint import JointReport, joint_report
from ui import contract as ui
from ui import information_widgets as iw
from viz.information import joint as viz
from viz.information.text import outcome_labels, unit_name

PRESETS = {
    "an x that makes Y more uncertain": [[0.7, 0.0, 0.0], [0.1, 0.1, 0.1]],
    "independent": [[0.3, 0.2], [0.18, 0.12], [0.12, 0.08]],
    "Y = X (deterministic)": [[0.5, 0.0, 0.0], [0.0, 0.3, 0.0], [0.0, 0.0, 0.2]],
    "noisy channel": [[0.45, 0.05], [0.05, 0.45]],
}


@st.cache_data(max_entries=64)
def measures(joint: tuple[tuple[float, ...], ...], base: float) -> JointReport:
    return joint_report(np.array(joint), base)


ui.begin(
    __file__,
    intro="How uncertain is Y once X is known? Average, over the values x, the entropy of the row P(Y|X=x). "
    "Edit the joint table in the sidebar (or pick a preset) and watch each term.",
)
base = iw.unit_switch()
unit = unit_name(base)
# a table that cannot be read is named under the text area; the figures keep the last valid table meanwhile
table = iw.joint_table_editor(PRESETS, "an x that makes Y more uncertain")
labels = iw.joint_labels(table.value)
r = measures(tuple(map(tuple, table.value.table.tolist())), base)
table.mark("joint table", "joint table (sidebar)", "the preset's table")

ui.figure(viz.joint_heatmap(r, **labels))
nx, ny = r.joint.shape
x_names = outcome_labels(nx, "x", labels["x_names"])
y_names = outcome_labels(ny, "y", labels["y_names"])
conditional = pd.DataFrame(
    r.y_given_x,
    index=pd.Index(x_names, name=labels["x_title"] or "x"),
    columns=[f"P({y}|x)" for y in y_names],
)
conditional.insert(0, "P(x)", r.p_x)
conditional["H(Y|X=x)"] = r.h_y_given_x_each
conditional["P(x)·H(Y|X=x)"] = r.h_y_given_x_terms
st.markdown(
    f"**Each row x: its conditional distribution P(Y|X=x) and its entropy** ({unit}; a row with P(x) = 0 "
    "has no conditional distribution and weight 0)"
)
st.dataframe(conditional.round(3), width="stretch")

ui.figure(viz.conditional_terms(r, labels["x_names"]))
terms = " + ".join(rf"{px:.2f}\cdot{hx:.3f}" for px, hx in zip(r.p_x, r.h_y_given_x_each))
ui.formula(
    rf"H(Y|X) = \sum_x P(x)\,H(Y|X=x) = {terms} = {r.h_y_given_x:.3f}\ \le\ H(Y) = {r.h_y:.3f}\ \text{{{unit}}}",
    caption="Conditional entropy with the current numbers",
)
above = [x_names[i] for i in range(nx) if r.h_y_given_x_each[i] > r.h_y + 1e-12]
if above:
    st.markdown(
        f":material/arrow_upward: **{', '.join(above)}** {'makes' if len(above) == 1 else 'make'} Y *more* uncertain than not knowing X "
        f"(H(Y|X=x) > H(Y) = {r.h_y:.3f}, vermilion bars), as the sheet notes — yet on average knowing X never hurts: "
        f"H(Y|X) = {r.h_y_given_x:.3f} ≤ H(Y)."
    )

st.subheader("Chain rule")
ui.figure(viz.chain_rule_bars(r))
ui.formula(
    rf"H(X,Y) = {r.h_xy:.3f} = H(X) + H(Y|X) = {r.h_x:.3f} + {r.h_y_given_x:.3f}"
    rf" = H(Y) + H(X|Y) = {r.h_y:.3f} + {r.h_x_given_y:.3f}",
    caption="Chain rule with the current numbers",
)
ui.what_to_notice(
    "- The preset *an x that makes Y more uncertain*: seeing x2 leaves Y uniform (log 3 ≈ 1.585 bits), more than "
    "H(Y) ≈ 0.92 bits. Conditioning can raise uncertainty for one x, never on average.\n"
    "- *independent*: every row of P(Y|X=x) is the same, so H(Y|X) = H(Y); *Y = X*: every row is certain, so "
    "H(Y|X) = 0.\n"
    "- The chain rule bars always have the same length: describing (X, Y) costs describing X, then Y given X.\n"
    "- Type counts instead of probabilities (e.g. 7 0 0 / 1 1 1): the table is normalized and the page says so.\n"
    "- Your data: paste a CSV with a header line and row names (weather,rain,sun / warm,0.1,0.4 / …) and the "
    "names label the table; or paste observations, one (x, y) pair per line (rain,yes / sun,no / …), and they "
    "are counted into the table P̂(x, y) = n_xy / n."
)
ui.end()
