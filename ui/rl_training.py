"""Train / Continue / Stop for the deep-RL pages: trainers kept per session, trained in chunks.

Trainers live in ``st.session_state`` keyed by (variant, hyperparameters, seed), so changing a plot control
never retrains, and going back to earlier settings finds the earlier run. Training runs as a loop of short
chunks that updates ``st.progress``; pressing Stop (or any control) makes Streamlit interrupt the loop at the
next chunk, and the trainer keeps everything it has learned.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.rl_common import ChunkedTrainer

# Trainers remembered per page and session (older ones are dropped first).
MAX_TRAINERS = 12


def _store(page: str) -> dict:
    return st.session_state.setdefault(f"_rl_trainers_{page}", {})


def existing(page: str, keys: dict[str, tuple]) -> dict[str, ChunkedTrainer | None]:
    """label → trainer already in this session for that key (None if never trained)."""
    store = _store(page)
    return {label: store.get(key) for label, key in keys.items()}


def train_controls(
    page: str,
    keys: dict[str, tuple],
    factories: dict[str, Callable[[], ChunkedTrainer]],
    chunk_steps: int,
    on_chunk=None,
) -> dict[str, ChunkedTrainer | None]:
    """Buttons and the chunked training loop; returns label → trainer (None where not started).

    ``keys[label]`` identifies a run (its hyperparameters and seed), ``factories[label]()`` creates it.
    ``on_chunk(trainers)`` is called after every round of chunks (e.g. to redraw a live curve).
    """
    store = _store(page)
    running_key = f"_rl_running_{page}"
    trainers = existing(page, keys)
    all_done = all(t is not None and t.finished for t in trainers.values())
    started = any(t is not None for t in trainers.values())
    c1, c2, c3 = st.columns([1, 1, 1])
    if c1.button(
        "▶ Continue" if started and not all_done else "▶ Train", key=f"{page}_train", disabled=all_done, width="stretch"
    ):
        st.session_state[running_key] = True
    if c2.button("⏹ Stop", key=f"{page}_stop", width="stretch"):
        st.session_state[running_key] = False
    if c3.button("↺ Reset these runs", key=f"{page}_reset", width="stretch"):
        st.session_state[running_key] = False
        for key in keys.values():
            store.pop(key, None)
        trainers = dict.fromkeys(keys)

    if st.session_state.get(running_key):
        for label, key in keys.items():
            if store.get(key) is None:
                store[key] = factories[label]()
                while len(store) > MAX_TRAINERS:
                    store.pop(next(iter(store)))
        trainers = existing(page, keys)
        progress = st.progress(0.0)
        while st.session_state.get(running_key):
            pending = [t for t in trainers.values() if not t.finished]
            if not pending:
                break
            for trainer in pending:
                trainer.train_chunk(chunk_steps)
            done = sum(min(t.steps, t.total_steps) for t in trainers.values())
            total = sum(t.total_steps for t in trainers.values())
            progress.progress(done / total, text=f"training… {done:,} of {total:,} environment steps")
            if on_chunk is not None:
                on_chunk(trainers)
        st.session_state[running_key] = False
        progress.empty()
    return trainers


def status_lines(trainers: dict[str, ChunkedTrainer | None]) -> list[str]:
    """One Markdown line per run: steps, wall time, solved or not, divergence."""
    lines = []
    for label, t in trainers.items():
        if t is None:
            lines.append(f"- **{label}**: not trained yet")
            continue
        solved = f"solved at step {t.solved_step:,} ({t.solved_seconds:.1f} s)" if t.solved else "not solved yet"
        last = f", last greedy eval {t.log.eval_mean[-1]:.0f}" if t.log.eval_mean else ""
        lines.append(f"- **{label}**: {t.steps:,} / {t.total_steps:,} steps in {t.train_seconds:.1f} s{last}; {solved}")
    return lines


def train_and_report(
    page: str,
    configs: dict,
    make_trainer: Callable[[object], ChunkedTrainer],
    run_name: str,
    seed: int,
    chunk_steps: int,
    solved_return: float,
) -> tuple[dict, dict]:
    """The shared training block of the deep-RL pages: buttons, chunked training with a live return curve,
    divergence notices, one status line per run, and the return curves.

    Returns (label → trainer or None where never trained, label → training log of the trained ones).
    """
    from ui import contract as ui
    from viz import deep_rl

    keys = {label: (run_name, cfg, seed) for label, cfg in configs.items()}
    factories = {label: (lambda cfg=cfg: make_trainer(cfg)) for label, cfg in configs.items()}
    live = st.empty()
    trainers = train_controls(
        page,
        keys,
        factories,
        chunk_steps=chunk_steps,
        on_chunk=lambda ts: live.plotly_chart(
            deep_rl.learning_curves({k: t.log for k, t in ts.items()}, solved_return), width="stretch", theme=None
        ),
    )
    live.empty()
    logs = {label: t.log for label, t in trainers.items() if t is not None}
    for label, t in trainers.items():
        if t is not None and t.diverged:
            ui.caution(f"**{label}: training diverged** — {t.diverged_reason}")
    st.markdown("\n".join(status_lines(trainers)))
    ui.figure(deep_rl.learning_curves(logs, solved_return))
    return trainers, logs
