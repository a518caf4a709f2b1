"""2-D toy distributions p_data for the generative pages (sheet 11), and the user's own points.

* ring of 8 Gaussians, moons and spiral are the diffusion page's generators (:func:`core.generative.diffusion.make_data`,
  roughly unit variance per coordinate), so both pages draw the same shapes;
* checkerboard: uniform on the 8 dark squares of a 4 × 4 board over [−2, 2]²;
* your points: lines ``x, y`` typed, clicked on a chart or uploaded as a CSV file (:func:`parse_points`,
  :func:`parse_csv`), every coordinate in [−DOMAIN, DOMAIN].

The ring's modes are known exactly (:func:`ring_centres`, :data:`RING_STD`): that is what lets a page count how
many of them a generator covers.
"""

from __future__ import annotations

import math
import re

import numpy as np

from core.errors import InputError
from core.generative import diffusion
from core.user_data import is_number

RING = "ring of 8 Gaussians"
MOONS = "moons"
SPIRAL = "spiral"
CHECKERBOARD = "checkerboard"
USER = "your points"
DISTRIBUTIONS = (RING, MOONS, SPIRAL, CHECKERBOARD, USER)
# our names → the diffusion page's names for the same generators
_DIFFUSION_NAMES = {RING: "8 Gaussians", MOONS: "two moons", SPIRAL: "spiral"}

RING_MODES = 8
RING_RADIUS = 1.4
"""Distance of every ring mode's centre from the origin (as diffusion.make_data draws it)."""
RING_STD = 0.12
"""Standard deviation of each ring mode, per coordinate (as diffusion.make_data draws it)."""

DOMAIN = 2.5
"""Every distribution lives in the square [−DOMAIN, DOMAIN]²; the user's points must too."""
MAX_POINTS = 5000
MIN_USER_POINTS = 5
MAX_USER_POINTS = 500
CHECKER_CELLS = 4
CHECKER_HALF_WIDTH = 2.0


def ring_centres() -> np.ndarray:
    """The 8 mode centres μ_m = R (cos(2πm/8), sin(2πm/8)), m = 0..7, R = RING_RADIUS; shape (8, 2)."""
    angle = np.arange(RING_MODES) * (2 * math.pi / RING_MODES)
    return RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (8, 2)


def _checkerboard(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform on the dark squares (i + j even) of a 4 × 4 board of side 1 over [−2, 2]²."""
    cell = 2 * CHECKER_HALF_WIDTH / CHECKER_CELLS
    # 8 dark squares: (column i, row j) with i + j even
    dark = np.array([(i, j) for i in range(CHECKER_CELLS) for j in range(CHECKER_CELLS) if (i + j) % 2 == 0])
    square = dark[rng.integers(0, len(dark), n)]  # (n, 2) column, row
    corner = -CHECKER_HALF_WIDTH + cell * square
    return corner + cell * rng.random((n, 2))


def sample(name: str, n: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """n points x ~ p_data of a named distribution (not "your points": those come from :func:`parse_points`);
    shape (n, 2)."""
    if name == USER:
        raise InputError("'your points' are not sampled: draw them on the chart or upload a CSV file.")
    if name not in DISTRIBUTIONS:
        raise InputError(f"Unknown distribution {name!r}; choose one of {', '.join(DISTRIBUTIONS)}.")
    if not 1 <= n <= MAX_POINTS:
        raise InputError(f"The number of points must be between 1 and {MAX_POINTS}; got {n}.")
    if name == CHECKERBOARD:
        return _checkerboard(n, np.random.default_rng(seed))
    return diffusion.make_data(_DIFFUSION_NAMES[name], n, seed)


def parse_points(text: str, *, source: str = "Point") -> np.ndarray:
    """Lines ``x, y`` (commas, semicolons or spaces between; blank lines and ``#`` comments skipped; a first line
    without numbers, such as ``x,y``, is taken as a header) → array of shape (k, 2).

    Every problem raises an InputError naming the line: a wrong number of values, a value that is not a number
    or not finite, a point outside [−DOMAIN, DOMAIN]², too many points. ``source`` names the input in messages.
    """
    rows = []
    seen_content = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[,;\s]+", line) if p]
        first_content, seen_content = not seen_content, True
        if first_content and not any(is_number(p) for p in parts):
            continue  # a header such as "x,y"
        if len(parts) != 2:
            raise InputError(
                f"{source} line {number} ({line!r}) has {len(parts)} value{'s' if len(parts) != 1 else ''}; "
                "each line needs exactly two numbers 'x, y', e.g. '0.5, -1.2'."
            )
        if not all(is_number(p) for p in parts):
            raise InputError(f"{source} line {number} ({line!r}) is not two numbers 'x, y', e.g. '0.5, -1.2'.")
        x, y = (float(p) for p in parts)
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InputError(f"{source} line {number} ({line!r}): coordinates must be finite numbers.")
        if abs(x) > DOMAIN or abs(y) > DOMAIN:
            raise InputError(
                f"{source} line {number} ({line!r}): both coordinates must lie in [−{DOMAIN:g}, {DOMAIN:g}]."
            )
        rows.append((x, y))
        if len(rows) > MAX_USER_POINTS:
            raise InputError(f"At most {MAX_USER_POINTS} points; line {number} is point {len(rows)}.")
    return np.array(rows, dtype=float).reshape(-1, 2)  # (k, 2)


def parse_csv(content: bytes) -> np.ndarray:
    """The points of an uploaded CSV file of ``x,y`` rows (optional header), as :func:`parse_points`; shape (k, 2)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "The uploaded file is not a text CSV (it is not UTF-8): save it as CSV with x,y rows."
        ) from None
    points = parse_points(text, source="CSV")
    if len(points) == 0:
        raise InputError("The uploaded CSV has no points: it needs rows 'x,y', e.g. '0.5,-1.2'.")
    return points


def user_points(text: str) -> np.ndarray:
    """The user's points from the text of :func:`parse_points`, at least MIN_USER_POINTS of them; shape (k, 2)."""
    points = parse_points(text)
    if len(points) < MIN_USER_POINTS:
        raise InputError(
            f"Your data has {len(points)} point{'s' if len(points) != 1 else ''}: a GAN needs at least "
            f"{MIN_USER_POINTS}. Click on the chart to add points, type 'x, y' lines, or upload a CSV file."
        )
    return points


def format_points(points: np.ndarray) -> str:
    """Points (k, 2) as ``x, y`` lines with two decimals, the form :func:`parse_points` reads."""
    return "\n".join(f"{x:.2f}, {y:.2f}" for x, y in np.asarray(points, dtype=float))
