"""Every registered page, through AppTest: renders, survives every control, keeps the page contract.

These tests come from ui/registry.py, so a page is tested as soon as it is registered.
"""

from __future__ import annotations

import random

import pytest

from tests.apptest_helpers import assert_healthy, other_value, run_page, set_value, widgets
from ui.registry import HOME, PAGES

ALL = (HOME, *PAGES)
IDS = [p.url_path for p in ALL]


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_default_render(spec):
    at = run_page(spec.path)
    assert_healthy(at, spec.path)
    assert at.title and spec.title in at.title[0].value
    if spec is not HOME:
        charts = at.get("plotly_chart")
        assert charts, f"{spec.path}: no live figure"
        assert at.get("latex") or at.markdown, f"{spec.path}: no formula"
        notice = [m.value for m in at.markdown if "What to notice" in m.value]
        assert notice, f"{spec.path}: no 'What to notice' text"


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_widget_takes_a_new_value(spec):
    at = run_page(spec.path)
    seen = [(kind, w.key) for kind, w in widgets(at)]
    assert seen, f"{spec.path}: no URL-bound controls"
    assert any(key == "seed" or key.endswith("seed") for _, key in seen) or not _uses_randomness(spec), (
        f"{spec.path}: no seed control"
    )
    for kind, key in seen:
        at = run_page(spec.path)
        match = [w for k, w in widgets(at) if k == kind and w.key == key]
        if not match:
            continue  # the widget only exists in another mode of the page
        value = other_value(kind, match[0])
        if value is None:
            continue
        set_value(kind, match[0], value)
        at.run()
        assert_healthy(at, f"{spec.path} {key}={value!r}")


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_random_settings(spec):
    """Many seeded random draws of every control together: no traceback, only deliberate messages."""
    rng = random.Random(1234)
    for draw in range(6):
        at = run_page(spec.path)
        for _ in range(2):  # twice: some controls appear only once others are set
            for kind, w in list(widgets(at)):
                value = other_value(kind, w, rng)
                if value is not None:
                    set_value(kind, w, value)
            at.run()
            assert_healthy(at, f"{spec.path} draw {draw}")


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_invalid_url_value_falls_back_with_notice(spec):
    at = run_page(spec.path)
    _kind, w = next(iter(widgets(at)))
    at = run_page(spec.path, {w.key: "\u00a7not-a-valid-value\u00a7"})
    assert_healthy(at, spec.path)
    notices = [x.value for x in at.warning if "link" in x.value]
    assert notices and w.key in notices[0], f"{spec.path}: no notice for an invalid URL value of {w.key}"


def _uses_randomness(spec) -> bool:
    source = open(spec.path, encoding="utf-8").read()
    return "seed" in source
