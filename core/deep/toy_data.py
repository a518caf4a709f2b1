"""The 2-D toy datasets of the trainer pages (TensorFlow Playground style) and the input features built from them.

Points live in the square [−2, 2]²; a :class:`Dataset` holds the train/test split, :func:`features` turns raw
points (x1, x2) into the input layer a^[0], and :func:`grid` gives the points the decision boundary is drawn over.
The built-in sets have two classes; "your data" (:func:`user_dataset`) has the user's K ≤ 8 classes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

from core.errors import InputError
from core.user_data import (
    MAX_CLASSES,
    LabelledPoints,
    Rescaling,
    fit_rescaling,
    parse_labelled_points,
    readable_labelled_points,
)

YOUR_DATA = "your data"
DATASETS = ("moons", "circles", "spiral", "xor", "blobs", YOUR_DATA)
FEATURES = ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2")
# The plane the datasets live in and the decision boundary is drawn over.
DOMAIN = 2.0
MAX_USER_POINTS = 500
# The user's points fill this share of the square when they must be rescaled into it (a margin for clicks).
USER_FILL = 0.9
EXAMPLE_POINTS = """x1,x2,class
-1.2,-1.0,0
-0.8,-1.3,0
-1.4,-0.6,0
-0.9,-0.7,0
-1.1,-1.4,0
1.1,-1.1,1
0.8,-0.7,1
1.4,-0.9,1
1.0,-1.4,1
1.3,-0.5,1
0.0,1.2,2
-0.4,0.9,2
0.3,0.8,2
0.1,1.5,2
-0.2,1.3,2"""
"""The "your data" set a page opens with: three small clusters, one per class (edit, replace or upload)."""


@dataclass(frozen=True)
class Dataset:
    """A 2-D classification set, split into train and test."""

    x_train: np.ndarray
    """(m_train, 2) raw coordinates."""
    y_train: np.ndarray
    """(m_train,) labels in {0, …, K−1} (floats), {0, 1} for the built-in sets."""
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...] = ("0", "1")
    """The name of each class k (the user's labels for "your data")."""

    @property
    def n_classes(self) -> int:
        """K, the number of classes."""
        return len(self.classes)


def parse_points(text: str) -> np.ndarray:
    """Lines 'x1, x2, class' (class 0 or 1) -> array of shape (k, 3); blank lines and '#' comments skipped."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[,\s;]+", line) if p]
        try:
            x1, x2, label = (float(p) for p in parts)
        except ValueError:
            raise InputError(f"Point line {number} ({line!r}) must be 'x1, x2, class', e.g. '0.5, -1, 1'.") from None
        if label not in (0.0, 1.0):
            raise InputError(f"Point line {number}: the class must be 0 or 1; got {label:g}.")
        if not (abs(x1) <= DOMAIN and abs(x2) <= DOMAIN):
            raise InputError(f"Point line {number}: coordinates must lie in [−{DOMAIN:g}, {DOMAIN:g}].")
        rows.append((x1, x2, label))
    if len(rows) > MAX_USER_POINTS:
        raise InputError(f"At most {MAX_USER_POINTS} added points; got {len(rows)}.")
    return np.array(rows, dtype=float).reshape(-1, 3)  # (k, 3): x1, x2, class


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms r = t, angle = 1.75·t·2π (+π for class 1), like TF Playground's spiral."""
    half = n // 2
    t = np.concatenate([np.linspace(0.05, 1, half), np.linspace(0.05, 1, n - half)])
    label = np.concatenate([np.zeros(half), np.ones(n - half)])
    angle = 1.75 * 2 * np.pi * t + np.pi * label
    x = np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1) * 1.6
    return x + rng.normal(0, noise * 0.3, x.shape), label


def make_dataset(
    name: str, n_points: int, noise: float, train_fraction: float, seed: int, extra: np.ndarray | None = None
) -> Dataset:
    """Generate ``n_points`` samples of a named 2-D (two-class) set in [−2, 2]², add the user's points, split
    train/test.

    Moons, circles and blobs come from scikit-learn (then centred and scaled into the square); spiral and
    XOR are generated here.  Added points always go to the training set.
    """
    if name not in DATASETS:
        raise InputError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    if name == YOUR_DATA:
        raise InputError("Your data come from your own points (user_dataset), not from a generator.")
    if not 0.1 <= train_fraction <= 0.9:
        raise InputError("The training fraction must lie between 0.1 and 0.9.")
    if noise < 0:
        raise InputError("The noise level cannot be negative.")
    rng = np.random.default_rng(seed)
    extra = np.zeros((0, 3)) if extra is None else np.asarray(extra, dtype=float).reshape(-1, 3)
    if n_points < 4:
        raise InputError("At least 4 points are needed.")
    state = int(rng.integers(2**31 - 1))
    if name == "moons":
        x, y = make_moons(n_points, noise=0.25 * noise, random_state=state)
        # moons span x1 ∈ [−1, 2], x2 ∈ [−0.5, 1]: centre them and stretch into the square
        x = (x - np.array([0.5, 0.25])) * 1.2
    elif name == "circles":
        x, y = make_circles(n_points, noise=0.12 * noise, factor=0.45, random_state=state)
        x = x * 1.6
    elif name == "blobs":
        x, y = make_blobs(
            n_points, centers=[(-0.9, -0.9), (0.9, 0.9)], cluster_std=0.25 + 0.5 * noise, random_state=state
        )
    elif name == "xor":
        x = rng.uniform(-1.8, 1.8, size=(n_points, 2))
        # keep points off the axes a little, like TF Playground, so the classes are separable when noise = 0
        x = x + np.sign(x) * 0.1
        y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(float)
        x = x + rng.normal(0, 0.25 * noise, x.shape)
    else:
        x, y = _spiral(n_points, noise, rng)
    x = np.clip(x, -DOMAIN, DOMAIN)
    order = rng.permutation(len(x))
    x, y = x[order], np.asarray(y, dtype=float)[order]
    n_train = round(train_fraction * len(x))
    x_train = np.concatenate([x[:n_train], extra[:, :2]])
    y_train = np.concatenate([y[:n_train], extra[:, 2]])
    if len(x_train) < 2 or len(np.unique(y_train)) < 2:
        raise InputError("The training set needs points of both classes: add points of class 0 and of class 1.")
    return Dataset(x_train, y_train, x[n_train:], y[n_train:])


def parse_user_points(text: str) -> LabelledPoints:
    """The user's points, rows 'x1, x2, class' (a header line and '#' comments allowed; classes 0, 1, … or names,
    2 to MAX_CLASSES of them), read by :func:`core.user_data.parse_labelled_points`."""
    return parse_labelled_points(text, n_features=2, source="Your data", min_classes=2, max_classes=MAX_CLASSES)


def readable_points(text: str) -> LabelledPoints | None:
    """The points a text holds so far, also when they are all of one class (to draw while the user adds the
    first points); None when the text cannot be read at all."""
    return readable_labelled_points(text, n_features=2, source="Your data", max_classes=MAX_CLASSES)


def user_dataset(points: LabelledPoints) -> tuple[Dataset, Rescaling]:
    """The user's points as a training set (no test set: every point the user gives is one to learn), with the
    rescaling that puts them in the square.

    Points inside [−2, 2]² are used as they are; otherwise each axis is mapped onto [−1.8, 1.8],
    x′_j = (x_j − c_j)/s_j (:func:`core.user_data.fit_rescaling`). Rescaled rather than refused: an uploaded
    table of heights and weights is still a fine dataset, and the network, its input features (x1², sin x1, …)
    and the drawn plane all assume the square.
    """
    scaling = fit_rescaling(points.x, DOMAIN, USER_FILL)
    x = scaling.apply(points.x)  # (n, 2), inside the square
    empty = np.zeros((0, 2))
    return Dataset(x, points.label.astype(float), empty, np.zeros(0), points.classes), scaling


def features(x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The input layer a^[0]: chosen features of raw points x of shape (m, 2), returned as (n_0, m)."""
    if not names:
        raise InputError("Choose at least one input feature.")
    x1, x2 = x[:, 0], x[:, 1]
    table = {
        "x1": x1,
        "x2": x2,
        "x1²": x1**2,
        "x2²": x2**2,
        "x1·x2": x1 * x2,
        "sin x1": np.sin(x1),
        "sin x2": np.sin(x2),
    }
    unknown = [n for n in names if n not in table]
    if unknown:
        raise InputError(f"Unknown input feature(s): {', '.join(unknown)}.")
    return np.stack([table[n] for n in names])  # (n_0, m)


def grid(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Axis ticks (resolution,) over [−2, 2] and the raw grid points (resolution², 2), x1 varying fastest."""
    ticks = np.linspace(-DOMAIN, DOMAIN, resolution)
    g1, g2 = np.meshgrid(ticks, ticks)
    return ticks, np.stack([g1.ravel(), g2.ravel()], axis=1)  # (resolution², 2)
