"""Crawl benchmark: the full crawl (extraction, cleaning, archive) against a bare spider.

Generates a synthetic portal of N articles (default 2,000), serves it on 127.0.0.1, crawls it
``--repeat`` times (default 2) with ``scrapy crawl news`` into a fresh archive and as often
with a bare spider that only fetches and follows links, alternating, and prints pages/s of
every run, the ratio of each pair of runs made one after the other (target: >= 0.5 in every
pair, the lowest is printed too) and of the fastest run of each, and each fastest run's peak
memory and CPU time. Then crawls the unchanged site again into the same archive, as an hourly
cron job would, and prints its requests as a share of the first crawl's.

    python bench/crawl_speed.py [--articles 2000] [--concurrency 16] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from samplesite.server import SiteServer
from samplesite.synthetic import build_synthetic_site

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str]) -> tuple[int, float, float]:
    """Run ``cmd``; return (exit code, peak RSS of that process in MiB, its CPU seconds)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-3000:])
    return proc.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each crawl; the fastest counts")
    args = parser.parse_args()

    site = build_synthetic_site(args.articles)
    common = [
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
        "-s", f"CONCURRENT_REQUESTS={args.concurrency}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
    ]
    with SiteServer([site]) as server, tempfile.TemporaryDirectory() as tmp:
        base = server.base_urls[site.name] + "/"
        full_runs, bare_runs = [], []
        for n in range(max(1, args.repeat)):
            db_path = Path(tmp) / f"bench{n}.db"
            before = len(server.requests[site.name])
            code, mem, cpu = run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={base}",
                                  "-s", f"ARCHIVE_PATH={db_path}", *common])
            if code:
                print(f"full crawl failed with exit code {code}", file=sys.stderr)
                return 1
            db = sqlite3.connect(db_path)
            stats = json.loads(db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            full_runs.append((stats["response_received_count"] / stats["elapsed_time_seconds"],
                              stats["response_received_count"], stats["elapsed_time_seconds"], mem, cpu, stats))
            if n == 0:
                first_requests = len(server.requests[site.name]) - before
                # the cron case: the same crawl again with nothing changed on the site
                code, _, _ = run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={base}",
                                  "-s", f"ARCHIVE_PATH={db_path}", *common])
                if code:
                    print(f"re-crawl failed with exit code {code}", file=sys.stderr)
                    return 1
                recrawl_requests = len(server.requests[site.name]) - before - first_requests
                recrawl_stats = json.loads(db.execute(
                    "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
                revisits = recrawl_stats.get("news/incremental/rechecked/revisit", 0)

            bare_stats_path = Path(tmp) / f"bare{n}.json"
            code, mem, cpu = run([sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py"),
                                  "-a", f"start_url={base}", "-a", f"stats_out={bare_stats_path}", *common])
            if code:
                print(f"bare crawl failed with exit code {code}", file=sys.stderr)
                return 1
            bare = json.loads(bare_stats_path.read_text())
            bare_runs.append((bare["response_received_count"] / bare["elapsed_time_seconds"],
                              bare["response_received_count"], bare["elapsed_time_seconds"], mem, cpu))

    full_rate, full_pages, full_secs, full_mem, full_cpu, stats = max(full_runs, key=lambda r: r[0])
    bare_rate, bare_pages, bare_secs, bare_mem, bare_cpu = max(bare_runs, key=lambda r: r[0])
    methods = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("news/extract/method/")}
    print(f"site: {args.articles} articles generated, {articles} archived")
    print(f"full crawl:  {full_pages} pages in {full_secs:.1f} s = {full_rate:.1f} pages/s, peak RSS {full_mem:.0f} MiB, CPU {full_cpu:.1f} s")
    print(f"bare spider: {bare_pages} pages in {bare_secs:.1f} s = {bare_rate:.1f} pages/s, peak RSS {bare_mem:.0f} MiB, CPU {bare_cpu:.1f} s")
    print("all runs, pages/s: full " + ", ".join(f"{r[0]:.1f}" for r in full_runs)
          + "; bare " + ", ".join(f"{r[0]:.1f}" for r in bare_runs))
    pairs = [full[0] / bare[0] for full, bare in zip(full_runs, bare_runs)]
    print("ratio full/bare pages/s of each pair of runs: " + ", ".join(f"{r:.2f}" for r in pairs)
          + f"; lowest {min(pairs):.2f} (target >= 0.50 in every pair)")
    print(f"ratio full/bare pages/s (fastest runs): {full_rate / bare_rate:.2f}")
    print(f"re-crawl with nothing changed: {recrawl_requests} requests = "
          f"{recrawl_requests / first_requests:.1%} of the first crawl's {first_requests} (target <= 10%), "
          f"of which the revisit budget {revisits} = {revisits / first_requests:.1%}")
    checked, secs = stats.get("archive/neardup/checked", 0), stats.get("archive/neardup/seconds", 0.0)
    if checked:
        print(f"near-duplicate pass at the end of the full crawl (not in its pages/s): {checked} articles "
              f"in {secs:.1f} s = {secs / checked * 1000:.2f} ms per article")
    if methods:
        print("body extraction methods: " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
