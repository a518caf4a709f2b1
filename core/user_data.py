"""Data a learner brings: pasted or uploaded text, CSV tables and images, read as data only.

Nothing here unpickles, evaluates or imports what it reads: text is split into cells and each cell goes through
``float()``; an image is decoded by Pillow with a cap on its pixels before any pixel is read. Every problem raises
:class:`InputError` naming the line (numbered as in the file, counting blank lines and comments) or the problem, so
the page can keep its previous data and show the message beside the control that took the input.

Formats (one per kind of data, shared by every page that takes it):

- numeric table: one row per line, cells separated by commas, semicolons, tabs or spaces; ``#`` starts a comment;
  a first line that holds no number (``x1,x2,label``) is a header.
- labelled points: a numeric table whose last column is the class, a whole number 0, 1, … or a name (``cat``).
- labelled texts: one example per line, ``label<TAB>text`` (a tab, or the first ``:`` / ``,`` when there is no tab).
- images: PNG or JPEG, converted to grey levels in [0, 1] and shrunk to a page's size.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

MAX_UPLOAD_BYTES = 2_000_000
"""Largest uploaded file any page reads (the server's own cap, .streamlit/config.toml, is a little higher)."""
MAX_TEXT_CHARS = 200_000
"""Largest pasted text (a short essay; character statistics of more say nothing new)."""
MAX_ROWS = 2_000
"""Most data rows of a table: more points than a 2-D picture can show apart."""
MAX_COLUMNS = 40
"""Most cells per row (a joint table of 40 × 40 is already unreadable on a slide)."""
MAX_CLASSES = 8
"""Most classes of labelled points: one colour each in the colour-blind-safe palette."""
MAX_IMAGE_PIXELS = 40_000_000
"""Pixels of an image before decoding: a larger one is refused unread (a "decompression bomb" guard)."""
URL_DATA_CHARS = 4_000
"""A dataset whose text is at most this long travels in the page's URL (a copied link or lesson step restores it);
a longer one is named by a file in a lesson instead, since browsers and servers cut long URLs."""

_SEPARATORS = re.compile(r"[,;\t ]+")


def decode_text(content: bytes, source: str = "The file") -> str:
    """An uploaded file's bytes as text: UTF-8 (a byte-order mark is dropped), at most MAX_UPLOAD_BYTES."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{source} is {len(content) / 1e6:.1f} MB; files up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB are accepted."
        )
    if b"\x00" in content[:4096]:
        raise InputError(f"{source} is not a text file (it holds binary data): save it as CSV or plain text.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{source} is not UTF-8 text (byte {error.start} cannot be read): save it as UTF-8 CSV or text."
        ) from None


def check_text(text: str, source: str = "The text") -> str:
    """A pasted text, refused when it is longer than MAX_TEXT_CHARS."""
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"{source} has {len(text):,} characters; at most {MAX_TEXT_CHARS:,} are accepted.")
    return text


def is_number(cell: str) -> bool:
    """Whether a cell reads as a float (as ``float`` reads it: '1e-3', 'inf', 'nan' too)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Table:
    """A table of cells as read from text: ``rows[i]`` are the cells of data row i, ``lines[i]`` its line number."""

    header: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]


def split_table(text: str, *, columns: int | None = None, source: str = "The data", max_rows: int = MAX_ROWS) -> Table:
    """Split text into rows of cells (see the module docstring); every row must have the same number of cells,
    ``columns`` of them when given. Cells are not converted: :func:`parse_numbers_table` and
    :func:`parse_labelled_points` do that."""
    check_text(text, source)
    header: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    width = columns
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = tuple(cell for cell in _SEPARATORS.split(line) if cell)
        if header is None and not rows and not any(is_number(cell) for cell in cells):
            header = cells  # "x1,x2,label": names, not data
            if width is None:
                width = len(cells)
            continue
        if len(cells) > MAX_COLUMNS:
            raise InputError(f"{source}, line {number}: {len(cells)} values; at most {MAX_COLUMNS} per row.")
        if width is None:
            width = len(cells)
        if len(cells) != width:
            raise InputError(
                f"{source}, line {number} ({_shorten(line)}): {len(cells)} value{'s' if len(cells) != 1 else ''}, "
                f"but {width} {'are' if width != 1 else 'is'} expected per row."
            )
        rows.append(cells)
        lines.append(number)
        if len(rows) > max_rows:
            raise InputError(f"{source} has more than {max_rows:,} rows (line {number} is row {len(rows)}).")
    if not rows:
        raise InputError(f"{source} is empty: it needs at least one row of values.")
    return Table(header, tuple(rows), tuple(lines))


def split_cells(line: str) -> tuple[str, ...]:
    """One line's cells: split at commas, semicolons, tabs and spaces (a run of them is one separator)."""
    return tuple(cell for cell in _SEPARATORS.split(line.strip()) if cell)


def header_line(text: str) -> str | None:
    """The header line of a table's text, as :func:`split_table` reads it (the first line that is not blank or a
    comment, when it holds no number), without its comment; None when the text has none."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            return None if any(is_number(cell) for cell in split_cells(line)) else line
    return None


def _shorten(line: str, limit: int = 40) -> str:
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")


def _number(cell: str, number: int, source: str, what: str = "value") -> float:
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{source}, line {number}: {_shorten(cell)} is not a number.") from None
    if not math.isfinite(value):
        raise InputError(f"{source}, line {number}: the {what} {cell!r} is not a finite number (NaN or infinity).")
    return value


def parse_numbers_table(
    text: str, *, columns: int | None = None, source: str = "The data", max_rows: int = MAX_ROWS
) -> tuple[tuple[str, ...] | None, np.ndarray]:
    """A numeric table: its header (or None) and the values, shape (rows, columns), all finite."""
    table = split_table(text, columns=columns, source=source, max_rows=max_rows)
    values = [[_number(cell, n, source) for cell in row] for row, n in zip(table.rows, table.lines)]
    return table.header, np.array(values, dtype=float)  # (rows, columns)


@dataclass(frozen=True)
class LabelledPoints:
    """Points with a class each: ``x`` (n, d) coordinates, ``label`` (n,) class index 0..K−1 into ``classes``."""

    x: np.ndarray
    label: np.ndarray
    classes: tuple[str, ...]

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def parse_labelled_points(
    text: str,
    *,
    n_features: int = 2,
    source: str = "The data",
    bound: float | None = None,
    min_points: int = 1,
    min_classes: int = 2,
    max_classes: int = MAX_CLASSES,
    max_rows: int = MAX_ROWS,
) -> LabelledPoints:
    """Rows ``x1, …, x_d, class`` (d = ``n_features``); classes are whole numbers or names.

    Whole-number classes keep their order (0, 1, 2, …); names keep the order they first appear in. ``bound``: every coordinate must lie in
    [−bound, bound]. Refused: a wrong number of cells, a non-number or non-finite coordinate, a fractional class,
    fewer than ``min_points`` rows, fewer than ``min_classes`` distinct classes ("one class only": there is no
    boundary to learn) or more than ``max_classes``.
    """
    table = split_table(text, columns=n_features + 1, source=source, max_rows=max_rows)
    coordinates = np.empty((len(table.rows), n_features))  # (n, d)
    names: list[str] = []
    for i, (row, number) in enumerate(zip(table.rows, table.lines)):
        for j in range(n_features):
            coordinates[i, j] = _number(row[j], number, source, "coordinate")
            if bound is not None and abs(coordinates[i, j]) > bound:
                raise InputError(f"{source}, line {number}: coordinate {row[j]} lies outside [−{bound:g}, {bound:g}].")
        names.append(_class_name(row[n_features], number, source))
    if len(names) < min_points:
        raise InputError(
            f"{source} has {len(names)} point{'s' if len(names) != 1 else ''}; at least {min_points} are needed."
        )
    classes = _ordered_classes(names)
    if len(classes) < min_classes:
        raise InputError(
            f"{source} has only one class ({classes[0]}): a classifier needs points of at least {min_classes} classes."
        )
    if len(classes) > max_classes:
        raise InputError(f"{source} has {len(classes)} classes; at most {max_classes} are supported.")
    index = {name: k for k, name in enumerate(classes)}
    label = np.array([index[name] for name in names], dtype=np.int64)  # (n,)
    return LabelledPoints(coordinates, label, classes)


def readable_labelled_points(text: str, **options) -> LabelledPoints | None:
    """The points a text holds so far, also when they are of one class only (to draw while a user clicks the
    first points in); None when the text cannot be read. ``options`` as for :func:`parse_labelled_points`."""
    try:
        return parse_labelled_points(text, **{**options, "min_classes": 1})
    except InputError:
        return None


def _class_name(cell: str, number: int, source: str) -> str:
    """A class cell as its name: ``1``, ``1.0`` and ``1e0`` are the same class "1"; a fraction is refused."""
    if not is_number(cell):
        return cell
    value = float(cell)
    if not math.isfinite(value) or value != round(value) or value < 0:
        raise InputError(f"{source}, line {number}: the class {cell!r} must be a whole number 0, 1, 2, … or a name.")
    return str(int(value))


def _ordered_classes(names: list[str]) -> tuple[str, ...]:
    """Whole numbers in numeric order; names (or a mix) in the order they first appear, so that a class added at
    the end of the text (a click, a table row) comes last and every other class keeps its index and colour."""
    distinct = set(names)
    if all(name.isdigit() for name in distinct):
        return tuple(sorted(distinct, key=int))
    return tuple(dict.fromkeys(names))


def next_class_name(classes: Sequence[str]) -> str:
    """The name of a class added after ``classes``, chosen to come last in :func:`parse_labelled_points`'s order
    (no other class changes colour): one more than the largest whole number (``0`` with no class yet), or with
    named classes ``classK`` (no space: a space separates cells), K = the number of classes it makes (counted on
    while that name is taken)."""
    if all(name.isdigit() for name in classes):
        return str(max((int(name) for name in classes), default=-1) + 1)
    k = len(classes) + 1
    while f"class{k}" in classes:
        k += 1
    return f"class{k}"


def parse_labelled_texts(
    text: str, *, source: str = "The examples", max_rows: int = MAX_ROWS, min_classes: int = 2
) -> list[tuple[str, str]]:
    """Lines ``label<TAB>text`` (or ``label: text`` / ``label, text`` when the line has no tab) → (label, text)
    pairs; blank lines are skipped. Refused: a line without a label or without text, fewer than ``min_classes``
    labels, too many lines."""
    check_text(text, source)
    examples: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = re.match(r"^([^\t]+?)\t+(.*)$", line) or re.match(r"^([^:,]+?)\s*[:,]\s*(.*)$", line)
        if match is None or not match.group(1).strip() or not match.group(2).strip():
            raise InputError(
                f"{source}, line {number} ({_shorten(line)}): write the label, a tab, then the text, "
                "e.g. 'spam<TAB>win a free prize'."
            )
        examples.append((match.group(1).strip(), match.group(2).strip()))
        if len(examples) > max_rows:
            raise InputError(f"{source} has more than {max_rows:,} examples (line {number}).")
    if not examples:
        raise InputError(f"{source} is empty: one example per line, 'label<TAB>text'.")
    labels = {label for label, _ in examples}
    if len(labels) < min_classes:
        raise InputError(
            f"{source} has only the label {next(iter(labels))!r}: at least {min_classes} labels are needed."
        )
    return examples


def format_table(values: np.ndarray, header: tuple[str, ...] | None = None, decimals: int = 3) -> str:
    """The inverse of :func:`parse_numbers_table`: one comma-separated line per row, numbers rounded to
    ``decimals`` (trailing zeros dropped), the header first when given."""
    lines = [",".join(header)] if header else []
    lines += [",".join(_format_number(v, decimals) for v in row) for row in np.atleast_2d(values)]
    return "\n".join(lines)


def format_labelled_points(points: LabelledPoints, header: tuple[str, ...] | None = None, decimals: int = 3) -> str:
    """The inverse of :func:`parse_labelled_points` (coordinates rounded to ``decimals``)."""
    lines = [",".join(header)] if header else []
    for row, k in zip(points.x, points.label):
        lines.append(",".join([*(_format_number(v, decimals) for v in row), points.classes[k]]))
    return "\n".join(lines)


def _format_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fits_in_url(text: str) -> bool:
    """Whether a dataset's text is short enough to live in the page's URL (URL_DATA_CHARS)."""
    return len(text) <= URL_DATA_CHARS


def decode_image(content: bytes, max_side: int, *, min_side: int = 3, source: str = "The image") -> np.ndarray:
    """An uploaded PNG/JPEG as grey levels in [0, 1] (Pillow's ITU-R 601 luma L = 0.299 R + 0.587 G + 0.114 B),
    shrunk with a Lanczos filter so that its longer side is at most ``max_side``; shape (height, width).

    Refused: a file over MAX_UPLOAD_BYTES, more than MAX_IMAGE_PIXELS pixels (checked from the header, before
    decoding), a file Pillow cannot read as PNG or JPEG, an image whose shorter side ends up under ``min_side``."""
    from PIL import Image, UnidentifiedImageError

    if len(content) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{source} is {len(content) / 1e6:.1f} MB; images up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB are accepted."
        )
    try:
        with Image.open(io.BytesIO(content), formats=("PNG", "JPEG")) as picture:
            if picture.width * picture.height > MAX_IMAGE_PIXELS:
                raise InputError(
                    f"{source} is {picture.width}×{picture.height} pixels; at most "
                    f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels are accepted."
                )
            grey = picture.convert("L")
            scale = max_side / max(grey.width, grey.height)
            if scale < 1:
                size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
                grey = grey.resize(size, Image.Resampling.LANCZOS)
            array = np.asarray(grey, dtype=float) / 255.0  # (height, width)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as error:
        raise InputError(
            f"{source} could not be read as a PNG or JPEG image ({type(error).__name__}); upload a PNG or JPEG."
        ) from None
    if min(array.shape) < min_side:
        raise InputError(
            f"{source} is {array.shape[0]}×{array.shape[1]} pixels after shrinking; at least "
            f"{min_side}×{min_side} is needed."
        )
    return array


@dataclass(frozen=True)
class Rescaling:
    """A per-column affine map of a page's coordinates, x′_j = (x_j − centre_j) / scale_j (the identity when
    centre = 0 and scale = 1): how a user's points are drawn in a page's fixed square."""

    centre: np.ndarray
    scale: np.ndarray

    @property
    def identity(self) -> bool:
        return bool(np.all(self.centre == 0.0) and np.all(self.scale == 1.0))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x′ = (x − centre) / scale, row by row: x of shape (n, d)."""
        return (np.asarray(x, dtype=float) - self.centre) / self.scale

    def invert(self, x: np.ndarray) -> np.ndarray:
        """x = centre + scale · x′ (a position clicked in the square, back in the user's units)."""
        return self.centre + self.scale * np.asarray(x, dtype=float)


def fit_rescaling(x: np.ndarray, bound: float, fill: float = 0.9) -> Rescaling:
    """The identity when every coordinate already lies in [−bound, bound] (points drawn in the square stay where
    they were drawn); else each column's range [min_j, max_j] mapped onto [−fill·bound, fill·bound]:
    centre_j = (min_j + max_j)/2, scale_j = (max_j − min_j) / (2·fill·bound) (a constant column: scale 1)."""
    x = np.asarray(x, dtype=float)
    x = x[:, None] if x.ndim == 1 else x  # (n, d)
    d = x.shape[1]
    if not len(x) or np.abs(x).max() <= bound:
        return Rescaling(np.zeros(d), np.ones(d))
    low, high = x.min(axis=0), x.max(axis=0)
    # scale_j = (max_j − min_j) / (2·fill·bound): the column's half-range becomes fill·bound
    scale = (high - low) / (2.0 * fill * bound)
    return Rescaling((low + high) / 2.0, np.where(scale > 0, scale, 1.0))


_CLASS_FORBIDDEN = re.compile(r"[,;\t #]")


def table_text(
    rows: Sequence[Sequence[object]], columns: Sequence[str], numeric: Sequence[bool], *, source: str = "The table"
) -> str:
    """The rows of an editable table (an empty cell is None, NaN or "") as the text the parsers above read: one
    line per row, cells joined by commas. A row whose every cell is empty is skipped (a row just added). Refused,
    naming the row (numbered from 1, as the table shows it) and its column: an empty cell, a non-number or
    non-finite number in a numeric column, a name holding a separator (, ; tab space #)."""
    lines: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [_table_cell(value) for value in row]
        if all(cell == "" for cell in cells):
            continue
        for cell, name, wants_number in zip(cells, columns, numeric):
            if cell == "":
                raise InputError(f"{source}, row {number}: the {name} cell is empty.")
            if wants_number:
                if not is_number(cell):
                    raise InputError(f"{source}, row {number}: {name} = {_shorten(cell)} is not a number.")
                if not math.isfinite(float(cell)):
                    raise InputError(f"{source}, row {number}: {name} = {cell} is not a finite number.")
            elif _CLASS_FORBIDDEN.search(cell):
                raise InputError(
                    f"{source}, row {number}: the {name} {_shorten(cell)} cannot hold a space, comma, semicolon, "
                    "tab or '#'."
                )
        lines.append(",".join(cells))
    return "\n".join(lines)


def _table_cell(value: object) -> str:
    """A table cell as text: "" for an empty one, a float in at most 12 significant digits."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else f"{float(value):.12g}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value).strip()
