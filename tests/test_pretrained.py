"""Every training page opens on its shipped, trained result (issue 18: a shared link shows something trained).

The files in core/pretrained are made by ``python -m scripts.make_pretrained`` from the pages' own default runs;
when a page's defaults change, its file no longer matches and this test says which page to regenerate.
"""

from __future__ import annotations

import pytest

from core.snapshot import PRETRAINED_DIR
from tests.apptest_helpers import ROOT, assert_healthy, run_page
from ui.registry import PAGES

# Every page that trains through the shared session (directly or through ui/rl_training.py).
TRAINING_PAGES = [
    spec.url_path
    for spec in PAGES
    if any(call in (ROOT / spec.path).read_text() for call in ("TrainingSession(", "train_and_report("))
]
SHIPPED_BUDGET_BYTES = 2_000_000
"""All shipped results together stay small enough for the repository (about 25 trained models)."""
SHIPPED_FILE_BYTES = 250_000
"""One shipped model: a few hundred kB at most (the generative-models issue's limit)."""


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
    too_big = [f.name for f in files if f.stat().st_size > SHIPPED_FILE_BYTES]
    assert not too_big, f"shipped results over {SHIPPED_FILE_BYTES:,} bytes: {too_big}"


def test_module_runs_round_trip(tmp_path):
    """A finished skip-connection net and a finished ε_θ come back with the same weights, curve and counters."""
    import numpy as np
    import torch

    from core.deep import skip_connections as skip
    from core.errors import InputError
    from core.generative import diffusion as diff

    config = skip.SkipConfig("MLP", 2, 8, "tanh", "He", 0.02, 16, 1)
    net = skip.SkipTrainer(config, residual=True, total_steps=4)
    with pytest.raises(InputError, match="finished"):
        skip.save_shipped(net, tmp_path)
    net.train_chunk(4)
    skip.save_shipped(net, tmp_path)
    back = skip.load_shipped(config, True, 4, tmp_path)
    assert back.finished and back.steps == 4 and back.losses == pytest.approx(net.losses)
    assert skip.load_shipped(config, False, 4, tmp_path) is None  # the plain net was not shipped
    x = torch.zeros(3, 64)
    with torch.no_grad():
        np.testing.assert_allclose(back.net(x).numpy(), net.net(x).numpy(), rtol=1e-6)

    train = diff.TrainConfig("two moons", 200, "linear", 20, 64, 2e-3, 5, seed=2)
    eps = diff.DiffusionTrainer(train)
    eps.train_chunk(5)
    diff.save_shipped(eps, tmp_path)
    restored = diff.load_shipped(train, tmp_path)
    assert restored.finished and restored.losses == pytest.approx(eps.losses)
    points = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_allclose(restored.eps_fn(points, 7), eps.eps_fn(points, 7), rtol=1e-5)
