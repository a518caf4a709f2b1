"""A small ReLU MLP in NumPy with its backward pass written out, for updates on one transition at a time.

The online actor-critic (``core/rl/actor_critic.py``) takes one gradient step per environment step. In PyTorch
that step is ~100 tensor ops on 1-row tensors, each costing microseconds of dispatch overhead whatever its size,
so a 2×64 actor and critic manage only a few hundred updates per second on one CPU thread. The same arithmetic
in NumPy, with the weights of a network in one flat float64 vector (so that Adam is a handful of vector ops),
costs a tenth of that. The numbers are the same as torch's: a :class:`FlatMLP` starts as an exact copy of a torch
``nn.Sequential`` from :func:`core.rl.common.mlp`, and ``tests/rl/test_flat_mlp.py`` checks its gradients and
its Adam step against torch autograd and ``torch.optim.Adam``.

Notation, rows are samples (as torch's ``nn.Linear``): for layer l = 1 … L,

    z_l = a_{l−1} W_l + b_l,   a_l = ReLU(z_l) (l < L),   a_L = z_L,   a_0 = x
    δ_L = ∂L/∂z_L,   δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ 1[z_l > 0]
    ∂L/∂W_l = a_{l−1}ᵀ δ_l,   ∂L/∂b_l = Σ_rows δ_l
"""

from __future__ import annotations

import math

import numpy as np
from torch import nn


class FlatMLP:
    """A ReLU MLP whose weights are views into one flat vector ``params`` (and its gradients into ``grad``)."""

    def __init__(self, net: nn.Sequential) -> None:
        """Copy the weights of a torch ReLU MLP (Linear, ReLU, …, Linear)."""
        linears = [m for m in net if isinstance(m, nn.Linear)]
        shapes = [(m.in_features, m.out_features) for m in linears]
        sizes = [n_in * n_out + n_out for n_in, n_out in shapes]
        self.params = np.zeros(sum(sizes))
        self.grad = np.zeros_like(self.params)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        self.weight_grads: list[np.ndarray] = []
        self.bias_grads: list[np.ndarray] = []
        offset = 0
        for n_in, n_out in shapes:
            # W_l (n_in, n_out) then b_l (n_out,): consecutive slices of the flat vector, the same for the gradient
            w_end, b_end = offset + n_in * n_out, offset + n_in * n_out + n_out
            self.weights.append(self.params[offset:w_end].reshape(n_in, n_out))
            self.biases.append(self.params[w_end:b_end])
            self.weight_grads.append(self.grad[offset:w_end].reshape(n_in, n_out))
            self.bias_grads.append(self.grad[w_end:b_end])
            offset = b_end
        self.load_from(net)

    def load_from(self, net: nn.Sequential) -> None:
        """θ ← the torch net's weights (torch stores W as (n_out, n_in): transpose)."""
        linears = [m for m in net if isinstance(m, nn.Linear)]
        for w, b, m in zip(self.weights, self.biases, linears):
            w[...] = m.weight.detach().numpy().T
            b[...] = m.bias.detach().numpy()

    def copy_to(self, net: nn.Sequential) -> None:
        """The torch net's weights ← θ (float32), for snapshots and the pages' queries."""
        linears = [m for m in net if isinstance(m, nn.Linear)]
        for w, b, m in zip(self.weights, self.biases, linears):
            m.weight.data.copy_(m.weight.data.new_tensor(w.T))
            m.bias.data.copy_(m.bias.data.new_tensor(b))

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(output a_L (rows, n_out), the activations a_0 … a_{L−1} the backward pass needs)."""
        a = np.asarray(x, dtype=np.float64)
        inputs = []
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            inputs.append(a)
            # z_l = a_{l−1} W_l + b_l
            z = a @ w + b
            # a_l = ReLU(z_l) on the hidden layers, the last layer linear
            a = np.maximum(z, 0.0) if layer < last else z
        return a, inputs

    def backward(self, inputs: list[np.ndarray], d_out: np.ndarray) -> None:
        """``grad`` ← ∂L/∂θ given δ_L = ∂L/∂a_L (rows, n_out) and the activations of :meth:`forward`."""
        delta = d_out
        for layer in range(len(self.weights) - 1, -1, -1):
            a_prev = inputs[layer]
            # ∂L/∂W_l = a_{l−1}ᵀ δ_l,  ∂L/∂b_l = Σ_rows δ_l
            np.matmul(a_prev.T, delta, out=self.weight_grads[layer])
            self.bias_grads[layer][...] = delta.sum(axis=0)
            if layer > 0:
                # δ_{l−1} = (δ_l W_lᵀ) ⊙ 1[z_{l−1} > 0]  (a_{l−1} = ReLU(z_{l−1}) > 0 exactly where z_{l−1} > 0)
                delta = (delta @ self.weights[layer].T) * (a_prev > 0.0)

    def clip_grad_norm(self, max_norm: float) -> float:
        """g ← g · min(1, max_norm / ‖g‖) over all the net's parameters; returns ‖g‖ before clipping."""
        norm = math.sqrt(float(self.grad @ self.grad))
        if norm > max_norm:
            # torch's clip_grad_norm_ uses max_norm / (‖g‖ + 1e-6)
            self.grad *= max_norm / (norm + 1e-6)
        return norm


class FlatAdam:
    """Adam on one flat parameter vector, in place (torch.optim.Adam's update, bias correction included).

    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,  θ ← θ − α (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
    """

    def __init__(self, size: int, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self._scratch = np.zeros(size)  # every step's temporaries, written in place (no allocation per step)
        self.t = 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        self.t += 1
        tmp = self._scratch
        # m ← β₁ m + (1 − β₁) g, written m ← m + (1 − β₁)(g − m)
        np.subtract(grad, self.m, out=tmp)
        tmp *= 1.0 - self.beta1
        self.m += tmp
        # v ← β₂ v + (1 − β₂) g², written v ← v + (1 − β₂)(g² − v)
        np.multiply(grad, grad, out=tmp)
        tmp -= self.v
        tmp *= 1.0 - self.beta2
        self.v += tmp
        # bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ (undo the pull of m, v towards their zero start)
        c1, c2 = 1.0 - self.beta1**self.t, 1.0 - self.beta2**self.t
        # θ ← θ − α m̂ / (√v̂ + ε), written as torch does: θ ← θ − (α / c1) m / (√v / √c2 + ε)
        np.sqrt(self.v, out=tmp)
        tmp *= 1.0 / math.sqrt(c2)
        tmp += self.eps
        np.divide(self.m, tmp, out=tmp)
        tmp *= self.lr / c1
        params -= tmp
