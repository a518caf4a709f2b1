"""Information theory on the learner's own data (issue 17): a joint table from a pasted or uploaded CSV, the
entropy of a text's characters; every measure against SciPy, every malformed input named."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.information.entropy import character_counts, character_entropy
from core.information.joint import joint_report
from core.information.parsing import MAX_CATEGORIES, joint_csv_values, parse_joint_csv, parse_joint_text
from tests.apptest_helpers import assert_healthy, run_page
from ui.information_widgets import table_to_text

CSV = """# counts of (weather, umbrella) over 100 days
weather,umbrella,no_umbrella,forgot
rain,30,5,5
sun,2,50,8
"""


@pytest.mark.parametrize("base", [2.0, np.e])
def test_joint_table_from_csv_against_scipy(base):
    joint, changed = parse_joint_csv(CSV)
    assert changed and joint.shape == (2, 3)
    counts = np.array([[30, 5, 5], [2, 50, 8]], dtype=float)
    np.testing.assert_allclose(joint, counts / 100)
    r = joint_report(joint, base)
    p_x, p_y = counts.sum(axis=1) / 100, counts.sum(axis=0) / 100
    h_xy = scipy.stats.entropy(counts.ravel(), base=base)  # scipy normalizes the counts itself
    assert r.h_x == pytest.approx(scipy.stats.entropy(p_x, base=base), rel=1e-12)
    assert r.h_y == pytest.approx(scipy.stats.entropy(p_y, base=base), rel=1e-12)
    assert r.h_xy == pytest.approx(h_xy, rel=1e-12)
    # H(X|Y) = Σ_y P(y) H(X|Y=y), each H(X|Y=y) from scipy on the column
    h_x_given_y = sum(p_y[j] * scipy.stats.entropy(counts[:, j], base=base) for j in range(3))
    assert r.h_x_given_y == pytest.approx(h_x_given_y, rel=1e-12)
    # I(X;Y) = KL(P(X,Y) ‖ P(X)P(Y)), scipy's relative entropy
    mi = scipy.stats.entropy(counts.ravel() / 100, np.outer(p_x, p_y).ravel(), base=base)
    assert r.mutual_information == pytest.approx(mi, rel=1e-10)


def test_csv_forms_give_the_same_table():
    plain = parse_joint_text("30 5 5\n2 50 8")[0]
    for text in (
        CSV,
        "umbrella;no_umbrella;forgot\n30;5;5\n2;50;8",  # header only, semicolons
        "rain\t30\t5\t5\nsun\t2\t50\t8",  # row names only, tabs
        "30, 5, 5 | 2, 50, 8",  # the page's plain format
    ):
        np.testing.assert_allclose(parse_joint_text(text)[0], plain)


def test_round_trip_of_the_table_text():
    header, values = joint_csv_values(CSV)
    assert header == ("umbrella", "no_umbrella", "forgot")  # the row-name column's title dropped with it
    text = table_to_text(values)
    np.testing.assert_array_equal(joint_csv_values(text)[1], values)
    np.testing.assert_allclose(parse_joint_text(text)[0], parse_joint_csv(CSV)[0])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("y1,y2\n1,2\n3", "line 3"),
        ("y1,y2\n1,2\n3,x", "line 3: 'x' is not a number"),
        ("y1,y2\n1,2\n3,nan", "line 3: 'nan' is not a finite number"),
        ("y1,y2\n1,2\ninf,1", "line 3: 'inf' is not a finite number"),
        ("y1,y2\n1,-2\n3,4", "line 2: -2 is negative"),
        ("y1,y2\n0,0\n0,0", "all zeros"),
        ("names\nrain\nsun", "names only"),
        ("\n".join(["1,1"] * (MAX_CATEGORIES + 1)), "more than 40 rows"),
        (",".join(["1"] * (MAX_CATEGORIES + 1)), "at most 40 per row"),
    ],
)
def test_malformed_csv_tables_are_named(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_joint_csv(text)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_character_entropy_against_counter_and_scipy(text):
    expected = Counter(text)
    chars, counts = character_counts(text)
    assert dict(zip(chars, counts.tolist())) == dict(expected)
    assert list(counts) == sorted(counts, reverse=True)
    frequencies = np.array(list(expected.values()), dtype=float)
    assert character_entropy(text) == pytest.approx(scipy.stats.entropy(frequencies, base=2), abs=1e-12)
    assert character_entropy(text, np.e) == pytest.approx(scipy.stats.entropy(frequencies), abs=1e-12)


def test_character_entropy_textbook_values():
    assert character_entropy("aaaa") == 0.0
    assert character_entropy("abcd" * 5) == pytest.approx(2.0)
    assert character_entropy("aab") == pytest.approx(-(2 / 3) * np.log2(2 / 3) - (1 / 3) * np.log2(1 / 3))
    with pytest.raises(InputError, match="empty"):
        character_counts("")


# --------------------------------------------------------------------------------------------- the pages
def _figures(at) -> list:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def test_entropy_page_counts_your_text_and_keeps_it_on_bad_input():
    at = run_page("pages/information/entropy.py", {"chars": "abracadabra"})
    assert_healthy(at, "entropy page, your text")
    bars = _figures(at)[-1][0]
    assert bars["x"] == ["a", "b", "r", "c", "d"]
    h = scipy.stats.entropy([5, 2, 2, 1, 1], base=2)
    assert any(m.value == f"{h:.3f}" for m in at.metric)
    before = _figures(at)
    at.text_area(key="chars").set_value("")
    at.run()
    assert_healthy(at, "entropy page, empty text")
    assert any("The text is empty" in e.value for e in at.error)
    assert _figures(at) == before
    assert any("Showing the last valid text" in c.value for c in at.caption)


def test_entropy_page_upload_replaces_the_text_or_names_the_problem():
    at = run_page("pages/information/entropy.py")
    at.file_uploader(key="chars_file").set_value(("poem.txt", "Ünïcödé\nzz\n".encode(), "text/plain"))
    at.run()
    assert_healthy(at, "entropy page after an upload")
    assert at.text_area(key="chars").value == "Ünïcödé\nzz"
    assert "↵" in _figures(at)[-1][0]["x"]  # the line break, drawn as a symbol
    good = _figures(at)
    for content, fragment in (
        (b"\x00\x01binary", "not a text file"),
        (b"\xc3\x28", "not UTF-8"),
        (b"a" * 200_001, "at most 200,000"),
        (b"", "empty"),
    ):
        at.file_uploader(key="chars_file").set_value(("bad.txt", content, "text/plain"))
        at.run()
        assert_healthy(at, "entropy page after a bad upload")
        assert any(fragment in e.value and "bad.txt" in e.value for e in at.error), [e.value for e in at.error]
        assert at.text_area(key="chars").value == "Ünïcödé\nzz"
        assert _figures(at) == good


def test_mutual_information_page_reads_a_pasted_csv():
    at = run_page("pages/information/mutual_information.py", {"source": "a table", "joint_preset": "custom"})
    at.text_area(key="joint").set_value(CSV)
    at.run()
    assert_healthy(at, "MI page, pasted CSV")
    r = joint_report(parse_joint_csv(CSV)[0])
    assert any(f"= {r.mutual_information:.3f}" in formula.value for formula in at.latex)


@pytest.mark.parametrize(
    "page", ["pages/information/mutual_information.py", "pages/information/conditional_entropy.py"]
)
def test_joint_table_upload_and_its_bad_files(page):
    at = run_page(page, {"source": "a table"})
    at.file_uploader(key="joint_file").set_value(("t.csv", CSV.encode(), "text/csv"))
    at.run()
    assert_healthy(at, "joint table upload")
    assert at.selectbox(key="joint_preset").value == "custom"
    np.testing.assert_allclose(parse_joint_text(at.text_area(key="joint").value)[0], parse_joint_csv(CSV)[0])
    good, text = _figures(at), at.text_area(key="joint").value
    for content, fragment in ((b"a,b\n1,2\n3", "line 3"), (b"y1,y2\n1,2\n3,nan", "not a finite number")):
        at.file_uploader(key="joint_file").set_value(("bad.csv", content, "text/csv"))
        at.run()
        assert_healthy(at, "joint table bad upload")
        assert any(fragment in e.value and "bad.csv" in e.value for e in at.error), [e.value for e in at.error]
        assert at.text_area(key="joint").value == text
        assert _figures(at) == good
