"""Every registered page in real Chromium (Debian's package, driven by Playwright) against `streamlit run`.

Each page must finish its script run, draw its chart, show no traceback, and make no request that leaves
localhost (the app works offline). Screenshots land in tests/artifacts/screens/ for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from scripts.screenshot import free_port, start_server
from tests.browser_helpers import BROWSER_MARKS, IDLE
from ui.registry import HOME, PAGES

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "tests" / "artifacts" / "screens"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser_page(server, browser):
    """One page for the module, every request it makes recorded in ``page.requests``."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


def _wait_idle(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def _open(page, url: str, needs_chart: bool) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    # the script may not have started yet when stApp appears: wait for content, then for idle
    page.wait_for_selector("h1", timeout=90_000)
    _wait_idle(page)
    if needs_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_timeout(500)


def _outside_requests(urls: list[str]) -> list[str]:
    outside = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
            continue
        if parsed.hostname not in LOCAL_HOSTS:
            outside.append(url)
    return outside


# Characters that only an emoji font draws (Debian's Chromium here has none: they show as empty boxes).
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u26ff\u2700-\u2712\u2714-\u2753\u23e9-\u23fa\u2b1b-\u2b55\ufe0f]")

# Where the first control and the first figure (a chart, a table or an image) sit on screen.
LAYOUT_JS = """() => {
  const visible = (sel) => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect()).filter(r => r.height > 0);
  const controls = visible('[data-testid="stSidebarUserContent"] [data-testid="stWidgetLabel"],'
                         + '[data-testid="stMain"] [data-testid="stWidgetLabel"]');
  const figures = visible('.js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stImage"]');
  return {control: controls.length ? Math.min(...controls.map(r => r.top)) : null,
          figure: figures.length ? Math.min(...figures.map(r => r.top)) : null};
}"""
PROJECTOR = {"width": 1280, "height": 720}
DESKTOP = {"width": 1500, "height": 1100}
# At least this much of the first figure shows on the first screen of a projector.
FIGURE_SHOWN_PX = 150


@pytest.mark.parametrize("spec", (HOME, *PAGES), ids=[p.url_path for p in (HOME, *PAGES)])
def test_page_renders_offline_without_error(browser_page, server, spec):
    """Each page at 1280×720 (a projector): no traceback, no request off localhost, no emoji, and its first
    control and first figure on the first screen; then a full-page screenshot at 1920×1080."""
    page = browser_page
    page.set_viewport_size(PROJECTOR)
    page.requests.clear()
    _open(page, f"{server}/{'' if spec is HOME else spec.url_path}", needs_chart=spec is not HOME)
    assert page.locator("[data-testid='stException']").count() == 0, f"{spec.path}: traceback on the page"
    assert spec.title in page.locator("h1").first.inner_text()
    assert page.get_by_text("Page not found").count() == 0
    assert not _outside_requests(page.requests), (
        f"{spec.path}: requests left localhost: {_outside_requests(page.requests)}"
    )
    emoji = sorted(set(EMOJI.findall(page.locator("body").inner_text())))
    assert not emoji, f"{spec.path}: emoji that draw as empty boxes without an emoji font: {emoji}"
    assert page.get_by_text("The link you opened").count() == 0, f"{spec.path}: URL notice without a bad link"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{spec.url_path}-1280x720.png"))
    if spec is not HOME:
        where = page.evaluate(LAYOUT_JS)
        assert where["control"] is not None and where["control"] < PROJECTOR["height"] - 40, (
            f"{spec.path}: first control at y = {where['control']} (off the first screen at 1280×720)"
        )
        assert where["figure"] is not None and where["figure"] < PROJECTOR["height"] - FIGURE_SHOWN_PX, (
            f"{spec.path}: first figure at y = {where['figure']} (off the first screen at 1280×720)"
        )
    # formulas fit their column (ui/latex.py stacks wide ones), and numbers drawn inside figures are ≥ 14 px
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.katex-display')].filter(e => e.scrollWidth > e.clientWidth + 2)"
        ".map(e => e.innerText.slice(0, 60))"
    )
    assert not clipped, f"{spec.path}: formulas wider than their column at 1280×720: {clipped}"
    small = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot g.textpoint text, .js-plotly-plot .annotation-text')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)).filter(px => px < 13.5)"
    )
    assert not small, f"{spec.path}: text inside figures below 14 px at 1280×720: {sorted(set(small))}"
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENS / f"{spec.url_path}-1920x1080.png"), full_page=True)


def test_favicon_is_the_apps_own_image_sent_inline(browser_page, server):
    """The tab shows the app's favicon, sent in the page as a data URI (no image decoding per run, no request)."""
    import base64

    from ui import favicon

    _open(browser_page, server, needs_chart=False)
    browser_page.wait_for_function(
        "() => [...document.querySelectorAll('link[rel~=icon]')].some(l => l.href.startsWith('data:'))"
    )
    href = browser_page.evaluate(
        "() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href).find(h => h.startsWith('data:'))"
    )
    assert href == favicon.URI
    assert base64.b64decode(href.split(",", 1)[1]) == (Path(favicon.__file__).parent / "favicon.png").read_bytes()


def test_no_url_notice_in_normal_use(browser_page, server):
    """The "link you opened" notice is for a bad link only: stepping through the backprop stages with Next and
    quick arrow-key presses on a bound slider must not raise it."""
    page = browser_page
    page.set_viewport_size(PROJECTOR)
    _open(page, f"{server}/nn-backprop", needs_chart=True)
    for _ in range(4):
        page.get_by_role("button", name="Next").click()
        page.wait_for_timeout(150)
    _wait_idle(page)
    assert page.get_by_text("The link you opened").count() == 0
    _open(page, f"{server}/rl-q-learning-sarsa", needs_chart=True)
    thumb = page.locator("[data-testid='stSlider'] input[type='range']").first
    thumb.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
    page.wait_for_timeout(800)
    _wait_idle(page)
    assert page.get_by_text("The link you opened").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def test_url_restores_controls(browser_page, server):
    """Opening a copied URL restores the exact controls (and the computation that follows from them)."""
    page = browser_page
    page.set_viewport_size(DESKTOP)
    mode = quote("Policy evaluation: equiprobable random π")
    _open(page, f"{server}/mdp-value-iteration?gamma=0.55&slip=0.1&mode={mode}", needs_chart=True)

    def slider_value(label: str) -> str:
        slider = page.locator("[data-testid='stSlider']").filter(has_text=label)
        return slider.locator("[data-testid='stSliderThumbValue']").inner_text()

    assert slider_value("Discount γ") == "0.55"
    assert slider_value("Slip probability") == "0.10"
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="What to compute")
    chosen = box.inner_text() + " ".join(i.input_value() for i in box.locator("input").all())
    assert "equiprobable random" in chosen, chosen
    assert "V^π of the random policy" in page.locator(".js-plotly-plot").nth(1).inner_text()
    assert page.locator("[data-testid='stException']").count() == 0


def _cell_position(page, plot_index: int, row: int, col: int) -> tuple[float, float]:
    """Pixel position of grid cell (row, col) in the plot_index-th Plotly chart (data x = col, y = row)."""
    return page.evaluate(
        """([i, r, c]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const L = gd._fullLayout, box = gd.getBoundingClientRect();
            // _offset: where the axis starts in the plot (not the left margin when the domain starts past 0)
            return [box.left + L.xaxis._offset + L.xaxis.d2p(c), box.top + L.yaxis._offset + L.yaxis.d2p(r)];
        }""",
        [plot_index, row, col],
    )


def test_click_edits_and_selects_cells(browser_page, server):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    _open(page, f"{server}/mdp-value-iteration?tool=Wall", needs_chart=True)
    page.mouse.click(*_cell_position(page, 0, 2, 2))
    page.wait_for_timeout(800)
    _wait_idle(page)
    assert page.get_by_text("Custom grid (edited).").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    # a wall on the start cell is refused with a message, not a traceback
    page.mouse.click(*_cell_position(page, 0, 2, 0))
    page.wait_for_timeout(800)
    _wait_idle(page)
    assert page.get_by_text("inside a wall").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0


def test_invalid_url_value_shows_notice(browser_page, server):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    _open(page, f"{server}/mdp-value-iteration?gamma=7", needs_chart=True)
    assert page.get_by_text("cannot use").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0


def test_trainer_play_trains_live(browser_page, server):
    """Play on the neural-network trainer advances training in the browser (fragment re-runs), Pause stops it."""
    page = browser_page
    page.set_viewport_size(DESKTOP)
    _open(page, f"{server}/nn-trainer", needs_chart=True)

    def step_count() -> int:
        metric = page.locator("[data-testid='stMetric']").filter(has_text="Step").first
        return int(metric.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))

    opened_at = step_count()  # the shipped default network (core/pretrained)
    assert opened_at > 0
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(3000)
    assert step_count() > opened_at
    page.get_by_role("button", name="Pause").click()
    # the click is confirmed when the button turns back into Play
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    page.wait_for_timeout(500)
    paused_at = step_count()
    page.wait_for_timeout(1500)
    assert step_count() == paused_at
    assert page.locator("[data-testid='stException']").count() == 0


def test_deep_link_as_the_very_first_request(browser_page):
    """A deep link opened as the first request to a fresh server shows its page (no page script sits directly in
    pages/, so Streamlit's legacy folder discovery has nothing to route)."""
    port = free_port()
    proc = start_server(port)
    # a new page of the module's browser (a second sync Playwright cannot start inside the first one's loop)
    page = browser_page.context.browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        spec = next(s for s in PAGES if s.url_path == "info-entropy")
        _open(page, f"http://127.0.0.1:{port}/{spec.url_path}", needs_chart=True)
        assert page.get_by_text("Page not found").count() == 0
        assert spec.title in page.locator("h1").first.inner_text()
        assert page.locator(".js-plotly-plot .main-svg").count() > 0
    finally:
        page.close()
        proc.terminate()
        proc.wait(timeout=15)


def test_figures_follow_a_dark_theme(browser_page, server):
    """A viewer whose system is dark gets Streamlit's dark theme, and the figures follow it (no white boxes)."""
    page = browser_page.context.browser.new_page(viewport=PROJECTOR, color_scheme="dark")
    try:
        _open(page, f"{server}/info-entropy", needs_chart=True)
        page.wait_for_timeout(1000)
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('.js-plotly-plot .main-svg')).backgroundColor"
        )
        assert background == "rgb(14, 17, 23)", background
        page.screenshot(path=str(SCREENS / "info-entropy-dark.png"))
    finally:
        page.close()


def test_trainer_your_data_click_adds_a_point_of_the_chosen_class_and_a_table_edit_changes_the_text(
    browser_page, server
):
    """Issue 17 in the browser: a click on the decision regions appends a point of the chosen class (a new class
    starts with the first click, the next click adds to it), and a cell typed into the table rewrites the text."""
    page = browser_page
    page.set_viewport_size(PROJECTOR)
    _open(page, f"{server}/nn-trainer?data=your+data", needs_chart=True)
    points = page.locator("textarea").first

    def train_names() -> list[str]:
        names = page.evaluate("() => document.querySelectorAll('.js-plotly-plot')[0].data.map(t => t.name)")
        return [n for n in names if n.startswith("train ")]

    assert train_names() == ["train 0", "train 1", "train 2"]
    page.get_by_text("new class 3").click()
    _wait_idle(page)
    for x1, x2, line in ((1.5, 1.5, "1.50, 1.50, 3"), (1.25, 1.75, "1.25, 1.75, 3")):
        page.mouse.click(*_cell_position(page, 0, x2, x1))  # the click grid's nodes lie on quarter steps
        page.wait_for_timeout(800)
        _wait_idle(page)
        page.wait_for_timeout(500)
        assert points.input_value().splitlines()[-1] == line
    assert train_names() == ["train 0", "train 1", "train 2", "train 3"]
    assert "nn_data=" in page.url  # a short dataset lives in the link

    page.get_by_text("Edit as a table").click()
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(state="visible")
    grid.scroll_into_view_if_needed()
    box = None
    for _ in range(20):  # the expander animates open: wait until the table stands still
        page.wait_for_timeout(200)
        box, last = grid.bounding_box(), box
        if box == last:
            break
    # a double click on the first data row (under a 35 px header), x1 column (after the 33 px row markers) opens
    # the grid's cell editor, an <input class="gdg-input">; Enter commits the typed value
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator("input.gdg-input")
    for _ in range(3):
        page.mouse.dblclick(box["x"] + 60, box["y"] + 35 + 17)
        try:
            editor.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:  # the grid was still settling: try again
            box = grid.bounding_box()
    editor.fill("-1.9")
    editor.press("Enter")
    for _ in range(40):  # the edit's rerun rewrites the text
        page.wait_for_timeout(250)
        if points.input_value().splitlines()[1:2] == ["-1.9,-1,0"]:
            break
    _wait_idle(page)
    page.screenshot(path=str(SCREENS / "nn-trainer-your-data.png"))
    # the edited row, under the text's header line (kept: it names the columns)
    assert points.input_value().splitlines()[:2] == ["x1,x2,class", "-1.9,-1,0"]
    assert page.locator("[data-testid='stException']").count() == 0
