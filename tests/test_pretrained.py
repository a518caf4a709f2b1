"""Every training page opens on its shipped, trained result (issue 18: a shared link shows something trained).

The files in core/pretrained are made by ``python -m scripts.make_pretrained`` from the pages' own default runs;
when a page's defaults change, its file no longer matches and this test says which page to regenerate.
"""

from __future__ import annotations

import pytest

from core.snapshot import PRETRAINED_DIR
from tests.apptest_helpers import assert_healthy, run_page
from ui.registry import PAGES

TRAINING_PAGES = [
    "rl-dqn",
    "rl-policy-gradient",
    "rl-actor-critic",
    "nn-trainer",
    "cnn-skip-connections",
    "gen-diffusion",
]
SHIPPED_BUDGET_BYTES = 1_000_000
"""All shipped results together stay small enough for the repository (a few hundred kB)."""


@pytest.mark.parametrize("url_path", TRAINING_PAGES)
def test_training_page_opens_on_a_shipped_result(url_path):
    spec = next(p for p in PAGES if p.url_path == url_path)
    at = run_page(spec.path)
    assert_healthy(at, spec.path)
    lines = [c.value for c in at.caption if "shipped pre-trained result" in c.value]
    assert lines, f"{url_path}: no shipped result for its defaults: run python -m scripts.make_pretrained {url_path}"
    # trained, not just loaded: the count shown is past zero
    assert not lines[0].startswith("0 "), lines[0]


def test_shipped_results_are_small():
    files = list(PRETRAINED_DIR.glob("*.npz"))
    assert files
    assert sum(f.stat().st_size for f in files) < SHIPPED_BUDGET_BYTES
