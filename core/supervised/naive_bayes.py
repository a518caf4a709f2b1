"""Multinomial naive Bayes with Laplace smoothing on a generated spam/ham word-count corpus (sheet 5a).

Notation follows the course sheet: ``P(C_k|x) = P(x|C_k) P(C_k) / P(x)`` with ``P(x|C_k) = prod_i P(x_i|C_k)`` (one
factor per word occurrence) and Laplace smoothing ``P(x_i|C_k) = (N_{x_i,C_k} + alpha) / (N_{C_k} + alpha D)``:
``N_{x_i,C_k}`` the count of word i in class k, ``N_{C_k}`` the total word count of class k, ``D`` the number of
distinct words. With alpha = 0 a word never seen in a class gets P(x_i|C_k) = 0 and wipes out that class's posterior.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

NB_VOCABULARY = ("free", "win", "money", "prize", "click", "offer", "meeting", "project", "lunch", "report")
NB_CLASSES = ("spam", "ham")
# Expected occurrences of each word per document, per class. The zeros are deliberate: "prize" never occurs in
# ham and "meeting"/"report" never in spam, so α = 0 shows the zero-probability problem.
NB_WORD_RATES = np.array(
    [
        [1.6, 1.2, 1.4, 0.8, 1.0, 1.1, 0.0, 0.2, 0.3, 0.0],  # spam
        [0.3, 0.1, 0.4, 0.0, 0.2, 0.3, 1.4, 1.2, 0.8, 1.0],  # ham
    ]
)
NB_SPAM_FRACTION = 0.4
NB_MAX_MESSAGE_WORDS = 30


@dataclass(frozen=True)
class Corpus:
    counts: np.ndarray
    """Word counts per training document, shape (documents, D)."""
    labels: np.ndarray
    """Class index per document (0 = spam, 1 = ham), shape (documents,)."""


def make_corpus(documents: int, seed: int) -> Corpus:
    """Documents with Poisson word counts at NB_WORD_RATES; a fraction NB_SPAM_FRACTION is spam (at least one of each)."""
    if documents < 2:
        raise InputError(f"need at least 2 training documents, one per class (got {documents}).")
    rng = np.random.default_rng(seed)
    spam = int(np.clip(round(NB_SPAM_FRACTION * documents), 1, documents - 1))
    labels = np.array([0] * spam + [1] * (documents - spam))
    counts = rng.poisson(NB_WORD_RATES[labels])  # (documents, D)
    return Corpus(counts=counts, labels=labels)


@dataclass(frozen=True)
class NaiveBayesModel:
    alpha: float
    word_counts: np.ndarray
    """N_{x_i,C_k}: shape (K, D)."""
    class_totals: np.ndarray
    """N_{C_k} = sum_i N_{x_i,C_k}: shape (K,)."""
    priors: np.ndarray
    """P(C_k): fraction of documents in class k, shape (K,)."""
    likelihoods: np.ndarray
    """P(x_i|C_k) = (N_{x_i,C_k} + α)/(N_{C_k} + αD): shape (K, D); rows sum to 1."""

    @property
    def log_likelihoods(self) -> np.ndarray:
        """log P(x_i|C_k), −inf where the probability is 0 (α = 0 and an unseen word)."""
        with np.errstate(divide="ignore"):
            return np.log(self.likelihoods)


def nb_fit(corpus: Corpus, alpha: float) -> NaiveBayesModel:
    """Counts N_{x_i,C_k}, totals N_{C_k}, priors P(C_k) and the smoothed table (N + α)/(N_C + αD)."""
    if not np.isfinite(alpha) or alpha < 0:
        raise InputError(f"the smoothing α must be a non-negative number (got {alpha}).")
    classes, vocabulary = len(NB_CLASSES), corpus.counts.shape[1]
    word_counts = np.stack([corpus.counts[corpus.labels == k].sum(axis=0) for k in range(classes)])  # (K, D)
    class_totals = word_counts.sum(axis=1)
    if np.any(class_totals + alpha * vocabulary == 0):
        raise InputError("a class has no words at all and α = 0: P(x_i|C_k) = 0/0. Raise α above 0.")
    priors = np.bincount(corpus.labels, minlength=classes) / len(corpus.labels)
    # P(x_i|C_k) = (N_{x_i,C_k} + α) / (N_{C_k} + α D)
    likelihoods = (word_counts + alpha) / (class_totals + alpha * vocabulary)[:, None]
    return NaiveBayesModel(alpha, word_counts, class_totals, priors, likelihoods)


@dataclass(frozen=True)
class Message:
    counts: np.ndarray
    """How often each vocabulary word occurs in the message, shape (D,)."""
    words: tuple[str, ...]
    """The message's vocabulary words, in order."""
    ignored: tuple[str, ...]
    """Words that are not in the vocabulary (naive Bayes has no factor for them)."""


def parse_message(text: str) -> Message:
    """Lower-cased words; vocabulary words are counted, the others set aside."""
    tokens = re.findall(r"[a-zA-Z]+", text.lower())
    if len(tokens) > NB_MAX_MESSAGE_WORDS:
        raise InputError(f"the message has {len(tokens)} words; at most {NB_MAX_MESSAGE_WORDS} are supported.")
    index = {w: i for i, w in enumerate(NB_VOCABULARY)}
    counts = np.zeros(len(NB_VOCABULARY), dtype=int)
    kept, ignored = [], []
    for token in tokens:
        if token in index:
            counts[index[token]] += 1
            kept.append(token)
        else:
            ignored.append(token)
    return Message(counts, tuple(kept), tuple(ignored))


@dataclass(frozen=True)
class NaiveBayesPosterior:
    log_joint: np.ndarray
    """log P(C_k) + sum_i x_i log P(x_i|C_k), shape (K,); −inf for a class with a zero factor."""
    joint: np.ndarray
    """P(C_k) prod_i P(x_i|C_k)^{x_i}, shape (K,)."""
    posterior: np.ndarray
    """P(C_k|x) = joint_k / sum_j joint_j, shape (K,); NaN when every joint is 0 (undefined)."""
    zero_classes: tuple[str, ...]
    """Classes whose posterior is exactly 0 because an unseen word has P(x_i|C_k) = 0."""

    @property
    def undefined(self) -> bool:
        return bool(np.all(np.isnan(self.posterior)))

    @property
    def log_odds(self) -> float:
        """log P(spam, x) − log P(ham, x) = log_joint_0 − log_joint_1 (±inf when one class has a zero factor)."""
        # log P(C_0) ∏ P(x_i|C_0) − log P(C_1) ∏ P(x_i|C_1)
        return float(self.log_joint[0] - self.log_joint[1])


def nb_posterior(model: NaiveBayesModel, message: Message) -> NaiveBayesPosterior:
    """P(C_k|x) = P(C_k) prod_i P(x_i|C_k)^{x_i} / sum_j P(C_j) prod_i P(x_i|C_j)^{x_i}, in log space."""
    present = message.counts > 0
    # log P(C_k) + sum_i x_i log P(x_i|C_k), only over words in the message (0 · log 0 must not become NaN)
    log_joint = np.log(model.priors) + model.log_likelihoods[:, present] @ message.counts[present]
    zero = ~np.isfinite(log_joint)
    if np.all(zero):
        post = np.full(len(NB_CLASSES), np.nan)
    else:
        # P(C_k|x) = exp(log joint_k − logsumexp_j log joint_j)
        top = log_joint[~zero].max()
        weights = np.exp(log_joint - top)
        post = weights / weights.sum()
    zero_classes = tuple(c for c, z in zip(NB_CLASSES, zero) if z)
    return NaiveBayesPosterior(log_joint=log_joint, joint=np.exp(log_joint), posterior=post, zero_classes=zero_classes)


def nb_factors(model: NaiveBayesModel, message: Message) -> np.ndarray:
    """The factors of P(C_k) ∏ P(x_i|C_k) per class: P(C_k), then P(x_i|C_k) once per word occurrence, in message order.

    Shape (K, 1 + len(message.words)); the product of row k is the joint P(C_k, x).
    """
    columns = [NB_VOCABULARY.index(w) for w in message.words]
    # [P(C_k), P(x_1|C_k), P(x_2|C_k), …]
    return np.hstack([model.priors[:, None], model.likelihoods[:, columns]])


def unseen_words(model: NaiveBayesModel, message: Message, classes: tuple[str, ...]) -> tuple[str, ...]:
    """The message's distinct words w with P(w|C_k) = 0 for some class C_k in ``classes`` (the words that veto it)."""
    rows = [NB_CLASSES.index(c) for c in classes]
    return tuple(
        w for w in dict.fromkeys(message.words) if np.any(model.likelihoods[rows, NB_VOCABULARY.index(w)] == 0)
    )


@dataclass(frozen=True)
class NaiveBayesReport:
    corpus: Corpus
    model: NaiveBayesModel
    message: Message
    result: NaiveBayesPosterior

    @property
    def factors(self) -> np.ndarray:
        """:func:`nb_factors` of the model and the message."""
        return nb_factors(self.model, self.message)

    @property
    def unseen(self) -> tuple[str, ...]:
        """:func:`unseen_words` for the classes whose posterior is exactly 0."""
        return unseen_words(self.model, self.message, self.result.zero_classes)


def naive_bayes_report(documents: int, alpha: float, text: str, seed: int) -> NaiveBayesReport:
    """Generate the corpus, fit with smoothing α, classify the message."""
    corpus = make_corpus(documents, seed)
    model = nb_fit(corpus, alpha)
    message = parse_message(text)
    return NaiveBayesReport(corpus, model, message, nb_posterior(model, message))
