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


# 90 % of a screen, so that a figure cut at one screen's bottom edge shows whole on the next
SCROLL_ONE_SCREEN_JS = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  main.scrollBy(0, 0.9 * main.clientHeight);
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--out", default="/tmp/screens")
    parser.add_argument("--query", default="")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument(
        "--screens",
        type=int,
        default=1,
        help="Screens per page: after the first, the page scrolled one screen down each",
    )
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
                for screen in range(args.screens):
                    if screen:
                        # Streamlit scrolls its main section, not the document: full_page alone shows one screen
                        page.evaluate(SCROLL_ONE_SCREEN_JS)
                        page.wait_for_timeout(700)  # figures drawn lazily as they come into view
                    target = out / (f"{path}.png" if screen == 0 else f"{path}-{screen + 1}.png")
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
            browser.close()
    finally:
        serve.stop(proc)


if __name__ == "__main__":
    main()
