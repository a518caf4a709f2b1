"""Naive Bayes on a toy spam/ham word-count corpus, or on the learner's own labelled texts: the Laplace-smoothed
table, one posterior in numbers and the zero-count problem (sheet 5a, issue 17)."""

import numpy as np
import streamlit as st

from core.supervised import naive_bayes as nb
from core.supervised import naive_bayes_texts as nbt
from ui import contract as ui
from ui import text_upload
from viz.supervised import naive_bayes as viz

DEFAULT_MESSAGE = "free money meeting"
GENERATED, YOURS = "generated e-mails", "your texts"
DEFAULT_TEXTS = """spam: win a free prize now
spam: free money for you
spam: claim your free prize
spam: click here for cheap offers
ham: the meeting is moved to monday
ham: lunch with the project team
ham: the report for you is attached
ham: are you free for lunch"""
DEFAULT_SENTENCE = "free money for you"


@st.cache_data(max_entries=64)
def classify(documents: int, alpha: float, text: str, seed: int) -> nb.NaiveBayesReport:
    return nb.naive_bayes_report(documents, alpha, text, seed)


@st.cache_data(max_entries=32)
def classify_texts(texts: str, alpha: float, sentence: str) -> nbt.TextsReport:
    return nbt.texts_report(texts, alpha, sentence)


def readable_texts(texts: str) -> str:
    """The labelled texts as typed, once they can be read (InputError naming the line or the problem)."""
    nbt.parse_examples(texts)
    return texts


def readable_sentence(sentence: str) -> str:
    """The sentence as typed, once it has between 1 and MAX_SENTENCE_WORDS words."""
    nbt.sentence_words(sentence)
    return sentence


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def tex_text(text: str) -> str:
    """A user's label or word, safe inside \\text{…} (LaTeX's special characters escaped)."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def readable(text: str) -> str:
    """The message as typed, once it can be read (InputError naming the problem: too many words)."""
    nb.parse_message(text)
    return text


ui.begin(
    __file__,
    intro="A spam filter from word counts. Train it on generated e-mails (seeded, from the words "
    f"{', '.join(nb.NB_VOCABULARY)}) or on **your own labelled texts**, then type a sentence and see how "
    "P(class | sentence) is put together.",
)
data = ui.select(
    "Training texts",
    "data",
    [GENERATED, YOURS],
    GENERATED,
    horizontal_radio=True,
    help="Your texts: one example per line, the label, a tab (or ':'), then the text; paste them or upload a file.",
)


def generated_part() -> None:
    text = ui.text_input(
        "Message", "msg", DEFAULT_MESSAGE, help=f"Words the model knows: {', '.join(nb.NB_VOCABULARY)}."
    )
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


def your_texts_part() -> None:
    texts = ui.text_area(
        "Your labelled texts, one per line: label<TAB>text (or label: text)",
        "texts",
        DEFAULT_TEXTS,
        height=200,
        help="Each line is one training example. Labels are any words (spam / ham, positive / negative, …); at "
        f"least two labels, at most {nbt.MAX_CLASSES}. Words are lower-cased; punctuation separates them.",
    )
    # texts that cannot be read are named right under them; the figures keep the last valid texts meanwhile
    shown_texts, texts_stale = ui.attempt_or_last("texts", readable_texts, texts, container=st.sidebar)
    text_upload.text_uploader(
        "Upload labelled texts (.txt, .tsv, .csv)",
        "texts",
        nbt.parse_examples,
        help="UTF-8 text, one example per line: label<TAB>text (a spreadsheet saved as TSV), or label: text. It "
        "replaces the texts above once it can be read; a file that cannot be read leaves them as they are.",
    )
    text_upload.url_note(texts)
    sentence = ui.text_input("Sentence to classify", "sentence", DEFAULT_SENTENCE)
    shown_sentence, sentence_stale = ui.attempt_or_last("sentence", readable_sentence, sentence, container=st.sidebar)
    alpha = ui.slider(
        "Smoothing α", "alpha", 0.0, 3.0, 1.0, 0.1, help="Laplace smoothing: α = 1 is add-one; α = 0 is raw counts."
    )
    if shown_texts is None:
        shown_texts = DEFAULT_TEXTS
    if shown_sentence is None:
        shown_sentence = DEFAULT_SENTENCE
    if texts_stale:
        ui.showing_last_valid(
            "texts", "labelled texts (sidebar)", shown="the example texts" if shown_texts == DEFAULT_TEXTS else None
        )
    if sentence_stale:
        ui.showing_last_valid("sentence", "sentence (sidebar)")
    report = classify_texts(shown_texts, float(alpha), shown_sentence)
    model, result, raw = report.model, report.result, report.raw_result
    st.caption(
        f"{model.examples} examples, classes {', '.join(model.classes)}, D = {len(model.vocabulary)} distinct words "
        f"(N_C = {', '.join(f'{c}: {n}' for c, n in zip(model.classes, model.class_totals))} words)."
    )
    if result.ignored:
        st.caption(
            f"Not in any training text, so they contribute no factor: {', '.join(dict.fromkeys(result.ignored))}."
        )
    if not result.distinct:
        st.info(
            "No word of the sentence occurs in the training texts: the posterior is the prior.", icon=":material/info:"
        )
    else:
        ui.figure(viz.texts_likelihood_table(model, result))
        if len(result.distinct) > viz.MAX_TABLE_WORDS:
            st.caption(f"The first {viz.MAX_TABLE_WORDS} distinct words are drawn; the table below lists all.")
    if raw.undefined:
        ui.caution(
            "With α = 0 **every** class has a word of the sentence it never saw ("
            + "; ".join(f"{c}: {', '.join(w)}" for c, w in raw.vetoes.items())
            + "), so every P(x|Cₖ) = 0 and the posterior is 0/0, undefined. Laplace smoothing (α > 0) fixes this."
        )
    elif raw.zero_classes:
        st.markdown(
            ":material/block: **Zero-count problem at α = 0**: "
            + "; ".join(
                f"{', '.join(repr(w) for w in words)} never occurs in a **{c}** text, so P(w|{c}) = 0 and "
                f"P({c}|x) is exactly 0"
                for c, words in raw.vetoes.items()
            )
            + ", however strongly the other words point to it (vermilion bars). "
            + ("Smoothing with α > 0 gives it back a non-zero share (blue)." if alpha > 0 else "Raise α above 0.")
        )
    ui.figure(viz.texts_posterior_bars(report))
    rows = []
    for i, word in enumerate(result.distinct):
        row = {"word": word, "× in sentence": int(result.counts[i])}
        for k, name in enumerate(model.classes):
            row[f"N(w, {name})"] = int(result.word_counts[k, i])
            row[f"P(w|{name}), α = 0"] = f"{raw.likelihoods[k, i]:.4f}"
            row[f"P(w|{name}), α = {alpha:g}"] = f"{result.likelihoods[k, i]:.4f}"
        rows.append(row)
    if rows:
        st.markdown("**Per-word likelihoods of the sentence** (raw counts and smoothed)")
        st.dataframe(rows, hide_index=True, width="stretch")
    if result.distinct:
        word, k = result.distinct[0], 0
        i = model.index[word]
        name = model.classes[k]
        d = len(model.vocabulary)
        ui.formula(
            rf"P(\text{{{tex_text(word)}}}|\text{{{tex_text(name)}}}) = \frac{{N_{{w,C}} + \alpha}}{{N_C + \alpha D}} = "
            rf"\frac{{{model.word_counts[k, i]} + {alpha:g}}}{{{model.class_totals[k]} + {alpha:g}\cdot{d}}}"
            rf" = {model.likelihoods[k, i]:.4f}",
            caption=f"One entry of the table with the current numbers: the word “{word}” in class {name}",
        )
    if result.undefined:
        shown = r"\frac{0}{0}\ \text{(undefined: raise α above 0)}"
    else:
        best = int(np.nanargmax(result.posterior))
        shown = rf"P(\text{{{tex_text(model.classes[best])}}}|x) = {result.posterior[best]:.4f}"
    ui.formula(
        rf"P(C_k|x) = \frac{{P(C_k)\prod_w P(w|C_k)^{{x_w}}}}{{\sum_j P(C_j)\prod_w P(w|C_j)^{{x_w}}}} \qquad {shown}",
        caption="Priors P(Cₖ) = fraction of examples per class: "
        f"{', '.join(f'{c} {p:.2f}' for c, p in zip(model.classes, model.priors))}; one factor per word occurrence",
    )
    ui.what_to_notice(
        "- Set α = 0: a word that never occurs in one class's texts makes that class's product exactly 0 (the "
        "vermilion bars), one unseen word vetoes the class. With small corpora this is the rule, not the "
        "exception: two words that each occur in one class only make the posterior 0/0.\n"
        "- Any α > 0 gives every word a small probability in every class (the blue bars); a larger α pulls the "
        "table towards the uniform 1/D and the posterior towards the prior.\n"
        "- Words of the sentence that no training text holds get no factor at all: the vocabulary is the "
        "training texts' words.\n"
        "- Paste more examples (or upload a TSV from a spreadsheet): the counts grow and α matters less."
    )


if data == GENERATED:
    generated_part()
else:
    your_texts_part()
ui.end()
