"""Benchmark: the server's memory when a class uses it (resident set size of the `streamlit run` process tree).

1. **Tour**: a fresh server (scripts/serve.py), then every page (Home, Lessons and every registered page) opened
   in Chromium, each drawn to its last figure: RSS after the tour against the 1.5 GB goal, and against a one-line
   Streamlit page's server started the same way (the baseline, measured in the same run).
2. **Reruns**: then 200 reruns of every page, sent over Streamlit's own websocket protocol (the messages a
   browser sends, without drawing them: a browser would take ~35 minutes for these 7,200 reruns on 2 cores),
   each rerun moving the page's first slider one step and back, so the caches see a changed control; four
   sessions at once. Growth of RSS over the reruns (goal < 5 %): from the moment the four sessions have opened
   their pages (their own state made, no rerun yet) to the last rerun, and from the 10th rerun of every page on
   (the caches' new entries are made by then; what grows after that would be a leak). The growth from the end of
   the tour is shown too: it also holds the four new sessions' state, which Streamlit keeps for
   ``server.disconnectedSessionTTL`` after they close (measured: with 4 new sessions every 30 s and the 120 s TTL
   the RSS climbed ~35 MB a round; with a 2 s TTL it was flat, +3 % from the third round to the tenth).
3. **Trained sessions**: two batches of browser sessions that each train the neural-network trainer with their own
   seed (own trainer), pause and close the tab. Streamlit keeps a closed session for
   ``server.disconnectedSessionTTL`` seconds (120 in .streamlit/config.toml; shortened here so the benchmark
   does not wait minutes), then drops it with its ``st.session_state`` and the trainers in it; finished runs
   also sit in ui/training.py's bounded process-wide store. The second batch opens the same addresses (the same
   seeds) as the first, so the page caches have nothing new to keep and each of its sessions trains a trainer of
   its own again: RSS after each batch has been dropped, the second batch reusing the first one's memory (no
   growth) shows that nothing keeps the trainers (measured with new seeds for the second batch, the growth also
   held their bounded cache entries: +5.2 %). tests/test_trainer_release.py checks the same object by object.

Run: .venv/bin/python -m bench.bench_memory [--quick] [--reruns N]   (needs Debian's chromium)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import servers
from scripts.screenshot import CHROMIUM_ARGS, free_port
from scripts.serve import start as start_server
from ui.registry import COURSE, HOME, PAGES

ROOT = Path(__file__).resolve().parent.parent
GOAL_TOUR_BYTES = 1.5 * 2**30
GOAL_GROWTH = 0.05
RERUNS = 200
PARALLEL_SESSIONS = 4
SESSION_TTL_S = 8
"""server.disconnectedSessionTTL for this benchmark's server (the app ships 120 s); 3 s in the quick run."""
TRAINERS = (("nn-trainer", "nn"), ("rl-dqn", "rl_dqn"))
"""Training pages the closed sessions train on, in turn (url_path, its training session's name: the keys of its
buttons are ``<name>_train`` and ``<name>_pause``)."""
VIEWPORT = {"width": 1280, "height": 720}
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
QUICK_PAGES = ("info-entropy", "nn-trainer", "rl-dqn")
MB = 2**20


# --------------------------------------------------------------------------------------------- measuring


def process_tree_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` and all its descendants (VmRSS from /proc; 0 for a process gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def active_sessions(base: str) -> int:
    """The server's connected sessions (Streamlit's /_stcore/metrics, ``active_sessions``)."""
    text = urllib.request.urlopen(f"{base}/_stcore/metrics", timeout=10).read().decode()
    return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("active_sessions "))


def settle(pid: int, seconds: float = 2.0) -> int:
    """RSS after the server has been idle for ``seconds`` (background work and frees done)."""
    time.sleep(seconds)
    return process_tree_rss(pid)


def baseline_rss(browser) -> int:
    """RSS of a one-line Streamlit page's server, started like the app's and opened once in the browser."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "hello.py"
        script.write_text(servers.ONE_LINE_APP)
        proc, port = servers.launch(script, Path(folder))
        try:
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("h1", timeout=60_000)
            page.wait_for_selector(IDLE, timeout=60_000)
            context.close()
            return settle(proc.pid)
        finally:
            servers.stop(proc)


# --------------------------------------------------------------------------------------------- the tour


def tour(browser, base: str, specs) -> tuple[int, list[str]]:
    """Open every page in one tab, each drawn to its last figure; (exceptions seen, pages that showed one)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    failed = []
    for spec in specs:
        page.goto(f"{base}/{'' if spec is HOME else spec.url_path}")
        page.wait_for_selector("h1", timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        if spec in PAGES:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(300)
        if page.locator("[data-testid='stException']").count():
            failed.append(spec.url_path)
    context.close()
    return len(failed), failed


# --------------------------------------------------------------------------------------------- reruns over the websocket


class StreamlitClient:
    """One browser session as Streamlit's websocket sees it: rerun requests out, page deltas in (not drawn)."""

    def __init__(self, ws) -> None:
        self.ws = ws

    async def rerun(self, page: str, widgets: list | None = None) -> tuple[list, int]:
        """Run ``page`` (its url_path) with these widget states; (its sliders, exceptions shown) once it ends."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = ""
        message.rerun_script.widget_states.widgets.extend(widgets or [])
        await self.ws.send(message.SerializeToString())
        sliders, exceptions = [], 0
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                if element.WhichOneof("type") == "slider":
                    sliders.append(element.slider)
                elif element.WhichOneof("type") == "exception":
                    exceptions += 1
            elif kind == "script_finished":
                return sliders, exceptions
            elif kind == "page_not_found":
                raise RuntimeError(f"the server does not know the page {page!r}")


def _slider_state(slider, moved: bool):
    """The widget state of ``slider`` at its default, or one step from it (down when up would leave the range)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    value = list(slider.default)
    if moved and len(value) == 1:
        up = value[0] + slider.step
        value = [up if up <= slider.max else value[0] - slider.step]
    state = WidgetState(id=slider.id)
    state.double_array_value.data[:] = value
    return state


async def _rerun_pages(port: int, pages: list[str], reruns: int, checkpoint, done_first, opened) -> int:
    """One websocket session: its first visit of each of its pages, then ``reruns`` reruns of each page in turn
    (its first slider one step, then back)."""
    import websockets

    exceptions = 0
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        client = StreamlitClient(ws)
        sliders = {}
        for page in pages:
            found, shown = await client.rerun(page)
            sliders[page] = found[0] if found else None
            exceptions += shown
        await opened()
        for i in range(reruns):
            for page in pages:
                slider = sliders[page]
                widgets = [_slider_state(slider, moved=i % 2 == 0)] if slider is not None else []
                _, shown = await client.rerun(page, widgets)
                exceptions += shown
            if i + 1 == checkpoint:
                await done_first()
    return exceptions


async def rerun_all(port: int, pid: int, pages: list[str], reruns: int, checkpoint: int) -> tuple[int, int, int]:
    """``reruns`` reruns of every page, spread over PARALLEL_SESSIONS websocket sessions; (exceptions, RSS when
    every session had opened its pages, before any rerun, RSS when every session had done ``checkpoint`` reruns
    of each of its pages)."""
    groups = [pages[i::PARALLEL_SESSIONS] for i in range(PARALLEL_SESSIONS) if pages[i::PARALLEL_SESSIONS]]
    arrived, all_open = asyncio.Barrier(len(groups)), asyncio.Barrier(len(groups))
    at_checkpoint, at_open = [], []

    async def done_first():
        if await arrived.wait() == 0:
            at_checkpoint.append(process_tree_rss(pid))

    async def opened():
        if await all_open.wait() == 0:
            at_open.append(process_tree_rss(pid))

    counts = await asyncio.gather(
        *(_rerun_pages(port, group, reruns, checkpoint, done_first, opened) for group in groups)
    )
    return sum(counts), at_open[0], at_checkpoint[0]


# --------------------------------------------------------------------------------------------- trained sessions


def trained_sessions(browser, base: str, seeds: range, play_s: float) -> int:
    """Each seed: a new browser session trains on a page of TRAINERS in turn (its own run: nothing is shipped or
    shared for that seed) for ``play_s``, pauses and closes its tab."""
    exceptions = 0
    for i, seed in enumerate(seeds):
        url_path, name = TRAINERS[i % len(TRAINERS)]
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{base}/{url_path}?seed={seed}")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        page.locator(f".st-key-{name}_train button").first.click()
        page.wait_for_timeout(int(play_s * 1000))
        page.locator(f".st-key-{name}_pause button").first.click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=60_000)
        exceptions += page.locator("[data-testid='stException']").count()
        context.close()
    return exceptions


def wait_dropped(base: str, pid: int, ttl_s: int) -> int:
    """Wait out the disconnected-session TTL, open and close one session (Streamlit expires stored sessions when
    its store is next touched), and return the RSS after that."""
    time.sleep(ttl_s + 1)
    urllib.request.urlopen(f"{base}/_stcore/health", timeout=10)
    return settle(pid, 2.0)


# --------------------------------------------------------------------------------------------- the report


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def run(quick: bool = False, reruns: int | None = None) -> str:
    """The section; ``reruns`` overrides the number of reruns of every page (the full run's tour and sessions
    with fewer reruns, where 200 of every page take too long on 2 busy cores)."""
    from playwright.sync_api import sync_playwright

    specs = [*COURSE, *(p for p in PAGES if not quick or p.url_path in QUICK_PAGES)]
    reruns = reruns or (10 if quick else RERUNS)
    checkpoint = 4 if quick else 10
    batch = 2 if quick else 20
    play_s = 1.0 if quick else 2.0
    ttl_s = 3 if quick else SESSION_TTL_S
    port = free_port()
    server = start_server(port, extra=["--server.disconnectedSessionTTL", str(ttl_s)])
    base = f"http://127.0.0.1:{port}"
    try:
        started = settle(server.pid, 3.0)  # Home's warm-up run and the background imports (ui/warmup.py) done
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            baseline = baseline_rss(browser)
            t0 = time.perf_counter()
            tour_exceptions, tour_failed = tour(browser, base, specs)
            tour_s = time.perf_counter() - t0
            after_tour = settle(server.pid)
            t0 = time.perf_counter()
            pages = [spec.url_path for spec in specs if spec is not HOME] + [""]
            # in a thread of its own: Playwright's sync API keeps an event loop running in this one
            with ThreadPoolExecutor(1) as pool:
                rerun = pool.submit(asyncio.run, rerun_all(port, server.pid, pages, reruns, checkpoint))
                rerun_exceptions, sessions_open, at_checkpoint = rerun.result()
            rerun_s = time.perf_counter() - t0
            after_reruns = settle(server.pid)
            trained_first = trained_sessions(browser, base, range(1000, 1000 + batch), play_s)
            with_first = process_tree_rss(server.pid)
            dropped_first = wait_dropped(base, server.pid, ttl_s)
            trained_second = trained_sessions(browser, base, range(1000, 1000 + batch), play_s)  # the same seeds
            with_second = process_tree_rss(server.pid)
            dropped_second = wait_dropped(base, server.pid, ttl_s)
            left = active_sessions(base)
            browser.close()
    finally:
        servers.stop(server)

    growth = (after_reruns - after_tour) / after_tour
    growth_reruns = (after_reruns - sessions_open) / sessions_open
    growth_late = (after_reruns - at_checkpoint) / at_checkpoint
    kept = (dropped_second - dropped_first) / dropped_first
    n_reruns = reruns * len(pages)
    rows = [
        ("server started and warmed up (Home run, shared imports)", started, ""),
        (f"after the tour of {len(specs)} pages ({tour_s:.0f} s)", after_tour, ""),
        (f"the {PARALLEL_SESSIONS} rerunning sessions opened, each on its pages (no rerun yet)", sessions_open, ""),
        (f"after {checkpoint} reruns of every page", at_checkpoint, ""),
        (f"after {reruns} reruns of every page ({n_reruns:,} reruns, {rerun_s:.0f} s)", after_reruns, ""),
        (f"{batch} sessions trained (their tabs closed, not yet dropped)", with_first, ""),
        (f"… dropped after the {ttl_s} s TTL", dropped_first, ""),
        (f"{batch} more sessions (the same addresses) trained and closed", with_second, ""),
        ("… dropped", dropped_second, f"{left} sessions connected"),
    ]
    table = [f"| {label} | {rss / MB:,.0f} | {rss / baseline:.1f}× | {note} |" for label, rss, note in rows]
    exceptions = tour_exceptions + rerun_exceptions + trained_first + trained_second
    lines = [
        "## Server memory in a class — `python -m bench.bench_memory`",
        "",
        f"Resident memory of the `streamlit run app.py` process tree (from /proc), started by scripts/serve.py; the "
        f"tour in Chromium, then {reruns} reruns of every page over Streamlit's websocket protocol (not drawn; "
        f"{PARALLEL_SESSIONS} sessions at once, the first slider moved a step and back), then two batches of "
        f"{batch} browser sessions that each trained a model (the NN trainer, DQN in turn) for {play_s:.0f} s and closed "
        f"(server.disconnectedSessionTTL {ttl_s} s here){' — quick run' if quick else ''}. Baseline: a "
        f"one-line Streamlit page's server, {baseline / MB:.0f} MB.",
        "",
        "| moment | RSS (MB) | × one-line page | |",
        "|---|---:|---:|---|",
        *table,
        "",
        f"Exceptions shown: {exceptions}{' (' + ', '.join(tour_failed) + ')' if tour_failed else ''}.",
        "",
        f"Goal RSS after a tour of every page ≤ 1.5 GB: {_verdict(after_tour <= GOAL_TOUR_BYTES)} "
        f"({after_tour / MB:,.0f} MB). Goal growth after {reruns} reruns of every page < 5 %: "
        f"{_verdict(growth_reruns < GOAL_GROWTH)} ({100 * growth_reruns:+.1f} % from the rerunning sessions opened "
        f"to the last rerun; {100 * growth_late:+.1f} % from the {checkpoint}th rerun on; "
        f"{100 * growth:+.1f} % from the end of the tour, the {PARALLEL_SESSIONS} new sessions' own state included). "
        "Goal trainers of closed sessions released: "
        f"{_verdict(kept < GOAL_GROWTH)} (the second batch left {100 * kept:+.1f} % on top of the first; "
        f"{left} sessions still connected).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    print(run(quick="--quick" in args, reruns=int(args[args.index("--reruns") + 1]) if "--reruns" in args else None))
