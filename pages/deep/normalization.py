"""Normalization (sheet 7b, 7c): which axes of (N, C, H, W) BatchNorm and LayerNorm average over, and what
that means for small batches and for train vs eval."""

import numpy as np
import streamlit as st

from core import user_data
from core.deep import normalization as norm
from core.deep.convolution import pattern_image
from ui import contract as ui
from ui import shipped_images as shipped
from viz.deep import normalization as viz


@st.cache_data(max_entries=32)
def study(seed: int, size: int) -> norm.BatchSizeStudy:
    return norm.batch_size_study(seed, size=size)


RINGS = "rings pattern"


@st.cache_data(max_entries=8, show_spinner=False)
def decode(content: bytes) -> np.ndarray:
    return user_data.decode_image(content, norm.IMAGE_SIDE)


@st.cache_data(max_entries=8, show_spinner=False)
def decode_shipped(name: str) -> np.ndarray:
    # a shipped image is read like an upload: the same decoder, the same limits
    return decode(shipped.read(name))


@st.cache_data(max_entries=16, show_spinner=False)
def image_figure(image: np.ndarray, batch_size: int, seed: int) -> dict:
    return viz.image_normalization_figure(norm.image_in_batches(image, batch_size, seed)).to_plotly_json()


@st.cache_data(max_entries=32)
def trace(seed: int, batch_size: int, steps: int, momentum: float, size: int) -> norm.RunningStatsTrace:
    return norm.running_stats_trace(seed, batch_size, steps, momentum, size=size)


# Each figure cached on the controls it depends on (plotly JSON dicts, see ui.figure): the page's three parts
# have their own controls, and moving one redraws only its part's figure.
@st.cache_data(max_entries=32, show_spinner=False)
def cube_figure(n: int, c: int, hw: int, other: str) -> dict:
    return viz.norm_cube_figure(n, c, hw, ("BatchNorm", other)).to_plotly_json()


@st.cache_data(max_entries=32, show_spinner=False)
def study_figure(seed: int, size: int) -> dict:
    return viz.batch_size_figure(study(seed, size)).to_plotly_json()


@st.cache_data(max_entries=32, show_spinner=False)
def running_figure(seed: int, batch_size: int, steps: int, momentum: float, size: int) -> dict:
    return viz.running_stats_figure(trace(seed, batch_size, steps, momentum, size)).to_plotly_json()


ui.begin(
    __file__,
    intro="A batch of feature maps is a 4-D tensor (N examples, C channels, H × W pixels). Normalization layers "
    "subtract a mean and divide by a standard deviation; they differ only in **which values share one mean**.",
)


# The cube and the running statistics are fragments: in the browser, their controls (drawn inside, so that each
# fragment run creates them again, URL binding included) rerun only their own part of the page.
@st.fragment
def cube_part() -> None:
    cube = st.columns(4)
    n = int(ui.slider("N (examples)", "n", 2, 6, 4, 1, container=cube[0]))
    c = int(ui.slider("C (channels)", "c", 2, 6, 3, 1, container=cube[1]))
    hw = int(ui.slider("H·W (pixels)", "hw", 2, 6, 4, 1, container=cube[2]))
    other = ui.select("Compare BatchNorm with", "other", ["LayerNorm", "InstanceNorm"], container=cube[3])
    ui.figure(cube_figure(n, c, hw, other))


st.subheader("Which values are normalized together")
cube_part()
st.caption(
    "Each colour is one group of values sharing one μ and σ². BatchNorm: one group per channel, across all N "
    "examples and all pixels (m = N·H·W values). LayerNorm: one group per example, across all channels and pixels. "
    "InstanceNorm: one group per example and channel. The block is seen from the front right, above: its top, "
    "front and right faces show every group."
)
left, right = st.columns(2)
with left:
    ui.formula(
        r"\mu_c = \frac{1}{NHW}\sum_{n,h,w} x_{nchw},\quad \sigma_c^2 = \frac{1}{NHW}\sum_{n,h,w}(x_{nchw}-\mu_c)^2",
        caption="BatchNorm (sheet 7b): per channel c, over the batch",
        share=0.5,
    )
with right:
    ui.formula(
        r"\mu_n = \frac{1}{CHW}\sum_{c,h,w} x_{nchw},\quad \sigma_n^2 = \frac{1}{CHW}\sum_{c,h,w}(x_{nchw}-\mu_n)^2",
        caption="LayerNorm (sheet 7c): per example n, over its features",
        share=0.5,
    )
ui.formula(
    r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma\,\hat{x} + \beta", caption="Then both"
)

st.subheader("BatchNorm's statistics depend on the batch")
seed = ui.seed()
size = int(
    ui.slider(
        "Feature-map side H = W",
        "side",
        1,
        8,
        2,
        1,
        help="Pixels per channel per example: BatchNorm averages over N·H·W values.",
    )
)
result = ui.attempt(study, seed, size)
ui.figure(study_figure(seed, size))
st.caption(
    f"Every batch holds the same example x₀ plus N − 1 random batch-mates, all drawn from N({result.true_mean:g}, "
    f"{result.true_var:g}); 200 batches per size. Bands: 10th–90th percentile."
)


@st.fragment
def running_part(seed: int, size: int) -> None:
    cols = st.columns(3)
    batch_size = int(ui.slider("Training batch size N", "bs", 1, 64, 8, 1, container=cols[0]))
    momentum = float(ui.slider("Momentum", "mom", 0.01, 1.0, 0.1, 0.01, container=cols[1]))
    steps = int(ui.slider("Training steps", "steps", 10, 300, 100, 10, container=cols[2]))
    ui.attempt(trace, seed, batch_size, steps, momentum, size)
    ui.figure(running_figure(seed, batch_size, steps, momentum, size))
    ui.formula(
        rf"\hat{{\mu}} \leftarrow (1 - {momentum:g})\,\hat{{\mu}} + {momentum:g}\,\mu_B,\qquad "
        rf"\hat{{\sigma}}^2 \leftarrow (1 - {momentum:g})\,\hat{{\sigma}}^2 + {momentum:g}\,\tfrac{{m}}{{m-1}}\sigma_B^2"
        rf"\quad (m = {batch_size * size * size})",
        caption="Running averages updated in training mode (PyTorch's convention; eval mode uses them instead of "
        "μ_B, σ_B²)",
    )


st.subheader("Train vs eval: running statistics")
running_part(seed, size)
st.subheader("Your image through the normalization layers")
choice_column, upload_column, size_column = st.columns([2, 3, 2])
# the pattern or a shipped image: URL-bound, so a link or a lesson step can name the image (an upload cannot)
choice = shipped.select("Image", (RINGS, *shipped.names()), container=choice_column)
file = upload_column.file_uploader(
    "Or upload a PNG or JPEG (it replaces the image on the left)",
    type=["png", "jpg", "jpeg"],
    key="norm_image",
    max_upload_size=user_data.MAX_UPLOAD_BYTES // 1_000_000,
    help=f"Converted to grey levels and shrunk so its longer side is {norm.IMAGE_SIDE} pixels. Uploaded images do "
    "not go into the page's link: a copied link opens on the image chosen on the left until the image is uploaded "
    f"again. {shipped.IN_LINK}",
)
# a file that cannot be read is named right under the control that took it; the figure keeps the last valid image
image, image_stale = (None, False)
if file is not None:
    image, image_stale = ui.attempt_or_last("image", decode, file.getvalue(), container=upload_column)
elif choice not in (None, RINGS):
    image, image_stale = ui.attempt_or_last("image", decode_shipped, choice, container=choice_column)
never_valid_image = image is None
if never_valid_image:
    image = pattern_image("rings", 32)
mates = int(
    ui.slider(
        "Batch size N (x₀ and N − 1 batch-mates)",
        "img_n",
        2,
        32,
        4,
        1,
        container=size_column,
        help="BatchNorm's μ_B and σ_B² are taken over the N·H·W values of x₀ and its batch-mates.",
    )
)
if image_stale:
    ui.showing_last_valid(
        "image",
        "upload (above)" if file is not None else "image (above)",
        shown="the rings pattern" if never_valid_image else None,
    )
ui.figure(image_figure(image, mates, seed))
st.caption(
    f"x₀ is {image.shape[0]}×{image.shape[1]} grey pixels (C = 1). Its batch-mates are noise images, dark "
    f"(pixels in {norm.DARK_MATES}) or bright (in {norm.BRIGHT_MATES}), drawn from the seed. LayerNorm uses x₀'s own "
    "mean and variance; BatchNorm in training mode those of the whole batch, so the same image comes out brighter "
    "among dark batch-mates and darker among bright ones (blue above the batch mean, red below)."
)

ui.what_to_notice(
    "- Your image: LayerNorm's output is the same whatever the batch; BatchNorm's shifts with its batch-mates, "
    "more so at small N, and at large N it approaches the mates' own statistics, not the image's.\n"
    "- BatchNorm's μ_B is an estimate from m = N·H·W values: at small N it is noisy, so the **same example gets a "
    "different output depending on its batch-mates** (the orange band). LayerNorm's output does not move: it never "
    "looks at the other examples, which is why it suits RNNs, transformers and batch size 1.\n"
    "- In **training** BatchNorm uses the batch's statistics (a spread of outputs on the right); in **eval** it uses "
    "the running averages, so one input always gives one output. Forgetting `model.eval()` makes predictions depend "
    "on the test batch.\n"
    "- Small momentum: smooth but slow running averages; momentum 1: the running mean is just the last batch's mean.\n"
    "- With N = 1 and H = W = 1 BatchNorm has a single value per channel and cannot train (PyTorch raises an error)."
)
ui.end()
