"""The live chart (ui/live_chart.py) in real Chromium: while the NN trainer plays, each live figure is ONE graph
that Plotly.react updates in place (the same DOM node gets every frame's new data); Pause brings back the normal
chart with its mode bar; the live graph follows the dark theme and the presenter view."""

from __future__ import annotations

from tests.browser_helpers import BROWSER_MARKS, IDLE
from viz.theme import DARK_BACKGROUND, FONT_SIZE, PRESENTER_SCALE

PROJECTOR = {"width": 1280, "height": 720}

pytestmark = BROWSER_MARKS

# The first live graph of the page: whether it is the node marked earlier, how many frames reached it
# (live_chart.js counts them), a hash of the data it draws now, its background and its font size.
PROBE_JS = """(mark) => {
  const gd = document.querySelector('.mlp-live-chart');
  if (!gd || !gd.data) return null;
  if (mark) gd.__testMark = mark;
  const text = JSON.stringify(gd.data, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return {marked: gd.__testMark || null, frames: gd.__mlpFrames || 0, data: hash,
          background: getComputedStyle(gd.querySelector('.main-svg')).backgroundColor,
          font: (gd.layout.font || {}).size || null};
}"""


def _play(page, url: str):
    """Open the trainer, press Play and wait for its first live graph; that graph's probe."""
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector(".mlp-live-chart .main-svg", timeout=30_000)
    return page.evaluate(PROBE_JS, "first")


def test_playing_updates_one_graph_in_place_and_pause_restores_the_chart(browser, server):
    page = browser.new_page(viewport=PROJECTOR)
    try:
        first = _play(page, f"{server}/nn-trainer")
        page.wait_for_function(
            f"() => (document.querySelector('.mlp-live-chart') || {{}}).__mlpFrames >= {first['frames'] + 3}",
            timeout=30_000,
        )
        later = page.evaluate(PROBE_JS, None)
        assert later["marked"] == "first", "each frame must reach the same graph node, not a rebuilt one"
        assert later["data"] != first["data"], "the graph must draw the new frame's data"
        assert page.locator(".mlp-live-chart .modebar").count() == 0  # no mode bar while it moves
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for(timeout=20_000)
        page.wait_for_selector(IDLE, timeout=30_000)
        page.wait_for_timeout(500)
        assert page.locator(".mlp-live-chart").count() == 0
        assert page.locator(".js-plotly-plot .modebar-container").count() >= 1, "paused: the chart with its mode bar"
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.close()


def test_live_graph_follows_the_dark_theme_and_the_presenter_view(browser, server):
    page = browser.new_page(viewport=PROJECTOR, color_scheme="dark")
    try:
        first = _play(page, f"{server}/nn-trainer?present=1")
        page.wait_for_function(
            f"() => (document.querySelector('.mlp-live-chart') || {{}}).__mlpFrames >= {first['frames'] + 2}",
            timeout=30_000,
        )
        later = page.evaluate(PROBE_JS, None)
        red, green, blue = (int(DARK_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
        assert later["background"] == f"rgb({red}, {green}, {blue})", later["background"]
        assert later["font"] is not None and later["font"] >= FONT_SIZE * PRESENTER_SCALE - 1e-9, later["font"]
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    finally:
        page.close()


def test_a_trainer_whose_chunk_outlasts_the_timer_still_moves(browser, server):
    """DQN trains ~0.35 s per chunk against a 0.2 s fragment timer: the browser asks for the next run before
    this one ends, and Streamlit stops a run at its next element. Each run must still get its frame out (the
    frame is drawn before the chunk): the live graph receives frame after frame while the steps go up."""
    page = browser.new_page(viewport=PROJECTOR)
    try:
        page.goto(f"{server}/rl-dqn?seed=7")  # a seed nothing is shipped for: it opens untrained
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
        page.wait_for_selector(IDLE, timeout=90_000)
        page.locator(".st-key-rl_dqn_train button").first.click()
        page.wait_for_selector(".mlp-live-chart .main-svg", timeout=30_000)
        first = page.evaluate(PROBE_JS, "first")
        page.wait_for_function(
            f"() => (document.querySelector('.mlp-live-chart') || {{}}).__mlpFrames >= {first['frames'] + 4}",
            timeout=30_000,
        )
        later = page.evaluate(PROBE_JS, None)
        assert later["marked"] == "first" and later["data"] != first["data"], "one graph, drawing new data"
        assert page.locator("[data-testid='stException']").count() == 0
        page.locator(".st-key-rl_dqn_pause button").first.click()
    finally:
        page.close()
