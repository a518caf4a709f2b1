"""Shared look of every figure: large type for a projector, colour-blind-safe colours.

Categorical colours are Okabe & Ito's palette (distinguishable with every common colour-vision
deficiency). Sequential maps are Viridis/Cividis; diverging maps (values around 0) are RdBu with 0 white.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#7F7F7F"
WALL = "#3B3B3B"

CATEGORICAL = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK)
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu"

FONT_SIZE = 16
TITLE_SIZE = 20


def _register_template() -> None:
    """Make the playground's look Plotly's default template, once per process.

    Assigning a template to every figure costs ~40 ms (a deep copy and validation); a default template is
    applied at construction for almost nothing, so every figure built anywhere gets the look for free.
    """
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.update(
        font=dict(size=FONT_SIZE, family="Inter, Helvetica, Arial, sans-serif"),
        colorway=list(CATEGORICAL),
        legend=dict(font=dict(size=FONT_SIZE - 2)),
        hoverlabel=dict(font=dict(size=FONT_SIZE)),
        title=dict(font=dict(size=TITLE_SIZE), x=0.01, xanchor="left"),
    )
    pio.templates["playground"] = template
    pio.templates.default = "playground"


_register_template()


def style(fig: go.Figure, title: str | None = None, height: int = 460) -> go.Figure:
    """The playground's per-figure layout: title, height and compact margins (fonts and colours come from
    the default template registered above)."""
    fig.update_layout(
        title=dict(text=title) if title else None,
        margin=dict(l=50, r=20, t=60 if title else 20, b=50),
        height=height,
    )
    return fig


# The dark theme's figure colours: Streamlit's dark background and text, grid lines a step lighter.
DARK_BACKGROUND = "#0E1117"
DARK_PLOT = "#161A23"
DARK_TEXT = "#FAFAFA"
DARK_GRID = "#3A3F4B"


def for_dark_theme(fig: go.Figure) -> go.Figure:
    """Recolour a figure built with the (light) default template for a dark page, in place.

    Only the chrome changes (backgrounds, text, grid and axis lines); data colours are the colour-blind-safe
    palette on both themes. A full dark template would cost ~40 ms per figure (see ``_register_template``);
    these updates touch only layout keys.
    """
    fig.update_layout(
        paper_bgcolor=DARK_BACKGROUND,
        plot_bgcolor=DARK_PLOT,
        font_color=DARK_TEXT,
        legend_bgcolor="rgba(0,0,0,0)",
    )
    axis = dict(gridcolor=DARK_GRID, zerolinecolor=DARK_GRID, linecolor=DARK_GRID)
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def diverging_scale(values) -> dict:
    """zmin/zmax symmetric about 0 so that 0 is white in the diverging map."""
    import numpy as np

    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    bound = bound or 1.0
    return dict(colorscale=DIVERGING, zmin=-bound, zmax=bound, zmid=0.0)


# ------------------------------------------------------------------------------------ projector readability
# A lecturer projects the app at 1280×720: Streamlit then leaves the main column this wide (measured on
# screenshots) and st.columns(2) half of it. Figure builders that print numbers into cells size them for these.
MAIN_COLUMN_PX = 820
HALF_COLUMN_PX = 400
# The smallest text drawn inside a figure: below this a projected number is unreadable from the back rows.
MIN_TEXT_SIZE = 14
# Width of a character in em of the theme's sans-serif font, rounded up to the widest of Inter, Helvetica and
# Arial (a label judged to fit must fit in all three).
_NARROW = set(".,:;!|'iIl()[] ")
_MEDIUM = set("-+=<>*/frtj·")


def text_width(text: str, size: float = MIN_TEXT_SIZE) -> float:
    """Estimated width in pixels of ``text`` (one line, no markup) at font ``size``."""
    em = sum(0.3 if ch in _NARROW else 0.45 if ch in _MEDIUM else 0.75 if ch.isupper() else 0.62 for ch in text)
    return em * size


def text_height(size: float = MIN_TEXT_SIZE) -> float:
    """Height in pixels of one line of text at font ``size`` (ascenders to descenders)."""
    return 1.25 * size


def integer_axis(count: int, length_px: float, label_px: float = 30.0) -> dict:
    """Axis properties for whole-number positions 0 … count − 1 (grid rows and columns, sequence positions):
    ticks only on integers (Plotly's own choice on a short axis is 0, 0.5, 1, …), every 1, 2, 5, 10, … cells —
    the smallest step whose labels stay ``label_px`` apart on an axis ``length_px`` long."""
    per_cell = length_px / max(count, 1)
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        step = candidate
        if candidate * per_cell >= label_px:
            break
    return dict(tick0=0, dtick=step)


def log_axis(values=None, length_px: float = 300, **overrides) -> dict:
    """Axis properties of a readable log axis: ``fig.update_yaxes(**log_axis(y), title=...)``.

    Plotly's default labels the ticks between decades with lone small digits ("3 4" for 30 and 40), which a
    projector turns into noise. Over two decades or more of ``values`` the powers of ten are labelled (1, 10,
    10², … as powers; every k-th decade when the axis, ``length_px`` long, has no room for each), with minor
    ticks at 2…9 where a decade is long enough for them; over a narrower range the ticks 1, 2, 5 of each decade
    (or Plotly's linear steps inside one decade) are labelled in full ("20", "50", "0.02"). ``overrides`` are
    further axis properties (title, range, …).

    The autorange also takes in a twentieth of the span beyond the extreme ``values`` (at least 0.02 decades):
    Plotly pads a log axis for markers but not for lines, so a curve at its maximum (a diverged or stalled
    optimizer, an error curve's first point) would run along the plot's top edge, on the frame line.
    """
    import numpy as np

    v = np.asarray([] if values is None else values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    axis: dict = dict(type="log")
    span = float(np.log10(v.max() / v.min())) if v.size else 8.0
    if v.size:
        # include only widens the autorange (never clips a trace); a given range overrides it
        pad = 10.0 ** max(0.05 * span, 0.02)
        axis.update(autorangeoptions=dict(include=[float(v.min() / pad), float(v.max() * pad)]))
    # Plotly pads the range a little: count a tenth of a decade more on each side
    px_per_decade = length_px / max(span + 0.2, 0.2)
    if span >= 2:
        step = max(1, int(np.ceil(_LOG_LABEL_GAP_PX / px_per_decade)))
        axis.update(dtick=step, exponentformat="power", showexponent="all")
        if step == 1 and px_per_decade >= _LOG_MINOR_DECADE_PX:
            axis.update(minor=dict(dtick="D1", ticks="outside", ticklen=4))
        elif step > 1:
            axis.update(minor=dict(dtick=1, ticks="outside", ticklen=4))
    else:
        low, high = np.floor(np.log10(v.min())) - 1, np.ceil(np.log10(v.max())) + 1
        one_two_five = [m * 10.0**e for e in np.arange(low, high + 1) for m in (1, 2, 5)]
        inside = [t for t in one_two_five if v.min() <= t <= v.max()]
        # a tickformat makes Plotly write every tick in full at the full font size
        axis.update(tickformat=",~r")
        if px_per_decade < 3 * _LOG_LABEL_GAP_PX:
            axis.update(dtick=1)  # no room for 2 and 5: the powers of ten only, still in full
        elif len(inside) >= 3:
            axis.update(dtick="D2", minor=dict(dtick="D1", ticks="outside", ticklen=4))
    axis.update(overrides)
    return axis


# log-axis labels at least this far apart (a power label with its superscript is ~22 px high)
_LOG_LABEL_GAP_PX = 36
# minor ticks 2…9 only in decades at least this long: shorter ones turn them into a comb
_LOG_MINOR_DECADE_PX = 60


# ------------------------------------------------------------------------------------ presenter view
PRESENTER_SCALE = 1.25
"""Presenter view (``present=1`` in the URL): every text of a figure this much larger, in one place. Text inside
cells (heatmap numbers, sized by the figure builder to fit its cell) keeps its size."""
PRESENTER_TEXT = "#000000"
PRESENTER_GRID = "#B8B8B8"
"""High contrast for a projector: black text and darker grid lines on the light theme (a projector washes out
the template's blue-grey text and pale grid)."""


def _size(node: dict, default: float | None) -> float | None:
    size = (node or {}).get("font", {}).get("size")
    return size if size is not None else default


def _scaled(size: float) -> float:
    return size * PRESENTER_SCALE


def presenter_layout(layout: dict, dark: bool = False) -> dict:
    """The layout update of the presenter view for a figure whose layout (JSON form) is ``layout``: fonts
    ``PRESENTER_SCALE`` larger, black text and darker grid lines on the light theme."""
    base = _size(layout, FONT_SIZE)
    update: dict = {
        "font": {"size": _scaled(base), "color": DARK_TEXT if dark else PRESENTER_TEXT},
        "title": {"font": {"size": _scaled(_size(layout.get("title"), TITLE_SIZE))}},
        "legend": {"font": {"size": _scaled(_size(layout.get("legend"), FONT_SIZE - 2))}},
        "hoverlabel": {"font": {"size": _scaled(_size(layout.get("hoverlabel"), FONT_SIZE))}},
    }
    for name, axis in layout.items():
        if not (name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict)):
            continue
        axis_update: dict = {} if dark else {"gridcolor": PRESENTER_GRID}
        tick = (axis.get("tickfont") or {}).get("size")
        if tick is not None:
            axis_update["tickfont"] = {"size": _scaled(tick)}
        title = _size(axis.get("title") if isinstance(axis.get("title"), dict) else None, None)
        if title is not None:
            axis_update["title"] = {"font": {"size": _scaled(title)}}
        update[name] = axis_update
    if layout.get("annotations"):
        # a list is replaced, not merged: every annotation is written out again
        update["annotations"] = [
            {**a, "font": {**a.get("font", {}), "size": _scaled(a["font"]["size"])}}
            if (a.get("font") or {}).get("size") is not None
            else a
            for a in layout["annotations"]
        ]
    return update


def pin_cell_text(traces, size: float) -> None:
    """Give text drawn in traces (cell labels) that inherits the global font the size it has now, so that the
    presenter view's larger global font leaves it fitting its cells. ``traces``: ``fig.data`` or trace dicts."""
    for trace in traces:
        if isinstance(trace, dict):
            if ("text" in trace or "texttemplate" in trace) and (trace.get("textfont") or {}).get("size") is None:
                trace["textfont"] = {**(trace.get("textfont") or {}), "size": size}
        elif "textfont" in trace and trace.textfont.size is None:
            trace.textfont.size = size


def _merge(target: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def for_presenter(fig: go.Figure | dict, dark: bool = False) -> go.Figure | dict:
    """The presenter view's larger, higher-contrast text on a figure or its JSON dict, in place (layout keys and
    cell text only, like ``for_dark_theme``)."""
    if isinstance(fig, dict):
        layout = fig.setdefault("layout", {})
        pin_cell_text(fig.get("data", []), _size(layout, FONT_SIZE))
        _merge(layout, presenter_layout(layout, dark))
        return fig
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    pin_cell_text(fig.data, _size(layout, FONT_SIZE))
    fig.update_layout(presenter_layout(layout, dark))
    return fig
