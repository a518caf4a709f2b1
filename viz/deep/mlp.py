"""Figures for the MLP pages: decision boundary, network of unit heatmaps, losses, activations (the backprop
walk-through's graph is in viz.deep.backprop).

The trainer redraws several figures ten times a second, so these builders write plain trace dictionaries
into a layout taken once from :func:`viz.theme.style` and skip Plotly's per-property validation
(``_validate=False``): the same look as ``style()``, about 20× faster to build.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from core.deep import mlp, toy_data
from viz import class_field, plain, raster
from viz.theme import (
    BLACK,
    BLUE,
    CATEGORICAL,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILION,
    YELLOW,
    text_width,
)

# class 0 orange, class 1 blue (TF Playground's convention), white at P = 0.5; more classes take the rest of the
# Okabe–Ito palette, so a dataset that gains a third class keeps the colours of its first two
CLASS_COLOURS = (ORANGE, BLUE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK)
CLASS_COLOUR_NAMES = ("orange", "blue", "green", "vermilion", "purple", "sky", "yellow", "black")
CLASS_SCALE = [[0.0, ORANGE], [0.5, "#FFFFFF"], [1.0, BLUE]]


def _figure(traces: list[dict], title: str | None, height: int, as_json: bool = False, **layout) -> go.Figure | dict:
    """A figure in the playground's style (viz.theme.style) from trace dicts; ``layout`` keys override. With
    ``as_json``, the figure's JSON form (what a figure cache keeps, :func:`viz.plain.spec`) without a go.Figure
    in between (building one and converting it back cost ~2 ms of a small figure)."""
    # the themed layout with its template shared, not copied: a deep copy of the template (7 kB of nested dicts)
    # was the largest Python cost of the NN trainer's live frame (py-spy, 17 % of the server's samples)
    base = plain.layout(title, height)
    # Fixed margins: with Plotly's automatic margins every update inside Streamlit drew the figure twice (the
    # second time after measuring its legend and colour bar), which halved the trainer's frame rate.
    base["margin"] = {**base["margin"], **layout.pop("margin", {}), "autoexpand": False}
    base.update(layout)
    if as_json:
        return plain.spec(traces, base)
    return go.Figure({"data": traces, "layout": base}, _validate=False)


def _axis(title: str | None = None, **kw) -> dict:
    return {"title": {"text": title} if title else None, **kw}


def _points(
    x: np.ndarray,
    y: np.ndarray,
    name: str,
    symbol: str,
    size: int,
    edge: str = "white",
    classes: Sequence[str] = ("0", "1"),
    hover: bool = True,
) -> list[dict]:
    """One marker trace per class k present in y (colour CLASS_COLOURS[k], legend "<name> <class name>");
    ``hover=False``: no hover labels (a live frame: each point's hover costs Plotly time on every redraw)."""
    traces = []
    for label, class_name in enumerate(classes):
        keep = y == label
        if keep.any():
            colour = CLASS_COLOURS[label % len(CLASS_COLOURS)]
            traces.append(
                dict(
                    type="scatter",
                    x=x[keep, 0],
                    y=x[keep, 1],
                    mode="markers",
                    name=f"{name} {class_name}",
                    marker=dict(color=colour, size=size, symbol=symbol, line=dict(color=edge, width=1.2)),
                    **(
                        dict(hovertemplate=f"{name}, class {class_name}<br>x1=%{{x:.2f}}, x2=%{{y:.2f}}<extra></extra>")
                        if hover
                        else dict(hoverinfo="skip")
                    ),
                )
            )
    return traces


def _legend_entry_width(traces: list[dict]) -> int:
    """Room per legend entry: 78 px, enough for "train 0" or "P = 0.5"; more for the user's longer class names."""
    names = [t["name"] for t in traces if t.get("showlegend", True) and t.get("name")]
    longest = max(names, key=len, default="")
    return 78 if len(longest) <= 7 else int(text_width(longest) + 36)


def boundary(
    ticks: np.ndarray,
    prob: np.ndarray,
    data: toy_data.Dataset,
    *,
    show_test: bool = True,
    user_points: np.ndarray | None = None,
    clickable: bool = False,
    hover: bool = True,
    title: str | None = None,
    height: int = 520,
    as_json: bool = False,
) -> go.Figure | dict:
    """P(y=1|x) over the plane (white = 0.5, the boundary drawn at 0.5) with the train/test points.

    ``clickable`` lays an invisible grid of points over the plane so that a click selects a position (a live
    view leaves it out: nobody clicks a moving chart, and Plotly reports no clicks on images); see viz.plain.click_marker.
    ``hover=False`` leaves out the points' hover labels (a live frame).
    """
    prob = np.asarray(prob, dtype=np.float64)
    # The field is a picture and the boundary one line trace (see viz/raster.py): a heatmap plus a contour
    # trace cost the browser most of a live frame.
    boundary_x, boundary_y = raster.iso_lines(ticks, ticks, prob, 0.5)
    traces = [
        raster.colorbar_trace(
            CLASS_SCALE,
            0.0,
            1.0,
            dict(title=dict(text=f"P(y={data.classes[1]})"), thickness=12, len=0.8, tickvals=[0, 0.5, 1]),
            outside=10 * toy_data.DOMAIN,
        ),
        dict(
            type="scatter",
            x=boundary_x,
            y=boundary_y,
            mode="lines",
            line=dict(color=BLACK, width=2),
            hoverinfo="skip",
            name="P = 0.5",
        ),
    ]
    traces += _points(data.x_train, data.y_train, "train", "circle", 8, classes=data.classes, hover=hover)
    if show_test and len(data.x_test):
        traces += _points(
            data.x_test, data.y_test, "test", "circle-open", 8, edge=BLACK, classes=data.classes, hover=hover
        )
    if user_points is not None and len(user_points):
        traces += _points(user_points[:, :2], user_points[:, 2], "added", "star", 14, edge=BLACK, hover=hover)
    if clickable:
        click_ticks = np.linspace(-toy_data.DOMAIN, toy_data.DOMAIN, 33)
        g1, g2 = np.meshgrid(click_ticks, click_ticks)
        traces.append(
            dict(
                type="scatter",
                x=g1.ravel().astype(np.float32),
                y=g2.ravel().astype(np.float32),
                mode="markers",
                marker=plain.click_marker(),
                customdata=_nearest_cells(ticks, prob, click_ticks).ravel().astype(np.float32),
                name="click to add",
                showlegend=False,
                hovertemplate=f"x1=%{{x:.2f}}, x2=%{{y:.2f}}<br>P(y={data.classes[1]})=%{{customdata:.3f}} "
                "(click: add a point)<extra></extra>",
            )
        )
    d = toy_data.DOMAIN
    return _figure(
        traces,
        title,
        height,
        xaxis=_axis("x1", range=[-d, d], constrain="domain"),
        yaxis=_axis("x2", range=[-d, d], scaleanchor="x", scaleratio=1),
        legend=dict(
            orientation="h",
            yref="container",
            y=0,
            yanchor="bottom",
            x=0,
            entrywidth=_legend_entry_width(traces),
            font=dict(size=14),
        ),
        margin=dict(r=80, b=110),  # room for the colour bar, and for the legend under the x axis
        images=[raster.field_image(ticks, ticks, prob, CLASS_SCALE, 0.0, 1.0, to_centres=True)],
        clickmode="event+select",
        dragmode=False,
        as_json=as_json,
    )


def class_boundary(
    ticks: np.ndarray,
    probs: np.ndarray,
    data: toy_data.Dataset,
    *,
    clickable: bool = False,
    hover: bool = True,
    title: str | None = None,
    height: int = 520,
    as_json: bool = False,
) -> go.Figure | dict:
    """K classes: each point of the plane in the colour of argmax_k P(y=k|x), paler where max_k P(y=k|x) is lower
    (white where all K are equally likely), the borders between the regions, and the training points.

    ``probs`` has shape (K, len(ticks), len(ticks)), rows x2. ``clickable`` and ``hover`` as in :func:`boundary`.
    """
    probs = np.asarray(probs, dtype=np.float64)
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(probs.shape[0])]
    edge_x, edge_y = class_field.region_edges(ticks, ticks, probs)
    traces = [
        dict(
            type="scatter",
            x=edge_x,
            y=edge_y,
            mode="lines",
            line=dict(color=BLACK, width=2),
            hoverinfo="skip",
            name="class border",
            showlegend=False,
        )
    ]
    # a darker edge than on two classes: yellow and sky points must stand out on their own pale regions
    traces += _points(
        data.x_train, data.y_train, "train", "circle", 9, edge="#333333", classes=data.classes, hover=hover
    )
    if len(data.x_test):
        traces += _points(
            data.x_test, data.y_test, "test", "circle-open", 9, edge=BLACK, classes=data.classes, hover=hover
        )
    if clickable:
        click_ticks = np.linspace(-toy_data.DOMAIN, toy_data.DOMAIN, 33)
        g1, g2 = np.meshgrid(click_ticks, click_ticks)
        index = np.abs(ticks[None, :] - click_ticks[:, None]).argmin(axis=1)  # nearest grid tick per position
        cells = probs[:, index][:, :, index]  # (K, 33, 33)
        winner = cells.argmax(axis=0).ravel()
        traces.append(
            dict(
                type="scatter",
                x=g1.ravel().astype(np.float32),
                y=g2.ravel().astype(np.float32),
                mode="markers",
                marker=plain.click_marker(),
                customdata=cells.max(axis=0).ravel().astype(np.float32),
                text=[data.classes[k] for k in winner],
                name="click to add",
                showlegend=False,
                hovertemplate="x1=%{x:.2f}, x2=%{y:.2f}<br>class %{text}, P=%{customdata:.3f} (click: add a point)"
                "<extra></extra>",
            )
        )
    d = toy_data.DOMAIN
    return _figure(
        traces,
        title,
        height,
        xaxis=_axis("x1", range=[-d, d], constrain="domain"),
        yaxis=_axis("x2", range=[-d, d], scaleanchor="x", scaleratio=1),
        legend=dict(
            orientation="h",
            yref="container",
            y=0,
            yanchor="bottom",
            x=0,
            entrywidth=_legend_entry_width(traces),
            font=dict(size=14),
        ),
        margin=dict(r=20, b=110),  # room for the legend under the x axis
        images=[class_field.class_field_image(ticks, ticks, probs, colours)],
        clickmode="event+select",
        dragmode=False,
        as_json=as_json,
    )


def empty_plane(title: str | None = None, height: int = 520, data: toy_data.Dataset | None = None) -> go.Figure:
    """The square with nothing learned yet: the points so far (``data``, when any) and a click grid to draw on."""
    click_ticks = np.linspace(-toy_data.DOMAIN, toy_data.DOMAIN, 33)
    g1, g2 = np.meshgrid(click_ticks, click_ticks)
    grid_trace = dict(
        type="scatter",
        x=g1.ravel().astype(np.float32),
        y=g2.ravel().astype(np.float32),
        mode="markers",
        marker=plain.click_marker(),
        name="click to add",
        showlegend=False,
        hovertemplate="x1=%{x:.2f}, x2=%{y:.2f} (click: add a point)<extra></extra>",
    )
    traces = [grid_trace]
    if data is not None:
        traces = (
            _points(data.x_train, data.y_train, "train", "circle", 9, edge="#333333", classes=data.classes) + traces
        )
    d = toy_data.DOMAIN
    return _figure(
        traces,
        title,
        height,
        xaxis=_axis("x1", range=[-d, d], constrain="domain"),
        yaxis=_axis("x2", range=[-d, d], scaleanchor="x", scaleratio=1),
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, font=dict(size=14)),
        margin=dict(r=20, b=110),
        clickmode="event+select",
        dragmode=False,
    )


def _nearest_cells(ticks: np.ndarray, field: np.ndarray, at: np.ndarray) -> np.ndarray:
    """field (rows y, columns x, on ticks × ticks) read at the cell nearest to each point of the grid at × at."""
    index = np.abs(ticks[None, :] - at[:, None]).argmin(axis=1)  # (len(at),): nearest tick per position
    return field[np.ix_(index, index)]


def loss_curves(
    history: np.ndarray, loss_name: str, title: str = "Loss", extra: dict | None = None, as_json: bool = False
) -> go.Figure | dict:
    """Train and test loss against the step, from rows (step, train, test); ``extra`` adds more such runs."""
    runs = {"": history, **(extra or {})}
    dashes = ("solid", "dot", "dash", "dashdot")
    traces = []
    for i, (label, h) in enumerate(runs.items()):
        h = np.asarray(h, dtype=float).reshape(-1, 3)  # (k, 3): step, train, test
        suffix = f" {label}" if label else ""
        traces.append(
            dict(
                type="scatter",
                x=h[:, 0],
                y=h[:, 1],
                name=f"train{suffix}",
                line=dict(color=BLUE, dash=dashes[i % 4], width=3),
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=h[:, 0],
                y=h[:, 2],
                name=f"test{suffix}",
                line=dict(color=VERMILION, dash=dashes[i % 4], width=3),
            )
        )
    return _figure(
        traces,
        title,
        320,
        as_json=as_json,
        xaxis=_axis("step"),
        yaxis=_axis("cross-entropy" if loss_name == "cross_entropy" else "squared error", rangemode="tozero"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right", font=dict(size=14)),
    )


def network(
    outputs: Sequence[np.ndarray],
    params: Sequence[np.ndarray],
    config: mlp.MLPConfig,
    input_names: Sequence[str],
    title: str | None = "Every unit's output over the plane",
    *,
    hover: bool = True,
    class_names: Sequence[str] | None = None,
    as_json: bool = False,
) -> go.Figure | dict:
    """The network as TF Playground draws it: each unit a mini heatmap of its output a^[l]_j(x1, x2),
    each weight a line (blue positive, orange negative, width ∝ |w|).

    Tiles are scaled one by one (white = 0, or 0.5 for sigmoid units), so the shape shows, not the size. A
    softmax output unit k is drawn as P(y=k|x) itself, from white (0) to its class's colour (1), the colours of
    :func:`class_boundary`; ``class_names`` name them. ``hover=False`` (a live frame) leaves out the invisible
    hover markers on weights and tiles.
    """
    sizes = config.layer_sizes
    tallest = max(sizes)
    gap_x, gap_y, tile = 3.0, 1.25, 1.0
    centres: list[list[tuple[float, float]]] = []
    tiles: list[dict] = []
    tile_x: list[float] = []
    tile_y: list[float] = []
    tile_text: list[str] = []
    for layer, a in enumerate(outputs):
        n, res = a.shape[0], a.shape[1]
        x0 = layer * gap_x
        column = []
        g = config.g(layer) if layer else "input"
        for j in range(n):
            yc = (tallest - 1) / 2 * gap_y - (j - (n - 1) / 2) * gap_y
            column.append((x0 + tile / 2, yc))
            if g == "softmax":
                # P(y=k|x) as it is, white at 0 to the class's colour at 1 (not rescaled: it is a probability)
                scale = [[0.0, "#FFFFFF"], [1.0, CLASS_COLOURS[j % len(CLASS_COLOURS)]]]
                values, low = a[j], 0.0
            else:
                values = a[j] - (0.5 if g == "sigmoid" else 0.0)
                values, scale, low = values / (float(np.abs(values).max()) or 1.0), CLASS_SCALE, -1.0
            if layer == 0:
                label = input_names[j]
            elif g == "softmax":
                label = f"output P(y={class_names[j] if class_names else j})"
            elif layer == len(sizes) - 1:
                label = "output P(y=1)"
            else:
                label = f"layer {layer}, unit {j + 1} ({g})"
            # one picture per unit (a layout image: a heatmap trace per unit would cost the browser ~2 ms each
            # on every live frame); its label and the value range show in the hover marker at its centre
            tiles.append(
                raster.field_image(
                    x0 + (np.arange(res) + 0.5) * tile / res,
                    yc - tile / 2 + (np.arange(res) + 0.5) * tile / res,
                    values,
                    scale,
                    low,
                    1.0,
                )
                | dict(layer="above")
            )
            tile_x.append(x0 + tile / 2)
            tile_y.append(yc)
            tile_text.append(f"{label}<br>output range {a[j].min():+.2f} … {a[j].max():+.2f}")
        centres.append(column)
    # weights bucketed into 4 widths per sign: one trace per bucket keeps the figure light
    w_max = max((float(np.abs(W).max()) for W in mlp.weights(params)), default=1.0) or 1.0
    buckets: dict[tuple[int, int], tuple[list, list]] = {}
    mid_x, mid_y, mid_text = [], [], []
    for layer in range(1, len(sizes)):
        W = params[2 * layer - 2]
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                w = float(W[j, i])
                (xa, ya), (xb, yb) = centres[layer - 1][i], centres[layer][j]
                xa, xb = xa + tile / 2, xb - tile / 2
                xs, ys = buckets.setdefault((int(w >= 0), min(3, int(4 * abs(w) / w_max))), ([], []))
                xs += [xa, xb, None]
                ys += [ya, yb, None]
                mid_x.append(0.5 * (xa + xb))
                mid_y.append(0.5 * (ya + yb))
                mid_text.append(f"W^[{layer}] row {j + 1}, col {i + 1}: w = {w:+.3f}")
    lines = [
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=BLUE if positive else ORANGE, width=0.7 + 1.8 * width),
            opacity=0.75,
            hoverinfo="skip",
        )
        for (positive, width), (xs, ys) in sorted(buckets.items())
    ]
    hover_markers = dict(
        type="scatter",
        x=mid_x + tile_x,
        y=mid_y + tile_y,
        mode="markers",
        marker=dict(size=[8] * len(mid_x) + [40] * len(tile_x), color="rgba(0,0,0,0)"),
        text=mid_text + tile_text,
        hovertemplate="%{text}<extra></extra>",
    )
    heads = [
        dict(
            x=layer * gap_x + tile / 2,
            y=(tallest - 1) * gap_y + tile / 2 + 0.3,
            text="inputs" if layer == 0 else ("output" if layer == len(sizes) - 1 else f"hidden {layer}"),
            showarrow=False,
            font=dict(size=14),
        )
        for layer in range(len(sizes))
    ]
    return _figure(
        [*lines, hover_markers] if hover else lines,
        title,
        int(min(900, 140 + tallest * 62)),
        xaxis=dict(visible=False, range=[-0.3, (len(sizes) - 1) * gap_x + tile + 0.3]),
        yaxis=dict(visible=False, scaleanchor="x", scaleratio=1, range=[-tile, (tallest - 1) * gap_y + tile + 0.6]),
        annotations=heads,
        images=tiles,
        showlegend=False,
        dragmode=False,
        as_json=as_json,
    )


# --------------------------------------------------------------------------------------------- activations


def activation_curves(z: np.ndarray, names: Sequence[str], threshold: float, as_json: bool = False) -> go.Figure | dict:
    """g(z) (solid) and g'(z) (dotted) for each activation, with the saturated region (g' < threshold) shaded."""
    traces, shapes = [], []
    for k, name in enumerate(names):
        colour = CATEGORICAL[k]
        g, dg = mlp.activation(name, z), mlp.activation_derivative(name, z)
        traces.append(dict(type="scatter", x=z, y=g, name=f"{name}(z)", line=dict(color=colour, width=3)))
        traces.append(dict(type="scatter", x=z, y=dg, name=f"{name}′(z)", line=dict(color=colour, width=3, dash="dot")))
        flat = (dg < threshold).astype(int)
        # shade every maximal run of saturated z
        edges = np.flatnonzero(np.diff(np.concatenate([[0], flat, [0]])))
        for start, stop in zip(edges[0::2], edges[1::2]):
            shapes.append(
                dict(
                    type="rect",
                    xref="x",
                    yref="paper",
                    x0=z[start],
                    x1=z[stop - 1],
                    y0=0,
                    y1=1,
                    fillcolor=colour,
                    opacity=0.12,
                    line=dict(width=0),
                    layer="below",
                )
            )
    return _figure(
        traces,
        f"g (solid) and g′ (dotted); shaded where g′ < {threshold:g}: saturated",
        420,
        as_json=as_json,
        xaxis=_axis("z"),
        yaxis=_axis("value", range=[-1.2, 2.2]),
        shapes=shapes,
    )


def gradient_norms(norms: dict[str, np.ndarray], as_json: bool = False) -> go.Figure | dict:
    """‖∂L/∂W^[l]‖ per layer l for each activation, log scale."""
    traces = [
        dict(
            type="scatter",
            x=np.arange(1, len(values) + 1),
            y=values,
            name=name,
            mode="lines+markers",
            line=dict(color=CATEGORICAL[k], width=3),
            marker=dict(size=9),
        )
        for k, (name, values) in enumerate(norms.items())
    ]
    return _figure(
        traces,
        "Gradient norm ‖∂L/∂W^[l]‖ per layer, at initialisation",
        400,
        as_json=as_json,
        xaxis=_axis("layer l (1 = first hidden, last = output)", dtick=1),
        yaxis=_axis("‖∂L/∂W^[l]‖ (log)", type="log", exponentformat="power"),
    )


def output_saturation(
    z: np.ndarray,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    marker: float | None = None,
    as_json: bool = False,
) -> go.Figure | dict:
    """Loss and |∂L/∂z| of a sigmoid output against z, for the true label y = 1."""
    traces = []
    for k, (name, (loss, grad)) in enumerate(curves.items()):
        colour = (BLUE, VERMILION)[k % 2]
        traces.append(dict(type="scatter", x=z, y=loss, name=f"{name}: loss", line=dict(color=colour, width=3)))
        traces.append(
            dict(
                type="scatter",
                x=z,
                y=np.abs(grad),
                name=f"{name}: |∂L/∂z|",
                line=dict(color=colour, width=3, dash="dot"),
            )
        )
    shapes = [
        dict(
            type="rect",
            xref="x",
            yref="paper",
            x0=z[0],
            x1=0,
            y0=0,
            y1=1,
            fillcolor=GREY,
            opacity=0.1,
            line=dict(width=0),
        )
    ]
    if marker is not None:
        shapes.append(
            dict(
                type="line",
                xref="x",
                yref="paper",
                x0=marker,
                x1=marker,
                y0=0,
                y1=1,
                line=dict(color=BLACK, dash="dash"),
            )
        )
    notes = [dict(x=z[0] * 0.5, y=3.0, text="wrong: the output says y = 0", showarrow=False, font=dict(size=14))]
    return _figure(
        traces,
        "Sigmoid output unit, true label y = 1",
        420,
        as_json=as_json,
        xaxis=_axis("z^[L] (output pre-activation)"),
        yaxis=_axis("value", range=[0, 3.3]),
        shapes=shapes,
        annotations=notes,
    )
