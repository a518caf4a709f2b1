"""The images shipped in ``lessons/data/`` as a URL-bound choice: the way to put an image in a link or a lesson step.

An upload cannot go into a URL (its bytes are too long), so the image pages (convolution, normalization) offer
these files too: ``?img=pagoda.png`` opens on that image, and a lesson step names it with ``img = "pagoda.png"``
in ``[steps.params]``. A link naming a file that is not there gets ``ui.end``'s invalid-value notice, like any other
URL value a widget cannot take. The bytes go through ``core.user_data.decode_image`` like an upload (same limits).
"""

from __future__ import annotations

from pathlib import Path

from core.lessons import DATA_DIR, shipped_image_bytes, shipped_images
from ui import contract as ui

DATA = Path(__file__).resolve().parent.parent / "lessons" / DATA_DIR
KEY = "img"
"""The URL parameter (and widget key) of the choice on every image page."""
IN_LINK = (
    "A shipped image goes into the page's link, and a lesson step names it with "
    f'`{KEY} = "<file>"` in [steps.params]; an uploaded image does not.'
)


def names() -> tuple[str, ...]:
    """The image files of lessons/data/, by name."""
    return shipped_images(DATA)


def read(name: str) -> bytes:
    """The bytes of a shipped image (InputError for a name that is not one)."""
    return shipped_image_bytes(DATA, name)


def select(label: str = "Shipped image", options: tuple[str, ...] | None = None, *, container=None) -> str | None:
    """The URL-bound choice of a shipped image (``options``: the files, or these plus the page's own default
    first); None when lessons/data/ holds no image."""
    choices = names() if options is None else options
    if not choices:
        return None
    return ui.select(
        label,
        KEY,
        choices,
        container=container,
        help=f"Images shipped in the app's lessons/data/ folder. {IN_LINK}",
    )
