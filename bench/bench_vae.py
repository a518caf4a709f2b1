"""VAE page (sheet 11): time to a clustered 2-D latent space, and the server-side cost of a latent-walk update.

Run: python -m bench.bench_vae [--quick]   (prints the Markdown section for docs/benchmarks.md)

* Training: the page's default VAE (d = 2, β = 1, one hidden layer of 128, Adam 3·10⁻³, batch 64, 60 epochs on
  all 1797 digits) trained epoch by epoch; "clustered" is measured as the 5-nearest-neighbour accuracy of the 2-D
  codes μ(x) (3-fold cross-validation), the first epoch at which it reaches 0.70. The baseline of the same run:
  a 2-D PCA of the digits (the classical embedding), its time and its kNN accuracy.
* Walk update: what a change of the walk's ends costs on the server — the walk (two paths decoded), its image
  strip, the animation with every frame, the ‖z‖ figure, all serialised to JSON (what Streamlit sends). Baseline:
  one 1797-point scatter built and serialised. The animation itself then plays in the browser without reruns.
* Live frame: the figures redrawn after each training chunk (codes scatter + curves, serialised).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import plotly.graph_objects as go
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from core.generative import vae
from viz.generative import vae as viz

CLUSTERED = 0.70
"""kNN accuracy of the 2-D codes that counts as a clearly clustered latent space (chance: 0.10)."""
TRAIN_GOAL_S = 20.0
FRAME_GOAL_MS = 100.0


def knn_accuracy(points: np.ndarray, labels: np.ndarray) -> float:
    """5-nearest-neighbour accuracy of the labels from the 2-D points, 3-fold cross-validated."""
    return float(cross_val_score(KNeighborsClassifier(5), points, labels, cv=3).mean())


def measure_training(epochs: int) -> dict:
    config = vae.VAEConfig(epochs=epochs)
    trainer = vae.VAETrainer(config)
    labels = trainer.labels
    reached, accuracy = None, float("nan")
    for epoch in range(1, epochs + 1):
        trainer.train_chunk(1)  # train_seconds counts only training, not the accuracy checks
        if reached is None or epoch == epochs:
            accuracy = knn_accuracy(trainer.codes()[0], labels)
            if reached is None and accuracy >= CLUSTERED:
                reached = (epoch, trainer.train_seconds)
    images, _ = vae.digits()
    start = time.perf_counter()
    pca_points = PCA(2).fit_transform(images.reshape(len(images), -1))
    pca_seconds = time.perf_counter() - start
    return dict(
        epochs=epochs,
        seconds=trainer.train_seconds,
        reached=reached,
        accuracy=accuracy,
        squared_error=trainer.squared_error(),
        mean_image=vae.mean_image_error(),
        elbo=trainer.elbo[-1],
        pca_seconds=pca_seconds,
        pca_accuracy=knn_accuracy(pca_points, labels),
        trainer=trainer,
    )


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure_frames(trainer: vae.VAETrainer, repeats: int, frames: int = 12) -> dict:
    mu, _ = trainer.codes()
    plane = vae.latent_plane(mu)
    points = plane.project(mu)
    extent = vae.plane_extent(points)
    labels = trainer.labels
    ends = iter(np.random.default_rng(0).integers(0, len(mu), size=(10_000, 2)))

    def walk_update() -> None:
        a, b = next(ends)
        path = vae.walk(trainer, int(a), int(b), frames)
        figures = [
            viz.strip_figure([("straight", path.linear_images), ("spherical", path.spherical_images)], title="walk"),
            viz.walk_animation(path, plane, points, plane.names, extent),
            viz.norms_figure(path, trainer.config.latent_dim),
        ]
        for fig in figures:
            fig.to_json()

    def live_frame() -> None:
        trainer._codes = None  # after a chunk the codes are new
        fresh = trainer.codes()[0]
        view = vae.latent_plane(fresh)
        uv = view.project(fresh)
        viz.latent_scatter(uv, labels, view.names, vae.plane_extent(uv), title="codes", clickable=True).to_json()
        viz.curves_figure({"β = 1": trainer}, {"β = 1": "#0072B2"}).to_json()

    def baseline() -> None:
        go.Figure(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers")).to_json()

    return dict(
        walk=_median_ms(walk_update, repeats),
        live=_median_ms(live_frame, repeats),
        baseline=_median_ms(baseline, repeats),
        frames=frames,
    )


def run(quick: bool = False) -> str:
    training = measure_training(20 if quick else 60)
    frames = measure_frames(training["trainer"], repeats=5 if quick else 25)
    reached = training["reached"]
    reached_text = f"epoch {reached[0]}, {reached[1]:.2f} s" if reached else f"not within {training['epochs']} epochs"
    pca = training["pca_seconds"]
    lines = [
        "## VAE on the 8×8 digits (sheet 11) — `python -m bench.bench_vae`",
        "",
        f"The page's default VAE (d = 2, β = 1, 64-128-2 encoder and 2-128-64 decoder, Adam 3·10⁻³, batch 64) on all "
        f"1797 digits, one torch thread (as the trainer runs); clustered = 5-NN accuracy of the codes ≥ {CLUSTERED}. "
        "Baselines from the same run: a 2-D PCA of the digits, and one 1797-point scatter built and serialised.",
        "",
        "| measurement | value | × baseline |",
        "|---|---:|---:|",
        f"| training, {training['epochs']} epochs | {training['seconds']:.2f} s | "
        f"{training['seconds'] / pca:,.0f}× PCA ({1000 * pca:.1f} ms) |",
        f"| first epoch with 5-NN accuracy ≥ {CLUSTERED} | {reached_text} | |",
        f"| 5-NN accuracy of the 2-D codes after {training['epochs']} epochs | {training['accuracy']:.3f} | "
        f"PCA: {training['pca_accuracy']:.3f} |",
        f"| squared error per digit ‖x − x̂‖² | {training['squared_error']:.2f} | "
        f"mean image: {training['mean_image']:.2f} |",
        f"| ELBO per digit (last epoch) | {training['elbo']:.2f} nats | |",
        f"| latent-walk update ({frames['frames']} frames: walk, strip, animation, ‖z‖; JSON) | "
        f"{frames['walk']:.1f} ms | {frames['walk'] / frames['baseline']:.1f}× ({frames['baseline']:.1f} ms) |",
        f"| live redraw after a chunk (codes scatter + curves; JSON) | {frames['live']:.1f} ms | "
        f"{frames['live'] / frames['baseline']:.1f}× |",
        "",
    ]
    train_ok = reached is not None and reached[1] <= TRAIN_GOAL_S
    lines.append(
        f"Goal ≤ {TRAIN_GOAL_S:.0f} s to a clearly clustered latent space on 2 cores: "
        f"**{'met' if train_ok else 'not met'}** ({reached_text}; all {training['epochs']} epochs "
        f"{training['seconds']:.2f} s). Goal ≤ {FRAME_GOAL_MS:.0f} ms per latent-walk update server side: "
        f"**{'met' if frames['walk'] <= FRAME_GOAL_MS else 'not met'}** (median {frames['walk']:.1f} ms; the frames "
        "then play in the browser with no rerun)."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
