"""Linear regression with ridge and LASSO, logistic regression by gradient descent vs Newton, softmax regression
(sheet 3, 4a–4c)."""

import functools

import numpy as np
import streamlit as st

from core import user_data
from core.supervised import linear, logistic, softmax_regression
from ui import contract as ui
from ui import points_input
from viz import theme
from viz.supervised import common as common_viz
from viz.supervised import linear as linear_viz
from viz.supervised import logistic as logistic_viz
from viz.supervised import softmax_regression as softmax_viz

PARTS = ("Linear: ridge & LASSO", "Logistic: GD vs Newton", "Softmax (K classes)")
SOURCES = ("generated", "your data")
# the URL-bound texts of "your data", one per part (lessons reference these keys)
LINEAR_KEY, LOGISTIC_KEY, SOFTMAX_KEY = "lin_data", "logit_data", "softmax_data"
NEW_CLASS = "new class"
POINT_COLUMNS = ("x1", "x2", "class")


@st.cache_data(max_entries=64)
def linear_cached(n: int, noise: float, degree: int, lam: float, seed: int) -> linear.LinearReport:
    return linear.linear_report(n, noise, degree, lam, seed)


@st.cache_data(max_entries=64)
def logistic_cached(
    m: int, sep: float, flip: float, alpha: float, steps: int, start: tuple[float, float], seed: int
) -> logistic.LogisticReport:
    return logistic.logistic_report(m, sep, flip, alpha, steps, start, seed)


@st.cache_data(max_entries=64)
def softmax_cached(
    m: int, classes: int, spread: float, alpha: float, steps: int, seed: int
) -> softmax_regression.SoftmaxReport:
    return softmax_regression.softmax_report(m, classes, spread, alpha, steps, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def parse_xy(text: str) -> np.ndarray:
    return linear.parse_xy(text)


@st.cache_data(max_entries=32, show_spinner=False)
def parse_two_classes(text: str) -> user_data.LabelledPoints:
    return logistic.parse_two_classes(text)


@st.cache_data(max_entries=32, show_spinner=False)
def parse_classes(text: str) -> user_data.LabelledPoints:
    return softmax_regression.parse_classes(text)


@st.cache_data(max_entries=32, show_spinner=False)
def user_linear_cached(points: np.ndarray, degree: int, lam: float) -> linear.LinearReport:
    return linear.fit_report(linear.user_linear_data(points, degree), lam)


@st.cache_data(max_entries=32, show_spinner=False)
def user_logistic_cached(
    x: np.ndarray, label: np.ndarray, classes: tuple[str, ...], alpha: float, steps: int, start: tuple[float, float]
) -> logistic.LogisticReport:
    points = user_data.LabelledPoints(x, label, classes)
    return logistic.fit_logistic(logistic.user_logistic_data(points), alpha, steps, start)


@st.cache_data(max_entries=32, show_spinner=False)
def user_softmax_cached(
    x: np.ndarray, label: np.ndarray, classes: tuple[str, ...], alpha: float, steps: int
) -> softmax_regression.SoftmaxReport:
    return softmax_regression.user_softmax_report(user_data.LabelledPoints(x, label, classes), alpha, steps)


def xy_rows(points: np.ndarray) -> list[list]:
    return [[float(x), float(y)] for x, y in points]


def point_rows(points: user_data.LabelledPoints) -> list[list]:
    return [[float(a), float(b), points.classes[k]] for (a, b), k in zip(points.x, points.label)]


def add_xy_point(chart_key: str) -> None:
    """on_select callback of the linear fit: append the clicked (x, y), in the chart's (the user's) units."""
    clicked = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    if clicked:
        points_input.append_line(LINEAR_KEY, f"{clicked[0]['x']:.4g}, {clicked[0]['y']:.4g}")


def add_class_point(
    chart_key: str, data_key: str, class_key: str, scaling: user_data.Rescaling, classes: tuple[str, ...]
) -> None:
    """on_select callback of a classification chart: append the clicked point, in the user's units, of the
    chosen class (a new class is named by core.user_data.next_class_name, so it comes last)."""
    clicked = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    if not clicked:
        return
    x1, x2 = scaling.invert(np.array([clicked[0]["x"], clicked[0]["y"]]))
    name = st.session_state.get(class_key, NEW_CLASS)
    if name == NEW_CLASS or name not in classes:
        name = user_data.next_class_name(classes)
        st.session_state[class_key] = name  # the next clicks add to the class just started
    points_input.append_line(data_key, f"{x1:.4g}, {x2:.4g}, {name}")


def class_label(name: str, classes: tuple[str, ...]) -> str:
    """A class choice with the colour it is drawn in: '2 (green)'; 'new class 3 (purple)' for the next one."""
    return points_input.class_choice_label(name, classes, common_viz.CLASS_COLOUR_NAMES)


def class_choice(key: str, classes: tuple[str, ...], at_most: int) -> None:
    """The class a click adds: the classes so far, and a new one while there may be more."""
    options = (*classes, NEW_CLASS) if len(classes) < at_most else classes
    ui.select(
        "Class of a clicked point",
        key,
        options,
        horizontal_radio=True,
        format_func=functools.partial(class_label, classes=classes),
        help="Click on the chart to add a point of this class; 'new class' starts another one.",
    )


def rescaling_note(scaling: user_data.Rescaling | None) -> str:
    """One sentence on how the user's points were put into the square (nothing when they were used as given)."""
    if scaling is None or scaling.identity:
        return ""
    (c1, c2), (s1, s2) = scaling.centre, scaling.scale
    return (
        f" They leave [−{logistic.USER_BOUND:g}, {logistic.USER_BOUND:g}], so each axis is rescaled into it: "
        f"x1′ = (x1 − {c1:.4g}) / {s1:.4g}, x2′ = (x2 − {c2:.4g}) / {s2:.4g} (the figures show x′; the text and "
        "the table keep your units)."
    )


def click_canvas(sketch: user_data.LabelledPoints | None, chart_key: str, data_key: str, class_key: str) -> None:
    """No fit yet (no points, or too few classes): the empty plane with the points so far, to click on; the
    page ends here."""
    bound = logistic.USER_BOUND
    scaling = user_data.fit_rescaling(sketch.x if sketch is not None else np.zeros((0, 2)), bound)
    points_input.no_fit_caption(sketch, "fit")
    ui.figure(
        common_viz.empty_canvas(
            "Your data: click to add points",
            (-bound, bound),
            (-bound, bound),
            "x1",
            "x2",
            points=None if sketch is None else scaling.apply(sketch.x),
            labels=None if sketch is None else sketch.label,
            names=None if sketch is None else sketch.classes,
            equal_aspect=True,
        ),
        key=chart_key,
        on_select=functools.partial(
            add_class_point, chart_key, data_key, class_key, scaling, sketch.classes if sketch is not None else ()
        ),
        selection_mode="points",
    )
    ui.end()
    st.stop()


def _vector(v: np.ndarray, digits: int = 3) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(f"{x:.{digits}f}" for x in v) + r"\end{pmatrix}"


ui.begin(
    __file__,
    intro="Fit a line — or a polynomial — by least squares, then rein it in with ridge or LASSO; fit a classifier "
    "by gradient descent and by Newton's method from the same start and watch who gets there first.",
)
part = ui.select("Part", "part", PARTS, PARTS[0], horizontal_radio=True)
source = ui.select(
    "Data",
    "src",
    SOURCES,
    help="generated: the page's own random data; your data: points you type, upload as CSV, edit in the table "
    "or click on the chart.",
)
yours = source == SOURCES[1]
seed = ui.seed()

if part == PARTS[0]:
    if yours:
        xy, xy_stale, xy_text = points_input.dataset_input(
            "Your points: x, y per line",
            LINEAR_KEY,
            linear.EXAMPLE_POINTS,
            parse=parse_xy,
            rows=xy_rows,
            columns=("x", "y"),
            numeric=(True, True),
            help="One point per line, e.g. '2.5, 7.1', any units; an optional header line. Click on the chart to "
            "add a point.",
        )
    else:
        n = ui.slider("Points N", "n", 5, 200, 20, 1, help="Number of training points x ~ U[−1, 1].")
        noise = ui.slider("Noise σ", "noise", 0.0, 1.0, 0.3, 0.05, help="y = sin(2.5x) + 0.5x + ε, ε ~ N(0, σ²).")
    degree = ui.slider(
        "Polynomial degree d",
        "degree",
        1,
        15,
        12,
        1,
        help="Features P₁(x)…P_d(x) (Legendre polynomials, standardized) plus the column of ones.",
    )
    log_lam = ui.slider(
        "log₁₀ λ", "loglam", -4.0, 1.0, -1.5, 0.1, help="Regularization strength λ = 10^this, for ridge and LASSO."
    )
    lam = float(10.0**log_lam)
    if yours and xy is None:
        # nothing valid yet (an emptied text, a bad link): the points so far on an empty chart to click on
        sketch = linear.readable_xy(xy_text)
        x_range, y_range = (-1.0, 1.0), (-2.0, 2.0)
        if sketch is not None:
            pad = 0.2 * (np.ptp(sketch, axis=0) + 1.0)
            x_range = (sketch[:, 0].min() - pad[0], sketch[:, 0].max() + pad[0])
            y_range = (sketch[:, 1].min() - pad[1], sketch[:, 1].max() + pad[1])
        points_input.no_fit_caption(sketch, "fit")
        ui.figure(
            common_viz.empty_canvas("Your data: click to add points", x_range, y_range, "x", "y", points=sketch),
            key="lin_fit",
            on_select=functools.partial(add_xy_point, "lin_fit"),
            selection_mode="points",
        )
        ui.end()
        st.stop()
    if yours:
        if xy_stale:
            ui.showing_last_valid("points", "point list (sidebar)")
        n = len(xy)
        r = ui.attempt(user_linear_cached, xy, degree, lam)
    else:
        r = ui.attempt(linear_cached, n, noise, degree, lam, seed)

    if r.ols_problem:
        ui.caution(f"Least squares has no unique solution here: {r.ols_problem}")
    if not r.lasso_converged:
        ui.caution(
            f"LASSO coordinate descent stopped after {linear.LASSO_MAX_SWEEPS} sweeps without converging "
            "(many strongly correlated features and a tiny λ): its curve is close to, not at, the minimum."
        )
    if yours:
        ui.figure(
            linear_viz.linear_fits(r, clickable=True),
            key="lin_fit",
            on_select=functools.partial(add_xy_point, "lin_fit"),
            selection_mode="points",
        )
        st.caption(
            f"Your {n} points: x is mapped onto [−1, 1] for the Legendre features, x̃ = (x − {r.data.x_offset:.4g})"
            f" / {r.data.x_scale:.4g}, and y divided by its standard deviation {r.data.y_scale:.4g} (so λ means the "
            "same in any unit of y). The curves and J are in your units, the coefficient paths in the fitting units."
        )
    else:
        ui.figure(linear_viz.linear_fits(r))
    columns = st.columns(3)
    for column, name in zip(columns, ("least squares", "ridge", "LASSO")):
        value = r.mse.get(name)
        column.metric(f"{name}: training J(w)", "—" if value is None else f"{value:.4f}")
    ui.figure(linear_viz.coefficient_paths(r))

    if r.ols is not None:
        ui.formula(
            rf"\hat w = (X^\top X)^{{-1}} X^\top y,\quad X \in \mathbb{{R}}^{{{n} \times {degree + 1}}},\quad "
            rf"J(\hat w) = \frac{{1}}{{N}}\sum_i (y_i - \hat w^\top x_i)^2 = {r.mse['least squares']:.4f}",
            caption="Least squares (sheet 3.2), with the current numbers; solved with a least-squares solver, "
            "never by inverting XᵀX",
        )
    ui.formula(
        rf"\text{{ridge: }}\min_w \tfrac{{1}}{{2N}}\|y - Xw\|^2 + \tfrac{{\lambda}}{{2}}\|w_{{1:}}\|^2"
        rf"\;\Rightarrow\; w = (X^\top X + N\lambda I')^{{-1}}X^\top y,\quad N\lambda = {n * lam:.4g}",
        caption="Ridge in closed form (I′: the identity with 0 for the bias, which is not penalized)",
    )
    nonzero = r.lasso_nonzero
    ui.formula(
        rf"\text{{LASSO: }}\min_w \tfrac{{1}}{{2N}}\|y - Xw\|^2 + \lambda\|w_{{1:}}\|_1,\quad "
        rf"w_j \leftarrow \frac{{S(\rho_j, \lambda)}}{{G_{{jj}}}},\ S(z,t) = \operatorname{{sign}}(z)\max(|z|-t,0)"
        rf"\quad (\lambda = {lam:.3g}: {nonzero}\text{{ of }}{degree}\text{{ weights}} \neq 0)",
        caption="LASSO by coordinate descent: G = XᵀX/N, ρⱼ = (Xᵀy/N)ⱼ − Σ_{k≠j} Gⱼₖwₖ; the soft threshold S "
        "puts wⱼ at exactly 0 whenever |ρⱼ| ≤ λ",
    )
    ui.what_to_notice(
        "- Raise the degree with few points: least squares threads every point and swings wildly between them "
        "(over-fitting); with degree ≥ N, XᵀX is singular and only ridge/LASSO give an answer.\n"
        "- Ridge pulls all coefficients smoothly towards 0 but never to 0; LASSO's paths hit 0 and stay there, "
        "so it also *selects* features — the sheet's 3.3 in one picture.\n"
        "- Large λ: both collapse to the flat line y = mean(y) (the bias is not penalized).\n"
        "- Same data, same seed, same λ: only the penalty differs between the green (ridge) and the vermilion (LASSO) curve."
    )

elif part == PARTS[1]:
    if yours:
        two, two_stale, two_text = points_input.dataset_input(
            "Your points: x1, x2, class per line",
            LOGISTIC_KEY,
            logistic.EXAMPLE_POINTS,
            parse=parse_two_classes,
            rows=point_rows,
            columns=POINT_COLUMNS,
            numeric=(True, True, False),
            help="One point per line, e.g. '0.5, -1, 1'; exactly two classes (0 and 1, or two names); an optional "
            "header line. Click on the chart to add a point.",
        )
        sketch = two if two is not None else user_data.readable_labelled_points(two_text)
        class_choice("logit_cls", sketch.classes if sketch is not None else ("0",), 2)
    else:
        m = ui.slider(
            "Points m", "m", 20, 300, 100, 10, help="Number of 2-D points (scikit-learn make_classification)."
        )
        sep = ui.slider("Class separation", "sep", 0.2, 4.0, 1.0, 0.1, help="Large values make the classes separable.")
        flip = ui.slider("Label noise", "flip", 0.0, 0.3, 0.05, 0.01, help="Fraction of labels flipped at random.")
    alpha = ui.slider("GD learning rate α", "alpha", 0.05, 30.0, 3.0, 0.05, help="Step size of gradient descent.")
    steps = ui.slider("Iterations", "steps", 1, 300, 60, 1, help="GD steps (Newton runs at most 25; it needs fewer).")
    start1 = ui.slider("Start θ1", "t1", -4.0, 4.0, 0.0, 0.5, help="Both methods start at θ = (0, θ1, θ2).")
    start2 = ui.slider("Start θ2", "t2", -4.0, 4.0, 0.0, 0.5)
    if yours and two is None:
        click_canvas(sketch, "logit_boundary", LOGISTIC_KEY, "logit_cls")
    if yours:
        if two_stale:
            ui.showing_last_valid("points", "point list (sidebar)")
        m = len(two.x)
        r = ui.attempt(user_logistic_cached, two.x, two.label, two.classes, alpha, steps, (start1, start2))
    else:
        r = ui.attempt(logistic_cached, m, sep, flip, alpha, steps, (start1, start2), seed)

    if r.gd_diverged:
        ui.caution(
            f"Gradient descent overshoots: α = {alpha:g} is above 2/L = {r.alpha_limit:.2f} (L = λ_max(XᵀX)/(4m) "
            "bounds the curvature of J), so J went **up** on some steps. Lower α below 2/L."
        )
    if r.data.separable:
        ui.caution(
            "These classes are linearly separable: J(θ) has no minimum — making ‖θ‖ larger along a separating "
            "direction always lowers J towards 0, so the weights grow without bound and the iterations never "
            "converge. Lower the class separation or add label noise (or regularize)."
        )
    if r.newton_diverged:
        reason = f" ({r.newton.failed})" if r.newton.failed else ""
        ui.caution(
            f"Newton's method diverged from this start{reason}: far from the optimum h(x_i) is near 0 or 1, the "
            "Hessian is nearly singular and the full step θ − H⁻¹∇J overshoots. Pure Newton has no step-size "
            "control; start closer (e.g. θ = 0) or damp the step."
        )

    left, right = st.columns(2)
    with left:
        ui.figure(logistic_viz.logistic_losses(r))
    with right:
        ui.figure(logistic_viz.logistic_paths(r))
    gd_k, nt_k = len(r.gd.losses) - 1, len(r.newton.losses) - 1
    # the boundary in a half column: with equal aspect the data is about as tall as it is wide
    plot_col, metric_col = st.columns(2, vertical_alignment="center")
    with plot_col:
        if yours:
            ui.figure(
                logistic_viz.logistic_boundary(r, column_px=theme.HALF_COLUMN_PX, clickable=True),
                key="logit_boundary",
                on_select=functools.partial(
                    add_class_point, "logit_boundary", LOGISTIC_KEY, "logit_cls", r.data.rescaling, r.data.classes
                ),
                selection_mode="points",
            )
        else:
            ui.figure(logistic_viz.logistic_boundary(r, column_px=theme.HALF_COLUMN_PX))
    with metric_col:
        c1, c2 = st.columns(2)
        c1.metric(f"GD: J after {gd_k} steps", f"{r.gd.losses[-1]:.6f}")
        c2.metric(f"Newton: J after {nt_k} steps", f"{r.newton.losses[-1]:.6f}")
        c3, c4 = st.columns(2)
        c3.metric("GD: ‖∇J‖", f"{r.gd.gradient_norms[-1]:.2e}")
        c4.metric("Newton: ‖∇J‖", f"{r.newton.gradient_norms[-1]:.2e}")
        if yours:
            st.caption(
                f"Your {m} points: class {r.data.classes[0]} is y = 0, class {r.data.classes[1]} is y = 1."
                + rescaling_note(r.data.rescaling)
            )
    ui.formula(
        r"J(\theta) = -\frac{1}{m}\sum_i \big[y_i\log h(x_i) + (1-y_i)\log(1-h(x_i))\big],\quad "
        rf"h(x) = \frac{{1}}{{1+e^{{-\theta^\top x}}}},\quad m = {m}",
        caption="Logistic loss (sheet 4a)",
    )
    ui.formula(
        rf"\theta := \theta - \alpha\,\frac{{1}}{{m}}\sum_i (h(x_i) - y_i)\,x_i,\quad \alpha = {alpha:g}:\quad "
        rf"\theta_{{{gd_k}}} = {_vector(r.gd.thetas[-1])},\ J = {r.gd.losses[-1]:.6f}",
        caption="Gradient descent (sheet 4a) with the current numbers",
    )
    ui.formula(
        r"\theta := \theta - H^{-1}\nabla J(\theta),\quad H = \frac{1}{m}\sum_i h(x_i)(1-h(x_i))\,x_i x_i^\top"
        rf":\quad \theta_{{{nt_k}}} = {_vector(r.newton.thetas[-1])},\ J = {r.newton.losses[-1]:.6f}",
        caption="Newton's method (sheet 4b) with the current numbers",
    )
    ui.what_to_notice(
        "- On the log-scale loss plot gradient descent ends up a straight line (the gap shrinks by a constant factor "
        "per step) while Newton's gap plunges faster and faster — quadratic convergence: a handful of steps reach "
        "machine precision.\n"
        "- On the contours GD walks across the ellipses (perpendicular to each contour line), Newton jumps almost "
        "straight to the minimum: H⁻¹ rescales the gradient by the local curvature.\n"
        "- Each Newton step solves a 3×3 system here; with f features it costs O(f³) — cheap for few features, "
        "prohibitive for millions, which is why deep learning uses first-order methods.\n"
        "- Push α past 2/L: GD's loss goes up and down. Raise the class separation until the data are separable: "
        "both keep growing ‖θ‖ and the boundary stops moving while J → 0."
    )

else:
    if yours:
        many, many_stale, many_text = points_input.dataset_input(
            "Your points: x1, x2, class per line",
            SOFTMAX_KEY,
            softmax_regression.EXAMPLE_POINTS,
            parse=parse_classes,
            rows=point_rows,
            columns=POINT_COLUMNS,
            numeric=(True, True, False),
            help=f"One point per line, e.g. '0.5, -1, 2'; 2 to {user_data.MAX_CLASSES} classes (0, 1, 2, … or "
            "names); an optional header line. Click on the chart to add a point.",
        )
        sketch = many if many is not None else user_data.readable_labelled_points(many_text)
        class_choice("softmax_cls", sketch.classes if sketch is not None else ("0",), user_data.MAX_CLASSES)
    else:
        m = ui.slider("Points m", "sm", 30, 400, 150, 10, help="Number of 2-D points (scikit-learn make_blobs).")
        classes = ui.slider("Classes K", "k", 2, 6, 3, 1)
        spread = ui.slider("Cluster spread", "spread", 0.3, 4.0, 1.5, 0.1, help="Standard deviation of each blob.")
    alpha = ui.slider("Learning rate α", "salpha", 0.05, 20.0, 1.0, 0.05)
    steps = ui.slider("Iterations", "ssteps", 1, 500, 200, 1)
    if yours and many is None:
        click_canvas(sketch, "softmax_regions", SOFTMAX_KEY, "softmax_cls")
    if yours:
        if many_stale:
            ui.showing_last_valid("points", "point list (sidebar)")
        m, classes = len(many.x), many.n_classes
        r = ui.attempt(user_softmax_cached, many.x, many.label, many.classes, alpha, steps)
    else:
        r = ui.attempt(softmax_cached, m, classes, spread, alpha, steps, seed)
    if r.diverged:
        ui.caution(f"Gradient descent did not lower J: α = {alpha:g} is too large for this data. Lower α.")
    if yours:
        ui.figure(
            softmax_viz.softmax_regions(r, clickable=True),
            key="softmax_regions",
            on_select=functools.partial(
                add_class_point, "softmax_regions", SOFTMAX_KEY, "softmax_cls", r.rescaling, r.classes
            ),
            selection_mode="points",
        )
        st.caption(
            f"Your {m} points of {classes} classes ({', '.join(r.classes)}), one column θ_k of Θ per class."
            + rescaling_note(r.rescaling)
        )
    else:
        ui.figure(softmax_viz.softmax_regions(r))
    c1, c2 = st.columns(2)
    c1.metric(
        f"J(Θ) after {steps} steps",
        f"{r.losses[-1]:.4f}",
        f"{r.losses[-1] - r.losses[0]:+.4f} from Θ = 0",
        delta_color="inverse",
    )
    c2.metric("Training accuracy", f"{r.accuracy:.1%}")
    ui.formula(
        r"\hat p_k = \frac{e^{\theta_k^\top x}}{\sum_{j=1}^K e^{\theta_j^\top x}},\quad "
        rf"J(\Theta) = -\frac{{1}}{{m}}\sum_i\sum_{{k=1}}^{{K}} y_k^{{(i)}}\log \hat p_k^{{(i)}} = {r.losses[-1]:.4f}"
        rf"\quad (K = {classes},\ \log K = {r.uniform_loss:.4f}\text{{ at }}\Theta = 0)",
        caption="Softmax regression (sheet 4c) with the current numbers",
    )
    ui.formula(
        rf"\nabla_{{\theta_k}} J = \frac{{1}}{{m}}\sum_{{i=1}}^m x_i\big(\hat p_k^{{(i)}} - y_k^{{(i)}}\big),\quad "
        rf"\theta_k := \theta_k - \alpha\,\nabla_{{\theta_k}} J,\quad \alpha = {alpha:g}",
        caption="The sheet's gradient, averaged over the m points (the sheet sums; that only rescales α)",
    )
    ui.what_to_notice(
        "- The regions meet along straight lines: softmax regression is a linear classifier — the boundary between "
        "classes k and j is (θ_k − θ_j)ᵀx = 0.\n"
        "- At Θ = 0 every p̂_k = 1/K, so J starts at log K.\n"
        "- With K = 2 softmax is logistic regression with θ = θ₁ − θ₀.\n"
        "- Overlapping blobs (large spread): the grey max-p̂ lines spread out — the model is honestly unsure there."
    )

ui.end()
