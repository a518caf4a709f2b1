"""Benchmark: speed as a user feels it, in real Chromium against `streamlit run app.py`.

- **Frames drawn per second** of every animated view: Plotly's own events counted in the page
  (``plotly_afterplot`` after each redraw, ``plotly_animatingframe`` for each frame of a figure's own animation),
  over a few seconds of playing. Every live trainer (Reset, then its Train / Play button) is measured twice, on
  two servers side by side: with its live figures in the kept-alive graphs of ``ui/live_chart.py`` (Plotly.react
  on each frame), and with ``ML_PLAYGROUND_LIVE_CHART=0``, the old path (``st.plotly_chart``, rebuilt by Plotly
  for every frame): the baseline. Also from the click to the first live frame drawn.
- **Control → redrawn figure**: the first slider of each page moved one notch with the keyboard; the time until
  the last figure the rerun redraws has been drawn (the app idle again).
- **First figure after navigation** to each page on a warm server: its address opened in the tab (browser cache
  warm; a new server session, so the page's own first run).
- **Cold start**: from starting `streamlit run` to Home drawn, side by side with a one-line Streamlit page started
  the same way (the baseline), alternating, median of the repeats.

Run: .venv/bin/python -m bench.bench_browser [--quick]   (needs Debian's chromium)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from scripts.screenshot import CHROMIUM_ARGS, free_port
from scripts.serve import start as start_server
from ui.registry import HOME, PAGES
from ui.training import CHUNK_SECONDS

ROOT = Path(__file__).resolve().parent.parent
GOAL_FPS = 10.0
GOAL_REDRAW_MS = 300.0
GOAL_FIRST_FIGURE_S = 1.5
GOAL_COLD_RATIO = 1.1
LIVE_CHART_OFF = {"ML_PLAYGROUND_LIVE_CHART": "0"}
"""The baseline server's environment: live frames drawn with st.plotly_chart (ui/live_chart.py's switch)."""
NO_POST_SCRIPT_GC = ["--runner.postScriptGC", "false"]
"""A diagnostic server (full run only): without Streamlit's gc.collect() after every run, fragment runs included."""
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


def _open(page, url: str, figure: bool = True) -> float:
    """Go to url; seconds until the first Plotly figure has drawn (the title, for a page without figures)."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg" if figure else "h1", timeout=90_000)
    drawn = time.perf_counter() - start
    page.wait_for_selector(IDLE, timeout=90_000)
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


def training_fps(page, base: str, view: AnimatedView, seconds: float) -> tuple[float, float] | None:
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
    first = min((d[0] for d in _draws(page) if d[2] == "redraw" and d[0] > clicked), default=None)
    begin = page.evaluate("() => { window.__draws = []; return performance.now(); }")
    end = begin + 1000 * seconds
    while (now := page.evaluate("() => performance.now()")) < end:
        if view.stop and _button(page, view.stop).count() == 0:
            end = now  # finished: its budget is spent
            break
        page.wait_for_timeout(200)
    per_figure: dict[tuple[str, str], int] = {}  # (title, place) → its redraws: every frame redraws each once
    for t, title, kind, place in _draws(page):
        if kind == "redraw" and t <= end and title.startswith(view.figure):
            per_figure[title, place] = per_figure.get((title, place), 0) + 1
    frames = max(per_figure.values(), default=0)
    if view.stop and _button(page, view.stop).count():
        _button(page, view.stop).click()
        page.wait_for_timeout(500)
    if end <= begin or first is None:
        return None
    return frames / ((end - begin) / 1000), first - clicked


def control_to_redraw(page, base: str, url_path: str) -> float | None:
    """Milliseconds from one keyboard step of the page's first slider to the last figure redrawn by the rerun."""
    _open(page, f"{base}/{url_path}")
    page.wait_for_timeout(800)
    slider = page.locator("[data-testid='stSlider'] input[type='range']").first
    if slider.count() == 0:
        return None
    page.evaluate(COUNTER_JS)
    slider.focus()
    page.evaluate("() => { window.__draws = []; window.__t0 = performance.now(); }")
    page.keyboard.press("ArrowRight")
    # the rerun starts, runs and ends; figures keep drawing a moment after the script ends
    deadline = time.perf_counter() + 30
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=30_000)
    last_count = -1
    while time.perf_counter() < deadline:
        count = len(_draws(page))
        if count == last_count:
            break
        last_count = count
        page.wait_for_timeout(400)
    t0 = page.evaluate("() => window.__t0")
    draws = _draws(page)
    if not draws:
        return None
    return max(d[0] for d in draws) - t0


def first_figure_seconds(page, base: str, url_path: str) -> float:
    """Opening the page's address in a tab that has the app loaded (the browser's cache warm, as after any
    earlier page; each opening is a new session on the server): seconds until its first figure is drawn."""
    home = url_path == HOME.url_path
    return _open(page, f"{base}/{'' if home else url_path}", figure=not home)


ONE_LINE_APP = 'import streamlit as st\nst.set_page_config(page_icon=":material/home:")\nst.title("Hello")\n'


def _cold_start(browser, script: Path, cwd: Path) -> float:
    """Seconds from `streamlit run script` to its page drawn in a browser that waits for the server."""
    port = free_port()
    start = time.perf_counter()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("h1", timeout=90_000)
        page.wait_for_selector(IDLE, timeout=90_000)
        drawn = time.perf_counter() - start
        context.close()
        return drawn
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def cold_start(browser, repeats: int) -> tuple[float, float]:
    """Median seconds to Home drawn, and to a one-line page drawn, started alternately the same way."""
    ours, baseline = [], []
    with tempfile.TemporaryDirectory() as folder:
        one_line = Path(folder) / "hello.py"
        one_line.write_text(ONE_LINE_APP)
        for _ in range(repeats):
            baseline.append(_cold_start(browser, one_line, Path(folder)))
            ours.append(_cold_start(browser, ROOT / "app.py", ROOT))
    return statistics.median(ours), statistics.median(baseline)


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def live_trainers(page, base: str, base_old: str, views, seconds: float, baseline_all: bool) -> list:
    """(view, (fps, first frame ms) with the live charts, the same on the baseline server or None), the two
    measured one after the other per view; the baseline for every view, or for the NN trainer only."""
    rows = []
    for view in views:
        live = training_fps(page, base, view, seconds)
        old = training_fps(page, base_old, view, seconds) if baseline_all or view is NN_TRAINER else None
        rows.append((view, live, old))
    return rows


def _trainer_rows(rows) -> list[str]:
    def cell(value, spec):
        return "—" if value is None else format(value, spec)

    lines = []
    for view, live, old in rows:
        ratio = live[0] / old[0] if live and old and old[0] > 0 else None
        lines.append(
            f"| {view.name} | `{view.url_path}` | {cell(live and live[0], '.1f')} | {cell(old and old[0], '.1f')} | "
            f"{cell(ratio, '.1f')}{'×' if ratio else ''} | {cell(live and live[1], '.0f')} / {cell(old and old[1], '.0f')} |"
        )
    return lines


def run(quick: bool = False) -> str:
    from playwright.sync_api import sync_playwright

    pages = [p for p in PAGES if not quick or p.url_path in ("nn-trainer", "mdp-value-iteration", "info-entropy")]
    views = [v for v in ANIMATED if not quick or v.url_path == "mdp-value-iteration"]
    trainers = [v for v in TRAINERS if not quick or v.url_path in QUICK_TRAINERS]
    seconds = 3 if quick else 5
    port, port_old = free_port(), free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            baseline = start_server(port_old, env=LIVE_CHART_OFF)
            try:
                trained = live_trainers(page, base, f"http://127.0.0.1:{port_old}", trainers, seconds, not quick)
            finally:
                baseline.terminate()
                baseline.wait(timeout=15)
            no_gc = None
            if not quick:  # diagnostic: the same NN trainer without Streamlit's gc.collect() after every run
                port_gc = free_port()
                diagnostic = start_server(port_gc, extra=NO_POST_SCRIPT_GC)
                try:
                    no_gc = training_fps(page, f"http://127.0.0.1:{port_gc}", NN_TRAINER, seconds)
                finally:
                    diagnostic.terminate()
                    diagnostic.wait(timeout=15)
            fps = [(view, animated_fps(page, base, view, 3 if quick else 6)) for view in views]
            _open(page, base, figure=False)  # the app's scripts in the browser's cache
            firsts = [(spec, first_figure_seconds(page, base, spec.url_path)) for spec in (HOME, *pages)]
            redraws = [(spec, control_to_redraw(page, base, spec.url_path)) for spec in pages]
            browser.close()
        server.terminate()
        server.wait(timeout=15)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            home_s, one_line_s = cold_start(browser, 1 if quick else 3)
            browser.close()
    finally:
        if server.poll() is None:
            server.kill()

    measured_fps = [f for _, f in fps if f is not None]
    _, nn_live, nn_old = next(row for row in trained if row[0] is NN_TRAINER)
    fps_rows = [f"| {view.name} | `{view.url_path}` | " + ("—" if f is None else f"{f:.1f}") + " |" for view, f in fps]
    timing_rows = []
    redraw_of = {spec.url_path: ms for spec, ms in redraws}
    for spec, first in firsts:
        ms = redraw_of.get(spec.url_path)
        timing_rows.append(f"| {spec.title} | {first:.2f} | " + ("—" if ms is None else f"{ms:.0f}") + " |")
    measured_redraws = [ms for _, ms in redraws if ms is not None]
    slow_first = [spec.url_path for spec, s in firsts if s > GOAL_FIRST_FIGURE_S]
    slow_redraw = [spec.url_path for spec, ms in redraws if ms is not None and ms > GOAL_REDRAW_MS]
    ratio = home_s / one_line_s
    lines = [
        "## Speed in the browser — `python -m bench.bench_browser`",
        "",
        "Debian's Chromium (headless, software rendering) at 1280×720 against `streamlit run app.py` on this "
        "machine; Plotly's draw events counted inside the page.",
        "",
        "Live trainers (Reset, then Play / Train; a few seconds of playing each), measured side by side on two "
        "servers: live figures in kept-alive graphs updated by Plotly.react (`ui/live_chart.py`), and the old path, "
        "`st.plotly_chart` rebuilt by Plotly for every frame (`ML_PLAYGROUND_LIVE_CHART=0`, the baseline).",
        "",
        "| live trainer | page | frames drawn / s | baseline: st.plotly_chart | ratio | click → first frame (ms), "
        "live / baseline |",
        "|---|---|---:|---:|---:|---:|",
        *_trainer_rows(trained),
        "",
        f"Goal ≥ {GOAL_FPS:.0f} frames/s for the NN trainer's default 2×8 net: "
        + (
            f"{_verdict(nn_live[0] >= GOAL_FPS)} ({nn_live[0]:.1f} frames/s"
            + (f"; baseline {nn_old[0]:.1f}, {nn_live[0] / nn_old[0]:.1f}×" if nn_old and nn_old[0] > 0 else "")
            + ")."
            if nn_live
            else "**not met** (not measured)."
        ),
        f"The other trainers draw one frame per training chunk (`ui/training.py`: about {CHUNK_SECONDS} s of "
        f"training between two pictures), so at most {1 / CHUNK_SECONDS:.1f} frames/s by design.",
        *(
            [
                f"Diagnostic: the NN trainer on a server started with `{' '.join(NO_POST_SCRIPT_GC)}` (no "
                "`gc.collect()` after every run, fragment runs included: ~70-100 ms with torch and Plotly loaded): "
                f"{no_gc[0]:.1f} frames/s."
            ]
            if no_gc
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
        "| page | first figure after navigation (s) | first slider step → last figure redrawn (ms) |",
        "|---|---:|---:|",
        *timing_rows,
        "",
        f"Goal first figure ≤ {GOAL_FIRST_FIGURE_S} s on a warm server: {_verdict(not slow_first)}"
        f" (slowest {max(s for _, s in firsts):.2f} s{'; over: ' + ', '.join(slow_first) if slow_first else ''}). "
        f"Goal control → redrawn figure ≤ {GOAL_REDRAW_MS:.0f} ms: {_verdict(not slow_redraw)}"
        + (
            f" (median {statistics.median(measured_redraws):.0f} ms, slowest {max(measured_redraws):.0f} ms"
            f"{'; over: ' + ', '.join(slow_redraw) if slow_redraw else ''})."
            if measured_redraws
            else "."
        ),
        "",
        f"Cold start (`streamlit run` → page drawn, median of {1 if quick else 3}): Home {home_s:.2f} s, one-line "
        f"page {one_line_s:.2f} s (baseline), ratio {ratio:.2f}. Goal ≤ {GOAL_COLD_RATIO}×: "
        f"{_verdict(ratio <= GOAL_COLD_RATIO)}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
