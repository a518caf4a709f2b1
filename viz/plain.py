"""Figures written as plain dictionaries, without Plotly's per-property validation.

``go.Scatter(...)``, ``fig.add_trace``, ``fig.update_layout`` and ``make_subplots`` validate every property they
touch: ~10 ms for a small figure and ~40 ms for a pair of subplots, most of a page's rerun. The builders that
use this module write the same figures as plain trace and layout dicts, on the layout of
:func:`viz.theme.style` (and of ``make_subplots``) taken once per process, and wrap them with
``go.Figure(..., _validate=False)``: the same JSON for Plotly.js in a tenth of the time. The property names are
then not checked in Python; the page tests draw every figure, and a figure test compares a builder with its
validated twin where one exists.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.basevalidators import ColorscaleValidator
from plotly.subplots import make_subplots

from viz.theme import style


@functools.cache
def _styled_layout(titled: bool, height: int) -> dict:
    return style(go.Figure(), "title" if titled else None, height=height).layout.to_plotly_json()


@functools.cache
def _subplot_layout(rows: int, cols: int, options: str) -> dict:
    return make_subplots(rows=rows, cols=cols, **json.loads(options)).layout.to_plotly_json()


def merge(target: dict, update: dict) -> dict:
    """``update`` written into ``target`` in place, nested dicts merged key by key (as ``update_layout`` does)."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def layout(title: str | None, height: int, **overrides: Any) -> dict:
    """The layout ``theme.style(fig, title, height)`` gives, as a fresh dict, with ``overrides`` merged in."""
    # every key copied but the template: it is large, the same for every figure, and never written to
    base = {k: v if k == "template" else copy.deepcopy(v) for k, v in _styled_layout(bool(title), height).items()}
    if title:
        base["title"]["text"] = title
    return merge(base, overrides)


def subplots_layout(
    title: str | None, height: int, rows: int = 1, cols: int = 1, subplot_titles: tuple[str, ...] = (), **options
) -> dict:
    """The layout of ``theme.style(make_subplots(rows, cols, **options), title, height)``: axis domains, anchors,
    shared axes and the subplot titles (as annotations), as a fresh dict."""
    # A title annotation's place depends on the grid alone, its text often on the figure's numbers (μ, N, …):
    # make_subplots (~10-30 ms) runs once per grid and set of titled cells, on placeholders, whose annotations
    # then take the texts. (It skips an empty title, so the placeholders keep the empty ones empty.)
    placeholders = [_TITLE_PLACEHOLDER.format(i) if text else "" for i, text in enumerate(subplot_titles)]
    key = json.dumps({**options, "subplot_titles": placeholders or None}, sort_keys=True)
    grid = copy.deepcopy(_subplot_layout(rows, cols, key))
    grid.pop("template", None)
    for note in grid.get("annotations", ()):
        if note.get("text") in placeholders:
            note["text"] = subplot_titles[placeholders.index(note["text"])]
    return merge(layout(title, height), grid)


_TITLE_PLACEHOLDER = "\x00subplot title {}\x00"


def axes(layout_dict: dict, letter: str) -> list[dict]:
    """Every x (``letter="x"``) or y axis dict of a layout, creating ``xaxis`` when there is none."""
    names = [k for k in layout_dict if k == f"{letter}axis" or (k.startswith(f"{letter}axis") and k[5:].isdigit())]
    if not names:
        layout_dict[f"{letter}axis"] = {}
        names = [f"{letter}axis"]
    return [layout_dict[name] for name in names]


def update_axes(layout_dict: dict, letter: str, **props: Any) -> None:
    """``fig.update_xaxes(**props)`` (or y) on a layout dict: ``props`` merged into every such axis."""
    for axis in axes(layout_dict, letter):
        merge(axis, copy.deepcopy(props))


def vline(x: float, line: dict, xref: str = "x", yref: str = "y domain") -> dict:
    """The shape ``fig.add_vline(x, line=line)`` adds to the subplot of axes (xref, yref)."""
    return dict(type="line", x0=x, x1=x, xref=xref, y0=0, y1=1, yref=yref, line=line)


def hline(y: float, line: dict, xref: str = "x domain", yref: str = "y") -> dict:
    """The shape ``fig.add_hline(y, line=line)`` adds to the subplot of axes (xref, yref)."""
    return dict(type="line", x0=0, x1=1, xref=xref, y0=y, y1=y, yref=yref, line=line)


def click_marker(size: int = 11) -> dict:
    """The marker of a click grid's invisible points (a click selects the nearest one: Plotly reports clicks only
    on points, and a heatmap's clicks select nothing in Streamlit). Only one of them is drawn (``maxdisplayed``):
    hover and click still find every point, and drawing 1,089 transparent markers was most of a figure's cost in
    Chromium (~45 of ~65 ms for the NN trainer's decision boundary; 1,681 empty text labels cost about as much)."""
    return dict(size=size, color="rgba(0,0,0,0)", maxdisplayed=1)


@functools.cache
def _colorscale(name: str) -> tuple:
    return tuple(tuple(step) for step in ColorscaleValidator("colorscale", "heatmap").validate_coerce(name))


def colorscale(name: str) -> list[list]:
    """A named colour scale ("Viridis", "RdBu", "Greys", …) written out as Plotly's validation writes it: Plotly.js
    knows fewer names, and some (Greys) as other scales."""
    return [list(step) for step in _colorscale(name)]


def figure(traces: list[dict], layout_dict: dict, frames: list[dict] | None = None) -> go.Figure:
    """The go.Figure of these trace dicts (each with its ``type``) and this layout, built without validation."""
    spec: dict = {"data": traces, "layout": layout_dict}
    if frames is not None:
        spec["frames"] = frames
    return go.Figure(spec, _validate=False)


def _containers(obj):
    """``obj`` with its dicts (and the lists that hold dicts or lists) copied, the leaves shared: serializing to
    JSON rewrites dict entries (NumPy arrays become typed-array dicts) but never an array or a list of numbers."""
    if isinstance(obj, dict):
        return {key: _containers(value) for key, value in obj.items()}
    if isinstance(obj, list) and obj and isinstance(obj[0], (dict, list)):
        return [_containers(value) for value in obj]
    return obj


def json_containers(obj):
    """``obj`` with its dicts, and the lists and tuples of dicts or lists, copied; the leaves (arrays, lists of
    numbers) shared: :func:`typed_arrays` replaces dict entries, never a leaf."""
    if isinstance(obj, dict):
        return {key: json_containers(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (dict, list, tuple)):
        return [json_containers(value) for value in obj]
    return obj


_PLAIN = (str, int, float, bool, type(None))
_SKIPPED_KEYS = frozenset(("geojson", "layer", "layers", "range"))
"""Keys Plotly's base64 conversion leaves alone, contents included (_plotly_utils.utils.is_skipped_key)."""


def typed_arrays(obj) -> None:
    """Plotly's ``convert_to_base64`` in place, the same typed-array specs: every array in a dict becomes
    {"dtype", "bdata", "shape"}. Plotly's own asks each value of the figure, every number of every list
    included, whether it is a NumPy / pandas / PIL array; here a plain number or string is passed over first."""
    from _plotly_utils.basevalidators import is_homogeneous_array
    from _plotly_utils.utils import to_typed_array_spec

    items = obj.items() if isinstance(obj, dict) else enumerate(obj)
    for key, value in items:
        if isinstance(value, _PLAIN) or key in _SKIPPED_KEYS:
            continue
        if isinstance(value, (dict, list, tuple)):
            typed_arrays(value)
        elif isinstance(obj, dict) and isinstance(value, np.ndarray) and value.dtype.name in _TYPED:
            obj[key] = _typed_array(value)
        elif isinstance(obj, dict) and is_homogeneous_array(value):
            obj[key] = to_typed_array_spec(value)  # pandas, other dtypes: Plotly's own conversion


_TYPED = frozenset(("int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64", "int64", "uint64"))
_SHORT = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4"}
_SHORT |= {"float32": "f4", "float64": "f8"}


def _typed_array(v: np.ndarray):
    """``_plotly_utils.utils.to_typed_array_spec`` for a NumPy array of numbers, without its detour through
    narwhals (most of its time): 64-bit integers narrowed to the smallest type that holds them (Plotly.js has
    none), the bytes in base64, the shape of a 2-D array."""
    if v.size == 0:
        return v
    if v.dtype.name in ("int64", "uint64"):
        lo, hi = v.min(), v.max()
        signed = v.dtype.name == "int64"
        for bits in (8, 16, 32):
            kind = np.dtype(f"{'int' if signed else 'uint'}{bits}")
            if np.iinfo(kind).min <= lo and hi <= np.iinfo(kind).max:
                v = v.astype(kind)
                break
        else:
            return v  # too large for Plotly.js's typed arrays: sent as a list
    spec = {"dtype": _SHORT[v.dtype.name], "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
    if v.ndim > 1:
        spec["shape"] = str(v.shape)[1:-1]
    return spec


def spec(traces: list[dict], layout_dict: dict, frames: list[dict] | None = None) -> dict:
    """What ``figure(traces, layout_dict, frames).to_plotly_json()`` gives (the JSON form a figure cache keeps and
    ``ui.figure`` draws), without the go.Figure: building one, even unvalidated, deep-copies every trace, and
    ``to_plotly_json`` copies it again and asks every number of every list whether it is an array (~10 ms for a
    figure of a few thousand coordinates). The dicts are copied here, the arrays and lists of numbers shared."""
    out = json_containers({"data": traces, "layout": layout_dict})
    if frames:
        out["frames"] = json_containers(frames)
    typed_arrays(out)
    return out


class Spec(go.Figure):
    """A figure already in Plotly's JSON form (``fig.to_plotly_json()``, e.g. as a figure cache returns it), that
    ``st.plotly_chart`` serializes as it is. Building a ``go.Figure`` from it again, even without validation,
    and deep-copying it back to a dict cost ~10 ms for a figure with frames or long coordinate lists, on every
    rerun that merely shows it; ``to_dict`` copies only the dicts, so the spec itself stays as it was (for an
    export of the same figure later)."""

    def __init__(self, spec: dict):
        # go.Figure's own __init__ (an empty figure's validators and template: ~0.7 ms, for each figure of every
        # rerun) is left out: st.plotly_chart asks only that this is a BaseFigure, and calls to_dict
        self._spec = spec

    def to_dict(self) -> dict:
        return _containers(self._spec)

    @property
    def frames(self) -> list:
        """The animation's frames, as JSON dicts (empty for a still figure)."""
        return self._spec.get("frames") or []


def dark(spec: dict) -> dict:
    """``theme.for_dark_theme`` on a figure's JSON form, in place: the same chrome colours (backgrounds, text,
    grid and axis lines) on the layout and on every x and y axis; data colours are left alone."""
    from viz.theme import DARK_BACKGROUND, DARK_GRID, DARK_PLOT, DARK_TEXT

    layout = spec.setdefault("layout", {})
    merge(
        layout,
        dict(
            paper_bgcolor=DARK_BACKGROUND,
            plot_bgcolor=DARK_PLOT,
            font=dict(color=DARK_TEXT),
            legend=dict(bgcolor="rgba(0,0,0,0)"),
        ),
    )
    for letter in ("x", "y"):
        update_axes(layout, letter, gridcolor=DARK_GRID, zerolinecolor=DARK_GRID, linecolor=DARK_GRID)
    return spec
