"""``python -m samplesite.screenshots`` (``./run screenshots``): pictures of the reading room.

Builds the showcase archive (:mod:`samplesite.showcase`: real crawls of the sample portals,
a portal that corrects articles, and a partner republishing it), serves it with
``datasette``, and saves what a headless chromium shows into ``demo-output/``:

* ``readingroom-list.png``: the articles list after typing a Chinese search;
* ``readingroom-article.png``: an article with its versions and their differences, its copy
  on the other site, related links both ways and the page as captured;
* ``readingroom-sites.png``: articles per day and field coverage per site;
* ``readingroom-runs.png``: the crawl runs.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import browser
from .showcase import build_showcase, showcase_article

QUERY = "平度"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path) -> tuple[subprocess.Popen, str]:
    """``datasette serve db`` on a free port of 127.0.0.1, once it answers: (process, base URL)."""
    port = _free_port()
    exe = Path(sys.executable).parent / "datasette"
    proc = subprocess.Popen([str(exe), "serve", str(db), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"datasette did not start on {base}") from None
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samplesite.screenshots", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="demo-output", help="folder for the pictures and the archive")
    ap.add_argument("--reuse", action="store_true", help="use the archive an earlier run built")
    args = ap.parse_args(argv)
    if not browser.installed():
        print(f"screenshots: chromium is not installed at {browser.CHROMIUM} (./run screenshots installs it)",
              file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "readingroom.db"
    if not (args.reuse and db.exists()):
        print(f"crawling the sample portals into {db} (three crawls; log: {db.with_suffix('.log')}) ...", flush=True)
        codes = build_showcase(db, db.with_suffix(".log"))
        if any(codes):
            print(f"screenshots: a crawl failed (exit codes {codes}); see {db.with_suffix('.log')}", file=sys.stderr)
            return 1
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        article = showcase_article(conn)
    name = db.stem
    proc, base = serve(db)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium = browser.launch(p)
            try:
                page = chromium.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{base}/{name}/-/articles")
                page.fill("input[name=q]", QUERY)
                page.press("input[name=q]", "Enter")
                page.wait_for_url("**q=*")
                shots = [("readingroom-list.png", None)]
                page.screenshot(path=str(out / shots[0][0]), full_page=True)
                for file, path in (("readingroom-article.png", f"/articles/{article}"),
                                   ("readingroom-sites.png", "/sites"), ("readingroom-runs.png", "/runs")):
                    page.goto(f"{base}/{name}/-{path}", wait_until="load")
                    # frames out of the window are not painted: make the window the page's height
                    page.set_viewport_size({"width": 1280, "height": page.evaluate("document.body.scrollHeight")})
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / file), full_page=True)
                    page.set_viewport_size({"width": 1280, "height": 900})
                    shots.append((file, path))
            finally:
                chromium.close()
    finally:
        proc.terminate()
        proc.wait(10)
    for file, _ in shots:
        print(f"saved {out / file}")
    print(f"(to browse it yourself: datasette {db}, then open /{name}/-/articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
