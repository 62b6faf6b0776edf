"""Crawling from several worker processes into one archive: ``news-crawl worker`` (Dramatiq
jobs over a real redis-server), ``news-archive writer`` and ``news-crawl dispatch``, on the
three sample portals (one site group each).

- Two workers and one writer make the archive a one-process crawl makes, and the dispatcher
  prints one line over the jobs and exits 0.
- Chaos: the writer SIGKILLed after 20+ acknowledged entries and started again, one worker
  SIGKILLed while it holds a job and not started again: the run still completes (its job
  runs on the other worker), the archive equals the reference, nothing stays pending.
- A second run over unchanged sites (workers reading the archive) fetches what a second
  one-process crawl fetches and adds nothing; a backfill split into 3 date windows per site
  group archives what a one-process backfill archives.
- A dispatch while the previous run is going exits 75.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.streamwriter import DEFAULT_STREAM
from tests.conftest import ROOT, TEST_SETTINGS, run_crawl
from samplesite.server import SiteServer
from samplesite.synthetic import build_synthetic_site
from tests.redisserver import RedisServer
from tests.test_stream import pending, snapshot, writer_cmd

HEARTBEAT = "4"  # seconds without a sign of life before a dead worker's job runs elsewhere
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def worker(url: str, *args: str) -> subprocess.Popen:
    settings = [arg for name, value in {**TEST_SETTINGS, "LOG_LEVEL": "WARNING"}.items() for arg in ("-s", f"{name}={value}")]
    return subprocess.Popen([sys.executable, "-m", "crawler.fleet.cli", "worker", "--redis", url,
                             "--heartbeat-timeout", HEARTBEAT, *args, *settings],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def dispatch(url: str, sites: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler.fleet.cli", "dispatch", "--redis", url, "--sites", str(sites),
                             "--heartbeat-timeout", HEARTBEAT, "--writer-timeout", "120", *args],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (started by any of its threads)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def acknowledged(client) -> int:
    """Entries the writer's group read and acknowledged so far."""
    groups = client.xinfo_groups(DEFAULT_STREAM)
    return (groups[0]["entries-read"] or 0) - groups[0]["pending"] if groups else 0


def stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def fleet(portals, tmp_path):
    """(redis server, sites file, processes to stop at the end)."""
    sites, server = portals
    redis_server = RedisServer(tmp_path / "redis").start()
    sites_file = tmp_path / "sites.txt"
    sites_file.write_text("# one site group per line\n" + "".join(server.base_urls[name] + "/\n" for name in sites))
    procs: list[subprocess.Popen] = []
    yield redis_server, sites_file, procs
    stop_all(procs)
    redis_server.stop()


def content(db_path: Path) -> dict:
    """What a run's archive holds (its runs' counts aside)."""
    got = snapshot(db_path)
    del got["runs"]
    return got


def test_two_workers_and_a_writer_archive_what_one_process_archives(fleet, first_crawl, tmp_path):
    redis_server, sites_file, procs = fleet
    procs += [subprocess.Popen(writer_cmd(tmp_path / "news.db", redis_server.url), cwd=ROOT, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), worker(redis_server.url),
              worker(redis_server.url)]
    run = dispatch(redis_server.url, sites_file)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert out.startswith("run finished: jobs 3 (0 failed), pages 107, new 33, updated 0, unchanged 4, failed 16,")
    assert snapshot(tmp_path / "news.db") == snapshot(first_crawl.db_path)  # run counts too
    client = redis_server.client()
    assert client.xlen(DEFAULT_STREAM) == 0 and pending(client) == 0


def test_a_killed_writer_and_a_killed_worker_lose_nothing(fleet, first_crawl, tmp_path):
    redis_server, sites_file, procs = fleet
    client = redis_server.client()
    workers = [worker(redis_server.url), worker(redis_server.url)]
    procs += workers
    run = dispatch(redis_server.url, sites_file)
    procs.append(run)
    # one worker killed while its crawl runs; nobody starts it again
    deadline = time.monotonic() + 60
    while not children(workers[0].pid):
        assert time.monotonic() < deadline, "the first worker never took a job"
        time.sleep(0.05)
    crawl = children(workers[0].pid)[0]
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait()
    time.sleep(0.5)
    assert not Path(f"/proc/{crawl}").exists() or "zombie" in Path(f"/proc/{crawl}/status").read_text()
    # the writer starts late, is killed after 20+ acknowledged entries, and starts again
    while client.xlen(DEFAULT_STREAM) < 25:
        assert time.monotonic() < deadline + 60 and run.poll() is None
        time.sleep(0.05)
    db = tmp_path / "news.db"
    first = subprocess.Popen(writer_cmd(db, redis_server.url, "--batch", "2"), cwd=ROOT, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while acknowledged(client) < 20:  # (the workers keep adding entries meanwhile)
        assert first.poll() is None, first.stderr.read()
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert client.xlen(DEFAULT_STREAM) > 0, "killed before the stream was written"
    procs.append(subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert out.startswith("run finished: jobs 3 (0 failed)")
    assert content(db) == content(first_crawl.db_path)
    assert client.xlen(DEFAULT_STREAM) == 0 and pending(client) == 0


def test_a_dispatch_while_the_previous_run_goes_on_exits_75(fleet):
    redis_server, sites_file, _ = fleet
    redis_server.client().set(DEFAULT_STREAM + ":dispatch", "earlier-run", ex=60)
    run = dispatch(redis_server.url, sites_file)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 75
    assert err.strip() == "news-crawl dispatch: the previous run (earlier-run) is still going"


def test_a_second_run_fetches_what_a_one_process_recrawl_fetches_and_adds_nothing(fleet, portals, tmp_path):
    """Workers read the archive (a read-only view here) for the incremental checks."""
    redis_server, sites_file, procs = fleet
    sites, server = portals
    starts = [server.base_urls[name] + "/" for name in sites]

    def requests() -> int:
        return sum(len(paths) for paths in server.requests.values())

    run_crawl(server, starts, tmp_path / "one.db")
    first = requests()
    run_crawl(server, starts, tmp_path / "one.db")
    one_process = requests() - first
    db = tmp_path / "news.db"
    procs += [subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE),
              worker(redis_server.url, "--archive", str(db)), worker(redis_server.url, "--archive", str(db))]
    outs = []
    for _ in range(2):
        mark = requests()
        run = dispatch(redis_server.url, sites_file)
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        outs.append((out, requests() - mark))
    assert outs[1][1] == one_process < outs[0][1]  # robots, sitemaps, feeds, listings, the revisit budget
    assert ", new 0, updated 0," in outs[1][0]
    assert content(db) == content(tmp_path / "one.db")


def test_a_backfill_split_into_windows_archives_what_one_process_archives(fleet, portals, tmp_path):
    redis_server, _, procs = fleet
    sites, server = portals
    starts = [server.base_urls[n] + "/" for n in ("pdnews", "jiaodong")]
    window = ("-a", "since=2021-01-27", "-a", "until=2021-02-03")
    reference = run_crawl(server, starts, tmp_path / "one.db", _args=window)
    assert reference.returncode == 0, reference.log[-2000:]
    sites_file = tmp_path / "backfill.txt"
    sites_file.write_text("".join(url + "\n" for url in starts))
    db = tmp_path / "news.db"
    procs += [subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE), worker(redis_server.url), worker(redis_server.url)]
    run = dispatch(redis_server.url, sites_file, "--since", "2021-01-27", "--until", "2021-02-03", "--windows", "3")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert out.startswith("run finished: jobs 6 (0 failed)")
    got, want = content(db), content(tmp_path / "one.db")
    assert got["articles"] == want["articles"] and got["articles"]
    assert got == want


def test_sigterm_stops_a_worker_cleanly_and_hands_its_job_back(fleet, first_crawl, tmp_path):
    redis_server, sites_file, procs = fleet
    db = tmp_path / "news.db"
    first = worker(redis_server.url)
    procs += [subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE), first]
    run = dispatch(redis_server.url, sites_file)
    procs.append(run)
    deadline = time.monotonic() + 60
    while not children(first.pid):
        assert time.monotonic() < deadline, "the worker never took a job"
        time.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 0
    assert "worker stopped" in first.stderr.read()
    procs.append(worker(redis_server.url))  # the job handed back runs here
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert out.startswith("run finished: jobs 3 (0 failed)")
    assert content(db) == content(first_crawl.db_path)


def test_jobs_cover_each_group_and_window_and_keep_the_password_off_the_command_line(tmp_path):
    from crawler.fleet.jobs import crawl_command, plan, read_sites, windows

    sites = tmp_path / "sites.txt"
    sites.write_text("# two groups\nhttp://a.test/ http://m.a.test/\n\nhttp://b.test/\n")
    groups = read_sites(sites)
    assert groups == [["http://a.test/", "http://m.a.test/"], ["http://b.test/"]]
    assert windows(dt.date(2021, 1, 1), dt.date(2021, 1, 10), 3) == [
        (dt.date(2021, 1, 1), dt.date(2021, 1, 4)), (dt.date(2021, 1, 5), dt.date(2021, 1, 7)),
        (dt.date(2021, 1, 8), dt.date(2021, 1, 10))]
    assert windows(dt.date(2021, 1, 1), dt.date(2021, 1, 2), 5) == [
        (dt.date(2021, 1, 1), dt.date(2021, 1, 1)), (dt.date(2021, 1, 2), dt.date(2021, 1, 2))]
    jobs = plan("run-1", groups, dt.date(2021, 1, 1), dt.date(2021, 1, 10), 3)
    assert [(j.start_urls, j.since, j.until) for j in jobs][:3] == [
        (("http://a.test/", "http://m.a.test/"), "2021-01-01", "2021-01-04"),
        (("http://a.test/", "http://m.a.test/"), "2021-01-05", "2021-01-07"),
        (("http://a.test/", "http://m.a.test/"), "2021-01-08", "2021-01-10")]
    assert len(jobs) == 6 and len({j.job for j in jobs}) == 6
    cmd = crawl_command(jobs[0], "news:entries", None, ["LOG_LEVEL=INFO"])
    assert "since=2021-01-01" in cmd and "NEWS_RUN=run-1" in cmd and "NEWS_SINK=redis" in cmd
    assert not [arg for arg in cmd if "redis://" in arg]  # the URL (with its password) goes in the environment
    sites.write_text("http://a.test/ ftp://b.test/\n")
    with pytest.raises(ValueError, match="line 1: start_urls must be http"):
        read_sites(sites)


def test_a_run_without_workers_ends_at_its_timeout_with_exit_5(fleet, tmp_path):
    redis_server, sites_file, procs = fleet
    procs.append(subprocess.Popen(writer_cmd(tmp_path / "news.db", redis_server.url), cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    run = dispatch(redis_server.url, sites_file, "--timeout", "2")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 5
    assert out.startswith("run timeout: jobs 3 (0 failed), pages 0, new 0,")
    assert err.strip().splitlines()[0] == "news-crawl dispatch: 0 of 3 jobs done when the run ran out of time (2s)"
    assert "Traceback" not in err
    assert not redis_server.client().exists(DEFAULT_STREAM + ":dispatch")  # the next run may start
    row = sqlite3.connect(tmp_path / "news.db").execute("SELECT finish_reason, ended_at IS NOT NULL FROM crawl_runs")
    assert row.fetchall() == [("timeout", 1)]


def test_a_second_run_over_a_large_unchanged_site_makes_under_a_tenth_of_its_requests(tmp_path):
    """The 2,000-article portal as one site group: the second run asks for robots.txt,
    sitemaps, feeds, listings and the revisit budget's share, not for the archived articles."""
    site = build_synthetic_site(2000)
    redis_server = RedisServer(tmp_path / "redis").start()
    procs: list[subprocess.Popen] = []
    try:
        with SiteServer([site]) as server:
            sites_file = tmp_path / "sites.txt"
            sites_file.write_text(server.base_urls[site.name] + "/\n")
            db = tmp_path / "news.db"
            procs += [subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE), worker(redis_server.url, "--archive", str(db))]
            counts, lines = [], []
            for _ in range(2):
                before = len(server.requests[site.name])
                run = dispatch(redis_server.url, sites_file)
                out, err = run.communicate(timeout=300)
                assert run.returncode == 0, err
                counts.append(len(server.requests[site.name]) - before)
                lines.append(out)
    finally:
        stop_all(procs)
        redis_server.stop()
    assert ", new 2000," in lines[0] and ", new 0, updated 0," in lines[1]
    assert counts[1] / counts[0] <= 0.10, counts
