"""Naive Bayes on a toy spam/ham word-count corpus: the Laplace-smoothed table and one posterior in numbers
(sheet 5a)."""

import numpy as np
import streamlit as st

from core.supervised import naive_bayes as nb
from ui import contract as ui
from viz.supervised import naive_bayes as viz

DEFAULT_MESSAGE = "free money meeting"


@st.cache_data(max_entries=64)
def classify(documents: int, alpha: float, text: str, seed: int) -> nb.NaiveBayesReport:
    return nb.naive_bayes_report(documents, alpha, text, seed)


def readable(text: str) -> str:
    """The message as typed, once it can be read (InputError naming the problem: too many words)."""
    nb.parse_message(text)
    return text


ui.begin(
    __file__,
    intro="A spam filter from word counts. The training e-mails are generated (seeded) from the words "
    f"{', '.join(nb.NB_VOCABULARY)}; type a message made of them and see how P(spam | message) is put together.",
)
text = ui.text_input("Message", "msg", DEFAULT_MESSAGE, help=f"Words the model knows: {', '.join(nb.NB_VOCABULARY)}.")
# a message that cannot be read is named right under it; the figures keep the last valid message (classified with
# the current α, e-mails and seed) meanwhile
shown_text, message_stale = ui.attempt_or_last("message", readable, text, container=st.sidebar)
never_valid = shown_text is None
if never_valid:
    shown_text = DEFAULT_MESSAGE
alpha = ui.slider(
    "Smoothing α", "alpha", 0.0, 3.0, 1.0, 0.1, help="Laplace smoothing: α = 1 is add-one; α = 0 is raw counts."
)
documents = ui.slider("Training e-mails", "docs", 4, 200, 40, 1, help="40 % spam, 60 % ham.")
seed = ui.seed()
r = ui.attempt(classify, documents, alpha, shown_text, seed)
model, message, result = r.model, r.message, r.result
D = len(nb.NB_VOCABULARY)

if result.undefined:
    ui.caution(
        "With α = 0 **every** class has a word it never saw in training, so every P(x|Cₖ) = 0: P(x) = 0 and the "
        "posterior 0/0 is undefined. This is the zero-probability problem — raise α above 0."
    )
elif result.zero_classes:
    ui.caution(
        f"Zero-probability problem (α = 0): {', '.join(repr(w) for w in r.unseen)} never occurs in the "
        f"{' / '.join(result.zero_classes)} training e-mails, so its P(xᵢ|Cₖ) = 0 and the posterior of "
        f"{' / '.join(result.zero_classes)} is **exactly 0**, however strongly the other words point to it. "
        "Laplace smoothing (α > 0) fixes this."
    )
if message.ignored:
    st.caption(
        f"Not in the vocabulary, so they contribute no factor: {', '.join(message.ignored)}. "
        f"Known words: {', '.join(nb.NB_VOCABULARY)}."
    )

if message_stale:
    ui.showing_last_valid(
        "message", "message (sidebar)", shown=f"the default message (“{DEFAULT_MESSAGE}”)" if never_valid else None
    )
ui.figure(viz.nb_likelihood_table(model, message))
ui.figure(viz.nb_posterior_bars(model, message, result))

# ---- the table in numbers
with st.expander("The table in numbers: N, N_C and the smoothed probabilities", expanded=False):
    rows = []
    for i, word in enumerate(nb.NB_VOCABULARY):
        row = {"word": word}
        for k, name in enumerate(nb.NB_CLASSES):
            row[f"N(word, {name})"] = int(model.word_counts[k, i])
            row[f"P(word | {name})"] = (
                f"({model.word_counts[k, i]} + {alpha:g}) / ({model.class_totals[k]} + {alpha:g}·{D}) "
                f"= {model.likelihoods[k, i]:.4f}"
            )
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch")

spam, ham = 0, 1
ui.formula(
    r"P(x_i|C_k) = \frac{N_{x_i,C_k} + \alpha}{N_{C_k} + \alpha D},\quad "
    rf"N_{{C_\text{{spam}}}} = {model.class_totals[spam]},\ N_{{C_\text{{ham}}}} = {model.class_totals[ham]},"
    rf"\ D = {D},\ \alpha = {alpha:g}",
    caption="Laplace smoothing (sheet 5a) with the current numbers",
)
if message.words:
    first = message.words[0]
    i = nb.NB_VOCABULARY.index(first)
    ui.formula(
        rf"P(\text{{{first}}}|\text{{spam}}) = \frac{{{model.word_counts[spam, i]} + {alpha:g}}}"
        rf"{{{model.class_totals[spam]} + {alpha:g}\cdot{D}}} = {model.likelihoods[spam, i]:.4f},\quad "
        rf"P(\text{{{first}}}|\text{{ham}}) = \frac{{{model.word_counts[ham, i]} + {alpha:g}}}"
        rf"{{{model.class_totals[ham]} + {alpha:g}\cdot{D}}} = {model.likelihoods[ham, i]:.4f}",
        caption=f"One entry of the table: the word “{first}”",
    )


def _product(k: int) -> str:
    prior, *likelihoods = r.factors[k]
    return r"\cdot".join([f"{prior:.2f}", *(f"{p:.3f}" for p in likelihoods)])


def _latex_number(value: float) -> str:
    """3 significant digits, powers of ten written as ×10ⁿ."""
    mantissa, _, exponent = f"{value:.3g}".partition("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}" if exponent else mantissa


joint = [_latex_number(v) for v in result.joint]
if result.undefined:
    shown = r"\frac{0}{0 + 0}\ \text{(undefined)}"
else:
    shown = rf"\frac{{{joint[spam]}}}{{{joint[spam]} + {joint[ham]}}} = {result.posterior[spam]:.4f}"
ui.formula(
    rf"P(\text{{spam}}|x) = \frac{{P(\text{{spam}})\prod_i P(x_i|\text{{spam}})}}"
    rf"{{\sum_k P(C_k)\prod_i P(x_i|C_k)}} \qquad = \frac{{{_product(spam)}}}{{{_product(spam)} + {_product(ham)}}}"
    r" \qquad = " + shown,
    caption=f"The posterior of the message ({', '.join(message.words) or 'no known word'}) written out: priors "
    f"P(spam) = {model.priors[spam]:.2f}, P(ham) = {model.priors[ham]:.2f}, one factor per word occurrence",
)
if not result.undefined:
    c1, c2 = st.columns(2)
    c1.metric("P(spam | message)", f"{result.posterior[spam]:.4f}")
    log_ratio = result.log_odds
    c2.metric(
        "log P(spam, x) − log P(ham, x)",
        f"{log_ratio:.3f}" if np.isfinite(log_ratio) else ("+∞" if log_ratio > 0 else "−∞"),
    )

ui.what_to_notice(
    "- Set α = 0 and keep “meeting” in the message: “meeting” never occurs in spam training e-mails, so "
    "P(meeting|spam) = 0 and P(spam|x) is exactly 0 — one unseen word vetoes the class. Add “prize” (never in ham) "
    "too and both classes are 0: the posterior is 0/0.\n"
    "- Any α > 0 gives every word a small non-zero probability; larger α pulls every row of the table towards "
    "the uniform 1/D and the posterior towards the prior.\n"
    "- The posterior multiplies one factor per word occurrence: repeating “free” pushes it further towards spam — "
    "naive Bayes treats every occurrence as independent evidence.\n"
    "- More training e-mails: the counts grow, α matters less and the table approaches the true word rates."
)
ui.end()
