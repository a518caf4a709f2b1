"""Entropy H(X) of a coin and of a categorical distribution, against the bound log|X| (sheet 2.2)."""

import numpy as np
import streamlit as st

from core.information.entropy import (
    binary_entropy,
    character_counts,
    entropy,
    entropy_preset,
    max_entropy,
    surprisal_terms,
)
from core.information.parsing import normalize
from core.user_data import check_text
from ui import contract as ui
from ui import information_widgets as iw
from ui import text_upload
from viz.information import entropy as viz
from viz.information.text import latex_log, unit_name

MAX_OUTCOMES = 8
PRESETS = ("skewed", "uniform", "certain")
DEFAULT_TYPED = "0.5, 0.25, 0.125, 0.125"
DEFAULT_TEXT = "the quick brown fox jumps over the lazy dog and then the dog sleeps"


def text_characters(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The characters of a pasted text and their counts (InputError: empty, or over the size limit)."""
    return character_counts(check_text(text, "The text"))


ui.begin(
    __file__,
    intro="Entropy measures how unpredictable an outcome is: the average number of bits (yes/no questions) an "
    "optimal code needs per outcome. Move the coin's bias, then shape a die of up to eight faces.",
)
base = iw.unit_switch()
unit = unit_name(base)
log_tex = latex_log(base)

st.subheader("A coin: binary entropy")
p_coin = ui.slider("Coin: p = P(X = 1)", "p", 0.0, 1.0, 0.2, 0.01, help="The probability of heads.")
ui.figure(viz.binary_entropy_curve(p_coin, base))
h_coin = float(binary_entropy(p_coin, base))
ui.formula(
    rf"H({p_coin:.2f}) = -{p_coin:.2f}{log_tex} {p_coin:.2f} - {1 - p_coin:.2f}{log_tex} {1 - p_coin:.2f}"
    rf" = {h_coin:.3f}\ \text{{{unit}}}",
    caption="Binary entropy with the current p (0·log 0 = 0)",
)

st.subheader("A categorical distribution")
st.sidebar.markdown("**Categorical distribution**")
n = ui.slider("Number of outcomes |X|", "n", 2, MAX_OUTCOMES, 4, 1)
how = ui.select("Edit P(x) with", "edit", ["sliders", "typed numbers"], "sliders", horizontal_radio=True)
if how == "sliders":
    outcome_names = None  # the sliders' outcomes are x1, x2, …
    preset = ui.select("Preset", "preset", PRESETS, "skewed", help="Loads the preset into the sliders.")
    preset_weights = entropy_preset(preset, n)
    iw.load_preset_on_change("preset", f"{preset}/{n}", {f"w{i + 1}": w for i, w in enumerate(preset_weights)})
    weights = [ui.slider(f"weight of x{i + 1}", f"w{i + 1}", 0.0, 1.0, preset_weights[i], 0.01) for i in range(n)]
    # all weights at 0: named under the last slider; the last valid distribution (or the preset's) stays drawn
    normalized, stale = ui.attempt_or_last(
        "slider weights", normalize, weights, "the slider weights", container=st.sidebar
    )
    never_valid = normalized is None
    p, changed = normalize(preset_weights, "the preset") if never_valid else normalized
    if stale:
        ui.showing_last_valid(
            "distribution", "slider weights (sidebar)", shown=f"the {preset} preset" if never_valid else None
        )
    elif changed:
        st.info(
            f"Sliders are weights: they sum to {sum(weights):.2f}, so P(x) = weight / {sum(weights):.2f} keeps the "
            "distribution normalized.",
            icon=":material/balance:",
        )
else:
    # text that cannot be read is named under the field; the coin above does not depend on it and stays live
    # numbers (weights) or observed values such as "rain sun rain", counted into P(x) = n_x / n
    typed = iw.distribution_text("P(x)", "probs", DEFAULT_TYPED, observations=True)
    p, outcome_names = typed.value.p, typed.value.names
    typed.mark("P(x)", "P(x) (sidebar)", "the default P(x)")

h = entropy(p, base)
bound = max_entropy(p.size, base)
left, right = st.columns([2, 1])
with left:
    ui.figure(viz.distribution_with_surprisal(p, base, outcome_names))
with right:
    st.metric(f"H(X) [{unit}]", f"{h:.3f}")
    st.metric(f"log|X| = log {p.size} [{unit}]", f"{bound:.3f}")
    ui.figure(viz.entropy_vs_bound(h, bound, base))

shown_terms = surprisal_terms(p, base)
terms = " + ".join(f"{t:.3f}" for t in shown_terms[:MAX_OUTCOMES]) + (r" + \dots" if p.size > MAX_OUTCOMES else "")
ui.formula(
    rf"H(X) = -\sum_i P(x_i){log_tex} P(x_i) = {terms} = {h:.3f} \;\le\; {log_tex}|X| = {log_tex} {p.size} = {bound:.3f}"
    rf"\ \text{{{unit}}}",
    caption="Entropy and its bound with the current numbers (each term is −P(x)·log P(x))",
)
if np.isclose(h, 0):
    st.success("H(X) = 0: the outcome is certain — nothing to learn from observing it.")
elif np.isclose(h, bound):
    st.success("H(X) = log|X|: the uniform distribution, the most uncertain one with this many outcomes.")

st.subheader("Your text: the entropy of its characters")
text_column, upload_column = st.columns([3, 2])
own_text = ui.text_area(
    "Type or paste a text",
    "chars",
    DEFAULT_TEXT,
    height=110,
    container=text_column,
    help="Every character counts, spaces and line breaks included; P(c) = n_c / n. Short texts travel in the "
    "page's link.",
)
# a text that cannot be used is named right under it; the figure keeps the last valid text meanwhile
counted, text_stale = ui.attempt_or_last("characters", text_characters, own_text, container=text_column)
text_upload.text_uploader(
    "… or upload a text file (.txt)",
    "chars",
    text_characters,
    types=["txt", "md", "csv"],
    container=upload_column,
    help="UTF-8 text up to 200,000 characters; it replaces the text on the left once it can be read.",
)
text_upload.url_note(own_text, container=upload_column)
never_valid_text = counted is None
if never_valid_text:
    counted = text_characters(DEFAULT_TEXT)
if text_stale:
    ui.showing_last_valid("text", "text (above)", shown="the example text" if never_valid_text else None)
chars, counts = counted
p_chars = counts / counts.sum()
h_chars = entropy(p_chars, base)
bound_chars = max_entropy(len(chars), base)
ui.figure(viz.character_bars(chars, counts, base))
c1, c2, c3 = st.columns(3)
c1.metric(f"H per character [{unit}]", f"{h_chars:.3f}")
c2.metric(f"log|X| = log {len(chars)} [{unit}]", f"{bound_chars:.3f}")
c3.metric(f"n·H: the whole text [{unit}]", f"{counts.sum() * h_chars:,.0f}")
top = " + ".join(f"{t:.3f}" for t in surprisal_terms(p_chars[:4], base)) + (r" + \dots" if len(chars) > 4 else "")
ui.formula(
    rf"H = -\sum_c \frac{{n_c}}{{n}}{log_tex}\frac{{n_c}}{{n}} = {top} = {h_chars:.3f}\ \text{{{unit}}}"
    rf" \qquad \le\ {log_tex} {len(chars)} = {bound_chars:.3f}",
    caption=f"n = {int(counts.sum()):,} characters, {len(chars)} distinct; the terms of the most frequent first",
)

ui.what_to_notice(
    "- The coin's entropy is 0 at p = 0 and p = 1 (no surprise) and largest, 1 bit, at p = 0.5.\n"
    "- Outcomes with P(x) = 0 add nothing (0·log 0 = 0): adding impossible outcomes does not change H, but it "
    "raises the bound log|X|.\n"
    "- Typed numbers also take observed values: *rain sun rain rain snow* is counted into P(x) = n_x / n.\n"
    "- Only the *uniform* preset reaches the bound; *certain* gives exactly 0. Any skew sits in between.\n"
    "- Switching bits → nats multiplies every number by ln 2 ≈ 0.693: the unit is only the log's base.\n"
    "- Your text: lower-case English (26 letters and the space) has about 4.1 bits per character, well under "
    "log 27 ≈ 4.75 bits: the letters are far from uniform (the space, e, t and a dominate). Capitals and "
    "punctuation add symbols and raise both H and the bound; a text of one repeated letter has H = 0."
)
ui.end()
