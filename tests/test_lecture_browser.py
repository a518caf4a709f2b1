"""Lecture mode in real Chromium: a shipped lesson run with the keyboard, the presenter view, space for Play/Pause,
figure downloads that open offline (HTML, an animation's GIF), and an uploaded bad lesson's message.

One test per behaviour, on one server and one browser for the module (the pattern of tests/test_browser.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image

from core.lessons import load_directory
from tests.browser_helpers import BROWSER_MARKS
from ui.registry import HOME, PAGES

ROOT = Path(__file__).resolve().parent.parent
TITLES = {spec.url_path: spec.title for spec in (HOME, *PAGES)}

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def _idle(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    page.wait_for_timeout(400)


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=90_000)
    _idle(page)


def _no_traceback(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def _query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def _key(page, key: str) -> None:
    """A key press on the page's background (nothing focused), then the rerun it causes."""
    page.keyboard.press(key)
    page.wait_for_timeout(300)
    _idle(page)


def test_a_shipped_lesson_runs_end_to_end_with_the_keyboard(page, server):
    """Start a shipped lesson, then → through every step (→ reveals an ask-first step first): each step is on its
    page, in its URL state, with no "could not use" notice (the app checks every parameter reached its widget).
    ← goes back; → on a focused slider moves the slider, not the lesson; a clicker's PageDown / PageUp step too."""
    lesson = load_directory(ROOT / "lessons", {p: None for p in TITLES})["info-entropy-kl-mi"]
    _open(page, f"{server}/lessons")
    page.locator(".st-key-start_info-entropy-kl-mi button").click()
    _idle(page)
    for index, step in enumerate(lesson.steps):
        page.locator("[data-testid='stMarkdown']").filter(has_text=f"step {index + 1} of {len(lesson.steps)}").wait_for(
            timeout=60_000
        )
        _no_traceback(page)
        assert TITLES[step.page] in page.locator("h1").first.inner_text(), step.title
        query = _query(page)
        assert query["lesson"] == "info-entropy-kl-mi" and query["step"] == str(index + 1)
        for key, value in step.params.items():  # Streamlit keeps only non-default values in the URL
            assert query.get(key, value) == value, (step.title, key, query)
        assert page.get_by_text("could not use these settings").count() == 0, step.title
        if step.ask:
            assert (
                page.locator("[data-testid='stPlotlyChart']").first.evaluate("e => getComputedStyle(e).visibility")
                == "hidden"
            )
            _key(page, "ArrowRight")  # reveal
            assert (
                page.locator("[data-testid='stPlotlyChart']").first.evaluate("e => getComputedStyle(e).visibility")
                == "visible"
            )
        if index == 0:
            # a focused slider keeps its arrow keys: the coin's p moves from 0.20, the lesson stays on step 1
            page.locator("[data-testid='stSlider'] input[type='range']").first.focus()
            _key(page, "ArrowRight")
            assert _query(page)["step"] == "1" and _query(page).get("p") == "0.21"
            page.locator("h1").first.click()  # focus back on the page
        if index < len(lesson.steps) - 1:
            _key(page, "ArrowRight")
    _key(page, "ArrowLeft")
    assert _query(page)["step"] == str(len(lesson.steps) - 1)
    assert TITLES[lesson.steps[-2].page] in page.locator("h1").first.inner_text()
    # a presentation clicker's PageDown / PageUp work as → / ←
    _key(page, "PageDown")
    assert _query(page)["step"] == str(len(lesson.steps))
    _key(page, "PageUp")
    _key(page, "PageUp")
    assert _query(page)["step"] == str(len(lesson.steps) - 2)
    assert TITLES[lesson.steps[-3].page] in page.locator("h1").first.inner_text()


def test_presenter_view_hides_sidebar_and_toolbar(page, server):
    """present=1: no sidebar, the header (toolbar, navigation) invisible until pointed at, larger figure text; the
    parameter stays on through an in-app link, and "Leave presenter view" turns it all back."""
    _open(page, f"{server}/info-entropy?present=1")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.mouse.move(640, 600)
    page.wait_for_timeout(400)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.count() == 0 or not sidebar.is_visible()
    assert page.locator("[data-testid='stHeader']").evaluate("e => getComputedStyle(e).opacity") == "0"
    for hidden in ("stAppDeployButton", "stMainMenu", "stStatusWidget"):
        element = page.locator(f"[data-testid='{hidden}']")
        assert element.count() == 0 or not element.first.is_visible(), hidden
    title_px = page.locator(".js-plotly-plot .gtitle").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert title_px >= 24, title_px  # 20 px scaled by viz.theme.PRESENTER_SCALE
    page.screenshot(path=str(ROOT / "tests" / "artifacts" / "presenter-info-entropy.png"))
    page.locator("[data-testid='stTopNav'] a").filter(has_text="Home").first.click(force=True)
    _idle(page)
    assert _query(page).get("present") == "1"
    page.get_by_role("button", name="Leave presenter view").click()
    _idle(page)
    assert "present" not in _query(page)
    assert page.locator("[data-testid='stHeader']").evaluate("e => getComputedStyle(e).opacity") == "1"


def test_space_plays_and_pauses_training_and_animations(page, server):
    """Space is Play/Pause: of the training session on a training page (a Streamlit shortcut), of the Plotly
    animation on screen elsewhere (ui.lessons.keyboard clicks its own ▶ play / ❚❚ pause)."""
    _open(page, f"{server}/rl-q-learning-sarsa")
    replay = page.locator(".js-plotly-plot").last
    replay.scroll_into_view_if_needed()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    frame = "gd => gd._fullLayout.sliders[0].active"
    assert replay.evaluate(frame) == 0
    page.keyboard.press("Space")
    page.wait_for_timeout(1200)
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    paused_at = replay.evaluate(frame)
    assert paused_at > 0
    page.wait_for_timeout(700)
    assert replay.evaluate(frame) == paused_at
    _open(page, f"{server}/nn-trainer")
    page.get_by_role("button", name="Play").wait_for(timeout=60_000)
    page.locator("h1").first.click()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Pause").wait_for(timeout=20_000)
    page.wait_for_timeout(1000)
    page.keyboard.press("Space")
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    _no_traceback(page)


def _download(page, button, target: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        button.click()
    info.value.save_as(target)
    return target


# a figure's drawn data, decoded (Streamlit and the exported page may hold arrays in different encodings)
FIGURE_DATA = "gd => gd._fullData.map(t => [t.type, Array.from(t.x || []), Array.from(t.y || [])])"


def test_downloaded_html_figure_opens_offline_with_its_data(page, server, browser, tmp_path):
    _open(page, f"{server}/info-entropy")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    shown = page.locator(".js-plotly-plot").first.evaluate(FIGURE_DATA)
    saved = _download(page, page.get_by_role("button", name="HTML").first, tmp_path / "figure.html")
    offline = browser.new_context(offline=True)
    try:
        viewer = offline.new_page()
        outside = []
        viewer.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        viewer.goto(saved.as_uri())
        viewer.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert viewer.locator(".js-plotly-plot").first.evaluate(FIGURE_DATA) == shown
        assert not outside, outside
    finally:
        offline.close()
    # the mode bar's camera (PNG, client-side) is there too
    page.locator(".js-plotly-plot").first.hover()
    assert page.locator(".modebar-btn[data-title='Download plot as a PNG']").count() >= 1


def test_an_animated_figure_saves_as_gif_and_png_strip_offline(page, server, browser, tmp_path):
    """The replay of the Q-learning page is a Plotly animation: its HTML page saves its frames as a GIF and as a
    PNG strip."""
    _open(page, f"{server}/rl-q-learning-sarsa")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    frames = page.locator(".js-plotly-plot").last.evaluate("gd => gd._transitionData._frames.length")
    saved = _download(page, page.get_by_role("button", name="HTML").last, tmp_path / "replay.html")
    offline = browser.new_context(offline=True, accept_downloads=True)
    try:
        viewer = offline.new_page()
        viewer.goto(saved.as_uri())
        viewer.wait_for_selector("#mlp-export button", timeout=30_000)
        size = viewer.locator(".js-plotly-plot").evaluate("gd => [gd._fullLayout.width, gd._fullLayout.height]")
        gif = _download(viewer, viewer.get_by_role("button", name="Save as GIF"), tmp_path / "replay.gif")
        strip = _download(viewer, viewer.get_by_role("button", name="Save as PNG strip"), tmp_path / "strip.png")
    finally:
        offline.close()
    with Image.open(strip) as image:  # 12 frames at most, 4 a row
        shown = min(frames, 12)
        assert image.size == (min(shown, 4) * size[0], -(-shown // 4) * size[1])
    with Image.open(gif) as image:
        assert image.format == "GIF" and list(image.size) == size
        assert image.n_frames == min(frames, 48)
        image.seek(image.n_frames - 1)  # every frame decodes
        assert len(image.convert("RGB").getcolors(1 << 16) or []) > 2


def test_a_paused_trainer_saves_its_run_as_gif_offline(page, server, browser, tmp_path):
    """The NN trainer's live figures are recorded while it plays; paused, its first figure's Recording opens
    offline as an animation of several moments of the run, and its GIF shows the field changing."""
    _open(page, f"{server}/nn-trainer")
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for(timeout=20_000)
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    _idle(page)
    saved = _download(page, page.get_by_role("button", name="Recording").first, tmp_path / "run.html")
    offline = browser.new_context(offline=True, accept_downloads=True)
    try:
        viewer = offline.new_page()
        viewer.goto(saved.as_uri())
        viewer.wait_for_selector("#mlp-export button", timeout=30_000)
        frames = viewer.locator(".js-plotly-plot").evaluate("gd => gd._transitionData._frames.length")
        gif = _download(viewer, viewer.get_by_role("button", name="Save as GIF"), tmp_path / "run.gif")
    finally:
        offline.close()
    assert frames >= 3
    with Image.open(gif) as image:
        assert image.n_frames == min(frames, 48)
        first = np.asarray(image.convert("RGB"), dtype=int)
        image.seek(image.n_frames - 1)
        last = np.asarray(image.convert("RGB"), dtype=int)
    assert np.abs(first - last).sum(axis=2).astype(bool).mean() > 0.01  # the run moved: >1 % of pixels changed


def test_an_uploaded_bad_lesson_gets_its_message(page, server, tmp_path):
    _open(page, f"{server}/lessons")
    bad = tmp_path / "broken.toml"
    bad.write_text('title = "Broken"\n[[steps]]\ntitle = "Cliff"\npage = "rl-cliff"\n', encoding="utf-8")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(bad))
    message = page.locator("[data-testid='stAlertContentError']")
    message.wait_for(timeout=30_000)
    assert "step 1 ('Cliff'): unknown page" in message.inner_text()
    assert page.locator(".st-key-start_rl-mdp-to-dqn").count() == 1  # the shipped lessons are still listed
    _no_traceback(page)
