"""Benchmark: a class opening the app at once — many browser sessions touring the pages while two train models.

One Chromium, one browser context per student (its own cookies and Streamlit session), all on this machine
against `streamlit run app.py` (scripts/serve.py). Bounded: a fixed number of sessions, each a short tour.

- **Plan**: every registered page is opened once alone (its seed control and first single slider found in the
  page), then each touring session gets a few pages (together covering every page), each opened with the
  session's own ``seed=`` and, in every other session, the page's first slider at its minimum (``key=min``).
- **Reference**: each of those addresses opened alone, one after the other: the figure data it gives
  (``gd.data`` of every Plotly figure, hashed). This also fills the caches, so both timed phases below see the
  same warm server.
- **Alone**: the touring sessions all at once. Per visit: seconds from opening the address to its first figure
  drawn, exceptions on the page, its figure data against the reference (different data is *state bleed*: the
  session drew something that its own settings do not give; numbers within ``ROUND_OFF`` are not), and its
  widgets (the seed box shows its seed, the slider its value).
- **With trainers**: the same tours again while two more sessions train (the NN trainer playing, DQN training:
  reset and trained again whenever it finishes): the touring sessions' figure times against the phase alone show
  whether training in one session freezes the others; the trainers' redraws per second show they kept going.

Run: .venv/bin/python -m bench.bench_load [--quick]   (needs Debian's chromium)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import servers
from bench.bench_browser import COUNTER_JS
from bench.bench_memory import process_tree_rss
from scripts.screenshot import CHROMIUM_ARGS, free_port
from scripts.serve import start as start_server
from ui.registry import COURSE, HOME, PAGES

TOURING_SESSIONS = 20
PAGES_PER_SESSION = 4
TRAINERS = (("nn-trainer", "nn", 901), ("rl-dqn", "rl_dqn", 902))
"""(url_path, its training session's name — its buttons' keys are ``<name>_train``, ``_pause``, ``_reset`` —, a
seed no touring session uses, so that its run is its own and no other session is handed a copy of it)."""
WS_TRAINER_PARAMS = {"rl-dqn": {"steps": "100000"}}
"""Settings a websocket trainer adds to its address: the longest DQN budget (it cannot press Reset and Train again
as the browser trainer does when a run ends)."""
GOAL_TRAINING_SLOWDOWN = 2.0
"""Training in two sessions may slow the others' p95 figure time by at most this factor (2 cores)."""
QUICK_PAGES = ("info-entropy", "info-jensen", "sl-regression", "nn-activations")
VIEWPORT = {"width": 1280, "height": 720}
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
FIGURE = ".js-plotly-plot .main-svg"
EXCEPTION = "[data-testid='stException']"
VISIT_TIMEOUT_MS = 180_000

# The seed box and every single-thumb slider with its key (Streamlit puts `st-key-<key>` on a keyed widget's box).
# The seed box is ui.seed's number input: a select box keyed `seed` (Deep RL compared: which of the benchmark's five
# seeds to plot) takes no seed of 100 or more, so a session's own seed there was counted as state bleed.
DISCOVER_JS = """() => {
  const seed = document.querySelector('.st-key-seed [data-testid="stNumberInput"] input');
  const sliders = [...document.querySelectorAll('[data-testid="stSlider"]')].map((el) => {
    const box = el.closest('[class*="st-key-"]');
    const thumbs = el.querySelectorAll('[role="slider"]');
    if (!box || thumbs.length !== 1) return null;
    const key = [...box.classList].find((c) => c.startsWith('st-key-')).slice(7);
    const t = thumbs[0];
    return {key, min: +t.getAttribute('aria-valuemin'), now: +t.getAttribute('aria-valuenow')};
  }).filter(Boolean);
  return {seed: seed ? seed.value : null, sliders};
}"""
# Every figure's data as drawn (typed arrays as lists; Plotly's generated trace ids left out).
FIGURES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => JSON.stringify(gd.data || [],
  (k, v) => k === 'uid' ? undefined : (ArrayBuffer.isView(v) ? Array.from(v) : v)))"""
# What the seed box and the given sliders show.
WIDGETS_JS = """(keys) => Object.fromEntries(keys.map((key) => {
  const box = document.querySelector('.st-key-' + key);
  if (!box) return [key, null];
  const thumb = box.querySelector('[role="slider"]');
  const input = box.querySelector('input');
  return [key, thumb ? thumb.getAttribute('aria-valuenow') : (input ? input.value : null)];
}))"""


@dataclass(frozen=True)
class Visit:
    """One page opened by one session, with that session's settings in the address."""

    url_path: str
    params: tuple[tuple[str, str], ...] = ()
    figure: bool = True
    """False for Home and Lessons (no figure: timed to the title)."""

    @property
    def address(self) -> str:
        path = "" if self.url_path == HOME.url_path else self.url_path
        return f"/{path}" + (f"?{urlencode(self.params)}" if self.params else "")


@dataclass
class Seen:
    """What a session found on one visit."""

    session: int
    visit: Visit
    figure_s: float | None = None
    exceptions: int = 0
    fingerprint: str | None = None
    widgets: dict = field(default_factory=dict)
    failure: str | None = None
    """Why the visit did not finish (a timeout), else None."""
    figures: list[str] | None = None
    """The figure data as drawn, kept only where its fingerprint is not the reference's (to say what differs)."""


@dataclass
class Phase:
    """All visits of one timed phase."""

    seen: list[Seen]
    seconds: float
    trainer_fps: list[float] = field(default_factory=list)
    trainer_exceptions: int = 0
    peak_rss: int = 0
    server_cpu_s: float = 0.0
    """CPU seconds the server's process tree used during the phase."""
    machine_cpu_s: float = 0.0
    """CPU seconds the whole machine used during the phase (the server, Chromium, this script, anything else)."""

    @property
    def figure_times(self) -> list[float]:
        return [s.figure_s for s in self.seen if s.figure_s is not None and s.visit.figure]


def fingerprint(figures: list[str]) -> str:
    return hashlib.sha1("\n".join(figures).encode()).hexdigest()


# --------------------------------------------------------------------------------------------- the plan


def plan(found: dict[str, dict], sessions: int, per_session: int, pages: list[str]) -> list[list[Visit]]:
    """Tours that together open every page in ``pages``: session i opens pages i·k … i·k + k − 1 (mod the
    number of pages), each with seed 100 + i where the page has a seed, and its first slider that does not
    start at its minimum set to that minimum in even sessions."""
    tours = []
    for i in range(sessions):
        tour = []
        for j in range(per_session):
            url_path = pages[(i * per_session + j) % len(pages)]
            page = found.get(url_path, {})
            params = []
            if page.get("seed") is not None:
                params.append(("seed", str(100 + i)))
            slider = next((s for s in page.get("sliders", ()) if s["now"] != s["min"] and s["key"] != "seed"), None)
            if slider is not None and i % 2 == 0:
                params.append((slider["key"], f"{slider['min']:g}"))
            figure = url_path not in {spec.url_path for spec in COURSE}
            tour.append(Visit(url_path, tuple(params), figure))
        tours.append(tour)
    return tours


def widgets_match(shown: dict, visit: Visit) -> bool:
    """Do the seed box and the slider show the values of the visit's own address?"""
    for key, want in visit.params:
        got = shown.get(key)
        try:
            if got is None or abs(float(got) - float(want)) > 1e-9:
                return False
        except ValueError:
            return False
    return True


# --------------------------------------------------------------------------------------------- one visit


async def _settled(page) -> None:
    """Wait until the number of drawn figures stops changing (figures under the first one draw a moment later)."""
    last = -1
    for _ in range(20):
        count = await page.locator(FIGURE).count()
        if count == last:
            return
        last = count
        await page.wait_for_timeout(250)


async def visit(page, base: str, session: int, where: Visit, expected: str | None = None) -> Seen:
    """Open ``where`` and wait for its figures; ``expected``: the reference fingerprint (the figure data is kept
    when it differs)."""
    seen = Seen(session, where)
    start = time.perf_counter()
    stage = "opening the address"  # what the visit waited for when it failed
    try:
        await page.goto(base + where.address, wait_until="commit")
        stage = "its first figure"
        await page.wait_for_selector(FIGURE if where.figure else "h1", timeout=VISIT_TIMEOUT_MS)
        seen.figure_s = time.perf_counter() - start
        stage = "the page title"
        await page.wait_for_selector("h1", timeout=VISIT_TIMEOUT_MS)
        stage = "the end of the page's run"
        await page.wait_for_selector(IDLE, timeout=VISIT_TIMEOUT_MS)
        stage = "the figures to settle"
        await _settled(page)
        seen.exceptions = await page.locator(EXCEPTION).count()
        if where.figure:
            figures = await page.evaluate(FIGURES_JS)
            seen.fingerprint = fingerprint(figures)
            if expected is None or seen.fingerprint != expected:
                seen.figures = figures
        seen.widgets = await page.evaluate(WIDGETS_JS, [key for key, _ in where.params])
    except Exception as error:  # a Playwright timeout: recorded, the tour goes on
        first_line = str(error).splitlines()[0][:120] if str(error) else ""
        seen.failure = f"waiting for {stage}, {time.perf_counter() - start:.0f} s: {type(error).__name__} {first_line}"
    return seen


async def discover(browser, base: str, url_paths: list[str]) -> dict[str, dict]:
    """Each page opened alone with its defaults: its seed box and single sliders."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    found = {}
    course = {spec.url_path for spec in COURSE}
    for url_path in url_paths:
        seen = await visit(page, base, -1, Visit(url_path, figure=url_path not in course))
        found[url_path] = await page.evaluate(DISCOVER_JS) if seen.failure is None else {}
    await context.close()
    return found


async def reference(browser, base: str, visits: list[Visit]) -> dict[Visit, Seen]:
    """Each address opened alone, one after the other: the figure data it gives."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    result = {}
    for where in dict.fromkeys(visits):
        result[where] = await visit(page, base, -1, where)
    await context.close()
    return result


# --------------------------------------------------------------------------------------------- the phases


async def _tour(browser, base: str, session: int, tour: list[Visit], cookies: dict, expected: dict) -> list[Seen]:
    """One student: a browser context that opens its pages one after the other (``expected``: address → its
    reference fingerprint)."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    seen = [await visit(page, base, session, where, expected.get(where)) for where in tour]
    cookies[session] = {c["name"]: c["value"] for c in await context.cookies()}
    await context.close()
    return seen


async def _ws_visit(base: str, session: int, where: Visit) -> Seen:
    """One visit as the server sees it, over a websocket of its own (as a browser's page load opens one): seconds
    from the request to the first figure's message (drawing left out), exceptions sent."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    seen = Seen(session, where)
    message = BackMsg()
    message.rerun_script.page_name = "" if where.url_path == HOME.url_path else where.url_path
    message.rerun_script.query_string = urlencode(where.params)
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    start = time.perf_counter()
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
            await ws.send(message.SerializeToString())
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=VISIT_TIMEOUT_MS / 1000))
                kind = reply.WhichOneof("type")
                if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                    element = reply.delta.new_element.WhichOneof("type")
                    if element == "exception":
                        seen.exceptions += 1
                    wanted = "plotly_chart" if where.figure else "heading"
                    if element == wanted and seen.figure_s is None:
                        seen.figure_s = time.perf_counter() - start
                elif kind == "script_finished":
                    break
    except Exception as error:  # a timeout or a refused connection: recorded, the tour goes on
        seen.failure = f"{type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
    return seen


async def _ws_tour(base: str, session: int, tour: list[Visit]) -> list[Seen]:
    return [await _ws_visit(base, session, where) for where in tour]


async def _train(browser, base: str, url_path: str, name: str, seed: int, stop: asyncio.Event, out: list):
    """Keep one session training until ``stop``: press Train (Play, Continue) whenever it shows, Reset when the
    run has finished; then pause. Appends (figure redraws per second, exceptions) to ``out``."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await visit(page, base, -1, Visit(url_path, (("seed", str(seed)),)))
    await page.evaluate(COUNTER_JS)
    started = time.perf_counter()
    while not stop.is_set():
        try:
            if await page.locator(f".st-key-{name}_pause button").count() == 0:
                train = page.locator(f".st-key-{name}_train button").first
                if await train.count() and await train.is_enabled():
                    await train.click(timeout=10_000)
                else:
                    await page.locator(f".st-key-{name}_reset button").first.click(timeout=10_000)
        except Exception:  # the button was redrawn under the click: try again on the next round
            pass
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.5)
        except TimeoutError:
            pass
    elapsed = time.perf_counter() - started
    draws = await page.evaluate("() => window.__draws.filter((d) => d[2] === 'redraw').length")
    pause = page.locator(f".st-key-{name}_pause button")
    if await pause.count():
        await pause.first.click(timeout=10_000)
    exceptions = await page.locator(EXCEPTION).count()
    await context.close()
    out.append((draws / elapsed, exceptions))


async def _ws_train(base: str, url_path: str, name: str, seed: int, stop: asyncio.Event, out: list):
    """A training session as the server sees it (nothing drawn): press Train, then rerun the live fragment on the
    timer the server asks for (``auto_rerun``), as a browser does. Appends (fragment runs per second, exceptions)
    to ``out``; a run that finishes stops (the longest budget is asked for in the address)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    query = urlencode(dict(seed=seed, **WS_TRAINER_PARAMS.get(url_path, {})))

    def rerun(widgets=(), fragment: str = "") -> bytes:
        message = BackMsg()
        message.rerun_script.page_name = url_path
        message.rerun_script.query_string = query
        message.rerun_script.widget_states.widgets.extend(widgets)
        if fragment:
            message.rerun_script.fragment_id = fragment
            message.rerun_script.is_auto_rerun = True
        return message.SerializeToString()

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    frames = exceptions = 0
    train_id = None
    timer: tuple[float, str] | None = None
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        await ws.send(rerun())
        started = time.perf_counter()
        pressed = False
        while not stop.is_set():
            try:
                data = await asyncio.wait_for(ws.recv(), timeout=0.1)
            except TimeoutError:
                data = None
            if data is not None:
                reply = ForwardMsg()
                reply.ParseFromString(data)
                kind = reply.WhichOneof("type")
                if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                    element = reply.delta.new_element
                    if element.WhichOneof("type") == "button" and element.button.id.endswith(f"-{name}_train"):
                        train_id = element.button.id
                    elif element.WhichOneof("type") == "exception":
                        exceptions += 1
                elif kind == "auto_rerun":
                    timer = (reply.auto_rerun.interval, reply.auto_rerun.fragment_id)
                elif kind == "stop_auto_rerun":
                    timer = None
                elif kind == "script_finished":
                    status = reply.script_finished
                    if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                        frames += 1
                    if status in (ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, ForwardMsg.FINISHED_SUCCESSFULLY):
                        if not pressed and train_id is not None:
                            await ws.send(rerun([WidgetState(id=train_id, trigger_value=True)]))
                            pressed = True
                        elif timer is not None:
                            await asyncio.sleep(timer[0])
                            await ws.send(rerun(fragment=timer[1]))
    out.append((frames / (time.perf_counter() - started), exceptions))


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its living descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def machine_cpu() -> float:
    """CPU seconds the machine has been busy since boot, all cores (the non-idle fields of /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _sample_rss(pid: int | None, stop: threading.Event, peak: list[int]) -> None:
    while pid is not None and not stop.wait(0.5):
        peak[0] = max(peak[0], process_tree_rss(pid))


async def phase(
    browser,
    base: str,
    tours,
    *,
    trainers: bool,
    drawn: bool,
    pid: int | None,
    cookies: dict,
    expected: dict,
    lead_s: float = 8,
) -> Phase:
    """All tours at once — in browser contexts (``drawn``) or as bare websocket sessions — with or without the
    two training sessions (browsers, or websocket sessions that rerun the live fragment on the server's timer)."""
    stop_training = asyncio.Event()
    trained: list = []
    training = []
    if trainers:
        train = _train if drawn else _ws_train
        args = (browser, base) if drawn else (base,)
        training = [
            asyncio.create_task(train(*args, url_path, name, seed, stop_training, trained))
            for url_path, name, seed in TRAINERS
        ]
        await asyncio.sleep(lead_s)  # both open and training before the class arrives
    peak = [0]
    stop_sampling = threading.Event()
    threading.Thread(target=_sample_rss, args=(pid, stop_sampling, peak), daemon=True).start()
    start = time.perf_counter()
    cpu_before = (process_tree_cpu(pid) if pid else 0.0, machine_cpu())
    if drawn:
        tasks = [_tour(browser, base, i, tour, cookies, expected) for i, tour in enumerate(tours)]
    else:
        tasks = [_ws_tour(base, i, tour) for i, tour in enumerate(tours)]
    seen = await asyncio.gather(*tasks)
    seconds = time.perf_counter() - start
    cpu_after = (process_tree_cpu(pid) if pid else 0.0, machine_cpu())
    stop_sampling.set()
    stop_training.set()
    await asyncio.gather(*training)
    return Phase(
        [s for tour in seen for s in tour],
        seconds,
        trainer_fps=[fps for fps, _ in trained],
        trainer_exceptions=sum(e for _, e in trained),
        peak_rss=peak[0],
        server_cpu_s=cpu_after[0] - cpu_before[0],
        machine_cpu_s=cpu_after[1] - cpu_before[1],
    )


@dataclass
class LoadResult:
    tours: list[list[Visit]]
    reference: dict[Visit, Seen]
    """Each address opened alone: its figure data (``fingerprint``, ``figures``)."""
    phases: dict[str, Phase]
    """By name: see PHASES."""
    cookies: dict[int, dict[str, str]] = field(default_factory=dict)
    """Touring session → its browser cookies at the end of the drawn phase with trainers (bench_replicas reads
    the sticky replica id from them)."""


PHASES = (
    ("browsers, alone", dict(trainers=False, drawn=True)),
    ("browsers, while 2 sessions train", dict(trainers=True, drawn=True)),
    ("websocket only, alone", dict(trainers=False, drawn=False)),
    ("websocket only, while 2 sessions train", dict(trainers=True, drawn=False)),
)


async def load(base: str, quick: bool, pid: int | None = None) -> LoadResult:
    """The whole benchmark against a running app at ``base`` (``pid``: its server, for RSS and CPU)."""
    from playwright.async_api import async_playwright

    sessions = 4 if quick else TOURING_SESSIONS
    per_session = 2 if quick else PAGES_PER_SESSION
    url_paths = [p.url_path for p in PAGES if not quick or p.url_path in QUICK_PAGES]
    if not quick:
        url_paths += [spec.url_path for spec in COURSE]
    phases: dict[str, Phase] = {}
    cookies: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        found = await discover(browser, base, url_paths)
        tours = plan(found, sessions, per_session, url_paths)
        refs = await reference(browser, base, [v for tour in tours for v in tour])
        expected = {where: seen.fingerprint for where, seen in refs.items() if seen.failure is None}
        for name, options in PHASES:
            lead_s = 3 if quick else 8
            phases[name] = await phase(
                browser, base, tours, pid=pid, cookies=cookies, expected=expected, lead_s=lead_s, **options
            )
        await browser.close()
    return LoadResult(tours, refs, phases, cookies)


# --------------------------------------------------------------------------------------------- the report


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 … 1) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    x = q * (len(ordered) - 1)
    low = int(x)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (x - low)


ROUND_OFF = 1e-9
"""Largest relative difference at which two drawn numbers count as one value. The same float code can differ in
its last bits between two processes (BLAS kernels pick their SIMD path by the arrays' memory alignment), and
another session's settings change a figure by far more than this."""


def _leaves(value, path: str = ""):
    """(path, leaf) of every number, string, bool and null in a decoded JSON value."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _leaves(value[key], f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def figure_difference(got: list[str], want: list[str]) -> tuple[float, list[str]]:
    """How two visits' figure data differ: (the largest relative difference of numbers at the same place, the
    places where anything else differs — a value of another type, a missing or extra trace or key — at most 3)."""
    if len(got) != len(want):
        return 0.0, [f"{len(got)} figures drawn against {len(want)}"]
    largest, other = 0.0, []
    for k, (a, b) in enumerate(zip(got, want, strict=True)):
        leaves_a, leaves_b = dict(_leaves(json.loads(a))), dict(_leaves(json.loads(b)))
        for path in sorted(leaves_a.keys() | leaves_b.keys()):
            x, y = leaves_a.get(path, "<none>"), leaves_b.get(path, "<none>")
            if x == y:
                continue
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
            if numbers and math.isfinite(x) and math.isfinite(y):
                largest = max(largest, abs(x - y) / max(abs(x), abs(y)))
            elif len(other) < 3:
                other.append(f"figure {k + 1}{path}: {str(x)[:40]} against {str(y)[:40]}")
    return largest, other


@dataclass
class Flag:
    """A drawn visit whose figures or widgets were not what its own address gives alone."""

    seen: Seen
    why: str
    bleed: bool
    """False where the figure data is the reference's up to ``ROUND_OFF`` and the widgets match."""


def flags(result: LoadResult, ph: Phase) -> list[Flag]:
    """Every drawn visit of ``ph`` that differs from its reference, with what differs."""
    out = []
    for s in ph.seen:
        if s.failure is not None or s.fingerprint is None:
            continue
        ref = result.reference.get(s.visit)
        widgets_ok = widgets_match(s.widgets, s.visit)
        figures_ok = ref is None or ref.fingerprint is None or s.fingerprint == ref.fingerprint
        if widgets_ok and figures_ok:
            continue
        why, bleed = [], not widgets_ok
        if not widgets_ok:
            why.append(f"widgets show {s.widgets}")
        if not figures_ok:
            largest, other = figure_difference(s.figures or [], ref.figures or [])
            bleed = bleed or bool(other) or largest > ROUND_OFF
            why += other or [f"numbers differ by at most {largest:.1e} (relative)"]
        out.append(Flag(s, "; ".join(why), bleed))
    return out


def distinguishable(result: LoadResult) -> int:
    """How many pages gave different figure data for different sessions' settings (where a leak would show)."""
    by_page: dict[str, set] = {}
    for where, ref in result.reference.items():
        if ref.fingerprint is not None:
            by_page.setdefault(where.url_path, set()).add(ref.fingerprint)
    return sum(1 for fps in by_page.values() if len(fps) > 1)


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report(result: LoadResult, title: str, setup: str) -> tuple[list[str], dict]:
    """The Markdown section and its numbers (name → p50, p95, exceptions, leaks, failures)."""
    numbers = {}
    rows = []
    for name, ph in result.phases.items():
        times = ph.figure_times
        failures = [s for s in ph.seen if s.failure is not None]
        flagged = flags(result, ph)
        bled = [f for f in flagged if f.bleed]
        drawn = any(s.fingerprint is not None for s in ph.seen)
        numbers[name] = dict(
            p50=percentile(times, 0.5), p95=percentile(times, 0.95), leaks=len(bled), flagged=flagged,
            exceptions=sum(s.exceptions for s in ph.seen) + ph.trainer_exceptions, failures=len(failures),
        )  # fmt: skip
        fps = ", ".join(f"{f:.1f}" for f in ph.trainer_fps) or "—"
        peak = f"{ph.peak_rss / 2**20:,.0f}" if ph.peak_rss else "—"
        rows.append(
            f"| {name} | {len(ph.seen)} | {ph.seconds:.0f} | {numbers[name]['p50']:.2f} | "
            f"{numbers[name]['p95']:.2f} | {max(times) if times else float('nan'):.2f} | "
            f"{numbers[name]['exceptions']} | {len(bled) if drawn else '—'} | {len(failures)} | {fps} | {peak} | "
            f"{ph.server_cpu_s:.0f} / {ph.machine_cpu_s:.0f} |"
        )
    alone, busy = numbers[PHASES[2][0]], numbers[PHASES[3][0]]
    drawn_alone, drawn_busy = numbers[PHASES[0][0]], numbers[PHASES[1][0]]
    slowdown = busy["p95"] / alone["p95"]
    drawn_slowdown = drawn_busy["p95"] / drawn_alone["p95"]
    exceptions = sum(n["exceptions"] for n in numbers.values())
    leaked = sum(n["leaks"] for n in numbers.values())
    failures = sum(n["failures"] for n in numbers.values())
    n_pages = len({v.url_path for tour in result.tours for v in tour})
    described = [
        f"`{f.seen.visit.address}` ({name}; {'state bleed' if f.bleed else 'not bleed'}: {f.why})"
        for name, n in numbers.items()
        for f in n["flagged"]
    ]
    examples = [f"`{f.seen.visit.address}`" for n in numbers.values() for f in n["flagged"] if f.bleed][:3]
    unfinished = [
        f"`{s.visit.address}` ({name}; {s.failure})" for name, ph in result.phases.items() for s in ph.seen if s.failure
    ]
    browser_share = 1 - sum(ph.server_cpu_s for ph in list(result.phases.values())[:2]) / max(
        1e-9, sum(ph.machine_cpu_s for ph in list(result.phases.values())[:2])
    )
    lines = [
        title,
        "",
        setup,
        "",
        "| phase | visits | phase (s) | first figure p50 (s) | p95 (s) | max (s) | exceptions | state bleed | "
        "not finished | trainer redraws / s | server RSS peak (MB) | CPU s: server / machine |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        *rows,
        "",
        f"{len(result.tours)} touring sessions, {len(result.tours[0])} pages each, {n_pages} pages in all. "
        f"*Browsers*: opening the address → its first Plotly figure drawn in that session's tab; all the tabs "
        f"share this machine's cores with the server, and Chromium's drawing took {100 * browser_share:.0f} % of "
        f"the CPU of those phases (in a hall each student's laptop draws its own). *Websocket only*: the same "
        f"visits as the server sees them, request → the first figure's message, nothing drawn. State bleed: "
        f"figure data and widgets of every drawn visit against its address opened alone ({distinguishable(result)} "
        f"pages draw different data for different sessions' settings, so a leak there would show); numbers that "
        f"differ by at most {ROUND_OFF:.0e} relative are round-off, not bleed. The baseline "
        f"for the figure times is the same phase without trainers.",
        "",
        f"Goal 0 exceptions: {_verdict(exceptions == 0)} ({exceptions}). Goal 0 state bleed: "
        f"{_verdict(leaked == 0)} ({leaked}{': ' + ', '.join(examples) if examples else ''}). Goal training in two "
        f"sessions does not freeze the others — every visit finishes and the server's p95 time to a figure grows "
        f"≤ {GOAL_TRAINING_SLOWDOWN:.0f}×: {_verdict(failures == 0 and slowdown <= GOAL_TRAINING_SLOWDOWN)} "
        f"({slowdown:.2f}×: p95 {busy['p95']:.2f} s against {alone['p95']:.2f} s alone; {failures} visits not "
        f"finished; in the browsers, drawing on the same cores as the trainers' live figures, {drawn_slowdown:.2f}×).",
    ]
    if described:
        lines += ["", "Visits not drawn as alone: " + "; ".join(described[:6]) + ("; …" if len(described) > 6 else "")]
    if unfinished:
        lines += ["", "Not finished: " + "; ".join(unfinished[:6]) + ("; …" if len(unfinished) > 6 else "") + "."]
    return lines, numbers


def run(quick: bool = False) -> str:
    port = free_port()
    server = start_server(port)
    try:
        result = asyncio.run(load(f"http://127.0.0.1:{port}", quick, pid=server.pid))
    finally:
        servers.stop(server)
    setup = (
        "One `streamlit run app.py` (scripts/serve.py: one BLAS / torch thread per computing thread) on this "
        "machine; one headless Chromium with a context per session at 1280×720"
        f"{' — quick run' if quick else ''}."
    )
    lines, _ = report(result, "## A class at once — `python -m bench.bench_load`", setup)
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
