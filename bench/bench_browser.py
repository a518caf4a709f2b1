"""Benchmark: speed as a user feels it, in real Chromium against `streamlit run app.py`.

- **Frames drawn per second** of every animated view: Plotly's own events counted in the page
  (``plotly_afterplot`` after each redraw, ``plotly_animatingframe`` for each frame of a figure's own animation),
  over a few seconds of playing. Every live trainer (Reset, then its Train / Play button) is measured twice, on
  two servers side by side: with its live figures in the kept-alive graphs of ``ui/live_chart.py`` (Plotly.react
  on each frame), and with ``ML_PLAYGROUND_LIVE_CHART=0``, the old path (``st.plotly_chart``, rebuilt by Plotly
  for every frame): the baseline. Also from the click to the first live frame drawn, the frames per second that
  reach the live graph (above the drawn rate: the browser is the limit) and the server's CPU time per frame.
- **Control → redrawn figure**, on every page: its first control stepped once (a slider one notch with the keyboard,
  else a select box or radio to its next option, else a toggle flipped); the time from that input event until
  the last figure the rerun redraws has been drawn (the app idle again).
- **First figure after navigation** to each page on a warm server: its address opened in the tab (browser cache
  warm; a new server session, so the page's own first run).
- **Cold start**: from starting `streamlit run` to Home drawn, side by side with a one-line Streamlit page started
  the same way (the baseline), alternating, median of the repeats.

Run: .venv/bin/python -m bench.bench_browser [--quick]   (needs Debian's chromium)
     .venv/bin/python -m bench.bench_browser --pages=url-path,...   (a few pages, 3 times each, printed only)
"""

from __future__ import annotations

import math
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench import servers
from scripts.screenshot import CHROMIUM_ARGS, free_port
from scripts.serve import start as start_server
from ui.registry import HOME, PAGES
from ui.training import CHUNK_SECONDS

ROOT = Path(__file__).resolve().parent.parent

FRAME_SECONDS = float(
    re.search(r"^FRAME_SECONDS = ([0-9.]+)", (ROOT / "pages" / "deep" / "trainer.py").read_text(), re.M).group(1)
)
"""The NN trainer's live fragment timer, read from its page (a page script cannot be imported outside a run)."""

GOAL_FPS = 10.0
GOAL_REDRAW_MS = 300.0
GOAL_FIRST_FIGURE_S = 1.5
GOAL_COLD_RATIO = 1.1
LIVE_CHART_OFF = {"ML_PLAYGROUND_LIVE_CHART": "0"}
"""The baseline server's environment: live frames drawn with st.plotly_chart (ui/live_chart.py's switch)."""
POST_SCRIPT_GC = ["--runner.postScriptGC", "true"]
"""A diagnostic server (full run only): with Streamlit's gc.collect() after every run (its default; the app's
.streamlit/config.toml turns it off)."""
VIEWPORT = {"width": 1280, "height": 720}  # a projector

# Records every drawn figure: (time, figure title, kind, place) for redraws and animation frames. The place (where
# the graph sat on the page when first seen) tells figures apart: a chart that st.plotly_chart rebuilds every frame
# is a new graph div in the same place, a kept-alive live graph (ui/live_chart.py) the same div.
COUNTER_JS = """() => {
  window.__draws = [];
  const title = (gd) => { const t = gd.layout && gd.layout.title; return (t && (t.text || t)) || '(untitled)'; };
  const attach = () => {
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (gd.__counted || !gd.on) return;
      const box = gd.getBoundingClientRect();
      gd.__counted = `${Math.round((box.left + scrollX) / 10)},${Math.round((box.top + scrollY) / 10)}`;
      const draw = (kind) => () => window.__draws.push([performance.now(), String(title(gd)), kind, gd.__counted]);
      gd.on('plotly_afterplot', draw('redraw'));
      gd.on('plotly_animatingframe', draw('frame'));
    });
    window.__attach = requestAnimationFrame(attach);
  };
  attach();
  // the last change of the page's figures: a chart that Streamlit mounts anew draws before attach() sees it
  window.__figureChanged = 0;
  if (!window.__figureObserver) {
    window.__figureObserver = new MutationObserver((records) => {
      if (records.some((r) => r.target.closest && r.target.closest('.js-plotly-plot, [data-testid="stPlotlyChart"]')))
        window.__figureChanged = performance.now();
    });
    window.__figureObserver.observe(document.body, {subtree: true, childList: true, attributes: true});
  }
  // when the script run ends (the server's part of a control change; the browser's drawing follows)
  window.__idleAt = 0;
  if (!window.__idleObserver) {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__idleObserver = new MutationObserver(() => {
      if (app.getAttribute('data-test-script-state') === 'notRunning') window.__idleAt = performance.now();
    });
    window.__idleObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  }
}"""
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass(frozen=True)
class AnimatedView:
    """A view that moves by itself once started."""

    name: str
    url_path: str
    start: str
    """'button:<label>' (a Streamlit button, e.g. Play: frames are reruns, each redraw of ``figure`` counts) or
    'plotly:<text>' (a figure's own play button: each animation frame on the page counts)."""
    figure: str = ""
    """For a button: the title (or its start) of the figure whose redraws are counted ("": any figure's, the
    most often drawn one counts: each frame redraws every live figure)."""
    query: str = ""
    prepare: str | None = None
    """A Streamlit button to press first (e.g. one that renders the episode to animate, or Reset: a page that
    opens on its shipped, finished result trains again from the start)."""
    stop: str | None = None
    """The button that stops it (Pause): the count ends where it disappears (a training budget spent)."""


NN_TRAINER = AnimatedView("NN trainer, 2×8 net (Play)", "nn-trainer", "button:Play", "Decision boundary", stop="Pause")


def _trainer(name: str, url_path: str, button: str = "Train") -> AnimatedView:
    return AnimatedView(name, url_path, f"button:{button}", prepare="Reset", stop="Pause")


# Every page whose figures move while a TrainingSession trains (TrainingSession.live): the NN trainer first.
TRAINERS = (
    NN_TRAINER,
    _trainer("GAN on 2-D points (Play)", "generative-gan", "Play"),
    _trainer("VAE (β = 1 and β = 4)", "generative-vae", "Train both"),
    _trainer("Diffusion, 2-D", "gen-diffusion"),
    _trainer("Digit diffusion", "gen-digit-diffusion"),
    _trainer("DQN", "rl-dqn"),
    _trainer("Policy gradient (REINFORCE)", "rl-policy-gradient"),
    _trainer("Actor-critic", "rl-actor-critic"),
    _trainer("Skip connections (plain and residual)", "cnn-skip-connections", "Train both"),
    _trainer("RNN vs LSTM", "seq-rnn-lstm", "Train both"),
    _trainer("Transformer", "seq-transformer"),
    _trainer("ViT", "seq-vit"),
    _trainer("VAE vs GAN, 2-D points", "generative-vae-vs-gan", "Train both"),
    _trainer("Latent diffusion (ε_θ)", "gen-latent-diffusion", "Train ε_θ"),
)
QUICK_TRAINERS = ("nn-trainer", "generative-gan", "rl-dqn")

ANIMATED = (
    AnimatedView("Value-iteration sweep playback", "mdp-value-iteration", "plotly:play", query="watch=true"),
    AnimatedView("Q-learning / SARSA episode replay", "rl-q-learning-sarsa", "plotly:play"),
    AnimatedView("DQN greedy episode", "rl-dqn", "plotly:play", prepare="Render an episode"),
    AnimatedView("Diffusion: reverse-process frames", "gen-diffusion", "plotly:play"),
    AnimatedView("VAE latent walk", "generative-vae", "plotly:play", query="tab=Latent+walk"),
)
"""Figures with their own Plotly animation (frames played in the browser)."""


# Installed in every document before its own scripts (``context.add_init_script``): the moments, in the page's own
# clock, when the first figure was drawn, the first title appeared and the script run ended. Playwright's
# wait_for_selector cannot time these: after its first tries it polls every 500 ms (measured: a figure drawn at
# 1.2 s was reported at 2.1 s), so a wait tells that a thing happened, and these stamps tell when. "Drawn" is the
# animation frame after the graph's svg appeared: Plotly draws a figure in one task, and the frame after it paints.
STAMPS_JS = """(() => {
  window.__stamps = {figure: 0, title: 0, idle: 0};
  const frame = (name) => requestAnimationFrame(() => { window.__stamps[name] = performance.now(); });
  const seen = {figure: false, title: false};
  const look = () => {
    if (!seen.figure && document.querySelector('.js-plotly-plot .main-svg')) { seen.figure = true; frame('figure'); }
    if (!seen.title && document.querySelector('h1')) { seen.title = true; frame('title'); }
    const app = document.querySelector('[data-testid="stApp"]');
    if (seen.title && !window.__stamps.idle && app && app.getAttribute('data-test-script-state') === 'notRunning')
      frame('idle');
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ['data-test-script-state']});
})()"""


def new_page(browser):
    """A tab at the projector's size whose documents stamp their first figure, title and idle (STAMPS_JS)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(STAMPS_JS)
    return context.new_page()


def _stamp_seconds(page, name: str, wall_start: float) -> float:
    """Seconds from ``wall_start`` (``time.time()`` before the navigation) to the document's stamp ``name``."""
    origin, at = page.evaluate(f"() => [performance.timeOrigin, window.__stamps.{name}]")
    return (origin + at) / 1000 - wall_start


def _open(page, url: str, figure: bool = True) -> float:
    """Go to url; seconds until the first Plotly figure has drawn (the title, for a page without figures), from
    the page's own stamps (STAMPS_JS, when the tab has them; else as Playwright saw it)."""
    start, wall_start = time.perf_counter(), time.time()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg" if figure else "h1", timeout=90_000)
    drawn = time.perf_counter() - start
    page.wait_for_selector(IDLE, timeout=90_000)
    if page.evaluate("() => !!window.__stamps"):
        page.wait_for_function(f"() => window.__stamps.{'figure' if figure else 'title'} > 0", timeout=10_000)
        return _stamp_seconds(page, "figure" if figure else "title", wall_start)
    return drawn


def _button(page, label: str):
    """The first visible Streamlit button whose text holds ``label`` (not a help icon that names it)."""
    return page.locator("[data-testid='stButton'] button:visible", has_text=label).first


def _draws(page) -> list:
    return page.evaluate("() => window.__draws")


def _start(page, base: str, view: AnimatedView):
    """Open the view's page, press its ``prepare`` button, start counting draws; its start control (None: none)."""
    _open(page, f"{base}/{view.url_path}" + (f"?{view.query}" if view.query else ""))
    page.wait_for_timeout(800)
    if view.prepare:
        _button(page, view.prepare).click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_timeout(800)
    page.evaluate(COUNTER_JS)
    kind, label = view.start.split(":", 1)
    if kind == "button":
        target = _button(page, label)
    else:
        target = page.locator(".updatemenu-button", has_text=label).first
    if target.count() == 0:
        return None
    target.scroll_into_view_if_needed()
    return target


def animated_fps(page, base: str, view: AnimatedView, seconds: float) -> float | None:
    """Frames per second of a figure's own Plotly animation (None when the page has no such view)."""
    target = _start(page, base, view)
    if target is None:
        return None
    target.click()
    # A figure's own animation may be shorter than the measuring window (a 20-sweep playback lasts 1.5 s):
    # its rate is its frames over the time from its first frame to its last.
    page.wait_for_timeout(int(1000 * seconds))
    times = [d[0] for d in _draws(page) if d[2] == "frame"]
    return (len(times) - 1) / ((times[-1] - times[0]) / 1000) if len(times) >= 3 else None


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


ARRIVED_JS = """(start) => Math.max(0, ...[...document.querySelectorAll('.mlp-live-chart')].map((g) => {
  if (start) g.__mlpBase = g.__mlpFrames || 0;
  return (g.__mlpFrames || 0) - (g.__mlpBase || 0);
}))"""
"""Frames that reached the busiest live graph since the count began (``start``: it begins now; a graph mounted
later counts from 0). ui/live_chart/live_chart.js counts them; 0 on the old path."""


@dataclass(frozen=True)
class Playing:
    """One live trainer measured while it plays."""

    fps: float
    """Frames of the figure drawn per second in the browser."""
    first_ms: float
    """From the click on Play to the first live frame drawn."""
    server_ms_per_frame: float | None
    """CPU time of the server process per drawn frame (grows with the work per frame, not with other load)."""
    arrived_fps: float | None
    """Frames per second that reached the live graph (live chart only): above ``fps``, the browser is the limit."""


def training_fps(page, base: str, view: AnimatedView, seconds: float, server_pid: int | None = None) -> Playing | None:
    """While a training session plays: frames of ``view.figure`` (any figure: the most often drawn one) drawn per
    second, and milliseconds from the click to the first live frame drawn. None when the page has no such button.

    The count runs for ``seconds`` after the first 1.5 s of playing (training starts, the frames get going), or
    until the stop button disappears (the budget is spent; the page's last full rerun is not counted)."""
    target = _start(page, base, view)
    if target is None:
        return None
    clicked = page.evaluate("() => performance.now()")
    target.click()
    page.wait_for_timeout(1500)
    page.evaluate(ARRIVED_JS, True)
    cpu_before = _cpu_seconds(server_pid) if server_pid else None
    begin = page.evaluate("() => performance.now()")
    end = begin + 1000 * seconds
    while (now := page.evaluate("() => performance.now()")) < end:
        if view.stop and _button(page, view.stop).count() == 0:
            end = now  # finished: its budget is spent
            break
        page.wait_for_timeout(200)
    draws = _draws(page)
    # the first live frame: on a loaded machine it may come after the 1.5 s of warm-up
    first = min((d[0] for d in draws if d[2] == "redraw" and d[0] > clicked), default=None)
    per_figure: dict[tuple[str, str], int] = {}  # (title, place) → its redraws: every frame redraws each once
    for t, title, kind, place in draws:
        if kind == "redraw" and begin <= t <= end and title.startswith(view.figure):
            per_figure[title, place] = per_figure.get((title, place), 0) + 1
    frames = max(per_figure.values(), default=0)
    arrived = page.evaluate(ARRIVED_JS, False)
    cpu = _cpu_seconds(server_pid) - cpu_before if server_pid else None
    if view.stop and _button(page, view.stop).count():
        try:
            _button(page, view.stop).click(timeout=5_000)
        except PlaywrightTimeout:  # it finished (its budget spent) between the look and the click
            pass
        page.wait_for_timeout(500)
    if end <= begin or first is None:
        return None
    seconds_counted = (end - begin) / 1000
    return Playing(
        fps=frames / seconds_counted,
        first_ms=first - clicked,
        server_ms_per_frame=1000 * cpu / frames if cpu is not None and frames else None,
        arrived_fps=arrived / seconds_counted if arrived else None,
    )


# One step of a page's first control of each kind, in this order: (kind, locator of the controls, how to step it).
# A slider moves one notch with the keyboard; a select box gets its next option (ArrowDown opens the list on the
# current one, ArrowDown again, Enter: the Enter is the change); a radio its next option; a toggle flips.
CONTROL_KINDS = (
    ("slider", "[data-testid='stSlider'] input[type='range']:visible"),
    ("select box", "[data-testid='stSelectbox'] input:visible"),
    ("radio", "[data-testid='stRadio'] label:visible"),
    ("toggle", "[data-testid='stCheckbox'] label:visible"),
)


def _step_control(page) -> str | None:
    """Step the page's first control (CONTROL_KINDS' order), ``window.__t0`` set right before the input event
    that changes its value; the kind stepped, or None when the page has no such control."""
    mark = "() => { window.__draws = []; window.__figureChanged = 0; window.__idleAt = 0; window.__t0 = performance.now(); }"
    for kind, selector in CONTROL_KINDS:
        controls = page.locator(selector)
        if controls.count() == 0:
            continue
        if kind == "slider":
            controls.first.focus()
            page.evaluate(mark)
            page.keyboard.press("ArrowRight")
        elif kind == "select box":
            controls.first.focus()
            page.keyboard.press("ArrowDown")
            page.wait_for_timeout(300)
            page.keyboard.press("ArrowDown")
            page.evaluate(mark)
            page.keyboard.press("Enter")
        elif kind == "radio":
            group = page.locator("[data-testid='stRadio']:visible").first
            options = group.locator("label")
            checked = next((i for i in range(options.count()) if options.nth(i).locator("input").is_checked()), 0)
            target = options.nth((checked + 1) % options.count())
            target.scroll_into_view_if_needed()
            page.evaluate(mark)
            target.click()
        else:
            controls.first.scroll_into_view_if_needed()
            page.evaluate(mark)
            controls.first.click()
        return kind
    return None


@dataclass(frozen=True)
class Redraw:
    """One control step of a page, in milliseconds from the input event."""

    kind: str
    """The control stepped (CONTROL_KINDS)."""
    rerun_ms: float | None
    """Until the script run ended (the server's part; the browser draws what it sent meanwhile and after)."""
    figure_ms: float | None
    """Until the last figure was redrawn (None: no figure changed)."""


def control_to_redraw(page, base: str, url_path: str) -> Redraw | None:
    """One step of the page's first control (see CONTROL_KINDS): the time from the input event to the end of
    the rerun and to the last figure redrawn by it; None for a page without controls.

    "Redrawn": the last of Plotly's ``plotly_afterplot`` events on the page and of the DOM changes inside its
    figures (a chart that Streamlit mounts anew may draw before its events are attached)."""
    try:
        _open(page, f"{base}/{url_path}")
    except PlaywrightTimeout:  # no figure drawn within the wait: reported as not measured, the run goes on
        print(f"control → redraw: {url_path} drew no figure within 90 s", file=sys.stderr, flush=True)
        return None
    page.wait_for_timeout(800)
    page.evaluate(COUNTER_JS)
    kind = _step_control(page)
    if kind is None:
        return None
    # the rerun starts, runs and ends; figures keep drawing a moment after the script ends
    deadline = time.perf_counter() + 30
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=30_000)
    last_seen = None
    while time.perf_counter() < deadline:
        seen = page.evaluate("() => [window.__draws.length, window.__figureChanged]")
        if seen == last_seen:
            break
        last_seen = seen
        page.wait_for_timeout(400)
    t0, changed, idle = page.evaluate("() => [window.__t0, window.__figureChanged, window.__idleAt]")
    last = max([d[0] for d in _draws(page)] + [changed])
    return Redraw(kind, idle - t0 if idle > t0 else None, last - t0 if last > t0 else None)


def _median_redraw(redraws: list) -> Redraw | None:
    """The median of each time over the measured ones (None where none was)."""
    measured = [r for r in redraws if r is not None]
    if not measured:
        return None
    median = lambda values: statistics.median(values) if values else None  # noqa: E731
    return Redraw(
        measured[0].kind,
        median([r.rerun_ms for r in measured if r.rerun_ms is not None]),
        median([r.figure_ms for r in measured if r.figure_ms is not None]),
    )


def first_figure_seconds(page, base: str, url_path: str) -> float:
    """Opening the page's address in a tab that has the app loaded (the browser's cache warm, as after any
    earlier page; each opening is a new session on the server): seconds until its first figure is drawn."""
    home = url_path == HOME.url_path
    try:
        return _open(page, f"{base}/{'' if home else url_path}", figure=not home)
    except PlaywrightTimeout:  # never drawn within the wait: counted as over the goal, the run goes on
        print(f"first figure: {url_path} drew no figure within 90 s", file=sys.stderr, flush=True)
        return math.inf


def _cold_start(browser, script: Path, cwd: Path) -> float:
    """Seconds from `streamlit run script` to its page drawn in a browser that waits for the server."""
    start = time.time()
    proc, port = servers.launch(script, cwd)
    try:
        page = new_page(browser)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("h1", timeout=90_000)
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_function("() => window.__stamps.idle > 0", timeout=10_000)
        drawn = _stamp_seconds(page, "idle", start)
        page.context.close()
        return drawn
    finally:
        servers.stop(proc)


def cold_start(browser, repeats: int) -> tuple[float, float, list[float]]:
    """Median seconds to Home drawn and to a one-line page drawn, started alternately the same way, and each
    pair's ratio (Home / one-line: the load of the moment is about the same for the two of a pair)."""
    ours, baseline = [], []
    with tempfile.TemporaryDirectory() as folder:
        one_line = Path(folder) / "hello.py"
        one_line.write_text(servers.ONE_LINE_APP)
        for _ in range(repeats):
            baseline.append(_cold_start(browser, one_line, Path(folder)))
            ours.append(_cold_start(browser, ROOT / "app.py", ROOT))
    return statistics.median(ours), statistics.median(baseline), [a / b for a, b in zip(ours, baseline)]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def live_trainers(page, pair: tuple[tuple[str, int], tuple[str, int]], views, seconds: float, repeats: int) -> list:
    """(view, median Playing with the live charts, the same on the baseline server or None): ``pair`` is
    ((base URL, pid) of the app, the same of the baseline server); the two measured alternately, ``repeats``
    times each for the NN trainer, once each for the other views (or, with repeats = 1, the baseline for the NN
    trainer only)."""
    (base, pid), (base_old, pid_old) = pair
    rows = []
    for view in views:
        n = repeats if view is NN_TRAINER else 1
        live, old = [], []
        for _ in range(n):
            live.append(training_fps(page, base, view, seconds, pid))
            if view is NN_TRAINER or repeats > 1:
                old.append(training_fps(page, base_old, view, seconds, pid_old))
        rows.append((view, _median_playing(live), _median_playing(old)))
    return rows


def _median_playing(runs: list) -> Playing | None:
    """The run with the median frame rate (its other numbers with it)."""
    runs = sorted((r for r in runs if r is not None), key=lambda r: r.fps)
    return runs[(len(runs) - 1) // 2] if runs else None


def _cell(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _trainer_rows(rows) -> list[str]:
    lines = []
    for view, live, old in rows:
        ratio = live.fps / old.fps if live and old and old.fps > 0 else None
        lines.append(
            f"| {view.name} | `{view.url_path}` | {_cell(live and live.fps, '.1f')} | "
            f"{_cell(live and live.arrived_fps, '.1f')} | {_cell(old and old.fps, '.1f')} | "
            f"{_cell(ratio, '.1f')}{'×' if ratio else ''} | {_cell(live and live.server_ms_per_frame, '.0f')} / "
            f"{_cell(old and old.server_ms_per_frame, '.0f')} | {_cell(live and live.first_ms, '.0f')} / "
            f"{_cell(old and old.first_ms, '.0f')} |"
        )
    return lines


def run(quick: bool = False) -> str:
    from playwright.sync_api import sync_playwright

    pages = PAGES  # control → redraw and first figure: every page, quick or not
    views = [v for v in ANIMATED if not quick or v.url_path == "mdp-value-iteration"]
    trainers = [v for v in TRAINERS if not quick or v.url_path in QUICK_TRAINERS]
    seconds = 3 if quick else 5
    nn_repeats = 1 if quick else 3
    cold_repeats = 1 if quick else 5
    page_repeats = 1 if quick else 3
    port, port_old = free_port(), free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = new_page(browser)
            baseline = start_server(port_old, env=LIVE_CHART_OFF)
            try:
                pair = ((base, server.pid), (f"http://127.0.0.1:{port_old}", baseline.pid))
                trained = live_trainers(page, pair, trainers, seconds, nn_repeats)
            finally:
                servers.stop(baseline)
            with_gc = None
            if not quick:  # diagnostic: the NN trainer with Streamlit's gc.collect() after every run (its default)
                port_gc = free_port()
                diagnostic = start_server(port_gc, extra=POST_SCRIPT_GC)
                try:
                    with_gc = training_fps(page, f"http://127.0.0.1:{port_gc}", NN_TRAINER, seconds, diagnostic.pid)
                finally:
                    servers.stop(diagnostic)
            fps = [(view, animated_fps(page, base, view, 3 if quick else 6)) for view in views]
            _open(page, base, figure=False)  # the app's scripts in the browser's cache
            # every page once (its control step), then every page's first figure: on a warm server, whose
            # processes have imported each page's modules (the first visit of a page in a fresh server process
            # also imports them: torch ~1 s)
            redraws = [
                (spec, _median_redraw([control_to_redraw(page, base, spec.url_path) for _ in range(page_repeats)]))
                for spec in pages
            ]
            firsts = [
                (spec, statistics.median(first_figure_seconds(page, base, spec.url_path) for _ in range(page_repeats)))
                for spec in (HOME, *pages)
            ]
            browser.close()
        servers.stop(server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            home_s, one_line_s, ratios = cold_start(browser, cold_repeats)
            browser.close()
    finally:
        if server.poll() is None:
            server.kill()

    measured_fps = [f for _, f in fps if f is not None]
    _, nn_live, nn_old = next(row for row in trained if row[0] is NN_TRAINER)
    fps_rows = [f"| {view.name} | `{view.url_path}` | {_cell(f, '.1f')} |" for view, f in fps]
    redraw_of = {spec.url_path: result for spec, result in redraws}
    timing_rows = []
    for spec, first in firsts:
        r = redraw_of.get(spec.url_path)
        figure_cell = "—" if r is None else "no figure changed" if r.figure_ms is None else f"{r.figure_ms:.0f}"
        timing_rows.append(
            f"| {spec.title} | {first:.2f} | {r.kind if r else '—'} | {_cell(r and r.rerun_ms, '.0f')} | "
            f"{figure_cell} |"
        )
    measured_redraws = [(spec.url_path, r.figure_ms) for spec, r in redraws if r and r.figure_ms is not None]
    slow_first = [spec.url_path for spec, s in firsts if s > GOAL_FIRST_FIGURE_S]
    slow_redraw = [f"{path} {ms:.0f}" for path, ms in measured_redraws if ms > GOAL_REDRAW_MS]
    redraw_ms = [ms for _, ms in measured_redraws]
    ratio = statistics.median(ratios)
    nn_line = "**not met** (not measured)."
    if nn_live:
        nn_line = f"{_verdict(nn_live.fps >= GOAL_FPS)} ({nn_live.fps:.1f} frames/s, median of {nn_repeats}"
        if nn_old and nn_old.fps > 0:
            nn_line += f"; baseline {nn_old.fps:.1f}, {nn_live.fps / nn_old.fps:.1f}×"
        nn_line += ")."
    lines = [
        "## Speed in the browser — `python -m bench.bench_browser`",
        "",
        "Debian's Chromium (headless, software rendering) at 1280×720 against `streamlit run app.py` on this "
        f"machine ({os.cpu_count()} cores shared with the other work on it: few repetitions, so expect noise); "
        "Plotly's draw events counted inside the page.",
        "",
        "Live trainers (Reset, then Play / Train; a few seconds of playing each), measured alternately on two "
        "servers: live figures in kept-alive graphs updated by Plotly.react (`ui/live_chart.py`), and the old path, "
        "`st.plotly_chart` rebuilt by Plotly for every frame (`ML_PLAYGROUND_LIVE_CHART=0`, the baseline). "
        "Frames reaching the live graph per second (the server's rate) against frames drawn tell where the time "
        "goes: equal, the server is the limit; more arrive than are drawn, the browser. Server CPU per drawn frame "
        "is that process's CPU time over the count (the work of a frame, not the machine's load).",
        "",
        "| live trainer | page | frames drawn / s | frames reaching the graph / s | baseline: st.plotly_chart, "
        "drawn / s | ratio | server CPU ms / frame, live / baseline | click → first frame (ms), live / baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *_trainer_rows(trained),
        "",
        f"Goal ≥ {GOAL_FPS:.0f} frames/s for the NN trainer's default 2×8 net: " + nn_line,
        f"The NN trainer's live fragment ticks every {FRAME_SECONDS} s ({1 / FRAME_SECONDS:.1f} frames/s at most); "
        f"the other trainers draw one frame per training chunk (`ui/training.py`: about {CHUNK_SECONDS} s of "
        f"training between two pictures), so at most {1 / CHUNK_SECONDS:.1f} frames/s by design.",
        *(
            [
                f"Diagnostic: the NN trainer on a server started with `{' '.join(POST_SCRIPT_GC)}` (Streamlit's "
                "default: a full `gc.collect()` after every run, fragment runs included; `.streamlit/config.toml` "
                f"turns it off): {with_gc.fps:.1f} frames/s, server CPU "
                f"{_cell(with_gc.server_ms_per_frame, '.0f')} ms per frame."
            ]
            if with_gc
            else []
        ),
        "",
        "| animated view (the figure's own animation) | page | frames drawn / s |",
        "|---|---|---:|",
        *fps_rows,
        "",
        f"Goal ≥ {GOAL_FPS:.0f} frames/s for every animated view: "
        + _verdict(bool(measured_fps) and min(measured_fps) >= GOAL_FPS)
        + (f" (slowest {min(measured_fps):.1f})." if measured_fps else "."),
        "",
        "Every page: one step of its first control (a slider notch, else the next option of a select box or "
        "radio, else a toggle), from the input event to the end of the rerun (the server's part) and to the last "
        "figure redrawn (Plotly's `plotly_afterplot` or a DOM change inside a figure); then, every page's "
        "modules imported, its first figure after navigation (a new session): the animation frame after its first "
        "graph appeared, stamped by the page itself from the navigation's start (Playwright's waits poll every "
        "500 ms after their first tries, so they time no better than that). "
        + ("One measurement each." if page_repeats == 1 else f"Medians of {page_repeats} measurements each."),
        "",
        "| page | first figure after navigation (s) | control stepped | control → rerun done (ms) | "
        "control → last figure redrawn (ms) |",
        "|---|---:|---|---:|---:|",
        *timing_rows,
        "",
        f"Goal first figure ≤ {GOAL_FIRST_FIGURE_S} s on a warm server: {_verdict(not slow_first)}"
        f" (slowest {max(s for _, s in firsts):.2f} s{'; over: ' + ', '.join(slow_first) if slow_first else ''}). "
        f"Goal control → redrawn figure ≤ {GOAL_REDRAW_MS:.0f} ms on every page: {_verdict(not slow_redraw)}"
        + (
            f" (median {statistics.median(redraw_ms):.0f} ms, max {max(redraw_ms):.0f} ms over "
            f"{len(redraw_ms)} pages{'; over: ' + ', '.join(slow_redraw) if slow_redraw else ''})."
            if redraw_ms
            else "."
        ),
        "",
        f"Cold start (`streamlit run` → page drawn, {cold_repeats} alternating pairs): Home {home_s:.2f} s, "
        f"one-line page {one_line_s:.2f} s (baseline; medians), median of the pairs' ratios {ratio:.2f} "
        f"({', '.join(f'{r:.2f}' for r in ratios)}). Goal ≤ {GOAL_COLD_RATIO}×: {_verdict(ratio <= GOAL_COLD_RATIO)}.",
    ]
    return "\n".join(lines)


def probe(url_paths: list[str], repeats: int = 3) -> str:
    """Control → redraw and first figure for a few pages, ``repeats`` times each (medians, and every value): for
    working on a page, not for docs/benchmarks.md. The server's CPU time per control step (the script run and its
    messages) tells the server's share apart from the browser's drawing on a loaded machine."""
    from playwright.sync_api import sync_playwright

    chosen = [spec for spec in (HOME, *PAGES) if spec.url_path in url_paths]
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = new_page(browser)
            _open(page, base, figure=False)
            for spec in chosen:
                redraws, cpu_ms, firsts = [], [], []
                for _ in range(repeats):
                    before = _cpu_seconds(server.pid)
                    redraws.append(control_to_redraw(page, base, spec.url_path))
                    cpu_ms.append(1000 * (_cpu_seconds(server.pid) - before))
                for _ in range(repeats):
                    firsts.append(first_figure_seconds(page, base, spec.url_path))
                figure = [r.figure_ms for r in redraws if r and r.figure_ms is not None]
                rerun = [r.rerun_ms for r in redraws if r and r.rerun_ms is not None]
                med = lambda xs, f: f"{statistics.median(xs):{f}} ({', '.join(f'{x:{f}}' for x in xs)})" if xs else "—"  # noqa: E731
                rows.append(
                    f"| {spec.url_path} | {med(firsts, '.2f')} | {med(rerun, '.0f')} | {med(figure, '.0f')} | "
                    f"{med(cpu_ms, '.0f')} |"
                )
            browser.close()
    finally:
        servers.stop(server)
    return "\n".join(
        [
            "| page | first figure (s) | control → rerun done (ms) | control → last figure (ms) | "
            "server CPU: open + control step (ms) |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    # --pages=a,b: only the per-page measures, a few times each, printed (for profiling pages)
    chosen_pages = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--pages=")), "")
    if chosen_pages:
        print(probe(chosen_pages.split(","), repeats=3))
    else:
        print(run(quick="--quick" in sys.argv))
