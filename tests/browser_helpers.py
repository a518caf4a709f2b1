"""What the browser tests share: where Chromium is, the marks every browser test carries, the idle selector.

The fixtures themselves (``server``: one `streamlit run app.py` per test module; ``browser``: one Chromium per
test module) live in tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
"""Debian's Chromium (Playwright drives it instead of a downloaded browser)."""

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
"""The app's root once its script run has ended."""

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one worker runs every browser module: one server and browser at a time
    # Without a browser these tests cannot run; under CI that is a failure (scripts/run_tests.sh exits first).
    pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true", reason="chromium is not installed"),
]
"""``pytestmark`` of a browser test module."""


def browser_test(test):
    """BROWSER_MARKS on one test of a module that is not all browser tests."""
    for mark in reversed(BROWSER_MARKS):
        test = mark(test)
    return test
