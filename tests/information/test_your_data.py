"""Information theory on the learner's own data (issue 17): a joint table from a pasted or uploaded CSV, the
entropy of a text's characters; every measure against SciPy, every malformed input named."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.information.entropy import character_counts, character_entropy
from core.information.joint import joint_report
from core.information.parsing import (
    MAX_CATEGORIES,
    MAX_NAME_CHARS,
    joint_csv_values,
    parse_joint_csv,
    parse_joint_text,
    parse_outcomes,
    read_joint_csv,
    read_joint_text,
)
from core.user_data import MAX_ROWS
from tests.apptest_helpers import assert_healthy, run_page
from ui.information_widgets import joint_labels, table_to_text
from viz.information import entropy as entropy_viz
from viz.information import joint as joint_viz
from viz.information.text import describe_joint

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


# --------------------------------------------------------------------------------------------- names and observations
NAMED = "weather,rain,sun\nwarm,0.1,0.4\ncold,0.3,0.2"


def test_names_of_a_csv_table_are_carried_to_the_figures():
    data = read_joint_text(NAMED)
    assert (data.x_names, data.y_names, data.x_title, data.y_title) == (
        ("warm", "cold"),
        ("rain", "sun"),
        "weather",
        None,
    )
    np.testing.assert_allclose(data.table, [[0.1, 0.4], [0.3, 0.2]])
    assert data.observations is None and describe_joint(data) == "a 2×2 table of probabilities"
    r = joint_report(data.table)
    heatmap = joint_viz.joint_heatmap(r, **joint_labels(data)).to_dict()
    cells, p_y, p_x = heatmap["data"]
    assert list(cells["x"]) == ["rain", "sun"] and list(cells["y"]) == ["warm", "cold"]
    assert list(p_y["x"]) == ["rain", "sun"] and list(p_x["y"]) == ["warm", "cold"]
    assert heatmap["layout"]["yaxis3"]["title"]["text"] == "X: weather"
    terms = joint_viz.conditional_terms(r, data.x_names).to_dict()
    assert list(terms["data"][0]["x"]) == ["warm", "cold"]
    # without names: the x1…/y1… labels as before
    plain = joint_viz.joint_heatmap(r).to_dict()["data"][0]
    assert list(plain["x"]) == ["y1", "y2"] and list(plain["y"]) == ["x1", "x2"]


def _observations(seed: int, n: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    weather = rng.choice(["sun", "rain", "fog"], size=n, p=[0.5, 0.3, 0.2])
    # umbrella depends on the weather: I(X;Y) > 0
    umbrella = np.where(rng.random(n) < np.where(weather == "rain", 0.8, 0.1), "yes", "no")
    return weather.tolist(), umbrella.tolist()


@pytest.mark.parametrize(("seed", "n", "header"), [(0, 120, True), (1, 7, False), (2, MAX_ROWS, True)])
def test_observations_are_counted_like_pandas_crosstab(seed, n, header):
    xs, ys = _observations(seed, n)
    text = ("weather,umbrella\n" if header else "") + "\n".join(f"{x},{y}" for x, y in zip(xs, ys))
    data = read_joint_text(text)
    expected = pd.crosstab(pd.Series(xs), pd.Series(ys), normalize=True)  # rows and columns sorted
    assert data.x_names == tuple(expected.index) and data.y_names == tuple(expected.columns)
    np.testing.assert_allclose(data.table, expected.to_numpy(), rtol=1e-12)
    assert data.observations == n and not data.changed
    assert (data.x_title, data.y_title) == (("weather", "umbrella") if header else (None, None))
    pair = "(weather, umbrella)" if header else "(x, y)"
    shape = f"{len(expected.index)}×{len(expected.columns)}"
    assert describe_joint(data) == f"{n:,} observations of {pair} counted into a {shape} table"
    # the raw values of the upload path are the counts n_xy
    np.testing.assert_allclose(joint_csv_values(text)[1], pd.crosstab(pd.Series(xs), pd.Series(ys)).to_numpy())


def test_which_shape_two_columns_are_read_as():
    # a second column of names, or repeated names in the first: observations
    assert read_joint_text("weather,umbrella\nrain,yes\nsun,no").observations == 2
    # a first line of names is the header, unless one of its names is seen again in its column
    assert read_joint_text("rain,yes\nsun,no\nrain,no").observations == 3
    assert read_joint_text("rain,yes\nsun,no").x_title == "rain"
    repeated = read_joint_text("rain,1\nrain,0\nsun,1")
    assert repeated.observations == 3 and repeated.y_names == ("0", "1")
    np.testing.assert_allclose(repeated.table, [[1 / 3, 1 / 3], [0, 1 / 3]])
    # distinct row names over numbers, or a numeric table with a typo: a table
    assert read_joint_text("rain,3\nsun,1").observations is None
    with pytest.raises(InputError, match="line 3: 'x' is not a number"):
        read_joint_text("y1,y2\n1,2\n3,x")


def test_outcomes_typed_as_names_are_counted_like_counter():
    rng = np.random.default_rng(3)
    values = rng.choice(["a", "bb", "c", "Z"], size=200).tolist()
    p, changed, names, n = parse_outcomes(", ".join(values))
    counts = Counter(values)
    assert names == tuple(sorted(counts)) and n == 200 and not changed
    np.testing.assert_allclose(p, [counts[x] / 200 for x in names])
    # numbers stay weights
    p, changed, names, n = parse_outcomes("2 1 1")
    np.testing.assert_allclose(p, [0.5, 0.25, 0.25])
    assert changed and names is None and n is None
    bars = entropy_viz.distribution_with_surprisal(p, 2.0, ("1", "2", "3"))  # the JSON form
    assert bars["layout"]["xaxis"]["type"] == "category"  # names that look like numbers stay names


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x,y\nrain,yes\nsun,no,extra", "line 3"),
        ("x,y\nrain,yes\nsun", "line 3"),
        ("\n".join(f"v{i},yes" for i in range(MAX_CATEGORIES + 1)) + "\nv0,no", "X takes 41 different values"),
        ("\n".join(f"a,w{i}" for i in range(MAX_CATEGORIES + 1)), "Y takes 41 different values"),
        ("\n".join(["rain,yes"] * (MAX_ROWS + 1)), f"more than {MAX_ROWS:,} rows"),
        ("\n".join(["1,1"] * (MAX_CATEGORIES + 1)), "41 rows|more than 40 rows"),
        ("w,a,b\nrain,1,2\nsun,3,4\nrain,5,6", "line 4: the row name 'rain' appears twice"),
        ("rain,sun,rain\n1,2,3", "column name 'rain' appears twice"),
        ("x,y\n" + "r" * (MAX_NAME_CHARS + 1) + ",yes", f"line 2: the name .* has {MAX_NAME_CHARS + 1} characters"),
    ],
)
def test_malformed_observations_and_names_are_named(text, fragment):
    with pytest.raises(InputError, match=fragment):
        read_joint_text(text)
    with pytest.raises(InputError, match=fragment):
        read_joint_csv(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("rain 1 sun", "'rain' is not a number. Type only numbers"), ("a " + "b" * 50, "has 50 characters")],
)
def test_malformed_outcomes_are_named(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_outcomes(text, "P(x)")


def test_conditional_entropy_page_names_rows_and_columns():
    at = run_page("pages/information/conditional_entropy.py", {"joint_preset": "custom", "joint": NAMED})
    assert_healthy(at, "conditional entropy, a named CSV")
    heatmap, terms = _figures(at)[:2]
    assert heatmap[0]["x"] == ["rain", "sun"] and heatmap[0]["y"] == ["warm", "cold"]
    assert terms[0]["x"] == ["warm", "cold"]
    table = at.dataframe[0].value
    assert list(table.index) == ["warm", "cold"] and "P(rain|x)" in table.columns
    assert any("Read as a 2×2 table of probabilities" in c.value for c in at.caption)


def test_mutual_information_page_counts_observations_and_an_upload_keeps_the_names():
    xs, ys = _observations(4, 120)
    text = "weather,umbrella\n" + "\n".join(f"{x},{y}" for x, y in zip(xs, ys))
    at = run_page("pages/information/mutual_information.py", {"source": "a table"})
    at.file_uploader(key="joint_file").set_value(("days.csv", text.encode(), "text/csv"))
    at.run()
    assert_healthy(at, "MI page, uploaded observations")
    assert at.text_area(key="joint").value == text  # the file as it is: its names stay the table's
    assert any("120 observations of (weather, umbrella) counted into a 3×2 table" in c.value for c in at.caption)
    r = joint_report(pd.crosstab(pd.Series(xs), pd.Series(ys), normalize=True).to_numpy())
    assert any(f"= {r.mutual_information:.3f}" in formula.value for formula in at.latex)
    heatmap = _figures(at)[2][0]
    assert heatmap["x"] == ["no", "yes"] and heatmap["y"] == ["fog", "rain", "sun"]


def test_entropy_page_counts_typed_observations():
    at = run_page("pages/information/entropy.py", {"edit": "typed numbers", "probs": "rain sun rain rain snow"})
    assert_healthy(at, "entropy page, typed observations")
    bars = _figures(at)[1][0]
    assert bars["x"] == ["rain", "snow", "sun"]
    assert bars["text"] == ["0.60", "0.20", "0.20"]  # P(x) = n_x / n, as the bars label it
    assert any("5 observations counted into 3 outcomes" in c.value for c in at.caption)
    h = scipy.stats.entropy([3, 1, 1], base=2)
    assert any(m.value == f"{h:.3f}" for m in at.metric)
