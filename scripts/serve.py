"""Start `streamlit run app.py` and warm it up before the first visitor arrives.

Usage: python scripts/serve.py [--port 8501] [--address 127.0.0.1] [extra streamlit flags...]

``--address 0.0.0.0`` serves the room: anyone on the same network can open the printed address (no login; see
README "Serving a classroom"). The default, 127.0.0.1, is this machine only.

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
import socket
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


THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that cap the BLAS and OpenMP (torch intra-op) threads of the server at one each."""
MALLOC_ARENAS = "2"
"""glibc's malloc arenas (``MALLOC_ARENA_MAX``). Its default, 8 per core, lets the script threads (one per rerun
of every session) spread their arrays over many arenas, and what a session frees stays in those arenas as free
but unreturned pages. bench_memory (20 reruns of every page, 40 trained-and-closed sessions), the same run with
each setting: RSS at the end 701 MB with the default, 630 MB with 2 arenas (after the tour 626 and 649, the
tour's own noise); the closed sessions' trainers are freed either way (tests/test_trainer_release.py)."""


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: this one, one BLAS and one torch thread per computing thread (unless set).

    Why one: every browser session computes in its own script thread, and OpenMP gives each such thread its own
    team of workers, so with 2 threads each, two students training at once already ran 4 busy threads on 2
    cores, and the spinning workers slowed everyone (``torch.set_num_threads`` is process-wide, so the
    per-trainer ``torch_threads`` blocks cannot bound it per session). The app's matrix products are small
    anyway: on 2 busy cores a 24×3600 product took 10 ms of CPU with two OpenBLAS threads, 0.9 ms with one.
    """
    env = {**os.environ, **(extra or {})}
    for name in THREAD_LIMITS:
        env.setdefault(name, "1")
    env.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENAS)
    return env


def lan_address() -> str | None:
    """This machine's address on its local network (the one a default route leaves from), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # connecting a UDP socket sends nothing; it only picks a route
            return probe.getsockname()[0]
        except OSError:
            return None


def start(
    port: int,
    address: str = "127.0.0.1",
    extra: list[str] | None = None,
    quiet: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """`streamlit run app.py` on address:port (``env`` added to its environment), returned once warmed up."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        *(extra or []),
    ]  # fmt: skip
    output = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output, env=server_env(env))
    try:
        host = "127.0.0.1" if address in ("0.0.0.0", "") else address
        warm_up(f"http://{host}:{port}")
    except BaseException:
        proc.kill()
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    """Stop a server: SIGTERM, and SIGKILL if it has not exited 15 s later (Streamlit waits for a session's
    script thread, e.g. a trainer still playing in a tab)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    args, extra = parser.parse_known_args()
    proc = start(args.port, args.address, extra, quiet=False)
    if args.address in ("0.0.0.0", ""):
        where = lan_address() or "<this machine's address>"
        print(
            f"ML Playground is ready for the room: http://{where}:{args.port} (anyone on this network can open it)",
            flush=True,
        )
    else:
        print(f"ML Playground is ready: http://{args.address}:{args.port}", flush=True)
    try:
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        sys.exit(proc.wait())


if __name__ == "__main__":
    main()
