"""Several small MLPs trained side by side as one stack of arrays: the same numbers as one run each, for less.

The studies compare networks that differ only in their hidden activation or their dropout rate (same layer sizes,
loss, optimizer and batch size). A step of a net this small costs NumPy calls, not arithmetic, so k networks cost
k times the calls when trained one by one. Stacked, every weight array gets a leading axis of length k,
``W^[l]`` of shape (k, n_l, n_{l−1}), and each equation of :mod:`core.deep.mlp` runs once for all k:

* forward: ``z^[l] = W^[l] a^[l−1] + b^[l]``, ``a^[l] = g^[l](z^[l])`` (⊙ r^[l]/(1−p) for a net with dropout),
  one batched product per layer (``np.matmul`` multiplies the k pairs one by one, bit for bit as separately);
* backward: ``δ^[L] = (a^[L] − y)/m`` (cross-entropy) or ``2(a^[L] − y)/m ⊙ σ'(z^[L])`` (mse),
  ``δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ r^[l]/(1−p) ⊙ g'(z^[l])``, ``∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ (+ λ sign W or λW)``,
  ``∂L/∂b^[l] = ∑_columns δ^[l]``;
* the update is :func:`core.deep.optimizers.optimizer_step`'s rule (:func:`~core.deep.optimizers.flat_step`) on
  the stacked arrays, kept as views of one flat vector θ (every rule acts entry by entry);
* the losses of the history come from one forward pass of the stack per set, or over both sets at once.

Each net keeps its own random stream (:func:`core.deep.mlp.new_trainer`), drawn in the same order as
:func:`core.deep.mlp.train_steps` draws it (the minibatch, then the dropout masks), so every net's history and
weights are exactly those of :func:`core.deep.mlp.train_full_batch` with its configuration (the tests check it bit
for bit). Should any net stop being finite, the stack gives up and each net is trained on its own instead, so a
diverging run ends exactly as it would alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.deep.mlp import (
    DIVERGENCE_BOUND,
    TrainConfig,
    activation,
    activation_derivative,
    data_loss,
    dropout_masks,
    new_trainer,
    train_full_batch,
)
from core.deep.optimizers import flat_step
from core.deep.toy_data import Dataset, features

Run = tuple[np.ndarray, list[np.ndarray], bool]
"""(history (k, 3) [step, train loss, test loss], final parameters, stayed finite), as train_full_batch returns."""


def _stackable(configs: Sequence[TrainConfig]) -> bool:
    """Whether the nets can share one stack: all but the hidden activation and the dropout rate alike."""
    first = configs[0]
    return all(
        c.net.layer_sizes == first.net.layer_sizes
        and c.net.loss == first.net.loss
        and (c.net.regularization, c.net.reg_rate) == (first.net.regularization, first.net.reg_rate)
        and c.optimizer == first.optimizer
        and c.batch_size == first.batch_size
        and c.feature_names == first.feature_names
        for c in configs
    )


def _slope(name: str, z: np.ndarray, a: np.ndarray, masked: bool) -> np.ndarray:
    """g'(z) of one net's layer: from a = g(z) where no dropout mask scaled it (σ' = a(1 − a), tanh' = 1 − a²),
    else from z; the same numbers either way (core.deep.mlp.backward)."""
    if not masked and name == "sigmoid":
        return a * (1.0 - a)
    if not masked and name == "tanh":
        return 1.0 - a**2
    return activation_derivative(name, z)


class _Kinds:
    """The activations of one layer across the stack (one name per net): one call when the nets share it."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)
        self.shared = len(set(names)) == 1

    def activate(self, z: np.ndarray) -> np.ndarray:
        """a^[l] = g^[l](z^[l]) of every net, z of shape (k, n_l, m): one call when they share g."""
        if self.shared:
            return activation(self.names[0], z)
        a = np.empty_like(z)
        for s, name in enumerate(self.names):
            a[s] = activation(name, z[s])
        return a

    def slope(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """g'(z^[l]) of every net, from a = g(z) (no dropout mask scaled a)."""
        if self.shared:
            return _slope(self.names[0], z, a, False)
        slope = np.empty_like(z)
        for s, name in enumerate(self.names):
            slope[s] = _slope(name, z[s], a[s], False)
        return slope


def _evaluation_batches(data: Dataset, names: Sequence[str]) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """The inputs of :func:`core.deep.mlp.evaluate`'s training and test sets as stacks (S, n_0, m) with their
    labels: both sets in one stack when they are the same size (one forward pass for both), else one each."""
    sets = [(features(x, names), np.asarray(y)) for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test))]
    if sets[0][0].shape == sets[1][0].shape:
        return [(np.stack([x for x, _ in sets]), [y for _, y in sets])]
    return [(x[None], [y]) for x, y in sets]


def _evaluate(
    params: Sequence[np.ndarray], batches: list[tuple[np.ndarray, list[np.ndarray]]], layers: list[_Kinds], loss: str
) -> list[list[float]]:
    """:func:`core.deep.mlp.evaluate` of every net of the stack at once: per set (training, test), each net's data
    loss, from forward passes (no dropout) of the stack over a stack of sets, z^[l] of shape (k, S, n_l, m).
    Each product is still one net's W^[l] with one set's a^[l−1], the same numbers as the net's own forward pass."""
    out = []
    for x, labels in batches:
        if x.shape[-1] == 0:
            out += [[float("nan")] * len(layers[0].names) for _ in labels]
            continue
        a = x
        for layer, kinds in enumerate(layers, start=1):
            # z^[l] = W^[l] a^[l−1] + b^[l]
            z = params[2 * layer - 2][:, None] @ a + params[2 * layer - 1][:, None, :, None]
            a = kinds.activate(z)
        out += [[data_loss(z[s, j], y, loss) for s in range(len(z))] for j, y in enumerate(labels)]
    return out


def train_stack(
    configs: Sequence[TrainConfig], data: Dataset, n_steps: int, seed: int, record_every: int = 10
) -> list[Run]:
    """``[train_full_batch(c, data, n_steps, seed, record_every) for c in configs]``, trained as one stack.

    Nets that cannot share a stack (other layer sizes, loss, optimizer, batch size, regularization or features)
    are trained one by one.

    Every NumPy call counts (a step of the activation study's three 6×16 nets is ~200 of them, ~1 µs each): the
    stacked parameters live in one flat vector θ (the arrays are views of it) and the gradients are written
    into one flat g, so that the update is :func:`core.deep.optimizers.flat_step` on θ and g without gathering
    and cutting up the arrays on every step; the history's losses take one forward pass of the stack over
    both sets (:func:`_evaluate`), not one per net and set.
    """
    if len(configs) < 2 or not _stackable(configs):
        return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
    trainers = [new_trainer(c, seed) for c in configs]
    first = configs[0]
    net = first.net
    L = net.n_layers
    layers = [_Kinds([c.net.g(layer) for c in configs]) for layer in range(1, L + 1)]  # [layer − 1]
    # the stack: params[i] has shape (k, *shape of that array in one net), a view of the flat θ
    stacked = [np.stack(arrays) for arrays in zip(*(t.params for t in trainers))]
    shapes = [p.shape for p in stacked]
    offsets = np.cumsum([0] + [p.size for p in stacked]).tolist()

    def views(flat: np.ndarray) -> list[np.ndarray]:
        return [flat[offsets[i] : offsets[i + 1]].reshape(shape) for i, shape in enumerate(shapes)]

    theta = np.concatenate([p.ravel() for p in stacked])
    params = views(theta)
    g = np.empty_like(theta)
    grads = views(g)  # ∂L/∂θ of each array, written in place on every step
    velocity = second = None
    t = 0
    batches = _evaluation_batches(data, first.feature_names)
    for trainer, train_loss, test_loss in zip(trainers, *_evaluate(params, batches, layers, net.loss)):
        trainer.history.append((0, train_loss, test_loss))
    inputs_by_sample = features(data.x_train, first.feature_names).T.copy()  # (m_train, n_0): sample i in row i
    m = len(inputs_by_sample)
    batch = max(1, min(first.batch_size, m))
    full = np.arange(m)
    y_train = np.asarray(data.y_train).astype(float)
    dropout = any(c.net.dropout > 0 for c in configs)
    for _ in range(0, n_steps, record_every):
        for _ in range(record_every):
            # each net draws from its own stream, in train_steps' order: the minibatch, then the dropout masks
            picks = np.array([t_.rng.choice(m, size=batch, replace=False) if batch < m else full for t_ in trainers])
            masks = [
                dropout_masks(c.net, batch, t_.rng) if c.net.dropout > 0 else None for c, t_ in zip(configs, trainers)
            ]
            # (k, n_0, batch): net s's minibatch as columns, each net's block column-major as train_steps'
            # inputs[:, idx] is (matmul's BLAS call, and so its rounding, follows the layout)
            x = inputs_by_sample[picks].transpose(0, 2, 1)
            y = y_train[picks][:, None, :]  # (k, 1, batch), like a^[L]
            zs: list = [None]
            acts = [x]
            for layer in range(1, L + 1):
                # z^[l] = W^[l] a^[l−1] + b^[l]
                z = params[2 * layer - 2] @ acts[-1] + params[2 * layer - 1][..., None]
                # a^[l] = g^[l](z^[l])
                a = layers[layer - 1].activate(z)
                if dropout:
                    for s, mask in enumerate(masks):
                        if mask is not None and mask[layer] is not None:
                            a[s] = a[s] * mask[layer]  # ⊙ r^[l]/(1−p)
                zs.append(z)
                acts.append(a)
            delta: list = [None] * (L + 1)
            if net.loss == "cross_entropy":
                # δ^[L] = (a − y)/m (the product of ∂L/∂a and σ'(z), written without its overflowing factors)
                delta[L] = (acts[L] - y) / batch
            else:
                # δ^[L] = ∂L/∂a ⊙ σ'(z^[L]) with L = mean (a − y)²
                delta[L] = 2.0 * (acts[L] - y) / batch * activation_derivative("sigmoid", zs[L])
            for layer in range(L - 1, 0, -1):
                # δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ r^[l]/(1−p) ⊙ g'(z^[l])
                back = params[2 * layer].swapaxes(-1, -2) @ delta[layer + 1]
                if dropout:
                    slope = np.empty_like(back)
                    for s, name in enumerate(layers[layer - 1].names):
                        mask = None if masks[s] is None else masks[s][layer]
                        if mask is not None:
                            back[s] = back[s] * mask
                        slope[s] = _slope(name, zs[layer][s], acts[layer][s], mask is not None)
                else:
                    slope = layers[layer - 1].slope(zs[layer], acts[layer])
                delta[layer] = back * slope
            for layer in range(1, L + 1):
                dW, db = grads[2 * layer - 2], grads[2 * layer - 1]
                # ∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ
                np.matmul(delta[layer], acts[layer - 1].swapaxes(-1, -2), out=dW)
                W = params[2 * layer - 2]
                if net.regularization == "L1":
                    dW += net.reg_rate * np.sign(W)
                elif net.regularization == "L2":
                    dW += net.reg_rate * W
                # ∂L/∂b^[l] = δ^[l], summed over the batch
                np.add.reduce(delta[layer], axis=-1, out=db)
            new_theta, new_velocity, new_second = flat_step(theta, g, t + 1, velocity, second, first.optimizer)
            # every net finite and within the bound when the whole stack is (each net's sum of squares is a part)
            total = float(np.vdot(new_theta, new_theta))
            if not (np.isfinite(total) and total < DIVERGENCE_BOUND**2):
                return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
            theta, velocity, second, t = new_theta, new_velocity, new_second, t + 1
            params = views(theta)
        for trainer, train_loss, test_loss in zip(trainers, *_evaluate(params, batches, layers, net.loss)):
            trainer.step += record_every
            if not np.isfinite(train_loss):
                return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
            trainer.history.append((trainer.step, train_loss, test_loss))
    return [(np.array(t_.history), [p[s].copy() for p in params], True) for s, t_ in enumerate(trainers)]
