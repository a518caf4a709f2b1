"""What the two diffusion-on-digits pages share (pixel space and the VAE's latent space): sampling memoized per
session and per sampler, the denoising frames with their timestep scrubber and downloads, and DDPM vs DDIM from
the same x_T with the classifier's verdict.

Why here and not in each page: both pages draw the same frames from the same core calls
(``core.generative.digit_diffusion.sample_frames`` / ``run_sampler``), and a second copy of the scrubber's
callbacks and of the memo would drift. What is remembered, per session and per set of weights: each sampler's
frames (DDPM's do not depend on S, so moving the DDIM slider reruns DDIM only), each sampler's quality run, and
the frames' PNGs and figures (scrubbing adds one frame's PNGs, not fifty). The frames and quality runs themselves
are also kept for every session with the same weights (ui.shared_memo), so a new visitor does not sample again.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from core.generative import digit_diffusion as dd
from ui import contract as ui
from ui import shared_memo
from ui.shared_memo import weights_digest
from viz import animation
from viz.generative import digit_diffusion as viz

MAX_ENTRIES = 8
"""Frame sets and quality runs remembered per page and session (oldest dropped first)."""
SHARED_ENTRIES = 16
"""Frame sets and quality runs the process keeps for every session (ui.shared_memo), per kind."""
MAX_FIGURES = 12
"""Frame figures (as JSON) remembered per frame set: scrubbing back and forth redraws without rebuilding."""


@dataclass
class FrameSet:
    """One sampler's frames and what has been drawn from them."""

    frames: dd.Frames
    uris: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Visited step → the PNG data URIs of its x_t and x̂_0 grids."""
    figures: OrderedDict = field(default_factory=OrderedDict)
    """(shown frames, active, title) → the frames figure's JSON."""


def _memo(name: str, kind: str) -> OrderedDict:
    return st.session_state.setdefault(f"_{name}_{kind}", OrderedDict())


def _remember(memo: OrderedDict, key: tuple, value, trainer: dd.VectorDiffusionTrainer, steps: int):
    # A Pause starts this run while the old one may still finish its chunk (Streamlit's fast reruns): results of
    # weights that moved meanwhile are shown once but not remembered under the step count read before.
    if trainer.steps == steps:
        memo[key] = value
        while len(memo) > MAX_ENTRIES:
            memo.popitem(last=False)
    return value


def _weights(trainer: dd.VectorDiffusionTrainer) -> tuple:
    """What identifies the weights: this trainer object (a Reset builds a new one), its config and its steps."""
    return id(trainer), trainer.config, trainer.steps


def _shared_weights(trainer: dd.VectorDiffusionTrainer) -> tuple:
    """What a sampler's result depends on, for every session: the trainer's kind and config, its averaged ε_θ (the
    weights it samples with) and, for latent diffusion, the VAE that decodes. A new visitor's page on the shipped
    model finds the samples of the first one (ui.shared_memo: ~145 ms of the digit page's first run)."""
    key = (type(trainer).__qualname__, trainer.config, weights_digest(trainer.average))
    autoencoder = getattr(trainer, "autoencoder", None)
    if autoencoder is not None:
        key += (weights_digest(autoencoder.model),)
    return key


def _shared(kind: str, trainer: dd.VectorDiffusionTrainer, settings: tuple, make):
    """``make()`` for these weights and settings, from the process-wide memo (made while the weights moved: shown
    once, not kept)."""
    weights = _shared_weights(trainer)
    return shared_memo.named(f"digit_{kind}", SHARED_ENTRIES).get(
        (*weights, *settings), make, still_valid=lambda: _shared_weights(trainer) == weights
    )


def frame_set(
    name: str, trainer: dd.VectorDiffusionTrainer, sampler: str, count: int, ddim_steps: int, seed: int, draw: int
) -> FrameSet:
    """The sampler's frames for the current weights, memoized per session (DDPM's key has no S); the frames
    themselves are shared by every session with the same weights."""
    memo = _memo(name, "frames")
    settings = (sampler, count, ddim_steps if sampler == "DDIM" else None, seed, draw)
    key = (*_weights(trainer), *settings)
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    frames = _shared(
        "frames",
        trainer,
        settings,
        lambda: ui.attempt(dd.sample_frames, trainer, sampler, count, ddim_steps, seed, draw),
    )
    return _remember(memo, key, FrameSet(frames), trainer, key[2])


def sampler_run(
    name: str, trainer: dd.VectorDiffusionTrainer, sampler: str, ddim_steps: int, seed: int, draw: int
) -> dd.SamplerRun:
    """The sampler on QUALITY_SAMPLES digits for the current weights (quality, calls, wall time), memoized."""
    memo = _memo(name, "runs")
    settings = (sampler, ddim_steps if sampler == "DDIM" else None, seed, draw)
    key = (*_weights(trainer), *settings)
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    run = _shared(
        "runs", trainer, settings, lambda: ui.attempt(dd.run_sampler, trainer, sampler, ddim_steps, seed, draw)
    )
    return _remember(memo, key, run, trainer, key[2])


def cached_figure(name: str, key: tuple, build) -> dict:
    """A figure's JSON built once per ``key`` (which must name the weights and settings it shows) and remembered
    per session: Plotly's validation of a pair of image subplots costs more than the rest of a rerun."""
    memo = _memo(name, "figures")
    if key not in memo:
        memo[key] = build().to_plotly_json()
        while len(memo) > MAX_FIGURES:
            memo.popitem(last=False)
    memo.move_to_end(key)
    spec = memo[key]
    return {**spec, "layout": copy.deepcopy(spec["layout"])}  # the dark theme recolours the layout in place


def weights_key(trainer: dd.VectorDiffusionTrainer) -> tuple:
    """The key part that names the trainer's current weights (for :func:`cached_figure`)."""
    return _weights(trainer)


@st.cache_data(max_entries=32, show_spinner=False)
def noise_quality(seed: int, draw: int) -> dd.Quality:
    """The classifier's verdict on the draw's pixel-space noise x_T (QUALITY_SAMPLES of them)."""
    return dd.quality(dd.noise_images(dd.QUALITY_SAMPLES, seed, draw))


def _shift(key: str, delta: int, T: int) -> None:
    st.session_state[key] = min(max(int(st.session_state.get(key, T)) + delta, 0), T)


def timestep_scrubber(T: int, key: str = "t") -> int:
    """◀ t-slider ▶ in one row (the arrows move t by one step, through callbacks that run before the slider is
    drawn); opens at t = T, the start of the reverse process."""
    if st.session_state.get(key, 0) > T:
        st.session_state[key] = T  # the scrubber cannot point past the last step
    back, slider_column, ahead = st.columns([1, 10, 1], vertical_alignment="bottom")
    back.button(
        ":material/chevron_left:",
        key=f"{key}_back",
        on_click=_shift,
        args=(key, -1, T),
        help="One step towards the sample x₀ (t − 1).",
        width="stretch",
    )
    ahead.button(
        ":material/chevron_right:",
        key=f"{key}_ahead",
        on_click=_shift,
        args=(key, 1, T),
        help="One step back towards the noise x_T (t + 1).",
        width="stretch",
    )
    return int(
        ui.slider(
            "Timestep t (T = pure noise … 0 = the sample)",
            key,
            0,
            T,
            T,
            1,
            container=slider_column,
            help="Scrub the reverse process; the figure's own ▶ play runs it from here to t = 0.",
        )
    )


def frames_figure(frame_set: FrameSet, t: int, frames_shown: int, title: str) -> dict:
    """The frames figure (JSON) opened at the visited step nearest to t, with ``frames_shown`` evenly spaced steps
    (plus that one) to play; memoized in ``frame_set``. Hand the result to ``ui.figure`` (a copy of its layout
    goes out, since the dark theme recolours it in place)."""
    frames = frame_set.frames
    nearest = int(np.abs(frames.timesteps - t).argmin())
    shown = tuple(sorted({*animation.even_sample(len(frames.timesteps), frames_shown), nearest}))
    key = (shown, nearest, title)
    if key not in frame_set.figures:
        for k in shown:
            if k not in frame_set.uris:
                frame_set.uris[k] = viz.frame_uris(frames, k)
        names = [str(int(frames.timesteps[k])) for k in shown]
        frame_set.figures[key] = viz.frames_figure(
            [frame_set.uris[k] for k in shown], names, shown.index(nearest), title=title
        )
        while len(frame_set.figures) > MAX_FIGURES:
            frame_set.figures.popitem(last=False)
    frame_set.figures.move_to_end(key)
    spec = frame_set.figures[key]
    return {**spec, "layout": copy.deepcopy(spec["layout"])}


def downloads(frame_set: FrameSet, frames_shown: int, stem: str) -> None:
    """GIF and PNG-strip buttons for the played frames; the files are made only when a button is pressed."""
    frames = frame_set.frames
    shown = animation.even_sample(len(frames.timesteps), frames_shown)
    strip = animation.even_sample(len(frames.timesteps), 11)
    sampler = frames.sampler.lower()
    gif_column, png_column, _ = st.columns([1, 1, 2])
    gif_column.download_button(
        "Animated GIF",
        data=lambda: viz.frames_gif(frames, shown),
        file_name=f"{stem}-{sampler}.gif",
        mime="image/gif",
        key=f"{stem}_gif",
        icon=":material/animated_images:",
        on_click="ignore",
        width="stretch",
        help=f"The {len(shown)} frames played above, x_t beside x̂₀, at {viz.GIF_MS} ms a frame.",
    )
    png_column.download_button(
        "PNG strip",
        data=lambda: viz.frames_strip_png(frames, strip),
        file_name=f"{stem}-{sampler}-strip.png",
        mime="image/png",
        key=f"{stem}_png",
        icon=":material/image:",
        on_click="ignore",
        width="stretch",
        help="11 evenly spaced steps from x_T to x₀ in one image: x_t on top, x̂₀ below.",
    )


def quality_table(
    runs: dict[str, dd.SamplerRun], noise: dd.Quality, extra: dict[str, dd.SamplerRun | dd.Quality] | None = None
) -> None:
    """ε_θ calls, wall time and the quality numbers of the samplers and of the starting noise (QUALITY_SAMPLES
    digits each); ``extra`` rows (other models' runs, or their quality alone) go before the noise."""
    rows = []
    for label, entry in {**runs, **(extra or {}), "noise x_T": noise}.items():
        if isinstance(entry, dd.SamplerRun) and entry.network_calls > 0:
            cost, q = f"{entry.network_calls} | {1000 * entry.seconds:.0f} ms", entry.quality
        else:
            cost, q = "– | –", entry.quality if isinstance(entry, dd.SamplerRun) else entry
        rows.append(f"| {label} | {cost} | {q.confidence:.2f} | {q.digit_share:.0%} | {q.nearest:.2f} |")
    st.markdown(
        f"| {dd.QUALITY_SAMPLES} samples | ε_θ calls | wall time | confidence max p(k\\|x) | read as a digit "
        f"(p ≥ {dd.CONFIDENT:g}) | distance to nearest digit |\n|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )
