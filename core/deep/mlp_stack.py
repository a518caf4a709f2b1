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
* the update is :func:`core.deep.optimizers.optimizer_step` on the stacked arrays (every rule acts entry by entry).

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
    dropout_masks,
    evaluate,
    new_trainer,
    train_full_batch,
)
from core.deep.optimizers import OptimizerState, optimizer_step
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


def train_stack(
    configs: Sequence[TrainConfig], data: Dataset, n_steps: int, seed: int, record_every: int = 10
) -> list[Run]:
    """``[train_full_batch(c, data, n_steps, seed, record_every) for c in configs]``, trained as one stack.

    Nets that cannot share a stack (other layer sizes, loss, optimizer, batch size, regularization or features)
    are trained one by one.
    """
    if len(configs) < 2 or not _stackable(configs):
        return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
    trainers = [new_trainer(c, seed) for c in configs]
    for trainer in trainers:
        trainer.history.append((0, *evaluate(trainer, data)))
    first = configs[0]
    net = first.net
    L = net.n_layers
    hidden = [[c.net.g(layer) for c in configs] for layer in range(1, L + 1)]  # [layer − 1][net]
    # the stack: params[i] has shape (k, *shape of that array in one net)
    params = [np.stack(arrays) for arrays in zip(*(t.params for t in trainers))]
    state = OptimizerState()
    inputs = features(data.x_train, first.feature_names)  # (n_0, m_train)
    m = inputs.shape[1]
    batch = max(1, min(first.batch_size, m))
    full = np.arange(m)
    y_train = np.asarray(data.y_train)
    for _ in range(0, n_steps, record_every):
        for _ in range(record_every):
            # each net draws from its own stream, in train_steps' order: the minibatch, then the dropout masks
            picks = [t.rng.choice(m, size=batch, replace=False) if batch < m else full for t in trainers]
            masks = [
                dropout_masks(c.net, batch, t.rng) if c.net.dropout > 0 else None for c, t in zip(configs, trainers)
            ]
            x = np.stack([inputs[:, idx] for idx in picks])  # (k, n_0, batch)
            y = np.stack([y_train[idx] for idx in picks]).astype(float)[:, None, :]  # (k, 1, batch), like a^[L]
            zs: list = [None]
            acts = [x]
            for layer in range(1, L + 1):
                # z^[l] = W^[l] a^[l−1] + b^[l]
                z = params[2 * layer - 2] @ acts[-1] + params[2 * layer - 1][..., None]
                names = hidden[layer - 1]
                if len(set(names)) == 1:
                    # a^[l] = g^[l](z^[l]), one call for the whole stack
                    a = activation(names[0], z)
                else:
                    a = np.empty_like(z)
                    for s, name in enumerate(names):
                        a[s] = activation(name, z[s])
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
                back = np.swapaxes(params[2 * layer], -1, -2) @ delta[layer + 1]
                slope = np.empty_like(back)
                for s, name in enumerate(hidden[layer - 1]):
                    mask = None if masks[s] is None else masks[s][layer]
                    if mask is not None:
                        back[s] = back[s] * mask
                    slope[s] = _slope(name, zs[layer][s], acts[layer][s], mask is not None)
                delta[layer] = back * slope
            grads = []
            for layer in range(1, L + 1):
                # ∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ
                dW = delta[layer] @ np.swapaxes(acts[layer - 1], -1, -2)
                W = params[2 * layer - 2]
                if net.regularization == "L1":
                    dW = dW + net.reg_rate * np.sign(W)
                elif net.regularization == "L2":
                    dW = dW + net.reg_rate * W
                # ∂L/∂b^[l] = δ^[l], summed over the batch
                grads.extend([dW, delta[layer].sum(axis=-1)])
            new_params, new_state = optimizer_step(params, grads, state, first.optimizer)
            # every net finite and within the bound when the whole stack is (each net's sum of squares is a part)
            total = sum(float(np.vdot(p, p)) for p in new_params)
            if not (np.isfinite(total) and total < DIVERGENCE_BOUND**2):
                return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
            params, state = new_params, new_state
        for s, trainer in enumerate(trainers):
            trainer.params = [p[s] for p in params]
            trainer.step += record_every
            train_loss, test_loss = evaluate(trainer, data)
            if not np.isfinite(train_loss):
                return [train_full_batch(c, data, n_steps, seed, record_every) for c in configs]
            trainer.history.append((trainer.step, train_loss, test_loss))
    return [(np.array(t.history), t.params, True) for t in trainers]
