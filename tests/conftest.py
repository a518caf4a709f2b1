"""Shared fixtures: caches are process-global in AppTest, so every test starts with empty ones; the browser
tests' server and Chromium."""

import pytest
import streamlit as st
import torch

from ui import shared_memo

# The suite runs on 2 xdist workers on 2 cores: one torch thread per worker avoids OpenMP threads of the two
# workers spinning against each other (measured: 100x slow-downs of small sparse matvecs under contention).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    shared_memo.clear_all()
    yield


@pytest.fixture(scope="module")
def server():
    """`streamlit run app.py` on a free loopback port for one test module: its base URL."""
    from scripts.screenshot import free_port, start_server
    from scripts.serve import stop

    port = free_port()
    proc = start_server(port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, for one test module."""
    from playwright.sync_api import sync_playwright

    from scripts.screenshot import CHROMIUM_ARGS
    from tests.browser_helpers import CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
