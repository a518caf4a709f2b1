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

The estimators are computed in NumPy from f, its derivative f' and the score ∇ log N in closed form: a VAE
takes the same gradients by torch autograd (through z = μ + σ ε, or through log N(z; μ, σ²) with z held fixed),
which for the page's study (400 repeats at each N = 1, 2, …, 1024) cost 1.5-5× as much; the tests check the NumPy
estimates against torch autograd's on the same draws. Autograd stays where it is what the page shows: the one draw of
:func:`pathwise_example`, whose chain rule the page writes out with autograd's numbers.

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
    f: Callable[[np.ndarray], np.ndarray]
    """f applied elementwise to a NumPy array."""
    f_prime: Callable[[np.ndarray], np.ndarray]
    """f'(z) elementwise (0 where f is flat, so 0 almost everywhere for the step)."""
    torch_f: Callable[[torch.Tensor], torch.Tensor]
    """f applied elementwise to a torch tensor (differentiable where f is), for autograd."""
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
        # f'(z) = 2(z − c)
        f_prime=lambda z: 2 * (z - c),
        torch_f=lambda z: (z - c) ** 2,
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
        f=lambda z: np.sin(w * z),
        # f'(z) = ω cos(ωz)
        f_prime=lambda z: w * np.cos(w * z),
        torch_f=lambda z: torch.sin(w * z),
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
        f=lambda z: (z > c).astype(z.dtype),
        # f'(z) = 0 for z ≠ c (and z = c has probability 0)
        f_prime=np.zeros_like,
        # 0·z keeps z in the graph: autograd then returns the pathwise derivative of a step, 0 almost everywhere
        torch_f=lambda z: (z > c).to(z.dtype) + 0.0 * z,
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


BLOCK_DRAWS = 1 << 14
"""Draws per block of rows in :func:`_estimates`: a block's temporaries (128 KiB each) stay in the cache and in
malloc's heap. Whole (400, 1024) temporaries came as fresh pages from the kernel on every call: the square's study
took 48 ms that way, 18 ms in blocks."""


def _estimates(
    objective: Objective,
    mu: float,
    sigma: float,
    eps: np.ndarray,
    estimators: tuple[str, ...],
    weights: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each of ``estimators`` on the same draws ``eps`` (R, N): estimator → (R, 2); z and f(z) computed once,
    a block of rows at a time (each row's estimate is its own)."""
    n = eps.shape[1]
    if weights is not None and "score function − b" in estimators:
        raise InputError("The baseline variant needs the plain mean over the draws, not weights.")
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=np.float64)
    out = {estimator: np.empty((len(eps), 2)) for estimator in estimators}
    rows_per_block = max(1, BLOCK_DRAWS // n)
    for start in range(0, len(eps), rows_per_block):
        block = eps[start : start + rows_per_block]
        # z = μ + σ ε
        z = mu + sigma * block
        if "reparameterized" in estimators:
            slope = objective.f_prime(z)
            # ĝ = Σ_i w_i ∇_{μ,σ} f(μ + σ ε_i) = Σ_i w_i f'(z_i) (∂z/∂μ, ∂z/∂σ) = Σ_i w_i f'(z_i) (1, ε_i)
            out["reparameterized"][start : start + len(block)] = np.stack([slope @ w, (slope * block) @ w], axis=1)
        if "score function" not in estimators and "score function − b" not in estimators:
            continue
        value = objective.f(z)
        centred = z - mu
        # ∂/∂μ log N(z; μ, σ²) = (z − μ)/σ², ∂/∂σ log N = (z − μ)²/σ³ − 1/σ
        score_mu = centred / sigma**2
        score_sigma = centred**2 / sigma**3 - 1.0 / sigma
        for estimator in estimators:
            if estimator == "score function":
                signal = value
            elif estimator == "score function − b":
                # b_i = (Σ_j f(z_j) − f(z_i)) / (N − 1): the mean of the other draws (0 when N = 1)
                baseline = (value.sum(axis=1, keepdims=True) - value) / (n - 1) if n > 1 else 0.0
                signal = value - baseline
            else:
                continue
            # ĝ = Σ_i w_i (f(z_i) − b_i) ∇_{μ,σ} log N(z_i; μ, σ²)
            out[estimator][start : start + len(block)] = np.stack(
                [(signal * score_mu) @ w, (signal * score_sigma) @ w], axis=1
            )
    return out


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
    eps = np.atleast_2d(np.asarray(eps, dtype=np.float64))
    return _estimates(objective, float(mu), float(sigma), eps, (estimator,), weights)[estimator]


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
    value = objective.torch_f(z)
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
        for estimator, values in _estimates(target, float(mu), float(sigma), eps, ESTIMATORS).items():
            estimates[estimator].append(values)
    return VarianceStudy(sizes_arr, {e: np.stack(v) for e, v in estimates.items()}, tuple(target.gradient(mu, sigma)))
