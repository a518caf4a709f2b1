"""Naive Bayes on the learner's own texts (issue 17) against scikit-learn's MultinomialNB with the same α and the
same tokenization, the zero-count problem at α = 0, and every malformed input named."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB

from core.errors import InputError
from core.supervised import naive_bayes_texts as nbt
from core.user_data import MAX_CLASSES
from tests.apptest_helpers import array_of, assert_healthy, assert_valid_figure, run_page

TEXTS = """spam\twin a free prize now
spam\tfree money for you
spam\tclaim your FREE prize!
spam\tclick here for cheap offers
ham\tthe meeting is moved to monday
ham\tlunch with the project team
ham\tthe report for you is attached
ham\tare you free for lunch?"""


def _sklearn(text: str, alpha: float) -> tuple[MultinomialNB, CountVectorizer]:
    """MultinomialNB on the same examples, with our tokenizer inside CountVectorizer."""
    examples = nbt.parse_examples(text)
    vectorizer = CountVectorizer(tokenizer=nbt.tokenize, lowercase=False, token_pattern=None)
    counts = vectorizer.fit_transform([" ".join(words) for _, words in examples])
    labels = [label for label, _ in examples]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # α = 0 with force_alpha: sklearn warns about log(0), as intended here
        model = MultinomialNB(alpha=alpha, force_alpha=True).fit(counts, labels)
    return model, vectorizer


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.5])
@pytest.mark.parametrize("sentence", ["free money for you", "lunch with the team", "a free lunch, you say?"])
def test_posterior_and_table_equal_sklearn_multinomial_nb(alpha, sentence):
    ours = nbt.fit_texts(nbt.parse_examples(TEXTS), alpha)
    theirs, vectorizer = _sklearn(TEXTS, alpha)
    assert ours.classes == tuple(theirs.classes_)
    assert ours.vocabulary == tuple(vectorizer.get_feature_names_out())
    np.testing.assert_allclose(np.log(ours.likelihoods), theirs.feature_log_prob_, rtol=1e-12)
    np.testing.assert_allclose(np.log(ours.priors), theirs.class_log_prior_, rtol=1e-12)
    result = nbt.classify(ours, sentence)
    x = vectorizer.transform([sentence])  # unknown words are dropped here as in ours
    np.testing.assert_allclose(result.posterior, theirs.predict_proba(x)[0], rtol=1e-9, atol=1e-15)
    assert ours.classes[int(np.argmax(result.posterior))] == theirs.predict(x)[0]


def test_zero_count_vetoes_a_class_at_alpha_zero_as_in_sklearn():
    raw = nbt.fit_texts(nbt.parse_examples(TEXTS), 0.0)
    result = nbt.classify(raw, "free money for you")
    # "money" occurs in no ham text: P(money|ham) = 0 wipes out ham whatever the other words say
    assert result.zero_classes == ("ham",)
    assert result.vetoes == {"ham": ("money",)}  # "free" is in a ham text too ("are you free for lunch?")
    theirs, vectorizer = _sklearn(TEXTS, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs.predict_proba(vectorizer.transform(["free money for you"]))[0]
    np.testing.assert_allclose(result.posterior, expected, atol=1e-12)
    assert result.posterior[raw.classes.index("ham")] == 0.0
    # Laplace smoothing gives ham a small but non-zero posterior
    smoothed = nbt.classify(nbt.fit_texts(nbt.parse_examples(TEXTS), 1.0), "free money for you")
    assert 0 < smoothed.posterior[raw.classes.index("ham")] < 0.5
    assert not smoothed.zero_classes


def test_every_class_vetoed_is_undefined():
    raw = nbt.fit_texts(nbt.parse_examples(TEXTS), 0.0)
    result = nbt.classify(raw, "free prize meeting")  # prize: never ham; meeting: never spam
    assert result.undefined and set(result.zero_classes) == {"ham", "spam"}
    assert result.vetoes["spam"] == ("meeting",) and result.vetoes["ham"] == ("prize",)


def test_unknown_words_are_ignored_and_counted_per_occurrence():
    model = nbt.fit_texts(nbt.parse_examples(TEXTS), 1.0)
    result = nbt.classify(model, "Free free zebra FREE")
    assert result.words == ("free", "free", "free") and result.ignored == ("zebra",)
    assert result.distinct == ("free",) and result.counts.tolist() == [3]
    k, i = model.classes.index("spam"), model.index["free"]
    # N_{free,spam} counts each occurrence: "free" is in three spam texts, once each ("FREE" lower-cased)
    assert result.word_counts[k, 0] == model.word_counts[k, i] == 3
    expected = math.log(model.priors[k]) + 3 * math.log(model.likelihoods[k, i])
    assert result.log_joint[k] == pytest.approx(expected)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.lists(st.sampled_from(list("uvwxyz")), min_size=1, max_size=6)),
        min_size=2,
        max_size=12,
    ).filter(lambda ex: len({label for label, _ in ex}) >= 2),
    st.floats(0.1, 3.0),
)
def test_rows_sum_to_one_and_counts_add_up(examples, alpha):
    model = nbt.fit_texts(examples, alpha)
    np.testing.assert_allclose(model.likelihoods.sum(axis=1), 1.0)
    assert model.word_counts.sum() == sum(len(words) for _, words in examples)
    assert model.priors.sum() == pytest.approx(1.0)


def test_round_trip_of_the_text_format():
    examples = nbt.parse_examples(TEXTS)
    again = nbt.parse_examples("\n".join(f"{label}\t{' '.join(words)}" for label, words in examples))
    assert again == examples


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("spam\twin\nspam\tfree money", "only the label 'spam'"),
        ("spam\twin\nham meeting today", "line 2"),
        ("spam\twin\nham\t!!! ???", "has no words"),
        ("\n".join(f"c{k}\tword{k}" for k in range(MAX_CLASSES + 1)), f"at most {MAX_CLASSES}"),
        ("x" * 200_001, "characters"),
    ],
)
def test_malformed_examples_are_named(text, fragment):
    with pytest.raises(InputError, match=fragment):
        nbt.parse_examples(text)


@pytest.mark.parametrize(("sentence", "fragment"), [("", "no words"), ("?!", "no words"), ("w " * 61, "61 words")])
def test_malformed_sentence_is_named(sentence, fragment):
    with pytest.raises(InputError, match=fragment):
        nbt.sentence_words(sentence)


# --------------------------------------------------------------------------------------------- the page
PAGE = "pages/supervised/naive_bayes.py"


def _figures(at) -> list:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def test_page_on_your_texts_draws_the_table_and_both_posteriors():
    at = run_page(PAGE, {"data": "your texts", "alpha": "1.0", "texts": TEXTS, "sentence": "free money for you"})
    assert_healthy(at, "naive Bayes, your texts")
    table, bars = _figures(at)
    report = nbt.texts_report(TEXTS, 1.0, "free money for you")
    assert table[0]["x"] == list(report.result.distinct)
    np.testing.assert_allclose(array_of(table[0]["z"]), report.result.likelihoods)
    raw, smoothed = bars
    np.testing.assert_allclose(array_of(raw["y"]), np.nan_to_num(report.raw_result.posterior))
    np.testing.assert_allclose(array_of(smoothed["y"]), report.result.posterior)
    assert any("Zero-count problem" in m.value and "'money'" in m.value for m in at.markdown)


def test_page_texts_round_trip_through_the_url():
    texts = "pos: what a great film\npos: great acting\nneg: a dull film\nneg: dull and long"
    at = run_page(PAGE, {"data": "your texts", "texts": texts, "sentence": "great film"})
    assert_healthy(at, "naive Bayes, texts from the URL")
    assert at.text_area(key="texts").value == texts
    table = _figures(at)[0]
    assert table[0]["y"] == ["neg", "pos"] and table[0]["x"] == ["great", "film"]


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("spam: a b\nspam: c", "only the label 'spam'"),
        ("spam: a b\nham c d", "line 2"),
        ("", "empty"),
        ("spam: a\nham: ???", "has no words"),
    ],
)
def test_page_bad_texts_keep_the_last_figures(bad, fragment):
    at = run_page(PAGE, {"data": "your texts"})
    before = _figures(at)
    at.text_area(key="texts").set_value(bad)
    at.run()
    assert_healthy(at, "naive Bayes, bad texts")
    assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
    assert _figures(at) == before
    assert any("Showing" in c.value for c in at.caption)


def test_page_upload_replaces_the_texts_or_names_the_problem():
    at = run_page(PAGE, {"data": "your texts", "sentence": "great film"})
    tsv = "pos\twhat a great film\nneg\ta dull film\n"
    at.file_uploader(key="texts_file").set_value(("reviews.tsv", tsv.encode(), "text/tab-separated-values"))
    at.run()
    assert_healthy(at, "naive Bayes after an upload")
    assert at.text_area(key="texts").value == tsv.strip()
    good = _figures(at)
    assert good[0][0]["y"] == ["neg", "pos"]
    for content, fragment in ((b"pos\tgood\npos\tfine", "only the label 'pos'"), (b"\xff\xfe\x00", "not a text")):
        at.file_uploader(key="texts_file").set_value(("bad.tsv", content, "text/plain"))
        at.run()
        assert_healthy(at, "naive Bayes after a bad upload")
        assert any(fragment in e.value and "bad.tsv" in e.value for e in at.error), [e.value for e in at.error]
        assert at.text_area(key="texts").value == tsv.strip()
        assert _figures(at) == good


def test_page_bad_sentence_is_named_beside_it():
    at = run_page(PAGE, {"data": "your texts"})
    at.text_input(key="sentence").set_value("?!")
    at.run()
    assert_healthy(at, "naive Bayes, empty sentence")
    assert any("no words" in e.value for e in at.error)


def test_naive_bayes_figures_are_what_plotly_validation_accepts():
    """Both pairs of naive-Bayes figures are written as unvalidated JSON (viz.plain): every property valid and
    kept; a zero likelihood of the sentence outlined, the generated message's words boxed."""
    from core.supervised import naive_bayes as nb
    from viz.supervised import naive_bayes as nb_viz

    r = nb.naive_bayes_report(60, 1.0, "free money meeting", 3)
    table = assert_valid_figure(nb_viz.nb_likelihood_table(r.model, r.message))
    assert len(table["layout"]["shapes"]) == 3  # free, money, meeting
    assert_valid_figure(nb_viz.nb_posterior_bars(r.model, r.message, r.result))
    report = nbt.texts_report(TEXTS, 0.0, "free money for you")
    outlined = assert_valid_figure(nb_viz.texts_likelihood_table(report.model, report.result))
    assert len(outlined["layout"]["shapes"]) == int((report.result.likelihoods[:, :16] == 0).sum()) > 0
    assert_valid_figure(nb_viz.texts_posterior_bars(report))
