"""The trainer page with "your data" (issue 17): a 3-class CSV becomes a softmax network with a 3-class picture;
a malformed text keeps the previous data with a message beside the text."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image
from plotly.colors import hex_to_rgb

from tests.apptest_helpers import assert_healthy, run_page
from viz.deep import mlp as viz

PAGE = "pages/deep/trainer.py"
THREE_CLASSES = "x1,x2,kind\n" + "\n".join(
    f"{x1:.2f},{x2:.2f},{name}"
    for name, (cx, cy) in {"ant": (-1.2, -1.0), "bee": (1.2, -1.0), "cow": (0.0, 1.2)}.items()
    for x1, x2 in np.random.default_rng(0).normal((cx, cy), 0.2, (8, 2))
)


def _charts(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _values(array) -> list[float]:
    """A trace's coordinates from its JSON: a list, or Plotly's typed-array form {"dtype", "bdata"} (base64)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def _image_classes(spec: dict, n_classes: int) -> set[int]:
    """The classes whose colour tints the boundary picture (each pixel read as its nearest class colour)."""
    uri = spec["layout"]["images"][0]["source"]
    rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"), dtype=float)
    pixels = rgb.reshape(-1, 3)
    tinted = pixels[np.abs(pixels - 255).max(axis=1) > 30]  # away from white: some class is winning there
    # the hue of a tint white·(1 − s) + c·s is the direction of white − pixel, the same as white − c
    colours = np.array([hex_to_rgb(c) for c in viz.CLASS_COLOURS[:n_classes]], dtype=float)
    away = 255 - tinted
    directions = (255 - colours) / np.linalg.norm(255 - colours, axis=1, keepdims=True)
    nearest = (away / np.linalg.norm(away, axis=1, keepdims=True)) @ directions.T
    return set(np.unique(nearest.argmax(axis=1)).tolist())


def test_a_three_class_csv_draws_a_three_class_boundary_and_a_bad_edit_keeps_it():
    at = run_page(PAGE, {"data": "your data"})
    at.text_area(key="nn_data").set_value(THREE_CLASSES).run()
    assert_healthy(at, "3-class CSV")
    boundary, _loss, network = _charts(at)
    assert boundary["layout"]["title"]["text"] == "Decision regions"
    train = [t for t in boundary["data"] if t.get("name", "").startswith("train")]
    assert [t["name"] for t in train] == ["train ant", "train bee", "train cow"]
    assert sum(len(_values(t["x"])) for t in train) == 24
    assert _image_classes(boundary, 3) == {0, 1, 2}
    # the network ends in 3 softmax units, one tile each: 2 inputs + 8 + 8 hidden + 3 outputs
    assert len(network["layout"]["images"]) == 2 + 8 + 8 + 3
    assert at.metric[2].label == "Training accuracy"
    at.button(key="nn_step").click().run()
    assert_healthy(at, "step")
    assert at.metric[0].value == "1"

    # a non-number: the message names the line, the figure keeps the 3-class data
    at.text_area(key="nn_data").set_value(THREE_CLASSES + "\n0.5,abc,ant").run()
    assert_healthy(at, "bad line")
    assert any("line 26: 'abc' is not a number" in e.value for e in at.error)
    assert any("Showing the last valid points" in c.value for c in at.caption)
    stale = [t for t in _charts(at)[0]["data"] if t.get("name", "").startswith("train")]
    assert [_values(t["x"]) for t in stale] == [_values(t["x"]) for t in train]


def test_two_named_classes_keep_the_sigmoid_unit_and_one_class_is_refused():
    at = run_page(PAGE, {"data": "your data", "nn_data": "0,0,cat\n1,1,dog\n-1,1,cat"})
    assert_healthy(at, "two classes")
    boundary = _charts(at)[0]
    assert boundary["layout"]["title"]["text"] == "Decision boundary"
    assert [t["name"] for t in boundary["data"] if t.get("name", "").startswith("train")] == ["train cat", "train dog"]
    at = run_page(PAGE, {"data": "your data", "nn_data": "0,0,cat\n1,1,cat"})
    assert_healthy(at, "one class")
    assert any("only one class (cat)" in e.value for e in at.error)
    # no network yet: the points so far on the plane, to click more in
    (plane,) = _charts(at)
    assert [t["name"] for t in plane["data"]] == ["train cat", "click to add"]


def test_points_outside_the_square_are_rescaled_with_the_scale_in_a_caption():
    at = run_page(PAGE, {"data": "your data", "nn_data": "0,0,0\n100,10,1\n50,20,2"})
    assert_healthy(at, "rescaled")
    assert any("x1′ = (x1 − 50) / 27.78" in c.value for c in at.caption)
    train = [t for t in _charts(at)[0]["data"] if t.get("name", "").startswith("train")]
    assert [_values(t["x"]) for t in train] == [[-1.8], [1.8], [0.0]]


# ------------------------------------------------------------------- every malformed input, typed or uploaded

ROWS_OVER_LIMIT = "\n".join(f"{i % 7 / 7:.2f},{i % 5 / 5:.2f},{i % 3}" for i in range(2_001))
MALFORMED = [
    ("wrong columns", "0,0,0\n1,1", "line 2 ('1,1'): 2 values, but 3 are expected per row"),
    ("not a number", "0,0,0\n1,abc,1", "line 2: 'abc' is not a number"),
    ("NaN", "0,0,0\nnan,1,1", "line 2: the coordinate 'nan' is not a finite number"),
    ("infinity", "0,0,0\n1,-inf,1", "line 2: the coordinate '-inf' is not a finite number"),
    ("one class only", "0,0,a\n1,1,a", "only one class (a)"),
    ("empty", "", "is empty"),
    ("a header only", "x1,x2,class\n# no points yet", "is empty"),
    ("a fractional class", "0,0,0.5\n1,1,1", "the class '0.5' must be a whole number"),
    ("nine classes", "\n".join(f"{k / 8:.2f},0,{k}" for k in range(9)), "9 classes; at most 8"),
    ("too many columns", ",".join(["1"] * 41), "41 values; at most 40 per row"),
    ("too many rows", ROWS_OVER_LIMIT, "more than 2,000 rows (line 2001"),
    ("too long a text", "0,0,0\n1,1,1\n" + "#" * 200_000, "characters; at most 200,000"),
]


def _sidebar(at) -> list:
    """The sidebar's elements in the order they are drawn."""
    return [node for node in at.sidebar if not hasattr(node, "children")]


def _error_after(at, key: str) -> str | None:
    """The message drawn right after the sidebar control ``key`` (None when the next element is no error)."""
    nodes = _sidebar(at)
    position = next(i for i, node in enumerate(nodes) if getattr(node, "key", None) == key)
    following = nodes[position + 1 : position + 2]
    return following[0].value if following and following[0].type == "error" else None


def _train_points(at) -> list[list[float]]:
    boundary = _charts(at)[0]
    return [_values(t["x"]) + _values(t["y"]) for t in boundary["data"] if t.get("name", "").startswith("train")]


def test_every_malformed_text_is_named_beside_the_text_and_the_previous_data_stay():
    at = run_page(PAGE, {"data": "your data", "nn_data": THREE_CLASSES})
    assert_healthy(at, "3 classes")
    before = _train_points(at)
    assert _error_after(at, "nn_data") is None
    for case, text, message in MALFORMED:
        at.text_area(key="nn_data").set_value(text).run()
        assert_healthy(at, case)
        beside = _error_after(at, "nn_data")
        assert beside is not None and message in beside, (case, beside, [e.value for e in at.error])
        assert _train_points(at) == before, case  # the network still trains on the last valid points
        assert any("Showing the last valid points" in c.value for c in at.caption), case
        # a text longer than a link carries says so, and how a lesson can still show it
        too_long = any(
            "more than a link carries" in c.value and 'nn_data = "points.csv"' in c.value for c in at.sidebar.caption
        )
        assert too_long == (len(text) > 4_000), case
    at.text_area(key="nn_data").set_value(THREE_CLASSES).run()
    assert_healthy(at, "fixed") and not at.error


MALFORMED_FILES = [(case, text.encode(), message) for case, text, message in MALFORMED] + [
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
    ("not UTF-8", "0,0,0\n1,1,ä\n".encode("latin-1"), "is not UTF-8 text (byte 10"),
    ("over 2 MB", b"0,0,0\n1,1,1\n" + b"#" * 2_000_001, "MB; files up to 2 MB are accepted"),
]


def test_an_uploaded_csv_replaces_the_data_and_a_malformed_file_keeps_them():
    at = run_page(PAGE, {"data": "your data"})
    upload = "width;height;kind\n" + "\n".join(  # semicolons, a header, named classes and units outside the square
        f"{10 * x1:.1f};{10 * x2:.1f};{name}"
        for name, (cx, cy) in {"ant": (-1.2, -1.0), "bee": (1.2, -1.0), "cow": (0.0, 1.2)}.items()
        for x1, x2 in np.random.default_rng(1).normal((cx, cy), 0.2, (5, 2))
    )
    at.file_uploader(key="nn_data_file").set_value(("mine.csv", upload.encode(), "text/csv")).run()
    assert_healthy(at, "upload")
    assert at.text_area(key="nn_data").value == upload  # the file's text as it is: a link or lesson restores it
    assert [t["name"] for t in _charts(at)[0]["data"] if t.get("name", "").startswith("train")] == [
        "train ant",
        "train bee",
        "train cow",
    ]
    assert any("x1′ = (x1 −" in c.value for c in at.caption)  # centimetres rescaled into the square
    before = _train_points(at)
    for case, content, message in MALFORMED_FILES:
        at.file_uploader(key="nn_data_file").set_value(("bad.csv", content, "text/csv")).run()
        assert_healthy(at, case)
        beside = _error_after(at, "nn_data_file")
        assert beside is not None and message in beside, (case, beside, [e.value for e in at.error])
        assert beside.startswith("bad.csv: ") and beside.endswith("Your current data are kept."), beside
        assert at.text_area(key="nn_data").value == upload, case
        assert _train_points(at) == before, case
    at.file_uploader(key="nn_data_file").set_value(None).run()
    assert_healthy(at, "removed") and not at.error


def test_a_lesson_step_restores_a_short_dataset_from_its_url_and_a_long_one_from_its_data_file(tmp_path):
    from core import lessons, user_data

    short = "0,0,a\n1,1,b\n0,1,c"
    long = "x1,x2,class\n" + "\n".join(
        f"{np.cos(t):.4f},{np.sin(t):.4f},{k}" for k in range(3) for t in np.linspace(k, k + 1.5, 150)
    )
    assert user_data.fits_in_url(short) and not user_data.fits_in_url(long)
    (tmp_path / "arcs.csv").write_text(long, encoding="utf-8")
    lesson = lessons.parse_lesson(
        'title = "Own data"\n[[steps]]\ntitle = "short"\npage = "nn-trainer"\n[steps.params]\ndata = "your data"\n'
        f'nn_data = """{short}"""\n'
        '[[steps]]\ntitle = "long"\npage = "nn-trainer"\n[steps.params]\ndata = "your data"\n'
        '[steps.data]\nnn_data = "arcs.csv"\n',
        "own-data",
        {"nn-trainer": None},
        tmp_path,
    )
    for step, n_points, classes in ((lesson.steps[0], 3, ["a", "b", "c"]), (lesson.steps[1], 450, ["0", "1", "2"])):
        at = run_page(PAGE, step.url_params())
        assert_healthy(at, step.title)
        assert not at.error
        train = [t for t in _charts(at)[0]["data"] if t.get("name", "").startswith("train")]
        assert [t["name"].removeprefix("train ") for t in train] == classes
        assert sum(len(_values(t["x"])) for t in train) == n_points
    # the lesson file keeps naming the file, not the text (dumps → parse gives the same step back)
    assert '[steps.data]\nnn_data = "arcs.csv"' in lessons.dumps_lesson(lesson)


def test_named_classes_offer_a_named_new_class_and_an_unreadable_link_says_there_are_no_points():
    at = run_page(PAGE, {"data": "your data", "nn_data": THREE_CLASSES})
    assert_healthy(at, "named classes")
    choice = at.radio(key="nn_cls")
    assert choice.options[-1] == "new class: class4 (vermilion)", choice.options
    # a link whose text cannot be read at all, opened fresh: no "points so far" to show, and the page says so
    at = run_page(PAGE, {"data": "your data", "nn_data": "0.5, 0.5\n1, 1, 1, 1"})
    assert_healthy(at, "unreadable link")
    captions = [c.value for c in at.caption]
    assert any("No valid points yet" in c for c in captions), captions
    assert not any("points so far" in c for c in captions)
    # one class so far can be drawn: the points so far, with no network
    at = run_page(PAGE, {"data": "your data", "nn_data": "0.5, 0.5, ant\n1, 1, ant"})
    assert_healthy(at, "one class so far")
    assert any("Showing the points so far, with no network" in c.value for c in at.caption)
    assert _values(_charts(at)[0]["data"][0]["x"]) == [0.5, 1.0]
