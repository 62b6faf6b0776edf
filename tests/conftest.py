"""Shared fixtures: the bundled sample portals served on 127.0.0.1, and real crawls of them
through ``scrapy crawl news`` in a subprocess (Scrapy's reactor runs once per process)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from samplesite.portals import build_sites
from samplesite.server import SiteServer

ROOT = Path(__file__).resolve().parents[1]

# Settings the test crawls run with: no politeness delay against our own local server, and
# small limits so the timeout and oversized pages of the sample sites trip quickly.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "2",
    "DOWNLOAD_MAXSIZE": str(1024 * 1024),
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawl:
    """The outcome of one ``scrapy crawl news`` run."""

    returncode: int
    log: str
    db_path: Path
    requests: dict[str, list[str]]  # site name -> paths requested during this crawl
    not_modified: dict[str, list[str]]  # site name -> paths answered "304 Not Modified"

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        return conn

    def stats(self, run: int = -1) -> dict:
        rows = self.db().execute("SELECT stats FROM crawl_runs ORDER BY id").fetchall()
        return json.loads(rows[run]["stats"])


def run_crawl(server: SiteServer, start_urls: list[str], db_path: Path, cwd: Path = ROOT, _args: tuple = (),
              **settings) -> Crawl:
    """Run ``scrapy crawl news`` on ``start_urls`` into ``db_path`` (None: the default
    ARCHIVE_PATH) with TEST_SETTINGS overridden by ``settings``; ``_args``: more CLI args."""
    before = {name: len(paths) for name, paths in server.requests.items()}
    before_304 = {name: len(paths) for name, paths in server.not_modified.items()}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=" + ",".join(start_urls), *_args]
    if db_path is not None:
        cmd += ["-s", f"ARCHIVE_PATH={db_path}"]
    for name, value in {**TEST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{name}={value}"]
    env = {"SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **env})
    requests = {name: paths[before.get(name, 0):] for name, paths in server.requests.items()}
    not_modified = {name: paths[before_304.get(name, 0):] for name, paths in server.not_modified.items()}
    return Crawl(proc.returncode, proc.stderr + proc.stdout, db_path, requests, not_modified)


@pytest.fixture(scope="session")
def portals():
    """The three sample portals, served for the whole test session: (sites by name, server)."""
    sites = build_sites()
    with SiteServer(sites) as server:
        yield {site.name: site for site in sites}, server


@pytest.fixture(scope="session")
def first_crawl(portals, tmp_path_factory) -> Crawl:
    """One crawl of all three portals into a fresh archive."""
    sites, server = portals
    db_path = tmp_path_factory.mktemp("crawl") / "news.db"
    crawl = run_crawl(server, [server.base_urls[name] + "/" for name in sites], db_path)
    assert crawl.returncode == 0, crawl.log[-3000:]
    return crawl


def wait_until_serving(url: str, proc: subprocess.Popen, seconds: float = 10.0) -> None:
    """Wait until the server ``proc`` (stdout piped) answers ``url``; fail with its output
    when it exits first or does not answer within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read().decode())
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url} within {seconds:.0f} s")
            time.sleep(0.05)


@contextlib.contextmanager
def serving_datasette(source: Path, folder: Path, name: str = "news.db"):
    """``datasette serve`` of a copy of the archive ``source`` (as ``folder/name``) on a free
    port of 127.0.0.1, once it answers; yields (base URL, the copy's path)."""
    path = folder / name
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "datasette"
    proc = subprocess.Popen([str(exe), "serve", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/-/versions.json", proc, 20)
        yield base, path
    finally:
        proc.terminate()
        proc.wait(10)
