"""Every registered page, through AppTest: renders, survives every control, keeps the page contract.

These tests come from ui/registry.py, so a page is tested as soon as it is registered.
"""

from __future__ import annotations

import json
import random

import pytest

from tests.apptest_helpers import assert_healthy, other_value, run_page, set_value, widgets
from ui.registry import HOME, PAGES

ALL = (HOME, *PAGES)
IDS = [p.url_path for p in ALL]
CLICK_ROUNDS = 3
CLICKS_PER_ROUND = 2


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_default_render(spec):
    at = run_page(spec.path)
    assert_healthy(at, spec.path)
    assert at.title and spec.title in at.title[0].value
    if spec is HOME:
        return
    assert at.get("plotly_chart"), f"{spec.path}: no live figure"
    assert at.get("latex"), f"{spec.path}: no formula (st.latex)"
    notice = [m.value for m in at.markdown if "What to notice" in m.value]
    assert notice, f"{spec.path}: no 'What to notice' text"
    controls = [(kind, w.key) for kind, w in widgets(at)]
    assert controls, f"{spec.path}: no URL-bound controls"
    _check_seed_controls_randomness(spec, at, controls)

    # An invalid value for the first control in the URL falls back to its default with a visible notice.
    key = controls[0][1]
    at = run_page(spec.path, {key: "\u00a7not-a-valid-value\u00a7"})
    assert_healthy(at, spec.path)
    notices = [x.value for x in at.warning if "link" in x.value]
    assert notices and key in notices[0], f"{spec.path}: no notice for an invalid URL value of {key}"


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_widget_takes_a_new_value(spec):
    """Each control in turn moves to another valid value (cumulatively, one rerun each): no traceback."""
    at = run_page(spec.path)
    keys = [(kind, w.key) for kind, w in widgets(at)]
    for kind, key in keys:
        match = [w for k, w in widgets(at) if k == kind and w.key == key]
        if not match:
            continue  # the control only exists in another mode of the page
        value = other_value(kind, match[0])
        if value is None:
            continue
        set_value(kind, match[0], value)
        at.run()
        assert_healthy(at, f"{spec.path} {key}={value!r}")


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_random_settings(spec):
    """Seeded random draws of every control together: no traceback, only deliberate messages."""
    rng = random.Random(1234)
    for draw in range(4):
        at = run_page(spec.path)
        done: set[str] = set()
        for _ in range(2):  # a second pass for controls that appear only once others are set
            fresh = [(kind, w) for kind, w in widgets(at) if w.key not in done]
            if not fresh:
                break
            for kind, w in fresh:
                done.add(w.key)
                value = other_value(kind, w, rng)
                if value is not None:
                    set_value(kind, w, value)
            at.run()
            assert_healthy(at, f"{spec.path} draw {draw}")


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_random_clicks_between_settings(spec):
    """Random buttons (Play, Next, a step arrow, Train, …) clicked between random control changes: no traceback.

    A click's run is where a write to a widget's key after the widget was drawn shows up ("cannot be modified
    after the widget with that key is instantiated"), e.g. a Play that moved its slider at the end of the run.
    Every toggle starts on, since toggles are what reveal step-through controls and their buttons.
    """
    rng = random.Random(2024)
    at = run_page(spec.path)
    for kind, w in widgets(at):
        if kind == "toggle":
            w.set_value(True)
    at.run()
    assert_healthy(at, f"{spec.path} toggles on")
    for round_ in range(CLICK_ROUNDS):
        controls = list(widgets(at))
        if controls:
            kind, w = rng.choice(controls)
            value = other_value(kind, w, rng)
            if value is not None:
                set_value(kind, w, value)
                at.run()
                assert_healthy(at, f"{spec.path} round {round_}: {w.key}={value!r}")
        clicked: set[str] = set()  # two different buttons per round (a run redraws them: pick again each time)
        for _ in range(CLICKS_PER_ROUND):
            buttons = [b for b in at.button if not b.disabled and b.id not in clicked]
            if not buttons:
                break
            button = rng.choice(buttons)
            clicked.add(button.id)
            button.click().run()
            assert_healthy(at, f"{spec.path} round {round_}: click {button.label!r}")


def _figure_data(at) -> list:
    """The data of every Plotly figure on the page (traces only: titles and layout may quote the seed)."""
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def _check_seed_controls_randomness(spec, at, controls) -> None:
    """Same seed → identical figure data; another seed → different data. A page without a seed control must
    draw the same figures on every render (no hidden, unseeded randomness)."""
    seed_keys = [key for _, key in controls if key == "seed" or key.endswith("seed")]
    first = _figure_data(at)
    again = run_page(spec.path)
    assert _figure_data(again) == first, f"{spec.path}: two renders with the same settings draw different figures"
    if not seed_keys or not any(trace for figure in first for trace in figure):
        return  # no seed, or nothing random drawn yet (a training page before Train): determinism is the check
    seed_widget = next(w for _, w in widgets(at) if w.key == seed_keys[0])
    other = run_page(spec.path, {seed_keys[0]: str(int(seed_widget.value) + 1)})
    assert_healthy(other, f"{spec.path} with another seed")
    assert _figure_data(other) != first, f"{spec.path}: seed {seed_keys[0]} does not change any figure"
