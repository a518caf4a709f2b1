"""Train every training page's default runs once and ship them (``core/pretrained/*.npz``).

Usage: python -m scripts.make_pretrained [url_path ...]   (default: every page that trains)

Each page is opened with its default settings through Streamlit's AppTest, exactly as a visitor would open
it, and the runs its training session declared (``ui.training.RUNS_KEY``) are trained to the end of their
budget (or ``ship_steps`` for a run without one) and written by their own ``ship``. So the shipped files always
match the pages' defaults: a changed default simply finds no file (the page then opens untrained) until this
script is run again; ``tests/test_pretrained.py`` fails in that case.
"""

from __future__ import annotations

import sys
import time

from tests.apptest_helpers import run_page
from ui.registry import PAGES
from ui.training import RUNS_KEY

CHUNK = 2_000
"""Units per train_chunk call while making a shipped result (the size does not change what is learned)."""
OPEN_ENDED_CHUNK = 5
"""A run without a budget records its curve once per chunk (the NN trainer: one point per frame of 5 steps)."""


def declared_runs(path: str) -> list:
    """The runs the page at ``path`` declares with its default settings."""
    at = run_page(path)
    if at.exception:
        raise RuntimeError(f"{path}: {at.exception[0].value}")
    sessions = at.session_state[RUNS_KEY] if RUNS_KEY in at.session_state else {}
    return [run for runs in sessions.values() for run in runs if run.ship is not None]


def ship(run) -> float:
    trainer = run.factory()
    budget = trainer.total_steps if trainer.total_steps is not None else run.ship_steps
    chunk = CHUNK if trainer.total_steps is not None else OPEN_ENDED_CHUNK
    start = time.perf_counter()
    while not trainer.finished and trainer.steps < budget:
        trainer.train_chunk(min(chunk, budget - trainer.steps))
    run.ship(trainer)
    return time.perf_counter() - start


def main(url_paths: list[str]) -> None:
    for spec in PAGES:
        if url_paths and spec.url_path not in url_paths:
            continue
        for run in declared_runs(spec.path):
            print(f"{spec.url_path}: {run.label} … {ship(run):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
