"""CNN calculator (sheet 7a, 7d): per-layer shapes, parameters, FLOPs and receptive fields of a whole stack."""

import streamlit as st

from core.deep import cnn_calculator as cnn
from ui import contract as ui
from viz.deep import cnn_calculator as viz

CUSTOM = "Custom (edit the text)"
EXAMPLE = """input 3 32 32
# one layer per line; try a 7 in the last conv to see a layer flagged
conv 16 3 1 1
pool max 2 2
conv 32 3 1 1
pool max 2 2
conv 64 5 2 0
flatten
dense 10"""
PENDING = "_cnn_calc_pending_unit"
LAST_CLICK = "_cnn_calc_last_click"


@st.cache_data(max_entries=64)
def compute(text: str, exact: bool) -> cnn.Result:
    return cnn.compute(cnn.parse_stack(text), exact=exact)


# Figures cached on what they show (plotly JSON dicts, see ui.figure): picking another unit or layer redraws only
# the receptive-field figure.
@st.cache_data(max_entries=64, show_spinner=False)
def layer_figure(text: str, exact: bool) -> dict:
    return viz.layer_chart(compute(text, exact)).to_plotly_json()


@st.cache_data(max_entries=64, show_spinner=False)
def receptive_figure(text: str, exact: bool, row_index: int, i: int, j: int) -> dict:
    return viz.receptive_field_figure(compute(text, exact), row_index, i, j).to_plotly_json()


ui.begin(
    __file__,
    intro="Pick a famous network or write your own stack, one layer per line. Every row shows the output shape "
    "with the formula's numbers, the parameters, the FLOPs and the receptive field; pick an output unit below to "
    "see which input pixels it can see.",
)

# a click on the output grid (previous run) moves the unit selectors before they are drawn
if PENDING in st.session_state:
    st.session_state["ui"], st.session_state["uj"] = st.session_state.pop(PENDING)

preset = ui.select("Network", "preset", [*cnn.PRESETS, CUSTOM], "AlexNet", help="A preset, or your own stack.")
if preset == CUSTOM:
    text = ui.text_area(
        "Stack (one layer per line)",
        "stack",
        EXAMPLE,
        height=260,
        help="conv K F [S] [P] [dilation] [nobias] · pool max|avg F [S] [P] · bn · relu · block … add [proj S] · "
        "flatten · dense K · first line optionally 'input D H W'.",
    )
else:
    text = cnn.PRESETS[preset]
exact = ui.toggle(
    "Require exact division",
    "exact",
    False,
    help="Flag a conv/pool where (W₁ − F + 2P)/S is not a whole number: the floor would silently skip the last "
    "rows/columns of its input.",
)

result = ui.attempt(compute, text, exact)
stack = result.stack

if preset != CUSTOM:
    with st.sidebar.expander("This preset as text (copy it into Custom to edit)"):
        st.code(text, language=None)

if (bad := result.first_problem) is not None:
    ui.problem(
        f"Line {bad.layer.line} ('{bad.layer.text}') is impossible: {bad.problem}. The layers before it are computed; the ones after it are not."
    )

final = [r for r in result.rows if r.ok and r.shape is not None]
cols = st.columns(4)
# compact values (k, M, G): the exact numbers would be cut off in a quarter of the column; they are in the help
cols[0].metric("Parameters", viz.compact_count(result.total_params), help=f"{result.total_params:,} exactly.")
cols[1].metric(
    "FLOPs",
    viz.compact_count(result.total_flops),
    help=f"{result.total_flops:,} exactly: 2·F²·D₁·W₂·H₂·K per conv, 2·D₁·K per dense layer.",
)
cols[2].metric(
    "Multiplications", viz.compact_count(result.total_flops // 2), help=f"{result.total_flops // 2:,} exactly."
)
spatial = [r for r in result.rows if r.ok and r.rf is not None]
cols[3].metric("Largest receptive field", f"{spatial[-1].rf} px" if spatial else "—")

st.dataframe(
    viz.calculator_table(result), hide_index=True, width="stretch", height=min(35 * (len(result.rows) + 2) + 3, 560)
)
ui.figure(layer_figure(text, exact))

st.subheader("Receptive field of one output unit")
if not spatial:
    st.info("No layer with a spatial output was computed, so there is no receptive field to draw.")
else:
    options = [k for k, r in enumerate(result.rows) if r.ok and r.rf is not None]
    default = max(options, key=lambda k: (result.rows[k].rf, k))
    picked = ui.select(
        "Layer",
        "layer",
        options,
        default,
        format_func=lambda k: (
            f"line {result.rows[k].layer.line}: {result.rows[k].layer.text} → "
            f"{'×'.join(map(str, result.rows[k].shape))}, RF {result.rows[k].rf}"
        ),
        container=st,
    )
    row = result.rows[picked]
    _, h2, w2 = row.shape
    for key, limit in (("ui", h2 - 1), ("uj", w2 - 1)):  # a unit kept from a bigger layer: move it inside
        if st.session_state.get(key, 0) > limit:
            st.session_state[key] = limit
    left, right = st.columns(2)
    i = int(ui.number("Unit row", "ui", 0, h2 - 1, min(h2 // 2, h2 - 1), 1, container=left))
    j = int(ui.number("Unit column", "uj", 0, w2 - 1, min(w2 // 2, w2 - 1), 1, container=right))
    event = ui.figure(
        receptive_figure(text, exact, picked, i, j), key="rf_grid", on_select="rerun", selection_mode="points"
    )
    points = event.selection.points if event and event.selection else []
    if points:
        clicked = (round(points[0]["y"]), round(points[0]["x"]))
        if clicked != st.session_state.get(LAST_CLICK) and 0 <= clicked[0] < h2 and 0 <= clicked[1] < w2:
            st.session_state[LAST_CLICK] = clicked
            if clicked != (i, j):
                st.session_state[PENDING] = clicked
                st.rerun()
    top, left_col, bottom, right_col = cnn.receptive_box(row, i, j)
    terms = [rf"({f} - 1)\cdot {p}" for f, p in cnn.rf_terms(stack, picked)]
    if len(terms) > 7:  # long stacks: the first and the last terms, the middle elided
        terms = [*terms[:3], r"\cdots", *terms[-2:]]
    ui.formula(
        r"\mathrm{RF} = 1 + \sum_{l} (F_l - 1)\prod_{k<l} S_k = 1 + " + " + ".join(terms) + f" = {row.rf}",
        caption="Receptive field of the chosen layer, with this stack's numbers (dilated kernels count F_eff)",
    )
    ui.formula(
        rf"\text{{rows}}\; s + i\,j_l \ldots s + i\,j_l + \mathrm{{RF}} - 1 = {row.start} + {i}\cdot{row.jump} \ldots "
        rf"= {top} \ldots {bottom}",
        caption="Where the box lies: start s (negative = in the padding) and jump j_l = product of the strides so far",
    )
    if top < 0 or left_col < 0 or bottom >= stack.input_shape[1] or right_col >= stack.input_shape[2]:
        st.caption("Part of this box lies in the zero padding outside the image: those pixels are always 0.")

ui.formula(
    r"W_2 = \left\lfloor \frac{W_1 - F + 2P}{S} \right\rfloor + 1,\quad D_2 = K,\quad "
    r"\#\text{params} = (F^2 D_1 + 1)K,\quad \text{FLOPs} = 2F^2 D_1 W_2 H_2 K",
    caption="Sheet 7a (with dilation d the kernel spans F_eff = d(F − 1) + 1 pixels; parameters still use F)",
)
ui.what_to_notice(
    "- In AlexNet and VGG-16 almost all **parameters** sit in the first dense layer, while almost all **FLOPs** sit "
    "in the convolutions: weight sharing makes convs cheap in parameters but expensive in compute.\n"
    "- The **receptive field** grows by (F − 1) × (product of the earlier strides) per layer: early strides and "
    "pools multiply everything after them. VGG's stacks of 3×3 convs reach 212 pixels; ResNet-18's last stage 435, "
    "more than the 224-pixel image (the box reaches into the padding).\n"
    "- AlexNet on a 224×224 input gives (224 − 11)/4 = 53.25: switch on *Require exact division* to see the layer "
    "flagged; the 227×227 input of the preset makes it exact.\n"
    "- The floor in W₂ silently drops input rows; an output ≤ 0 stops the stack and the row says which numbers "
    "failed, while the rows before it stay."
)
ui.end()
