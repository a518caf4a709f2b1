"""Frames per second of one trainer-page update: a chunk of training steps, the boundary grid through the
network, and the three live figures built and serialised (what Streamlit sends to the browser).

Run: .venv/bin/python bench/bench_nn_trainer.py   (prints a Markdown table for docs/benchmarks_nn.md)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.deep import mlp, optimizers, toy_data
from viz.deep import mlp as viz

RES, STRIDE = 48, 2  # as pages/deep/trainer.py


def frame(trainer: mlp.Trainer, data: toy_data.Dataset, steps: int, serialise: bool) -> None:
    mlp.train_steps(trainer, data, steps)
    outputs = mlp.unit_outputs(trainer, RES)
    ticks, _ = toy_data.grid(RES)
    figures = [
        viz.boundary(ticks, outputs[-1][0], data, clickable=True),
        viz.loss_curves(np.array(trainer.history), trainer.config.net.loss),
        viz.network([a[:, ::STRIDE, ::STRIDE] for a in outputs], trainer.params, trainer.config.net, ("x1", "x2")),
    ]
    if serialise:
        for fig in figures:
            fig.to_json()


def measure(hidden: tuple[int, ...], steps: int, serialise: bool, optimizer: str = "sgd", repeats: int = 40) -> float:
    data = toy_data.make_dataset("spiral", 200, 0.2, 0.5, 0)
    config = mlp.TrainConfig(
        mlp.MLPConfig((2, *hidden, 1), "tanh"), optimizers.OptimizerConfig(optimizer, 0.03), batch_size=10
    )
    trainer = mlp.new_trainer(config, 0)
    frame(trainer, data, steps, serialise)  # warm-up (theme layout cache)
    start = time.perf_counter()
    for _ in range(repeats):
        frame(trainer, data, steps, serialise)
    return repeats / (time.perf_counter() - start)


def main() -> None:
    print("| network | optimizer | steps / frame | figures serialised | frames / s |")
    print("|---|---|---|---|---|")
    for hidden, steps, serialise, opt in [
        ((8, 8), 1, False, "sgd"),
        ((8, 8), 5, False, "sgd"),
        ((8, 8), 5, True, "sgd"),
        ((8, 8), 5, True, "adam"),
        ((8, 8), 20, True, "adam"),
        ((16, 16, 16), 5, True, "adam"),
    ]:
        fps = measure(hidden, steps, serialise, opt)
        net = "2×" + "-".join(map(str, hidden)) if len(set(hidden)) > 1 else f"{len(hidden)}×{hidden[0]}"
        print(f"| {net} | {opt} | {steps} | {'yes' if serialise else 'no'} | {fps:.1f} |")


if __name__ == "__main__":
    main()
