"""First visits that stay safe when a whole room opens the app at the same moment.

Streamlit runs each browser session's script in its own thread, so on a fresh server several first imports can
run at once. Found with six browser sessions opening pages together: Plotly's validators look at
``sys.modules["pandas"]`` without importing it (``get_module("pandas", should_load=False)``) and got pandas
half-initialised by another session's import: "partially initialized module 'pandas' has no attribute 'Series'".
Two guards, both in :func:`first_visit`, which app.py wraps around ``page.run()``:

1. The libraries the pages import lazily (and that Plotly peeks at) are imported once per process in one
   background thread, started ``AFTER_HOME_S`` after the first run of Home (its imports hold the GIL for ~1.5 s:
   started at once, they slowed the end of Home's own run and its messages to the browser) or at once by the
   first page that needs them; every page but Home waits until they are in.
   torch is not among them: only the pages that train import it (it costs ~0.8 s and ~300 MB).
2. The first run of each page in the process holds one process-wide lock, so two first runs never import the
   page's own modules (torch, gymnasium, the page's core and viz modules) at the same time. Later runs of a page
   take no lock; a first run that waits longer than ``FIRST_VISIT_WAIT_S`` goes ahead rather than hang.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "PIL.Image",
    "plotly.graph_objects",
    "plotly.subplots",
    "plotly.io",
    "scipy.sparse",
    "scipy.optimize",
    "scipy.spatial",
    "sklearn.datasets",
    "sklearn.linear_model",
    "contourpy",
    "gymnasium",
)
"""Imported once in the background: every third-party library a page imports, except torch."""
LIBRARIES_WAIT_S = 60.0
"""How long a page waits for the background imports before it runs anyway (they take ~1.5 s on 2 cores)."""
AFTER_HOME_S = 1.0
"""Delay between the end of Home's run and the background imports: the run's last messages reach the browser and
it draws Home first (a page opened sooner starts them itself at once)."""
FIRST_VISIT_WAIT_S = 60.0
"""How long a page's first run waits for another page's first run to finish before it runs anyway."""

_log = logging.getLogger(__name__)
_libraries_ready = threading.Event()
_start_lock = threading.Lock()
_started = False
_first_run_lock = threading.Lock()
_visited: set[str] = set()
"""url_paths whose first run in this process finished (their modules are imported)."""


def _import_libraries() -> None:
    try:
        for name in LIBRARIES:
            try:
                importlib.import_module(name)
            except ImportError as error:  # an optional library missing: the page that needs it says so itself
                _log.warning("warm-up could not import %s: %s", name, error)
        # The ~180k objects these imports made live as long as the process: out of the collector's sight, a full
        # collection no longer walks them (measured: 105 ms for one over them on 2 busy cores, and Python runs one
        # every few reruns once the pages' state grows). What is alive now is the libraries plus Home's small
        # state; a frozen object is still freed when its last reference goes, only a cycle among them would stay.
        gc.collect()
        gc.freeze()
    finally:
        _libraries_ready.set()


def start_libraries(delay_s: float = 0.0) -> None:
    """Import :data:`LIBRARIES` in a background thread, once per process (later calls return at once);
    ``delay_s`` > 0: in that many seconds, unless a call without a delay starts them sooner."""
    global _started
    if _started:
        return
    if delay_s > 0:
        timer = threading.Timer(delay_s, start_libraries)
        timer.daemon = True
        timer.start()
        return
    with _start_lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_import_libraries, name="ml-playground-warm-up", daemon=True).start()


def libraries_ready(timeout: float = LIBRARIES_WAIT_S) -> bool:
    """Start the background imports if needed and wait for them; False when they took longer than ``timeout``."""
    start_libraries()
    return _libraries_ready.wait(timeout)


@contextmanager
def first_visit(url_path: str, light: bool = False) -> Iterator[None]:
    """Around one run of the page ``url_path``: wait for the shared imports, and serialise the page's first run
    in this process with every other page's first run. A ``light`` page (Home: widgets and links only, no
    figure, no import of its own) does neither; it only starts the background imports once it has run.

    A run that Streamlit interrupts (a rerun, a stop) raises through here: it releases the lock and does not
    count as the page's first run, so the next run of that page is still serialised.
    """
    if light or url_path in _visited:
        try:
            yield
        finally:
            start_libraries(AFTER_HOME_S)  # after Home's run: the libraries load while the visitor reads the map
        return
    if not libraries_ready():
        _log.warning("warm-up imports still running after %.0f s; %s runs anyway", LIBRARIES_WAIT_S, url_path)
    locked = _first_run_lock.acquire(timeout=FIRST_VISIT_WAIT_S)
    if not locked:
        _log.warning("another page's first run took over %.0f s; %s runs anyway", FIRST_VISIT_WAIT_S, url_path)
    try:
        yield
        _visited.add(url_path)
    finally:
        if locked:
            _first_run_lock.release()
