"""The deep-RL pages' training block, built on the one training session (``ui/training.py``).

Each page trains one run per chosen variant (DQN vs Double DQN, r(τ) vs reward-to-go, online vs batch), all with
the same seed; this block adds what those pages share on top of the session: a live return curve with the
"solved" line, one status line per run (steps, wall time, solved or not) and a divergence notice per run.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.rl.common import ChunkedTrainer
from core.rl.snapshots import load_trainer, save_trainer
from ui import contract as ui
from ui.training import Run, TrainingSession
from viz.rl import deep as deep_rl


def status_lines(trainers: dict[str, ChunkedTrainer | None], extra: Callable | None = None) -> list[str]:
    """One Markdown line per run: steps, wall time, solved or not (and ``extra(trainer)`` appended, if given)."""
    lines = []
    for label, t in trainers.items():
        if t is None:
            lines.append(f"- **{label}**: not trained yet")
            continue
        solved = f"solved at step {t.solved_step:,} ({t.solved_seconds:.1f} s)" if t.solved else "not solved yet"
        last = f", last greedy eval {t.log.eval_mean[-1]:.0f}" if t.log.eval_mean else ""
        more = extra(t) if extra is not None else ""
        lines.append(
            f"- **{label}**: {t.steps:,} / {t.total_steps:,} steps in {t.train_seconds:.1f} s{last}; {solved}{more}"
        )
    return lines


def train_and_report(
    page: str,
    configs: dict,
    trainer_class: type[ChunkedTrainer],
    run_name: str,
    seed: int,
    chunk_steps: int,
    solved_return: float,
    decorate: Callable | None = None,
    status_extra: Callable | None = None,
) -> tuple[dict[str, ChunkedTrainer | None], dict]:
    """Train / Pause / Step / Reset for one run per variant, the live return curves and a status line per run.

    ``configs`` maps a variant's label to its hyperparameters; a run is identified by (run_name, config, seed),
    so changing a plot control never retrains. A run opens on its shipped result (``core/pretrained``, written by
    ``scripts/make_pretrained.py``) when one exists for exactly its configuration and seed.
    ``decorate(fig, trainers)`` may add to the live return figure (the DQN page marks its kept networks) and
    ``status_extra(trainer)`` to each status line.
    Returns (label → trainer or None where never trained, label → training log of the trained ones).
    """
    runs = [
        Run(
            label,
            key=(run_name, cfg, seed),
            factory=lambda cfg=cfg: trainer_class(cfg, seed),
            pretrained=lambda cfg=cfg: load_trainer(trainer_class, run_name, cfg, seed),
            ship=lambda trainer: save_trainer(trainer, run_name),
        )
        for label, cfg in configs.items()
    ]
    session = TrainingSession(page, runs, chunk=chunk_steps, unit="environment steps")
    session.controls()

    def draw(trainers: dict[str, ChunkedTrainer | None]) -> None:
        logs = {label: t.log for label, t in trainers.items() if t is not None}
        fig = deep_rl.learning_curves(logs, solved_return)
        if decorate is not None and logs:
            fig = decorate(fig, trainers)
        ui.figure(fig)
        st.markdown("\n".join(status_lines(trainers, status_extra)))

    session.live(draw)
    session.divergence_notices()
    trainers = session.trainers()
    logs = {label: t.log for label, t in trainers.items() if t is not None}
    return trainers, logs
