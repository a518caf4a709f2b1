"""Benchmark: speed as a user feels it, in real Chromium against `streamlit run app.py`.

- **Frames drawn per second** of every animated view: Plotly's own events counted in the page
  (``plotly_afterplot`` after each redraw a Streamlit rerun sends, ``plotly_animatingframe`` for each frame of a
  figure's own animation), over a few seconds of playing.
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

ROOT = Path(__file__).resolve().parent.parent
GOAL_FPS = 10.0
GOAL_REDRAW_MS = 300.0
GOAL_FIRST_FIGURE_S = 1.5
GOAL_COLD_RATIO = 1.1
VIEWPORT = {"width": 1280, "height": 720}  # a projector

# Records every drawn figure: (time, figure title, kind) for redraws and animation frames.
COUNTER_JS = """() => {
  window.__draws = [];
  const title = (gd) => { const t = gd.layout && gd.layout.title; return (t && (t.text || t)) || '(untitled)'; };
  const attach = () => {
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (gd.__counted || !gd.on) return;
      gd.__counted = true;
      gd.on('plotly_afterplot', () => window.__draws.push([performance.now(), String(title(gd)), 'redraw']));
      gd.on('plotly_animatingframe', () => window.__draws.push([performance.now(), String(title(gd)), 'frame']));
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
    """For a button: the title (or its start) of the figure whose redraws are counted."""
    query: str = ""
    prepare: str | None = None
    """A Streamlit button to press first (e.g. one that renders the episode to animate)."""
    stop: str | None = None


ANIMATED = (
    AnimatedView("NN trainer, 2×8 net (Play)", "nn-trainer", "button:Play", "Decision boundary", stop="Pause"),
    AnimatedView("Value-iteration sweep playback", "mdp-value-iteration", "plotly:play", query="watch=true"),
    AnimatedView("Q-learning / SARSA episode replay", "rl-q-learning-sarsa", "plotly:play"),
    AnimatedView("DQN greedy episode", "rl-dqn", "plotly:play", prepare="Render an episode"),
    AnimatedView("Diffusion: reverse-process frames", "gen-diffusion", "plotly:play"),
    AnimatedView("VAE latent walk", "generative-vae", "plotly:play", query="tab=Latent+walk"),
)


def _open(page, url: str, figure: bool = True) -> float:
    """Go to url; seconds until the first Plotly figure has drawn (the title, for a page without figures)."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg" if figure else "h1", timeout=90_000)
    drawn = time.perf_counter() - start
    page.wait_for_selector(IDLE, timeout=90_000)
    return drawn


def _draws(page) -> list:
    return page.evaluate("() => window.__draws")


def animated_fps(page, base: str, view: AnimatedView, seconds: float) -> float | None:
    """Frames of ``view.figure`` drawn per second while the view plays (None when the page has no such view)."""
    _open(page, f"{base}/{view.url_path}" + (f"?{view.query}" if view.query else ""))
    page.wait_for_timeout(800)
    if view.prepare:
        page.get_by_role("button", name=view.prepare).first.click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_timeout(800)
    page.evaluate(COUNTER_JS)
    kind, label = view.start.split(":", 1)
    if kind == "button":
        target = page.get_by_role("button", name=label).first
    else:
        target = page.locator(".updatemenu-button", has_text=label).first
    if target.count() == 0:
        return None
    target.scroll_into_view_if_needed()
    target.click()
    if kind == "plotly":
        # A figure's own animation may be shorter than the measuring window (a 20-sweep playback lasts 1.5 s):
        # its rate is its frames over the time from its first frame to its last.
        page.wait_for_timeout(int(1000 * seconds))
        times = [d[0] for d in _draws(page) if d[2] == "frame"]
        return (len(times) - 1) / ((times[-1] - times[0]) / 1000) if len(times) >= 3 else None
    page.wait_for_timeout(1500)  # the first frames: training starts, the animation gets going
    page.evaluate("() => { window.__draws = []; }")
    start = time.perf_counter()
    page.wait_for_timeout(int(1000 * seconds))
    elapsed = time.perf_counter() - start
    draws = [d for d in _draws(page) if d[2] == "redraw" and d[1].startswith(view.figure)]
    if view.stop:
        page.get_by_role("button", name=view.stop).first.click()
        page.wait_for_timeout(500)
    return len(draws) / elapsed


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


def run(quick: bool = False) -> str:
    from playwright.sync_api import sync_playwright

    pages = [p for p in PAGES if not quick or p.url_path in ("nn-trainer", "mdp-value-iteration", "info-entropy")]
    views = [v for v in ANIMATED if not quick or v.url_path in ("nn-trainer", "mdp-value-iteration")]
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT).new_page()
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
        "| animated view | page | frames drawn / s |",
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
