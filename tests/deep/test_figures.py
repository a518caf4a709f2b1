"""Deep-network figures at projector size (issue 18): numbers at least 14 px and only where they fit, the
backprop graph's edge labels, readable log and integer axes, compact headline counts, visible points."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import digit_image
from core.deep import cnn_calculator as cnn
from core.deep import convolution as conv
from core.deep import mlp, toy_data
from viz import theme
from viz.deep import backprop as backprop_viz
from viz.deep import cnn_calculator as cnn_viz
from viz.deep import convolution as conv_viz
from viz.deep import dropout as dropout_viz
from viz.deep import mlp as mlp_viz

# ----------------------------------------------------------------------------------------------- backprop


def _walkthrough(architecture: str):
    sizes = tuple(int(n) for n in architecture.split("-"))
    config = mlp.MLPConfig(sizes, "sigmoid", "cross_entropy")
    params = mlp.init_params(config, 0, bias_std=0.5)
    fwd = mlp.forward(params, np.array([[0.5], [-1.0]]), config, None)
    return config, params, fwd, mlp.backward(params, fwd, np.array([1.0]), config)


@pytest.mark.parametrize("architecture", ["2-2-1", "2-3-1", "2-3-2-1", "2-2-2-1"])
def test_backprop_labels_the_focus_unit_edges_at_14px_and_every_edge_on_hover(architecture):
    config, params, fwd, back = _walkthrough(architecture)
    L = config.n_layers
    fig = backprop_viz.backprop_graph(config, params, fwd, back, L, 2, ("x1", "x2"), "t", focus=(2, 0))
    fan_in = config.layer_sizes[1]
    assert len(fig.layout.annotations) == fan_in
    assert all(a.font.size >= theme.MIN_TEXT_SIZE and "∂L/∂w" in a.text for a in fig.layout.annotations)
    # the labelled edges carry the gradient of W^[2]_{1i}
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert f"∂L/∂w={back.grads[2][0, 0]:+.3f}" in texts
    edges = next(t for t in fig.data if t.name == "edges")
    assert len(edges.hovertext) == sum(a * b for a, b in zip(config.layer_sizes, config.layer_sizes[1:]))
    nodes = fig.data[-1]
    assert nodes.textfont.size >= theme.MIN_TEXT_SIZE


def test_backprop_without_focus_labels_no_edge():
    config, params, fwd, _ = _walkthrough("2-3-1")
    fig = backprop_viz.backprop_graph(config, params, fwd, None, 1, 3, ("x1", "x2"))
    assert not fig.layout.annotations


# -------------------------------------------------------------------------------------------- convolution


def _convolution(image: np.ndarray, padding: int = 0):
    kernel = conv.KERNELS["vertical edge (Sobel x)"]
    output = conv.apply_kernel(image, kernel, False, 1, padding, 1)
    i, j = output.shape[0] // 2, output.shape[1] // 2
    terms = conv.terms_at(image, kernel, i, j, 1, padding, 1, flip=False)
    return conv_viz.convolution_figure(image, conv.applied_kernel(kernel, False), output, terms, i, j, padding)


def test_convolution_prints_an_8x8_digit_at_14px_with_integer_ticks():
    fig = _convolution(digit_image(0)[0])
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert all(t.texttemplate and t.textfont.size >= theme.MIN_TEXT_SIZE for t in heatmaps)
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2", "xaxis3", "yaxis3"):
        assert fig.layout[axis].dtick == 1 and fig.layout[axis].tick0 == 0
    assert not fig.layout.annotations[3:]  # only the three panel titles: no call-out


def test_convolution_hides_numbers_of_a_large_image_and_boxes_the_selected_output():
    fig = _convolution(conv.pattern_image("rings", 32))
    image, kernel, output = (t for t in fig.data if t.type == "heatmap")
    assert image.texttemplate is None and output.texttemplate is None
    assert kernel.texttemplate and kernel.textfont.size >= theme.MIN_TEXT_SIZE
    callout = fig.layout.annotations[-1]
    assert callout.text.startswith("O[") and callout.font.size >= theme.MIN_TEXT_SIZE
    assert all(isinstance(fig.layout[a].dtick, int) for a in ("xaxis", "yaxis", "xaxis3", "yaxis3"))


def test_cell_text_falls_back_to_one_decimal_then_hides():
    values = np.array([[-2.81, 0.5]])
    assert conv_viz.cell_text(values, 60) == [["-2.81", "0.50"]]
    assert conv_viz.cell_text(values, 36) == [["-2.8", "0.5"]]
    assert conv_viz.cell_text(values, 20) is None


# ------------------------------------------------------------------------------------------ cnn calculator


@pytest.mark.parametrize(
    ("value", "text"),
    [(195, "195"), (61_706, "61.7 k"), (62_378_344, "62.4 M"), (2_270_512_000, "2.27 G"), (3_000_000_000_000, "3 T")],
)
def test_compact_count(value, text):
    assert cnn_viz.compact_count(value) == text


@pytest.mark.parametrize("name", list(cnn.PRESETS))
def test_layer_chart_log_axes_and_tick_labels_are_readable(name):
    fig = cnn_viz.layer_chart(cnn.compute(cnn.parse_stack(cnn.PRESETS[name])))
    for axis in (fig.layout.yaxis, fig.layout.yaxis2):
        assert axis.type == "log" and (isinstance(axis.dtick, int) or axis.tickformat)
    assert fig.layout.xaxis.tickfont.size >= theme.MIN_TEXT_SIZE


def test_receptive_field_grid_ticks_whole_units_inside_the_grid():
    result = cnn.compute(cnn.parse_stack(cnn.PRESETS["AlexNet"]))
    index = max(k for k, r in enumerate(result.rows) if r.ok and r.shape is not None and len(r.shape) == 3)
    fig = cnn_viz.receptive_field_figure(result, index, 1, 1)
    w2 = result.rows[index].shape[2]
    assert isinstance(fig.layout.xaxis.dtick, int) and isinstance(fig.layout.yaxis.dtick, int)
    assert -1 < fig.layout.xaxis.range[0] < 0 and w2 - 1 < fig.layout.xaxis.range[1] < w2
    assert fig.layout.xaxis.constrain == "domain"  # the equal aspect may not widen the range to negative rows


# ---------------------------------------------------------------------------------------------- dropout


def test_dropout_points_have_contrasting_edges_and_fill_a_half_column():
    data = toy_data.make_dataset("moons", 40, 0.5, 0.5, 0)
    ticks, _ = toy_data.grid(20)
    prob = np.full((20, 20), 0.9)
    fig = dropout_viz.boundary(ticks, prob, data, "t")
    train = [t for t in fig.data if (t.name or "").startswith("train")]
    test = [t for t in fig.data if (t.name or "").startswith("test")]
    assert train and test
    assert all(t.marker.line.color == theme.BLACK and t.marker.line.width >= 1.5 for t in train)
    assert all(t.marker.line.color == "white" and t.marker.symbol == "diamond" for t in test)
    assert not fig.data[0].showscale
    margin = fig.layout.margin
    plot_w = theme.HALF_COLUMN_PX - margin.l - margin.r
    assert fig.layout.height - margin.t - margin.b == pytest.approx(plot_w, abs=1)  # square, the column's width


# ---------------------------------------------------------------------------------------- K-class boundary


def test_class_field_colours_the_winner_shaded_by_confidence():
    from plotly.colors import hex_to_rgb

    from viz import class_field

    colours = mlp_viz.CLASS_COLOURS[:3]
    # one row of four cells (x to the right): sure of class 0, sure of class 2, undecided, half-way to class 1
    probs = np.array([[[1.0, 0.0, 1 / 3, 1 / 3]], [[0.0, 0.0, 1 / 3, 2 / 3]], [[0.0, 1.0, 1 / 3, 0.0]]])
    rgb = class_field.class_field_rgb(probs, colours)[0].astype(float)
    np.testing.assert_array_equal(rgb[0], hex_to_rgb(colours[0]))
    np.testing.assert_array_equal(rgb[1], hex_to_rgb(colours[2]))
    np.testing.assert_array_equal(rgb[2], [255, 255, 255])
    # max p = 2/3 of K = 3: s = (2/3 − 1/3)/(1 − 1/3) = 1/2, half-way from white to the colour
    np.testing.assert_allclose(rgb[3], (255 + np.array(hex_to_rgb(colours[1]))) / 2, atol=0.5)


def test_class_boundary_draws_regions_borders_and_every_class():
    ticks = np.linspace(-2, 2, 21)
    g1, g2 = np.meshgrid(ticks, ticks)
    # three linear scores: class 0 wins where −3x1 > 3x1 + 3|x2|, i.e. left of x1 = −|x2|/2; classes 1 and 2
    # share the rest, split by x2 = 0
    scores = np.stack([-3 * g1, 3 * g1 + 3 * g2, 3 * g1 - 3 * g2])
    probs = np.exp(scores) / np.exp(scores).sum(axis=0)
    x = np.array([[-1.0, 0.0], [1.0, 1.0], [1.0, -1.0]])
    data = toy_data.Dataset(x, np.array([0.0, 1.0, 2.0]), np.zeros((0, 2)), np.zeros(0), ("cat", "dog", "owl"))
    fig = mlp_viz.class_boundary(ticks, probs, data, clickable=True)
    names = [t.name for t in fig.data]
    assert names[1:4] == ["train cat", "train dog", "train owl"] and "click to add" in names
    assert len(fig.layout.images) == 1 and fig.layout.images[0].source.startswith("data:image/png")
    border = fig.data[0]
    xs = np.array([v for v in border.x if v is not None], dtype=float)
    ys = np.array([v for v in border.y if v is not None], dtype=float)
    on_border = (np.abs(xs + np.abs(ys) / 2) < 0.1) | ((np.abs(ys) < 0.05) & (xs > -0.1))
    assert len(xs) and on_border.all()
    assert xs.max() > 1.5 and ys.min() < -1.5 and ys.max() > 1.5  # both borders are drawn across the plane


def test_softmax_output_tiles_take_the_class_colours():
    config = mlp.MLPConfig((2, 3, 4), "tanh")
    params = mlp.init_params(config, 0, bias_std=0.5)
    _ticks, points = toy_data.grid(8)
    fwd = mlp.forward(params, toy_data.features(points, ("x1", "x2")), config)
    outputs = [a.reshape(a.shape[0], 8, 8) for a in fwd.a]
    fig = mlp_viz.network(outputs, params, config, ("x1", "x2"), class_names=("a", "b", "c", "d"))
    assert len(fig.layout.images) == 2 + 3 + 4
    hover = fig.data[-1].text
    assert [t.split("<br>")[0] for t in hover[-4:]] == [f"output P(y={c})" for c in "abcd"]
