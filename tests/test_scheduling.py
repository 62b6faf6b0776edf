"""What schedulers and long backfills rely on: the archive lock, exit codes, the summary line,
date-range backfills, progress lines, and resuming a killed crawl with JOBDIR."""

from __future__ import annotations

import os
from pathlib import Path
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from archive.db import open_archive
from archive.lock import ArchiveLock
from archive.query import export_records
from samplesite.portals import build_sites
from samplesite.server import Resource, Site, SiteServer

from .conftest import ROOT, TEST_SETTINGS, run_crawl


def archived_urls(db_path) -> list[str]:
    return [r["url"] for r in export_records(open_archive(db_path, create=False))]


def test_second_crawl_on_a_locked_archive_exits_at_once_and_touches_nothing(portals, tmp_path):
    sites, server = portals
    db_path = tmp_path / "news.db"
    with ArchiveLock(db_path):  # a crawl (this test process) holds the archive
        started = time.monotonic()
        crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/"], db_path)
        took = time.monotonic() - started
    assert crawl.returncode == 75
    assert f"archive {db_path} is in use by another writer (pid {os.getpid()})" in crawl.log
    assert not db_path.exists()
    assert crawl.requests["jiaodong"] == []
    assert took < 30


def test_the_lock_belongs_to_the_file_whatever_name_reaches_it(portals, tmp_path):
    sites, server = portals
    db_path = tmp_path / "news.db"
    first = run_crawl(server, [server.base_urls["jiaodong"] + "/"], db_path)
    assert first.returncode == 0
    (tmp_path / "link.db").symlink_to(db_path)
    os.link(db_path, tmp_path / "hard.db")
    (tmp_path / "sub").mkdir()
    with ArchiveLock(db_path):
        for name, cwd in (("link.db", tmp_path), ("hard.db", tmp_path), ("../news.db", tmp_path / "sub")):
            crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/"], Path(name), cwd=cwd)
            assert crawl.returncode == 75, (name, crawl.log[-2000:])
            assert f"archive {name} is in use by another writer (pid {os.getpid()})" in crawl.log
            assert crawl.requests["jiaodong"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.db", "link.db", "news.db", "sub"]


def test_a_rejected_archive_path_leaves_nothing_behind(portals, tmp_path):
    sites, server = portals
    start = [server.base_urls["jiaodong"] + "/"]
    (tmp_path / "folder").mkdir()
    for path, settings, says in (
        (tmp_path / "folder", {}, "is a directory"),
        (tmp_path / "new" / "news.db", {"NEWS_REVISIT_RUNS": "-1"}, "NEWS_REVISIT_RUNS must be 0 or more"),
        (tmp_path / "news.db", {"ARCHIVE_BATCH_SIZE": "many"}, "ARCHIVE_BATCH_SIZE must be a whole number"),
    ):
        crawl = run_crawl(server, start, path, **settings)
        assert crawl.returncode == 2, crawl.log[-2000:]
        assert says in crawl.log.strip().splitlines()[-1]
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    assert list((tmp_path / "folder").iterdir()) == []


def test_normal_finish_exits_0_with_a_summary_line_and_run_row(portals, tmp_path):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/"], tmp_path / "a.db")
    assert crawl.returncode == 0
    summary = [line for line in crawl.log.splitlines() if line.startswith("crawl finished:")]
    assert len(summary) == 1
    run = crawl.db().execute("SELECT * FROM crawl_runs").fetchone()
    assert f"new {run['articles_new']}, updated 0, unchanged {run['articles_unchanged']}," in summary[0]
    assert f"pages {run['pages_fetched']}," in summary[0] and f"failed {run['errors']}," in summary[0]


def test_unreachable_start_urls_exit_3(tmp_path):
    with SiteServer([Site("gone", {})]) as server:  # take a free port, then close it
        url = server.base_urls["gone"] + "/"
    crawl = run_crawl(SiteServer([]), [url], tmp_path / "a.db")
    assert crawl.returncode == 3
    assert "nothing fetched" in crawl.log


def test_error_share_over_the_threshold_exits_4(tmp_path):
    links = "".join(f'<a href="/content/202101/2{i}/content_{i}00000.shtml">新闻{i}</a>' for i in range(8))
    site = Site("broken", {"/": Resource(f"<html><body><p>{links}</p></body></html>".encode()),
                           "/robots.txt": Resource(b"User-agent: *\n", "text/plain")})
    with SiteServer([site]) as server:
        crawl = run_crawl(server, [server.base_urls["broken"] + "/"], tmp_path / "a.db")
        lenient = run_crawl(server, [server.base_urls["broken"] + "/"], tmp_path / "b.db", NEWS_MAX_ERROR_RATIO="0.9")
    assert crawl.returncode == 4
    assert "8 of 11 requests failed" in crawl.log
    assert lenient.returncode == 0


def test_backfill_archives_only_the_range_and_skips_before_fetching(portals, tmp_path):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls[n] + "/" for n in ("pdnews", "jiaodong")], tmp_path / "a.db",
                      _args=["-a", "since=2021-01-27", "-a", "until=2021-02-03"])
    assert crawl.returncode == 0, crawl.log[-2000:]
    base = server.base_urls["pdnews"]
    expected = {base + e["url"] for e in sites["pdnews"].expected if "2021-01-27" <= e["published_at"][:10] <= "2021-02-03"}
    assert set(archived_urls(crawl.db_path)) == expected
    assert not [p for p in crawl.requests["jiaodong"] if p.startswith("/news/")]  # dated March: never fetched
    stats = crawl.stats()
    assert stats["news/backfill/skipped_before_fetch"] >= 10


@pytest.mark.parametrize("args, message", [
    (["-a", "since=March"], "since must be a day like 2021-03-01"),
    (["-a", "since=2021-03-15", "-a", "until=2021-03-01"], "since (2021-03-15) is after until (2021-03-01)"),
])
def test_bad_backfill_range_is_a_one_line_error(args, message):
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=http://127.0.0.1:9/", *args],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def slow_portals() -> list[Site]:
    sites = [s for s in build_sites() if s.name in ("pdnews", "jiaodong")]
    for site in sites:
        for resource in site.resources.values():
            resource.delay = max(resource.delay, 0.25)
    return sites


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_backfill_resumes_with_jobdir_without_loss_or_duplicates(sig, tmp_path):
    sites = slow_portals()
    db_path, jobdir = tmp_path / "news.db", tmp_path / "job"
    settings = {**TEST_SETTINGS, "CONCURRENT_REQUESTS": "2", "ARCHIVE_BATCH_SIZE": "3", "JOBDIR": str(jobdir),
                "NEWS_PROGRESS_INTERVAL": "0.5"}
    with SiteServer(sites) as server:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a",
               "start_urls=" + ",".join(server.base_urls[s.name] + "/" for s in sites), "-s", f"ARCHIVE_PATH={db_path}"]
        for name, value in settings.items():
            cmd += ["-s", f"{name}={value}"]
        first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(db_path) < 6:
            time.sleep(0.2)
        before_kill = set(archived_urls(db_path))
        assert 0 < len(before_kill) < 20, "the crawl should be killed midway"
        first.send_signal(sig)
        _, first_log = first.communicate(timeout=60)
        requested_before = {n: len(p) for n, p in server.requests.items()}
        answered_304_before = {n: len(p) for n, p in server.not_modified.items()}
        second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-2000:]
        after_paths = {n: p[requested_before[n]:] for n, p in server.requests.items()}
        answered_304 = {server.base_urls[n] + path for n, p in server.not_modified.items()
                        for path in p[answered_304_before[n]:]}
        expected = {server.base_urls[s.name] + e["url"] for s in sites for e in s.expected}
    urls = archived_urls(db_path)
    assert sorted(urls) == sorted(expected)  # everything, each once
    refetched = {server.base_urls[n] + p for n, paths in after_paths.items() for p in paths} & before_kill
    # nothing archived before the kill was downloaded again; a link text the killed run had
    # met but not yet recorded costs a conditional re-check ("304 Not Modified") at most
    assert refetched - answered_304 == set()
    assert "progress:" in first_log


def test_one_progress_line_per_interval_and_none_of_scrapys(tmp_path):
    sites = [s for s in slow_portals() if s.name == "pdnews"]  # every page 0.25 s late: a few seconds
    with SiteServer(sites) as server:
        crawl = run_crawl(server, [server.base_urls["pdnews"] + "/"], tmp_path / "news.db",
                          CONCURRENT_REQUESTS="2", NEWS_PROGRESS_INTERVAL="0.5")
    assert crawl.returncode == 0, crawl.log[-2000:]
    duration = float(re.search(r"crawl finished: .*, duration (\d+\.\d)s", crawl.log)[1])
    lines = [line for line in crawl.log.splitlines() if "progress: " in line]
    assert duration >= 2
    assert abs(len(lines) - duration / 0.5) <= 1  # one each NEWS_PROGRESS_INTERVAL
    assert "Crawled " not in crawl.log and "pages/min" not in crawl.log  # Scrapy's LogStats is off
    assert re.search(r"progress: \d+ pages \(\d+/min\), \d+ articles archived, \d+ failed, \d+ queued$", lines[-1])


def _count(db_path) -> int:
    try:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_start_url_that_fails_exits_3_even_when_other_pages_answer(portals, tmp_path):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/no-such-channel/"], tmp_path / "a.db")
    assert crawl.returncode == 3
    assert "1 of 1 start URLs could not be fetched" in crawl.log


def test_one_unreachable_site_among_several_exits_3(portals, tmp_path):
    sites, server = portals
    with SiteServer([Site("gone", {})]) as gone:
        dead = gone.base_urls["gone"] + "/"
    crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/", dead], tmp_path / "a.db")
    assert crawl.returncode == 3
    assert "1 of 2 start URLs could not be fetched" in crawl.log
    assert len(archived_urls(crawl.db_path)) == len(sites["jiaodong"].expected)  # the other site was archived


def test_backfill_days_are_the_site_timezone():
    from archive.clock import day_of
    from crawler.backfill import DateRange

    rng = DateRange.from_args("2021-03-01", "2021-03-01")
    assert day_of("2021-02-28T20:00:00+00:00", "Asia/Shanghai").isoformat() == "2021-03-01"
    assert not rng.modified_before_since("2021-02-28T20:00:00Z", "Asia/Shanghai")  # 04:00 on the 1st there
    assert rng.modified_before_since("2021-02-28T15:59:00Z", "Asia/Shanghai")
