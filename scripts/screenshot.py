"""Screenshot pages of the running app in headless Chromium (for looking at what a user sees).

Usage: .venv/bin/python scripts/screenshot.py URL_PATH [URL_PATH ...] [--out DIR] [--query 'a=1&b=2']
Starts `streamlit run app.py` on a free port, opens each page, waits for the script to finish and the
charts to draw, and writes DIR/<url_path>.png (default DIR: /tmp/screens).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts import serve

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port, warmed up (see scripts/serve.py), returned once ready."""
    return serve.start(port)


def wait_for_page(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    page.wait_for_timeout(2000)  # let Plotly and fragments finish drawing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--out", default="/tmp/screens")
    parser.add_argument("--query", default="")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            for path in args.paths:
                url = f"http://127.0.0.1:{port}/{'' if path == 'home' else path}"
                if args.query:
                    url += "?" + args.query
                page.goto(url)
                wait_for_page(page)
                target = out / f"{path}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
