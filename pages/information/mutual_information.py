"""Mutual information I(X;Y) = H(X) − H(X|Y) = KL(P(X,Y) ‖ P(X)P(Y)), with a Venn diagram true to the areas (2.5)."""

import numpy as np
import streamlit as st

from core.information.joint import JointReport, VennLayout, binary_channel_joint, joint_report, venn_layout
from ui import contract as ui
from ui import information_widgets as iw
from viz.information import joint as joint_viz
from viz.information import venn as venn_viz
from viz.information.text import latex_log, unit_name

PRESETS = {
    "noisy channel": [[0.4, 0.1], [0.05, 0.45]],
    "independent": [[0.24, 0.16], [0.36, 0.24]],
    "deterministic (Y = X)": [[0.5, 0.0, 0.0], [0.0, 0.25, 0.0], [0.0, 0.0, 0.25]],
    "Y determined by X, not X by Y": [[0.25, 0.0], [0.25, 0.0], [0.0, 0.5]],
}


@st.cache_data(max_entries=64)
def measures(joint: tuple[tuple[float, ...], ...], base: float) -> tuple[JointReport, VennLayout]:
    report = joint_report(np.array(joint), base)
    return report, venn_layout(report.h_x, report.h_y, report.mutual_information)


ui.begin(
    __file__,
    intro="How much does observing Y tell about X? Mutual information is the uncertainty about X that Y removes "
    "— and, equally, how far the joint table is from the product of its marginals.",
)
base = iw.unit_switch()
unit = unit_name(base)
log_tex = latex_log(base)
source = ui.select(
    "Joint distribution from",
    "source",
    ["a table", "a binary channel"],
    "a binary channel",
    horizontal_radio=True,
    help="A binary channel: X ~ Bernoulli(P(X=1)) is sent, and each bit is flipped with probability ε.",
)
if source == "a binary channel":
    p1 = ui.slider("P(X = 1)", "px1", 0.0, 1.0, 0.5, 0.01)
    flip = ui.slider(
        "Flip probability ε",
        "eps",
        0.0,
        1.0,
        0.1,
        0.01,
        help="ε = 0: Y = X; ε = 0.5: Y is pure noise; ε = 1: Y = not X (still fully informative).",
    )
    table = binary_channel_joint(p1, flip)
    typed_table = None
    labels = {}
else:
    # a table that cannot be read is named under the text area; the figures keep the last valid table meanwhile
    typed_table = iw.joint_table_editor(PRESETS, "noisy channel")
    table = typed_table.value.table
    labels = iw.joint_labels(typed_table.value)
r, layout = measures(tuple(map(tuple, table.tolist())), base)
if typed_table is not None:
    typed_table.mark("joint table", "joint table (sidebar)", "the preset's table")

ui.figure(venn_viz.venn(r, layout))
ui.figure(venn_viz.venn_bar(r))
ui.figure(joint_viz.joint_heatmap(r, **labels))

ui.formula(
    rf"I(X;Y) = H(X) - H(X|Y) = {r.h_x:.3f} - {r.h_x_given_y:.3f} = {r.mutual_information:.3f}"
    rf" = H(Y) - H(Y|X) = {r.h_y:.3f} - {r.h_y_given_x:.3f}\ \text{{{unit}}}",
    caption="Mutual information as a reduction of uncertainty, with the current numbers",
)
ui.formula(
    rf"I(X;Y) = KL\big(P(X,Y)\,\|\,P(X)P(Y)\big) = \sum_{{x,y}} P(x,y){log_tex}\frac{{P(x,y)}}{{P(x)P(y)}}"
    rf" = {r.kl_joint_product:.3f}\ \text{{{unit}}}",
    caption="The same number as a divergence from independence",
)
ui.formula(
    rf"H(X,Y) = {r.h_xy:.3f}\ \le\ H(X) + H(Y) = {r.h_x + r.h_y:.3f}",
    caption="Sub-additivity: equality exactly when X ⊥ Y (I = 0)",
)
st.caption(
    f"Venn geometry: circle areas are H(X) = {r.h_x:.3f} and H(Y) = {r.h_y:.3f}; the centre distance "
    f"{layout.distance:.3f} was solved (Brent's method) so that the lens area equals I(X;Y) = "
    f"{r.mutual_information:.3f} (residual {layout.overlap_error:.1e})."
)
ui.what_to_notice(
    "- *independent*: the circles just touch (I = 0) and the joint table equals P(X)P(Y).\n"
    "- *deterministic (Y = X)*: the circles coincide: I(X;Y) = H(X) = H(Y), nothing is left over.\n"
    "- *Y determined by X, not X by Y*: the Y circle sits inside the X circle — H(Y|X) = 0 but H(X|Y) > 0.\n"
    "- Binary channel: I falls to 0 at ε = 0.5 and comes back as ε → 1 (flipping every bit loses nothing); "
    "I is symmetric, I(X;Y) = I(Y;X), even though H(X|Y) ≠ H(Y|X) in general."
)
ui.end()
