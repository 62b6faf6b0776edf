"""``python -m samplesite.demo``: the main job on the bundled sample portals, end to end.

Serves the three sample portals on 127.0.0.1, crawls them with ``scrapy crawl news`` into a
fresh archive, then shows what was archived (``python -m archive summary``, followed by what
its failed, unchanged and dropped counts are on these portals, read from the run's stats),
one search (``python -m archive search``) and one exported record (``python -m archive
export``). Each command is printed before it runs, so it can be repeated by hand on a real
site.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

from .portals import build_sites
from .server import SiteServer

# Crawl settings for a local demo: no politeness delay against our own server, and a short
# timeout so the sample site's deliberately slow page costs seconds, not minutes.
DEMO_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "3",
                 "DOWNLOAD_MAXSIZE": "1048576", "LOG_LEVEL": "INFO"}

# The sample portals' deliberate traps, by the reason a request failed for good
# (news/requests/failed/<reason>, crawler.failures) or an article was refused
# (clean/dropped/<reason>, crawler.cleaning); samplesite/README.md lists every case.
TRAPS = {
    "http_404": "dead links: related lists, listings and menus point to pages the portals do not have",
    "timeout": f"a deliberately slow page, slower than DOWNLOAD_TIMEOUT ({DEMO_SETTINGS['DOWNLOAD_TIMEOUT']} s here) "
               "each time it is tried",
    "too_large": f"a page larger than DOWNLOAD_MAXSIZE ({DEMO_SETTINGS['DOWNLOAD_MAXSIZE']} bytes here)",
    "mojibake": "a page whose text was garbled before it was served (UTF-8 read as Latin-1)",
}


def show_and_run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    shown = ["python" if c == sys.executable else c for c in cmd]
    print("\n$ " + " ".join(shlex.quote(c) for c in shown), flush=True)
    return subprocess.run(cmd, **kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samplesite.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="demo-output/news.db", help="archive to create (replaced if it exists)")
    ap.add_argument("--query", default="平度", help="the search shown at the end")
    args = ap.parse_args(argv)

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    # the outputs of an earlier demo (the export refuses to overwrite a file without --force)
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".warc.gz")):
        leftover.unlink(missing_ok=True)
    log = db.with_suffix(".log")

    sites = build_sites()
    with SiteServer(sites) as server:
        start_urls = ",".join(server.base_urls[s.name] + "/" for s in sites)
        print("Serving the sample portals: " + ", ".join(f"{n} {u}" for n, u in server.base_urls.items()))
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start_urls}",
               "-s", f"ARCHIVE_PATH={db}"]
        for name, value in DEMO_SETTINGS.items():
            cmd += ["-s", f"{name}={value}"]
        cmd += ["-s", f"LOG_FILE={log}"]
        crawl = show_and_run(cmd)
        if crawl.returncode != 0:
            print(f"the crawl failed (exit {crawl.returncode}); see {log}", file=sys.stderr)
            return 1
        print(f"(crawl log: {log})")

    archive = [sys.executable, "-m", "archive"]
    steps = [
        [*archive, "summary", "--db", str(db)],
        [*archive, "search", args.query, "--db", str(db), "--limit", "3"],
        # a simplified query finds the traditional-script seed article
        [*archive, "search", "王清宪 书记", "--db", str(db), "--limit", "1"],
        [*archive, "export", "--db", str(db), "--format", "warc", "--output", str(db.with_suffix(".warc.gz"))],
    ]
    for step in steps:
        if show_and_run(step).returncode != 0:
            return 1
        if step[3] == "summary":
            print("\n".join(explain_counts(db)), flush=True)
    export = show_and_run([*archive, "export", "--db", str(db), "--format", "jsonl"],
                          capture_output=True, text=True)
    if export.returncode != 0:
        print(export.stderr, file=sys.stderr)
        return 1
    records = [json.loads(line) for line in export.stdout.splitlines()]
    seed = next((r for r in records if "王清憲" in r["title"]), records[0])
    seed["body"] = seed["body"][:120] + "…"
    print(f"({len(records)} records; the seed article, body shortened:)")
    print(json.dumps(seed, ensure_ascii=False, indent=2))
    print(f"\nTo read the archive in a browser: .venv/bin/datasette {db}, then open "
          f"http://127.0.0.1:8001/{db.stem}/-/articles (./run screenshots shows what it looks like)")
    return 0


def explain_counts(db: Path) -> list[str]:
    """What the failed, unchanged and dropped counts of the archive's latest run are on the
    sample portals, each broken down by its reasons in the run's stats (``crawl_runs.stats``):
    lines for the demo's output after the summary."""
    from archive.db import connect_readonly
    from crawler.runstats import run_counts

    conn = connect_readonly(db)
    try:
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
        aliases = conn.execute("SELECT count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id "
                               "WHERE u.url != a.url").fetchone()[0]
    finally:
        conn.close()
    counts = run_counts(stats)

    def reasons(prefix: str, skip: str = "") -> list[str]:
        found = sorted((k[len(prefix):], v) for k, v in stats.items() if k.startswith(prefix) and k != prefix + skip)
        return [f"    {n} {reason}" + (f": {TRAPS[reason]}" if reason in TRAPS else "") for reason, n in found]

    lines = ["\n(the sample portals hold deliberate traps; what the run's counts are made of:)"]
    if counts["failed"]:
        lines.append(f"  failed {counts['failed']} (the run's errors): requests that failed for good; the crawl goes on")
        lines += reasons("news/requests/failed/", skip="ignored") + reasons("spider_exceptions/")
    if counts["unchanged"]:
        lines.append(f"  unchanged {counts['unchanged']}: article pages whose text this run had archived already under "
                     "another URL (a link with tracking parameters, a print or mobile copy, a moved page); each is "
                     f"one article, its other URLs kept as aliases (with the later pages of split articles: "
                     f"{aliases} alias URLs)")
    if counts["dropped"]:
        lines.append(f"  dropped {counts['dropped']}: articles refused by cleaning")
        lines += reasons("clean/dropped/")
    if stats.get("robotstxt/forbidden"):
        lines.append(f"  not fetched: {stats['robotstxt/forbidden']} links robots.txt forbids (obeyed, not failed)")
    return lines


if __name__ == "__main__":
    sys.exit(main())
