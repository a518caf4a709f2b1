"""Jensen's inequality: f(E[x]) ≤ E[f(x)] for convex f, the reverse for concave f (sheet 2.1, with an erratum)."""

import streamlit as st

from core.information.jensen import JENSEN_FUNCTIONS, JensenReport, jensen
from core.information.parsing import normalize, parse_numbers
from ui import contract as ui
from ui import information_widgets as iw
from viz.information import jensen as viz
from viz.information.text import JENSEN_LATEX

FUNCTIONS = list(JENSEN_FUNCTIONS)
# the sheet's own counter-example material: two points, equal weights, f = x²
COUNTER_X, COUNTER_P = (1.0, 3.0), (0.5, 0.5)
DEFAULT_X, DEFAULT_P = "0.5, 1, 3", "0.3, 0.3, 0.4"


@st.cache_data(max_entries=64)
def both_sides(name: str, x: tuple[float, ...], p: tuple[float, ...]) -> JensenReport:
    return jensen(name, x, p)


def from_text(name: str, x_text: str, p_text: str) -> tuple[JensenReport, float | None]:
    """Both sides for the typed points and weights, and the weights' sum when they had to be rescaled to 1."""
    x = parse_numbers(x_text, "the points x_i")
    weights = parse_numbers(p_text, "Weights p_i")
    p, rescaled = normalize(weights, "Weights p_i")
    return both_sides(name, tuple(x.tolist()), tuple(p.tolist())), float(weights.sum()) if rescaled else None


ui.begin(
    __file__,
    intro="Average the points, then apply f — or apply f, then average? For a convex f (bowl-shaped) the second "
    "is never smaller. Choose f, the points x_i and their weights p_i.",
)
name = ui.select(
    "Function f", "f", FUNCTIONS, "x²", help="Convex: x², eˣ, −log x. Concave: log x, √x. Logs are natural logs."
)
x_text = ui.text_input("Points x_i", "x", DEFAULT_X, help="Numbers separated by commas or spaces.")
p_text = ui.text_input(
    "Weights p_i", "p", DEFAULT_P, help="Numbers separated by commas or spaces; they are rescaled to sum to 1."
)
# A problem with the points or the weights (one weight per point, x > 0 for log, …) is named right under the two
# fields, and the figure keeps the last valid numbers meanwhile.
computed, stale = ui.attempt_or_last("jensen", from_text, name, x_text, p_text, container=st.sidebar)
never_valid = computed is None
if never_valid:  # a link with bad numbers: the defaults (valid for every f) stand in
    computed = from_text(name, DEFAULT_X, DEFAULT_P)
r, weights_sum = computed
if stale:
    ui.showing_last_valid(
        "f, points and weights",
        "function, points or weights (sidebar)",
        shown="the default points and weights" if never_valid else None,
    )
elif weights_sum is not None:
    iw.notice_normalized("Weights p_i", weights_sum)

ui.figure(viz.jensen_figure(r))
kind = "convex" if r.convex else "concave"
left, middle, right = st.columns(3)
left.metric("E[x] = ∑ p_i x_i", f"{r.mean_x:.4f}")
middle.metric("f(E[x])", f"{r.f_of_mean:.4f}")
right.metric("E[f(x)] = ∑ p_i f(x_i)", f"{r.mean_of_f:.4f}")
relation = r"\le" if r.convex else r"\ge"
latex_f = JENSEN_LATEX[r.name]  # the function of the numbers shown (a stale r keeps its own)
ui.formula(
    rf"f(x) = {latex_f}\ \text{{({kind})}}:\quad f\Big(\sum_i p_i x_i\Big) = {r.f_of_mean:.4f}\ {relation}\ "
    rf"\sum_i p_i f(x_i) = {r.mean_of_f:.4f}",
    caption="Jensen's inequality with the current numbers (the black segment in the figure is the gap)",
)

counter = both_sides("x²", COUNTER_X, COUNTER_P)
if r.convex and r.gap > 1e-9:
    example = (
        f"With the page's numbers (f = {r.name}): ∑ p_i f(x_i) = **{r.mean_of_f:.4f}** but "
        f'f(∑ p_i x_i) = **{r.f_of_mean:.4f}**, so the sheet\'s "≤" is false.'
    )
else:
    example = (
        f"Counter-example: f = x², x = (1, 3), p = (½, ½): ∑ p_i f(x_i) = **{counter.mean_of_f:.0f}** but "
        f"f(∑ p_i x_i) = f(2) = **{counter.f_of_mean:.0f}**, and 5 ≤ 4 is false."
    )
ui.erratum(
    "(2.1 a) that for **convex** f, ∑ p_i f(x_i) ≤ f(∑ p_i x_i).",
    "for convex f it is the other way round: **f(∑ p_i x_i) ≤ ∑ p_i f(x_i)**, i.e. f(E[x]) ≤ E[f(x)]. The sheet's "
    "form holds for **concave** f — which is exactly its own example (2.1 b) E[log x] ≤ log E[x], log being "
    f"concave. {example}",
)
ui.what_to_notice(
    "- The weighted mean of the points (vermilion square) lies on the chords, above a convex curve and below a concave "
    "one; f(E[x]) (green diamond) lies on the curve. The black segment is the gap.\n"
    "- Make all x_i equal, or put all weight on one point: the gap closes (equality) — for strictly convex f "
    "only then.\n"
    "- f = −log x is convex, so −log E[x] ≤ E[−log x]: this is the step that proves Gibbs' inequality KL ≥ 0.\n"
    "- f = x²: the gap E[x²] − E[x]² is the variance of x."
)
ui.end()
