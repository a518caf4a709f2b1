"""The regression page (pages/supervised/regression.py): every part renders, with the cautions it should raise."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    ("query", "caution"),
    [
        ({"n": "5", "degree": "12"}, "singular"),
        ({"part": "Logistic: GD vs Newton", "alpha": "30"}, "overshoots"),
        ({"part": "Logistic: GD vs Newton", "sep": "4", "flip": "0"}, "separable"),
        ({"part": "Logistic: GD vs Newton", "t1": "-3", "t2": "3"}, "Newton's method diverged"),
        ({"part": "Softmax (K classes)", "k": "5"}, None),
    ],
)
def test_page_parts_and_cautions(query, caution):
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", query)
    assert_healthy(at, str(query))
    assert at.get("plotly_chart")
    warnings = " ".join(w.value for w in at.warning)
    if caution is None:
        assert not warnings
    else:
        assert caution in warnings


# ------------------------------------------------------------------------------------------------ your data

LINEAR, LOGISTIC, SOFTMAX = "Linear: ridge & LASSO", "Logistic: GD vs Newton", "Softmax (K classes)"


def _values(array) -> list[float]:
    """A trace's coordinates from its JSON: a list, or Plotly's typed-array form {"dtype", "bdata"} (base64)."""
    import base64

    import numpy as np

    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def _traces(at, chart: int = 0) -> dict[str, dict]:
    import json

    return {t.get("name"): t for t in json.loads(at.get("plotly_chart")[chart].proto.spec)["data"]}


def test_linear_your_data_draws_your_points_and_keeps_them_on_bad_input():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", {"src": "your data"})
    text = "year,price\n1990,120\n1995,180\n2000,150\n2005,260\n2010,300\n2015,420"
    at.text_area(key="lin_data").set_value(text).run()
    assert_healthy(at, "your points")
    data = _traces(at)["data"]
    assert _values(data["x"]) == [1990, 1995, 2000, 2005, 2010, 2015]
    assert _values(data["y"]) == [120, 180, 150, 260, 300, 420]
    assert "true curve" not in _traces(at)
    assert any("(x − 2002) / 12.5" in c.value for c in at.caption)
    for bad, message in (("1990,120\n1995,abc", "line 2: 'abc' is not a number"), ("", "empty")):
        at.text_area(key="lin_data").set_value(bad).run()
        assert_healthy(at, repr(bad))
        assert any(message in e.value for e in at.error), (bad, [e.value for e in at.error])
        # the previous fit stays, drawn from the last valid points
        assert _values(_traces(at)["data"]["x"]) == [1990, 1995, 2000, 2005, 2010, 2015]
        assert any("Showing the last valid points" in c.value for c in at.caption)


def test_logistic_your_data_draws_your_points_and_refuses_one_or_three_classes():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", {"part": LOGISTIC, "src": "your data"})
    text = "0.5,0.2,no\n-1,-0.5,no\n1.5,1,yes\n0.2,1.2,yes\n-0.4,0.1,yes\n0.9,-0.6,no"
    at.text_area(key="logit_data").set_value(text).run()
    assert_healthy(at, "your points")
    boundary = _traces(at, 2)
    assert _values(boundary["class no"]["x"]) == [0.5, -1.0, 0.9]
    assert _values(boundary["class yes"]["y"]) == [1.0, 1.2, 0.1]
    for bad, message in (
        ("0,0,a\n1,1,a", "only one class (a)"),
        ("0,0,a\n1,1,b\n2,2,c", "logistic regression is for two classes: use the softmax part"),
        ("0,0,a\n1,x,b", "line 2: 'x' is not a number"),
        ("", "empty"),
    ):
        at.text_area(key="logit_data").set_value(bad).run()
        assert_healthy(at, repr(bad))
        assert any(message in e.value for e in at.error), (bad, [e.value for e in at.error])
        assert len(at.get("plotly_chart")) == 3  # the previous figures stay
        assert _values(_traces(at, 2)["class no"]["x"]) == [0.5, -1.0, 0.9]


def test_softmax_your_data_draws_every_class_and_keeps_it_on_bad_input():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", {"part": SOFTMAX, "src": "your data"})
    text = "\n".join(f"{x},{y},{name}" for name, x, y in [("a", -2, -2), ("b", 2, -2), ("c", 2, 2), ("d", -2, 2)] * 2)
    at.text_area(key="softmax_data").set_value(text).run()
    assert_healthy(at, "four classes")
    traces = _traces(at)
    assert [n for n in traces if str(n).startswith("class ")] == ["class a", "class b", "class c", "class d"]
    assert _values(traces["class c"]["x"]) == [2, 2]
    at.text_area(key="softmax_data").set_value(text + "\n1,nan,a").run()
    assert_healthy(at, "NaN")
    assert any("line 9" in e.value and "not a finite number" in e.value for e in at.error)
    assert [n for n in _traces(at) if str(n).startswith("class ")] == ["class a", "class b", "class c", "class d"]


def test_your_data_opens_on_an_example_for_every_part():
    from tests.apptest_helpers import assert_healthy, run_page

    for part in (LINEAR, LOGISTIC, SOFTMAX):
        at = run_page("pages/supervised/regression.py", {"part": part, "src": "your data"})
        assert_healthy(at, part)
        assert not at.error and not at.warning  # the examples fit without a caution
        assert any(c.value.startswith("Your ") for c in at.caption)


def _error_after(at, key: str) -> str | None:
    """The message drawn right after the sidebar control ``key`` (None when the next element is no error)."""
    nodes = [node for node in at.sidebar if not hasattr(node, "children")]
    position = next(i for i, node in enumerate(nodes) if getattr(node, "key", None) == key)
    following = nodes[position + 1 : position + 2]
    return following[0].value if following and following[0].type == "error" else None


LINEAR_GOOD = "year,price\n1990,120\n1995,180\n2000,150\n2005,260\n2010,300\n2015,420"
LINEAR_MALFORMED = [
    ("wrong columns", "1,2\n3,4,5", "line 2 ('3,4,5'): 3 values, but 2 are expected per row"),
    ("not a number", "1,2\n3,four", "line 2: 'four' is not a number"),
    ("NaN", "1,2\nNaN,4", "line 2: the value 'NaN' is not a finite number"),
    ("one x only", "1,2\n1,4\n1,5", "at least two different x values"),
    ("empty", "# nothing yet", "is empty"),
    ("too many rows", "\n".join(f"{i},{i % 7}" for i in range(2_001)), "more than 2,000 rows"),
]


def test_linear_your_data_names_every_malformed_text_and_file_beside_its_control():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/supervised/regression.py", {"src": "your data", "lin_data": LINEAR_GOOD})
    assert_healthy(at, "your points")
    before = _values(_traces(at)["data"]["x"])
    assert before == [1990, 1995, 2000, 2005, 2010, 2015]
    for case, text, message in LINEAR_MALFORMED:
        at.text_area(key="lin_data").set_value(text).run()
        assert_healthy(at, case)
        beside = _error_after(at, "lin_data")
        assert beside is not None and message in beside, (case, beside)
        assert _values(_traces(at)["data"]["x"]) == before, case
    at.text_area(key="lin_data").set_value(LINEAR_GOOD).run()
    # a file: its text replaces the points once it parses; a malformed one leaves a message under the uploader
    upload = "x\ty\n0\t1.5\n1\t2.5\n2\t2.0\n3\t4.0"
    at.file_uploader(key="lin_data_file").set_value(("tab.tsv", upload.encode(), "text/tab-separated-values")).run()
    assert_healthy(at, "upload")
    assert at.text_area(key="lin_data").value == upload
    assert _values(_traces(at)["data"]["y"]) == [1.5, 2.5, 2.0, 4.0]
    for case, text, message in LINEAR_MALFORMED:
        at.file_uploader(key="lin_data_file").set_value(("bad.csv", text.encode(), "text/csv")).run()
        assert_healthy(at, f"file: {case}")
        beside = _error_after(at, "lin_data_file")
        assert beside is not None and message in beside and beside.endswith("Your current data are kept."), case
        assert at.text_area(key="lin_data").value == upload, case
        assert _values(_traces(at)["data"]["y"]) == [1.5, 2.5, 2.0, 4.0], case


def test_softmax_your_data_names_every_malformed_text_beside_it_and_keeps_the_regions():
    from tests.apptest_helpers import assert_healthy, run_page

    good = "0,0,a\n0.2,0.1,a\n2,0,b\n2.1,0.3,b\n1,2,c\n1.2,2.1,c"
    at = run_page("pages/supervised/regression.py", {"part": SOFTMAX, "src": "your data", "softmax_data": good})
    assert_healthy(at, "three classes")
    regions = json.dumps(_traces(at)[None]["z"]) if None in _traces(at) else None
    names = [n for n in _traces(at) if str(n).startswith("class ")]
    assert names == ["class a", "class b", "class c"]
    for case, text, message in [
        ("wrong columns", good + "\n1,1", "line 7 ('1,1'): 2 values, but 3 are expected per row"),
        ("not a number", good + "\n1,one,a", "line 7: 'one' is not a number"),
        ("one class only", "0,0,a\n1,1,a", "only one class (a)"),
        ("nine classes", "\n".join(f"{k},0,{k}" for k in range(9)), "9 classes; at most 8"),
        ("a fractional class", "0,0,1.5\n1,1,2", "the class '1.5' must be a whole number"),
        ("empty", "", "is empty"),
    ]:
        at.text_area(key="softmax_data").set_value(text).run()
        assert_healthy(at, case)
        beside = _error_after(at, "softmax_data")
        assert beside is not None and message in beside, (case, beside)
        assert [n for n in _traces(at) if str(n).startswith("class ")] == names, case
        if regions is not None:
            assert json.dumps(_traces(at)[None]["z"]) == regions, case


def test_softmax_your_data_offers_a_named_new_class_and_says_when_no_point_can_be_read():
    from tests.apptest_helpers import assert_healthy, run_page

    named = "0,0,ant\n0.2,0.1,ant\n2,0,bee\n2.1,0.3,bee"
    at = run_page("pages/supervised/regression.py", {"part": SOFTMAX, "src": "your data", "softmax_data": named})
    assert_healthy(at, "named classes")
    # blue, orange, then the new class's colour: green (viz.supervised.common.CLASS_COLOUR_NAMES)
    assert at.radio(key="softmax_cls").options == ["ant (blue)", "bee (orange)", "new class: class3 (green)"]
    at = run_page("pages/supervised/regression.py", {"part": SOFTMAX, "src": "your data", "softmax_data": "1,2"})
    assert_healthy(at, "unreadable link")
    captions = [c.value for c in at.caption]
    assert any("No valid points yet" in c for c in captions) and not any("points so far" in c for c in captions)
