"""Gridworld layout files (issue 17): the download is the layout text format, an upload of it restores the same grid,
and a malformed file gets a message naming the row or the problem while the page keeps its grid."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from core.errors import InputError
from core.rl.gridworld import MAX_SIDE, PRESETS, parse_layout
from tests.apptest_helpers import assert_healthy, run_page

MDP = "pages/rl/value_iteration.py"
TD = "pages/rl/q_learning_sarsa.py"


_SERVED: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def _record_served_files(monkeypatch):
    """Keep the bytes of every file a run hands to the browser: AppTest's media storage lives for one run only."""
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        _SERVED[file_id] = self.get_file(file_id).content
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)


def _downloaded(at, key: str) -> bytes:
    """The bytes a download button hands the browser."""
    url = at.download_button(key=key).proto.url
    return _SERVED[url.rsplit("/", 1)[-1].split(".")[0]]


def _figure_data(at) -> list:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_survives_the_text_round_trip(name):
    world = parse_layout(PRESETS[name].layout)
    again = parse_layout(world.layout())
    assert again.layout() == world.layout()
    for field in ("wall", "terminal", "cell_reward", "jump_target", "jump_reward"):
        np.testing.assert_array_equal(getattr(again, field), getattr(world, field))
    assert again.start == world.start


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        (". . +1\nS .", "Row 2 has 2 cells"),
        (". ? +1\nS . .", "Unknown cell '\\?' at row 1, column 2"),
        (". nan +1\nS . .", "Unknown cell 'nan' at row 1, column 2"),
        ("\n".join([" ".join(["."] * 3)] * (MAX_SIDE + 1)), f"largest supported side is {MAX_SIDE}"),
    ],
)
def test_malformed_layouts_are_named(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_layout(text)


def test_mdp_download_then_upload_restores_the_grid():
    at = run_page(MDP, {"preset": "DiscountGrid (CS188)"})
    assert_healthy(at, "MDP DiscountGrid")
    content = _downloaded(at, "grid_download")
    assert content.decode() == parse_layout(PRESETS["DiscountGrid (CS188)"].layout).layout() + "\n"
    before = _figure_data(at)
    fresh = run_page(MDP)  # another session on the default preset
    fresh.file_uploader(key="grid_file").set_value(("discount.txt", content, "text/plain"))
    fresh.run()
    assert_healthy(fresh, "MDP after the upload")
    assert parse_layout(fresh.text_area(key="grid").value).layout() == content.decode().strip()
    # the same grid with the same γ, slip and rewards draws the same V*, policy and sweeps
    for key in ("gamma", "slip", "living", "bump"):
        fresh.slider(key=key).set_value(at.slider(key=key).value)
    fresh.run()
    assert _figure_data(fresh)[:2] == before[:2]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b". . +1\nS .", "Row 2 has 2 cells"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (b"S . \xff +1", "not UTF-8"),
    ],
)
def test_mdp_malformed_upload_keeps_the_grid(content, fragment):
    at = run_page(MDP)
    text, before = at.text_area(key="grid").value, _figure_data(at)
    at.file_uploader(key="grid_file").set_value(("bad.txt", content, "text/plain"))
    at.run()
    assert_healthy(at, "MDP after a bad upload")
    messages = [e.value for e in at.error]
    assert any(fragment in m and "bad.txt" in m for m in messages), messages
    assert at.text_area(key="grid").value == text
    assert _figure_data(at) == before


def test_td_upload_download_and_bad_layout_keep_the_grid():
    at = run_page(TD, {"env": "Gridworld", "episodes": "20", "seeds": "2"})
    assert_healthy(at, "Q-learning gridworld")
    layout = ". . . +1\n. # . -1\nS . . ."
    at.file_uploader(key="layout_file").set_value(("book.txt", layout.encode(), "text/plain"))
    at.run()
    assert_healthy(at, "Q-learning after the upload")
    assert at.text_area(key="layout").value == layout
    assert _downloaded(at, "layout_download").decode() == layout + "\n"
    before = _figure_data(at)
    # a typed layout that cannot be read: its message under the text area, the agents keep the last grid
    at.text_area(key="layout").set_value(". . . +1\n. #\nS . . .")
    at.run()
    assert_healthy(at, "Q-learning with a bad layout")
    assert any("Row 2 has 2 cells" in e.value for e in at.error)
    assert _figure_data(at) == before
    assert any("Showing the last valid grid" in c.value for c in at.caption)
    assert _downloaded(at, "layout_download").decode() == layout + "\n"
