"""ui/points_input.py: the logic of the "your data" callbacks. AppTest cannot edit a table (a data_editor's
on_change needs a browser), so the table's pure part is tested here; uploads and typed text are tested through the
pages (tests/deep/test_trainer_your_data.py, tests/supervised/test_regression.py)."""

import pytest

from core.deep import toy_data
from core.errors import InputError
from core.supervised import linear
from ui import points_input

COLUMNS, NUMERIC = ("x1", "x2", "class"), (True, True, False)
BASE = [[0.0, 0.0, "0"], [1.0, 1.0, "1"], [2.0, 0.5, "2"]]


def test_table_edits_apply_in_streamlits_order():
    state = {
        "edited_rows": {0: {"x1": -0.5}, 2: {"class": "1"}},
        "deleted_rows": [1],
        "added_rows": [{"x1": 1.5, "x2": -1.0, "class": "0"}, {}],  # the second row was just added, still empty
    }
    rows = points_input.edited_rows(BASE, state, COLUMNS)
    assert rows == [[-0.5, 0.0, "0"], [2.0, 0.5, "1"], [1.5, -1.0, "0"], [None, None, None]]
    text = points_input.table_edit_text(BASE, state, COLUMNS, NUMERIC)
    assert text == "-0.5,0,0\n2,0.5,1\n1.5,-1,0"  # the empty row is left out
    points = toy_data.parse_user_points(text)
    assert points.classes == ("0", "1") and points.x.tolist() == [[-0.5, 0.0], [2.0, 0.5], [1.5, -1.0]]
    assert points_input.table_edit_text(BASE, {}, COLUMNS, NUMERIC) == "0,0,0\n1,1,1\n2,0.5,2"  # untouched


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"edited_rows": {1: {"x2": None}}}, "row 2: the x2 cell is empty"),
        ({"added_rows": [{"x1": 0.5, "class": "0"}]}, "row 4: the x2 cell is empty"),
        ({"edited_rows": {0: {"class": "big cat"}}}, "row 1: the class 'big cat' cannot hold a space"),
        ({"edited_rows": {2: {"x1": float("inf")}}}, "row 3: x1 = inf is not a finite number"),
    ],
)
def test_a_bad_cell_is_named_by_its_row(state, message):
    with pytest.raises(InputError, match=message):
        points_input.table_edit_text(BASE, state, COLUMNS, NUMERIC)


def test_deleting_all_but_one_class_is_refused_by_the_parser():
    text = points_input.table_edit_text(BASE, {"deleted_rows": [1, 2]}, COLUMNS, NUMERIC)
    with pytest.raises(InputError, match="only one class"):
        toy_data.parse_user_points(text)


def test_an_upload_keeps_its_text_or_names_the_problem():
    csv = "x,y  # my measurements\n1000,3.5\n2000,4.25\n"
    assert points_input.upload_text(csv.encode(), "m.csv", linear.parse_xy) == csv.strip()
    for content, message in (
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "The file m.csv is not a text file"),
        ("é,1\n".encode("latin-1"), "not UTF-8"),
        (b"1,2,3\n4,5,6", "2 are expected|line 1"),
        (b"1,2\n1,nan", "line 2"),
        (b"", "empty"),
    ):
        with pytest.raises(InputError, match=message):
            points_input.upload_text(content, "m.csv", linear.parse_xy)


NAMED = "sepal_cm,petal_cm,species  # my measurements\n5.1,1.4,setosa\n7,4.7,versicolor\n6.3,6,virginica"


def test_a_table_edit_keeps_the_texts_header_line(monkeypatch):
    # AppTest cannot fire a data_editor's on_change: the callback runs here on a plain session-state dict
    state = {"pts": NAMED, "pts_table": {"edited_rows": {0: {"class": "versicolor"}}}}
    monkeypatch.setattr(points_input.st, "session_state", state)
    base = [[5.1, 1.4, "setosa"], [7.0, 4.7, "versicolor"], [6.3, 6.0, "virginica"]]
    points_input._apply_table("pts_table", "pts", base, COLUMNS, NUMERIC, toy_data.parse_user_points, None)
    assert "_pts_table_error" not in state
    assert state["pts"] == "sepal_cm,petal_cm,species\n5.1,1.4,versicolor\n7,4.7,versicolor\n6.3,6,virginica"
    assert toy_data.parse_user_points(state["pts"]).classes == ("versicolor", "virginica")
    # a text without a header gets none
    state.update(pts="0,0,0\n1,1,1", pts_table={"added_rows": [{"x1": 2.0, "x2": 2.0, "class": "1"}]})
    points_input._apply_table("pts_table", "pts", [[0.0, 0.0, "0"], [1.0, 1.0, "1"]], COLUMNS, NUMERIC, len, None)
    assert state["pts"] == "0,0,0\n1,1,1\n2,2,1"


def test_the_new_class_choice_names_the_class_and_colour_it_will_get():
    colours = ("orange", "blue", "green", "vermilion")
    named = ("setosa", "versicolor", "virginica")
    assert points_input.class_choice_label("virginica", named, colours) == "virginica (green)"
    assert points_input.class_choice_label("new class", named, colours) == "new class: class4 (vermilion)"
    assert points_input.class_choice_label("new class", ("0", "1"), colours) == "new class 2 (green)"
    assert points_input.class_choice_label("new class", (), colours) == "new class 0 (orange)"
