"""Optimizers on 2-D loss surfaces (sheet 6d): trajectories, and a learning-rate × momentum map.

Surfaces, with θ = (x, y):

* ill-conditioned quadratic ``f(θ) = ½(x² + κ y²)``: curvature 1 along x and κ along y, minimum 0 at 0;
* Rosenbrock ``f(θ) = (1 − x)² + 100 (y − x²)²``: a curved valley, minimum 0 at (1, 1);
* saddle ``f(θ) = ½x² − ½y² + ¼y⁴``: a saddle point at 0, minima −¼ at (0, ±1).

The optimizers are those of :mod:`core.deep.optimizers` (SGD, momentum v ← μv + g, θ ← θ − ηv; Adam with or without
bias correction), applied to the single parameter vector θ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.deep import optimizers
from core.errors import InputError

# Iterates further than this from the origin count as diverged.
ESCAPE_RADIUS = 1e6


@dataclass(frozen=True)
class Surface:
    """A 2-D loss f(x, y) with its gradient, the plotting box and sensible defaults."""

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    f_min: float
    """The global minimum value f*, so that f − f* ≥ 0 can be shown on a log scale."""
    box: tuple[float, float, float, float]
    """x_min, x_max, y_min, y_max of the plot."""
    start: tuple[float, float]
    lr: float
    """A learning rate at which plain gradient descent converges, slowly."""
    minima: tuple[tuple[float, float], ...]


def surface(name: str, kappa: float = 20.0) -> Surface:
    """The named surface; ``kappa`` is the condition number κ of the quadratic."""
    if name == "quadratic":
        if not 1.0 <= kappa <= 1000.0:
            raise InputError(f"The condition number κ must lie in [1, 1000]; got {kappa}.")
        return Surface(
            "quadratic",
            # f = ½(x² + κ y²)
            lambda x, y: 0.5 * (x**2 + kappa * y**2),
            # ∇f = (x, κ y)
            lambda x, y: (x, kappa * y),
            0.0,
            (-3.0, 3.0, -2.0, 2.0),
            (-2.8, 1.2),
            1.8 / kappa,
            ((0.0, 0.0),),
        )
    if name == "rosenbrock":
        return Surface(
            "rosenbrock",
            # f = (1 − x)² + 100 (y − x²)²
            lambda x, y: (1 - x) ** 2 + 100.0 * (y - x**2) ** 2,
            # ∇f = (−2(1 − x) − 400 x (y − x²), 200 (y − x²))
            lambda x, y: (-2.0 * (1 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)),
            0.0,
            (-2.0, 2.0, -1.0, 3.0),
            (-1.5, 2.0),
            1e-3,
            ((1.0, 1.0),),
        )
    if name == "saddle":
        return Surface(
            "saddle",
            # f = ½x² − ½y² + ¼y⁴
            lambda x, y: 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4,
            # ∇f = (x, −y + y³)
            lambda x, y: (x, -y + y**3),
            -0.25,
            (-2.0, 2.0, -1.6, 1.6),
            (1.8, 1e-3),
            0.1,
            ((0.0, 1.0), (0.0, -1.0)),
        )
    raise InputError(f"Unknown surface {name!r}; choose quadratic, rosenbrock or saddle.")


SURFACES = ("quadratic", "rosenbrock", "saddle")


@dataclass(frozen=True)
class Trajectory:
    path: np.ndarray
    """(k + 1, 2): θ_0 ... θ_k (stops early on divergence)."""
    loss: np.ndarray
    """(k + 1,) f(θ_t)."""
    step_size: np.ndarray
    """(k,) ‖θ_{t+1} − θ_t‖, the length of each actual step."""
    diverged: bool


def trajectory(surf: Surface, config: optimizers.OptimizerConfig, start: tuple[float, float], steps: int) -> Trajectory:
    """θ_{t+1} = optimizer_step(θ_t, ∇f(θ_t)) for ``steps`` steps from ``start``."""
    if not 1 <= steps <= 20_000:
        raise InputError(f"The number of steps must lie in [1, 20000]; got {steps}.")
    theta = [np.array(start, dtype=float)]
    state = optimizers.OptimizerState()
    path = [theta[0]]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            gx, gy = surf.grad(theta[0][0], theta[0][1])
            theta, state = optimizers.optimizer_step(theta, [np.array([gx, gy])], state, config)
            if not np.all(np.isfinite(theta[0])) or np.abs(theta[0]).max() > ESCAPE_RADIUS:
                diverged = True
                break
            path.append(theta[0])
    path_arr = np.array(path)  # (k + 1, 2)
    loss = surf.f(path_arr[:, 0], path_arr[:, 1])
    return Trajectory(path_arr, loss, np.linalg.norm(np.diff(path_arr, axis=0), axis=1), diverged)


@dataclass(frozen=True)
class MomentumGrid:
    lrs: np.ndarray
    """(n_lr,) learning rates η, log-spaced."""
    momenta: np.ndarray
    """(n_mu,) momentum values μ."""
    gap: np.ndarray
    """(n_mu, n_lr) f(θ_T) − f* after T steps; inf where the iteration diverged."""


def momentum_grid(
    surf: Surface,
    start: tuple[float, float],
    steps: int,
    lr_range: tuple[float, float],
    n_lr: int = 40,
    n_mu: int = 40,
) -> MomentumGrid:
    """Final loss gap f(θ_T) − f* of heavy-ball momentum (v ← μv + ∇f, θ ← θ − ηv) for every (η, μ) pair.

    All n_lr × n_mu runs are advanced together as columns of one (2, n_mu·n_lr) array.
    """
    lo, hi = lr_range
    if not 0 < lo < hi:
        raise InputError("The learning-rate range must satisfy 0 < η_min < η_max.")
    if not 1 <= steps <= 5000:
        raise InputError(f"The number of steps must lie in [1, 5000]; got {steps}.")
    lrs = np.geomspace(lo, hi, n_lr)
    momenta = np.linspace(0.0, 0.99, n_mu)
    eta = np.tile(lrs, n_mu)  # (n_mu·n_lr,): η varies fastest
    mu = np.repeat(momenta, n_lr)
    theta = np.tile(np.array(start, dtype=float)[:, None], (1, n_mu * n_lr))  # (2, runs)
    velocity = np.zeros_like(theta)
    alive = np.ones(theta.shape[1], dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            gx, gy = surf.grad(theta[0], theta[1])
            # v ← μ v + ∇f(θ)
            velocity = mu * velocity + np.stack([gx, gy])
            # θ ← θ − η v
            theta = theta - eta * velocity
            alive &= np.all(np.isfinite(theta), axis=0) & (np.abs(theta).max(axis=0) < ESCAPE_RADIUS)
            # freeze diverged runs so that they do not overflow into warnings
            theta[:, ~alive] = 0.0
            velocity[:, ~alive] = 0.0
        gap = surf.f(theta[0], theta[1]) - surf.f_min
    gap = np.where(alive, np.maximum(gap, 0.0), np.inf)
    return MomentumGrid(lrs, momenta, gap.reshape(n_mu, n_lr))  # (n_mu, n_lr): rows μ, columns η


def contour_grid(surf: Surface, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x ticks, y ticks and f on the plotting box, shape (resolution, resolution) with rows = y."""
    x0, x1, y0, y1 = surf.box
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, surf.f(gx, gy)
