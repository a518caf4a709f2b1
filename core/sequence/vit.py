"""A tiny Vision Transformer on scikit-learn's 8×8 digits (sheet 10 d), and its forward pass in NumPy.

The sheet's recipe: cut the image into P × P patches (N = (8/P)² of them), flatten each to a P²-vector, map it
with a trainable linear projection E to D dimensions, prepend a learned class token, add learned positional
embeddings E_pos, run the transformer encoder, and classify from the class token's output:

    S = [x_cls; X_p E + b_E] + E_pos  ∈ ℝ^{(N+1)×D},    ŷ = softmax(W_y LN(encoder(S))_cls + b_y)

The encoder is :class:`core.sequence.transformer.Encoder` (the tiny transformer's blocks); the page reads the
trained weights through :func:`numpy_forward`, which cuts the patches with
:func:`core.sequence.attention.image_patches` and runs every head through ``multi_head_attention``. What the
class token attends to, ``A_{cls, ·}`` over the N patches, is drawn on the image.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the initial weights, the mini-batch
order and the train/test split.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.datasets import DIGIT_SIDE, digits
from core.errors import InputError
from core.numerics import seed_streams, softmax, torch_seed
from core.sequence.attention import MultiHeadResult, image_patches
from core.sequence.common import fingerprint
from core.sequence.transformer import Encoder, init_weights, numpy_encoder, weights_of
from core.snapshot import PRETRAINED_DIR, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng, torch_threads

VIT_PATCHES = (2, 4)
TEST_SHARE = 0.2
"""Share of the 1797 digits held out for the test accuracy (the same split for every run of a seed)."""
INIT_STREAM, TRAIN_STREAM, SPLIT_STREAM = range(3)


@dataclass(frozen=True)
class ViTConfig:
    """Everything that identifies one trained ViT (the page keys its training session by it)."""

    patch: int = 2
    """P: patches of P × P pixels, N = (8/P)² tokens (+ the class token)."""
    layers: int = 1
    """Transformer blocks."""
    heads: int = 4
    """h, heads per block; each is D/h wide."""
    dim: int = 32
    """D, the width of every token vector."""
    positional: bool = True
    """Add the learned positional embeddings E_pos (off: the patches are an unordered set)."""
    learning_rate: float = 3e-3
    """Adam step size."""
    epochs: int = 30
    """Passes over the training digits."""
    batch_size: int = 64
    """Digits per gradient step."""
    seed: int = 0
    """Seeds the initial weights, the mini-batch order and the train/test split (independent streams)."""


def validate(config: ViTConfig) -> ViTConfig:
    if config.patch not in VIT_PATCHES:
        raise InputError(f"The patch size P must be one of {', '.join(map(str, VIT_PATCHES))}; got {config.patch}.")
    if config.heads < 1 or config.dim % config.heads:
        raise InputError(f"The number of heads h = {config.heads} must divide D = {config.dim}.")
    if not 1 <= config.layers <= 4 or not 1 <= config.epochs <= 500:
        raise InputError("The layers must be in 1..4 and the epochs in 1..500.")
    return config


def split(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and the test digits: a random 80 / 20 split from the seed's split stream."""
    order = np.random.default_rng(seed_streams(seed, 3)[SPLIT_STREAM]).permutation(len(digits()[1]))
    cut = round(len(order) * (1 - TEST_SHARE))
    return np.sort(order[:cut]), np.sort(order[cut:])


def patch_tensor(images: torch.Tensor, patch: int) -> torch.Tensor:
    """Images (B, 8, 8) → patches (B, N, P²), row by row, each flattened row-major (as image_patches)."""
    B = images.shape[0]
    per_side = DIGIT_SIDE // patch
    # (B, 8, 8) -> (B, rows, P, cols, P) -> (B, rows, cols, P, P) -> (B, N, P²)
    blocks = images.reshape(B, per_side, patch, per_side, patch).permute(0, 1, 3, 2, 4)
    return blocks.reshape(B, per_side * per_side, patch * patch)


class TinyViT(nn.Module):
    """Patch projection E, class token, learned E_pos, the encoder, a linear classifier on the class token."""

    def __init__(self, config: ViTConfig):
        super().__init__()
        self.config = config
        tokens = (DIGIT_SIDE // config.patch) ** 2 + 1
        self.project = nn.Linear(config.patch**2, config.dim)
        self.cls = nn.Parameter(0.02 * torch.randn(config.dim))
        self.pos = nn.Parameter(0.02 * torch.randn(tokens, config.dim))
        self.encoder = Encoder(config.dim, config.heads, config.layers, scaled=True)
        self.readout = nn.Linear(config.dim, 10)
        init_weights(self, config.dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits (B, 10) for images (B, 8, 8)."""
        x = self.project(patch_tensor(images, self.config.patch))  # X_p E + b: (B, N, D)
        cls = self.cls.expand(x.shape[0], 1, -1)  # (B, 1, D)
        S = torch.cat([cls, x], dim=1)
        if self.config.positional:
            S = S + self.pos
        return self.readout(self.encoder(S)[:, 0])


@dataclass(frozen=True)
class ViTReading:
    """The trained ViT on one digit, in NumPy."""

    image: np.ndarray
    """The 8 × 8 digit, grey levels in [0, 1]."""
    label: int
    probabilities: np.ndarray
    """softmax of the class logits, shape (10,)."""
    layers: list[MultiHeadResult]
    """Per layer: every head's maps over the N + 1 tokens (token 0 is the class token)."""

    @property
    def predicted(self) -> int:
        return int(self.probabilities.argmax())

    def cls_attention(self, layer: int) -> np.ndarray:
        """A_{cls, patch} of every head of one layer as images, shape (h, 8/P, 8/P): what the class token reads."""
        per_side = math.isqrt(self.layers[layer].heads[0].A.shape[0] - 1)
        rows = np.array([head.A[0, 1:] for head in self.layers[layer].heads])  # (h, N)
        return rows.reshape(len(rows), per_side, per_side)


def numpy_forward(weights: dict[str, np.ndarray], config: ViTConfig, image: np.ndarray):
    """Class logits (10,) and each layer's heads for one image (8, 8), from the torch weights."""
    X_p = image_patches(np.asarray(image, dtype=float), config.patch)  # (N, P²)
    # S = [x_cls; X_p E + b_E] + E_pos
    S = np.vstack([weights["cls"][None], X_p @ weights["project.weight"].T + weights["project.bias"]])
    if config.positional:
        S = S + weights["pos"]
    hidden, layers = numpy_encoder(weights, "encoder.", S, config.heads, scaled=True)
    return hidden[0] @ weights["readout.weight"].T + weights["readout.bias"], layers


def read(weights: dict[str, np.ndarray], config: ViTConfig, index: int) -> ViTReading:
    """The model on digit number ``index``: its class probabilities and every attention map."""
    images, labels = digits()
    if not 0 <= index < len(labels):
        raise InputError(f"There are {len(labels)} digits; choose an index from 0 to {len(labels) - 1}.")
    logits, layers = numpy_forward(weights, config, images[index])
    return ViTReading(image=images[index], label=int(labels[index]), probabilities=softmax(logits), layers=layers)


class ViTTrainer:
    """Trains one ViT in chunks of epochs by Adam on the cross-entropy of the labels (the
    :class:`core.training.Trainable` protocol; ``steps`` counts epochs). After every epoch the loss, the
    training accuracy and the test accuracy are recorded."""

    def __init__(self, config: ViTConfig):
        self.config = validate(config)
        init, train, _ = seed_streams(config.seed, 3)
        with seeded_global_rng(torch_seed(init)):
            self.model = TinyViT(config)
        self.generator = torch.Generator().manual_seed(torch_seed(train))
        images, labels = digits()
        self.train_index, self.test_index = split(config.seed)
        self.images = torch.tensor(images, dtype=torch.float32)
        self.labels = torch.tensor(labels)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.losses: list[float] = []
        """Mean training cross-entropy per epoch."""
        self.train_accuracies: list[float] = []
        self.test_accuracies: list[float] = []
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._weights: tuple[int, dict[str, np.ndarray], str] | None = None

    @property
    def steps(self) -> int:
        """Epochs finished."""
        return len(self.losses)

    @property
    def total_steps(self) -> int:
        return self.config.epochs

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.epochs

    def accuracy(self, index: np.ndarray) -> float:
        """Share of the digits at ``index`` classified right."""
        with torch.no_grad():
            predicted = self.model(self.images[index]).argmax(dim=1)
        return float((predicted == self.labels[index]).float().mean())

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` epochs; each visits the training digits in a fresh order, one Adam step per
        mini-batch on L = −(1/B) Σ_b log p(y_b | x_b)."""
        start = time.perf_counter()
        cfg = self.config
        train = torch.from_numpy(self.train_index)
        with torch_threads():
            for _ in range(max(0, min(n_steps, cfg.epochs - self.steps))):
                order = train[torch.randperm(len(train), generator=self.generator)]
                total = 0.0
                for begin in range(0, len(order), cfg.batch_size):
                    batch = order[begin : begin + cfg.batch_size]
                    loss = nn.functional.cross_entropy(self.model(self.images[batch]), self.labels[batch])
                    value = float(loss.detach())
                    if not math.isfinite(value):
                        self.diverged_reason = f"the loss became {value} in epoch {self.steps + 1}"
                        break
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()
                    total += value * len(batch)
                if self.diverged_reason is not None:
                    break
                self.losses.append(total / len(order))
                self.train_accuracies.append(self.accuracy(self.train_index))
                self.test_accuracies.append(self.accuracy(self.test_index))
        self.train_seconds += time.perf_counter() - start

    def weights(self) -> dict[str, np.ndarray]:
        if self._weights is None or self._weights[0] != self.steps:
            self._weights = (self.steps, weights_of(self.model), fingerprint(self.model))
        return self._weights[1]

    def fingerprint(self) -> str:
        self.weights()
        return self._weights[2]

    def test_predictions(self) -> tuple[np.ndarray, np.ndarray]:
        """(true labels, predicted labels) of the test digits."""
        with torch.no_grad():
            predicted = self.model(self.images[self.test_index]).argmax(dim=1).numpy()
        return self.labels[self.test_index].numpy(), predicted


SNAPSHOT_KIND = "seq-vit"


def save_shipped(trainer: ViTTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    path = snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    return save_module_run(
        trainer,
        trainer.model,
        path,
        train_accuracies=trainer.train_accuracies,
        test_accuracies=trainer.test_accuracies,
    )


def load_shipped(config: ViTConfig, directory: Path = PRETRAINED_DIR) -> ViTTrainer | None:
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if not path.exists():
        return None
    trainer = ViTTrainer(config)
    meta = restore_module_run(trainer, trainer.model, path)
    trainer.train_accuracies = [float(v) for v in meta["train_accuracies"]]
    trainer.test_accuracies = [float(v) for v in meta["test_accuracies"]]
    return trainer
