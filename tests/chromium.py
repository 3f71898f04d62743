"""Debian's Chromium under Playwright, one way for every browser test.

The Makefile installs Chromium before the tests run (`make chromium`), so a missing
browser is a failure, never a skip. Playwright never downloads a browser of its
own: it is handed /usr/bin/chromium, with the flags that keep it off the network.
"""

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium(profile: Path, width: int, height: int) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile in ``profile``."""
    if not CHROMIUM.is_file() or shutil.which("chromium") is None:
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `make chromium` (part of "
            "`make test`) installs Debian's package; Playwright must not fetch one"
        )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=LAUNCH_ARGS,
            headless=True,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()
