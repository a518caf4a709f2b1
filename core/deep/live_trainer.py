"""The trainer page's network behind the training-session protocol (:class:`core.training.Trainable`).

:class:`LiveMLP` holds one :class:`core.deep.mlp.Trainer` together with the dataset it learns, so the shared
training session (``ui/training.py``) drives it like every other live trainer: ``train_chunk(n)`` is ``n``
minibatch steps θ ← θ − η ∂L/∂θ (the rule of ``trainer.config.optimizer``) through :func:`mlp.train_steps`,
with the train/test losses recorded once per chunk. It runs until paused (``total_steps`` is None) and only
stops by itself when a step produces a non-finite loss or weights; it then keeps the last finite weights.

The divergence lives in one place, ``trainer.diverged_at``: :func:`mlp.reconfigure` with another optimizer (a
lower η) clears it, and ``finished`` / ``diverged_reason`` follow, so training may go on from there.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.deep import mlp
from core.deep.toy_data import Dataset, features
from core.errors import InputError
from core.snapshot import PRETRAINED_DIR, load_snapshot, save_snapshot, snapshot_path


class LiveMLP:
    """A network being trained on one dataset, in chunks of gradient steps, until paused or diverged."""

    total_steps = None
    """No budget: the session trains until Pause (or a divergence)."""

    def __init__(self, config: mlp.TrainConfig, data: Dataset, seed: int) -> None:
        """A fresh network (``mlp.new_trainer``: the same seed gives the same initial weights) and its losses at
        step 0, so the untrained state can be drawn."""
        self.trainer = mlp.new_trainer(config, seed)
        self.data = data
        self.train_seconds = 0.0
        self.trainer.history.append((0, *mlp.evaluate(self.trainer, data)))

    @property
    def steps(self) -> int:
        """Gradient steps taken so far."""
        return self.trainer.step

    @property
    def finished(self) -> bool:
        """True only after a divergence (there is no budget); False again once a new optimizer clears it."""
        return self.trainer.diverged_at is not None

    @property
    def diverged_reason(self) -> str | None:
        """Why training stopped, naming the step and η; None while the weights are finite."""
        if self.trainer.diverged_at is None:
            return None
        lr = self.trainer.config.optimizer.lr
        return (
            f"at step {self.trainer.diverged_at:,} the loss or the weights became infinite or NaN with η = {lr:g}. "
            "Lower the learning rate to go on from the last finite weights, or press Reset"
        )

    def train_accuracy(self) -> float:
        """The share of training points whose most probable class is their label (evaluation mode)."""
        config = self.trainer.config
        inputs = features(self.data.x_train, config.feature_names)  # (n_0, m_train)
        return mlp.accuracy(self.trainer.params, inputs, self.data.y_train, config.net)

    def train_chunk(self, n_steps: int) -> None:
        """``n_steps`` minibatch steps (fewer if one diverges: the weights before it are kept)."""
        if n_steps < 1:
            raise InputError("A training chunk needs at least one step.")
        if self.finished:
            return
        start = time.perf_counter()
        mlp.train_steps(self.trainer, self.data, n_steps)
        self.train_seconds += time.perf_counter() - start


SNAPSHOT_KIND = "mlp"
SHIPPED_STEPS = 400
"""How far the page's shipped default network is trained (it opens on a learned boundary)."""


def save_shipped(live: LiveMLP, key, directory: Path = PRETRAINED_DIR) -> Path:
    """Write the weights, the step count and the loss history under (``key``, its TrainConfig)."""
    path = snapshot_path(SNAPSHOT_KIND, (key, live.trainer.config), 0, directory)
    arrays = {f"p{i}": p for i, p in enumerate(live.trainer.params)}
    meta = {"step": live.trainer.step, "history": live.trainer.history, "train_seconds": live.train_seconds}
    save_snapshot(path, arrays, meta)
    return path


def load_shipped(key, config: mlp.TrainConfig, data: Dataset, seed: int, directory: Path = PRETRAINED_DIR):
    """The shipped network for (``key``, ``config``), or None. It goes on training from its weights; the
    optimizer's moments and the minibatch stream start afresh (they are not shipped)."""
    found = load_snapshot(snapshot_path(SNAPSHOT_KIND, (key, config), 0, directory))
    if found is None:
        return None
    arrays, meta = found
    live = LiveMLP(config, data, seed)
    # float64 as the NumPy network computes (the file keeps float32: the picture is the same)
    live.trainer.params = [arrays[f"p{i}"].astype(np.float64) for i in range(len(live.trainer.params))]
    live.trainer.step = int(meta["step"])
    live.trainer.history = [tuple(h) for h in meta["history"]]
    live.train_seconds = float(meta["train_seconds"])
    return live
