"""The figures of live training, each drawn into ONE Plotly graph that stays alive from frame to frame.

Why: Streamlit (1.67) remounts every ``st.plotly_chart`` whose figure changed (the element id hashes the
figure, the React key is that id; streamlit issue #8782), so each frame of a playing trainer had Plotly.js build
the whole plot again (``Plotly.newPlot``). This custom component (Streamlit components v2, drawn in the page
itself, no iframe; its script is ``ui/live_chart/live_chart.js``) keeps one graph per figure and hands it each
new frame with ``Plotly.react``, which updates the drawn plot in place: with a ``key`` the element keeps its
identity when its data changes, and Streamlit calls the script again with the new data in the same element.

Used by ``ui.figure`` only while a training session draws a live frame (``contract.live_frame``, set by
``ui.training``): paused or finished, the page draws the normal ``st.plotly_chart`` with its mode bar and
downloads (one remount per Play / Pause). The figure comes in already themed (dark or light) and, for the
presenter view, with its larger fonts: ``ui.figure`` writes both into the figure's JSON first.

Offline: the page loads ``plotly.min.js`` (once per browser tab) from this server: a runtime copy, under the temp
directory and keyed by the plotly version, of the file the plotly package ships (no copy of Plotly.js lives in
the repository), served by Streamlit's route for components v1 files (``/component/<name>/<file>``, a GET: no
XSRF token needed). Nothing comes from the network.

Switch: ``ML_PLAYGROUND_LIVE_CHART=0`` in the server's environment draws live frames with ``st.plotly_chart``
as before (the baseline of ``bench/bench_browser.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
import streamlit.components.v1 as components_v1
import streamlit.components.v2 as components_v2

if TYPE_CHECKING:
    import plotly.graph_objects as go

ENV_SWITCH = "ML_PLAYGROUND_LIVE_CHART"
"""Environment variable: "0" draws live frames with st.plotly_chart (the old path, the benchmark's baseline)."""
ENABLED = os.environ.get(ENV_SWITCH, "1") != "0"
"""Whether live frames go through this component (read once, when the server imports this module)."""
SCRIPT = Path(__file__).with_suffix("") / "live_chart.js"
"""The component's script (runs in the page: one graph per element, Plotly.react on each frame)."""
_FRAME = "_live_chart_frame"
"""session_state: [the training session drawing the current frame, how many live figures it drew so far]."""


def _plotly_folder() -> Path:
    """A folder holding only a copy of the plotly package's plotly.min.js (Streamlit serves it from there).

    Keyed by the plotly version, so a new plotly gets a fresh folder; the file is written under a temporary name
    and renamed, so two server processes never serve a half copy."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    folder = Path(tempfile.gettempdir()) / f"ml-playground-plotly-js-{plotly.__version__}"
    target = folder / "plotly.min.js"
    if not (target.exists() and target.stat().st_size == source.stat().st_size):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".plotly.min.js.{os.getpid()}"
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    return folder


_PLOTLY_FOLDER = str(_plotly_folder()) if ENABLED else None
# the graph itself: a components v2 element in the page's own DOM (isolate_styles=False: Plotly's style sheet,
# which it adds to the document, must reach the graph; a shadow root would keep it out)
_mount = components_v2.component("live_chart", js=SCRIPT.read_text(encoding="utf-8"), isolate_styles=False)


def _plotly_url() -> str:
    """The address of plotly.min.js on this server: Streamlit's route for the files of a v1 component.

    The "component" is only a file server: it is never drawn. Streamlit registers a v1 component with the running
    server only when it is declared during a script run (this module may be imported outside one, e.g. by the
    warm-up thread), so it is declared on each use; declaring it again is a dictionary write."""
    from streamlit import config

    served = components_v1.declare_component("plotly_js", path=_PLOTLY_FOLDER)
    base = config.get_option("server.baseUrlPath").strip("/")
    return f"{'/' + base if base else ''}/component/{served.name}/plotly.min.js"


def begin_frame(session: str) -> None:
    """ui/training.py, before drawing a live frame of training session ``session``: its figures are numbered from 0
    again, so the n-th figure of every frame gets the same key (the same graph in the browser)."""
    st.session_state[_FRAME] = [session, 0]


def _next_key() -> str:
    """A key per live figure, the same from frame to frame: the session's name and the figure's place in the frame."""
    frame = st.session_state.setdefault(_FRAME, ["live", 0])
    key = f"live_chart_{frame[0]}_{frame[1]}"
    frame[1] += 1
    return key


def _json_form(fig) -> dict:
    """The figure's JSON form as ``fig.to_dict()`` gives it (NumPy arrays as base64 typed arrays, as
    st.plotly_chart sends them), without to_dict's deep copy of every trace and with a quicker base64 pass:
    measured while the NN trainer played, those two were the largest costs of a frame on the server. A
    ``viz.plain.Spec`` is already in that form (its to_dict copies only the dicts)."""
    from viz import plain

    if isinstance(fig, plain.Spec):
        return fig.to_dict()
    # the figure's own trace and layout dicts
    spec = plain.json_containers({"data": fig._data, "layout": fig._layout})
    if fig._frame_objs:
        spec["frames"] = plain.json_containers([frame._props for frame in fig._frame_objs])
    plain.typed_arrays(spec)
    return spec


def show(fig: go.Figure, config: dict, *, key: str | None = None) -> str:
    """Draw ``fig`` (a go.Figure or a ``viz.plain.Spec``, already themed) into this frame's live graph; returns
    the figure's JSON text as sent (ui/recording.py keeps it for the run's recording).

    ``key``: the figure's own key where the page gave one (kept apart from that st.plotly_chart's key, whose
    selection state must survive the frames); otherwise its place in the frame."""
    import plotly.io

    spec = _json_form(fig)
    head = json.dumps({"plotly": _plotly_url(), "config": {**config, "responsive": True}})
    # {"plotly": ..., "config": ..., "figure": <Plotly's JSON of the figure>} as bytes: the figure's JSON text goes
    # in as it is (NumPy arrays as typed arrays, as st.plotly_chart sends them), not escaped into a string
    figure_json = plotly.io.to_json(spec, validate=False)
    payload = f'{head[:-1]}, "figure": {figure_json}}}'.encode()
    _mount(data=payload, key=f"live_chart_{key}" if key else _next_key(), height="content")
    return figure_json
