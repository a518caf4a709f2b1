"""Margins that already fit a figure's labels, legend and colour bar, so Plotly draws it once.

Why: Plotly's automargin (on for every axis in the playground's template, and for legends and colour bars)
lays a figure out, measures what sticks out of the requested margins, grows them and draws the whole figure a
second time. Measured in Chromium on the app's pages: 81 of 112 figures were drawn twice, and a 1797-point
scatter took 158 ms instead of 84 ms once its margins were wide enough. Plotly only ever grows a margin, so a
margin estimated here a little too wide costs some white space and one too narrow costs what it did before
(the second draw): the estimates below err on the wide side by a few pixels.

Everything works on the figure's JSON (``fig.to_plotly_json()`` form, or a ``go.Figure``'s own trace and layout
dicts) without touching the data arrays beyond their minimum and maximum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from viz.theme import FONT_SIZE, text_width

SAFETY_PX = 10
"""Added to every estimate: Plotly redraws as soon as anything sticks out by one pixel."""
TICK_GAP_PX = 6
"""Between an axis and its tick labels (Plotly's tick length plus padding)."""
TITLE_GAP_PX = 15
"""Between tick labels and the axis title (the template's title standoff)."""
LEGEND_SYMBOL_PX = 40
"""A legend item's line or marker sample and the gap before its text."""
COLOUR_SCALE_TYPES = {"heatmap", "contour", "histogram2d", "histogram2dcontour", "surface"}
DEFAULT_MARGIN = dict(l=80, r=80, t=100, b=80)
"""Plotly's margins when a figure asks for none."""
MAIN_WIDTH_PX = 820
"""The width a figure is assumed to be drawn at (the main column at 1280×720, viz.theme.MAIN_COLUMN_PX)."""
LEGEND_WRAP_PX = 600
"""The width a horizontal legend is assumed to wrap at: between a half column (400 px) and the main column. A
figure in a half column may wrap into one row more and still be pushed; a full-width one gets a row's white
space to spare."""


def _font(node: dict | None, default: float) -> float:
    size = ((node or {}).get("font") or {}).get("size")
    return float(size) if size is not None else default


def _title_text(node: dict | None) -> str:
    title = (node or {}).get("title")
    if isinstance(title, dict):
        return str(title.get("text") or "")
    return str(title or "")


def _finite_extent(values) -> tuple[float, float] | str | None:
    """(min, max) of numeric values, None when there are none, "category" when they are text."""
    if values is None:
        return None
    if isinstance(values, dict):  # a typed array ({"dtype": ..., "bdata": ...}): numbers
        return None
    array = np.asarray(values)
    if array.dtype.kind in "OUS":
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            return "category"
    if array.dtype.kind not in "iufb" or array.size == 0:
        return None
    array = array[np.isfinite(array)]
    return (float(array.min()), float(array.max())) if array.size else None


def _nice_step(span: float, count: int = 6) -> float:
    """Plotly's kind of tick step: 1, 2 or 5 times a power of ten, about ``count`` ticks over ``span``."""
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _format_tick(value: float, step: float, tickformat: str) -> str:
    if tickformat.endswith("%"):
        return f"{value * 100:.0f}%"
    if abs(value) >= 1e4:  # Plotly writes 10k, 2.5M
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                return f"{value / scale:g}{suffix}"
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    text = f"{value:.{decimals}f}"
    return "−" + text[1:] if text.startswith("-") else text


def tick_labels(extent: tuple[float, float], axis: dict) -> list[str]:
    """The labels Plotly is likely to write on a numeric axis over ``extent`` (its own range if it has one)."""
    if axis.get("ticktext") is not None:
        return [str(t) for t in axis["ticktext"]]
    if axis.get("tickvals") is not None:
        values = [float(v) for v in axis["tickvals"] if isinstance(v, (int, float))]
        return [_format_tick(v, 1.0 if all(float(v).is_integer() for v in values) else 0.01, "") for v in values]
    low, high = extent
    if axis.get("range") is not None and len(axis["range"]) == 2 and None not in axis["range"]:
        low, high = sorted(float(v) for v in axis["range"])
        if axis.get("type") == "log":
            low, high = 10**low, 10**high
    if axis.get("type") == "log":
        low, high = max(low, 1e-300), max(high, 1e-300)
        powers = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        # "power" format writes 10 with a small exponent: as wide as three digits
        return ["100" if axis.get("exponentformat") == "power" else _format_tick(10.0**k, 10.0**k, "") for k in powers]
    span = high - low
    if span <= 0 or not math.isfinite(span):
        span = abs(high) or 1.0
    step = (
        float(axis["dtick"]) if isinstance(axis.get("dtick"), (int, float)) and axis["dtick"] > 0 else _nice_step(span)
    )
    first = math.floor(low / step) * step
    count = min(int((high - first) / step) + 2, 60)
    tickformat = str(axis.get("tickformat") or "")
    return [_format_tick(first + i * step, step, tickformat) for i in range(count)]


def _axis_label_width(labels: Iterable[str], size: float) -> float:
    return max((text_width(str(label), size) for label in labels), default=0.0)


def _axis_keys(layout: dict, letter: str) -> list[str]:
    keys = [k for k in layout if k == f"{letter}axis" or (k.startswith(f"{letter}axis") and k[5:].isdigit())]
    return keys or [f"{letter}axis"]


def _ref(axis_key: str) -> str:
    """'yaxis2' → 'y2' (how traces name their axes)."""
    return axis_key[0] + axis_key[5:]


def _domain(layout: dict, axis_key: str) -> Sequence[float]:
    return (layout.get(axis_key) or {}).get("domain") or (0.0, 1.0)


def _values_on(traces: list[dict], axis_ref: str, letter: str) -> list:
    """The data of every trace drawn against ``axis_ref`` along ``letter`` ('x' or 'y')."""
    out = []
    for trace in traces:
        if trace.get("visible") is False or trace.get(f"{letter}axis", letter) != axis_ref:
            continue
        kind = trace.get("type", "scatter")
        values = trace.get(letter)
        if values is None and kind in COLOUR_SCALE_TYPES | {"image"}:
            z = trace.get("z")
            shape = np.shape(z) if z is not None and not isinstance(z, dict) else (0, 0)
            count = shape[0] if letter == "y" else (shape[1] if len(shape) > 1 else 0)
            values = [0, max(count - 1, 0)]
        if values is None and kind == "bar":
            other = trace.get("x" if letter == "y" else "y")
            values = [0, len(other) - 1] if other is not None and not isinstance(other, dict) else None
        if values is not None:
            out.append(values)
    return out


def _tick_width(layout: dict, traces: list[dict], axis_key: str, size: float) -> float:
    """Width of the widest tick label of a y axis (height for an x axis is one line)."""
    axis = layout.get(axis_key) or {}
    if axis.get("visible") is False or axis.get("showticklabels") is False:
        return 0.0
    size = _font({"font": axis.get("tickfont")}, size)
    extents = [_finite_extent(v) for v in _values_on(traces, _ref(axis_key), axis_key[0])]
    if axis.get("type") == "category" or "category" in extents:
        categories = [
            str(c)
            for trace_values in _values_on(traces, _ref(axis_key), axis_key[0])
            if not isinstance(trace_values, dict)
            for c in np.asarray(trace_values).ravel()[:200]
        ]
        return _axis_label_width(categories, size)
    numeric = [e for e in extents if isinstance(e, tuple)]
    if not numeric and axis.get("range") is None and axis.get("tickvals") is None:
        return text_width("0.0", size) if numeric == [] and extents else 0.0
    low = min((e[0] for e in numeric), default=0.0)
    high = max((e[1] for e in numeric), default=1.0)
    return _axis_label_width(tick_labels((low, high), axis), size)


def _colour_bar_width(trace: dict, layout: dict, size: float) -> float:
    """Room right of the plot for a trace's colour bar (0 without one)."""
    kind = trace.get("type", "scatter")
    if trace.get("visible") is False:
        return 0.0
    colour_axis = trace.get("coloraxis") or (trace.get("marker") or {}).get("coloraxis")
    if colour_axis:
        owner = layout.get(colour_axis.replace("coloraxis", "coloraxis")) or {}
        if owner.get("showscale") is False:
            return 0.0
        bar, low, high = owner.get("colorbar") or {}, owner.get("cmin"), owner.get("cmax")
    elif kind in COLOUR_SCALE_TYPES:
        if trace.get("showscale") is False:
            return 0.0
        bar, low, high = trace.get("colorbar") or {}, trace.get("zmin"), trace.get("zmax")
        if low is None or high is None:
            extent = _finite_extent(trace.get("z"))
            low, high = extent if isinstance(extent, tuple) else (0.0, 1.0)
    elif (trace.get("marker") or {}).get("showscale") or (
        (trace.get("marker") or {}).get("colorbar") and (trace.get("marker") or {}).get("showscale") is not False
    ):  # a marker colour bar: shown when asked for, or when the figure gives it properties (Plotly's rule)
        marker = trace["marker"]
        bar, low, high = marker.get("colorbar") or {}, marker.get("cmin"), marker.get("cmax")
        if low is None or high is None:
            extent = _finite_extent(marker.get("color"))
            low, high = extent if isinstance(extent, tuple) else (0.0, 1.0)
    else:
        return 0.0
    if bar.get("x") is not None and bar.get("xref", "paper") == "paper" and float(bar["x"]) < 1.0:
        return 0.0  # placed inside the figure
    tick_size = _font({"font": bar.get("tickfont")}, size)
    labels = tick_labels((float(low or 0.0), float(high if high is not None else 1.0)), bar)
    width = float(bar.get("thickness", 30)) + 2 * float(bar.get("xpad", 10)) + _axis_label_width(labels, tick_size)
    title = bar.get("title") or {}
    if isinstance(title, dict) and title.get("side") == "right" and title.get("text"):
        width += 1.25 * _font(title, size) + 4
    elif _title_text(bar):  # a title on top: as wide as its text
        width = max(width, text_width(_title_text(bar), _font(title if isinstance(title, dict) else {}, size)))
    # the bar starts at x = 1.02 of the plot's width
    return 0.02 * MAIN_WIDTH_PX + width + 8  # Plotly's bar outline and label padding


def _legend_items(layout: dict, traces: list[dict]) -> list[str]:
    shown = [
        t
        for t in traces
        if t.get("showlegend") is not False and t.get("visible") is not False and t.get("type") not in ("image",)
    ]
    if layout.get("showlegend") is False or (layout.get("showlegend") is None and len(shown) < 2):
        return []
    names, groups = [], set()
    for i, trace in enumerate(shown):
        group = trace.get("legendgroup")
        if group and group in groups:
            continue
        groups.add(group)
        names.append(str(trace.get("name") if trace.get("name") is not None else f"trace {i}"))
    return names


def _outer_axes(layout: dict, letter: str):
    """(key, axis) of the x axes on the bottom row (``letter`` 'x') or the y axes on the left column ('y'): the
    ones whose labels sit in the bottom or left margin."""
    other = "y" if letter == "x" else "x"
    for key in _axis_keys(layout, letter):
        axis = layout.get(key) or {}
        if axis.get("side") in ("top", "right") or axis.get("overlaying") or axis.get("visible") is False:
            continue
        anchor = axis.get("anchor", other)
        anchor_key = f"{other}axis" + (anchor[1:] if anchor and anchor.startswith(other) else "")
        if _domain(layout, anchor_key)[0] <= 0.05:
            yield key, axis


def _title_room(axis: dict, size: float) -> float:
    """From the axis line to the far side of its title: the tick gap, and the title's line with its standoff."""
    if not _title_text(axis):
        return TICK_GAP_PX
    title = axis.get("title") if isinstance(axis.get("title"), dict) else {}
    return TICK_GAP_PX + 1.25 * _font(title, size) + TITLE_GAP_PX


def fit(layout: dict, traces: list[dict], scale: float = 1.0) -> dict[str, float] | None:
    """Margins (l, r, t, b) at least as wide as Plotly's automargin would make them, or None when the
    requested ones already fit (or the figure turns automargin off). ``scale``: text drawn this much larger
    than the template's (the presenter view)."""
    margin = dict(DEFAULT_MARGIN, **{k: v for k, v in (layout.get("margin") or {}).items() if k in "lrtb"})
    if (layout.get("margin") or {}).get("autoexpand") is False:
        return None
    size = _font(layout, FONT_SIZE * scale)
    need = dict(margin)
    height = float(layout.get("height") or 450)

    # left: the y axes of the left-most column (their tick labels and title)
    for key, axis in _outer_axes(layout, "y"):
        room = _tick_width(layout, traces, key, size) + _title_room(axis, size)
        need["l"] = max(need["l"], room + SAFETY_PX + 4)  # tick widths run a little wide of the estimate

    # bottom: the x axes of the bottom row (one line of tick labels, their title)
    for key, axis in _outer_axes(layout, "x"):
        ticks = 0.0 if axis.get("showticklabels") is False else 1.25 * _font({"font": axis.get("tickfont")}, size)
        need["b"] = max(need["b"], ticks + _title_room(axis, size) + SAFETY_PX)
        # the right-most tick label hangs half out of the plot
        if _domain(layout, key)[1] > 0.95 and axis.get("showticklabels") is not False:
            extents = [e for e in map(_finite_extent, _values_on(traces, _ref(key), "x")) if isinstance(e, tuple)]
            if extents and axis.get("type") != "category":
                last = tick_labels((min(e[0] for e in extents), max(e[1] for e in extents)), axis)[-1:]
                need["r"] = max(need["r"], 0.6 * _axis_label_width(last, size) + SAFETY_PX)

    # right: colour bars
    bars = [_colour_bar_width(t, layout, size) for t in traces]
    for key, value in layout.items():
        if key.startswith("coloraxis") and isinstance(value, dict) and value.get("showscale") is not False:
            if any(t.get("coloraxis") == key or (t.get("marker") or {}).get("coloraxis") == key for t in traces):
                bars.append(_colour_bar_width({"coloraxis": key}, layout, size))
    need["r"] = max(need["r"], max(bars, default=0.0) + SAFETY_PX if any(bars) else need["r"])

    # the legend, on the right (Plotly's default place) or below the plot
    legend = layout.get("legend") or {}
    names = _legend_items(layout, traces)
    if names:
        legend_size = _font(legend, (FONT_SIZE - 2) * scale)
        widths = [LEGEND_SYMBOL_PX + text_width(name, legend_size) for name in names]
        row_height = 1.4 * legend_size + 6
        x, y = legend.get("x"), legend.get("y")
        if legend.get("orientation", "v") == "v" and (x is None or float(x) >= 1.0):
            need["r"] = max(need["r"], max(widths) + 20 + SAFETY_PX)
        elif legend.get("orientation") == "h" and legend.get("yref", "paper") == "paper" and y is not None:
            plot_width = LEGEND_WRAP_PX - need["l"] - need["r"]
            rows, used = 1, 0.0
            for w in widths:
                if used and used + w > plot_width:
                    rows, used = rows + 1, 0.0
                used += w
            legend_height = rows * row_height + 10
            anchor = legend.get("yanchor", "auto")
            if float(y) < 0:  # below the plot; "auto" anchors a legend down there at its top
                below = -float(y)  # the anchor lies this fraction of the plot's height under the plot
                extra = legend_height / 2 if anchor == "middle" else 0.0 if anchor == "bottom" else legend_height
                # b = below · (height − t − b) + extra  ⇒  b = (below · (height − t) + extra) / (1 + below)
                need["b"] = max(need["b"], (below * (height - need["t"]) + extra) / (1 + below) + SAFETY_PX)
            elif float(y) >= 1 and not _title_text(layout):  # above the plot, in a top margin of its own
                above = float(y) - 1
                extra = (
                    legend_height if anchor in ("bottom", "auto") else legend_height / 2 if anchor == "middle" else 0
                )
                need["t"] = max(need["t"], (above * (height - need["b"]) + extra) / (1 + above) + SAFETY_PX)

    if all(need[k] <= margin[k] + 0.5 for k in "lrtb"):
        return None
    return {k: math.ceil(need[k]) for k in "lrtb"}
