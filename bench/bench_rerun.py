"""Benchmark: how long a page takes to rerun after one control moves one step (Streamlit's AppTest, in process).

For every registered page: open it with its defaults, then move each of its controls by one step in turn (a
slider one notch, a select box to the next option, a toggle flipped), rerunning the whole script each time. A
browser reruns no more than that: a control inside an ``st.fragment`` reruns only its fragment there, which
AppTest cannot do, so for those controls the figure here is an upper bound. A page's figure is the median over its
controls (the slowest control is shown too), as wall time and as CPU time of this process: the CPU figure barely
grows when other processes load the machine, the wall figure does. The baseline, measured in the same run, is the
rerun of a page that draws one slider and one line: Streamlit's own floor for a rerun.

Streamlit's full ``gc.collect()`` after every run (``runner.postScriptGC``, on by default: ~80-100 ms once torch,
Plotly and the page modules are loaded) is off in the served app (``.streamlit/config.toml``), and AppTest's
runner never does it whatever the option says (``LocalScriptRunner._on_script_finished`` has no such step; it
reads the same config file, from the working directory): so these reruns are the served app's. bench_browser's
control → redraw times are measured against ``streamlit run`` itself.

Run: .venv/bin/python -m bench.bench_rerun [--quick] [--pages=url-path,...] [--detail]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import ROOT, TIMEOUT, run_page, widgets
from ui.registry import PAGES

GOAL_EVERY_MS = 100.0
GOAL_MEDIAN_MS = 50.0
# The quick version samples these pages (one per section and the slowest ones measured before).
QUICK_PAGES = ("rl-q-learning-sarsa", "mdp-value-iteration", "info-divergences", "sl-regression", "seq-attention")

ONE_LINE_PAGE = """import streamlit as st
x = st.slider("x", 0, 100, 50, key="x")
st.write(x)
"""


def one_step(kind: str, widget):
    """The value one step away from the widget's current one (None when it has no such neighbour)."""
    value = widget.value
    if kind in ("toggle", "checkbox"):
        return not value
    if kind in ("selectbox", "radio"):
        options = list(widget.raw_options)
        if value not in options or len(options) < 2:
            return None
        i = options.index(value)
        return options[i + 1] if i + 1 < len(options) else options[i - 1]
    if kind in ("slider", "number_input"):
        if isinstance(value, (tuple, list)):
            return None
        step = getattr(widget, "step", None) or 1
        up = value + step
        if widget.max is not None and up > widget.max:
            up = value - step
        return type(value)(up) if isinstance(value, int) else float(up)
    return None


def _timed_run(at: AppTest) -> tuple[float, float]:
    """(wall ms, CPU ms) of one rerun. CPU time (``time.process_time``: all threads of this process, the script
    thread included) is what the rerun costs when other processes compete for the cores; wall time is what a
    user waits on a quiet machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    at.run(timeout=TIMEOUT)
    return 1000 * (time.perf_counter() - wall), 1000 * (time.process_time() - cpu)


def page_reruns(path: str, max_controls: int | None = None) -> list[tuple[str, float, float]]:
    """(control key, rerun wall ms, rerun CPU ms) for each control of the page moved one step from the defaults
    (then back)."""
    at = run_page(path)
    at.run(timeout=TIMEOUT)  # a second run with the defaults: module imports and first-run caches are done
    keys = [(kind, w.key) for kind, w in widgets(at)][:max_controls]
    times = []
    for kind, key in keys:
        match = [w for k, w in widgets(at) if k == kind and w.key == key]
        if not match:
            continue  # the control only exists in another mode of the page
        value, before = one_step(kind, match[0]), match[0].value
        if value is None:
            continue
        match[0].set_value(value)
        times.append((key, *_timed_run(at)))
        back = [w for k, w in widgets(at) if k == kind and w.key == key]
        if back:
            back[0].set_value(before)  # each control moves from the defaults, not from the previous move
            at.run(timeout=TIMEOUT)
    return times


def first_visit_ms(path: str) -> tuple[float, float]:
    """(wall ms, CPU ms) of a new session's first run of the page, the caches warm (after page_reruns): the
    server's part of "first figure after navigation" in bench_browser (a new tab opening the page's address)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()  # Home, as a new session's first run registers the pages
    at.switch_page(path)
    return _timed_run(at)


@contextlib.contextmanager
def server_script_cache():
    """Compile each script once, as a server does. AppTest makes a fresh ScriptCache on every run, so every
    rerun would recompile app.py and the page (Streamlit's magic AST pass included: ~10 ms a rerun) — a cost
    of the test harness that no browser rerun pays (the server's Runtime keeps one ScriptCache)."""
    shared = ScriptCache()
    original = app_test.ScriptCache
    app_test.ScriptCache = lambda: shared
    try:
        yield
    finally:
        app_test.ScriptCache = original


def baseline_ms(repeats: int = 20) -> tuple[float, float]:
    """Median (wall ms, CPU ms) rerun of a one-slider page after one slider step."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "one_line.py"
        script.write_text(ONE_LINE_PAGE)
        at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
        at.run()
        times = []
        for i in range(repeats):
            at.slider[0].set_value(51 + i % 2)
            times.append(_timed_run(at))
    return statistics.median(w for w, _ in times), statistics.median(c for _, c in times)


def run(quick: bool = False, only: tuple[str, ...] = (), detail: bool = False) -> str:
    """The Markdown section. ``only``: url_paths to measure (all pages when empty); ``detail``: one row per
    control under each page (for profiling a page, not for docs/benchmarks.md)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    # NumPy's BLAS at one thread too: on two busy cores its second thread mostly spins (a 24×24 by 24×3600 product
    # cost 10 ms of CPU with two threads, 0.9 ms with one), which would bury the page's own cost
    threadpool_limits(1)
    with server_script_cache():
        floor_wall, floor_cpu = baseline_ms()
    chosen = only or (QUICK_PAGES if quick else ())
    pages = [p for p in PAGES if not chosen or p.url_path in chosen]
    rows, medians = [], []
    for spec in pages:
        with server_script_cache():
            times = page_reruns(spec.path, max_controls=4 if quick else None)
            first_wall, first_cpu = first_visit_ms(spec.path)
        if not times:
            continue
        wall = statistics.median(t for _, t, _ in times)
        cpu = statistics.median(c for _, _, c in times)
        slowest_key, slowest, slowest_cpu = max(times, key=lambda ktc: ktc[2])
        medians.append((spec.url_path, wall, cpu))
        rows.append(
            f"| {spec.title} | {len(times)} | {wall:.0f} | {cpu:.0f} | {cpu / floor_cpu:.1f}× | "
            f"{slowest:.0f} / {slowest_cpu:.0f} (`{slowest_key}`) | {first_wall:.0f} / {first_cpu:.0f} |"
        )
        if detail:
            rows += [f"| &nbsp;&nbsp;`{key}` | | {t:.0f} | {c:.0f} | | | |" for key, t, c in times]
    # the goal is on wall time (what a user waits); CPU time is the same judgement free of other processes' load
    verdicts = []
    for label, column in (("wall", 1), ("CPU", 2)):
        over = [f"{m[0]} {m[column]:.0f}" for m in medians if m[column] > GOAL_EVERY_MS]
        overall = statistics.median(m[column] for m in medians)
        met = not over and overall <= GOAL_MEDIAN_MS
        verdicts.append(
            f"{label}: {'**met**' if met else '**not met**'} (median page {overall:.0f} ms; "
            f"over {GOAL_EVERY_MS:.0f} ms: {', '.join(over) or 'none'})"
        )
    lines = [
        "## Rerun after one control step (AppTest) — `python -m bench.bench_rerun`",
        "",
        "Every page opened with its defaults; each control moved one step (slider notch, next option, toggle) and "
        "back, the whole script rerun in process (torch and NumPy's BLAS at 1 thread; each script compiled once, as a server does). Per page: the median over its controls, as "
        "wall time and as CPU time of this process (the CPU figure does not grow when other processes load the "
        "machine), and the slowest control; last, a new session's first run of the page once the caches are warm "
        "(the server's part of opening its address in a new tab). "
        f"Baseline: a one-slider page's rerun, {floor_wall:.1f} ms wall / {floor_cpu:.1f} ms CPU in this run"
        + (" (quick: 5 pages, 4 controls each)." if quick and not only else "."),
        "",
        "| page | controls | median rerun wall (ms) | median rerun CPU (ms) | CPU × baseline "
        "| slowest control wall / CPU (ms) | a new session's first run, wall / CPU (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Goal every page's median ≤ {GOAL_EVERY_MS:.0f} ms and the median page ≤ {GOAL_MEDIAN_MS:.0f} ms — "
        + "; ".join(verdicts)
        + ".",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    # --pages a,b measures only those url_paths; --detail adds one row per control
    chosen_pages = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--pages=")), "")
    print(
        run(
            quick="--quick" in sys.argv,
            only=tuple(p for p in chosen_pages.split(",") if p),
            detail="--detail" in sys.argv,
        )
    )
