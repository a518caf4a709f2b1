"""A file upload that fills a URL-bound text: the text stays the one home of the data (a copied link or a lesson
step restores it), the file is only a way to type it.

The uploader's callback runs before the script, so it may write the text area's key. A file that cannot be read
(not UTF-8, binary, too large, or text its page's parser refuses) leaves a message beside the uploader and the
text as it was: the page keeps drawing its previous data. Nothing but ``core.user_data.decode_text`` and the
page's own parser ever sees the bytes: no pickle, no eval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from core import user_data
from core.errors import InputError
from ui import contract as ui

TEXT_TYPES = ["txt", "csv", "tsv"]


def _error_key(key: str) -> str:
    return f"_{key}_upload_error"


def file_key(key: str) -> str:
    """The file_uploader's widget key for the text under ``key``."""
    return f"{key}_file"


def read_upload(content: bytes, file_name: str, parse: Callable[[str], Any]) -> str:
    """The text of an uploaded file once ``parse`` accepts it (InputError naming the file and the problem)."""
    text = user_data.decode_text(content, f"The file {file_name}").strip()
    try:
        parse(text)
    except InputError as error:
        raise InputError(f"{file_name}: {error}") from None
    return text


def _load(
    key: str,
    parse: Callable[[str], Any],
    transform: Callable[[str], str] | None,
    on_loaded: Callable[[], None] | None,
) -> None:
    """file_uploader callback: a file that parses replaces the text under ``key``; else a message, text kept."""
    upload = st.session_state.get(file_key(key))
    st.session_state.pop(_error_key(key), None)
    if upload is None:
        return
    try:
        text = read_upload(upload.getvalue(), upload.name, parse)
        if transform is not None:
            text = transform(text)
    except InputError as error:
        st.session_state[_error_key(key)] = f"{error} The current data are kept."
        return
    st.session_state[key] = text
    if on_loaded is not None:
        on_loaded()


def text_uploader(
    label: str,
    key: str,
    parse: Callable[[str], Any],
    *,
    types: list[str] | None = None,
    transform: Callable[[str], str] | None = None,
    on_loaded: Callable[[], None] | None = None,
    help: str | None = None,
    container=None,
) -> None:
    """Draw an uploader whose file, once ``parse`` reads it, replaces the URL-bound text under ``key`` (``transform``
    rewrites it first, e.g. a CSV into the text area's own format; ``on_loaded`` runs after, e.g. to switch a preset
    control to "custom"). Its message, if any, is drawn right under it."""
    where = container if container is not None else st.sidebar
    where.file_uploader(
        label,
        type=types or TEXT_TYPES,
        key=file_key(key),
        on_change=_load,
        args=(key, parse, transform, on_loaded),
        max_upload_size=max(1, user_data.MAX_UPLOAD_BYTES // 1_000_000),
        help=help
        or f"Up to {user_data.MAX_UPLOAD_BYTES / 1e6:.0f} MB of UTF-8 text; it replaces the text above once it "
        "can be read. A file that cannot be read leaves the current data as they are.",
    )
    message = st.session_state.get(_error_key(key))
    if message and where is st:
        ui.problem(message)
    elif message:
        with where:
            ui.problem(message)


def url_note(text: str, container=None) -> None:
    """A caption when the text is too long to travel in the page's link (``core.user_data.URL_DATA_CHARS``)."""
    if not user_data.fits_in_url(text):
        (container if container is not None else st.sidebar).caption(
            f"These {len(text):,} characters are too long for the page's link (over {user_data.URL_DATA_CHARS:,}): "
            "a copied link may lose them; a lesson step can name a file instead."
        )
