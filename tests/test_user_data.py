"""core/user_data.py: every own-data format round-trips, and every malformed input gets a message naming the problem."""

import io

import numpy as np
import pytest
from PIL import Image

from core import user_data as ud
from core.errors import InputError


def test_labelled_points_round_trip_with_header_and_names():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (30, 2)).round(3)
    names = np.array(["cat", "dog", "owl"])[rng.integers(0, 3, 30)]
    names[:3] = ["cat", "dog", "owl"]
    text = "x1,x2,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(x, names))
    points = ud.parse_labelled_points(text)
    assert points.classes == ("cat", "dog", "owl")
    np.testing.assert_array_equal(points.x, x)
    np.testing.assert_array_equal(np.array(points.classes)[points.label], names)
    again = ud.parse_labelled_points(ud.format_labelled_points(points, ("x1", "x2", "label")))
    np.testing.assert_array_equal(again.x, points.x)
    np.testing.assert_array_equal(again.label, points.label)


def test_numeric_classes_keep_numeric_order_and_equal_spellings():
    points = ud.parse_labelled_points("0 0 10\n1 1 2\n2 2 2.0\n3 3 1e1")
    assert points.classes == ("2", "10")
    assert points.label.tolist() == [1, 0, 0, 1]


def test_numbers_table_round_trip():
    values = np.array([[0.25, 0.25], [0.125, 0.375]])
    header, parsed = ud.parse_numbers_table(ud.format_table(values, ("y0", "y1")))
    assert header == ("y0", "y1")
    np.testing.assert_array_equal(parsed, values)


def test_labelled_texts_tab_and_colon():
    examples = ud.parse_labelled_texts("spam\twin a prize\n\nham: see you at noon\nspam, cheap pills")
    assert examples == [("spam", "win a prize"), ("ham", "see you at noon"), ("spam", "cheap pills")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("x1,x2,label\n", "empty"),
        ("0,0,1\n1,1", "line 2"),  # wrong number of columns, line named
        ("0,0,1\n1,abc,0", "line 2: 'abc' is not a number"),
        ("0,0,1\n\n# comment\nnan,1,0", "line 4"),  # NaN, numbered as in the file
        ("0,0,1\n1,inf,0", "not a finite number"),
        ("0,0,1\n1,1,1", "only one class"),
        ("0,0,1\n1,1,0.5", "whole number"),
        ("0,0,0\n9,0,1", "outside"),
    ],
)
def test_malformed_points_name_the_problem(text, message):
    with pytest.raises(InputError, match=message):
        ud.parse_labelled_points(text, bound=2.0)


def test_limits_on_rows_classes_and_columns():
    with pytest.raises(InputError, match="more than 5 rows"):
        ud.parse_labelled_points("\n".join(f"{i % 2} 0 {i % 2}" for i in range(6)), max_rows=5)
    with pytest.raises(InputError, match="9 classes"):
        ud.parse_labelled_points("\n".join(f"0 0 {k}" for k in range(9)))
    with pytest.raises(InputError, match="at most 40 per row"):
        ud.parse_numbers_table(" ".join(["1"] * 41))
    with pytest.raises(InputError, match="characters"):
        ud.check_text("a" * (ud.MAX_TEXT_CHARS + 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("spam\twin\nspam\tlose", "only the label"), ("spam\twin\njust words", "line 2")],
)
def test_malformed_texts_name_the_problem(text, message):
    with pytest.raises(InputError, match=message):
        ud.parse_labelled_texts(text)


def test_decode_text_refuses_binary_big_and_non_utf8():
    assert ud.decode_text("\ufeffx,y\n1,2".encode()) == "x,y\n1,2"
    with pytest.raises(InputError, match="binary"):
        ud.decode_text(b"\x80\x04\x95\x00pickle")
    with pytest.raises(InputError, match="not UTF-8"):
        ud.decode_text("é".encode("latin-1"))
    with pytest.raises(InputError, match="MB"):
        ud.decode_text(b"1" * (ud.MAX_UPLOAD_BYTES + 1))


def _png(array: np.ndarray, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_decode_image_grey_levels_and_size():
    rgb = np.zeros((40, 80, 3), dtype=np.uint8)
    rgb[:, :40] = (255, 0, 0)  # left half pure red: luma 0.299
    grey = ud.decode_image(_png(rgb), max_side=20)
    assert grey.shape == (10, 20)
    # Pillow's L conversion: L = (299 R + 587 G + 114 B) / 1000, rounded to a byte
    np.testing.assert_allclose(grey[5, 2], round(0.299 * 255) / 255, atol=1 / 255)
    assert grey[5, 17] == 0.0


def test_decode_image_refusals():
    with pytest.raises(InputError, match="PNG or JPEG"):
        ud.decode_image(b"GIF89a not an image", max_side=32)
    with pytest.raises(InputError, match="at least 3"):
        ud.decode_image(_png(np.zeros((1, 50, 3), dtype=np.uint8)), max_side=32)
    # a header claiming a huge image is refused before any pixel is decoded
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")
    with pytest.raises(InputError, match="megapixels"):
        ud.decode_image(buffer.getvalue(), max_side=32)


def test_rescaling_is_the_identity_inside_and_maps_ranges_outside():
    inside = np.array([[-2.0, 1.5], [0.3, 2.0]])
    assert ud.fit_rescaling(inside, 2.0).identity
    x = np.array([[0.0, 5.0], [10.0, 5.0], [4.0, 5.0]])  # x1 ∈ [0, 10], x2 constant
    scaling = ud.fit_rescaling(x, 2.0, fill=0.9)
    shown = scaling.apply(x)
    np.testing.assert_allclose(shown[:, 0], [-1.8, 1.8, -0.36])  # the range onto ±0.9·2
    np.testing.assert_allclose(shown[:, 1], 0.0)  # a constant column sits at the centre
    np.testing.assert_allclose(scaling.invert(shown), x)


def test_table_text_round_trips_and_names_the_bad_row():
    rows = [[0.5, -1.25, "cat"], [None, None, None], [1e-5, 2.0, "dog"]]  # the empty row was just added
    text = ud.table_text(rows, ("x1", "x2", "class"), (True, True, False))
    assert text == "0.5,-1.25,cat\n1e-05,2,dog"
    points = ud.parse_labelled_points(text)
    np.testing.assert_array_equal(points.x, [[0.5, -1.25], [1e-5, 2.0]])
    columns, numeric = ("x1", "x2", "class"), (True, True, False)
    for bad, message in (
        ([[0.5, 1.0, "a"], [0.5, float("nan"), "b"]], "row 2: the x2 cell is empty"),
        ([[0.5, 1.0, ""]], "row 1: the class cell is empty"),
        ([["abc", 1.0, "a"]], "row 1: x1 = 'abc' is not a number"),
        ([[float("inf"), 1.0, "a"]], "row 1: x1 = inf is not a finite number"),
        ([[1.0, 1.0, "big cat"]], "cannot hold a space"),
    ):
        with pytest.raises(InputError, match=message):
            ud.table_text(bad, columns, numeric)
