"""Attention (sheet 10): Q, K, V and A = softmax(QKᵀ/√D) on your sentence, multi-head maps, ViT patches."""

import numpy as np
import streamlit as st

from core.datasets import digit_image
from core.sequence import attention as seq
from ui import contract as ui
from viz.sequence import attention as viz

DEFAULT_SENTENCE = "the cat sat on the mat"


@st.cache_data(max_entries=64)
def report(
    sentence: str, features: int, dim: int, heads: int, positional: bool, scaled: bool, temperature: float, seed: int
) -> seq.AttentionReport:
    return seq.attention_report(sentence, features, dim, heads, positional, scaled, temperature, seed)


@st.cache_data(max_entries=64)
def patches(index: int, patch: int) -> tuple[np.ndarray, np.ndarray, int]:
    image, label = digit_image(index)  # grey levels in [0, 1]
    return image, seq.image_patches(image, patch), label


# Figures cached on what they show (plotly JSON dicts, see ui.figure): the ViT controls do not redraw the attention
# maps, nor the attention controls the patches.
@st.cache_data(max_entries=64, show_spinner=False)
def attention_figures(*settings) -> tuple[dict, dict]:
    r = report(*settings)
    return viz.attention_map(r).to_plotly_json(), viz.head_grid(r).to_plotly_json()


@st.cache_data(max_entries=64, show_spinner=False)
def patch_figures(index: int, patch: int) -> tuple[dict, dict]:
    image, patch_rows, label = patches(index, patch)
    return viz.digit_with_patches(image, patch, label).to_plotly_json(), viz.patch_matrix(patch_rows).to_plotly_json()


def readable(sentence: str) -> str:
    """The sentence as typed, once it tokenizes (InputError naming the problem: empty, too many tokens)."""
    seq.tokenize(sentence)
    return sentence


ui.begin(
    __file__,
    intro="Every word gets a random (seeded) embedding; random projections W^Q, W^K, W^V turn the sequence S into "
    "queries, keys and values, and each word's context vector is a weighted average of all values. Nothing is "
    "trained here: the page shows the *mechanics* and the shapes. What trained heads attend to is on **Tiny "
    "transformer: heads** (toy tasks, every layer × head on your input) and **ViT on digits** (the class token "
    "over the patches).",
)
sentence = ui.text_input(
    "Sentence",
    "text",
    DEFAULT_SENTENCE,
    help=f"Split at spaces; 1 to {seq.MAX_TOKENS} tokens. The same word always gets the same embedding.",
    container=st,
)
# a sentence that cannot be used is named right under it; the maps keep the last valid sentence (with the current
# settings) meanwhile, and the ViT part below does not depend on it
shown_sentence, sentence_stale = ui.attempt_or_last("sentence", readable, sentence, container=st)
never_valid = shown_sentence is None
if never_valid:
    shown_sentence = DEFAULT_SENTENCE
features = int(ui.select("Embedding size F", "F", [8, 16, 32, 64], 16))
dim = int(ui.select("Query/key/value size D", "D", [8, 16, 32, 64], 16))
heads = int(ui.select("Heads h", "heads", [1, 2, 4, 8], 4, help="Each head gets D/h columns of W^Q, W^K, W^V."))
positional = ui.toggle("Add sinusoidal positional encodings", "pe", True)
scaled = ui.toggle("Divide the scores by √D", "sqrtd", True)
temperature = ui.slider(
    "Temperature τ", "tau", 0.1, 5.0, 1.0, 0.1, help="A = softmax(QKᵀ / (τ√D)): small τ sharpens, large τ flattens."
)
seed = ui.seed()

settings = (shown_sentence, features, dim, heads, positional, scaled, temperature, seed)
r = ui.attempt(report, *settings)
map_figure, heads_figure = attention_figures(*settings)
N = len(r.tokens)

if sentence_stale:
    ui.showing_last_valid(
        "sentence", "sentence (above)", shown=f"the default sentence (“{DEFAULT_SENTENCE}”)" if never_valid else None
    )
ui.figure(map_figure)
peak = r.single.mean_peak_weight
divisor = rf"{temperature:g}\cdot\sqrt{{{dim}}}" if scaled else rf"{temperature:g}"
ui.formula(
    rf"Q = SW^Q,\ K = SW^K,\ V = SW^V:\quad S \in \mathbb{{R}}^{{{N}\times{features}}},\ "
    rf"W^Q, W^K, W^V \in \mathbb{{R}}^{{{features}\times{dim}}},\ Q, K, V \in \mathbb{{R}}^{{{N}\times{dim}}}",
    caption="Sheet 10a with the current shapes (N = tokens, F = features, D = query/key/value size)",
)
ui.formula(
    rf"A = \operatorname{{softmax}}\Big(\frac{{QK^\top}}{{{divisor}}}\Big) \in \mathbb{{R}}^{{{N}\times{N}}},\quad "
    rf"C = AV \in \mathbb{{R}}^{{{N}\times{dim}}},\quad \text{{mean of each row's largest weight}} = {peak:.3f}"
    rf"\ (\text{{uniform}}: 1/{N} = {1 / N:.3f})",
    caption="Attention scores and context vectors, with the current numbers",
)
if not scaled:
    ui.caution(
        f"Without √D the scores QKᵀ have a standard deviation of about √D = {seq.unscaled_score_std(dim):.1f}: the softmax "
        "saturates towards one-hot rows, and its gradient vanishes."
    )

st.subheader("Multi-head attention")
ui.figure(heads_figure)
ui.formula(
    rf"\text{{head}}_j = \operatorname{{softmax}}\Big(\frac{{Q_j K_j^\top}}{{\sqrt{{D/h}}}}\Big)V_j,\ "
    rf"Q_j, K_j, V_j \in \mathbb{{R}}^{{{N}\times{dim // heads}}};\quad "
    rf"[\text{{head}}_1, \dots, \text{{head}}_{{{heads}}}]\,W^O \in \mathbb{{R}}^{{{N}\times{dim}}}",
    caption=f"Sheet 10b: h = {heads} heads of width D/h = {dim // heads} (as torch.nn.MultiheadAttention)",
)

st.subheader("ViT: an image as a sequence of patches")
left, right = st.columns(2)
index = int(ui.slider("Digit (scikit-learn load_digits index)", "digit", 0, 99, 0, 1, container=left))
patch = int(ui.select("Patch size P", "P", seq.PATCH_SIZES, 4, container=right, horizontal_radio=True))
image, patch_rows, label = ui.attempt(patches, index, patch)
digit_figure, matrix_figure = patch_figures(index, patch)
left, right = st.columns(2)
with left:
    ui.figure(digit_figure)
with right:
    ui.figure(matrix_figure)
ui.formula(
    rf"8\times 8 \;\to\; N = (8/{patch})^2 = {patch_rows.shape[0]}\ \text{{patches}} \;\to\; "
    rf"X_p \in \mathbb{{R}}^{{{patch_rows.shape[0]}\times{patch * patch}}}\;\to\; S = X_p E + E_{{pos}},\ "
    rf"E \in \mathbb{{R}}^{{{patch * patch}\times F}}",
    caption="Sheet 10d: patches → flattened rows → a trainable linear projection E plus positional embeddings",
)

ui.what_to_notice(
    "- Every row of A sums to 1: each token's context vector C is a weighted average of the value vectors.\n"
    "- Turn off the positional encodings and type the same word twice (“the … the”): the two rows and columns of A "
    "become identical — without positions, attention cannot tell them apart (permutation equivariance).\n"
    "- Switch off √D with a large D: the rows turn almost one-hot. The √D keeps QKᵀ at unit variance whatever D is.\n"
    "- Heads use different slices of W^Q, W^K: the same sentence gives different patterns per head.\n"
    "- ViT: small patches give a long sequence (P = 1: 64 tokens of 1 pixel), large patches a short one "
    "(P = 8: one token); attention costs N² — the patch size trades detail for compute."
)
ui.end()
