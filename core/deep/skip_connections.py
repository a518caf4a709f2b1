"""Plain vs residual deep networks (sheet 7g): gradient norms per layer at initialization and side-by-side training.

Plain: ``h_{l+1} = g(W_l h_l + b_l)``; residual: ``h_{l+1} = h_l + g(W_l h_l + b_l)``, so that
``∂h_{l+1}/∂h_l = I + diag(g'(z_l)) W_l`` and the product of Jacobians does not vanish with depth.
"""

from __future__ import annotations

import functools
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.datasets import digits
from core.errors import InputError
from core.numerics import seed_streams, torch_seed
from core.snapshot import PRETRAINED_DIR, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng


@dataclass(frozen=True)
class SkipConfig:
    """A deep plain network and the same network with identity skip connections, on scikit-learn's digits."""

    architecture: str = "MLP"
    """MLP (dense layers on the 64 pixels) or CNN (3×3 convs with padding 1 on the 8×8 image)."""
    depth: int = 20
    """Hidden layers (MLP) or conv layers (CNN) between the input and the output layers."""
    width: int = 32
    """Units per hidden layer (MLP) or channels (CNN)."""
    activation: str = "tanh"
    """tanh, relu or sigmoid after each hidden layer."""
    init: str = "PyTorch default"
    """PyTorch default (Kaiming-uniform with a = √5), He (Kaiming normal), or Xavier (Glorot normal)."""
    learning_rate: float = 0.05
    """SGD step size (with momentum 0.9) in the short training run."""
    batch_size: int = 64
    """Examples per SGD step."""
    seed: int = 0
    """Initial weights (shared by the plain and the residual net) and mini-batch order."""


ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


class DeepNet(nn.Module):
    """``h_{l+1} = g(layer_l(h_l))`` (plain) or ``h_{l+1} = h_l + g(layer_l(h_l))`` (residual)."""

    def __init__(self, config: SkipConfig, residual: bool):
        super().__init__()
        self.residual = residual
        self.cnn = config.architecture == "CNN"
        w = config.width
        if self.cnn:
            self.stem = nn.Conv2d(1, w, 3, padding=1)
            self.hidden = nn.ModuleList(nn.Conv2d(w, w, 3, padding=1) for _ in range(config.depth))
            self.head = nn.Linear(w, 10)
        else:
            self.stem = nn.Linear(64, w)
            self.hidden = nn.ModuleList(nn.Linear(w, w) for _ in range(config.depth))
            self.head = nn.Linear(w, 10)
        self.act = ACTIVATIONS[config.activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.stem(x.view(-1, 1, 8, 8) if self.cnn else x))  # (B, 64) -> (B, 1, 8, 8) for the CNN
        for layer in self.hidden:
            # residual: h_{l+1} = h_l + g(W_l h_l + b_l); plain: h_{l+1} = g(W_l h_l + b_l)
            h = h + self.act(layer(h)) if self.residual else self.act(layer(h))
        if self.cnn:
            h = h.mean(dim=(2, 3))  # global average pool: (B, w, 8, 8) -> (B, w)
        return self.head(h)

    def layers(self) -> list[nn.Module]:
        return [self.stem, *self.hidden, self.head]


def _validate(config: SkipConfig) -> None:
    if config.architecture not in ("MLP", "CNN"):
        raise InputError(f"Unknown architecture {config.architecture!r}.")
    if config.activation not in ACTIVATIONS:
        raise InputError(f"Unknown activation {config.activation!r}.")
    if not 1 <= config.depth <= 100:
        raise InputError(f"Depth must be between 1 and 100; got {config.depth}.")
    if not 2 <= config.width <= 256:
        raise InputError(f"Width must be between 2 and 256; got {config.width}.")
    if config.learning_rate <= 0:
        raise InputError("The learning rate must be positive.")


def _streams(seed: int) -> list[np.random.SeedSequence]:
    """Independent streams of SeedSequence(seed): default init, custom init, the gradient batch, the SGD batches."""
    return seed_streams(seed, 4)


def build_pair(config: SkipConfig) -> tuple[DeepNet, DeepNet]:
    """The plain and the residual net with *identical* initial weights (same seed, same shapes)."""
    _validate(config)
    default_stream, init_stream = _streams(config.seed)[:2]
    with seeded_global_rng(torch_seed(default_stream)):  # PyTorch's default init draws from the global generator
        plain = DeepNet(config, residual=False)
    if config.init != "PyTorch default":
        generator = torch.Generator().manual_seed(torch_seed(init_stream))
        for layer in plain.layers():
            if config.init == "He":
                # He: W ~ N(0, 2 / fan_in)
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
            elif config.init == "Xavier":
                # Xavier: W ~ N(0, 2 / (fan_in + fan_out))
                nn.init.xavier_normal_(layer.weight, generator=generator)
            else:
                raise InputError(f"Unknown initialisation {config.init!r}.")
            nn.init.zeros_(layer.bias)
    residual = DeepNet(config, residual=True)
    residual.load_state_dict(plain.state_dict())
    return plain, residual


@functools.lru_cache(maxsize=1)
def digits_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1 797 digits as (N, 64) float pixels in [0, 1] and (N,) labels (cached: never mutate)."""
    images, labels = digits()  # (N, 8, 8) in [0, 1]
    return torch.tensor(images.reshape(len(images), 64), dtype=torch.float32), torch.tensor(labels)


def gradient_norms(net: DeepNet, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """‖∂L/∂W_l‖_F for every layer l (stem, hidden…, head) on one batch; L = cross-entropy."""
    net.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    return np.array([float(layer.weight.grad.norm()) for layer in net.layers()])


@dataclass
class SkipResult:
    grad_plain: np.ndarray
    """(L,) gradient norm per layer at initialization, plain net."""
    grad_residual: np.ndarray
    loss_plain: list[float]
    """Training loss after each step so far."""
    loss_residual: list[float]
    acc_plain: float = float("nan")
    """Training-set accuracy after the last step."""
    acc_residual: float = float("nan")


def init_gradients(config: SkipConfig, examples: int = 256) -> SkipResult:
    """Gradient norms per layer at initialization for the plain and the residual net on the same batch."""
    plain, residual = build_pair(config)
    x, y = digits_tensors()
    generator = torch.Generator().manual_seed(torch_seed(_streams(config.seed)[2]))
    pick = torch.randperm(len(x), generator=generator)[:examples]
    return SkipResult(gradient_norms(plain, x[pick], y[pick]), gradient_norms(residual, x[pick], y[pick]), [], [])


@contextmanager
def flushed_denormals():
    """Subnormal floats read and written as 0 on this thread, for the duration.

    The plain deep sigmoid net is the page's point: its gradients vanish layer by layer, down to subnormal
    floats (< 1.2e-38), which the CPU computes on a slow path — 150 steps took 4–9× longer than for the residual
    net (measured: 36 s vs 4 s). Flushing them changes nothing that can be seen (they are 0 to any plot) and is
    always on inside the trainer, so results stay reproducible.
    """
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


class SkipTrainer:
    """Trains one net of the pair, plain or residual, for ``total_steps`` SGD steps (momentum 0.9), in chunks.

    The page runs two of these, one per net, as two runs of one training session. They are still the same
    experiment as one loop over both nets: both start from :func:`build_pair`'s identical weights, and each draws
    its mini-batches from its own generator on the *same* seed stream, one draw per step, so step k of the plain
    and step k of the residual net see the same examples. Two trainers let one net diverge and stop while the
    other trains on. A step whose loss is not finite is not applied: ``diverged_reason`` says why, ``losses``
    ends at the last finite step.
    """

    def __init__(self, config: SkipConfig, residual: bool, total_steps: int):
        if not 1 <= total_steps <= 100_000:
            raise InputError(f"Training steps must be between 1 and 100000; got {total_steps}.")
        self.config = config
        self.residual = residual
        plain, residual_net = build_pair(config)
        self.net = residual_net if residual else plain
        self.generator = torch.Generator().manual_seed(torch_seed(_streams(config.seed)[3]))
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=config.learning_rate, momentum=0.9)
        self.losses: list[float] = []
        """Training loss L_k of the mini-batch of every step so far (finite values only)."""
        self.steps = 0
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._total_steps = total_steps
        self._accuracy: tuple[int, float] | None = None  # (steps, accuracy): computed once per weights

    @property
    def label(self) -> str:
        return "residual" if self.residual else "plain"

    @property
    def total_steps(self) -> int:
        return self._total_steps

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self._total_steps

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` SGD steps v ← 0.9 v + ∇_θ L(θ), θ ← θ − η v, L = cross-entropy of a fresh batch
        (fewer at the end of the budget or when the loss stops being finite)."""
        start = time.perf_counter()
        x, y = digits_tensors()
        with flushed_denormals():
            self._train_steps(x, y, max(0, min(n_steps, self._total_steps - self.steps)))
        self.train_seconds += time.perf_counter() - start

    def _train_steps(self, x: torch.Tensor, y: torch.Tensor, n_steps: int) -> None:
        for _ in range(n_steps):
            pick = torch.randint(len(x), (self.config.batch_size,), generator=self.generator)
            self.optimizer.zero_grad()
            # L = −(1/B) Σ_i log softmax(f(x_i))_{y_i}
            loss = nn.functional.cross_entropy(self.net(x[pick]), y[pick])
            value = float(loss.detach())
            if not math.isfinite(value):
                self.diverged_reason = (
                    f"the {self.label} net's loss became {value} at SGD step {self.steps + 1} "
                    f"(learning rate {self.config.learning_rate:g}: a smaller one or another initialization may train)"
                )
                break
            loss.backward()
            # v ← 0.9 v + ∇_θ L, θ ← θ − η v (PyTorch's SGD with momentum)
            self.optimizer.step()
            self.losses.append(value)
            self.steps += 1

    def accuracy(self) -> float:
        """Training-set accuracy (1/N) Σ_i 1[argmax_k f(x_i)_k = y_i] of the current weights on all N digits."""
        if self._accuracy is None or self._accuracy[0] != self.steps:
            x, y = digits_tensors()
            with torch.no_grad():
                self._accuracy = (self.steps, float((self.net(x).argmax(1) == y).float().mean()))
        return self._accuracy[1]


def _kind(residual: bool) -> str:
    return "skip-residual" if residual else "skip-plain"


def save_shipped(trainer: SkipTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished net (weights, loss curve, counters) as the shipped result of (config, residual, budget)."""
    path = snapshot_path(_kind(trainer.residual), (trainer.config, trainer.total_steps), 0, directory)
    return save_module_run(trainer, trainer.net, path, steps=trainer.steps)


def load_shipped(
    config: SkipConfig, residual: bool, total_steps: int, directory: Path = PRETRAINED_DIR
) -> SkipTrainer | None:
    """The shipped, finished net for these settings, or None (momentum buffers are not kept: it is finished)."""
    path = snapshot_path(_kind(residual), (config, total_steps), 0, directory)
    if not path.exists():  # most settings have none: build nothing
        return None
    trainer = SkipTrainer(config, residual, total_steps)
    trainer.steps = int(restore_module_run(trainer, trainer.net, path)["steps"])
    return trainer
