"""Plotly's own animations: the ▶ play / ❚❚ pause buttons and the step slider every animated figure shares.

Why the browser plays them and not Streamlit: a rerun per frame costs a whole script run and a figure sent over the
websocket (2 frames/s at best); a Plotly animation sends every frame once and plays them in the page.

What a frame costs there: ``redraw=False`` moves only the traces a frame names, and only scatter-type traces can
move that way (their x, y, marker and text); a heatmap's z, an image or the title need ``redraw=True``, a full
Plotly redraw of the figure per frame. Chromium starts the next frame on the first display refresh after the
duration: a duration just under four refreshes of a 60 Hz display plays 12–15 frames/s when a frame costs little
(80 ms, five refreshes or six with any delay, gives 10–12). Measured: ``bench/bench_browser.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import theme

PLAY_MS = 65
"""Frame duration of ▶ play: 12–15 frames/s in Chromium, above the 10 a movie needs to look smooth."""
SLOW_MS = 450
"""Frame duration of ▶ slow: time to read a caption that changes every frame."""
CONTROLS_PX = 90
"""Room the buttons and the slider (with its current value and tick labels) take below the plot."""


def _animate(names: list[str] | None, duration: int, redraw: bool, **extra) -> list:
    return [names, dict(frame=dict(duration=duration, redraw=redraw), transition=dict(duration=0), **extra)]


def controls(
    names: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    redraw: bool = False,
    frame_ms: int = PLAY_MS,
    slow_ms: int | None = None,
    prefix: str = "",
    active: int = 0,
    y: float = 0.0,
    gap_px: int = 8,
) -> dict:
    """``fig.update_layout(**controls(names))``: ▶ play (and ▶ slow at ``slow_ms``), ❚❚ pause and a slider over
    the frames ``names`` (its tick labels ``labels``), ``gap_px`` under paper ``y`` (0: the bottom of the plot;
    leave CONTROLS_PX + ``gap_px`` of bottom margin).

    ``redraw`` must be True when a frame changes what only a full redraw draws (a heatmap, an image, the title);
    the buttons play from the current frame, and the slider follows the animation (Plotly binds it to the
    frames' names)."""
    names = [str(n) for n in names]
    labels = names if labels is None else [str(label) for label in labels]
    buttons = [dict(label="▶ play", method="animate", args=_animate(None, frame_ms, redraw, fromcurrent=True))]
    if slow_ms is not None:
        buttons.append(dict(label="▶ slow", method="animate", args=_animate(None, slow_ms, redraw, fromcurrent=True)))
    buttons.append(dict(label="❚❚ pause", method="animate", args=_animate([None], 0, False, mode="immediate")))
    width = 0.12 * len(buttons) + 0.04  # of the plot's width: ~90 px a button in the main column
    return dict(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=y,
                xanchor="left",
                yanchor="top",
                pad=dict(t=gap_px, r=8),
                showactive=False,
                font=dict(size=theme.MIN_TEXT_SIZE + 1),
                buttons=buttons,
            )
        ],
        sliders=[
            dict(
                active=active,
                x=width,
                len=1.0 - width,
                y=y,
                yanchor="top",
                pad=dict(t=gap_px),
                font=dict(size=theme.MIN_TEXT_SIZE),
                currentvalue=dict(prefix=prefix, font=dict(size=theme.MIN_TEXT_SIZE + 1)),
                steps=[
                    dict(method="animate", label=label, args=_animate([name], 0, redraw, mode="immediate"))
                    for name, label in zip(names, labels)
                ],
            )
        ],
    )


def even_sample(count: int, at_most: int) -> list[int]:
    """At most ``at_most`` of the indices 0 … count − 1, evenly spaced, always with the first and the last."""
    at_most = max(at_most, 2)
    if count <= at_most:
        return list(range(count))
    step = (count - 1) / (at_most - 1)
    return sorted({round(i * step) for i in range(at_most)})


def with_frames(fig: go.Figure, frames: list[dict]) -> go.Figure:
    """``fig`` with these frames (plain dicts: name, data, traces; each trace dict names its ``type``), stored
    as they are: Plotly's check of every property of every frame costs ~1 ms a trace, seconds for a hundred
    frames (``fig.frames = ...`` and ``go.Figure(frames=...)`` always check). Read them back with
    ``fig.to_dict()["frames"]``."""
    fig._frame_objs = tuple(go.Frame(frame, _validate=False) for frame in frames)
    return fig


def plain(values, digits: int = 4) -> list:
    """A NumPy array as the list Plotly's JSON wants: rounded to ``digits``, NaN as None (a gap in a line)."""
    array = np.round(np.asarray(values, dtype=float), digits)
    return [None if v != v else v for v in array.tolist()]


_FRAME_LAYOUT_SKIP = ("updatemenus", "sliders", "height", "width", "margin", "template", "legend")
"""Layout keys a recorded frame does not carry: the recording's own controls, its size and legend (placed once for
the whole recording), and the shared template."""


def recording(snapshots: Sequence[dict], labels: Sequence[str], *, prefix: str = "") -> dict:
    """A Plotly animation (figure JSON) of ``snapshots``: the same figure drawn at successive moments of training
    (each one's ``to_dict()``), ``labels`` under the slider. It opens on the last snapshot (the final state) and
    plays from the first.

    Each frame carries the snapshot's traces and its layout (title, annotations, images of a raster field, axes),
    so ▶ play redraws all of it (``redraw=True``); an axis without a fixed range is re-fitted on every frame.
    Traces are matched by position: a snapshot with fewer traces than the last gets empty ones of the same type."""
    if len(snapshots) < 2 or len(labels) != len(snapshots):
        raise ValueError("a recording needs at least two snapshots and one label per snapshot")
    last = snapshots[-1]
    base_traces = list(last.get("data", []))
    frames = []
    for index, snapshot in enumerate(snapshots):
        traces = list(snapshot.get("data", []))[: len(base_traces)]
        traces += [{"type": t.get("type", "scatter"), "x": [], "y": []} for t in base_traces[len(traces) :]]
        layout = {k: v for k, v in snapshot.get("layout", {}).items() if k not in _FRAME_LAYOUT_SKIP}
        for name, axis in list(layout.items()):
            if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict) and axis.get("range") is None:
                layout[name] = {**axis, "autorange": True}
        frames.append({"name": str(index), "data": traces, "layout": layout})
    # the controls go under everything the figure had below its plot (axis titles, a legend): the plot keeps its
    # size in pixels, the figure grows by CONTROLS_PX, and they take that new strip at the bottom
    layout = dict(last.get("layout", {}))
    margin = dict(layout.get("margin") or {})
    top, bottom = margin.get("t", 100), margin.get("b", 80)  # Plotly's default margins
    height = layout.get("height") or 450
    plot_px = max(height - top - bottom, 1)
    margin["b"] = bottom + CONTROLS_PX
    layout["margin"] = margin
    layout["height"] = height + CONTROLS_PX
    legend = dict(layout.get("legend") or {})
    if legend.get("yref") == "container":  # measured from the figure's bottom edge: lift it over the new strip
        legend["y"] = (legend.get("y", 0) * height + CONTROLS_PX) / layout["height"]
        layout["legend"] = legend
    names = [f["name"] for f in frames]
    layout.update(
        controls(names, list(labels), redraw=True, prefix=prefix, active=len(frames) - 1, y=-bottom / plot_px)
    )
    return {"data": base_traces, "layout": layout, "frames": frames}
