"""Your own image (issue 17) through the convolution explorer and the normalization page: PNG and JPEG made here
with Pillow, convolved and compared with scipy.signal.correlate2d, normalized and compared with torch; too-large,
non-image and truncated files get their message and the pages keep their previous image."""

from __future__ import annotations

import io
import json
import struct
import zlib

import numpy as np
import pytest
import scipy.signal
import torch
from PIL import Image

from core import user_data
from core.deep import convolution as conv
from core.deep import normalization as norm
from core.errors import InputError
from core.numerics import rng_streams
from tests.apptest_helpers import assert_healthy, run_page
from ui import shipped_images
from ui.contract import URL_ICON


def _photo(width: int = 90, height: int = 60) -> np.ndarray:
    """An RGB test picture: a colour gradient with a bright disc (uint8, (height, width, 3))."""
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([255 * xx / width, 255 * yy / height, 128 + 0 * xx], axis=-1)
    rgb[(xx - width / 2) ** 2 + (yy - height / 2) ** 2 < (height / 4) ** 2] = (250, 240, 10)
    return rgb.astype(np.uint8)


def _encoded(rgb: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels and that holds no pixel data (a "decompression bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_png_and_jpeg_go_through_the_convolution_like_scipy(fmt):
    rgb = _photo()
    image = conv.load_image(_encoded(rgb, fmt), max_side=conv.MAX_IMAGE_SIDE)
    # the longer side shrunk to the cap, the aspect ratio kept: 90 × 60 → 64 × 43
    assert image.shape == (43, 64) and 0 <= image.min() <= image.max() <= 1
    # grey levels: ITU-R 601 luma of the picture resized the same way, independent of our decoder
    small = np.asarray(Image.fromarray(rgb).resize((64, 43), Image.Resampling.LANCZOS), dtype=float)
    luma = (0.299 * small[..., 0] + 0.587 * small[..., 1] + 0.114 * small[..., 2]) / 255
    tolerance = 2 / 255 if fmt == "PNG" else 0.06  # JPEG is lossy
    assert np.abs(image - luma).mean() < tolerance
    for name in ("vertical edge (Sobel x)", "sharpen", "emboss"):
        kernel = conv.KERNELS[name]
        ours = conv.apply_kernel(image, kernel, flip=False)
        np.testing.assert_allclose(ours, scipy.signal.correlate2d(image, kernel, mode="valid"), atol=1e-12)
        flipped = conv.apply_kernel(image, kernel, flip=True, padding=1)
        np.testing.assert_allclose(flipped, scipy.signal.convolve2d(image, kernel, mode="same"), atol=1e-12)


def test_a_small_image_keeps_its_size_and_its_grey_levels():
    grey = np.array([[0, 64, 128], [192, 255, 32], [16, 8, 4]], dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buffer, format="PNG")
    np.testing.assert_array_equal(conv.load_image(buffer.getvalue()), grey / 255.0)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"0" * (user_data.MAX_UPLOAD_BYTES + 1), "MB; images up to 2 MB"),
        (_png_header_only(8000, 8000), "8000×8000 pixels; at most 40 megapixels"),
        (b"GIF89a not really", "could not be read as a PNG or JPEG"),
        (b"hello, world", "could not be read as a PNG or JPEG"),
        (_encoded(_photo(), "PNG")[:400], "could not be read as a PNG or JPEG"),  # truncated
        (_encoded(_photo(), "JPEG")[:300], "could not be read as a PNG or JPEG"),  # truncated
        (_encoded(_photo(200, 4), "PNG"), "at least 3×3"),  # 64 × 1 after shrinking
    ],
)
def test_bad_image_files_are_named(content, fragment):
    with pytest.raises(InputError, match=fragment):
        conv.load_image(content)


def test_a_gif_is_refused_even_when_pillow_could_read_it():
    buffer = io.BytesIO()
    Image.fromarray(_photo()).save(buffer, format="GIF")
    with pytest.raises(InputError, match="PNG or JPEG"):
        conv.load_image(buffer.getvalue())


@pytest.mark.parametrize(("batch_size", "seed"), [(2, 0), (4, 3), (16, 7)])
def test_image_normalization_equals_torch(batch_size, seed):
    image = conv.load_image(_encoded(_photo(), "PNG"), max_side=norm.IMAGE_SIDE)
    result = norm.image_in_batches(image, batch_size, seed)
    x0 = torch.tensor(image)[None, None]  # (1, 1, H, W)
    layer = torch.nn.LayerNorm(list(x0.shape[1:]), elementwise_affine=False, eps=1e-5).double()
    np.testing.assert_allclose(result.layer, layer(x0)[0, 0].numpy(), atol=1e-10)
    # the documented batch-mates: uniform noise from the two streams SeedSequence(seed).spawn(2)
    dark_rng, bright_rng = rng_streams(seed, 2)
    for rng, low_high, ours in (
        (dark_rng, norm.DARK_MATES, result.batch_dark),
        (bright_rng, norm.BRIGHT_MATES, result.batch_bright),
    ):
        mates = rng.uniform(*low_high, size=(batch_size - 1, 1, *image.shape))
        batch = torch.cat([x0, torch.tensor(mates)])
        bn = torch.nn.BatchNorm2d(1, affine=False, eps=1e-5).double().train()
        np.testing.assert_allclose(ours, bn(batch)[0, 0].detach().numpy(), atol=1e-10)
    # the same image comes out brighter among dark batch-mates than among bright ones
    assert result.batch_dark.mean() > result.layer.mean() - 1e-9 > result.batch_bright.mean()


def test_image_normalization_refuses_a_batch_of_one():
    with pytest.raises(InputError, match="at least 2"):
        norm.image_in_batches(np.zeros((4, 4)), 1, 0)


# --------------------------------------------------------------------------------------------- the pages
def _figures(at) -> list:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def _z(trace) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):
        import base64

        flat = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return flat.reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.asarray(z, dtype=float)


def test_convolution_page_convolves_an_upload_and_keeps_it_on_a_bad_file():
    at = run_page("pages/deep/convolution.py", {"src": "upload an image", "kernel": "sharpen"})
    assert_healthy(at, "convolution, no upload yet")
    png = _encoded(_photo(), "PNG")
    at.sidebar.file_uploader(key="upload").set_value(("photo.png", png, "image/png"))
    at.run()
    assert_healthy(at, "convolution with an uploaded PNG")
    image = conv.load_image(png)
    traces = _figures(at)[0]
    # the figure's input panel holds the uploaded image's grey levels
    assert any(_z(t).shape == image.shape and np.allclose(_z(t), image) for t in traces if "z" in t)
    at.run()  # the output-position sliders settle on the new image's range (their bounds changed)
    good = _figures(at)
    for bad, fragment in ((png[:400], "could not be read"), (_png_header_only(9000, 9000), "megapixels")):
        at.sidebar.file_uploader(key="upload").set_value(("bad.png", bad, "image/png"))
        at.run()
        assert_healthy(at, "convolution with a bad file")
        assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
        assert _figures(at) == good
        assert any("Showing the last valid image" in c.value for c in at.caption)


def test_normalization_page_takes_an_upload_and_keeps_it_on_a_bad_file():
    at = run_page("pages/deep/normalization.py")
    assert_healthy(at, "normalization page")
    rings = _figures(at)[-1]
    jpeg = _encoded(_photo(), "JPEG")
    at.file_uploader(key="norm_image").set_value(("photo.jpg", jpeg, "image/jpeg"))
    at.run()
    assert_healthy(at, "normalization with an uploaded JPEG")
    shown = _figures(at)[-1]
    assert shown != rings
    np.testing.assert_allclose(_z(shown[0]), user_data.decode_image(jpeg, norm.IMAGE_SIDE))
    at.file_uploader(key="norm_image").set_value(("bad.jpg", b"not a jpeg", "image/jpeg"))
    at.run()
    assert_healthy(at, "normalization with a bad file")
    assert any("could not be read as a PNG or JPEG" in e.value for e in at.error)
    assert _figures(at)[-1] == shown
    assert any("Showing the last valid image" in c.value for c in at.caption)


# ---------------------------------------------------------------------- a shipped image (lessons/data/, in the link)
SHIPPED = "pagoda.png"
SHIPPED_LINK = {"src": "a shipped image", "img": SHIPPED}


def _shipped_decoded(max_side: int) -> np.ndarray:
    """The shipped file decoded here from its bytes on disk, as an upload of it would be."""
    return user_data.decode_image((shipped_images.DATA / SHIPPED).read_bytes(), max_side)


@pytest.fixture
def two_shipped(monkeypatch, tmp_path):
    """lessons/data/ with a second image sorted before the pagoda: the select's default is then another image,
    so a page showing the pagoda took it from the link."""
    (tmp_path / SHIPPED).write_bytes((shipped_images.DATA / SHIPPED).read_bytes())
    (tmp_path / "a-photo.png").write_bytes(_encoded(_photo(), "PNG"))
    monkeypatch.setattr(shipped_images, "DATA", tmp_path)
    assert shipped_images.names() == ("a-photo.png", SHIPPED)


def _panel(traces: list, name: str) -> np.ndarray:
    """The z of the convolution figure's heatmap ``name`` (I, K or O: its hover names it)."""
    return next(_z(t) for t in traces if str(t.get("hovertemplate", "")).startswith(f"{name} ["))


def test_shipped_images_are_the_image_files_of_lessons_data_and_nothing_outside():
    assert SHIPPED in shipped_images.names()
    assert all(name.lower().endswith((".png", ".jpg", ".jpeg")) for name in shipped_images.names())
    assert shipped_images.read(SHIPPED) == (shipped_images.DATA / SHIPPED).read_bytes()
    for name in ("iris-petals.csv", "../deep-backprop-to-cnn.toml", "missing.png"):
        with pytest.raises(InputError, match="not an image in lessons/data"):
            shipped_images.read(name)


@pytest.mark.parametrize("kernel", ["horizontal edge (Sobel y)", "emboss"])
def test_a_link_naming_a_shipped_image_convolves_it_like_scipy(kernel, two_shipped):
    at = run_page("pages/deep/convolution.py", {**SHIPPED_LINK, "kernel": kernel})
    assert_healthy(at, f"convolution, shipped image, {kernel}")
    assert not at.warning, [w.value for w in at.warning]  # every URL value was taken
    assert [s.value for s in at.sidebar.selectbox if s.key == "img"] == [SHIPPED]
    image = _shipped_decoded(conv.MAX_IMAGE_SIDE)
    assert image.shape == (64, 64)
    traces = _figures(at)[0]
    np.testing.assert_allclose(_panel(traces, "I"), image, atol=1e-12)
    # the page's output is the cross-correlation of the decoded file with its kernel (stride 1, no padding)
    expected = scipy.signal.correlate2d(image, conv.KERNELS[kernel], mode="valid")
    np.testing.assert_allclose(_panel(traces, "O"), expected, atol=1e-12)

    # a photo is drawn in its own light (1 = white); a digit as ink (1 = black)
    def input_panel(traces):
        return next(t for t in traces if str(t.get("hovertemplate", "")).startswith("I ["))

    assert input_panel(traces).get("reversescale") is True
    digit = run_page("pages/deep/convolution.py", {"kernel": kernel})
    assert not input_panel(_figures(digit)[0]).get("reversescale")


def test_a_link_naming_a_missing_image_gets_the_notice_and_the_default():
    at = run_page("pages/deep/convolution.py", {**SHIPPED_LINK, "img": "nope.png"})
    assert_healthy(at, "convolution, missing shipped image")
    notices = [w.value for w in at.warning if w.icon == URL_ICON]
    default = shipped_images.names()[0]
    assert any(f"`img=nope.png` is not a valid value here; using `{default}` instead." in n for n in notices), notices
    np.testing.assert_allclose(
        _panel(_figures(at)[0], "I"), user_data.decode_image(shipped_images.read(default), conv.MAX_IMAGE_SIDE)
    )


def test_normalization_page_opens_on_a_shipped_image_and_an_upload_replaces_it(two_shipped):
    at = run_page("pages/deep/normalization.py", {"img": SHIPPED})
    assert_healthy(at, "normalization, shipped image")
    assert not at.warning, [w.value for w in at.warning]
    shown = _figures(at)[-1]
    np.testing.assert_allclose(_z(shown[0]), _shipped_decoded(norm.IMAGE_SIDE))
    # x₀ normalized by LayerNorm is that image's own standardization (torch as the reference)
    x0 = torch.tensor(_shipped_decoded(norm.IMAGE_SIDE))[None, None]
    layer = torch.nn.LayerNorm(list(x0.shape[1:]), elementwise_affine=False, eps=1e-5).double()
    assert any(np.allclose(_z(t), layer(x0)[0, 0].numpy(), atol=1e-10) for t in shown if "z" in t)
    jpeg = _encoded(_photo(), "JPEG")
    at.file_uploader(key="norm_image").set_value(("photo.jpg", jpeg, "image/jpeg"))
    at.run()
    np.testing.assert_allclose(_z(_figures(at)[-1][0]), user_data.decode_image(jpeg, norm.IMAGE_SIDE))
    bad = run_page("pages/deep/normalization.py", {"img": "nope.png"})
    assert any("`img=nope.png` is not a valid value here" in w.value for w in bad.warning)
    assert _z(_figures(bad)[-1][0]).shape == (32, 32)  # the default: the rings pattern
