"""Multinomial naive Bayes on the learner's own labelled texts (sheet 5a, issue 17).

The same model as :mod:`core.supervised.naive_bayes`, with the classes and the vocabulary taken from the texts:
``P(C_k|x) ∝ P(C_k) ∏_i P(x_i|C_k)^{x_i}`` (one factor per word occurrence), priors ``P(C_k) = n_k / n`` (the
fraction of examples labelled k) and Laplace smoothing ``P(x_i|C_k) = (N_{x_i,C_k} + α) / (N_{C_k} + α D)`` with
``D`` the number of distinct words in all the training texts. A word of the new sentence that no training text
holds has no row in the table and contributes no factor (scikit-learn's CountVectorizer drops it the same way).
Texts come from :func:`core.user_data.parse_labelled_texts` (``label<TAB>text``, one example per line).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.user_data import MAX_CLASSES, parse_labelled_texts

MAX_SENTENCE_WORDS = 60
"""Words of the sentence to classify: the table shows one column per distinct word."""
MAX_VOCABULARY = 20_000
"""Distinct words of the training texts (K × D floats; more than a lecture's examples ever hold)."""

SOURCE = "The example list"
"""How messages about the examples name them."""
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
"""A word: letters and digits of any script, an inner apostrophe kept (don't, l'eau)."""


def tokenize(text: str) -> list[str]:
    """Lower-cased words, in order: runs of letters/digits (an inner apostrophe kept); punctuation separates."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class TextModel:
    """The fitted table: classes and vocabulary sorted, counts and probabilities per (class, word)."""

    alpha: float
    classes: tuple[str, ...]
    vocabulary: tuple[str, ...]
    word_counts: np.ndarray
    """N_{x_i,C_k}: shape (K, D)."""
    class_totals: np.ndarray
    """N_{C_k} = Σ_i N_{x_i,C_k}: shape (K,)."""
    priors: np.ndarray
    """P(C_k) = n_k / n, the fraction of training examples with label k: shape (K,)."""
    likelihoods: np.ndarray
    """P(x_i|C_k) = (N_{x_i,C_k} + α) / (N_{C_k} + α D): shape (K, D); rows sum to 1."""
    examples: int

    @property
    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.vocabulary)}


def parse_examples(text: str) -> list[tuple[str, list[str]]]:
    """``label<TAB>text`` lines (core.user_data.parse_labelled_texts) as (label, words); InputError naming the
    problem: an example without a word, more than MAX_CLASSES labels, more than MAX_VOCABULARY distinct words."""
    pairs = parse_labelled_texts(text, source=SOURCE)
    examples = []
    for label, sentence in pairs:
        words = tokenize(sentence)
        if not words:
            shown = sentence if len(sentence) <= 40 else sentence[:39] + "…"
            raise InputError(f"{SOURCE}: the {label!r} example {shown!r} has no words (letters or digits).")
        examples.append((label, words))
    labels = {label for label, _ in examples}
    if len(labels) > MAX_CLASSES:
        raise InputError(f"{SOURCE} has {len(labels)} labels; at most {MAX_CLASSES} are supported.")
    distinct = {word for _, words in examples for word in words}
    if len(distinct) > MAX_VOCABULARY:
        raise InputError(
            f"The examples hold {len(distinct):,} distinct words; at most {MAX_VOCABULARY:,} are supported."
        )
    return examples


def fit_texts(examples: Sequence[tuple[str, Sequence[str]]], alpha: float) -> TextModel:
    """Counts N_{x_i,C_k}, totals N_{C_k}, priors n_k/n and the smoothed table (N + α)/(N_C + αD)."""
    if not np.isfinite(alpha) or alpha < 0:
        raise InputError(f"the smoothing α must be a non-negative number (got {alpha}).")
    classes = tuple(sorted({label for label, _ in examples}))
    vocabulary = tuple(sorted({word for _, words in examples for word in words}))
    class_of, word_of = {c: k for k, c in enumerate(classes)}, {w: i for i, w in enumerate(vocabulary)}
    word_counts = np.zeros((len(classes), len(vocabulary)), dtype=np.int64)  # (K, D)
    for label, words in examples:
        for word, count in Counter(words).items():
            word_counts[class_of[label], word_of[word]] += count
    class_totals = word_counts.sum(axis=1)
    # P(C_k) = n_k / n: the fraction of examples labelled k
    priors = np.bincount([class_of[label] for label, _ in examples], minlength=len(classes)) / len(examples)
    # P(x_i|C_k) = (N_{x_i,C_k} + α) / (N_{C_k} + α D)
    likelihoods = (word_counts + alpha) / (class_totals + alpha * len(vocabulary))[:, None]
    return TextModel(alpha, classes, vocabulary, word_counts, class_totals, priors, likelihoods, len(examples))


def sentence_words(sentence: str) -> list[str]:
    """The sentence's words (:func:`tokenize`); InputError when it has none or more than MAX_SENTENCE_WORDS."""
    tokens = tokenize(sentence)
    if not tokens:
        raise InputError("The sentence has no words: type a few words to classify.")
    if len(tokens) > MAX_SENTENCE_WORDS:
        raise InputError(f"The sentence has {len(tokens)} words; at most {MAX_SENTENCE_WORDS} are supported.")
    return tokens


@dataclass(frozen=True)
class SentenceResult:
    """One sentence classified by one model."""

    words: tuple[str, ...]
    """The sentence's words the model knows, in order (each occurrence is one factor)."""
    ignored: tuple[str, ...]
    """Words no training text holds: no factor."""
    distinct: tuple[str, ...]
    """The known words once each, in order of first occurrence (the columns of the per-word table)."""
    counts: np.ndarray
    """How often each word of ``distinct`` occurs in the sentence: shape (W,)."""
    word_counts: np.ndarray
    """N_{w,C_k} of the distinct words: shape (K, W)."""
    likelihoods: np.ndarray
    """P(w|C_k) of the distinct words: shape (K, W)."""
    log_joint: np.ndarray
    """log P(C_k) + Σ_w x_w log P(w|C_k): shape (K,); −inf for a class with a zero factor."""
    posterior: np.ndarray
    """P(C_k|x): shape (K,); NaN for every class when every joint is 0 (0/0, undefined)."""
    zero_classes: tuple[str, ...]
    """Classes whose posterior is exactly 0 because a word has P(w|C_k) = 0 (α = 0 and a zero count)."""
    vetoes: dict[str, tuple[str, ...]]
    """For each class in ``zero_classes``: the words with N_{w,C_k} = 0 that make its product 0."""

    @property
    def undefined(self) -> bool:
        return bool(np.all(np.isnan(self.posterior)))


def classify(model: TextModel, sentence: str) -> SentenceResult:
    """P(C_k|x) = P(C_k) ∏_w P(w|C_k)^{x_w} / Σ_j P(C_j) ∏_w P(w|C_j)^{x_w}, in log space, over the known words."""
    tokens = sentence_words(sentence)
    index = model.index
    words = tuple(w for w in tokens if w in index)
    ignored = tuple(w for w in tokens if w not in index)
    occurrences = Counter(words)
    distinct = tuple(occurrences)
    columns = [index[w] for w in distinct]
    counts = np.array([occurrences[w] for w in distinct], dtype=np.int64)  # (W,)
    likelihoods = model.likelihoods[:, columns]  # (K, W)
    with np.errstate(divide="ignore"):
        # log P(C_k) + Σ_w x_w log P(w|C_k); a zero factor gives −inf (the x_w are ≥ 1, so no 0·log 0 arises)
        log_joint = np.log(model.priors) + np.log(likelihoods) @ counts
    zero = ~np.isfinite(log_joint)
    if np.all(zero):
        posterior = np.full(len(model.classes), np.nan)
    else:
        # P(C_k|x) = exp(log joint_k − max_j log joint_j) / Σ_j exp(log joint_j − max log joint)
        weights = np.exp(log_joint - log_joint[~zero].max())
        posterior = weights / weights.sum()
    zero_classes = tuple(c for c, z in zip(model.classes, zero) if z)
    vetoes = {
        c: tuple(w for w, p in zip(distinct, likelihoods[k]) if p == 0) for k, c in enumerate(model.classes) if zero[k]
    }
    return SentenceResult(
        words=words,
        ignored=ignored,
        distinct=distinct,
        counts=counts,
        word_counts=model.word_counts[:, columns],
        likelihoods=likelihoods,
        log_joint=log_joint,
        posterior=posterior,
        zero_classes=zero_classes,
        vetoes=vetoes,
    )


@dataclass(frozen=True)
class TextsReport:
    """The sentence under the chosen α and under α = 0 (raw counts: the zero-count problem), side by side."""

    model: TextModel
    result: SentenceResult
    raw_model: TextModel
    raw_result: SentenceResult


def texts_report(text: str, alpha: float, sentence: str) -> TextsReport:
    """Parse the examples, fit with α and with α = 0, classify the sentence with both."""
    examples = parse_examples(text)
    model, raw = fit_texts(examples, alpha), fit_texts(examples, 0.0)
    return TextsReport(model, classify(model, sentence), raw, classify(raw, sentence))
