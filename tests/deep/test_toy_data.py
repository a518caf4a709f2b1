"""The 2-D toy datasets and the user's added points."""

from __future__ import annotations

import numpy as np
import pytest

from core import user_data
from core.deep import toy_data
from core.errors import InputError


@pytest.mark.parametrize("name", ["moons", "circles", "spiral", "xor", "blobs"])
def test_datasets_are_balanced_and_in_the_square(name):
    data = toy_data.make_dataset(name, 200, 0.3, 0.5, seed=0)
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    assert x.shape == (200, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.abs(x).max() <= toy_data.DOMAIN
    assert 0.35 < y.mean() < 0.65
    assert len(data.x_train) == 100


def test_added_points_join_the_training_set():
    pts = toy_data.parse_points("0.5, 0.5, 1\n# comment\n-1 -1 0\n")
    assert pts.shape == (2, 3)
    data = toy_data.make_dataset("moons", 20, 0.0, 0.5, 0, extra=pts)
    assert data.x_train.shape == (12, 2) and list(data.y_train[-2:]) == [1.0, 0.0]
    assert len(data.x_test) == 10 and data.classes == ("0", "1")
    for bad in ("1, 2", "a, b, c", "0, 0, 2", "5, 0, 1"):
        with pytest.raises(InputError):
            toy_data.parse_points(bad)
    with pytest.raises(InputError, match="your own points"):
        toy_data.make_dataset(toy_data.YOUR_DATA, 0, 0.0, 0.5, 0)


def test_your_data_inside_the_square_is_used_as_it_is():
    points = toy_data.parse_user_points(toy_data.EXAMPLE_POINTS)
    data, scaling = toy_data.user_dataset(points)
    assert scaling.identity and data.classes == ("0", "1", "2")
    np.testing.assert_array_equal(data.x_train, points.x)
    assert data.y_train.tolist() == points.label.astype(float).tolist()
    assert len(data.x_test) == 0  # every point the user gives is a training point


def test_your_data_outside_the_square_is_rescaled_per_axis_and_clicks_map_back():
    points = toy_data.parse_user_points("x,y,c\n100,0.5,a\n300,0.1,b\n200,0.3,a")
    data, scaling = toy_data.user_dataset(points)
    # each axis' range onto [−1.8, 1.8]: x1 ∈ [100, 300], x2 ∈ [0.1, 0.5]
    np.testing.assert_allclose(data.x_train[:, 0], [-1.8, 1.8, 0.0])
    np.testing.assert_allclose(data.x_train[:, 1], [1.8, -1.8, 0.0])
    np.testing.assert_allclose(scaling.invert(data.x_train), points.x)
    np.testing.assert_allclose(scaling.invert(np.array([2.0, -2.0])), [200 + 2 * 100 / 1.8, 0.3 - 2 * 0.2 / 1.8])


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        ((), "0"),
        (("0", "1", "2"), "3"),
        (("0", "2"), "3"),  # after the largest: "1" would come between and recolour class 2
        (("setosa", "versicolor", "virginica"), "class4"),  # named classes: a name, not "0"
        (("1", "cat"), "class3"),
        (("class3", "dog"), "class4"),
    ],
)
def test_a_new_class_comes_last_and_no_class_changes_colour(classes, expected):
    name = user_data.next_class_name(classes)
    assert name == expected
    if not classes:
        return
    # the text with one point per class, then a click's point of the new class: the classes keep their order
    text = "\n".join(f"{k / 10}, 0, {c}" for k, c in enumerate(classes)) + f"\n0.5, 0.5, {name}"
    points = user_data.parse_labelled_points(text, min_classes=1)
    assert points.classes == (*classes, name)
