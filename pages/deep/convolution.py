"""Convolution explorer (sheet 7e): slide a kernel over an image and read the sum for one output, in numbers."""

from typing import NamedTuple

import numpy as np
import streamlit as st

from core.datasets import digit_image
from core.deep import convolution as conv
from ui import contract as ui
from ui import shipped_images as shipped
from viz.deep import convolution as viz

SOURCES = ("handwritten digit", "generated pattern", "a shipped image", "upload an image")
PATTERNS = ("square", "checkerboard", "diagonal stripes", "rings")
CUSTOM = "custom (type it)"
MODES = ("cross-correlation (what frameworks compute)", "true convolution (sheet 7e)")
DEFAULT_CUSTOM = "1 0 -1\n2 0 -2\n1 0 -1"


class Convolved(NamedTuple):
    """One image convolved with one kernel, with the settings that made the output (drawn together)."""

    image: np.ndarray
    kernel: np.ndarray
    flip: bool
    stride: int
    padding: int
    dilation: int
    output: np.ndarray


@st.cache_data(max_entries=32)
def get_image(
    source: str, digit: int, pattern: str, size: int, upload: bytes | None, shipped_name: str | None
) -> np.ndarray:
    if source == SOURCES[0]:
        return digit_image(digit)[0]
    if source == SOURCES[1]:
        return conv.pattern_image(pattern, size)
    # a shipped image is read like an upload: the same decoder, the same limits
    return conv.load_image(shipped.read(shipped_name) if source == SOURCES[2] else upload)


@st.cache_data(max_entries=64)
def run(image: np.ndarray, kernel: np.ndarray, flip: bool, stride: int, padding: int, dilation: int) -> np.ndarray:
    return conv.apply_kernel(image, kernel, flip, stride, padding, dilation)


def convolve(image: np.ndarray, kernel: np.ndarray, flip: bool, stride: int, padding: int, dilation: int) -> Convolved:
    return Convolved(
        image, kernel, flip, stride, padding, dilation, run(image, kernel, flip, stride, padding, dilation)
    )


ui.begin(
    __file__,
    intro="Pick an image and a kernel, then step the kernel over the image with the two position sliders: the "
    "highlighted taps, the kernel as it is applied and the sum for that one output value are written out with "
    "their numbers.",
)

source = ui.select(
    "Image",
    "src",
    SOURCES,
    help="A digit from scikit-learn's bundled set, a pattern, an image shipped with the app (it goes into the "
    "link), or your own (it does not).",
)
upload = shipped_name = None
if source == SOURCES[0]:
    digit = int(ui.number("Digit number (0–1796)", "digit", 0, 1796, 0, 1, help="Index into load_digits (8×8)."))
    pattern, size = PATTERNS[0], 16
elif source == SOURCES[1]:
    digit = 0
    pattern = ui.select("Pattern", "pattern", PATTERNS)
    size = int(ui.slider("Pattern size (pixels)", "size", 8, 48, 16, 1))
elif source == SOURCES[2]:
    digit, pattern, size = 0, PATTERNS[0], 16
    shipped_name = shipped.select()
    if shipped_name is None:  # an app without lessons/data/ images: the pattern, said so
        ui.caution("No image is shipped in lessons/data/; the 'square' pattern is shown.")
        source = SOURCES[1]
else:
    digit, pattern, size = 0, PATTERNS[0], 16
    file = st.sidebar.file_uploader(
        f"PNG or JPEG, up to {conv.MAX_UPLOAD_BYTES // 1_000_000} MB",
        type=["png", "jpg", "jpeg"],
        key="upload",
        help=f"Converted to grey levels and shrunk so its longer side is at most {conv.MAX_IMAGE_SIDE} pixels. "
        "Images do not go into the page's link: a copied link opens on the 'square' pattern until the image is "
        f"uploaded again. {shipped.IN_LINK}",
    )
    if file is None:
        st.info(
            "Upload an image in the sidebar; until then the 'square' pattern is shown. An uploaded image stays "
            "in this session only: it does not go into the page's link. To put an image in a link or a lesson "
            "step, pick *a shipped image* (the files of lessons/data/).",
            icon=":material/upload:",
        )
        source = SOURCES[1]
    else:
        upload = file.getvalue()
upload_message = st.sidebar.container()

kernel_name = ui.select("Kernel", "kernel", [*conv.KERNELS, CUSTOM], "vertical edge (Sobel x)")
kernel_stale = never_valid_kernel = False
if kernel_name == CUSTOM:
    kernel_text = ui.text_area(
        "Custom kernel (one row per line)", "kcustom", DEFAULT_CUSTOM, height=140,
        help="3×3 or 5×5 (any square up to 7×7); numbers separated by spaces or commas.",
    )  # fmt: skip
    # a kernel that cannot be read keeps the last valid one drawn; its message sits under the text box
    kernel, kernel_stale = ui.attempt_or_last("kernel", conv.parse_kernel, kernel_text, container=st.sidebar)
    if kernel is None:
        never_valid_kernel = True
        kernel = conv.parse_kernel(DEFAULT_CUSTOM)
else:
    kernel = conv.KERNELS[kernel_name]
mode = ui.select("Operation", "mode", MODES, help="Frameworks (PyTorch, TensorFlow) compute cross-correlation.")
flip = mode == MODES[1]
stride = int(ui.slider("Stride S", "stride", 1, 4, 1, 1))
padding = int(ui.slider("Padding P", "pad", 0, 3, 0, 1, help="Zeros added on every side."))
dilation = int(ui.slider("Dilation d", "dil", 1, 3, 1, 1, help="Gap between kernel taps: the kernel spans d(F−1)+1."))

geometry_message = st.sidebar.container()

image, image_stale = ui.attempt_or_last(
    "image", get_image, source, digit, pattern, size, upload, shipped_name, container=upload_message
)
never_valid_image = image is None
if never_valid_image:
    image = get_image(SOURCES[1], 0, PATTERNS[0], 16, None, None)
shown, geometry_stale = ui.attempt_or_last(
    "convolved", convolve, image, kernel, flip, stride, padding, dilation, container=geometry_message
)
never_valid_geometry = shown is None
if never_valid_geometry:
    # a link whose kernel cannot fit: "same" padding at stride 1 fits every kernel (F ≤ 7) on every image (≥ 3 px)
    shown = convolve(image, kernel, flip, 1, (kernel.shape[0] - 1) // 2, 1)
if kernel_stale:
    ui.showing_last_valid(
        "kernel", "custom kernel (sidebar)", shown="the default custom kernel (Sobel x)" if never_valid_kernel else None
    )
if image_stale:
    ui.showing_last_valid(
        "image",
        "shipped image (sidebar)" if source == SOURCES[2] else "upload (sidebar)",
        shown="the 'square' pattern" if never_valid_image else None,
    )
if geometry_stale:
    f_shown = shown.kernel.shape[0]
    settings = f"{f_shown}×{f_shown} kernel, S = {shown.stride}, P = {shown.padding}, d = {shown.dilation}"
    ui.showing_last_valid(
        "convolution",
        "settings (sidebar: kernel, stride, padding, dilation)",
        shown=f"{settings} instead" if never_valid_geometry else f"the last valid convolution ({settings})",
    )
image, kernel, flip, stride, padding, dilation, output = shown
h2, w2 = output.shape

# stepping the kernel: the output position (hidden when that axis has a single position); a position kept from
# a larger output is moved inside the new one before the sliders are drawn
for key, limit in (("oi", h2 - 1), ("oj", w2 - 1)):
    if st.session_state.get(key, 0) > limit:
        st.session_state[key] = limit
position = st.columns(2)
i = int(ui.slider("Output row i", "oi", 0, h2 - 1, min(h2 // 2, h2 - 1), 1, container=position[0])) if h2 > 1 else 0
j = int(ui.slider("Output column j", "oj", 0, w2 - 1, min(w2 // 2, w2 - 1), 1, container=position[1])) if w2 > 1 else 0
terms = conv.terms_at(image, kernel, i, j, stride, padding, dilation, flip=flip)
kernel_used = conv.applied_kernel(kernel, flip)
# a picture (shipped or uploaded) in its own light, a digit or a pattern as ink on paper
photo = source in SOURCES[2:] and not never_valid_image
ui.figure(viz.convolution_figure(image, kernel_used, output, terms, i, j, padding, photo=photo))

f = kernel.shape[0]
ui.formula(
    viz.sum_latex(terms, i, j, flip),
    caption=f"Output ({i}, {j}): tap (u, v) reads I[{i}·{stride} − {padding} + u·{dilation}, {j}·{stride} − {padding} "
    f"+ v·{dilation}]; each product is I[m, n]·K[u, v]"
    + (" with the kernel flipped" if flip else "")
    + " (0_pad = a zero from the padding)",
)
ui.formula(
    rf"H_2 \times W_2 = \left(\left\lfloor\frac{{{image.shape[0]} - {dilation * (f - 1) + 1} + 2\cdot{padding}}}{{{stride}}}"
    rf"\right\rfloor + 1\right) \times \left(\left\lfloor\frac{{{image.shape[1]} - {dilation * (f - 1) + 1} + 2\cdot{padding}}}"
    rf"{{{stride}}}\right\rfloor + 1\right) = {h2} \times {w2}",
    caption="Output size (sheet 7a) with the kernel's span d(F − 1) + 1 in place of F",
)

st.subheader("Convolution or cross-correlation?")
left, right = st.columns(2)
with left:
    ui.formula(r"(I * K)[i, j] = \sum_m \sum_n I[m, n]\, K[i - m,\, j - n]", caption="True convolution (the sheet, 7e)")
with right:
    ui.formula(
        r"(I \star K)[i, j] = \sum_u \sum_v I[i + u,\, j + v]\, K[u, v]",
        caption="Cross-correlation: what torch.nn.Conv2d computes",
    )
st.markdown(
    "In the true convolution the kernel index runs **backwards** (K[i − m] as m grows), so it is the "
    "cross-correlation with the kernel rotated by 180°. Deep-learning libraries skip the flip: the kernel is "
    "learned, so a flipped kernel is learned just as well, and call the result a convolution. The difference shows "
    "with asymmetric kernels (Sobel, emboss): switch *Operation* and watch the sign of the edges swap; symmetric "
    "kernels (blur, Laplacian, sharpen) give the same output either way."
)
ui.what_to_notice(
    "- Each output value is one weighted sum of F² input values: **sparse interactions**, and the same F² weights "
    "everywhere (**parameter sharing**, sheet 7f). Shift the image and the output shifts with it (**equivariance**).\n"
    "- Stride S skips positions (the output shrinks by about S in each direction); padding P keeps the border "
    "(with P = (F − 1)/2 and S = 1 the output has the input's size); dilation spreads the taps out to see a "
    "wider window with the same F² weights.\n"
    "- With true convolution the kernel drawn in the middle is the flipped one: that is the weight each tap "
    "really multiplies."
)
ui.end()
