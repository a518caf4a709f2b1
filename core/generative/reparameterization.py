"""The reparameterization trick (sheet 11 b) and two gradient estimators of a Gaussian expectation.

* Affine maps of a Gaussian: if x ~ N(μ, σ²) then a x + b ~ N(aμ + b, a²σ²) (the sheet's aN(μ, σ²) + b); with
  ε ~ N(0, 1), z = μ + σ ε ~ N(μ, σ²) is the case a = σ, b = μ of the standard normal.
* A toy objective J(μ, σ) = E_{z ~ N(μ, σ²)}[f(z)] and its gradient g = (∂J/∂μ, ∂J/∂σ), estimated from N draws:

  - reparameterized (pathwise): z_i = μ + σ ε_i, ĝ = (1/N) Σ_i ∇_{μ,σ} f(μ + σ ε_i) = (1/N) Σ_i f'(z_i) (1, ε_i);
  - score function (REINFORCE, sheet 1.4): ĝ = (1/N) Σ_i f(z_i) ∇_{μ,σ} log N(z_i; μ, σ²), with
    ∂/∂μ log N = (z − μ)/σ² and ∂/∂σ log N = ((z − μ)² − σ²)/σ³;
  - score function with a baseline: f(z_i) replaced by f(z_i) − b_i, b_i the mean of f over the other N − 1
    draws (independent of z_i, so still unbiased; b = 0 for N = 1).

  Both are unbiased where f is differentiable; the pathwise one uses f', the score function only f (so it also
  works for a step function, where f' = 0 almost everywhere and the pathwise estimate is 0, i.e. biased).

Gradients are taken by torch autograd, exactly as a VAE's are: through z = μ + σ ε for the pathwise estimator,
through log N(z; μ, σ²) with z held fixed for the score function.

Randomness: one seed, independent streams ``SeedSequence(seed).spawn(3)`` for the affine samples, the single
draw of the gradient-flow example and the variance study (one child per N).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.errors import InputError
from core.numerics import seed_streams

ESTIMATORS = ("reparameterized", "score function", "score function − b")
MAX_SAMPLES = 200_000
MAX_REPEATS = 5_000
MAX_DRAWS = 1 << 21
"""Repeats × N of one variance-study size: the tensors stay a few tens of MB."""

AFFINE_STREAM, EXAMPLE_STREAM, STUDY_STREAM = range(3)


def seed_stream(seed: int, which: int) -> np.random.SeedSequence:
    """Stream ``which`` of ``SeedSequence(seed).spawn(3)``: affine samples, gradient-flow example, variance study."""
    return seed_streams(seed, 3)[which]


def _check_gaussian(mu: float, sigma: float) -> None:
    if not math.isfinite(mu):
        raise InputError(f"μ must be a finite number; got {mu}.")
    if not (math.isfinite(sigma) and sigma > 0):
        raise InputError(f"σ must be a positive number; got {sigma}.")


# --------------------------------------------------------------------------------------------- aN(μ, σ²) + b


@dataclass(frozen=True)
class AffineSamples:
    """ε ~ N(0, 1), x = μ + σ ε ~ N(μ, σ²) and y = a x + b, the same n draws in all three."""

    mu: float
    sigma: float
    a: float
    b: float
    eps: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def predicted_mean(self) -> float:
        """E[y] = aμ + b."""
        return self.a * self.mu + self.b

    @property
    def predicted_variance(self) -> float:
        """Var[y] = a²σ²."""
        return self.a**2 * self.sigma**2


def affine_samples(mu: float, sigma: float, a: float, b: float, n: int, seed: int) -> AffineSamples:
    """n draws ε ~ N(0, 1), x = μ + σ ε, y = a x + b (so y ~ N(aμ + b, a²σ²))."""
    _check_gaussian(mu, sigma)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise InputError(f"a and b must be finite numbers; got a = {a}, b = {b}.")
    if not 2 <= n <= MAX_SAMPLES:
        raise InputError(f"Between 2 and {MAX_SAMPLES} samples; got {n}.")
    eps = np.random.default_rng(seed_stream(seed, AFFINE_STREAM)).standard_normal(n)
    # x = μ + σ ε
    x = mu + sigma * eps
    # y = a x + b
    return AffineSamples(mu, sigma, a, b, eps, x, a * x + b)


# --------------------------------------------------------------------------------------------- toy objectives

_SQUARE_CENTRE = 2.0
_SINE_FREQUENCY = 3.0
_STEP_AT = 1.0


def _standard_normal_pdf(u: float) -> float:
    return math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Objective:
    """A toy f with J(μ, σ) = E_{N(μ, σ²)}[f(z)] and its gradient in closed form."""

    name: str
    latex: str
    """f(z) in LaTeX."""
    f: Callable[[torch.Tensor], torch.Tensor]
    """f applied elementwise to a torch tensor (differentiable where f is)."""
    value: Callable[[float, float], float]
    """J(μ, σ)."""
    gradient: Callable[[float, float], tuple[float, float]]
    """(∂J/∂μ, ∂J/∂σ)."""
    differentiable: bool
    """False for the step: f' = 0 almost everywhere, so the pathwise estimator is biased (it returns 0)."""


def _square() -> Objective:
    c = _SQUARE_CENTRE
    return Objective(
        name=f"(z − {c:g})²",
        latex=rf"(z - {c:g})^2",
        f=lambda z: (z - c) ** 2,
        # J = E[(z − c)²] = (μ − c)² + σ²
        value=lambda mu, sigma: (mu - c) ** 2 + sigma**2,
        # ∂J/∂μ = 2(μ − c), ∂J/∂σ = 2σ
        gradient=lambda mu, sigma: (2 * (mu - c), 2 * sigma),
        differentiable=True,
    )


def _sine() -> Objective:
    w = _SINE_FREQUENCY

    def damping(sigma: float) -> float:
        # E[e^{iωz}] = e^{iωμ − ω²σ²/2}: the imaginary part is E[sin ωz] = sin(ωμ) e^{−ω²σ²/2}
        return math.exp(-0.5 * w * w * sigma * sigma)

    return Objective(
        name=f"sin({w:g}z)",
        latex=rf"\sin({w:g}z)",
        f=lambda z: torch.sin(w * z),
        value=lambda mu, sigma: math.sin(w * mu) * damping(sigma),
        # ∂J/∂μ = ω cos(ωμ) e^{−ω²σ²/2}, ∂J/∂σ = −ω²σ sin(ωμ) e^{−ω²σ²/2}
        gradient=lambda mu, sigma: (
            w * math.cos(w * mu) * damping(sigma),
            -w * w * sigma * math.sin(w * mu) * damping(sigma),
        ),
        differentiable=True,
    )


def _step() -> Objective:
    c = _STEP_AT

    def gradient(mu: float, sigma: float) -> tuple[float, float]:
        u = (mu - c) / sigma
        # J = Φ((μ − c)/σ): ∂J/∂μ = φ(u)/σ, ∂J/∂σ = −φ(u)(μ − c)/σ²
        return _standard_normal_pdf(u) / sigma, -_standard_normal_pdf(u) * (mu - c) / sigma**2

    return Objective(
        name=f"step 1[z > {c:g}]",
        latex=rf"\mathbb 1[z > {c:g}]",
        # 0·z keeps z in the graph: autograd then returns the pathwise derivative of a step, 0 almost everywhere
        f=lambda z: (z > c).to(z.dtype) + 0.0 * z,
        # J = P(z > c) = Φ((μ − c)/σ)
        value=lambda mu, sigma: 0.5 * math.erfc(-(mu - c) / (sigma * math.sqrt(2))),
        gradient=gradient,
        differentiable=False,
    )


OBJECTIVES: dict[str, Objective] = {o.name: o for o in (_square(), _sine(), _step())}


def objective(name: str) -> Objective:
    if name not in OBJECTIVES:
        raise InputError(f"Unknown objective {name!r}; choose one of {', '.join(OBJECTIVES)}.")
    return OBJECTIVES[name]


# --------------------------------------------------------------------------------------------- estimators


def gradient_estimates(
    objective: Objective,
    mu: float,
    sigma: float,
    eps: np.ndarray,
    estimator: str,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """One gradient estimate (ĝ_μ, ĝ_σ) per row of ``eps`` (shape (R, N), or (N,) for one): shape (R, 2).

    ``weights`` (N,) replace the plain mean (1/N) Σ_i by Σ_i w_i (e.g. Gauss–Hermite weights, which make the
    estimate an exact expectation); the baseline variant needs the plain mean.
    """
    if estimator not in ESTIMATORS:
        raise InputError(f"Unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}.")
    _check_gaussian(mu, sigma)
    eps_t = torch.as_tensor(np.atleast_2d(eps), dtype=torch.float64)  # (R, N)
    repeats, n = eps_t.shape
    w = torch.full((n,), 1.0 / n, dtype=torch.float64) if weights is None else torch.as_tensor(weights).double()
    # one (μ, σ) leaf per repeat, so that one backward pass gives every repeat's own gradient
    mu_t = torch.full((repeats, 1), float(mu), dtype=torch.float64, requires_grad=True)
    sigma_t = torch.full((repeats, 1), float(sigma), dtype=torch.float64, requires_grad=True)
    if estimator == "reparameterized":
        # z = μ + σ ε: a differentiable function of (μ, σ)
        z = mu_t + sigma_t * eps_t
        # ĝ = ∇ Σ_i w_i f(μ + σ ε_i)
        surrogate = (objective.f(z) * w).sum()
    else:
        # the draws themselves carry no gradient: z is held fixed, only log N(z; μ, σ²) is differentiated
        z = (mu_t + sigma_t * eps_t).detach()
        value = objective.f(z).detach()
        if estimator == "score function − b":
            if weights is not None:
                raise InputError("The baseline variant needs the plain mean over the draws, not weights.")
            # b_i = (Σ_j f(z_j) − f(z_i)) / (N − 1): the mean of the other draws (0 when N = 1)
            baseline = (value.sum(dim=1, keepdim=True) - value) / (n - 1) if n > 1 else torch.zeros_like(value)
            value = value - baseline
        # log N(z; μ, σ²) = −½ log 2π − log σ − (z − μ)²/(2σ²)
        log_density = -0.5 * math.log(2 * math.pi) - torch.log(sigma_t) - (z - mu_t) ** 2 / (2 * sigma_t**2)
        # ĝ = Σ_i w_i f(z_i) ∇ log N(z_i; μ, σ²)
        surrogate = (value * log_density * w).sum()
    surrogate.backward()
    return torch.cat([mu_t.grad, sigma_t.grad], dim=1).numpy()


@dataclass(frozen=True)
class PathwiseExample:
    """One draw z = μ + σ ε through f, with autograd's gradients and the chain rule written out."""

    eps: float
    z: float
    f_value: float
    d_mu: float
    """∂f(μ + σε)/∂μ by autograd (= f'(z) · ∂z/∂μ = f'(z) · 1)."""
    d_sigma: float
    """∂f(μ + σε)/∂σ by autograd (= f'(z) · ∂z/∂σ = f'(z) · ε)."""
    f_prime: float
    """f'(z) by autograd."""


def pathwise_example(objective: Objective, mu: float, sigma: float, seed: int) -> PathwiseExample:
    """A single draw ε ~ N(0, 1) of the seed's example stream, and the gradients that flow back through it."""
    _check_gaussian(mu, sigma)
    eps = float(np.random.default_rng(seed_stream(seed, EXAMPLE_STREAM)).standard_normal())
    mu_t = torch.tensor(float(mu), dtype=torch.float64, requires_grad=True)
    sigma_t = torch.tensor(float(sigma), dtype=torch.float64, requires_grad=True)
    # z = μ + σ ε
    z = mu_t + sigma_t * eps
    z.retain_grad()
    value = objective.f(z)
    value.backward()
    return PathwiseExample(
        eps, float(z.detach()), float(value.detach()), float(mu_t.grad), float(sigma_t.grad), float(z.grad)
    )


@dataclass(frozen=True)
class VarianceStudy:
    """Each estimator's gradient estimates, ``repeats`` of them at every N, against the true gradient."""

    sizes: np.ndarray
    """(k,) the numbers of draws N per estimate."""
    estimates: dict[str, np.ndarray]
    """estimator → (k, R, 2) estimates (ĝ_μ, ĝ_σ); at each N all estimators share the same draws."""
    true_gradient: tuple[float, float]
    """(∂J/∂μ, ∂J/∂σ) in closed form."""

    def variance(self, estimator: str) -> np.ndarray:
        """(k, 2): Var[ĝ] over the repeats, per N and per component."""
        return self.estimates[estimator].var(axis=1, ddof=1)

    def mean(self, estimator: str) -> np.ndarray:
        """(k, 2): the mean estimate over the repeats."""
        return self.estimates[estimator].mean(axis=1)

    def at(self, n: int) -> int:
        """The row of N = n."""
        rows = np.flatnonzero(self.sizes == n)
        if not rows.size:
            raise InputError(f"N = {n} is not one of the measured sizes {', '.join(map(str, self.sizes))}.")
        return int(rows[0])


def variance_study(
    name: str, mu: float, sigma: float, sizes: tuple[int, ...], repeats: int, seed: int
) -> VarianceStudy:
    """``repeats`` independent estimates at each N in ``sizes`` for every estimator; Var[ĝ_N] is measured over
    them (for an average of N independent draws it falls as σ_1²/N, σ_1² the variance of one draw's estimate)."""
    target = objective(name)
    _check_gaussian(mu, sigma)
    sizes_arr = np.array(sorted(set(int(n) for n in sizes)))
    if not sizes_arr.size or sizes_arr[0] < 1:
        raise InputError("Every N must be at least 1.")
    if not 2 <= repeats <= MAX_REPEATS:
        raise InputError(f"Between 2 and {MAX_REPEATS} repeats; got {repeats}.")
    if repeats * sizes_arr[-1] > MAX_DRAWS:
        raise InputError(f"Repeats × N must stay below {MAX_DRAWS:,}; got {repeats} × {sizes_arr[-1]}.")
    streams = seed_stream(seed, STUDY_STREAM).spawn(len(sizes_arr))
    estimates: dict[str, list[np.ndarray]] = {e: [] for e in ESTIMATORS}
    for n, stream in zip(sizes_arr, streams):
        eps = np.random.default_rng(stream).standard_normal((repeats, n))  # common draws for every estimator
        for estimator in ESTIMATORS:
            estimates[estimator].append(gradient_estimates(target, mu, sigma, eps, estimator))
    return VarianceStudy(sizes_arr, {e: np.stack(v) for e, v in estimates.items()}, tuple(target.gradient(mu, sigma)))
