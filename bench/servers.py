"""Servers the browser benchmarks start: the app's (scripts/serve.py) and the baseline one-line Streamlit page's."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.screenshot import free_port
from scripts.serve import stop

ONE_LINE_APP = 'import streamlit as st\nst.set_page_config(page_icon=":material/home:")\nst.title("Hello")\n'
"""The baseline page: Streamlit's floor for a server and a page (its favicon set, as the app's is: without it
the browser fetches one)."""


def launch(script: Path, cwd: Path, port: int | None = None, poll_s: float = 0.05) -> tuple[subprocess.Popen, int]:
    """Plain `streamlit run script` (no settings added), returned once its health endpoint answers; (process,
    port). Polls every ``poll_s``: the cold-start benchmark times from the launch, so the poll bounds its error."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                return proc, port
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit run {script} exited with {proc.returncode}") from None
                time.sleep(poll_s)
    except BaseException:
        stop(proc)
        raise
