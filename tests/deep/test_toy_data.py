"""The 2-D toy datasets and the user's added points."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_user_points_join_the_training_set():
    pts = toy_data.parse_points("0.5, 0.5, 1\n# comment\n-1 -1 0\n")
    assert pts.shape == (2, 3)
    data = toy_data.make_dataset("user points only", 0, 0.0, 0.5, 0, extra=pts)
    assert data.x_train.shape == (2, 2) and list(data.y_train) == [1.0, 0.0]
    for bad in ("1, 2", "a, b, c", "0, 0, 2", "5, 0, 1"):
        with pytest.raises(InputError):
            toy_data.parse_points(bad)
    with pytest.raises(InputError):
        toy_data.make_dataset("user points only", 0, 0.0, 0.5, 0, extra=pts[:1])
