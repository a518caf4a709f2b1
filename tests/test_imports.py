"""torch (~0.8 s and ~300 MB to import) loads only for the pages that train or run a torch model.

Each page is a script, so the test imports what its top level imports (the modules a run of the page loads before
it draws anything) in one fresh interpreter, page after page, and names the first page after which ``torch`` is in
``sys.modules``. app.py's own imports and Home come first: they are what a cold start loads before Home draws.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from tests.apptest_helpers import ROOT
from ui.registry import COURSE, PAGES

# The pages that need torch: they train a torch network live or restore a shipped torch model.
TORCH_PAGES = {
    "rl-dqn",
    "rl-policy-gradient",
    "rl-actor-critic",
    "cnn-skip-connections",
    "seq-rnn-lstm",
    "seq-transformer",
    "seq-vit",
    "generative-vae",
    "generative-reparameterization",
    "generative-gan",
    "generative-vae-vs-gan",
    "gen-diffusion",
    "gen-digit-diffusion",
    "gen-latent-diffusion",
}

# Imports one group of modules after another and prints the name of the first group after which torch is loaded
# (or null). A module that fails to import fails the test: a page whose imports break is not torch-free.
PROBE = """
import importlib, json, sys
for name, modules in json.loads(sys.argv[1]):
    for module in modules:
        importlib.import_module(module)
    if "torch" in sys.modules:
        print(json.dumps(name))
        break
else:
    print(json.dumps(None))
"""


def top_level_imports(path: str) -> list[str]:
    """The absolute imports at the top level of a script (``from a import b``: a, and a.b when b is a module);
    imports inside functions are deliberate lazy imports and are left out."""
    modules = []
    for node in ast.parse((ROOT / path).read_text()).body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            modules.append(node.module)
            # `from viz.rl import tabular` imports a submodule: name it, so the probe imports it too
            modules += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if (ROOT / node.module.replace(".", "/") / f"{alias.name}.py").exists()
            ]
    return modules


def test_top_level_imports_find_the_page_modules():
    """The probe's input is right: a page's core and viz modules (given as `from viz.rl import tabular`) are in."""
    modules = top_level_imports("pages/rl/q_learning_sarsa.py")
    assert {"core.rl.tabular", "viz.rl.tabular", "ui.contract", "streamlit"} <= set(modules)


def test_torch_loads_only_for_the_pages_that_need_it():
    assert TORCH_PAGES <= {spec.url_path for spec in PAGES}, "TORCH_PAGES names a page that is not registered"
    groups = [("app.py", top_level_imports("app.py"))]
    groups += [(spec.url_path, top_level_imports(spec.path)) for spec in (*COURSE, *PAGES)]
    groups = [(name, modules) for name, modules in groups if name not in TORCH_PAGES]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(groups)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    first = json.loads(probe.stdout.strip().splitlines()[-1])
    assert first is None, (
        f"importing {first!r} (after app.py, Home and the torch-free pages before it) loads torch: move the torch "
        "import into the function that needs it, or add the page to TORCH_PAGES if it trains a torch model"
    )


def test_the_probe_sees_torch():
    """The probe is not blind: a torch page's imports do load torch."""
    groups = [("rl-dqn", top_level_imports("pages/rl/dqn.py"))]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(groups)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == "rl-dqn", probe.stderr[-2000:]
