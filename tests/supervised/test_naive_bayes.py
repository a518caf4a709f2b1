"""core.supervised.naive_bayes against scikit-learn's MultinomialNB / CategoricalNB; the naive-Bayes page."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.supervised import naive_bayes as nb


@pytest.mark.parametrize("alpha", [0.1, 1.0, 2.5])
def test_naive_bayes_matches_sklearn_multinomial_nb(alpha):
    from sklearn.naive_bayes import MultinomialNB

    corpus = nb.make_corpus(60, seed=2)
    model = nb.nb_fit(corpus, alpha)
    reference = MultinomialNB(alpha=alpha, force_alpha=True, fit_prior=True).fit(corpus.counts, corpus.labels)
    np.testing.assert_allclose(model.log_likelihoods, reference.feature_log_prob_, atol=1e-12)
    np.testing.assert_allclose(np.log(model.priors), reference.class_log_prior_, atol=1e-12)
    np.testing.assert_allclose(model.likelihoods.sum(axis=1), 1.0, atol=1e-12)
    for text in ["free money meeting", "prize prize report lunch", "click", ""]:
        message = nb.parse_message(text)
        result = nb.nb_posterior(model, message)
        np.testing.assert_allclose(result.posterior, reference.predict_proba(message.counts[None])[0], atol=1e-12)
        np.testing.assert_allclose(
            result.log_joint, reference.predict_joint_log_proba(message.counts[None])[0], atol=1e-10
        )


def test_naive_bayes_matches_categorical_nb_on_one_word_documents():
    """A one-word document is one categorical feature with D values: CategoricalNB smooths the same way."""
    from sklearn.naive_bayes import CategoricalNB

    rng = np.random.default_rng(0)
    words = rng.integers(0, len(nb.NB_VOCABULARY), 80)
    labels = rng.integers(0, 2, 80)
    counts = np.eye(len(nb.NB_VOCABULARY), dtype=int)[words]  # one-hot (80, D)
    model = nb.nb_fit(nb.Corpus(counts=counts, labels=labels), alpha=1.0)
    reference = CategoricalNB(alpha=1.0, min_categories=len(nb.NB_VOCABULARY)).fit(words[:, None], labels)
    np.testing.assert_allclose(model.log_likelihoods, reference.feature_log_prob_[0], atol=1e-12)


def test_alpha_zero_gives_an_exact_zero_posterior():
    corpus = nb.make_corpus(40, seed=0)
    model = nb.nb_fit(corpus, 0.0)
    meeting = nb.NB_VOCABULARY.index("meeting")
    assert model.word_counts[0, meeting] == 0 and model.likelihoods[0, meeting] == 0.0
    result = nb.nb_posterior(model, nb.parse_message("free free money win meeting"))
    assert result.posterior[0] == 0.0 and result.posterior[1] == 1.0
    assert result.zero_classes == ("spam",)
    both = nb.nb_posterior(model, nb.parse_message("prize meeting"))
    assert both.undefined
    smoothed = nb.nb_posterior(nb.nb_fit(corpus, 1.0), nb.parse_message("free free money win meeting"))
    assert 0.0 < smoothed.posterior[0] < 1.0


def test_naive_bayes_bad_input():
    with pytest.raises(InputError):
        nb.make_corpus(1, 0)
    with pytest.raises(InputError):
        nb.nb_fit(nb.make_corpus(10, 0), -0.5)
    with pytest.raises(InputError):
        nb.parse_message("free " * 31)
    message = nb.parse_message("Free MONEY, now!")
    assert message.words == ("free", "money") and message.ignored == ("now",)


def test_factors_multiply_to_the_joint_and_unseen_words_veto():
    corpus = nb.make_corpus(40, seed=0)
    model = nb.nb_fit(corpus, 0.0)
    message = nb.parse_message("free free meeting hello prize")
    factors = nb.nb_factors(model, message)
    assert factors.shape == (2, 1 + len(message.words))
    np.testing.assert_allclose(factors[:, 0], model.priors)
    result = nb.nb_posterior(model, message)
    # ∏ factors = P(C_k) ∏ P(x_i|C_k)^{x_i} = joint
    np.testing.assert_allclose(factors.prod(axis=1), result.joint, rtol=1e-12)
    assert nb.unseen_words(model, message, ("spam",)) == ("meeting",)
    assert nb.unseen_words(model, message, ("ham",)) == ("prize",)
    assert nb.unseen_words(model, message, ("spam", "ham")) == ("meeting", "prize")
    report = nb.naive_bayes_report(40, 0.0, "free free money win meeting", 0)
    assert report.unseen == ("meeting",)
    assert report.result.log_odds == -np.inf


def test_log_odds_matches_sklearn():
    from sklearn.naive_bayes import MultinomialNB

    corpus = nb.make_corpus(60, seed=2)
    model = nb.nb_fit(corpus, 1.0)
    reference = MultinomialNB(alpha=1.0, force_alpha=True).fit(corpus.counts, corpus.labels)
    message = nb.parse_message("free money meeting lunch")
    joint = reference.predict_joint_log_proba(message.counts[None])[0]
    assert nb.nb_posterior(model, message).log_odds == pytest.approx(joint[0] - joint[1], abs=1e-10)


@pytest.mark.parametrize(
    ("query", "caution"),
    [
        ({}, None),
        ({"alpha": "0"}, "exactly 0"),
        ({"alpha": "0", "msg": "prize meeting"}, "undefined"),
        ({"msg": "hello world"}, None),
    ],
)
def test_naive_bayes_page(query, caution):
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/naive_bayes.py", query)
    assert_healthy(at, str(query))
    warnings = " ".join(w.value for w in at.warning)
    assert (caution in warnings) if caution else not warnings
