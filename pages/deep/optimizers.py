"""SGD, momentum and Adam on 2-D loss surfaces; a learning-rate × momentum map (sheet 6d)."""

import math

import streamlit as st

from core.deep import optim2d, optimizers
from ui import contract as ui
from viz.deep import optimizers as viz

# samples per side of the contour grid: 60 draw the smooth bowls as well as 120 in half the browser's time (the figure
# is redrawn on every change of the surface's controls); Rosenbrock's narrow curved valley needs 120
CONTOUR_RESOLUTION = {"quadratic": 60, "rosenbrock": 120, "saddle": 60}
RUNS = ("SGD", "Momentum", "Adam", "Adam (no bias correction)")
SURFACE_NAMES = {"quadratic": "ill-conditioned quadratic", "rosenbrock": "Rosenbrock valley", "saddle": "saddle point"}
FORMULAS = {
    "quadratic": r"f(x,y) = \tfrac12\,(x^2 + \kappa y^2)",
    "rosenbrock": r"f(x,y) = (1-x)^2 + 100\,(y-x^2)^2",
    "saddle": r"f(x,y) = \tfrac12 x^2 - \tfrac12 y^2 + \tfrac14 y^4",
}

spec = ui.begin(
    __file__,
    intro="Three optimizers race from the same start on a 2-D loss surface. The map below runs momentum for "
    "every pair (learning rate, momentum) at once and colours the loss it reaches, like Distill's "
    "'Why momentum really works'.",
)

surface_name = ui.select("Loss surface", "surf", tuple(SURFACE_NAMES), format_func=SURFACE_NAMES.get)
kappa = 20.0
if surface_name == "quadratic":
    kappa = ui.slider("Condition number κ", "kappa", 1.0, 100.0, 20.0, 1.0, help="Curvature ratio of the two axes.")
surf = ui.attempt(optim2d.surface, surface_name, kappa)
chosen = ui.multiselect("Optimizers", "opts", RUNS, RUNS[:3])
log_lr = ui.slider(
    "log₁₀ η (SGD and momentum)",
    f"lr_{surface_name}",
    -5.0,
    0.5,
    float(round(math.log10(surf.lr), 1)),
    0.1,
    help="The default is a learning rate at which plain gradient descent converges on this surface.",
)
momentum = ui.slider("Momentum μ", "mu", 0.0, 0.99, 0.9, 0.01)
log_adam_lr = ui.slider("log₁₀ η (Adam)", "adam_lr", -4.0, 0.5, -1.3, 0.1)
beta1 = ui.slider("Adam β₁", "beta1", 0.0, 0.99, 0.9, 0.01)
beta2 = ui.select("Adam β₂", "beta2", ("0.999", "0.99", "0.9"))
steps = ui.slider("Steps", "steps", 10, 500, 150, 10)

lr, adam_lr = 10.0**log_lr, 10.0**log_adam_lr
configs = {
    "SGD": optimizers.OptimizerConfig("sgd", lr),
    "Momentum": optimizers.OptimizerConfig("momentum", lr, momentum=momentum),
    "Adam": optimizers.OptimizerConfig("adam", adam_lr, beta1=beta1, beta2=float(beta2)),
    "Adam (no bias correction)": optimizers.OptimizerConfig(
        "adam", adam_lr, beta1=beta1, beta2=float(beta2), bias_correction=False
    ),
}


@st.cache_data(max_entries=64, show_spinner=False)
def run_all(surface_name: str, kappa: float, named_configs: tuple, steps: int):
    surf = optim2d.surface(surface_name, kappa)
    return {name: optim2d.trajectory(surf, config, surf.start, steps) for name, config in named_configs}


@st.cache_data(max_entries=32, show_spinner=False)
def grid(surface_name: str, kappa: float, steps: int):
    surf = optim2d.surface(surface_name, kappa)
    return optim2d.momentum_grid(surf, surf.start, steps, (surf.lr / 100, surf.lr * 20))


runs = ui.attempt(run_all, surface_name, kappa, tuple((name, configs[name]) for name in chosen), steps)
xs, ys, f = optim2d.contour_grid(surf, CONTOUR_RESOLUTION[surface_name])
ui.figure(viz.trajectories(surf, xs, ys, f, runs))
diverged = [name for name, run in runs.items() if run.diverged]
if diverged:
    ui.caution(
        f"{', '.join(diverged)} diverged (θ left every bound): the learning rate is too large for this surface's "
        "curvature. The path is shown up to the last finite point."
    )
if runs:
    ui.figure(viz.per_step(surf, runs))
    st.caption(
        "Final loss gap f − f*: "
        + ", ".join(f"{name} {run.loss[-1] - surf.f_min:.2e}" for name, run in runs.items() if not run.diverged)
    )
else:
    ui.problem("Choose at least one optimizer to run.")

ui.formula(FORMULAS[surface_name] + (rf",\quad \kappa = {kappa:g}" if surface_name == "quadratic" else ""))
ui.formula(
    rf"\text{{momentum: }} v \leftarrow {momentum:g}\,v + \nabla f(\theta),\quad \theta \leftarrow \theta - {lr:.3g}\,v",
    caption="Momentum as PyTorch writes it (v ← μv − η∇f, θ ← θ + v is the same iteration with v scaled by η):",
)
ui.formula(
    rf"m \leftarrow {beta1:g}\,m + {1 - beta1:.2g}\,g,\quad v \leftarrow {beta2}\,v + {1 - float(beta2):.3g}\,g^2,\quad "
    rf"\hat m = \frac{{m}}{{1-{beta1:g}^t}},\ \hat v = \frac{{v}}{{1-{beta2}^t}},\quad "
    rf"\theta \leftarrow \theta - {adam_lr:.3g}\,\frac{{\hat m}}{{\sqrt{{\hat v}}+\epsilon}}",
    caption="Adam (sheet 6d). Without bias correction m̂ = m and v̂ = v. First step: with correction it is "
    f"η·sign(g); without, η(1 − β₁)/√(1 − β₂) = {(1 - beta1) / (1 - float(beta2)) ** 0.5:.2f}·η per coordinate.",
)

st.subheader("Learning rate × momentum: where does momentum converge?")
momentum_grid = ui.attempt(grid, surface_name, kappa, steps)
ui.figure(viz.momentum_map(momentum_grid, marker=(lr, momentum)))
if surface_name == "quadratic":
    ui.formula(
        rf"\eta < \frac{{2(1+\mu)}}{{\kappa}} = {2 * (1 + momentum) / kappa:.3g},\qquad "
        rf"\mu^\star = \Big(\frac{{\sqrt\kappa-1}}{{\sqrt\kappa+1}}\Big)^2 = {((kappa**0.5 - 1) / (kappa**0.5 + 1)) ** 2:.3f}",
        caption="On the quadratic, heavy-ball momentum is stable below this η (largest curvature κ); the fastest "
        "rate is reached at μ*:",
    )
ui.what_to_notice(
    "- On the ill-conditioned quadratic SGD zig-zags across the steep y-direction while it crawls along x; raise "
    "η past 2/κ and it diverges. Momentum averages the zig-zag away and moves along the valley.\n"
    "- The map: with μ = 0 (bottom row) only a narrow band of η works; larger μ widens the stable range of η "
    "(up to 2(1+μ)/κ) and speeds convergence, until μ is so close to 1 that it oscillates.\n"
    "- Adam rescales every coordinate by its own √v̂, so its steps have length ≈ η whatever the gradient's "
    "size: it needs a different η than SGD and ignores the conditioning of the quadratic.\n"
    "- Bias correction: with β₂ = 0.999 and m, v started at 0, the uncorrected first steps are ≈ 3× too long "
    "(see the step-length plot); the corrected steps start at exactly η.\n"
    "- At the saddle the gradient is tiny near the start: SGD lingers, momentum and Adam escape faster."
)
ui.end()
