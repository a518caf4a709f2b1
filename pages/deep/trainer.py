"""Train a small neural network live on 2-D data (sheet 6): TensorFlow Playground, plus cross-entropy."""

import functools
import json

import numpy as np
import streamlit as st

from core import user_data
from core.deep import mlp, optimizers, toy_data
from core.deep.live_trainer import SHIPPED_STEPS, LiveMLP, load_shipped, save_shipped
from ui import contract as ui
from ui import points_input
from ui.training import Run, TrainingSession
from viz.deep import mlp as viz

LEARNING_RATES = ("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", "100")
REG_RATES = ("0", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3")
LOSS_NAMES = {"cross_entropy": "cross-entropy", "mse": "mean squared error"}
OPT_NAMES = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
FRAME_SECONDS = 0.08  # the live fragment's timer (12.5 / s): frames drawn in Chromium stay ≥ 10 / s (bench_browser)
BOUNDARY_RES = 48
TILE_STRIDE = 2  # unit tiles are the boundary grid sampled every 2nd point: 24 × 24
NETWORK = "Network"  # the session's one run (its label in the divergence notice)
DATA_KEY = "nn_data"  # the URL-bound text of "your data" (lessons reference this key)
CLASS_KEY = "nn_cls"
NEW_CLASS = "new class"
session: TrainingSession | None = None  # set below; the data callbacks pause it


def pause_session() -> None:
    """New data make a new network from its initial weights: it waits for Play (more points can be added)."""
    if session is not None:
        session.pause()


@st.cache_data(max_entries=32, show_spinner=False)
def your_points(text: str) -> user_data.LabelledPoints:
    return toy_data.parse_user_points(text)


@st.cache_data(max_entries=32, show_spinner=False)
def sketch_points(text: str) -> user_data.LabelledPoints | None:
    return toy_data.readable_points(text)


def point_rows(points: user_data.LabelledPoints) -> list[list]:
    """The table's rows: x1, x2 in the user's units and the class name."""
    return [[float(a), float(b), points.classes[k]] for (a, b), k in zip(points.x, points.label)]


def class_label(name: str, classes: tuple[str, ...]) -> str:
    """A class choice with the colour it is drawn in: '2 (green)', 'new class: class4 (vermilion)'."""
    return points_input.class_choice_label(name, classes, viz.CLASS_COLOUR_NAMES)


spec = ui.begin(
    __file__,
    intro="Pick a dataset and a network, press **Play** and watch it learn: the decision boundary, every "
    "hidden unit's output and the train/test loss update live. **Step** takes one gradient step; "
    "**Reset** goes back to the same initial weights (same seed, same start).",
)

st.sidebar.markdown("**Data**")
dataset_name = ui.select(
    "Dataset",
    "data",
    toy_data.DATASETS,
    "moons",
    help="'your data': only your points, 2 to 8 classes, typed, uploaded as CSV, clicked on the chart or edited "
    "in the table.",
)
yours = dataset_name == toy_data.YOUR_DATA
if yours:
    points, points_stale, your_text = points_input.dataset_input(
        "Your points: x1, x2, class per line",
        DATA_KEY,
        toy_data.EXAMPLE_POINTS,
        parse=your_points,
        rows=point_rows,
        columns=("x1", "x2", "class"),
        numeric=(True, True, False),
        help="One point per line, e.g. '0.5, -1, 2'; classes are 0, 1, 2, … or names (at most "
        f"{user_data.MAX_CLASSES}); an optional header line. Points outside [−2, 2] are rescaled into the square.",
        on_new_data=pause_session,
    )
    # the classes so far (also of a text that holds one class only, while the first points are clicked)
    sketch = points if points is not None else sketch_points(your_text)
    classes = sketch.classes if sketch is not None else ("0",)
    click_class = ui.select(
        "Class of a clicked point",
        CLASS_KEY,
        (*classes, NEW_CLASS) if len(classes) < user_data.MAX_CLASSES else classes,
        horizontal_radio=True,
        format_func=functools.partial(class_label, classes=classes),
        help="Click on the chart to add a point of this class; 'new class' starts another one.",
    )
else:
    noise = ui.slider("Noise", "noise", 0.0, 1.0, 0.2, 0.05, help="Spread of the points around the clean shape.")
    n_points = ui.slider("Points", "n", 20, 600, 200, 10)
    train_fraction = ui.slider("Training fraction", "train", 0.1, 0.9, 0.5, 0.1, help="The rest is the test set.")
feature_names = ui.multiselect(
    "Input features",
    "feat",
    toy_data.FEATURES,
    ("x1", "x2"),
    help="What feeds the input layer. TF Playground's feature crosses: x1², x1·x2, sin x1, ...",
)
st.sidebar.markdown("**Network**")
hidden_text = ui.text_input(
    "Hidden layers (units per layer)", "hidden", "8, 8", help="Comma-separated widths, e.g. '8, 8'; empty = none."
)
activation = ui.select("Hidden activation g", "act", ("tanh", "relu", "sigmoid", "linear"))
loss_name = ui.select(
    "Loss",
    "loss",
    tuple(LOSS_NAMES),
    help="Two classes: one sigmoid unit P(y=1|x); K ≥ 3 classes (your data): K softmax units P(y=k|x). "
    "TF Playground only has squared error.",
    format_func=LOSS_NAMES.get,
)
st.sidebar.markdown("**Training**")
opt_name = ui.select("Optimizer", "opt", tuple(OPT_NAMES), format_func=OPT_NAMES.get)
lr_text = ui.select("Learning rate η", "lr", LEARNING_RATES, "0.03")
momentum = 0.9
bias_correction = True
if opt_name == "momentum":
    momentum = ui.slider("Momentum μ", "mu", 0.0, 0.99, 0.9, 0.01)
if opt_name == "adam":
    bias_correction = ui.toggle("Adam bias correction", "bc", True)
batch_size = ui.slider("Batch size", "batch", 1, 100, 10)
regularization = ui.select("Regularization", "reg", mlp.REGULARIZATIONS)
reg_text = ui.select("Regularization rate λ", "lam", REG_RATES, "0.001") if regularization != "none" else "0"
dropout = ui.slider(
    "Dropout p", "drop", 0.0, 0.8, 0.0, 0.05, help="Inverted dropout on the hidden units, training only."
)
steps_per_frame = ui.slider("Steps per frame", "spf", 1, 50, 5, help="Gradient steps between two pictures.")
seed = ui.seed()

if not yours:
    st.sidebar.markdown("**Add your own points**")
    points_text = ui.text_area(
        "Added points: x1, x2, class",
        "pts",
        "",
        height=90,
        help="One point per line, e.g. '0.5, -1, 1'. Coordinates in [−2, 2].",
    )
    click_class = ui.select(
        "Class of a clicked point",
        "cls",
        ("1 (blue)", "0 (orange)"),
        horizontal_radio=True,
        help="Click on the decision-boundary chart to add a training point of this class.",
    )


@st.cache_data(max_entries=32, show_spinner=False)
def dataset(
    name: str, n: int, noise: float, fraction: float, seed: int, points: str
) -> tuple[toy_data.Dataset, np.ndarray]:
    extra = toy_data.parse_points(points)
    return toy_data.make_dataset(name, n, noise, fraction, seed, extra), extra


def build_config(n_classes: int) -> mlp.TrainConfig:
    hidden = mlp.parse_hidden(hidden_text)
    net = mlp.MLPConfig(
        # two classes: one sigmoid unit (TF Playground's network); K ≥ 3: K softmax units
        (len(feature_names), *hidden, 1 if n_classes == 2 else n_classes),
        activation,
        loss_name,
        dropout=dropout,
        regularization=regularization,
        reg_rate=float(reg_text),
    )
    opt = optimizers.OptimizerConfig(opt_name, float(lr_text), momentum=momentum, bias_correction=bias_correction)
    return mlp.TrainConfig(net, opt, batch_size, tuple(feature_names))


scaling = None
if yours:
    user_points = None
    if points is not None:
        data, scaling = toy_data.user_dataset(points)
else:
    data, user_points = ui.attempt(dataset, dataset_name, n_points, noise, train_fraction, seed, points_text)


def add_your_point(scaling: user_data.Rescaling, classes: tuple[str, ...]) -> None:
    """on_select callback of "your data": append the clicked point, in the user's units, of the chosen class."""
    event = st.session_state.get("nn_boundary")
    clicked = (event or {}).get("selection", {}).get("points", [])
    if not clicked:
        return
    x1, x2 = scaling.invert(np.array([clicked[0]["x"], clicked[0]["y"]]))
    name = st.session_state.get(CLASS_KEY, classes[0])
    if name == NEW_CLASS or name not in classes:
        name = user_data.next_class_name(classes)
        st.session_state[CLASS_KEY] = name  # the next clicks add to the class just started
    # in the square two decimals are the click's precision; rescaled data keep four significant digits
    cells = (f"{x1:.2f}", f"{x2:.2f}") if scaling.identity else (f"{x1:.4g}", f"{x2:.4g}")
    points_input.append_line(DATA_KEY, f"{cells[0]}, {cells[1]}, {name}")
    pause_session()
    st.rerun()  # the whole page: the data (and with it the run) changed


if yours and points is None:
    # no valid points yet (an emptied text, a bad link): an empty square to click on
    sketch_data, scaling = toy_data.user_dataset(sketch) if sketch is not None else (None, None)
    if scaling is None:
        scaling = user_data.fit_rescaling(np.zeros((0, 2)), toy_data.DOMAIN)
    points_input.no_fit_caption(sketch, "network")
    ui.figure(
        viz.empty_plane("Your data: click to add points", data=sketch_data),
        key="nn_boundary",
        on_select=functools.partial(add_your_point, scaling, classes),
        selection_mode="points",
    )
    config = None
else:
    if yours and points_stale:
        ui.showing_last_valid("points", "point list (sidebar)")
    config = ui.attempt(build_config, data.n_classes)

if config is not None:
    # A new dataset, architecture, seed or feature set starts a new network (the run's key); the other settings
    # (η, optimizer, batch, dropout, regularisation, loss) apply to the running network below.
    if yours:
        data_key = (points.x.tobytes(), points.label.tobytes(), points.classes)
        run_key = (dataset_name, data_key, seed, config.net.layer_sizes, activation, config.feature_names)
    else:
        run_key = (
            dataset_name,
            n_points,
            noise,
            train_fraction,
            seed,
            points_text,
            config.net.layer_sizes,
            activation,
            config.feature_names,
        )
    session = TrainingSession(
        "nn",
        # Reset builds the same initial weights again: new_trainer(config, seed)
        [
            Run(
                NETWORK,
                key=run_key,
                factory=lambda: LiveMLP(config, data, seed),
                pretrained=None if yours else (lambda: load_shipped(run_key, config, data, seed)),
                ship=None if yours else (lambda live: save_shipped(live, run_key)),
                ship_steps=SHIPPED_STEPS,
            )
        ],
        chunk=steps_per_frame,
        unit="gradient steps",
        step=1,
        frame_seconds=FRAME_SECONDS,
        train_label="Play",
        continue_label="Play",
        build_untrained=True,
    )
    live: LiveMLP = session.trainers()[NETWORK]
    # a changed optimizer starts with fresh moment buffers and clears a divergence, so training may go on
    mlp.reconfigure(live.trainer, config)


def add_clicked_point() -> None:
    """on_select callback: append the clicked position to the URL-bound point list, then rerun the app."""
    event = st.session_state.get("nn_boundary")
    points = (event or {}).get("selection", {}).get("points", [])
    if not points:
        return
    x1, x2 = points[0]["x"], points[0]["y"]
    label = str(st.session_state.get("cls", click_class))[0]
    lines = st.session_state.get("pts", "").rstrip("\n")
    st.session_state["pts"] = (lines + "\n" if lines else "") + f"{x1:.2f}, {x2:.2f}, {label}"
    # the point makes new data and so a new network from its initial weights: it waits for Play, so the
    # point can be checked (and more added) before it trains
    session.pause()
    st.rerun()  # the whole page: the data (and with it the run) changed


def draw(trainers: dict) -> None:
    """Everything that moves while training: redrawn after every chunk."""
    live_mlp: LiveMLP = trainers[NETWORK]
    trainer: mlp.Trainer = live_mlp.trainer
    _step, train_loss, test_loss = trainer.history[-1]
    metrics = st.columns(3)
    metrics[0].metric("Step", f"{trainer.step:,}")
    metrics[1].metric(f"Train loss ({LOSS_NAMES[loss_name]})", f"{train_loss:.4f}")
    if yours:  # every point is a training point: the accuracy on them instead of a test loss
        metrics[2].metric("Training accuracy", f"{live_mlp.train_accuracy():.1%}")
    else:
        metrics[2].metric("Test loss", "—" if np.isnan(test_loss) else f"{test_loss:.4f}")
    outputs = mlp.unit_outputs(trainer, BOUNDARY_RES)
    ticks, _points = toy_data.grid(BOUNDARY_RES)
    clickable = not session.running  # a live frame skips the click grid and the points' hover (Pause for both)
    left, right = st.columns([1, 1.15])
    with left:
        if trainer.config.net.softmax_output:
            chart = viz.class_boundary(
                ticks, outputs[-1], data, clickable=clickable, hover=clickable, title="Decision regions", as_json=True
            )
        else:
            chart = viz.boundary(
                ticks,
                outputs[-1][0],
                data,
                user_points=user_points,
                clickable=clickable,
                hover=clickable,
                title="Decision boundary",
                as_json=True,  # the JSON form without a go.Figure in between: each live frame builds it anew
            )
        ui.figure(
            chart,
            key="nn_boundary",
            on_select=functools.partial(add_your_point, scaling, data.classes) if yours else add_clicked_point,
            selection_mode="points",
        )
        ui.figure(viz.loss_curves(np.array(trainer.history), loss_name, "Train and test loss", as_json=True))
    with right:
        tiles = [a[:, ::TILE_STRIDE, ::TILE_STRIDE] for a in outputs]
        ui.figure(
            viz.network(
                tiles,
                trainer.params,
                trainer.config.net,
                trainer.config.feature_names,
                hover=not session.running,
                class_names=data.classes,
                as_json=True,
            )
        )
        softmax_tiles = (
            " The output squares are P(y=k|x), white 0 to the class's colour at 1."
            if trainer.config.net.softmax_output
            else ""
        )
        st.caption(
            "Each square is one unit's output over the whole plane (x1 right, x2 up), scaled on its own: "
            "blue positive, orange negative, white 0 (0.5 for sigmoid units). Lines are weights: blue "
            f"positive, orange negative, thicker = larger |w|; hover a line's middle for its value.{softmax_tiles}"
        )


if session is not None:
    session.controls()
    session.divergence_notices()
    session.live(draw)
    trainer: mlp.Trainer = live.trainer
    if yours:
        rescaled = ""
        if not scaling.identity:
            (c1, c2), (s1, s2) = scaling.centre, scaling.scale
            rescaled = (
                f" Your coordinates leave [−2, 2], so each axis is rescaled into the square: x1′ = (x1 − {c1:.4g})"
                f" / {s1:.4g}, x2′ = (x2 − {c2:.4g}) / {s2:.4g}; the text and the table keep your units."
            )
        st.caption(
            f"Your {len(data.x_train)} points of {data.n_classes} classes are all training points (no test set)."
            + (
                " With three or more classes the output is a softmax layer: each region takes the colour of its "
                "most probable class, paler where the network is less sure."
                if data.n_classes > 2
                else ""
            )
            + rescaled
        )

    with st.expander("Export the weights (JSON)"):
        weights_json = json.dumps(
            {
                "layer_sizes": list(config.net.layer_sizes),
                "activation": activation,
                "features": list(config.feature_names),
                "classes": list(data.classes),
                "W": [W.tolist() for W in mlp.weights(trainer.params)],
                "b": [b.tolist() for b in mlp.biases(trainer.params)],
            }
        )
        st.download_button("Download weights.json", weights_json, "weights.json", "application/json", key="nn_export")
        st.caption(f"{sum(p.size for p in trainer.params)} parameters after {trainer.step} steps.")

n_classes = config.net.n_classes if config is not None else 2
st.subheader("What the network computes")
if n_classes > 2:
    ui.formula(
        r"z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]},\qquad a^{[l]} = g^{[l]}(z^{[l]}),\qquad "
        rf"a^{{[L]}}_k = \frac{{e^{{z^{{[L]}}_k}}}}{{\sum_{{j=1}}^{{{n_classes}}} e^{{z^{{[L]}}_j}}}} = P(y=k\mid x)",
        caption=f"{n_classes} classes: the output is {n_classes} softmax units, one probability per class.",
    )
else:
    ui.formula(
        r"z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]},\qquad a^{[l]} = g^{[l]}(z^{[l]}),\qquad "
        r"a^{[L]} = \sigma(z^{[L]}) = P(y=1\mid x)",
    )
if n_classes > 2 and loss_name == "cross_entropy":
    ui.formula(
        r"\mathcal{L} = -\log a^{[L]}_{y},\qquad \delta^{[L]} = a^{[L]} - e_y",
        caption="Softmax cross-entropy: the softmax Jacobian cancels the 1/a of the log, so the output error is "
        "again prediction minus label (e_y: the one-hot vector of the label).",
    )
elif n_classes > 2:
    ui.formula(
        r"\mathcal{L} = \lVert a^{[L]} - e_y\rVert^2,\qquad g = 2(a^{[L]} - e_y),\qquad "
        r"\delta^{[L]} = a^{[L]} \odot \big(g - (a^{[L]})^\top g\big)",
        caption="Squared error on the softmax: δ passes through the softmax Jacobian diag(a) − a aᵀ, which "
        "vanishes when the output saturates, like σ′ for one unit.",
    )
elif loss_name == "cross_entropy":
    ui.formula(
        r"\mathcal{L} = -\log \sigma\big((2y-1)\,z^{[L]}\big),\qquad \delta^{[L]} = a^{[L]} - y",
        caption="Cross-entropy (sheet 6b): the output error is simply prediction minus label.",
    )
else:
    ui.formula(
        r"\mathcal{L} = (a^{[L]} - y)^2,\qquad \delta^{[L]} = 2(a^{[L]} - y)\,\sigma'(z^{[L]})",
        caption="Squared error: the extra σ′ factor vanishes when the output saturates, even when it is wrong.",
    )
ui.formula(
    r"\delta^{[l]} = \big((W^{[l+1]})^\top \delta^{[l+1]}\big) \odot g'(z^{[l]}),\qquad "
    rf"W^{{[l]}} \leftarrow W^{{[l]}} - {float(lr_text):g}\,\delta^{{[l]}} (a^{{[l-1]}})^\top",
    caption=f"Back-propagation; the update shown is plain gradient descent with the current η = {lr_text} "
    f"({OPT_NAMES[opt_name]} changes the step, see the Optimizers page).",
)
ui.what_to_notice(
    "- With **no hidden layer** (empty field) the boundary is a straight line: logistic regression. Circles "
    "and XOR need a hidden layer, or the feature crosses x1², x1·x2.\n"
    "- First-layer units are half-planes (tanh/sigmoid: a soft step; ReLU: a ramp); later layers combine "
    "them into curved regions.\n"
    "- Switch the loss to squared error on a spiral: learning stalls longer, because σ′ of a confidently "
    "wrong output is almost 0. Cross-entropy's δ = a − y does not vanish.\n"
    "- Raise η to 3 or 10 with SGD: the loss jumps or diverges (the page stops and keeps the last good weights). "
    "Adam tolerates a much wider range of η.\n"
    "- Few points + big network + noise: the test loss turns up while the train loss keeps falling "
    "(overfitting). Try dropout or L2.\n"
    "- **Your data**: upload a CSV, type or edit points in the table, or click on the chart (pick *new class* to "
    "start a third). With three or more classes the regions still meet along straight lines when there is no "
    "hidden layer: that is softmax regression."
)
ui.end()
