"""A tiny transformer encoder trained on toy tasks (sheet 10 a–c), and its forward pass in NumPy.

Notation follows the course sheet: a sequence S of N tokens, each a D-vector (here the token embedding plus,
optionally, the sinusoidal positional encoding, sheet 10 c); every head j of a layer computes
``Q_j = S W_j^Q, K_j = S W_j^K, V_j = S W_j^V``, ``A_j = softmax(Q_j K_jᵀ / √(D/h))``, ``C_j = A_j V_j``, and the
layer mixes ``[C_1, …, C_h] W^O`` (sheet 10 a, b). One block (pre-norm, as GPT-2):

    x ← x + MHA(LN(x)),    x ← x + W₂ ReLU(W₁ LN(x) + b₁) + b₂

then a last LN and a linear read-out to the vocabulary at every position. The model trains in torch; the page
reads the trained weights through :func:`numpy_forward`, which runs every head through
:func:`core.sequence.attention.multi_head_attention` (itself tested against ``torch.nn.MultiheadAttention``), and
a test checks that both forward passes agree on the same weights.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the initial weights, the training
batches and the fixed test set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.errors import InputError
from core.numerics import seed_streams, softmax, torch_seed
from core.sequence import tasks
from core.sequence.attention import MultiHeadResult, multi_head_attention, positional_encoding
from core.sequence.common import fingerprint
from core.snapshot import PRETRAINED_DIR, restore_module_run, save_module_run, snapshot_path
from core.torch_threads import seeded_global_rng, torch_threads

LAYER_NORM_EPS = 1e-5
MAX_STEPS = 20_000
TEST_EXAMPLES = 512
"""Size of the fixed test set the accuracy curve is measured on (drawn from its own stream)."""
INIT_STREAM, TRAIN_STREAM, TEST_STREAM = range(3)


@dataclass(frozen=True)
class TransformerConfig:
    """Everything that identifies one trained tiny transformer (the page keys its training session by it)."""

    task: str = "reverse"
    """Which toy task (core.sequence.tasks.TASKS)."""
    length: int = 6
    """N, the number of input symbols."""
    layers: int = 2
    """Transformer blocks."""
    heads: int = 4
    """h, heads per block; each is D/h wide."""
    dim: int = 32
    """D, the width of every token vector (and of Q, K, V over all heads together)."""
    positional: bool = True
    """Add the sinusoidal positional encodings to the token embeddings (off: the model is order-blind)."""
    scaled: bool = True
    """Divide the scores by √(D/h) (off: raw QKᵀ, whose spread grows with the head width)."""
    learning_rate: float = 3e-3
    """Adam step size (after a linear warm-up over the first 100 steps)."""
    steps: int = 400
    """Gradient steps to train for (the page gives each task its tasks.TRAINING_STEPS)."""
    batch_size: int = 64
    """Fresh random examples per gradient step."""
    eval_every: int = 25
    """Gradient steps between two measurements of the test accuracy."""
    seed: int = 0
    """Seeds the initial weights, the training batches and the test set (independent streams)."""


WARMUP_STEPS = 100


def validate(config: TransformerConfig) -> TransformerConfig:
    """The config itself when it can train; an InputError naming the first field that cannot."""
    tasks.check_task(config.task, config.length)
    if not 1 <= config.layers <= 4:
        raise InputError(f"The number of layers must be between 1 and 4; got {config.layers}.")
    if config.heads < 1 or config.dim % config.heads:
        raise InputError(f"The number of heads h = {config.heads} must divide D = {config.dim}.")
    if not 8 <= config.dim <= 128:
        raise InputError(f"The width D must be between 8 and 128; got {config.dim}.")
    if not 1 <= config.steps <= MAX_STEPS:
        raise InputError(f"Training steps must be between 1 and {MAX_STEPS}; got {config.steps}.")
    if not (math.isfinite(config.learning_rate) and 0 < config.learning_rate <= 1):
        raise InputError(f"The learning rate must be in (0, 1]; got {config.learning_rate:g}.")
    return config


# --------------------------------------------------------------------------------------------- the model


class SelfAttention(nn.Module):
    """Multi-head self-attention of sheet 10 a, b, with the projections as bias-free linear maps.

    ``W_Q.weight`` is (W^Q)ᵀ of the sheet (torch stores ``y = x Wᵀ``), so ``Q = S W^Q`` is ``W_Q(S)``.
    """

    def __init__(self, dim: int, heads: int, scaled: bool):
        super().__init__()
        self.heads, self.scaled = heads, scaled
        self.W_Q, self.W_K, self.W_V, self.W_O = (nn.Linear(dim, dim, bias=False) for _ in range(4))

    def forward(self, S: torch.Tensor) -> torch.Tensor:
        B, N, D = S.shape
        size = D // self.heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(B, N, self.heads, size).transpose(1, 2)  # (B, N, D) -> (B, h, N, D/h)

        # Q = S W^Q, K = S W^K, V = S W^V, each head reading its own D/h columns
        Q, K, V = split(self.W_Q(S)), split(self.W_K(S)), split(self.W_V(S))
        # A = softmax(Q Kᵀ / √(D/h)), one N × N matrix per head
        scores = Q @ K.transpose(-1, -2)
        if self.scaled:
            scores = scores / math.sqrt(size)
        A = scores.softmax(dim=-1)
        # C = A V, heads concatenated: (B, h, N, D/h) -> (B, N, D), then mixed by W^O
        C = (A @ V).transpose(1, 2).reshape(B, N, D)
        return self.W_O(C)


class Block(nn.Module):
    """x ← x + MHA(LN(x)), x ← x + MLP(LN(x)) with a ReLU MLP 2D wide."""

    def __init__(self, dim: int, heads: int, scaled: bool):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS), nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attention = SelfAttention(dim, heads, scaled)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


def init_weights(module: nn.Module, dim: int) -> None:
    """W^Q, W^K, W^V ~ N(0, 1/D): each entry of q and k then has unit variance for a layer-normed input, so an
    unscaled score q·k over a head of width d has variance d (the sheet's reason for the √D); the other linear
    maps keep torch's default."""
    for name, parameter in module.named_parameters():
        if name.endswith(("W_Q.weight", "W_K.weight", "W_V.weight")):
            nn.init.normal_(parameter, std=1.0 / math.sqrt(dim))


class Encoder(nn.Module):
    """A stack of blocks and the final LN (shared by the tiny transformer and the ViT)."""

    def __init__(self, dim: int, heads: int, layers: int, scaled: bool):
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads, scaled) for _ in range(layers))
        self.ln = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.ln(x)


class TinyTransformer(nn.Module):
    """Token embedding (+ sinusoidal positions) → encoder → a linear read-out to the vocabulary per position."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(len(tasks.VOCAB), config.dim)
        length = tasks.sequence_length(config.task, config.length)
        pe = positional_encoding(length, config.dim) if config.positional else np.zeros((length, config.dim))
        self.register_buffer("pe", torch.tensor(pe, dtype=torch.float32))
        self.encoder = Encoder(config.dim, config.heads, config.layers, config.scaled)
        self.readout = nn.Linear(config.dim, len(tasks.VOCAB))
        init_weights(self, config.dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits (B, L, V) for token ids (B, L)."""
        # S = embedding + PE (sheet 10 c): (B, L, D) + (L, D)
        return self.readout(self.encoder(self.embedding(tokens) + self.pe))


def test_inputs(config: TransformerConfig) -> list[list[str]]:
    """The fixed test inputs of a config (TEST_EXAMPLES of them, from the seed's test stream)."""
    stream = seed_streams(config.seed, 3)[TEST_STREAM]
    return tasks.random_inputs(config.task, config.length, TEST_EXAMPLES, np.random.default_rng(stream))


def initial_model(config: TransformerConfig) -> TinyTransformer:
    """The untrained model of a config: its weights drawn from the seed's init stream (the same every call)."""
    with seeded_global_rng(torch_seed(seed_streams(config.seed, 3)[INIT_STREAM])):
        return TinyTransformer(validate(config))


# --------------------------------------------------------------------------------------------- NumPy forward


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LN(x) = (x − mean) / √(var + ε) · γ + β over the last axis (the biased variance, as torch)."""
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def numpy_encoder(weights: dict[str, np.ndarray], prefix: str, x: np.ndarray, heads: int, scaled: bool):
    """The encoder on one sequence x (N, D) in NumPy, every head through ``multi_head_attention``; returns the
    final LN's output (N, D) and each layer's :class:`MultiHeadResult`."""
    layers = []
    k = 0
    while f"{prefix}blocks.{k}.ln1.weight" in weights:
        p = f"{prefix}blocks.{k}."
        S = _layer_norm(x, weights[p + "ln1.weight"], weights[p + "ln1.bias"])
        # torch's Linear keeps Wᵀ: the sheet's W^Q (F × D) is weight.T
        W_Q, W_K, W_V, W_O = (weights[p + f"attention.W_{m}.weight"].T for m in "QKVO")
        result = multi_head_attention(S, W_Q, W_K, W_V, W_O, heads, scaled=scaled)
        # x ← x + [C_1, …, C_h] W^O
        x = x + result.output
        # x ← x + W₂ ReLU(W₁ LN(x) + b₁) + b₂
        normed = _layer_norm(x, weights[p + "ln2.weight"], weights[p + "ln2.bias"])
        hidden = np.maximum(0.0, normed @ weights[p + "mlp.0.weight"].T + weights[p + "mlp.0.bias"])
        x = x + hidden @ weights[p + "mlp.2.weight"].T + weights[p + "mlp.2.bias"]
        layers.append(result)
        k += 1
    return _layer_norm(x, weights[prefix + "ln.weight"], weights[prefix + "ln.bias"]), layers


def weights_of(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's state as float64 arrays (the NumPy forward runs in double precision)."""
    return {k: v.detach().cpu().double().numpy() for k, v in module.state_dict().items()}


@dataclass(frozen=True)
class Reading:
    """The trained model on one input, in NumPy."""

    tokens: list[str]
    """What the model reads (input, separator, blanks ...), length L."""
    answer_positions: list[int]
    """Where it answers (0-based)."""
    expected: list[str]
    """The correct answer at those positions."""
    predicted: list[str]
    """The model's most likely token at those positions."""
    confidence: np.ndarray
    """The probability it gives its prediction, per answer position."""
    layers: list[MultiHeadResult]
    """Per layer: every head's Q, K, V, scores, A and C."""

    @property
    def attention(self) -> np.ndarray:
        """All maps, shape (layers, heads, L, L)."""
        return np.array([[head.A for head in layer.heads] for layer in self.layers])

    @property
    def correct(self) -> int:
        return sum(p == e for p, e in zip(self.predicted, self.expected))


def numpy_forward(weights: dict[str, np.ndarray], config: TransformerConfig, token_ids: np.ndarray):
    """Logits (L, V) and each layer's heads for one sequence of token ids (L,), from the torch weights."""
    x = weights["embedding.weight"][token_ids] + weights["pe"]  # S = embedding + PE, (L, D)
    hidden, layers = numpy_encoder(weights, "encoder.", x, config.heads, config.scaled)
    return hidden @ weights["readout.weight"].T + weights["readout.bias"], layers


def read(weights: dict[str, np.ndarray], config: TransformerConfig, symbols: list[str]) -> Reading:
    """The model's answer to one checked input (tasks.parse_input) and every attention map on the way."""
    token_ids, targets = tasks.encode(config.task, symbols)
    logits, layers = numpy_forward(weights, config, token_ids)
    positions = [int(p) for p in np.flatnonzero(targets != tasks.IGNORE)]
    p = softmax(logits[positions], axis=-1)  # (answers, V)
    best = p.argmax(axis=1)
    return Reading(
        tokens=tasks.layout(config.task, symbols)[0],
        answer_positions=positions,
        expected=tasks.answer(config.task, symbols),
        predicted=[tasks.VOCAB[k] for k in best],
        confidence=p[np.arange(len(best)), best],
        layers=layers,
    )


# --------------------------------------------------------------------------------------------- training


def _tensors(batch: tasks.Batch) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(batch.tokens), torch.from_numpy(batch.targets)


def accuracy(model: nn.Module, tokens: torch.Tensor, targets: torch.Tensor) -> float:
    """Share of the scored positions where the most likely token is the target."""
    with torch.no_grad():
        predicted = model(tokens).argmax(dim=-1)
    scored = targets != tasks.IGNORE
    return float((predicted[scored] == targets[scored]).float().mean())


class TransformerTrainer:
    """Trains one tiny transformer in chunks of gradient steps by Adam on the cross-entropy of the answers
    (the :class:`core.training.Trainable` protocol). Each step draws a fresh batch of random examples; every
    ``eval_every`` steps the accuracy on a fixed test set is recorded. A step whose loss is not finite is not
    applied: ``diverged_reason`` says why and the curves end at the last finite step."""

    def __init__(self, config: TransformerConfig):
        self.config = validate(config)
        _, train, _ = seed_streams(config.seed, 3)
        self.model = initial_model(config)
        self.rng = np.random.default_rng(train)
        self.test_inputs = test_inputs(config)
        """The fixed test set, drawn from its own stream (for brackets, whose 224 strings of length 8 all occur in
        training, it measures what was learned, not generalisation)."""
        self.test = _tensors(tasks.encode_all(config.task, self.test_inputs))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        # a linear warm-up: the first Adam steps are taken with a tenth of the rate, then the full rate
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda step: min(1.0, (step + 1) / WARMUP_STEPS)
        )
        self.losses: list[float] = []
        """Training cross-entropy per gradient step (nats per answer)."""
        self.eval_steps: list[int] = [0]
        """Steps at which the test accuracy was measured (0: untrained)."""
        self.accuracies: list[float] = [accuracy(self.model, *self.test)]
        """Test accuracy (share of answers right) at each of ``eval_steps``."""
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._weights: tuple[int, dict[str, np.ndarray], str] | None = None

    @property
    def steps(self) -> int:
        return len(self.losses)

    @property
    def total_steps(self) -> int:
        return self.config.steps

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.steps

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` Adam steps on L = −(1/|answers|) Σ log p(target | sequence)."""
        start = time.perf_counter()
        cfg = self.config
        loss_fn = nn.CrossEntropyLoss(ignore_index=tasks.IGNORE)
        with torch_threads():
            for _ in range(max(0, min(n_steps, cfg.steps - self.steps))):
                tokens, targets = _tensors(tasks.make_batch(cfg.task, cfg.length, cfg.batch_size, self.rng))
                logits = self.model(tokens)  # (B, L, V)
                # cross-entropy over the scored positions only (IGNORE elsewhere)
                loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
                value = float(loss.detach())
                if not math.isfinite(value):
                    self.diverged_reason = f"the loss became {value} at step {self.steps + 1}"
                    break
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.schedule.step()
                self.losses.append(value)
                if self.steps % cfg.eval_every == 0 or self.steps == cfg.steps:
                    self.eval_steps.append(self.steps)
                    self.accuracies.append(accuracy(self.model, *self.test))
        self.train_seconds += time.perf_counter() - start

    # --- what the page reads (NumPy out)
    def weights(self) -> dict[str, np.ndarray]:
        """The current weights as float64 arrays, converted once per step count."""
        if self._weights is None or self._weights[0] != self.steps:
            self._weights = (self.steps, weights_of(self.model), fingerprint(self.model))
        return self._weights[1]

    def fingerprint(self) -> str:
        """A hash of the current weights (a cache key for what the page draws from them)."""
        self.weights()
        return self._weights[2]

    @property
    def test_accuracy(self) -> float:
        """The last measured test accuracy."""
        return self.accuracies[-1]


def steps_to_reach(trainer: TransformerTrainer, level: float) -> int | None:
    """The first measured step at which the test accuracy reached ``level`` (None: never)."""
    for step, value in zip(trainer.eval_steps, trainer.accuracies):
        if value >= level:
            return step
    return None


def mean_peak_weight(reading: Reading) -> np.ndarray:
    """(1/L) Σ_n max_m A_{nm} per layer and head, shape (layers, heads): 1 for one-hot rows (a saturated
    softmax), 1/L for uniform ones."""
    return reading.attention.max(axis=-1).mean(axis=-1)


def saturation(weights: dict[str, np.ndarray], config: TransformerConfig, inputs: list[list[str]]) -> np.ndarray:
    """The mean largest attention weight per layer and head over ``inputs``, shape (layers, heads)."""
    return np.mean([mean_peak_weight(read(weights, config, symbols)) for symbols in inputs], axis=0)


# --------------------------------------------------------------------------------------------- shipped results

SNAPSHOT_KIND = "seq-transformer"


def save_shipped(trainer: TransformerTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """Write a finished run (weights, loss and accuracy curves) as the shipped result of its config."""
    path = snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    return save_module_run(trainer, trainer.model, path, eval_steps=trainer.eval_steps, accuracies=trainer.accuracies)


def load_shipped(config: TransformerConfig, directory: Path = PRETRAINED_DIR) -> TransformerTrainer | None:
    """The shipped, finished run of ``config`` (None when none was shipped for exactly these settings)."""
    path = snapshot_path(SNAPSHOT_KIND, config, 0, directory)
    if not path.exists():
        return None
    trainer = TransformerTrainer(config)
    meta = restore_module_run(trainer, trainer.model, path)
    trainer.eval_steps = [int(v) for v in meta["eval_steps"]]
    trainer.accuracies = [float(v) for v in meta["accuracies"]]
    return trainer
