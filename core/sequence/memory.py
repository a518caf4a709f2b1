"""An RNN and an LSTM trained on a memory task (sheet 8, 9): remember the first symbol over a delay of T steps.

The task: at step 1 the network sees one of K symbols (one-hot) together with a flag "remember this"; at steps
2..T it sees random symbols of the same alphabet (distractors, no flag); after step T it must name the flagged
symbol from its state h_T. Chance is 1/K. The loss reaches the first step only through the chain of Jacobians
``∂h_T/∂h_1 = ∏_{k=2}^{T} ∂h_k/∂h_{k−1}`` (sheet 8 c): for the plain RNN that product shrinks geometrically with T,
for the LSTM the cell path ``∂C_k/∂C_{k−1} = diag(f_k)`` keeps it alive while the forget gate stays open (sheet 9).

Both train with ``torch.nn.RNN`` / ``torch.nn.LSTM`` (fast); the page reads the trained weights through the
NumPy :func:`core.sequence.rnn.rnn_forward` / :func:`core.sequence.rnn.lstm_forward` (tested against torch.nn),
and a test checks that both give the same states on the same weights. ``‖∂L/∂h_t‖`` is measured during training
by back-propagating through an unrolled copy of the cell (tested against the NumPy Jacobian products).

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the initial weights, the training
batches and the fixed test set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.errors import InputError
from core.numerics import seed_streams, softmax, torch_seed
from core.sequence.common import fingerprint
from core.sequence.rnn import LSTM_GATES, LSTMParams, LSTMRun, RNNParams, lstm_forward, rnn_forward
from core.snapshot import (
    PRETRAINED_DIR,
    load_module_arrays,
    load_snapshot,
    module_arrays,
    require_finished,
    save_snapshot,
    snapshot_path,
)
from core.torch_threads import seeded_global_rng, torch_threads

CELLS = ("RNN", "LSTM")
OPTIMIZERS = ("Adam", "SGD")
SWEEP_DELAYS = (5, 10, 20, 40)
MAX_DELAY = 100
TEST_EXAMPLES = 512
PROBE_EXAMPLES = 64
# torch keeps the LSTM's four gate blocks in the order i, f, g (= C̃), o
TORCH_GATE_ORDER = ("i", "f", "c", "o")
INIT_STREAM, TRAIN_STREAM, TEST_STREAM = range(3)


@dataclass(frozen=True)
class MemoryConfig:
    """Everything that identifies one trained network (the page keys its training session by it)."""

    cell: str = "LSTM"
    """``RNN`` (h_t = tanh(W_hh h_{t−1} + W_xh x_t + b_h)) or ``LSTM`` (the sheet's gates)."""
    delay: int = 20
    """T: the symbol comes at step 1, the answer is read from h_T."""
    hidden: int = 32
    """H, the size of the hidden state (and of the LSTM's cell state)."""
    symbols: int = 4
    """K: the alphabet of the symbol and of the distractors (chance = 1/K)."""
    learning_rate: float = 3e-3
    """Step size of the optimizer."""
    optimizer: str = "Adam"
    """``Adam`` (each step rescaled per parameter: a huge gradient does not make a huge step) or plain ``SGD``
    (θ ← θ − η g: a gradient that explodes throws the weights away unless it is clipped)."""
    steps: int = 1000
    """Gradient steps to train for."""
    batch_size: int = 64
    """Fresh random sequences per gradient step."""
    clip: float = 0.0
    """Clip the gradient to this norm, ‖g‖ ≤ clip (0: no clipping)."""
    init_radius: float | None = None
    """ρ of the recurrent weights at initialisation: W_hh = ρ·Q (Q random orthogonal), per LSTM gate too;
    None keeps torch's default U(−1/√H, 1/√H) (spectral radius ≈ 1/√3 ≈ 0.58 for any H)."""
    forget_bias: float = 2.0
    """LSTM only: the initial forget-gate bias b_f (σ(2) ≈ 0.88: the gate starts mostly open)."""
    eval_every: int = 25
    """Gradient steps between two measurements of the test accuracy and of ‖∂L/∂h_t‖."""
    seed: int = 0
    """Seeds the initial weights, the training batches and the test set (independent streams)."""


def validate(config: MemoryConfig) -> MemoryConfig:
    if config.cell not in CELLS:
        raise InputError(f"Unknown cell {config.cell!r}; choose one of {', '.join(CELLS)}.")
    if config.optimizer not in OPTIMIZERS:
        raise InputError(f"Unknown optimizer {config.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
    if not (math.isfinite(config.learning_rate) and 0 < config.learning_rate <= 10):
        raise InputError(f"The learning rate must be in (0, 10]; got {config.learning_rate:g}.")
    if not 2 <= config.delay <= MAX_DELAY:
        raise InputError(f"The delay T must be between 2 and {MAX_DELAY}; got {config.delay}.")
    if not 2 <= config.hidden <= 128 or not 2 <= config.symbols <= 10:
        raise InputError("The hidden size must be in 2..128 and the number of symbols in 2..10.")
    if not 1 <= config.steps <= 20_000:
        raise InputError(f"Training steps must be between 1 and 20000; got {config.steps}.")
    if config.clip < 0 or (config.init_radius is not None and config.init_radius < 0):
        raise InputError("The clipping norm and the spectral radius ρ cannot be negative.")
    return config


# --------------------------------------------------------------------------------------------- the task


def memory_batch(symbols: int, delay: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` sequences x of shape (count, T, K + 1) and their answers (count,): x_1 = [one-hot(s), 1],
    x_t = [one-hot(random symbol), 0] for t = 2..T; the answer is s."""
    answers = rng.integers(0, symbols, count)
    shown = rng.integers(0, symbols, (count, delay))
    shown[:, 0] = answers
    x = np.zeros((count, delay, symbols + 1), dtype=np.float32)
    # one-hot of the symbol at every step: x[b, t, shown[b, t]] = 1
    x[np.arange(count)[:, None], np.arange(delay)[None, :], shown] = 1.0
    x[:, 0, symbols] = 1.0  # the flag: remember this one
    return x, answers


def describe(x: np.ndarray) -> list[str]:
    """The symbols of one sequence (T, K + 1) as letters, the flagged first one marked: ``[C] A D B …``."""
    letters = [chr(ord("A") + int(k)) for k in x[:, :-1].argmax(axis=1)]
    letters[0] = f"[{letters[0]}]"
    return letters


# --------------------------------------------------------------------------------------------- the model


def _orthogonal(n: int) -> torch.Tensor:
    """A random orthogonal n × n matrix (QR of a Gaussian, signs fixed so the draw is uniform)."""
    q, r = torch.linalg.qr(torch.randn(n, n))
    return q * torch.sign(torch.diagonal(r))


class MemoryNet(nn.Module):
    """torch.nn.RNN or torch.nn.LSTM (one layer) and a linear read-out of h_T to the K symbols; built from torch's
    global generator (the trainer seeds it inside ``core.torch_threads.seeded_global_rng``)."""

    def __init__(self, config: MemoryConfig):
        super().__init__()
        inputs, H = config.symbols + 1, config.hidden
        kind = nn.RNN if config.cell == "RNN" else nn.LSTM
        self.recurrent = kind(inputs, H, batch_first=True)
        self.readout = nn.Linear(H, config.symbols)
        blocks = 1 if config.cell == "RNN" else 4
        with torch.no_grad():
            if config.init_radius is not None:
                # W_hh = ρ·Q per gate block: every eigenvalue of the linear part has modulus ρ at the start
                self.recurrent.weight_hh_l0.copy_(
                    torch.cat([config.init_radius * _orthogonal(H) for _ in range(blocks)])
                )
            if config.cell == "LSTM":
                self.recurrent.bias_ih_l0[H : 2 * H] = config.forget_bias  # torch's f block: b_f
                self.recurrent.bias_hh_l0[H : 2 * H] = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, K) from h_T for sequences x (B, T, K + 1)."""
        states, _ = self.recurrent(x)  # (B, T, H)
        return self.readout(states[:, -1])


def unrolled_states(net: MemoryNet, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """The same network stepped by hand (the sheet's equations, torch's weights): h_1..h_T (and C_1..C_T for the
    LSTM) as separate graph nodes, so that autograd can report ∂L/∂h_t at every t."""
    r = net.recurrent
    W_ih, W_hh, bias = r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0 + r.bias_hh_l0
    B, T, _ = x.shape
    H = W_hh.shape[1]
    h, C = x.new_zeros(B, H), x.new_zeros(B, H)
    hs, Cs = [], []
    for t in range(T):
        pre = x[:, t] @ W_ih.T + h @ W_hh.T + bias
        if isinstance(r, nn.RNN):
            # h_t = tanh(W_hh h_{t−1} + W_xh x_t + b_h)
            h = torch.tanh(pre)
        else:
            i, f, g, o = pre.chunk(4, dim=1)
            # C_t = f_t * C_{t−1} + i_t * C̃_t,  h_t = o_t * tanh(C_t)
            C = torch.sigmoid(f) * C + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(C)
            Cs.append(C)
        hs.append(h)
    for state in (*hs, *Cs):
        if state.requires_grad:  # under torch.no_grad (only the states wanted) there is no graph to keep
            state.retain_grad()
    return hs, Cs


def state_gradient_norms(net: MemoryNet, x: torch.Tensor, answers: torch.Tensor) -> dict[str, np.ndarray]:
    """``‖∂ℓ/∂h_t‖`` (and ``‖∂ℓ/∂C_t‖`` for the LSTM) for t = 1..T, averaged over the sequences, where ℓ is each
    sequence's own cross-entropy at T: how much of the error signal reaches each step."""
    hs, Cs = unrolled_states(net, x)
    logits = net.readout(hs[-1])
    # summed, not averaged: each sequence's gradient is that of its own loss
    nn.functional.cross_entropy(logits, answers, reduction="sum").backward()
    norms = {"h": np.array([float(h.grad.norm(dim=1).mean()) for h in hs])}
    if Cs:
        norms["C"] = np.array([float(C.grad.norm(dim=1).mean()) for C in Cs])
    net.zero_grad(set_to_none=True)
    return norms


def rnn_params(net: MemoryNet) -> RNNParams:
    """The trained RNN as the sheet's RNNParams (torch's two biases summed into b_h)."""
    r = net.recurrent
    return RNNParams(
        W_xh=r.weight_ih_l0.detach().double().numpy(),
        W_hh=r.weight_hh_l0.detach().double().numpy(),
        b_h=(r.bias_ih_l0 + r.bias_hh_l0).detach().double().numpy(),
        W_hy=net.readout.weight.detach().double().numpy(),
        b_y=net.readout.bias.detach().double().numpy(),
    )


def lstm_params(net: MemoryNet) -> LSTMParams:
    """The trained LSTM as the sheet's LSTMParams: W_g = [W_g^h, W_g^x] acting on [h_{t−1}, x_t]."""
    r = net.recurrent
    blocks = {
        name: (hh, ih, b)
        for name, hh, ih, b in zip(
            TORCH_GATE_ORDER,
            r.weight_hh_l0.detach().double().numpy().reshape(4, -1, r.hidden_size),
            r.weight_ih_l0.detach().double().numpy().reshape(4, r.hidden_size, -1),
            (r.bias_ih_l0 + r.bias_hh_l0).detach().double().numpy().reshape(4, -1),
        )
    }
    return LSTMParams(
        W={g: np.hstack(blocks[g][:2]) for g in LSTM_GATES},  # (H, H) | (H, F) -> (H, H + F)
        b={g: blocks[g][2] for g in LSTM_GATES},
    )


# --------------------------------------------------------------------------------------------- training


class MemoryTrainer:
    """Trains one network in chunks of Adam steps on the cross-entropy of the answer at T (the
    :class:`core.training.Trainable` protocol). Records per step the loss and the gradient norm ‖g‖ before any
    clipping, and every ``eval_every`` steps the test accuracy and ‖∂ℓ/∂h_t‖ for t = 1..T."""

    def __init__(self, config: MemoryConfig):
        self.config = validate(config)
        init, train, test = seed_streams(config.seed, 3)
        with seeded_global_rng(torch_seed(init)):
            self.net = MemoryNet(config)
        self.rng = np.random.default_rng(train)
        x, y = memory_batch(config.symbols, config.delay, TEST_EXAMPLES, np.random.default_rng(test))
        self.test = (torch.from_numpy(x), torch.from_numpy(y))
        kind = torch.optim.Adam if config.optimizer == "Adam" else torch.optim.SGD
        self.optimizer = kind(self.net.parameters(), lr=config.learning_rate)
        self.steps = 0
        """Gradient steps done."""
        self.losses: list[float] = []
        """Training cross-entropy per step (nats); empty for a run restored from a shipped sweep (which keeps
        only the accuracy curves)."""
        self.grad_norms: list[float] = []
        """‖∇_θ L‖ per step, before clipping."""
        self.eval_steps: list[int] = []
        """Steps at which the accuracy and the state gradients were measured."""
        self.accuracies: list[float] = []
        """Test accuracy at each of ``eval_steps``."""
        self.state_grads: list[np.ndarray] = []
        """‖∂ℓ/∂h_t‖ for t = 1..T at each of ``eval_steps``."""
        self.cell_grads: list[np.ndarray] = []
        """LSTM only: ‖∂ℓ/∂C_t‖ for t = 1..T at each of ``eval_steps``."""
        self.train_seconds = 0.0
        self.diverged_reason: str | None = None
        self._measure()

    @property
    def total_steps(self) -> int:
        return self.config.steps

    @property
    def finished(self) -> bool:
        return self.diverged_reason is not None or self.steps >= self.config.steps

    @property
    def test_accuracy(self) -> float:
        return self.accuracies[-1]

    def _measure(self) -> None:
        x, y = self.test
        with torch.no_grad():
            correct = (self.net(x).argmax(dim=1) == y).float().mean()
        norms = state_gradient_norms(self.net, x[:PROBE_EXAMPLES], y[:PROBE_EXAMPLES])
        self.eval_steps.append(self.steps)
        self.accuracies.append(float(correct))
        self.state_grads.append(norms["h"])
        if "C" in norms:
            self.cell_grads.append(norms["C"])

    def train_chunk(self, n_steps: int) -> None:
        """Up to ``n_steps`` Adam steps on L = −(1/B) Σ_b log p(s_b | x_b), the gradient clipped to ‖g‖ ≤ clip."""
        start = time.perf_counter()
        cfg = self.config
        with torch_threads():
            for _ in range(max(0, min(n_steps, cfg.steps - self.steps))):
                x, y = memory_batch(cfg.symbols, cfg.delay, cfg.batch_size, self.rng)
                loss = nn.functional.cross_entropy(self.net(torch.from_numpy(x)), torch.from_numpy(y))
                value = float(loss.detach())
                self.optimizer.zero_grad()
                loss.backward()
                # ‖g‖ over all parameters; g ← g · clip/‖g‖ when ‖g‖ > clip
                norm = float(nn.utils.clip_grad_norm_(self.net.parameters(), cfg.clip or math.inf))
                if not (math.isfinite(value) and math.isfinite(norm)):
                    self.diverged_reason = f"the loss or its gradient stopped being finite at step {self.steps + 1}"
                    break
                self.optimizer.step()
                self.steps += 1
                self.losses.append(value)
                self.grad_norms.append(norm)
                if self.steps % cfg.eval_every == 0 or self.steps == cfg.steps:
                    self._measure()
        self.train_seconds += time.perf_counter() - start

    # --- what the page reads (NumPy out)
    def fingerprint(self) -> str:
        return fingerprint(self.net)

    def trace(self, x: np.ndarray) -> tuple[RNNParams | LSTMParams, object, np.ndarray]:
        """The trained weights as the sheet's parameters, the NumPy forward run on one sequence x (T, K + 1)
        (an RNNRun or an LSTMRun) and the answer's probabilities p = softmax(W_hy h_T + b_y) (K,)."""
        x = np.asarray(x, dtype=float)
        if self.config.cell == "RNN":
            params = rnn_params(self.net)
            run = rnn_forward(params, x)
            logits = run.y[-1]
        else:
            params = lstm_params(self.net)
            run = lstm_forward(params, x)
            readout = self.net.readout
            logits = run.h[-1] @ readout.weight.detach().double().numpy().T + readout.bias.detach().double().numpy()
        return params, run, softmax(logits)


def memory_units(trainer: MemoryTrainer, count: int = 3) -> np.ndarray:
    """The LSTM cell units that hold the symbol best: the largest spread of the mean C_T between symbols,
    relative to its spread within a symbol (a one-way ANOVA F ratio per unit, over 256 test sequences).

    C_T comes from the unrolled cell (:func:`unrolled_states`, the sheet's equations on torch's weights)."""
    x, y = trainer.test
    with torch.no_grad():
        _, Cs = unrolled_states(trainer.net, x[:256])
    final, labels = Cs[-1].double().numpy(), y[:256].numpy()  # (B, H), (B,)
    symbols = np.unique(labels)
    means = np.array([final[labels == k].mean(axis=0) for k in symbols])  # (K, H)
    within = np.mean([final[labels == k].var(axis=0) for k in symbols], axis=0) + 1e-9
    return np.argsort(means.var(axis=0) / within)[::-1][:count]


def sweep_configs(base: MemoryConfig, delays: tuple[int, ...] = SWEEP_DELAYS) -> list[MemoryConfig]:
    """One config per (cell, T) of the accuracy-against-T sweep, everything else as ``base``."""
    return [replace(base, cell=cell, delay=delay) for cell in CELLS for delay in delays]


def lstm_run_fields(run: LSTMRun) -> dict[str, np.ndarray]:
    """The gate traces of an LSTM run by the sheet's names (f, i, o, C̃, C, h), each (T, H)."""
    return {"f": run.f, "i": run.i, "o": run.o, "C̃": run.c_tilde, "C": run.C, "h": run.h}


class MemorySweep:
    """One network per (cell, T) of :func:`sweep_configs`, trained round-robin as one trainer (the
    :class:`core.training.Trainable` protocol; ``steps`` counts the gradient steps of all of them together), so
    the accuracy-against-T figure fills in evenly while it trains."""

    def __init__(self, base: MemoryConfig, delays: tuple[int, ...] = SWEEP_DELAYS):
        self.base = validate(base)
        self.delays = tuple(delays)
        self.runs = [MemoryTrainer(config) for config in sweep_configs(base, self.delays)]
        self.diverged_reason: str | None = None

    @property
    def steps(self) -> int:
        return sum(run.steps for run in self.runs)

    @property
    def total_steps(self) -> int:
        return sum(run.total_steps for run in self.runs)

    @property
    def finished(self) -> bool:
        return all(run.finished for run in self.runs)

    @property
    def train_seconds(self) -> float:
        return sum(run.train_seconds for run in self.runs)

    def train_chunk(self, n_steps: int) -> None:
        """``n_steps`` shared out evenly over the runs that are not finished yet."""
        pending = [run for run in self.runs if not run.finished]
        for k, run in enumerate(pending):
            run.train_chunk(n_steps // len(pending) + (1 if k < n_steps % len(pending) else 0))

    def results(self) -> dict[str, tuple[list[int], list[float]]]:
        """cell → (delays, last measured test accuracy per delay)."""
        out: dict[str, tuple[list[int], list[float]]] = {}
        for run in self.runs:
            delays, values = out.setdefault(run.config.cell, ([], []))
            delays.append(run.config.delay)
            values.append(run.test_accuracy)
        return out


# --------------------------------------------------------------------------------------------- shipped results

SNAPSHOT_KIND = "seq-memory"
SWEEP_KIND = "seq-memory-sweep"


def _curves(trainer: MemoryTrainer, prefix: str = "") -> tuple[dict[str, np.ndarray], dict]:
    """A run's curves: the long per-step ones as arrays (float32 in the file), the counters as JSON."""
    arrays = {
        f"{prefix}_losses": np.array(trainer.losses),
        f"{prefix}_grad_norms": np.array(trainer.grad_norms),
        f"{prefix}_accuracies": np.array(trainer.accuracies),
        f"{prefix}_state_grads": np.array(trainer.state_grads),
    }
    if trainer.cell_grads:
        arrays[f"{prefix}_cell_grads"] = np.array(trainer.cell_grads)
    meta = {
        "steps": trainer.steps,
        "train_seconds": trainer.train_seconds,
        "diverged": trainer.diverged_reason,
        "eval_steps": trainer.eval_steps,
    }
    return arrays, meta


def _restore_curves(trainer: MemoryTrainer, arrays: dict[str, np.ndarray], meta: dict, prefix: str = "") -> None:
    trainer.steps = int(meta["steps"])
    trainer.train_seconds = float(meta["train_seconds"])
    trainer.diverged_reason = meta["diverged"]
    trainer.eval_steps = [int(v) for v in meta["eval_steps"]]
    trainer.accuracies = [float(v) for v in arrays[f"{prefix}_accuracies"]]
    trainer.losses = [float(v) for v in arrays.get(f"{prefix}_losses", [])]
    trainer.grad_norms = [float(v) for v in arrays.get(f"{prefix}_grad_norms", [])]
    trainer.state_grads = [row.astype(float) for row in arrays.get(f"{prefix}_state_grads", [])]
    trainer.cell_grads = [row.astype(float) for row in arrays.get(f"{prefix}_cell_grads", [])]


def save_shipped(trainer: MemoryTrainer, directory: Path = PRETRAINED_DIR) -> Path:
    """A finished network: its weights and every curve."""
    require_finished(trainer)
    path = snapshot_path(SNAPSHOT_KIND, trainer.config, 0, directory)
    arrays, meta = _curves(trainer)
    save_snapshot(path, {**module_arrays(trainer.net), **arrays}, meta)
    return path


def load_shipped(config: MemoryConfig, directory: Path = PRETRAINED_DIR) -> MemoryTrainer | None:
    """The shipped, finished network of ``config`` (None when none was shipped for exactly these settings)."""
    found = load_snapshot(snapshot_path(SNAPSHOT_KIND, config, 0, directory))
    if found is None:
        return None
    arrays, meta = found
    trainer = MemoryTrainer(config)
    load_module_arrays(trainer.net, {k: v for k, v in arrays.items() if not k.startswith("_")})
    _restore_curves(trainer, arrays, meta)
    return trainer


def save_sweep(sweep: MemorySweep, directory: Path = PRETRAINED_DIR) -> Path:
    """A finished sweep: each run's step count and accuracy curve (no weights and no per-step curves: the sweep's
    figure draws the accuracies only)."""
    require_finished(sweep)
    path = snapshot_path(SWEEP_KIND, (sweep.base, sweep.delays), 0, directory)
    arrays, metas = {}, []
    for k, run in enumerate(sweep.runs):
        curves, meta = _curves(run, f"_{k}")
        arrays[f"_{k}_accuracies"] = curves[f"_{k}_accuracies"]
        metas.append(meta)
    save_snapshot(path, arrays, {"runs": metas})
    return path


def load_sweep(base: MemoryConfig, delays: tuple[int, ...] = SWEEP_DELAYS, directory: Path = PRETRAINED_DIR):
    """The shipped, finished sweep of ``base`` (None when none was shipped); its runs keep their initial weights
    and only their accuracy curves, and are never trained further."""
    found = load_snapshot(snapshot_path(SWEEP_KIND, (base, tuple(delays)), 0, directory))
    if found is None:
        return None
    arrays, meta = found
    sweep = MemorySweep(base, delays)
    for k, (run, run_meta) in enumerate(zip(sweep.runs, meta["runs"])):
        _restore_curves(run, arrays, run_meta, f"_{k}")
    return sweep
