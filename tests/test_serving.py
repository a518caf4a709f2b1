"""Serving a classroom: the shipped server settings, bounded caches, a room opening a cold server at once, and
the replica set behind nginx keeping each browser on one replica.

The concurrency tests reproduce what broke before ui/warmup.py: six browser sessions opening pages together on a
fresh server got "partially initialized module 'pandas'" tracebacks (concurrent first imports in Streamlit's
script threads). Here twelve sessions open twelve different pages at the same moment, once on a server started
by scripts/serve.py (warmed up by one run of Home) and once on a bare `streamlit run app.py` (no warm-up: every
first import happens inside the visits).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core import user_data
from scripts.screenshot import free_port
from scripts.serve import server_env, stop
from scripts.serve import start as start_served
from tests.browser_helpers import CHROMIUM, IDLE
from ui.registry import COURSE, PAGES

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
FIGURE = ".js-plotly-plot .main-svg"
EXCEPTION = "[data-testid='stException']"
# The race found before ui/warmup.py: a page importing pandas (a table, the points editor) while other pages
# validate Plotly figures, which look at sys.modules["pandas"] without importing it. So: the pages that import
# pandas first, then pages that build figures as soon as NumPy and Plotly are in, a torch page (the heaviest
# first import), and the lesson list (no figure).
ROOM = (
    "rl-q-learning-sarsa",
    "info-conditional-entropy",
    "cnn-calculator",
    "info-entropy",
    "info-jensen",
    "info-divergences",
    "nn-activations",
    "sl-naive-bayes",
    "seq-attention",
    "mdp-value-iteration",
    "rl-dqn",
    "lessons",
)
ROOM_TIMEOUT_MS = 240_000
"""Per page, all twelve loading at once from cold on 2 shared cores (a bound against a hang, not a timing)."""

needs_browser = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true", reason="chromium is not installed"
)


# --------------------------------------------------------------------------------------------- the settings


def test_shipped_config_is_safe_for_a_room():
    """.streamlit/config.toml: this machine only by default, XSRF on, uploads capped, no usage statistics, no
    file watcher, a minimal toolbar, and closed sessions dropped after a while (their trainers with them)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["address"] == "127.0.0.1"
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] == 5  # MB: what the README promises
    # the server lets through every file the parsers would read, so a too-large file gets the parser's message
    # (core.user_data names the limit) and the server refuses only what no page reads anyway
    assert server["maxUploadSize"] * 1_000_000 >= user_data.MAX_UPLOAD_BYTES
    assert server["fileWatcherType"] == "none"
    assert 0 < server["disconnectedSessionTTL"] <= 600
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "minimal"


def test_streamlit_reads_the_shipped_config():
    """The same settings as Streamlit itself parses them from the file (a misspelt option would be ignored)."""
    probe = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print([config.get_option(o) for o in ('server.address', 'server.enableXsrfProtection', "
        "'server.maxUploadSize', 'browser.gatherUsageStats', 'server.fileWatcherType', 'client.toolbarMode', "
        "'server.disconnectedSessionTTL')])"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['127.0.0.1', True, 5, False, 'none', 'minimal', 120]"


# --------------------------------------------------------------------------------------------- bounded caches

CACHES = {"cache_data", "cache_resource"}


def _cache_decorators(tree: ast.AST):
    """(function name, its number of parameters, the cache call or bare name) for every st.cache_* use."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arity = len(node.args.posonlyargs) + len(node.args.args) + len(node.args.kwonlyargs)
            arity += bool(node.args.vararg) + bool(node.args.kwarg)
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name in CACHES:
                    yield node.name, arity, decorator
        elif isinstance(node, ast.Call) and node.args:  # st.cache_data(fn) called, not decorating
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in CACHES and isinstance(node.args[0], ast.Name | ast.Lambda):
                yield getattr(node.args[0], "id", "<lambda>"), None, ast.Call(node.func, [], [], lineno=node.lineno)


def unbounded_caches(paths, root: Path = ROOT) -> list[str]:
    """``file:line function`` for every st.cache_data / st.cache_resource without max_entries or ttl, except a
    function without parameters (it has one entry at most)."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for function, arity, decorator in _cache_decorators(tree):
            keywords = {k.arg for k in decorator.keywords} if isinstance(decorator, ast.Call) else set()
            if keywords & {"max_entries", "ttl"} or arity == 0:
                continue
            found.append(f"{path.relative_to(root)}:{decorator.lineno} {function}")
    return found


def _app_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]


def test_every_cache_is_bounded():
    """A cache is shared by every session of the server: each must cap its entries (or expire them)."""
    sources = _app_sources()
    assert len(sources) > len(PAGES)
    assert not unbounded_caches(sources), f"unbounded caches (add max_entries=...): {unbounded_caches(sources)}"


def test_the_cache_scan_finds_unbounded_caches(tmp_path):
    """The scan above catches each way of writing an unbounded cache, and lets the bounded ones pass."""
    (tmp_path / "page.py").write_text(
        "import streamlit as st\nfrom streamlit import cache_resource\n"
        "@st.cache_data\ndef a(x): ...\n"
        "@st.cache_data(show_spinner=False)\ndef b(x): ...\n"
        "@cache_resource()\ndef c(*args): ...\n"
        "d = st.cache_data(len)\n"
        "@st.cache_data(max_entries=4)\ndef ok1(x): ...\n"
        "@st.cache_resource(ttl=60)\ndef ok2(x): ...\n"
        "@st.cache_resource\ndef ok3(): ...\n"
    )
    found = unbounded_caches([tmp_path / "page.py"], root=tmp_path)
    assert [entry.split(" ")[1] for entry in found] == ["a", "b", "c", "len"]


# --------------------------------------------------------------------------------------------- a room at once


def _open_room(base: str, url_paths, browser) -> dict[str, str]:
    """One browser context per page, all opened at the same moment; per page, what went wrong ('' if nothing)."""
    tabs = []
    for url_path in url_paths:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        tabs.append((url_path, context, context.new_page()))
    for url_path, _, page in tabs:  # "commit": return once the request is answered, so that all load together
        page.goto(f"{base}/{url_path}", wait_until="commit")
    problems = {}
    for url_path, context, page in tabs:
        figure = url_path not in {spec.url_path for spec in COURSE}
        try:
            # a traceback ends the wait as well as the page's content does
            page.wait_for_selector(f"h1, {EXCEPTION}", timeout=ROOM_TIMEOUT_MS)
            page.wait_for_selector(IDLE, timeout=ROOM_TIMEOUT_MS)
            if figure:
                page.wait_for_selector(f"{FIGURE}, {EXCEPTION}", timeout=ROOM_TIMEOUT_MS)
            page.wait_for_timeout(300)
            problems[url_path] = _what_went_wrong(page, url_path)
        except Exception as error:  # a timeout: reported with the others
            shown = " ".join(page.locator("body").inner_text(timeout=5_000).split())[:300]
            problems[url_path] = f"{type(error).__name__}: {str(error).splitlines()[0]}; the page shows: {shown}"
        finally:
            context.close()
    return problems


def _what_went_wrong(page, url_path: str) -> str:
    """'' for a page that drew with its title and no traceback, else what it shows instead."""
    if page.locator(EXCEPTION).count():
        return "a traceback: " + " ".join(page.locator(EXCEPTION).first.inner_text().split())[:200]
    text = page.locator("body").inner_text()
    if "Traceback" in text or "partially initialized" in text:
        return "a traceback in the text"
    title = next(p.title for p in (*COURSE, *PAGES) if p.url_path == url_path)
    if title not in page.locator("h1").first.inner_text():
        return f"its title {title!r} is missing"
    return ""


@pytest.mark.parametrize("how", ["served", "bare"])
@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@needs_browser
def test_a_room_opening_a_cold_server_at_once_sees_no_traceback(browser, how):
    """Twelve sessions open twelve pages together on a fresh server: every page draws, none shows a traceback.
    ``served``: started by scripts/serve.py (one warm-up run of Home). ``bare``: `streamlit run app.py` and
    nothing else, so the first visits themselves race through the first imports."""
    port = free_port()
    if how == "served":
        proc = start_served(port)
    else:
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true"]
        command += ["--server.port", str(port)]
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=server_env()
        )
    try:
        deadline = time.time() + 60
        while True:  # the bare server: up, and nothing run yet
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                assert time.time() < deadline, "the server did not start"
                time.sleep(0.2)
        problems = _open_room(f"http://127.0.0.1:{port}", ROOM, browser)
        refused = _upload_without_xsrf_cookie(port)
    finally:
        stop(proc)
    assert len(problems) == len(ROOM)
    failed = "\n".join(f"{page}: {why}" for page, why in problems.items() if why)
    assert not failed, f"pages that failed when opened together:\n{failed}"
    assert refused == 403  # XSRF protection as served: an upload without the signed cookie is refused


def _upload_without_xsrf_cookie(port: int) -> int:
    """The HTTP status of an upload that does not carry Streamlit's signed XSRF cookie and token."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_stcore/upload_file/some-session/some-file",
        data=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n1,2\r\n--x--\r\n',
        method="PUT",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


# --------------------------------------------------------------------------------------------- replicas behind nginx


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@needs_browser
@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (needed only for replicas)")
def test_replicas_behind_nginx_keep_each_browser_on_one_replica(browser):
    """Two replicas behind deploy/nginx.conf: each browser context (its page loads, scripts, media and its
    websocket) is served by one replica only, and new visitors spread over both."""
    from deploy.serve_replicas import start_replicas

    replicas = start_replicas(2)
    try:
        contexts = []
        for i, url_path in enumerate(("info-entropy", "sl-regression", "info-jensen", "nn-activations")):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            page.goto(f"{replicas.url}/{url_path}?seed={10 + i}")
            page.wait_for_selector(FIGURE, timeout=120_000)
            page.wait_for_selector(IDLE, timeout=120_000)
            assert page.locator("[data-testid='stException']").count() == 0
            page.goto(f"{replicas.url}/home")  # a second page in the same tab: a new script run, same websocket
            page.wait_for_selector("h1", timeout=60_000)
            contexts.append(context)
        cookies = [{c["name"]: c["value"] for c in context.cookies()}["mlp_replica"] for context in contexts]
        for context in contexts:
            context.close()  # nginx logs a websocket when it closes
        # new visitors without a cookie: each gets a fresh id, so both replicas serve some of them
        for _ in range(24):
            urllib.request.urlopen(f"{replicas.url}/_stcore/health", timeout=10).read()
        time.sleep(1.0)
        routes = replicas.routes()
        log = (replicas.prefix / "logs" / "access.log").read_text().splitlines()
        nginx_log = (replicas.prefix / "logs" / "error.log").read_text().splitlines()
        errors = [line for line in nginx_log if any(level in line for level in ("[error]", "[crit]", "[alert]"))]
    finally:
        replicas.stop()
    assert not errors, f"nginx failed requests: {errors[:3]}"  # e.g. a cut-off script it could not buffer
    assert len(set(cookies)) == len(cookies)
    replica_addresses = {f"127.0.0.1:{port}" for port in replicas.replica_ports}
    for cookie in cookies:
        assert len(routes[cookie]) == 1, f"browser {cookie} was served by {routes[cookie]}"
        assert routes[cookie] <= replica_addresses
        websocket = [line for line in log if f" {cookie} " in line and "/_stcore/stream" in line]
        assert websocket and all(" 101 " in line for line in websocket), "the websocket did not go through nginx"
    assert set().union(*routes.values()) == replica_addresses
