"""Start `streamlit run app.py` and warm it up before the first visitor arrives.

Usage: python scripts/serve.py [--port 8501] [--address 127.0.0.1] [extra streamlit flags...]

Why a warm-up: on a fresh server Streamlit routes the very first session through its legacy ``pages/`` folder
discovery (our scripts live in ``pages/<section>/``, and the folder's mere existence switches it on until
``st.navigation`` runs once). A deep link opened as that first request would show "Page not found". Running
app.py once through the script health check (``server.scriptHealthCheckEnabled`` in .streamlit/config.toml)
turns the legacy routing off for the life of the process and imports the shared modules before any visitor
does (no race between concurrent first imports).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def warm_up(base_url: str, timeout: float = 120) -> None:
    """Wait for the health endpoint, then run app.py once through the script health check."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2)
            break
        except OSError:
            if time.time() > deadline:
                raise RuntimeError("streamlit did not come up") from None
            time.sleep(0.2)
    try:
        urllib.request.urlopen(f"{base_url}/_stcore/script-health-check", timeout=timeout)
    except OSError as error:  # a failing script still starts the server; its error shows on the page
        print(f"warm-up run of app.py did not finish cleanly: {error}", file=sys.stderr)


def start(
    port: int, address: str = "127.0.0.1", extra: list[str] | None = None, quiet: bool = True
) -> subprocess.Popen:
    """`streamlit run app.py` on address:port, returned once warmed up."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        *(extra or []),
    ]  # fmt: skip
    output = subprocess.DEVNULL if quiet else None
    # One BLAS thread: the app's matrix products are small, and a second OpenBLAS thread mostly spins (measured
    # on 2 busy cores: a 24×3600 product took 10 ms of CPU with two threads, 0.9 ms with one).
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    proc = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output, env=env)
    try:
        host = "127.0.0.1" if address in ("0.0.0.0", "") else address
        warm_up(f"http://{host}:{port}")
    except BaseException:
        proc.kill()
        raise
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    args, extra = parser.parse_known_args()
    proc = start(args.port, args.address, extra, quiet=False)
    print(f"ML Playground is ready: http://{args.address}:{args.port}", flush=True)
    try:
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        sys.exit(proc.wait())


if __name__ == "__main__":
    main()
