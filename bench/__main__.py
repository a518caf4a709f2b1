"""Run every benchmark and rewrite docs/benchmarks.md: `python -m bench` (about 20 minutes) or `--quick` (~2).

Each module in bench/ exposes ``run(quick) -> str``, its Markdown section, with every timing also given as a
ratio against a baseline measured in the same run. ``--only NAME ...`` runs some of them and keeps the other
sections of the file as they were. Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
# In the order the course sheet teaches them, then the pages as a whole, then serving a class; any other bench/bench_*.py follows.
ORDER = (
    "bench_value_iteration",
    "bench_tabular_rl",
    "bench_deep_rl",
    "bench_nn_trainer",
    "bench_sequence",
    "bench_vae",
    "bench_gan",
    "bench_vae_vs_gan",
    "bench_digit_diffusion",
    "bench_rerun",
    "bench_browser",
    "bench_memory",
    "bench_load",
    "bench_replicas",
)
FOUND = sorted(path.stem for path in (ROOT / "bench").glob("bench_*.py"))
MODULES = tuple(name for name in ORDER if name in FOUND) + tuple(name for name in FOUND if name not in ORDER)
MARK = "<!-- section: {} -->"


def _header(quick: bool) -> str:
    import numpy
    import torch

    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"Measured {date.today().isoformat()} by `python -m bench{' --quick' if quick else ''}` on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy "
            f"{numpy.__version__}, torch {torch.__version__} (CPU). Each section "
            "comes from one module in `bench/` (`python -m bench --only <module>` reruns one); every timing is "
            "given against a baseline measured in the same run, so a busy machine shows in both. Timings live "
            "here, never as test assertions.",
            "",
        ]
    )


def _sections(text: str) -> dict[str, str]:
    """The sections of an existing file, by module name."""
    parts = re.split(r"<!-- section: (\w+) -->\n", text)
    return {parts[i]: parts[i + 1].rstrip() + "\n" for i in range(1, len(parts) - 1, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short version of every benchmark (~2 minutes)")
    parser.add_argument("--only", nargs="+", choices=MODULES, help="run these, keep the other sections")
    parser.add_argument("--print", action="store_true", help="print instead of rewriting docs/benchmarks.md")
    args = parser.parse_args()
    old = _sections(DOC.read_text()) if DOC.exists() else {}
    sections = {}
    for name in MODULES:
        if args.only and name not in args.only:
            if name in old:
                sections[name] = old[name]
            continue
        start = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        sections[name] = module.run(quick=args.quick).rstrip() + "\n"
        print(f"[bench] {name} done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    text = _header(args.quick) + "\n".join(f"{MARK.format(name)}\n{body}" for name, body in sections.items())
    if args.print:
        print(text)
    else:
        DOC.write_text(text)
        print(f"[bench] wrote {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
