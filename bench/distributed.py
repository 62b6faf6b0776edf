"""Distributed crawl benchmark: pages/s of 1 against 2 worker processes, the writer's entries/s
and each role's peak memory.

Generates ``--groups`` synthetic portals (``--articles`` in all, default 2,000 in 4 site
groups), serves them on 127.0.0.1, starts a redis-server (Debian's) on a free port, and for
1 and then 2 ``news-crawl worker`` processes runs ``news-crawl dispatch`` over the groups
into a fresh archive written by ``news-archive writer``: pages/s is the run's pages over the
dispatcher's duration (from queueing to the writer having written the run). Then the same
crawl with the writer stopped fills the stream, and a writer started afterwards writes it
(``--until-idle``): entries/s. Peak memory of each role is its process's peak RSS (a
worker's includes its crawls'). Prints ratios; the 2-core machine this runs on also serves
the portals and runs Redis and the writer beside the workers.

    python bench/distributed.py [--articles 2000] [--groups 4]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samplesite.server import SiteServer  # noqa: E402
from samplesite.synthetic import build_synthetic_site  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402

CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING",
                  "CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def waited(proc: subprocess.Popen, stop: bool = True) -> tuple[int, float, str]:
    """(exit code, peak RSS in MiB of the process and the children it waited for, stderr)."""
    if stop and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    return proc.returncode, usage.ru_maxrss / 1024, out + err


def run_fleet(redis_url: str, sites_file: Path, db: Path, workers: int, writer_running: bool = True,
              again=None) -> dict:
    """One run with ``workers`` workers (reading ``db`` for the incremental checks) and,
    with ``writer_running``, a writer; ``again``: the site server's request count; given,
    a second run over the unchanged sites follows, and ``recrawl`` holds its exit code,
    its line, the first run's requests and its own."""
    settings = [a for name, value in CRAWL_SETTINGS.items() for a in ("-s", f"{name}={value}")]
    writer = start([sys.executable, "-m", "archive", "writer", "--db", str(db), "--redis", redis_url]) \
        if writer_running else None
    crew = [start([sys.executable, "-m", "crawler.fleet.cli", "worker", "--redis", redis_url, "--archive", str(db),
                   *settings]) for _ in range(workers)]
    time.sleep(2)  # the workers are up before the jobs are queued
    dispatch_cmd = [sys.executable, "-m", "crawler.fleet.cli", "dispatch", "--redis", redis_url,
                    "--sites", str(sites_file), "--writer-timeout", "600" if writer_running else "0"]
    before = again() if again is not None else 0
    code, dispatch_mem, output = waited(start(dispatch_cmd), stop=False)
    result = {"dispatch_code": code, "dispatch_mem": dispatch_mem, "line": output.strip().splitlines()[0]}
    if again is not None and code == 0:
        middle = again()
        code2, _, output2 = waited(start(dispatch_cmd), stop=False)
        result["recrawl"] = (code2, output2.strip().splitlines()[0], middle - before, again() - middle)
    result["workers_mem"] = [waited(w)[1] for w in crew]
    if writer is not None:
        result["writer_mem"] = waited(writer)[1]
    m = re.search(r"pages (\d+),.*duration ([\d.]+)s", result["line"])
    if m:
        result["pages"], result["seconds"] = int(m[1]), float(m[2])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=4)
    args = parser.parse_args()
    per_site = args.articles // args.groups
    sites = [build_synthetic_site(per_site, seed=n, name=f"portal{n}") for n in range(args.groups)]
    with SiteServer(sites) as server, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sites_file = tmp / "sites.txt"
        sites_file.write_text("".join(server.base_urls[s.name] + "/\n" for s in sites))
        # the reference: one process crawling every group into its archive
        settings = [a for name, value in CRAWL_SETTINGS.items() for a in ("-s", f"{name}={value}")]
        began = time.monotonic()
        single = start([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=" + ",".join(
            server.base_urls[s.name] + "/" for s in sites), "-s", f"ARCHIVE_PATH={tmp / 'single.db'}", *settings])
        code, single_mem, output = waited(single, stop=False)
        single_secs = time.monotonic() - began
        pages = re.search(r"pages (\d+)", output)
        if code or not pages:
            print(f"the one-process crawl failed with exit code {code}", file=sys.stderr)
            return 1
        single_rate = int(pages[1]) / single_secs
        # ... and again over the unchanged sites: the requests a one-process re-crawl makes
        counted = sum(len(paths) for paths in server.requests.values())
        code, _, _ = waited(start([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=" + ",".join(
            server.base_urls[s.name] + "/" for s in sites), "-s", f"ARCHIVE_PATH={tmp / 'single.db'}", *settings]),
            stop=False)
        single_recrawl = sum(len(paths) for paths in server.requests.values()) - counted
        summary = next(line for line in output.splitlines() if line.startswith("crawl "))
        print(f"one process: {summary} ({single_secs:.1f} s with start-up)", flush=True)
        runs = {}
        for workers in (1, 2):
            redis_server = RedisServer(tmp / f"redis{workers}").start()
            def requests() -> int:
                return sum(len(paths) for paths in server.requests.values())

            try:
                runs[workers] = run_fleet(redis_server.url, sites_file, tmp / f"news{workers}.db", workers,
                                          again=requests if workers == 2 else None)
            finally:
                redis_server.stop()
            print(f"{workers} worker(s): {runs[workers]['line']}", flush=True)
            if runs[workers]["dispatch_code"] != 0:
                print(f"the run failed with exit code {runs[workers]['dispatch_code']}", file=sys.stderr)
                return 1
        # the writer alone: a stream filled while no writer ran, then written
        redis_server = RedisServer(tmp / "redis-w").start()
        try:
            filled = run_fleet(redis_server.url, sites_file, tmp / "unused.db", 2, writer_running=False)
            entries = redis_server.client().xlen("news:entries")
            began = time.monotonic()
            writer = start([sys.executable, "-m", "archive", "writer", "--db", str(tmp / "w.db"), "--redis",
                            redis_server.url, "--until-idle"])
            code, writer_mem, _ = waited(writer, stop=False)
            writer_secs = time.monotonic() - began
        finally:
            redis_server.stop()
        assert filled["dispatch_code"] == 5 and code == 0, (filled, code)  # (dispatch: "not written")
    one, two = (runs[n]["pages"] / runs[n]["seconds"] for n in (1, 2))
    print(f"pages/s (whole run, start-up included): one process {single_rate:.1f}, 1 worker {one:.1f}, "
          f"2 workers {two:.1f}; ratio 2 workers / 1 worker = {two / one:.2f}, 2 workers / one process = "
          f"{two / single_rate:.2f}")
    print(f"writer alone: {entries} entries in {writer_secs:.1f} s = {entries / writer_secs:.0f} entries/s "
          "(start-up and the near-duplicate pass included)")
    code2, line2, first_requests, recrawl = runs[2]["recrawl"]
    print(f"re-crawl of the unchanged sites (2 workers reading the archive): {line2}; {recrawl} requests = "
          f"{recrawl / first_requests:.1%} of the first run's {first_requests} (target <= 10 %), exit code {code2}; "
          f"a one-process re-crawl of the same sites: {single_recrawl} requests")
    worker_mem = max(runs[2]["workers_mem"])
    print(f"peak RSS, MiB (ratio to the one-process crawl's {single_mem:.0f}): worker with its crawls "
          f"{worker_mem:.0f} ({worker_mem / single_mem:.2f}), writer during the run {runs[2]['writer_mem']:.0f} "
          f"({runs[2]['writer_mem'] / single_mem:.2f}), writer alone {writer_mem:.0f} ({writer_mem / single_mem:.2f}), "
          f"dispatcher {runs[2]['dispatch_mem']:.0f} ({runs[2]['dispatch_mem'] / single_mem:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
