"""A layer-stack calculator for convolutional networks (sheet 7a, 7d).

Notation follows the course sheet: an input volume ``D₁ × H₁ × W₁``; a convolution with ``K`` filters of
size ``F × F``, stride ``S``, zero padding ``P`` (and here an optional dilation ``d``) gives ``D₂ × H₂ × W₂``:

* ``W₂ = ⌊(W₁ − F + 2P) / S⌋ + 1`` (same for ``H``), ``D₂ = K``; with dilation ``d`` the kernel covers
  ``F_eff = d(F − 1) + 1`` input positions and ``F_eff`` replaces ``F`` in the shape;
* parameters ``(F² D₁ + 1) K`` (the ``+1`` is the bias of each filter);
* FLOPs ``2 F² D₁ W₂ H₂ K`` (one multiplication and one addition per weight and output), multiplications half;
* receptive field ``RF_l = 1 + Σ_{i≤l} (F_i − 1) Π_{k<i} S_k``.

To draw an output unit's receptive field on the input we also track, per layer, the *jump*
``j_l = Π_{k≤l} S_k`` (input pixels between neighbouring units) and the input coordinate ``start_l`` of the
first pixel seen by unit 0 (``start_l = start_{l−1} − P_l j_{l−1}``, negative while it lies in padding):
unit ``i`` of layer ``l`` sees input rows ``start_l + i j_l`` … ``start_l + i j_l + RF_l − 1``.

A stack is written one layer per line (``#`` starts a comment)::

    input 3 227 227          # D H W (optional first line; default 3 224 224)
    conv 96 11 4 0           # conv K F [S=1] [P=0] [dilation=1] [nobias]
    pool max 3 2             # pool max|avg F [S=F] [P=0]
    bn                       # BatchNorm: 2·D parameters, shape unchanged
    relu                     # no parameters, shape unchanged
    block                    # a residual block starts here (remembers its input)
    add                      # ... and ends: output + block input (identity shortcut)
    add proj 2               # ... or a 1×1 stride-2 conv (no bias) + BatchNorm on the shortcut, as in ResNet
    flatten
    dense 4096               # dense K: (D₁ + 1) K parameters
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.errors import InputError

MAX_LAYERS = 300
MAX_SIZE = 100_000
MAX_CHANNELS = 1_000_000
DEFAULT_INPUT = (3, 224, 224)


@dataclass(frozen=True)
class Layer:
    """One parsed line of a stack."""

    kind: str
    """conv, pool, bn, relu, block, add, flatten or dense."""
    line: int
    """1-based line number in the text, to name it in messages."""
    text: str
    """The line as written (comment stripped)."""
    out_channels: int = 0
    """K: filters of a conv, units of a dense layer."""
    kernel: int = 1
    """F: filter (or pooling window) size."""
    stride: int = 1
    """S."""
    padding: int = 0
    """P: zero padding on each side."""
    dilation: int = 1
    """d: gap between kernel taps (1 = an ordinary kernel)."""
    bias: bool = True
    """Whether each conv filter has a bias (ResNet's convs do not: BatchNorm follows them)."""
    pool_mode: str = "max"
    """max or avg (pool layers)."""
    projection_stride: int = 0
    """add: 0 = identity shortcut; S > 0 = 1×1 conv with stride S + BatchNorm on the shortcut."""

    @property
    def effective_kernel(self) -> int:
        """F_eff = d(F − 1) + 1: input positions one kernel spans."""
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class Stack:
    """A parsed stack: the input volume and the layers in order."""

    input_shape: tuple[int, int, int]
    """(D, H, W)."""
    layers: tuple[Layer, ...]


@dataclass
class Row:
    """The calculator's result for one layer: a row of the table."""

    layer: Layer
    shape: tuple[int, ...] | None
    """(D₂, H₂, W₂), or (K,) after flatten/dense; None when not computable."""
    params: int | None = None
    flops: int | None = None
    rf: int | None = None
    """Receptive field side on the input (None after flatten/dense: every input pixel)."""
    jump: int | None = None
    start: int | None = None
    formula: str = ""
    """The shape formula with this row's numbers, e.g. ⌊(227 − 11 + 2·0)/4⌋ + 1 = 55."""
    problem: str = ""
    """Why this layer is impossible (empty when fine)."""
    skipped: bool = False
    """True when an earlier layer was impossible, so this one could not be computed."""

    @property
    def multiplications(self) -> int | None:
        # multiplications = FLOPs / 2 (every multiplication comes with one addition)
        return None if self.flops is None else self.flops // 2

    @property
    def ok(self) -> bool:
        return not self.problem and not self.skipped


@dataclass
class Result:
    """The whole table plus totals."""

    stack: Stack
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def total_params(self) -> int:
        return sum(r.params or 0 for r in self.rows)

    @property
    def total_flops(self) -> int:
        return sum(r.flops or 0 for r in self.rows)

    @property
    def first_problem(self) -> Row | None:
        return next((r for r in self.rows if r.problem), None)


# --------------------------------------------------------------------------------------------- presets

_RESNET18_STEM = """input 3 224 224
# stem: 7×7/2 conv, BatchNorm, 3×3/2 max pool
conv 64 7 2 3 nobias
bn
relu
pool max 3 2 1"""


def _basic_block(channels: int, stride: int, projection: bool) -> str:
    """ResNet's basic block: two 3×3 convs (the first with the stage's stride) and a shortcut."""
    shortcut = f"add proj {stride}" if projection else "add"
    return "\n".join(
        [
            "block",
            f"conv {channels} 3 {stride} 1 nobias",
            "bn",
            "relu",
            f"conv {channels} 3 1 1 nobias",
            "bn",
            shortcut,
            "relu",
        ]
    )


def _resnet18() -> str:
    parts = [_RESNET18_STEM]
    for stage, channels in enumerate((64, 128, 256, 512), start=1):
        stride = 1 if stage == 1 else 2
        parts.append(f"# stage conv{stage + 1}_x: {channels} channels")
        parts.append(_basic_block(channels, stride, projection=stage > 1))
        parts.append(_basic_block(channels, 1, projection=False))
    parts.append("# head: global average pool and the classifier\npool avg 7 1\nflatten\ndense 1000")
    return "\n".join(parts)


PRESETS: dict[str, str] = {
    "LeNet-5": """input 1 32 32
# LeCun et al. 1998, with average pooling for the subsampling layers and a full C3
conv 6 5 1 0
pool avg 2 2
conv 16 5 1 0
pool avg 2 2
conv 120 5 1 0
flatten
dense 84
dense 10""",
    "AlexNet": """input 3 227 227
# Krizhevsky et al. 2012 as one tower (227×227 makes the first layer's numbers exact)
conv 96 11 4 0
pool max 3 2
conv 256 5 1 2
pool max 3 2
conv 384 3 1 1
conv 384 3 1 1
conv 256 3 1 1
pool max 3 2
flatten
dense 4096
dense 4096
dense 1000""",
    "VGG-16": "\n".join(
        ["input 3 224 224", "# Simonyan & Zisserman 2015, configuration D"]
        + [
            line
            for channels, repeats in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
            for line in [f"conv {channels} 3 1 1"] * repeats + ["pool max 2 2"]
        ]
        + ["flatten", "dense 4096", "dense 4096", "dense 1000"]
    ),
    "ResNet-18 stem": _RESNET18_STEM,
    "ResNet-18 (stem + 4 stages)": _resnet18(),
}

# Receptive fields published for the presets' last spatial layer (checked in tests/test_cnn.py).
KNOWN_RECEPTIVE_FIELDS = {
    "LeNet-5": 32,  # C5 sees the whole 32×32 input
    "AlexNet": 195,  # Araujo, Norris & Sim, "Computing receptive fields of CNNs", Distill 2019 (alexnet_v2)
    "VGG-16": 212,  # same article, vgg_16
    "ResNet-18 stem": 11,
    "ResNet-18 (stem + 4 stages)": 435,
}


# --------------------------------------------------------------------------------------------- parsing


def _ints(words: list[str], line_no: int, text: str, names: tuple[str, ...]) -> list[int]:
    values = []
    for word, name in zip(words, names):
        try:
            values.append(int(word))
        except ValueError:
            raise InputError(f"Line {line_no} ({text!r}): {name} must be a whole number, got {word!r}.") from None
    return values


def _check_range(value: int, lo: int, hi: int, line_no: int, text: str, name: str) -> None:
    if not lo <= value <= hi:
        raise InputError(f"Line {line_no} ({text!r}): {name} must be between {lo} and {hi}, got {value}.")


def parse_stack(text: str) -> Stack:
    """Parse the one-layer-per-line format (see the module docstring); InputError names the bad line."""
    input_shape = DEFAULT_INPUT
    layers: list[Layer] = []
    open_block = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.lower().split()
        kind, args = words[0], words[1:]
        where = f"Line {line_no} ({line!r})"
        if kind == "input":
            if layers:
                raise InputError(f"{where}: 'input D H W' must come before the first layer.")
            if len(args) != 3:
                raise InputError(f"{where}: write the input as 'input D H W', e.g. 'input 3 224 224'.")
            d, h, w = _ints(args, line_no, line, ("D", "H", "W"))
            _check_range(d, 1, MAX_CHANNELS, line_no, line, "D")
            _check_range(h, 1, MAX_SIZE, line_no, line, "H")
            _check_range(w, 1, MAX_SIZE, line_no, line, "W")
            input_shape = (d, h, w)
            continue
        if len(layers) >= MAX_LAYERS:
            raise InputError(f"{where}: at most {MAX_LAYERS} layers are supported.")
        if kind == "conv":
            bias = "nobias" not in args
            args = [a for a in args if a != "nobias"]
            if not 2 <= len(args) <= 5:
                raise InputError(
                    f"{where}: write a convolution as 'conv K F [S] [P] [dilation] [nobias]', e.g. 'conv 96 11 4 0'."
                )
            names = ("K (filters)", "F (filter size)", "S (stride)", "P (padding)", "dilation")
            values = _ints(args, line_no, line, names) + [1, 0, 1][len(args) - 2 :]
            k, f, s, p, d = values
            for value, lo, hi, name in zip(
                values, (1, 1, 1, 0, 1), (MAX_CHANNELS, MAX_SIZE, MAX_SIZE, MAX_SIZE, MAX_SIZE), names
            ):
                _check_range(value, lo, hi, line_no, line, name)
            layers.append(Layer("conv", line_no, line, k, f, s, p, d, bias))
        elif kind == "pool":
            if not args or args[0] not in ("max", "avg"):
                raise InputError(f"{where}: write pooling as 'pool max F [S] [P]' or 'pool avg F [S] [P]'.")
            mode, nums = args[0], args[1:]
            if not 1 <= len(nums) <= 3:
                raise InputError(f"{where}: write pooling as 'pool {mode} F [S] [P]', e.g. 'pool {mode} 2 2'.")
            names = ("F (window)", "S (stride)", "P (padding)")
            values = _ints(nums, line_no, line, names)
            f = values[0]
            s = values[1] if len(values) > 1 else f
            p = values[2] if len(values) > 2 else 0
            _check_range(f, 1, MAX_SIZE, line_no, line, names[0])
            _check_range(s, 1, MAX_SIZE, line_no, line, names[1])
            _check_range(p, 0, MAX_SIZE, line_no, line, names[2])
            if 2 * p > f:
                # torch's rule too: a window must always overlap the real input
                raise InputError(f"{where}: pooling padding P = {p} may be at most half the window F = {f}.")
            layers.append(Layer("pool", line_no, line, 0, f, s, p, 1, False, mode))
        elif kind == "dense":
            if len(args) != 1:
                raise InputError(f"{where}: write a dense layer as 'dense K', e.g. 'dense 4096'.")
            (k,) = _ints(args, line_no, line, ("K (units)",))
            _check_range(k, 1, MAX_CHANNELS, line_no, line, "K (units)")
            layers.append(Layer("dense", line_no, line, k))
        elif kind in ("flatten", "bn", "relu", "block"):
            if args:
                raise InputError(f"{where}: '{kind}' takes no numbers.")
            if kind == "block":
                if open_block:
                    raise InputError(f"{where}: a block is already open (line {open_block}); close it with 'add'.")
                open_block = line_no
            layers.append(Layer(kind, line_no, line))
        elif kind == "add":
            if not open_block:
                raise InputError(f"{where}: 'add' closes a residual block, but no 'block' line opened one.")
            open_block = 0
            if not args:
                layers.append(Layer("add", line_no, line))
            elif args[0] == "proj" and len(args) == 2:
                (s,) = _ints(args[1:], line_no, line, ("S (shortcut stride)",))
                _check_range(s, 1, MAX_SIZE, line_no, line, "S (shortcut stride)")
                layers.append(Layer("add", line_no, line, projection_stride=s))
            else:
                raise InputError(f"{where}: write 'add' (identity shortcut) or 'add proj S' (1×1 conv, stride S).")
        else:
            raise InputError(
                f"{where}: unknown layer {kind!r}; use conv, pool, bn, relu, block, add, flatten, dense (or input)."
            )
    if open_block:
        raise InputError(f"The block opened on line {open_block} is never closed with 'add'.")
    if not layers:
        raise InputError("The stack has no layers: write at least one line such as 'conv 16 3 1 1'.")
    return Stack(input_shape, tuple(layers))


# --------------------------------------------------------------------------------------------- calculator


def output_size(size: int, kernel: int, stride: int, padding: int) -> tuple[int, int, str]:
    """W₂ = ⌊(W₁ − F + 2P)/S⌋ + 1 with its remainder ``(W₁ − F + 2P) mod S`` and the formula in numbers."""
    span = size - kernel + 2 * padding
    # W₂ = ⌊(W₁ − F + 2P)/S⌋ + 1
    out = span // stride + 1
    text = f"⌊({size} − {kernel} + 2·{padding})/{stride}⌋ + 1 = {out}"
    return out, span % stride, text


def _spatial(layer: Layer, shape: tuple[int, ...], exact: bool, row: Row) -> tuple[int, int] | None:
    """H₂, W₂ of a conv/pool layer, or None with ``row.problem`` set."""
    _, h, w = shape
    f = layer.effective_kernel
    h2, h_rem, h_text = output_size(h, f, layer.stride, layer.padding)
    w2, w_rem, w_text = output_size(w, f, layer.stride, layer.padding)
    row.formula = f"W₂ = {w_text}" if h == w else f"H₂ = {h_text}; W₂ = {w_text}"
    if layer.dilation > 1:
        row.formula += f" (F_eff = {layer.dilation}·({layer.kernel} − 1) + 1 = {f})"
    if h2 <= 0 or w2 <= 0:
        row.problem = f"output ≤ 0: the {f}×{f} window does not fit in the padded {h + 2 * layer.padding}×{w + 2 * layer.padding} input ({row.formula})"
        return None
    if exact and (h_rem or w_rem):
        span, rem = (h - f + 2 * layer.padding, h_rem) if h_rem else (w - f + 2 * layer.padding, w_rem)
        row.problem = (
            f"not an integer: (W₁ − F + 2P)/S = {span}/{layer.stride} leaves remainder {rem}, "
            f"so the last {rem} row(s)/column(s) are never covered ({row.formula})"
        )
        return None
    return h2, w2


def compute(stack: Stack, exact: bool = False) -> Result:
    """Run the calculator over a stack: shape, parameters, FLOPs and receptive field of every layer.

    ``exact``: also flag a conv/pool whose ``(W₁ − F + 2P)/S`` is not an integer (the floor would silently drop
    input rows or columns). An impossible layer gets its ``problem`` and the following rows are ``skipped``;
    the rows before it keep their numbers.
    """
    result = Result(stack)
    shape: tuple[int, ...] = stack.input_shape
    rf, jump, start = 1, 1, 0
    block_in: tuple[tuple[int, ...], int, int, int] | None = None
    failed = False
    for layer in stack.layers:
        row = Row(layer, None)
        result.rows.append(row)
        if failed:
            row.skipped = True
            continue
        flat = len(shape) == 1
        if layer.kind in ("conv", "pool"):
            if flat:
                row.problem = f"{layer.kind} needs a D×H×W volume, but the input here is flat ({shape[0]} values)"
            elif (hw := _spatial(layer, shape, exact, row)) is not None:
                d1 = shape[0]
                d2 = layer.out_channels if layer.kind == "conv" else d1
                h2, w2 = hw
                if layer.kind == "conv":
                    f = layer.kernel
                    # parameters (F² D₁ + 1) K  (no +1 without bias)
                    row.params = (f * f * d1 + int(layer.bias)) * d2
                    # FLOPs 2 F² D₁ W₂ H₂ K
                    row.flops = 2 * f * f * d1 * w2 * h2 * d2
                else:
                    row.params, row.flops = 0, 0
                # RF_l = RF_{l−1} + (F_l − 1) j_{l−1};  start_l = start_{l−1} − P_l j_{l−1};  j_l = j_{l−1} S_l
                rf = rf + (layer.effective_kernel - 1) * jump
                start = start - layer.padding * jump
                jump = jump * layer.stride
                shape = (d2, h2, w2)
        elif layer.kind in ("bn", "relu"):
            # BatchNorm has γ and β per channel: 2·D parameters; ReLU none
            row.params = 2 * shape[0] if layer.kind == "bn" else 0
            row.flops = 0
        elif layer.kind == "block":
            block_in = (shape, rf, jump, start)
            row.params, row.flops = 0, 0
        elif layer.kind == "add":
            assert block_in is not None  # parse_stack guarantees a matching 'block'
            in_shape = block_in[0]
            row.params, row.flops = 0, 0
            if layer.projection_stride:
                s = layer.projection_stride
                if flat or len(in_shape) == 1:
                    row.problem = "a 1×1 conv shortcut needs D×H×W volumes on both paths"
                else:
                    h_p, _, _h_text = output_size(in_shape[1], 1, s, 0)
                    w_p, _, w_text = output_size(in_shape[2], 1, s, 0)
                    row.formula = f"shortcut W₂ = {w_text}"
                    d_in, k = in_shape[0], shape[0]
                    if (h_p, w_p) != shape[1:]:
                        row.problem = (
                            f"the shortcut gives {k}×{h_p}×{w_p} but the main path gives "
                            f"{'×'.join(map(str, shape))} ({row.formula}); change the shortcut stride"
                        )
                    else:
                        # 1×1 conv without bias, (1²·D₁)K, plus BatchNorm's 2K
                        row.params = d_in * k + 2 * k
                        # FLOPs 2·1²·D₁ W₂ H₂ K
                        row.flops = 2 * d_in * w_p * h_p * k
            elif in_shape != shape:
                row.problem = (
                    f"an identity shortcut needs equal shapes: block input {'×'.join(map(str, in_shape))}, "
                    f"main path {'×'.join(map(str, shape))}; use 'add proj S' for a 1×1 conv shortcut"
                )
            # the main path spans the largest input window, so RF/jump/start stay those of the main path
        elif layer.kind == "flatten":
            row.params, row.flops = 0, 0
            # flatten: D·H·W values in one vector
            shape = (math.prod(shape),)
            rf = None
        elif layer.kind == "dense":
            if not flat:
                row.problem = (
                    f"dense needs a flat input, but here it is {'×'.join(map(str, shape))}: add 'flatten' before it"
                )
            else:
                d1, k = shape[0], layer.out_channels
                # parameters (D₁ + 1) K  (the conv formula with F = 1, W₂ = H₂ = 1)
                row.params = (d1 + 1) * k
                # FLOPs 2 D₁ K
                row.flops = 2 * d1 * k
                shape = (k,)
                rf = None
        if row.problem:
            failed = True
            continue
        row.shape = shape
        row.rf = rf if len(shape) == 3 else None
        row.jump = jump if len(shape) == 3 else None
        row.start = start if len(shape) == 3 else None
        if len(shape) == 1:
            rf = None
    return result


def receptive_box(row: Row, i: int, j: int) -> tuple[int, int, int, int]:
    """Input rows/cols seen by unit (i, j) of a layer: (top, left, bottom, right), inclusive, may leave the input.

    Unit i covers ``start + i·jump`` … ``start + i·jump + RF − 1`` (coordinates < 0 or ≥ W are padding).
    """
    if row.rf is None or row.shape is None or len(row.shape) != 3:
        raise InputError(f"Line {row.layer.line}: this layer has no spatial output, so no receptive-field box.")
    _, h, w = row.shape
    if not (0 <= i < h and 0 <= j < w):
        raise InputError(f"Unit ({i}, {j}) is outside this layer's {h}×{w} output.")
    # top = start + i·j_l ; bottom = top + RF − 1
    top = row.start + i * row.jump
    left = row.start + j * row.jump
    return top, left, top + row.rf - 1, left + row.rf - 1


def rf_terms(stack: Stack, upto: int) -> list[tuple[int, int]]:
    """The terms (F_l, Π_{k<l} S_k) of RF = 1 + Σ (F_l − 1) Π_{k<l} S_k for the conv/pool layers up to row ``upto``
    (F_l is the dilated span F_eff)."""
    terms = []
    product = 1
    for layer in stack.layers[: upto + 1]:
        if layer.kind in ("conv", "pool"):
            terms.append((layer.effective_kernel, product))
            # Π_{k<l} S_k for the next layer
            product *= layer.stride
    return terms
