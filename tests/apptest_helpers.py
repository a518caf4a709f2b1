"""Driving any registered page with Streamlit's AppTest: render, poke every widget, check the contract."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.contract import CAUTION_ICON, PROBLEM_ICON, URL_ICON

TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent

# widget collections of an AppTest that take a value
VALUE_WIDGETS = ("slider", "select_slider", "selectbox", "radio", "number_input", "toggle", "checkbox", "multiselect")


def run_page(path: str, query: dict[str, str] | None = None) -> AppTest:
    """Run the real app (app.py, with its navigation) and open the page at ``path``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()  # Home: st.navigation registers the pages (their url_path, not the file name, names them)
    if path != "pages/course/home.py":
        at.switch_page(path)
        at.run()
    return at


def array_of(value) -> np.ndarray:
    """A figure's numbers from its JSON: a list, or Plotly's typed-array form {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    return np.asarray(value, dtype=float)


def property_paths(obj, prefix: str = "") -> set[str]:
    """Every property path of a figure's JSON (into dicts and lists of dicts), empty lists, dicts and nulls (unset
    for Plotly.js; validation drops them) left out."""
    if isinstance(obj, dict):
        return {
            path
            for key, value in obj.items()
            if value not in ([], {}, None)
            for path in {f"{prefix}{key}"} | property_paths(value, f"{prefix}{key}.")
        }
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return {path for i, value in enumerate(obj) for path in property_paths(value, f"{prefix}{i}.")}
    return set()


def assert_valid_figure(fig) -> dict:
    """A figure written without validation (viz.plain's JSON form, or an unvalidated go.Figure) is what Plotly's
    validation accepts: it raises on a misspelt property, and keeps every property set (none dropped as
    invalid). Returns the figure's JSON as Plotly.js gets it."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    spec = json.loads(pio.to_json(fig, validate=False, engine="json"))
    validated = go.Figure(spec).to_plotly_json()  # raises ValueError on an invalid property
    assert property_paths(json.loads(pio.to_json(validated, validate=False, engine="json"))) == property_paths(spec)
    return spec


def all_charts(at: AppTest) -> list:
    """Every figure on the page: the st.plotly_chart ones, and the live charts a training frame draws instead
    (ui/live_chart.py, a custom component: AppTest lists it as an unknown "bidi_component" element)."""
    return [*at.get("plotly_chart"), *at.get("bidi_component")]


def assert_healthy(at: AppTest, context: str = "") -> None:
    """No traceback on the page, and every error/warning shown is one of the deliberate messages."""
    assert not at.exception, f"{context}: exception on page: {[e.value for e in at.exception]}"
    for error in at.error:
        assert error.icon == PROBLEM_ICON, f"{context}: undeliberate error {error.value!r}"
        assert len(error.value) > 15, f"{context}: error message too short to name the problem: {error.value!r}"
    for warning in at.warning:
        assert warning.icon in (CAUTION_ICON, URL_ICON), f"{context}: undeliberate warning {warning.value!r}"


def widgets(at: AppTest):
    """Every value widget on the page (with a key), in page order within each kind."""
    for kind in VALUE_WIDGETS:
        for w in getattr(at, kind):
            if w.key:
                options = raw_options(at, w.key) if kind in ("selectbox", "radio", "multiselect") else None
                yield kind, Poke(w, options)


class Poke:
    """A widget plus the real values of its options (for choice widgets)."""

    def __init__(self, widget, options):
        self.widget = widget
        self.raw_options = options

    def __getattr__(self, name):
        return getattr(self.widget, name)

    def set_value(self, value):
        return self.widget.set_value(value)


def raw_options(at: AppTest, key: str) -> list:
    """The real option values of a choice widget made by a ui.* helper (AppTest only sees their labels)."""
    run = at.session_state["_ui_run"] if "_ui_run" in at.session_state else {}
    entry = run.get("widgets", {}).get(key)
    if entry is None or entry[1] is None:
        raise AssertionError(f"widget {key!r} was not made with a ui.* helper (its options are unknown)")
    return list(entry[1])


def other_value(kind: str, w, rng: random.Random | None = None):
    """A valid value different from the widget's current one (random when ``rng`` is given)."""
    pick = (lambda seq: rng.choice(list(seq))) if rng else (lambda seq: list(seq)[-1])
    if kind in ("toggle", "checkbox"):
        return (not w.value) if rng is None else rng.random() < 0.5
    if kind in ("selectbox", "radio"):
        options = [o for o in w.raw_options if o != w.value]
        return pick(options) if options else None
    if kind == "select_slider":
        return pick(w.options)
    if kind == "multiselect":
        options = list(w.raw_options)
        if rng:
            return rng.sample(options, rng.randint(0, len(options)))
        return options[:1] if list(w.value) != options[:1] else options[:2]
    if kind in ("slider", "number_input"):
        lo, hi = w.min, w.max
        value = w.value
        if isinstance(value, (tuple, list)):
            return None
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if lo is None or hi is None:
            lo = value - 10 if lo is None else lo
            hi = value + 10 if hi is None else hi
        if rng:
            x = rng.uniform(float(lo), float(hi))
            step = getattr(w, "step", None) or (1 if is_int else 0)
            if step:
                x = lo + round((x - lo) / step) * step
                x = min(max(x, lo), hi)
            return round(x) if is_int else float(x)
        return hi if value != hi else lo
    return None


def set_value(kind: str, w, value) -> None:
    w.set_value(value)


def train_to_end(at: AppTest, session: str, max_reruns: int = 400) -> AppTest:
    """Rerun while the training session ``session`` is running (its Pause button is shown): each rerun is one
    more time-sized chunk (ui/training.py), as the fragment's timer would run it in a browser."""
    for _ in range(max_reruns):
        if not any(b.key == f"{session}_pause" for b in at.button):
            return at
        at.run()
    raise AssertionError(f"{session}: still training after {max_reruns} reruns")
