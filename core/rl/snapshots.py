"""A finished deep-RL run as a shipped file, and back: the networks, the curves and the counters.

What a page draws from a finished run is its curves (``TrainingLog``), its counters (steps, wall time, when
it was solved) and its networks (Q heatmaps, policy slices, greedy episodes). That is what a snapshot holds.
The replay buffer and the optimizer moments are left out: a restored run is *finished* (its budget spent), so
it is never trained further — Reset, then Train, trains a fresh one live.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from core.errors import InputError
from core.rl.common import ChunkedTrainer, TrainingLog
from core.snapshot import PRETRAINED_DIR, load_snapshot, require_finished, save_snapshot, snapshot_path

COUNTERS = ("steps", "train_seconds", "diverged_reason", "solved_step", "solved_seconds")


def trainer_arrays(trainer: ChunkedTrainer) -> dict[str, np.ndarray]:
    """``<module>.<parameter name>`` → weights, for every network the class ships."""
    return {
        f"{name}.{key}": value.detach().cpu().numpy()
        for name in trainer.snapshot_modules
        for key, value in getattr(trainer, name).state_dict().items()
    }


def trainer_meta(trainer: ChunkedTrainer) -> dict:
    return {"counters": {k: getattr(trainer, k) for k in COUNTERS}, "log": asdict(trainer.log)}


def restore_trainer(trainer: ChunkedTrainer, arrays: dict[str, np.ndarray], meta: dict) -> ChunkedTrainer:
    """Load a snapshot into a freshly built ``trainer`` of the same configuration and seed, in place."""
    for name in trainer.snapshot_modules:
        module = getattr(trainer, name)
        state = {key: torch.from_numpy(arrays[f"{name}.{key}"]) for key in module.state_dict()}
        module.load_state_dict(state)
    for key, value in meta["counters"].items():
        setattr(trainer, key, value)
    trainer.log = TrainingLog(**meta["log"])
    trainer.refresh_numpy_copies()
    if not trainer.finished:
        raise InputError("A shipped result must be a finished run (its whole step budget spent, or diverged).")
    return trainer


def save_trainer(trainer: ChunkedTrainer, kind: str, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished run under the name of its (kind, configuration, seed)."""
    require_finished(trainer)
    path = snapshot_path(kind, trainer.config, trainer.seed, directory)
    save_snapshot(path, trainer_arrays(trainer), trainer_meta(trainer))
    return path


def load_trainer(
    cls: type[ChunkedTrainer], kind: str, config, seed: int, directory: Path = PRETRAINED_DIR
) -> ChunkedTrainer | None:
    """The shipped finished run of ``cls(config, seed)``, or None when none was shipped for exactly these settings."""
    found = load_snapshot(snapshot_path(kind, config, seed, directory))
    if found is None:
        return None
    return restore_trainer(cls(config, seed), *found)
