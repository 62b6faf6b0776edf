"""Debian's chromium, headless, driven by Playwright: for the browser tests and the reading
room's screenshots (``./run test`` and ``./run screenshots`` install chromium and a CJK font)."""

from __future__ import annotations

import os
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def installed() -> bool:
    return os.path.exists(CHROMIUM)


def launch(playwright, env: dict | None = None):
    """A headless chromium browser (``env``: the browser's environment, e.g. a font config)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
