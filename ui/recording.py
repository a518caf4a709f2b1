"""Recordings of live training: the figures each frame drew, kept so that a paused trainer can hand them out as
an animation (a web page with ▶ play and Save as GIF / PNG strip, ``viz.export.html``).

Why here and not in the page: every live trainer draws through ``ui.training.TrainingSession.live`` and
``ui.figure``, so one hook records them all (the NN trainer, skip connections, DQN, REINFORCE, actor-critic,
diffusion, the GAN). While a frame draws (``contract.live_frame``), ``ui.figure`` hands each figure to
:func:`add`; when the session is paused, ``ui.figure`` asks :func:`next_frames` for the recording of the figure
in the same place of the page (the n-th figure its draw function draws) and, with two frames or more, offers it
under the figure beside HTML and CSV.

Bounded: at most ``MAX_FRAMES`` frames per session, evenly thinned as training goes on (when the list is full
every other frame is dropped and only every 2nd, then 4th, … frame is kept), so a long run costs the same as a
short one; Reset forgets the recording.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Iterator

import streamlit as st

from viz.export import GIF_MAX_FRAMES

MAX_FRAMES = GIF_MAX_FRAMES
"""Frames kept per training session: as many as a saved GIF takes."""
_RECORDINGS = "_recordings"
"""session_state: training session name → {"frames": [[figure dict, …] per frame], "labels": [...], "stride": k,
"seen": frames drawn so far, "prefix": the slider's}."""
_current: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ml_playground_recording", default=None)
"""While a session draws, in this script thread: {"session": name, "live": bool, "figures": [...], "index": n}.
A context variable, not session_state: a run stopped in the middle of a frame may no longer write session_state,
and the state of a half-drawn frame must not outlive it (see ui.contract.live_frame)."""


@contextlib.contextmanager
def drawing(session: str, live: bool, label: Callable[[], tuple[str, str]] | None = None) -> Iterator[None]:
    """Around a training session's draw function. A live frame records its figures and, once drawn whole, becomes
    one frame of the recording (``label()``: where training was and the slider's prefix, e.g. ("1,200",
    "gradient steps: ")); a paused draw numbers its figures so each finds its recording."""
    current = {"session": session, "live": live, "figures": [], "index": 0}
    token = _current.set(current)
    try:
        yield
    finally:
        _current.reset(token)
    if live and current["figures"]:  # only a frame drawn to its end (an interrupted one raised above)
        _keep(session, current["figures"], *(label() if label else (None, "")))


def _keep(session: str, figures: list[dict], label: str | None, prefix: str) -> None:
    record = st.session_state.setdefault(_RECORDINGS, {}).setdefault(
        session, {"frames": [], "labels": [], "stride": 1, "seen": 0}
    )
    record["prefix"] = prefix
    record["seen"] += 1
    if (record["seen"] - 1) % record["stride"]:
        return
    record["frames"].append(figures)
    record["labels"].append(label or f"frame {record['seen']}")
    if len(record["frames"]) > MAX_FRAMES:  # full: keep every other frame, record half as often from now on
        record["frames"] = record["frames"][::2]
        record["labels"] = record["labels"][::2]
        record["stride"] *= 2


def add(fig) -> None:
    """``ui.figure`` in a live frame: remember this figure for the frame's recording: the JSON text the live chart
    sent (kept as text: decoding it costs nothing until a recording is downloaded, where ``to_dict`` on every
    frame was a quarter of the frame's server time), or else the figure's dict."""
    current = _current.get()
    if current is not None and current["live"]:
        current["figures"].append(fig if isinstance(fig, str) else fig.to_dict())


def as_dicts(snapshots: list) -> list[dict]:
    """The recorded snapshots as figure dicts (the JSON texts decoded)."""
    return [json.loads(s) if isinstance(s, str) else s for s in snapshots]


def next_frames() -> tuple[list, list[str], str] | None:
    """``ui.figure`` while a paused session draws: the recorded snapshots of the figure drawn in this place, their
    labels and the slider's prefix, or None (no session drawing, or fewer than two frames recorded). A snapshot
    is a figure dict or its JSON text (:func:`as_dicts`)."""
    current = _current.get()
    if current is None or current["live"]:
        return None
    index = current["index"]
    current["index"] += 1
    record = st.session_state.get(_RECORDINGS, {}).get(current["session"])
    if not record:
        return None
    snapshots = [frame[index] for frame in record["frames"] if index < len(frame)]
    if len(snapshots) < 2 or len(snapshots) != len(record["labels"]):
        return None
    return snapshots, list(record["labels"]), record.get("prefix", "")


def clear(session: str) -> None:
    """Reset: the recording of ``session`` is forgotten."""
    st.session_state.get(_RECORDINGS, {}).pop(session, None)
