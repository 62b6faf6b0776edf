"""Crawls that send their items through Redis (``NEWS_SINK=redis``) and the archive's one
writer (``python -m archive writer``), with a real redis-server on 127.0.0.1 (tests/redisserver.py).

- The archive the writer makes equals the archive of a crawl writing it itself: the same
  URLs, content, aliases, related links, captures and run counts.
- A writer killed mid-stream and started again writes nothing twice (counts exact) and leaves
  nothing pending; a batch committed but not acknowledged is skipped when delivered again.
- An unreadable entry goes to the dead-letter stream, counted; the others are written.
- A second writer exits 75; SIGTERM stops a writer cleanly (exit 0, nothing pending).
- Redis unreachable, or gone mid-crawl: the crawl exits 5 with one line on stderr.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import open_archive
from archive.entries import encode
from archive.streamwriter import DEFAULT_STREAM, GROUP, StreamWriter
from samplesite.server import SiteServer
from samplesite.synthetic import build_synthetic_site
from tests.conftest import ROOT, run_crawl
from tests.redisserver import RedisServer, free_port


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def writer_cmd(db: Path, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "archive", "writer", "--db", str(db), "--redis", url, *args]


def run_writer(db: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(writer_cmd(db, url, *args), capture_output=True, text=True, cwd=ROOT, timeout=300)


def snapshot(db_path: Path) -> dict:
    """What must be equal between two archives of the same crawl (ids and times aside)."""
    db = sqlite3.connect(db_path)
    articles = {url: row for url, *row in db.execute(
        "SELECT url, title, body, published_at, author, source, content_hash, site, language, pages FROM articles")}
    by_id = dict(db.execute("SELECT id, url FROM articles"))
    aliases = sorted((by_id[a], u) for u, a in db.execute("SELECT url, article_id FROM article_urls"))
    related = sorted((by_id[a], p, u) for a, p, u in db.execute("SELECT article_id, position, url FROM related_links"))
    captures = sorted((by_id.get(a), u, d, p) for a, u, d, p in db.execute(
        "SELECT article_id, url, payload_digest, page FROM captures"))
    runs = db.execute("SELECT pages_fetched, articles_new, articles_updated, articles_unchanged, items_dropped, "
                      "errors, finish_reason FROM crawl_runs ORDER BY id").fetchall()
    return {"articles": articles, "aliases": aliases, "related": related, "captures": captures, "runs": runs}


def pending(client) -> int:
    return client.xpending(DEFAULT_STREAM, GROUP)["pending"]


def test_a_crawl_through_redis_is_archived_as_a_crawl_into_the_archive(portals, first_crawl, redis_server, tmp_path):
    sites, server = portals
    starts = [server.base_urls[name] + "/" for name in sites]
    crawl = run_crawl(server, starts, None, NEWS_SINK="redis", NEWS_REDIS_URL=redis_server.url)
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert "sent 37 to the archive's writer" in crawl.log  # 33 articles and 4 unchanged copies
    assert not (ROOT / "archive.db").exists()  # nothing written but the stream
    done = run_writer(tmp_path / "news.db", redis_server.url, "--until-idle")
    assert done.returncode == 0, done.stderr
    assert "0 moved to news:entries:dead" in done.stdout
    got, want = snapshot(tmp_path / "news.db"), snapshot(first_crawl.db_path)
    assert got["articles"] == want["articles"] and len(got["articles"]) == 33
    for part in ("aliases", "related", "captures", "runs"):
        assert got[part] == want[part], part
    client = redis_server.client()
    assert client.xlen(DEFAULT_STREAM) == 0 and pending(client) == 0  # acknowledged and deleted
    run = sqlite3.connect(tmp_path / "news.db").execute("SELECT run_key, ended_at, start_urls FROM crawl_runs").fetchone()
    assert run[0] and run[1] and sorted(json.loads(run[2])) == sorted(starts)


@pytest.fixture(scope="module")
def big_stream(tmp_path_factory):
    """A 300-article portal crawled into a Redis stream (left unread) and, as the reference,
    into an archive: (redis server, reference archive, crawl log)."""
    tmp = tmp_path_factory.mktemp("stream")
    site = build_synthetic_site(300)
    server_redis = RedisServer(tmp / "redis").start()
    with SiteServer([site]) as server:
        start = [server.base_urls[site.name] + "/"]
        crawl = run_crawl(server, start, None, NEWS_SINK="redis", NEWS_REDIS_URL=server_redis.url)
        assert crawl.returncode == 0, crawl.log[-3000:]
        reference = run_crawl(server, start, tmp / "reference.db")
        assert reference.returncode == 0, reference.log[-3000:]
    server_redis.client().bgrewriteaof()
    yield server_redis, tmp / "reference.db"
    server_redis.stop()


def test_a_writer_killed_mid_stream_and_started_again_writes_nothing_twice(big_stream, tmp_path):
    server_redis, reference = big_stream
    client = server_redis.client()
    total = client.xlen(DEFAULT_STREAM)
    assert total > 300
    db = tmp_path / "news.db"
    proc = subprocess.Popen(writer_cmd(db, server_redis.url, "--batch", "5"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while total - client.xlen(DEFAULT_STREAM) < 20:  # at least 20 entries written and acknowledged
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else ""
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = client.xlen(DEFAULT_STREAM)
    assert 0 < left <= total - 20, "killed mid-stream"
    again = run_writer(db, server_redis.url, "--until-idle")
    assert again.returncode == 0, again.stderr
    assert snapshot(db) == snapshot(reference)  # counts in crawl_runs exact: nothing written twice
    assert client.xlen(DEFAULT_STREAM) == 0 and pending(client) == 0


def test_a_batch_committed_but_not_acknowledged_is_skipped_when_delivered_again(tmp_path, redis_server, monkeypatch):
    client = redis_server.client()
    for n in range(3):
        client.xadd(DEFAULT_STREAM, encode("article", "run-1", "job-1", {
            "url": f"http://news.test/a/{n}.html", "title": f"标题{n}号新闻稿件", "body": f"正文第{n}段。" * 20,
            "site": "news.test", "related": [], "captures": [{"url": f"http://news.test/a/{n}.html",
                                                              "fetched_at": "2026-12-01T00:00:00+00:00",
                                                              "status": 200, "body": b"<html>\x00\xff</html>"}]}))
    client.xadd(DEFAULT_STREAM, encode("run_end", "run-1", "job-1", {"reason": "finished", "stats": {}}))
    db = open_archive(tmp_path / "news.db")
    first = StreamWriter(db, client)
    monkeypatch.setattr(first, "_acknowledge", lambda ids: None)  # the writer dies between COMMIT and XACK
    first.drain()
    assert pending(client) == 4
    second = StreamWriter(db, client)
    second.drain()
    assert second.counts["skipped"] == 4 and second.counts["applied"] == 0
    assert pending(client) == 0 and client.xlen(DEFAULT_STREAM) == 0
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert db.execute("SELECT articles_new, finish_reason FROM crawl_runs").fetchall() == [(3, "finished")]
    (body,) = db.execute("SELECT body FROM captures LIMIT 1").fetchone()
    assert body  # bytes travel through the stream as they came


def test_an_unreadable_entry_goes_to_the_dead_letter_stream(tmp_path, redis_server):
    client = redis_server.client()
    client.xadd(DEFAULT_STREAM, {"v": "1", "kind": "article", "run": "r", "job": "j", "data": "{not json"})
    client.xadd(DEFAULT_STREAM, {"v": "99", "kind": "article", "run": "r", "job": "j", "data": "{}"})
    client.xadd(DEFAULT_STREAM, encode("run_end", "r", "j", {"reason": "finished", "stats": {}}))
    done = run_writer(tmp_path / "news.db", redis_server.url, "--until-idle")
    assert done.returncode == 0, done.stderr
    assert "1 entries written, 0 written before (replayed), 2 moved to news:entries:dead" in done.stdout
    dead = client.xrange(DEFAULT_STREAM + ":dead")
    assert [fields[b"v"] for _, fields in dead] == [b"1", b"99"]
    assert b"JSON" in dead[0][1][b"error"] and b"version" in dead[1][1][b"error"]
    assert client.xlen(DEFAULT_STREAM) == 0 and pending(client) == 0


def test_a_second_writer_exits_75_and_sigterm_stops_the_first_cleanly(tmp_path, redis_server):
    db = tmp_path / "news.db"
    first = subprocess.Popen(writer_cmd(db, redis_server.url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    client = redis_server.client()
    deadline = time.monotonic() + 30
    while not client.exists(DEFAULT_STREAM):  # the group (and its stream) exists: the writer serves
        assert first.poll() is None and time.monotonic() < deadline, first.stderr.read() if first.poll() is not None else ""
        time.sleep(0.05)
    second = run_writer(db, redis_server.url, "--until-idle")
    assert second.returncode == 75
    assert len(second.stderr.strip().splitlines()) == 1 and "in use by another writer" in second.stderr
    client.xadd(DEFAULT_STREAM, encode("run_end", "r", "j", {"reason": "finished", "stats": {}}))
    while client.xlen(DEFAULT_STREAM):  # written and acknowledged while it serves
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "writer stopped: 1 entries written" in out and "Traceback" not in err
    assert pending(client) == 0 and client.xlen(DEFAULT_STREAM) == 0
    assert sqlite3.connect(db).execute("SELECT run_key, finish_reason FROM crawl_runs").fetchall() == [("r", "finished")]


def test_redis_unreachable_stops_the_crawl_with_exit_5(portals):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls["dailyqd"] + "/"], None, NEWS_SINK="redis",
                      NEWS_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert crawl.returncode == 5, crawl.log[-3000:]
    lines = [line for line in crawl.log.splitlines() if line.startswith("scrapy crawl news: ")]
    assert len(lines) == 1 and lines[0].startswith("scrapy crawl news: the item stream at redis://127.0.0.1:")
    assert "crawl sink_failed: pages 0," in crawl.log  # stopped before it fetched anything
    assert "Traceback" not in crawl.log


def test_redis_gone_mid_crawl_stops_it_with_exit_5(tmp_path, redis_server):
    site = build_synthetic_site(400)
    with SiteServer([site]) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={server.base_urls[site.name]}/",
             "-s", "NEWS_SINK=redis", "-s", f"NEWS_REDIS_URL={redis_server.url}", "-s", "DOWNLOAD_DELAY=0.01",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        client = redis_server.client()
        deadline = time.monotonic() + 60
        while client.xlen(DEFAULT_STREAM) < 20:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        redis_server.stop()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 5, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("scrapy crawl news: the item stream at ")
    assert "Traceback" not in err
    assert "sink_failed" in out


def _article(n: int) -> dict:
    return {"url": f"http://news.test/a/{n}.html", "title": f"标题{n}号新闻稿件", "body": f"正文第{n}段。" * 20,
            "site": "news.test", "related": []}


def test_an_entry_that_keeps_failing_is_dead_lettered_and_the_others_written(tmp_path, redis_server):
    """In one batch: two articles and the end of run R, then an article of run S whose record
    has no body (its writing fails every time). R is written and announced with its counts
    only once committed; the bad entry goes to the dead letters, counted in S."""
    client = redis_server.client()
    for n in range(2):
        client.xadd(DEFAULT_STREAM, encode("article", "R", "j1", _article(n)))
    client.xadd(DEFAULT_STREAM, encode("run_end", "R", "", {"reason": "finished", "stats": {}}))
    client.xadd(DEFAULT_STREAM, encode("article", "S", "j2", {**_article(9), "body": None}))
    client.xadd(DEFAULT_STREAM, encode("job_end", "S", "j2", {"reason": "finished", "stats": {"x": 1},
                                                               "counts": {"pages_fetched": "many"}}))
    db = open_archive(tmp_path / "news.db")
    writer = StreamWriter(db, client)
    writer.drain()
    assert writer.counts == {"applied": 3, "dead_letter": 2}
    assert client.hgetall(DEFAULT_STREAM + ":written:R")[b"articles_new"] == b"2"
    assert not client.exists(DEFAULT_STREAM + ":written:S")
    dead = client.xrange(DEFAULT_STREAM + ":dead")
    assert [fields[b"kind"] for _, fields in dead] == [b"article", b"job_end"]
    runs = dict(db.execute("SELECT run_key, stats FROM crawl_runs").fetchall())
    assert json.loads(runs["S"])["archive/stream/dead_letter"] == 2
    assert pending(client) == 0 and client.xlen(DEFAULT_STREAM) == 0


def test_a_crawl_run_again_replaces_its_counts(tmp_path, redis_server):
    """A job stopped and run again (its worker stopped or died) ends twice: its second end
    replaces the first in its run's counts."""
    client = redis_server.client()
    for pages in (40, 107):
        client.xadd(DEFAULT_STREAM, encode("job_end", "R", "job-1", {
            "reason": "finished", "stats": {"response_received_count": pages},
            "counts": {"pages_fetched": pages, "items_dropped": 1, "errors": 3}}))
    client.xadd(DEFAULT_STREAM, encode("job_end", "R", "job-2", {
        "reason": "finished", "stats": {"response_received_count": 5}, "counts": {"pages_fetched": 5}}))
    db = open_archive(tmp_path / "news.db")
    StreamWriter(db, client).drain()
    row = db.execute("SELECT pages_fetched, items_dropped, errors, stats FROM crawl_runs").fetchone()
    assert row[:3] == (112, 1, 3)
    assert json.loads(row[3])["response_received_count"] == 112
