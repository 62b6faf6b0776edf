"""A crawl whose archive fails under it (removed, replaced, disk full) stops at once and
exits 74 with one line naming the problem; it never reports success, and what it had
committed to a removed or replaced file is saved beside it."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from samplesite.server import SiteServer
from samplesite.synthetic import build_synthetic_site

from .conftest import ROOT, TEST_SETTINGS

ARTICLES = 300


@pytest.fixture(scope="module")
def portal():
    # a page every 20 ms: the crawl lasts long enough for the archive to fail under it
    site = build_synthetic_site(ARTICLES, seed=5)
    for res in site.resources.values():
        res.delay = 0.02
    with SiteServer([site]) as server:
        yield server.base_urls["synthetic"] + "/"


def _crawl(start: str, db: Path, *, preexec=None, **settings) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start}", "-s", f"ARCHIVE_PATH={db}",
           "-s", "ARCHIVE_BATCH_SIZE=10"]
    for name, value in {**TEST_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "4", **settings}.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=preexec)


def _articles(db: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def _when_archived(db: Path, n: int, action) -> threading.Thread:
    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _articles(db) < n:
            time.sleep(0.05)
        action()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("how", ["file removed", "folder removed", "file replaced"])
def test_an_archive_removed_or_replaced_mid_crawl_stops_it_with_exit_74(portal, tmp_path, how):
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "news.db"

    def fail():
        if how == "file removed":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        elif how == "folder removed":
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()
        else:
            replacement = tmp_path / "other.db"
            sqlite3.connect(replacement).execute("CREATE TABLE t (x)").connection.close()
            os.replace(replacement, db)

    crawl = _crawl(portal, db)
    _when_archived(db, 20, fail)
    out, err = crawl.communicate(timeout=300)
    assert crawl.returncode == 74, err[-3000:]
    line = _last_line(err)
    assert line.startswith(f"scrapy crawl news: the archive {db} was {how.split()[-1]}"), line
    assert "Traceback" not in err
    assert "crawl archive_failed" in out or "crawl finished" not in out
    if how == "file replaced":  # the file put there is left as it was: no stale -wal read into it
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]
    rescued = sorted(tmp_path.glob("archive/news.db.rescued-*"))
    if how == "folder removed":
        assert "removed with its folder during the crawl; what this crawl wrote is lost with it" in line
        assert not rescued
    else:
        # what the crawl had committed is saved beside the path, and said so
        assert len(rescued) == 1 and str(rescued[0]) in line
        with closing(sqlite3.connect(rescued[0])) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= 20


def _file_size_limit(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a 1.5 MB filesystem of its own (a tmpfs, when this process may mount one)
    and a function giving it room again; else None."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(folder)],
                                           capture_output=True).returncode:
        yield None
        return
    try:
        yield folder, lambda: subprocess.run(["mount", "-o", "remount,size=64m", str(folder)], check=True)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)  # (lazy: even if still open)


def test_a_full_disk_stops_the_crawl_with_exit_74_and_keeps_what_was_committed(portal, tmp_path, small_disk):
    if small_disk:
        folder, make_room = small_disk
        db, preexec, says = folder / "news.db", None, "the disk is full"
    else:  # a file-size limit instead: SQLite reports it as an I/O error
        db, make_room = tmp_path / "news.db", lambda: None
        preexec, says = _file_size_limit(1_500_000), "(disk I/O error)"
    crawl = _crawl(portal, db, preexec=preexec)
    out, err = crawl.communicate(timeout=300)
    assert crawl.returncode == 74, err[-3000:]
    line = _last_line(err)
    assert line.startswith("scrapy crawl news: cannot "), line
    assert str(db) in line and says in line and "articles of this crawl were not stored" in line
    assert "Traceback" not in err
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < stored < ARTICLES
    # once there is room again, the next crawl stores the rest
    make_room()
    again = _crawl(portal, db)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    assert _articles(db) == ARTICLES
