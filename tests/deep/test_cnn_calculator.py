"""The CNN calculator (sheet 7a) against torch.nn shapes and parameter counts, published totals and autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from core.deep import cnn_calculator as cnn
from core.errors import InputError

# ----------------------------------------------------------------------------------- calculator vs torch


def torch_rows(stack: cnn.Stack) -> list[tuple[tuple[int, ...], int]]:
    """Build the same stack from torch.nn on the meta device; (output shape, parameter count) per line."""
    rows = []
    with torch.device("meta"):
        x = torch.zeros(1, *stack.input_shape)
        saved = None
        for layer in stack.layers:
            channels = x.shape[1]
            if layer.kind == "conv":
                module = nn.Conv2d(
                    channels,
                    layer.out_channels,
                    layer.kernel,
                    layer.stride,
                    layer.padding,
                    layer.dilation,
                    bias=layer.bias,
                )
            elif layer.kind == "pool":
                pool = nn.MaxPool2d if layer.pool_mode == "max" else nn.AvgPool2d
                module = pool(layer.kernel, layer.stride, layer.padding)
            elif layer.kind == "bn":
                module = nn.BatchNorm2d(channels)
            elif layer.kind == "relu":
                module = nn.ReLU()
            elif layer.kind == "flatten":
                module = nn.Flatten()
            elif layer.kind == "dense":
                module = nn.Linear(channels, layer.out_channels)
            elif layer.kind == "block":
                saved, module = x, nn.Identity()
            elif layer.kind == "add":
                if layer.projection_stride:
                    shortcut = nn.Sequential(
                        nn.Conv2d(saved.shape[1], channels, 1, layer.projection_stride, bias=False),
                        nn.BatchNorm2d(channels),
                    )
                else:
                    shortcut = nn.Identity()
                rows.append((tuple((x + shortcut(saved)).shape[1:]), sum(p.numel() for p in shortcut.parameters())))
                x = x + shortcut(saved)
                continue
            x = module(x)
            rows.append((tuple(x.shape[1:]), sum(p.numel() for p in module.parameters())))
    return rows


@pytest.mark.parametrize("name", list(cnn.PRESETS))
def test_preset_shapes_and_params_equal_torch(name):
    stack = cnn.parse_stack(cnn.PRESETS[name])
    result = cnn.compute(stack)
    assert result.ok, result.first_problem
    expected = torch_rows(stack)
    assert [(r.shape, r.params) for r in result.rows] == expected


# published totals: LeNet-5 with a full C3 (61 706), AlexNet one tower, VGG-16 D, torchvision's resnet18
KNOWN_TOTALS = {
    "LeNet-5": 61_706,
    "AlexNet": 62_378_344,
    "VGG-16": 138_357_544,
    "ResNet-18 (stem + 4 stages)": 11_689_512,
}


@pytest.mark.parametrize("name", list(KNOWN_TOTALS))
def test_preset_total_params_match_published(name):
    assert cnn.compute(cnn.parse_stack(cnn.PRESETS[name])).total_params == KNOWN_TOTALS[name]


@pytest.mark.parametrize("name", list(cnn.PRESETS))
def test_preset_receptive_fields_match_known_values(name):
    rows = cnn.compute(cnn.parse_stack(cnn.PRESETS[name])).rows
    # published values are for the last feature map, before a global average pool (whose RF is the whole input)
    global_pool = [r for r in rows if r.layer.kind == "pool" and r.shape is not None and r.shape[1:] == (1, 1)]
    last_spatial = [r for r in rows if r.rf is not None and r not in global_pool][-1]
    assert last_spatial.rf == cnn.KNOWN_RECEPTIVE_FIELDS[name]


def test_vgg16_flops_match_known_count():
    # VGG-16's conv layers: 15.35 G multiply-adds (≈ 15.5 G with the dense layers), i.e. FLOPs = 2 × MACs
    result = cnn.compute(cnn.parse_stack(cnn.PRESETS["VGG-16"]))
    macs = sum(r.multiplications for r in result.rows)
    assert macs == 15_470_264_320
    assert result.total_flops == 2 * macs


def test_alexnet_first_layer_numbers():
    row = cnn.compute(cnn.parse_stack(cnn.PRESETS["AlexNet"])).rows[0]
    assert row.shape == (96, 55, 55)
    assert row.params == (11 * 11 * 3 + 1) * 96
    assert row.flops == 2 * 11 * 11 * 3 * 55 * 55 * 96
    assert row.multiplications == row.flops // 2
    assert "⌊(227 − 11 + 2·0)/4⌋ + 1 = 55" in row.formula


# ------------------------------------------------------------------------ receptive-field box vs autograd


def autograd_box(stack: cnn.Stack, row_index: int, i: int, j: int) -> tuple[int, int, int, int]:
    """Input pixels whose value changes output unit (i, j): nonzero gradient with all-positive weights."""
    torch.manual_seed(0)
    d, h, w = stack.input_shape
    x = torch.ones(1, d, h, w, requires_grad=True)
    out = x
    channels = d
    for layer in stack.layers[: row_index + 1]:
        if layer.kind == "conv":
            module = nn.Conv2d(channels, layer.out_channels, layer.kernel, layer.stride, layer.padding, layer.dilation)
            nn.init.constant_(module.weight, 1.0)
            channels = layer.out_channels
        else:  # average pooling: every tap has a positive weight, like the max's subgradient would not
            module = nn.AvgPool2d(layer.kernel, layer.stride, layer.padding)
        out = module(out)
    out[0, 0, i, j].backward()
    rows, cols = np.nonzero(x.grad[0].abs().sum(0).numpy())
    if rows.size == 0:  # the unit sees only zero padding
        return None
    return rows.min(), cols.min(), rows.max(), cols.max()


@settings(max_examples=25, deadline=None)
@given(
    layers=st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.booleans()),
        min_size=1,
        max_size=3,
    ),
    size=st.integers(20, 40),
    data=st.data(),
)
def test_receptive_box_equals_autograd_support(layers, size, data):
    lines = [f"input 1 {size} {size}"]
    for f, s, p, d, is_pool in layers:
        p = min(p, f // 2) if is_pool else p
        lines.append(f"pool avg {f} {s} {p}" if is_pool else f"conv 2 {f} {s} {p} {d}")
    stack = cnn.parse_stack("\n".join(lines))
    result = cnn.compute(stack)
    if not result.ok:
        return
    row = result.rows[-1]
    _, h, w = row.shape
    i, j = data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, w - 1))
    top, left, bottom, right = cnn.receptive_box(row, i, j)
    got = autograd_box(stack, len(stack.layers) - 1, i, j)
    assert row.rf == bottom - top + 1 == right - left + 1
    if 0 <= top and 0 <= left and bottom < size and right < size:
        # dilation and strides larger than kernels leave holes inside the box, but its corners are always used
        assert tuple(int(v) for v in got) == (top, left, bottom, right)
    elif got is not None:
        # part of the box lies in the padding: the pixels used are inside the box's part on the image
        g_top, g_left, g_bottom, g_right = got
        assert top <= g_top and left <= g_left and g_bottom <= bottom and g_right <= right


# ----------------------------------------------------------------------------- calculator: bad layers


def test_impossible_layer_is_flagged_and_rest_still_shows():
    stack = cnn.parse_stack("input 3 32 32\nconv 8 3 1 1\npool max 2 2\nconv 8 20 1 0\ndense 10")
    result = cnn.compute(stack)
    ok, ok2, bad, after = result.rows
    assert ok.ok and ok2.ok and ok2.shape == (8, 16, 16)
    assert "output ≤ 0" in bad.problem and "⌊(16 − 20 + 2·0)/1⌋ + 1 = -3" in bad.problem
    assert after.skipped and after.shape is None
    assert result.first_problem is bad


def test_exact_mode_flags_non_integer_division():
    stack = cnn.parse_stack("input 3 224 224\nconv 96 11 4 0")
    assert cnn.compute(stack).rows[0].shape == (96, 54, 54)
    row = cnn.compute(stack, exact=True).rows[0]
    assert "not an integer" in row.problem and "213/4" in row.problem


def test_dense_needs_flatten_and_identity_shortcut_needs_equal_shapes():
    rows = cnn.compute(cnn.parse_stack("input 3 8 8\ndense 10")).rows
    assert "flatten" in rows[0].problem
    rows = cnn.compute(cnn.parse_stack("input 3 8 8\nblock\nconv 4 3 2 1\nadd")).rows
    assert "add proj" in rows[-1].problem
    rows = cnn.compute(cnn.parse_stack("input 3 8 8\nblock\nconv 4 3 2 1\nadd proj 1")).rows
    assert "shortcut stride" in rows[-1].problem


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("conv 96 11 4 0\nconv x 3", "Line 2"),
        ("conv 96 0", r"F \(filter size\) must be between"),
        ("input 3 224\nconv 8 3", "Line 1"),
        ("pool min 2", "pool max F"),
        ("conv 8 3\nadd", "no 'block'"),
        ("block\nconv 8 3", "never closed"),
        ("# nothing", "no layers"),
        ("dense 10\nsoftmax", "Line 2"),
        ("pool max 2 2 2", "at most half"),
    ],
)
def test_parse_errors_name_the_line(text, fragment):
    with pytest.raises(InputError, match=fragment):
        cnn.parse_stack(text)


# ------------------------------------------------------------------------------------------ pages


def test_calculator_page_flags_a_bad_layer_and_keeps_the_table():
    from tests.apptest_helpers import assert_healthy, run_page

    stack = "input 3 32 32\nconv 8 3 1 1\npool max 2 2\nconv 8 20 1 0\nflatten\ndense 10"
    at = run_page("pages/deep/cnn_calculator.py", {"preset": "Custom (edit the text)", "stack": stack})
    assert_healthy(at, "calculator with a bad layer")
    assert any("Line 4" in e.value and "output ≤ 0" in e.value for e in at.error)
    table = at.dataframe[0].value
    assert list(table["output D×H×W"])[:3] == ["3×32×32", "8×32×32", "8×16×16"]
    assert at.get("plotly_chart")


def test_calculator_page_parse_error_names_the_line():
    from tests.apptest_helpers import run_page

    at = run_page(
        "pages/deep/cnn_calculator.py", {"preset": "Custom (edit the text)", "stack": "conv 8 3\nconv eight 3"}
    )
    assert any("Line 2" in e.value for e in at.error)
