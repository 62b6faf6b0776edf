"""An archive that shows every part of the reading room, made by real crawls of sample portals.

:func:`build_showcase` serves the three sample portals, the changing portal
(:mod:`samplesite.changing`) and a second site that republishes the changing portal word for
word (a syndication partner), crawls them all into a fresh archive, then lets the changing
portal publish its stage 2 (corrections, new titles, new articles) and crawls the two again.
The archive then holds articles with several versions, copies on another site, related
links both ways, captures, and three crawl runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from .changing import build_changing_site
from .portals import build_sites
from .server import SiteServer

COPY_SITE = "changing-copy"
# As the demo's (samplesite/demo.py); corrections are looked for in articles up to 3 days old.
CRAWL_SETTINGS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_TIMEOUT=3",
                  "DOWNLOAD_MAXSIZE=1048576", "LOG_LEVEL=INFO", "NEWS_RECHECK_DAYS=3", "NEWS_RECHECK_BACKOFF=0"]


def crawl(start_urls: list[str], db: Path, log: Path) -> int:
    """One ``scrapy crawl news`` into ``db`` (log appended to ``log``); its exit code."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=" + ",".join(start_urls),
           "-s", f"ARCHIVE_PATH={db}", "-s", f"LOG_FILE={log}"]
    for setting in CRAWL_SETTINGS:
        cmd += ["-s", setting]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode


def build_showcase(db: Path, log: Path) -> list[int]:
    """Crawl the showcase sites into ``db`` (removed first); returns the crawls' exit codes."""
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), log):
        leftover.unlink(missing_ok=True)
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)
    changing = build_changing_site(1, now)
    # the partner serves the same pages (the same resources, so it changes with the original)
    partner = dataclasses.replace(changing, name=COPY_SITE)
    sites = [*build_sites(), changing, partner]
    codes = []
    with SiteServer(sites) as server:
        everything = [server.base_urls[s.name] + "/" for s in sites]
        codes.append(crawl(everything, db, log))
        stage2 = build_changing_site(2, now, dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
                                     + dt.timedelta(seconds=1))
        changing.resources.clear()
        changing.resources.update(stage2.resources)
        codes.append(crawl([server.base_urls[changing.name] + "/"], db, log))
        codes.append(crawl([server.base_urls[COPY_SITE] + "/"], db, log))
    return codes


def showcase_article(conn) -> int | None:
    """The id of the article that shows the most: a corrected body, a copy on another site,
    related links to and from it, a capture (a sqlite3 connection to the archive)."""
    row = conn.execute(
        "SELECT a.id FROM articles a WHERE a.capture_id IS NOT NULL ORDER BY "
        "EXISTS (SELECT 1 FROM article_versions v WHERE v.article_id = a.id AND v.body != a.body) "
        "+ (a.near_duplicate_of IS NULL AND EXISTS "
        " (SELECT 1 FROM articles c WHERE c.near_duplicate_of = a.url)) "
        "+ EXISTS (SELECT 1 FROM related_links r WHERE r.article_id = a.id) "
        "+ EXISTS (SELECT 1 FROM related_links r WHERE r.url = a.url) DESC, a.versions DESC, a.id LIMIT 1"
    ).fetchone()
    return row[0] if row else None
