"""Frames per second of one trainer-page update: a chunk of training steps, the boundary grid through the
network, and the three live figures built and serialised (what Streamlit sends to the browser).

The frame is built as the page builds it while playing (no click grid, no hover markers: see
viz/deep/mlp.py). Baseline, measured in the same run: the same chunk of training with no picture at all.
The browser's side of a frame is measured by bench/bench_browser.py.

Run: .venv/bin/python -m bench.bench_nn_trainer [--quick]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from core.deep import mlp, optimizers, toy_data
from viz.deep import mlp as viz

RES, STRIDE = 48, 2  # as pages/deep/trainer.py


def frame(trainer: mlp.Trainer, data: toy_data.Dataset, steps: int, serialise: bool, picture: bool = True) -> None:
    mlp.train_steps(trainer, data, steps)
    if not picture:
        return
    outputs = mlp.unit_outputs(trainer, RES)
    ticks, _ = toy_data.grid(RES)
    figures = [
        viz.boundary(ticks, outputs[-1][0], data, clickable=False),
        viz.loss_curves(np.array(trainer.history), trainer.config.net.loss),
        viz.network(
            [a[:, ::STRIDE, ::STRIDE] for a in outputs], trainer.params, trainer.config.net, ("x1", "x2"), hover=False
        ),
    ]
    if serialise:
        for fig in figures:
            fig.to_json()


def measure(
    hidden: tuple[int, ...],
    steps: int,
    serialise: bool,
    optimizer: str = "sgd",
    repeats: int = 40,
    picture: bool = True,
) -> float:
    data = toy_data.make_dataset("spiral", 200, 0.2, 0.5, 0)
    config = mlp.TrainConfig(
        mlp.MLPConfig((2, *hidden, 1), "tanh"), optimizers.OptimizerConfig(optimizer, 0.03), batch_size=10
    )
    trainer = mlp.new_trainer(config, 0)
    frame(trainer, data, steps, serialise, picture)  # warm-up (theme layout cache)
    start = time.perf_counter()
    for _ in range(repeats):
        frame(trainer, data, steps, serialise, picture)
    return repeats / (time.perf_counter() - start)


def run(quick: bool = False) -> str:
    repeats = 10 if quick else 40
    cases = [((8, 8), 5, "sgd"), ((8, 8), 5, "adam"), ((8, 8), 20, "adam"), ((16, 16, 16), 5, "adam")]
    rows, default_fps = [], None
    for hidden, steps, opt in cases[:2] if quick else cases:
        fps = measure(hidden, steps, True, opt, repeats)
        training_only = measure(hidden, steps, False, opt, repeats, picture=False)
        net = f"{len(hidden)}×{hidden[0]}"
        rows.append(f"| {net} | {opt} | {steps} | {fps:.1f} | {training_only:.0f} | {fps / training_only:.2f} |")
        if (hidden, steps, opt) == ((8, 8), 5, "sgd"):
            default_fps = fps
    return "\n".join(
        [
            "## Neural-network trainer, server side of a frame — `python -m bench.bench_nn_trainer`",
            "",
            "One frame = a chunk of minibatch steps (batch 10, spiral, 200 points) + the 48×48 boundary grid through "
            "the net + the boundary, loss and network figures built and serialised as the page sends them while "
            "playing. Baseline: the same chunk of training without a picture, in the same run.",
            "",
            "| network | optimizer | steps / frame | frames / s | training-only chunks / s (baseline) | ratio |",
            "|---|---|---:|---:|---:|---:|",
            *rows,
            "",
            f"Goal ≥ 10 frames/s of server work for the default 2×8 net: **{'met' if default_fps >= 10 else 'not met'}** "
            f"({default_fps:.0f} frames/s); what the browser draws is in the browser section.",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
