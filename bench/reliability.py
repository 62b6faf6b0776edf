"""Reliability benchmark: an archive that never lies about what it kept.

Serves generated portals (``samplesite.synthetic``) on 127.0.0.1 and treats the crawler and
``python -m archive`` as a user would, in subprocesses:

1. **Kill test.** Crawls a portal of ``--articles`` articles (default 2,000) into one archive
   and SIGKILLs the crawl at ``--kills`` random moments (default 20), restarting it each time
   (every other run with ``JOBDIR``), while a reader process queries the archive the whole
   time (library: summary, search, export, every other round opened read-only; every 2 s
   ``python -m archive summary``); errors before the archive first exists are waits, not
   errors. A moment is "after the run's Nth request to the portal" (N random, up to twice a
   fair share of an uninterrupted crawl's requests) plus up to 0.1 s, so kills land while
   pages are fetched and batches written; a run that ends before its moment is not a kill
   (the next one aims inside that run's length) and fails the test if it exits non-zero. After
   each kill: ``PRAGMA integrity_check`` is ``ok``, no article is stored twice (one URL as two
   articles, an article's URL as another's alias, one site's text twice), every URL committed
   before the kill is still there. A last run finishes the crawl; its archive must equal an
   uninterrupted crawl's (the same article URLs; the same title, body and published_at each).
2. **Fault cases**, each judged PASS/FAIL with a one-line why; a FAIL that loses data or
   exits 0 over a failure is counted apart. Mid-crawl moments are exact: the portal holds its
   article responses after the first 60 until the case has done its deed (and the crawl has
   committed articles), then lets them go. A full disk is a small tmpfs filled at that moment
   when root may mount one, else RLIMIT_FSIZE set on the crawl then (SIGXFSZ ignored); a
   read-only archive is ``chattr +i`` as root, else file mode 0444 / folder 0555.
3. **Hostile pages**: when ``samplesite/hostile.py`` exists, crawls its site with a second
   site as the off-site target and prints its ``judge``'s counts.

Exit codes the cases expect: ``scrapy crawl news`` 0 finished, 2 a mistake in the command or
settings (one line on stderr), 3/4/5 (README), 74 the archive failed during the crawl, 75 the
archive is in use; ``python -m archive`` 0, 1 a problem with the archive (one line), 2 a
command-line mistake, 75 in use.

    python bench/reliability.py [--kills 20] [--articles 2000] [--short] [--json] [--seed 0]
                                [--only kill|faults|hostile] [--keep DIR]

``--short``: 3 kills on a 300-article portal. Exit code 1 when a goal is missed (kills
survived < kills; integrity failures, URLs lost, reader errors, final differences, failed
fault cases or hostile counts > 0).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib
import itertools
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from samplesite.server import Resource, Site, SiteServer
from samplesite.synthetic import build_synthetic_site

ROOT = Path(__file__).resolve().parents[1]

# Crawl settings for a local server: no politeness delay, a moderate concurrency.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO",
    "CONCURRENT_REQUESTS": "8", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    # batches of 50: a crawl held after HOLD_AFTER article responses has committed some (the
    # default of 200 would commit them only after ARCHIVE_BATCH_SECONDS)
    "ARCHIVE_BATCH_SIZE": "50",
}
FAULT_ARTICLES = 300  # articles of the fault cases' portal
HOLD_AFTER = 60       # article responses the portal lets through before holding the rest
WAIT_SECONDS = 120    # the longest any step may take before the case is abandoned
STALL_SECONDS = 30    # a kill-test run that asks nothing of the portal this long has hung
EXIT_ARCHIVE_FAILED = 74
EXIT_IN_USE = 75
SEARCH_WORD = "项目"   # in the synthetic portal's stock sentences: most articles match
COMPARED_FIELDS = ("title", "body", "published_at")
COMPANIONS = ("-wal", "-shm", "-journal")


class CaseError(Exception):
    """A case could not be brought to the moment it tests."""


# -- running things ------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """A finished subprocess: exit code and its output."""

    code: int
    stdout: str
    stderr: str

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def one_line(self) -> bool:
        """One non-empty line on stderr, and no traceback."""
        return len(self.stderr_lines()) == 1 and "Traceback" not in self.stderr

    def said(self) -> str:
        """The last stderr line, shortened, for a verdict's why."""
        lines = self.stderr_lines()
        return (lines[-1][:140] + f" (+{len(lines) - 1} more lines)" * (len(lines) > 1)) if lines else "(nothing on stderr)"


class Job:
    """A running subprocess whose stdout and stderr go to files (no pipe can fill up)."""

    _count = itertools.count()

    def __init__(self, cmd: list[str], logs: Path, cwd: Path = ROOT, prefix: list[str] = (),
                 log: Path | None = None):
        n = next(self._count)
        self.out, self.err = logs / f"job{n}.out", logs / f"job{n}.err"
        self.log = log  # the crawl's LOG_FILE
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([*prefix, *cmd], cwd=cwd, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=env)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.running():
            self.proc.send_signal(signal.SIGKILL)

    def wait(self, timeout: float = WAIT_SECONDS) -> Run:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
            raise CaseError(f"{' '.join(self.proc.args[1:4])} did not end within {timeout:.0f} s") from None
        return Run(code, self.out.read_text(errors="replace"), self.err.read_text(errors="replace"))

    def logged_error(self) -> str:
        """The last exception line (``struct.error: ...``) of the crawl's log, or ''."""
        if self.log is None or not self.log.exists():
            return ""
        found = re.findall(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|error)\b.*$", self.log.read_text(errors="replace"), re.M)
        return found[-1][:140] if found else ""


def wait_for(condition, what: str, job: Job | None = None, timeout: float = WAIT_SECONDS, step: float = 0.02):
    """Poll ``condition()`` until true; :class:`CaseError` when ``job`` ends first or on timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        if job is not None and not job.running():
            run = job.wait()
            raise CaseError(f"the process ended (exit {run.code}) before {what}: {run.said()}")
        if time.monotonic() > deadline:
            raise CaseError(f"no {what} within {timeout:.0f} s")
        time.sleep(step)


# -- reading an archive without writing to it -----------------------------------------------


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that never checkpoints nor removes the WAL on close."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def committed_articles(path: Path) -> int:
    """Articles a reader sees in the archive at ``path`` (0 while there is none)."""
    try:
        with contextlib.closing(read_only(path)) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def committed_urls(path: Path) -> set[str]:
    """Every URL the archive ties to an article: article URLs and aliases (none while the
    archive has no tables yet)."""
    with contextlib.closing(read_only(path)) as conn:
        if conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('articles', 'article_urls')").fetchone()[0] < 2:
            return set()
        return {r[0] for r in conn.execute("SELECT url FROM articles UNION SELECT url FROM article_urls")}


def integrity(path: Path) -> str:
    """``ok``, or the first problems ``PRAGMA integrity_check`` names."""
    try:
        with contextlib.closing(read_only(path)) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    return "ok" if rows == ["ok"] else " ".join(" ".join(rows).split())[:200]


def duplicates(path: Path) -> list[str]:
    """Articles stored twice: one URL as two articles, an article's URL held as another
    article's alias, or one site's title and body as two articles."""
    found = []
    with contextlib.closing(read_only(path)) as conn:
        for row in conn.execute("SELECT url, count(*) AS n FROM articles GROUP BY url HAVING n > 1"):
            found.append(f"{row['url']} is {row['n']} articles")
        for row in conn.execute("SELECT u.url FROM article_urls u JOIN articles a ON a.url = u.url "
                                "WHERE u.article_id != a.id"):
            found.append(f"{row['url']} is an article and another article's alias")
        for row in conn.execute("SELECT site, group_concat(url, ' ') AS urls, count(*) AS n FROM articles "
                                "GROUP BY site, content_hash HAVING n > 1"):
            found.append(f"one text as {row['n']} articles: {row['urls']}")
    return found


def article_fields(path: Path) -> dict[str, dict]:
    """``url -> {title, body, published_at}`` of every article."""
    with contextlib.closing(read_only(path)) as conn:
        return {r["url"]: {f: r[f] for f in COMPARED_FIELDS}
                for r in conn.execute(f"SELECT url, {', '.join(COMPARED_FIELDS)} FROM articles")}


def copy_archive(source: Path, target: Path) -> Path:
    """A consistent one-file copy of an archive (its WAL folded in)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(read_only(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def litter(path: Path, *, existed: bool = False) -> list[str]:
    """Files a rejected crawl must not leave: ``path`` itself (unless it ``existed`` before),
    its ``.lock`` and its SQLite companions."""
    found = [Path(f"{path}{suffix}") for suffix in (".lock", *COMPANIONS)] + ([] if existed else [path])
    return [p.name for p in found if p.exists()]


def size(path: Path | str) -> int:
    """Bytes of the file at ``path``; 0 when there is none."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


# -- the portal and a gate that holds it mid-crawl ------------------------------------------


class Gate:
    """Lets the first ``n`` article responses through, then holds the rest until opened."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self.holding = threading.Event()  # set once a request waits at the closed gate
        self._limit: int | None = None
        self._passed = 0

    def hold_after(self, n: int) -> None:
        with self._lock:
            self._limit, self._passed = n, 0
            self.holding.clear()
            self._open.clear()

    def open(self) -> None:
        with self._lock:
            self._limit = None
            self._open.set()

    def pass_through(self) -> None:
        with self._lock:
            self._passed += 1
            held = self._limit is not None and self._passed > self._limit
            if held:
                self.holding.set()
        if held:
            self._open.wait(WAIT_SECONDS)


def gated(site: Site, gate: Gate) -> Site:
    """``site`` with its expected articles answered through ``gate``."""
    articles = {e["url"] for e in site.expected}
    held = {path: res for path, res in site.resources.items() if path in articles}

    def answer(match: re.Match) -> Resource:
        gate.pass_through()
        return held[match.group(0)]

    others = {path: res for path, res in site.resources.items() if path not in held}
    pattern = "|".join(map(re.escape, sorted(held)))
    return dataclasses.replace(site, resources=others, dynamic=[*site.dynamic, (pattern, answer)])


# -- the harness ---------------------------------------------------------------------------


class Harness:
    """Serves the fault cases' portal (gated) and the kill test's portal, runs crawls and
    archive commands, and keeps one uninterrupted reference crawl per portal."""

    def __init__(self, tmp: Path, articles: int = FAULT_ARTICLES, seed: int = 0):
        self.tmp = Path(tmp)
        self.logs = self.tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self.gate = Gate()
        self.portal = gated(build_synthetic_site(FAULT_ARTICLES, seed, name="portal"), self.gate)
        self.kill_site = (self.portal if articles == FAULT_ARTICLES
                          else build_synthetic_site(articles, seed + 1, name="synthetic"))
        sites = [self.portal] if self.kill_site is self.portal else [self.portal, self.kill_site]
        self.server = SiteServer(sites)
        self._references: dict[str, Path] = {}
        self._log_count = itertools.count()

    def __enter__(self) -> Harness:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.gate.open()
        self.server.stop()

    def log_file(self) -> Path:
        return self.logs / f"crawl{next(self._log_count)}.log"

    def crawl(self, archive: Path | str, *args: str, site: Site | None = None, start_url: str | None = None,
              cwd: Path = ROOT, prefix: list[str] = (), **settings: str) -> Job:
        """Start ``scrapy crawl news`` on ``site`` (default: the fault portal) or ``start_url``
        into ``archive``; its log goes to a file of its own unless a ``LOG_FILE`` is given."""
        start_url = start_url or self.server.base_urls[(site or self.portal).name] + "/"
        chosen = {**FAST_SETTINGS, "LOG_FILE": str(self.log_file()), **settings}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start_url}", *args,
               "-s", f"ARCHIVE_PATH={archive}"]
        for name, value in chosen.items():
            cmd += ["-s", f"{name}={value}"]
        return Job(cmd, self.logs, cwd=cwd, prefix=prefix, log=Path(chosen["LOG_FILE"]))

    def archive(self, *args: str, db: Path | str, timeout: float = WAIT_SECONDS) -> Run:
        """Run ``python -m archive ARGS --db DB`` to its end."""
        return Job([sys.executable, "-m", "archive", *args, "--db", str(db)], self.logs).wait(timeout)

    def reference(self, site: Site | None = None) -> Path:
        """The archive of one uninterrupted crawl of ``site`` (made once)."""
        site = site or self.portal
        if site.name not in self._references:
            path = self.tmp / f"reference-{site.name}.db"
            run = self.crawl(path, site=site).wait()
            if run.code != 0:
                raise CaseError(f"the uninterrupted crawl of {site.name} exited {run.code}: {run.said()}")
            self._references[site.name] = path
        return self._references[site.name]

    def scratch(self, name: str) -> Path:
        """A fresh, empty folder for one case."""
        folder = self.tmp / "cases" / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder

    @contextlib.contextmanager
    def held(self, archive: Path, *, cwd: Path = ROOT, prefix: list[str] = (), **settings: str):
        """A crawl of the fault portal held mid-crawl: it has committed articles and waits for
        an article response. Yields the running :class:`Job`; the portal lets go on exit."""
        self.gate.hold_after(HOLD_AFTER)
        job = self.crawl(archive, cwd=cwd, prefix=prefix, **settings)
        try:
            wait_for(lambda: self.gate.holding.is_set() and committed_articles(archive) > 0,
                     "committed articles while the portal held the crawl", job)
            yield job
        except BaseException:
            job.kill()
            raise
        finally:
            self.gate.open()


# -- the kill test -------------------------------------------------------------------------


def reader_loop(db_path: str) -> dict:
    """Query the archive until SIGTERM, as an archivist's tools would while a crawl writes:
    the library's summary, a search and the first 50 exported records on a fresh connection
    each round (every other one opened read-only), and every 2 s ``python -m archive summary``. Returns the rounds, the errors by
    kind and the rounds spent waiting for the archive to exist (not errors)."""
    from archive import query, search
    from archive.db import open_archive
    from archive.errors import ArchiveError

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    rounds = waits = commands = 0
    errors: Counter = Counter()
    seen = False
    next_command = time.monotonic()

    def kind(message: str) -> str:
        return "database is locked" if "database is locked" in message else message.strip()[:120]

    while not stop.is_set():
        try:
            db = open_archive(db_path, create=False, readonly=bool(rounds % 2))
            try:
                query.summary(db)
                search.search(db, SEARCH_WORD, limit=10)
                for _ in itertools.islice(query.export_records(db), 50):
                    pass
            finally:
                db.close()
            rounds += 1
            seen = True
        except (ArchiveError, sqlite3.Error) as exc:
            if seen:
                errors[kind(str(exc))] += 1
            else:  # the first crawl has not made the archive yet
                waits += 1
        if seen and time.monotonic() >= next_command:
            run = subprocess.run([sys.executable, "-m", "archive", "summary", "--db", db_path],
                                 capture_output=True, text=True, cwd=ROOT)
            commands += 1
            if run.returncode or "database is locked" in run.stderr:
                errors["python -m archive summary: " + kind(run.stderr or f"exit {run.returncode}")] += 1
            next_command = time.monotonic() + 2
        stop.wait(0.01)
    return {"rounds": rounds, "commands": commands, "waits": waits, "errors": dict(errors)}


class Reader:
    """The reader process of the kill test (this file run with ``--reader DB``)."""

    def __init__(self, db_path: Path, logs: Path):
        self.job = Job([sys.executable, str(Path(__file__).resolve()), "--reader", str(db_path)], logs)

    def stop(self) -> dict:
        self.job.proc.send_signal(signal.SIGTERM)
        run = self.job.wait()
        try:
            return json.loads(run.stdout)
        except json.JSONDecodeError:
            return {"rounds": 0, "commands": 0, "waits": 0,
                    "errors": {f"the reader died (exit {run.code}): {run.said()}": 1}}


def kill_test(h: Harness, kills: int, seed: int = 0, reader: bool = True, progress=None) -> dict:
    """SIGKILL a crawl of the kill portal ``kills`` times (restarting it, every other run with
    JOBDIR), check the archive after each kill, finish it and compare with an uninterrupted
    crawl. Returns counts and per-kill details (see the module docstring)."""
    progress = progress or (lambda message: None)
    rnd = random.Random(seed)
    site = h.kill_site
    reference = h.reference(site)
    requests = h.server.requests[site.name]
    with contextlib.closing(read_only(reference)) as conn:
        reference_requests = json.loads(conn.execute(
            "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])["response_received_count"]
    folder = h.scratch(f"kill-{site.name}")
    archive, jobdir = folder / "news.db", folder / "job"
    watcher = Reader(archive, h.logs) if reader else None
    details: list[dict] = []
    seen: set[str] = set()  # every URL committed before some kill
    last: set[str] = set()
    failed_runs: list[str] = []  # runs that ended with an error by themselves
    # a kill moment: after a random number of the run's requests, up to twice a fair share
    limit = max(2, 2 * reference_requests // max(1, kills))
    runs = 0
    try:
        while len(details) < kills and runs < 3 * kills + 3:
            with_jobdir = runs % 2 == 0
            runs += 1
            target = rnd.randint(1, limit)
            before = len(requests)
            job = h.crawl(archive, site=site, **({"JOBDIR": str(jobdir)} if with_jobdir else {}))
            name = f"run {runs}{' (JOBDIR)' * with_jobdir}"
            if not reach(job, requests, before + target):
                failed_runs.append(f"{name} hung: no request for {STALL_SECONDS} s ({job.logged_error() or 'see its log'})")
                if details:
                    details[-1]["restart"] = failed_runs[-1]
                job.kill()
                job.wait()
                continue
            time.sleep(rnd.uniform(0, 0.1))
            if not job.running():  # it ended first: aim inside the next, shorter run
                run = job.wait()
                if run.code != 0:
                    why = f"{name} exited {run.code}: {run.said()}" + (
                        f" ({job.logged_error()})" if job.logged_error() else "")
                    failed_runs.append(why)
                    if details:  # the kill before it was not survived
                        details[-1]["restart"] = why
                limit = max(1, len(requests) - before)
                continue
            job.kill()
            job.wait()
            fetched = len(requests) - before
            check = integrity(archive) if archive.exists() else "ok"
            now = committed_urls(archive) if archive.exists() and check == "ok" else set()
            detail = {"kill": len(details) + 1, "jobdir": with_jobdir, "after_requests": fetched, "urls": len(now),
                      "integrity": check, "lost": sorted(last - now) if check == "ok" else [],
                      "duplicates": duplicates(archive) if check == "ok" and now else [], "restart": ""}
            details.append(detail)
            progress(f"kill {len(details)}/{kills}{' (JOBDIR)' * with_jobdir} after {fetched} requests: "
                     f"{len(now)} URLs committed" + "".join(f"; {p}" for p in kill_problems(detail)))
            seen |= now
            last = now or last
        last_run = h.crawl(archive, site=site, JOBDIR=str(jobdir))
        if reach(last_run, requests, None):
            final = last_run.wait()
        else:
            last_run.kill()
            final = last_run.wait()
            final.stderr += f"\nhung: no request for {STALL_SECONDS} s ({last_run.logged_error() or 'see its log'})"
    finally:
        reads = watcher.stop() if watcher else {"rounds": 0, "commands": 0, "waits": 0, "errors": {}}
    if final.code:
        failed_runs.append(f"the last run exited {final.code}: {final.said()}")
        if details:
            details[-1]["restart"] = failed_runs[-1]
    final_check = integrity(archive)
    final_urls = committed_urls(archive) if final_check == "ok" else set()
    ours = article_fields(archive) if final_check == "ok" else {}
    theirs = article_fields(reference)
    lost = (seen - final_urls).union(*(d["lost"] for d in details))
    final_duplicates = duplicates(archive) if final_check == "ok" else []
    return {
        "site_articles": len(site.expected),
        "kills": kills,
        "kills_done": len(details),
        "runs": runs + 1,
        "survived": sum(1 for d in details if not kill_problems(d)),
        "integrity_failures": sum(1 for d in details if d["integrity"] != "ok") + (final_check != "ok"),
        "duplicates": sum(len(d["duplicates"]) for d in details) + len(final_duplicates),
        "final_duplicates": final_duplicates,
        "urls_lost": len(lost),
        "lost_examples": sorted(lost)[:5],
        "reader": reads,
        "reader_errors": sum(reads["errors"].values()),
        "failed_runs": failed_runs,
        "final_exit": final.code,
        "final_integrity": final_check,
        "final_articles": len(ours),
        "missing": sorted(set(theirs) - set(ours)),
        "extra": sorted(set(ours) - set(theirs)),
        "differ": sorted(url for url in set(ours) & set(theirs) if ours[url] != theirs[url]),
        "details": details,
    }


def reach(job: Job, requests: list, count: int | None) -> bool:
    """Wait until the portal has logged ``count`` requests (None: until ``job`` ends) or ``job``
    ended; False when it made no request for ``STALL_SECONDS`` while running (it hung)."""
    seen, since = len(requests), time.monotonic()
    while job.running() and (count is None or len(requests) < count):
        if len(requests) != seen:
            seen, since = len(requests), time.monotonic()
        elif time.monotonic() - since > STALL_SECONDS:
            return False
        time.sleep(0.002)
    return True


def kill_problems(detail: dict) -> list[str]:
    """What went wrong at one kill and the restart after it."""
    problems = [f"integrity: {detail['integrity']}"] if detail["integrity"] != "ok" else []
    if detail["lost"]:
        problems.append(f"{len(detail['lost'])} committed URLs gone, e.g. {detail['lost'][0]}")
    problems += detail["duplicates"][:3]
    if detail["restart"]:
        problems.append(detail["restart"])
    return problems


def kill_goal_met(result: dict) -> bool:
    return (result["survived"] == result["kills"] and not result["integrity_failures"] and not result["urls_lost"]
            and not result["reader_errors"] and not result["duplicates"] and not result["failed_runs"]
            and not (result["missing"] or result["extra"] or result["differ"]))


# -- fault cases ---------------------------------------------------------------------------


@dataclasses.dataclass
class Verdict:
    """One fault case's outcome. ``serious``: a failure that loses data or exits 0 over a
    failure."""

    case: str
    passed: bool
    why: str
    serious: bool = False
    skipped: bool = False

    @property
    def label(self) -> str:
        return "SKIP" if self.skipped else "PASS" if self.passed else "FAIL"


def judge_exit(case: str, run: Run, expected: int, *, failure: str, data_lost: str = "") -> Verdict:
    """The usual verdict: the expected exit code with one line on stderr. ``failure`` says what
    went wrong for the user (for a 0 exit); ``data_lost`` names data the run lost (serious)."""
    if data_lost:
        return Verdict(case, False, f"{data_lost} (exit {run.code})", serious=True)
    if run.code == 0:
        return Verdict(case, False, f"exit 0 though {failure}", serious=True)
    if run.code != expected:
        return Verdict(case, False, f"exit {run.code}, expected {expected}: {run.said()}")
    if not run.one_line():
        return Verdict(case, False, f"exit {run.code} but not one line on stderr: {run.said()}")
    return Verdict(case, True, f"exit {run.code}: {run.said()}")


def abandoned(case: str, exc: Exception) -> Verdict:
    return Verdict(case, False, f"could not run: {exc}")


def removed_folder(h: Harness) -> list[Verdict]:
    case = "archive folder removed mid-crawl"
    folder = h.scratch("removed")
    archive = folder / "archive" / "news.db"
    archive.parent.mkdir()
    try:
        with h.held(archive) as job:
            shutil.rmtree(archive.parent)
        run = job.wait()
    except CaseError as exc:
        return [abandoned(case, exc)]
    return [judge_exit(case, run, EXIT_ARCHIVE_FAILED, failure="the rest of the crawl was written to a removed file")]


def replaced_file(h: Harness) -> list[Verdict]:
    case = "archive file replaced mid-crawl"
    folder = h.scratch("replaced")
    archive = folder / "news.db"
    backup = copy_archive(h.reference(), folder / "backup.db")
    backup_urls = committed_urls(backup)
    try:
        with h.held(archive) as job:
            os.replace(backup, archive)  # as `mv backup.db news.db` would
        run = job.wait()
    except CaseError as exc:
        return [abandoned(case, exc)]
    check = integrity(archive)
    damaged = "" if check == "ok" and committed_urls(archive) == backup_urls else (
        f"the file put in its place was changed or damaged ({check})")
    return [judge_exit(case, run, EXIT_ARCHIVE_FAILED, data_lost=damaged,
                       failure="the rest of the crawl was written to the replaced file")]


def export_onto_archive(h: Harness) -> list[Verdict]:
    """``export --output`` naming the archive itself (directly, by a symlink, by a hard link)."""
    verdicts = []
    for fmt, how in (("jsonl", "itself"), ("warc", "itself"), ("jsonl", "symlink"), ("csv", "hard link")):
        case = f"export --format {fmt} --output <the archive> ({how})"
        folder = h.scratch(f"export-{fmt}-{how.replace(' ', '-')}")
        archive = copy_archive(h.reference(), folder / "news.db")
        target = archive
        if how == "symlink":
            target = folder / "out.jsonl"
            target.symlink_to(archive.name)
        elif how == "hard link":
            target = folder / "out.csv"
            os.link(archive, target)
        before = file_digest(archive)
        run = h.archive("export", "--format", fmt, "--output", str(target), db=archive)
        lost = "" if file_digest(archive) == before else (
            f"the archive was overwritten (integrity: {integrity(archive)})")
        verdicts.append(judge_exit(case, run, 2, failure="the export went onto the archive", data_lost=lost))
    return verdicts


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` up; returns the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1 << 9):
            block = b"\0" * chunk
            try:
                while True:
                    out.write(block)
            except OSError:
                continue
    return filler


@contextlib.contextmanager
def small_disk(folder: Path, mib: int):
    """A ``mib`` MiB tmpfs mounted on ``folder`` (yields True), or nothing (yields False) when
    mounting is not possible (not root, no tmpfs)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", str(folder)],
                                 capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
                subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# ignores SIGXFSZ, then becomes the crawl: a write past RLIMIT_FSIZE fails with EFBIG instead
_IGNORE_SIGXFSZ = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
                   "os.execv(sys.argv[1], sys.argv[1:])"]


def full_disk(h: Harness) -> list[Verdict]:
    """The disk fills up mid-crawl: a small tmpfs filled to the brim at the held moment when
    root may mount one, else a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) set on the
    crawl at that moment. Then space comes back and the same crawl runs again."""
    folder = h.scratch("full-disk")
    mount = folder / "disk"
    with small_disk(mount, mib=max(16, 4 * h.reference().stat().st_size >> 20)) as mounted:
        how = "tmpfs filled mid-crawl" if mounted else "RLIMIT_FSIZE set mid-crawl"
        case = f"full disk during a crawl ({how})"
        archive = mount / "news.db"
        filler = None
        try:
            with h.held(archive, prefix=[] if mounted else _IGNORE_SIGXFSZ) as job:
                before = committed_urls(archive)
                if mounted:
                    filler = fill(mount)
                else:
                    limit = max(size(archive), size(f"{archive}-wal"))
                    resource.prlimit(job.pid, resource.RLIMIT_FSIZE, (limit, limit))
            run = job.wait()
        except CaseError as exc:
            return [abandoned(case, exc)]
        finally:
            if filler is not None:
                filler.unlink()
        check = integrity(archive)
        gone = before - committed_urls(archive) if check == "ok" else before
        lost = f"integrity {check}" if check != "ok" else f"{len(gone)} committed URLs gone" if gone else ""
        verdict = judge_exit(case, run, EXIT_ARCHIVE_FAILED, data_lost=lost,
                             failure="the disk was full and later articles were not archived")
        again = h.crawl(archive).wait()
        missing = {h.server.base_urls[h.portal.name] + e["url"] for e in h.portal.expected} - committed_urls(archive)
        if verdict.passed and (again.code or missing):
            verdict = Verdict(case, False, f"the crawl after space came back exited {again.code} with "
                                           f"{len(missing)} articles missing", serious=bool(missing))
    return [verdict]


def second_writer(h: Harness) -> list[Verdict]:
    """A second crawl on the archive through a symlink and through a hard link while the first
    one runs must exit 75 at once and touch nothing."""
    folder = h.scratch("second-writer")
    archive = folder / "news.db"
    verdicts = []
    try:
        with h.held(archive) as first:
            for how in ("symlink", "hard link"):
                case = f"second crawl through a {how} while the first runs"
                link = folder / ("alias.db" if how == "symlink" else "hard.db")
                if how == "symlink":
                    link.symlink_to(archive.name)
                else:
                    os.link(archive, link)
                with contextlib.closing(read_only(archive)) as conn:
                    runs = conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]

                def let_in() -> bool:
                    with contextlib.closing(read_only(archive)) as conn:
                        return conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] > runs

                second = h.crawl(link)
                wait_for(lambda: not second.running() or let_in(), "end of the second crawl")
                if second.running():
                    second.kill()
                    second.wait()
                    verdicts.append(Verdict(case, False, "a second writer was let in (it opened a crawl run and "
                                                         "would have exited 0)", serious=True))
                else:
                    verdicts.append(judge_exit(case, second.wait(), EXIT_IN_USE,
                                               failure="another crawl was writing the archive"))
        run = first.wait()
    except CaseError as exc:
        return verdicts + [abandoned("second crawl while the first runs", exc)]
    check = integrity(archive)
    if run.code or check != "ok":
        verdicts.append(Verdict("the first crawl beside them", False, f"exit {run.code}, integrity {check}",
                                serious=check != "ok"))
    return verdicts


def listening_ports(pid: int) -> list[str]:
    """TCP ports ``pid`` listens on (its socket inodes matched with /proc/<pid>/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = []
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.append(f"{table} {int(fields[1].rsplit(':', 1)[1], 16)}")
    return ports


def no_listener(h: Harness) -> list[Verdict]:
    """A crawl opens no TCP port (telnet console, remote control) and leaves no files but its
    archive in its working folder."""
    case = "a crawl listens on no TCP port and leaves no token files"
    cwd = h.scratch("no-listener")
    try:
        with h.held(cwd / "news.db", cwd=cwd) as job:
            ports = listening_ports(job.pid)
        run = job.wait()
    except CaseError as exc:
        return [abandoned(case, exc)]
    left = sorted(p.name for p in cwd.iterdir() if p.name not in {"news.db", *(f"news.db{s}" for s in COMPANIONS)})
    if ports or left or run.code:
        return [Verdict(case, False, f"listening on {ports or 'nothing'}; files left: {left or 'none'}; exit {run.code}")]
    return [Verdict(case, True, "no listening socket while it ran; only the archive left")]


def killed_run_row(h: Harness) -> list[Verdict]:
    case = "a killed crawl's crawl_runs row is closed as killed"
    folder = h.scratch("killed-row")
    archive = folder / "news.db"
    try:
        with h.held(archive) as job:
            job.kill()
        job.wait()
    except CaseError as exc:
        return [abandoned(case, exc)]
    with contextlib.closing(read_only(archive)) as conn:
        run_id = conn.execute("SELECT max(id) FROM crawl_runs").fetchone()[0]
    shown = h.archive("summary", db=archive)
    line = next((ln for ln in shown.stdout.splitlines() if ln.strip().startswith(f"run {run_id}:")), "")
    after = h.crawl(archive).wait()
    with contextlib.closing(read_only(archive)) as conn:
        row = conn.execute("SELECT ended_at, finish_reason FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    problems = []
    if shown.code or not line or " .. running" in line:  # a dead run: "not running (killed?)"
        problems.append(f"summary after the kill shows {line.strip() or shown.said()!r}")
    if after.code:
        problems.append(f"the next crawl exited {after.code}: {after.said()}")
    if row["finish_reason"] != "killed" or not row["ended_at"]:
        problems.append(f"after the next crawl the row is ended_at={row['ended_at']}, "
                        f"finish_reason={row['finish_reason']}")
    return [Verdict(case, not problems, "; ".join(problems) or "shown as not running, closed as killed by the next crawl")]


def log_file_missing(h: Harness) -> list[Verdict]:
    case = "-s LOG_FILE=<missing folder>/log"
    folder = h.scratch("log-file")
    archive = folder / "news.db"
    run = h.crawl(archive, LOG_FILE=str(folder / "missing" / "dir" / "log")).wait()
    verdict = judge_exit(case, run, 2, failure="its log could not be written")
    if verdict.passed and litter(archive):
        verdict = Verdict(case, False, f"exit 2 but left {litter(archive)}")
    return [verdict]


def unknown_argument(h: Harness) -> list[Verdict]:
    case = "-a sinse=2021-01-01 (a misspelt argument)"
    folder = h.scratch("unknown-argument")
    archive = folder / "news.db"
    run = h.crawl(archive, "-a", "sinse=2021-01-01").wait()
    verdict = judge_exit(case, run, 2, failure="the misspelt backfill range was ignored")
    if verdict.passed and litter(archive):
        verdict = Verdict(case, False, f"exit 2 but left {litter(archive)}")
    return [verdict]


def rejected_paths(h: Harness) -> list[Verdict]:
    """Crawls refused before they start leave nothing behind: no lock, no empty archive."""
    folder = h.scratch("rejected")
    verdicts = []
    directory = folder / "a-folder"
    directory.mkdir()
    text = folder / "notes.db"
    text.write_text("采访提纲：平度乡村振兴示范片区\n", encoding="utf-8")
    text_digest = file_digest(text)
    variants = [
        ("ARCHIVE_PATH is a folder", directory, {}, lambda: [p.name for p in directory.iterdir()]
         + litter(directory, existed=True)),
        ("ARCHIVE_PATH is a text file", text, {},
         lambda: ([] if file_digest(text) == text_digest else ["the file was changed"]) + litter(text, existed=True)),
        ("a bad setting with a new ARCHIVE_PATH", folder / "new.db", {"NEWS_MAX_ERROR_RATIO": "half"},
         lambda: litter(folder / "new.db")),
    ]
    for name, path, settings, left in variants:
        case = f"rejected: {name}"
        run = h.crawl(path, **settings).wait()
        verdict = judge_exit(case, run, 2, failure="the crawl could not use its archive")
        if verdict.passed and left():
            verdict = Verdict(case, False, f"exit 2 but left {left()}")
        verdicts.append(verdict)
    return verdicts


def read_only_archive(h: Harness) -> list[Verdict]:
    """Read commands on a read-only archive answer as on a writable one; a crawl into it is
    refused (exit 2). As root: ``chattr +i`` on the file, then on the folder too; else modes
    0444 / 0555."""
    root = os.geteuid() == 0
    if root and not shutil.which("chattr"):
        return [Verdict("read-only archive", True, "skipped: root ignores file modes and chattr is missing",
                        skipped=True)]
    folder = h.scratch("read-only")
    archive = copy_archive(h.reference(), folder / "ro" / "news.db")
    with contextlib.closing(read_only(archive)) as conn:
        url = conn.execute("SELECT url FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    commands = [("summary", "--json"), ("stats", "--json"), ("search", SEARCH_WORD, "--json"),
                ("export", "--format", "jsonl"), ("show", url), ("history", url), ("check",)]
    expected = {args: h.archive(*args, db=archive) for args in commands}

    def lock(path: Path, on: bool) -> None:
        if root:
            subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, capture_output=True)
        else:
            path.chmod((0o555 if path.is_dir() else 0o444) if on else (0o755 if path.is_dir() else 0o644))

    verdicts = []
    for how, locked in (("file", [archive]), ("file and folder", [archive, archive.parent])):
        what = ("chattr +i " if root else "read-only ") + how
        try:
            for path in locked:
                lock(path, True)
            for args in commands:
                case = f"{what}: archive {args[0]}"
                run = h.archive(*args, db=archive)
                want = expected[args]
                if run.code != 0:
                    verdicts.append(Verdict(case, False, f"exit {run.code}: {run.said()}"))
                elif run.stdout != want.stdout or want.code:
                    verdicts.append(Verdict(case, False, "output differs from the writable archive's"
                                            + (f" (which exited {want.code}: {want.said()})" if want.code else "")))
                else:
                    verdicts.append(Verdict(case, True, "exit 0, same output as writable"))
            run = h.crawl(archive).wait()
            verdicts.append(judge_exit(f"{what}: crawl into it", run, 2,
                                       failure="nothing could be archived"))
        finally:
            for path in reversed(locked):
                lock(path, False)
    return verdicts


def killed_export(h: Harness) -> list[Verdict]:
    """``export --output x.jsonl`` killed mid-way leaves no x.jsonl (x.jsonl.part may stay).
    The export is stopped (SIGSTOP) as soon as either file appears, so the kill lands at the
    moment seen; a stop after the export had written and renamed a whole file is no kill
    mid-way, and the case tries again."""
    case = "export --output x.jsonl killed mid-way"
    folder = h.scratch("killed-export")
    archive = copy_archive(h.reference(), folder / "news.db")
    target = folder / "x.jsonl"
    partial = folder / "x.jsonl.part"
    with contextlib.closing(read_only(archive)) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def whole() -> bool:
        text = target.read_bytes() if target.exists() else b""
        return text.endswith(b"\n") and text.count(b"\n") == articles

    for _attempt in range(5):
        for path in (target, partial):
            path.unlink(missing_ok=True)
        job = Job([sys.executable, "-m", "archive", "export", "--db", str(archive), "--format", "jsonl",
                   "--output", str(target)], h.logs)
        while job.running() and not (target.exists() or partial.exists()):
            pass  # busy: the window between opening the file and finishing is short
        if not job.running():
            job.wait()
            continue
        job.proc.send_signal(signal.SIGSTOP)
        finished = whole() and not partial.exists()
        job.kill()
        job.wait()
        if finished:
            continue
        if not target.exists():
            return [Verdict(case, True, f"no {target.name}" + (f"; {partial.name} stays" if partial.exists() else ""))]
        records = target.read_bytes().count(b"\n")
        return [Verdict(case, False, f"{target.name} left behind ({records} of {articles} records, "
                                     "a truncated export under the final name)", serious=True)]
    return [Verdict(case, False, "could not run: the export ended before it could be killed (5 tries)")]


def _damage_pages(path: Path, which: str) -> str:
    """Corrupt the archive at ``path`` in place: ``header`` breaks the schema page's b-tree
    header; ``articles`` breaks the header of every leaf page of the articles table (every
    command that reads an article meets it). Returns what was done."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = ([1] if which == "header" else
                 [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf'")])
    with open(path, "r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size + (100 if page == 1 else 0))  # the b-tree page type byte
            f.write(b"\xff")
    return f"{len(pages)} page{'s' * (len(pages) != 1)} of {page_size} bytes"


ARCHIVE_COMMANDS = ("export jsonl", "export csv", "export warc", "search", "summary", "stats", "history", "show",
                    "neardup", "reextract", "split-copies", "check")
# commands whose answer covers every article: an exit 0 on damaged article pages is a lie
READS_EVERY_ARTICLE = {"export jsonl", "export csv", "export warc", "summary", "stats", "reextract", "check"}


def _command_args(name: str, url: str, out: Path) -> tuple[str, ...]:
    return {
        "export jsonl": ("export", "--format", "jsonl"), "export csv": ("export", "--format", "csv"),
        "export warc": ("export", "--format", "warc", "--output", str(out)), "search": ("search", SEARCH_WORD),
        "history": ("history", url), "show": ("show", url),
    }.get(name, (name,))


def flipped_bytes(h: Harness, commands: tuple[str, ...] = ARCHIVE_COMMANDS,
                  damages: tuple[str, ...] = ("header", "articles")) -> list[Verdict]:
    """A damaged archive (``damages``: see :func:`_damage_pages`): each of ``commands`` says so
    in one line and exits 1, never a traceback; a capture whose compressed bytes are damaged
    makes ``check`` exit 1 and ``export warc`` fail or report it."""
    verdicts = []
    with contextlib.closing(read_only(h.reference())) as conn:
        url = conn.execute("SELECT url FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    for which in damages:
        folder = h.scratch(f"damaged-{which}")
        archive = copy_archive(h.reference(), folder / "news.db")
        done = _damage_pages(archive, which)
        for name in commands:
            case = f"damaged {which} ({done}): archive {name}"
            run = h.archive(*_command_args(name, url, folder / "out.warc.gz"), db=archive)
            said_once = run.one_line() or (name == "check" and "Traceback" not in run.stderr)
            if run.code == 0:
                verdicts.append(Verdict(case, False, "exit 0 on a damaged archive: " + (
                    "it reads every article, so its output is incomplete" if name in READS_EVERY_ARTICLE else
                    f"it did not meet the damage ({(run.stdout.strip().splitlines() or [''])[-1][:80]})"),
                    serious=name in READS_EVERY_ARTICLE))
            elif run.code != 1 or not said_once:
                verdicts.append(Verdict(case, False, f"exit {run.code}, expected 1 with one line: {run.said()}"))
            else:
                verdicts.append(Verdict(case, True, f"exit 1: {run.said()}"))
    folder = h.scratch("damaged-capture")
    archive = copy_archive(h.reference(), folder / "news.db")
    with contextlib.closing(sqlite3.connect(archive)) as conn:
        capture_id, body = conn.execute("SELECT id, body FROM captures ORDER BY id LIMIT 1").fetchone()
        flipped = body[:10] + bytes(b ^ 0xFF for b in body[10:26]) + body[26:]  # still a blob
        conn.execute("UPDATE captures SET body = ? WHERE id = ?", [flipped, capture_id])
        conn.commit()
    if "check" in commands:
        run = h.archive("check", db=archive)
        said = (run.stdout.strip().splitlines() or [""])[-1][:140]
        verdicts.append(Verdict("a damaged capture: archive check", run.code == 1 and "Traceback" not in run.stderr,
                                f"exit {run.code}: {said or run.said()}", serious=run.code == 0))
    if "export warc" in commands:
        run = h.archive(*_command_args("export warc", url, folder / "out.warc.gz"), db=archive)
        fine = run.code in (0, 1) and "Traceback" not in run.stderr and len(run.stderr_lines()) <= 1
        counted = run.code == 1 or "damaged" in run.stderr
        verdicts.append(Verdict("a damaged capture: archive export warc", fine and counted,
                                f"exit {run.code}: {run.said()}"
                                + ("" if counted else " (the damaged capture is not reported)"),
                                serious=run.code == 0 and not counted))
    return verdicts


FAULT_CASES = (removed_folder, replaced_file, export_onto_archive, full_disk, second_writer, read_only_archive,
               killed_export, flipped_bytes, killed_run_row, log_file_missing, unknown_argument, rejected_paths,
               no_listener)


def fault_cases(h: Harness, progress=None) -> list[Verdict]:
    verdicts = []
    for case in FAULT_CASES:
        try:
            found = case(h)
        except CaseError as exc:  # e.g. the reference crawl it starts from failed
            found = [abandoned(case.__name__.replace("_", " "), exc)]
        for verdict in found:
            if progress:
                progress(f"{verdict.label} {verdict.case}: {verdict.why}")
        verdicts += found
    return verdicts


def fault_counts(verdicts: list[Verdict]) -> dict:
    return {"cases": sum(not v.skipped for v in verdicts), "passed": sum(v.passed and not v.skipped for v in verdicts),
            "serious": sum(v.serious for v in verdicts), "skipped": sum(v.skipped for v in verdicts),
            "failed": sum(not v.passed for v in verdicts)}


# -- hostile pages -------------------------------------------------------------------------


def hostile_pages(h: Harness) -> dict | None:
    """Crawl ``samplesite.hostile``'s site with a second served site as the off-site target;
    its ``judge`` counts. None when the module does not exist yet."""
    try:
        hostile = importlib.import_module("samplesite.hostile")
    except ModuleNotFoundError as exc:
        if exc.name != "samplesite.hostile":
            raise
        return None
    offsite = build_synthetic_site(20, h.seed + 2, name="offsite")
    with SiteServer([offsite]) as other:
        site = hostile.build_hostile_site(other.base_urls[offsite.name])
        with SiteServer([site]) as server:
            archive = h.scratch("hostile") / "news.db"
            settings = {"DOWNLOAD_TIMEOUT": "5", **getattr(hostile, "CRAWL_SETTINGS", {})}
            run = h.crawl(archive, start_url=server.base_urls[site.name] + "/", **settings).wait(600)
            with contextlib.closing(read_only(archive)) as conn:
                row = conn.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
            stats = json.loads(row[0]) if row and row[0] else {}
            result = hostile.judge(stats, str(archive), len(other.requests[offsite.name]))
    result["exit"] = run.code
    return result


def hostile_goal_met(result: dict | None) -> bool:
    return result is None or not (result["crashed"] or result["miscounted"] or result["offsite_requests"])


# -- report --------------------------------------------------------------------------------


def report(kill: dict | None, verdicts: list[Verdict] | None, hostile: dict | None, hostile_ran: bool) -> list[str]:
    lines = []
    if kill is not None:
        r = kill
        lines.append(f"kill test: {r['site_articles']} articles, {r['kills_done']} kills in {r['runs']} runs "
                     f"(every other with JOBDIR), reader {r['reader']['rounds']} rounds + "
                     f"{r['reader']['commands']} commands")
        lines.append(f"kills survived / integrity failures / URLs lost / reader errors: {r['survived']}/"
                     f"{r['integrity_failures']}/{r['urls_lost']}/{r['reader_errors']} (goal {r['kills']}/0/0/0)")
        lines.append(f"final archive vs an uninterrupted crawl: {r['final_articles']} articles, "
                     f"{len(r['missing'])} missing / {len(r['extra'])} extra / {len(r['differ'])} differ, "
                     f"duplicates {r['duplicates']}, runs failed by themselves {len(r['failed_runs'])} "
                     f"(goal 0/0/0, 0, 0)")
        lines += [f"  failed by itself: {why}" for why in r["failed_runs"]]
        for d in r["details"]:
            if kill_problems(d):
                lines.append(f"  kill {d['kill']}{' (JOBDIR)' * d['jobdir']}: {'; '.join(kill_problems(d))}")
        if r["final_duplicates"]:
            lines.append(f"  stored twice at the end: {'; '.join(r['final_duplicates'][:3])}")
        for kind, n in r["reader"]["errors"].items():
            lines.append(f"  reader error x{n}: {kind}")
        for label in ("missing", "extra", "differ"):
            if r[label]:
                lines.append(f"  {label}: {', '.join(r[label][:3])}{' ...' * (len(r[label]) > 3)}")
    if verdicts is not None:
        lines.append("fault cases:")
        lines += [f"  {v.label} {v.case}: {v.why}" + (" [loses data or exits 0]" if v.serious else "")
                  for v in verdicts]
        c = fault_counts(verdicts)
        lines.append(f"fault cases that lose data or exit 0: {c['serious']} (goal 0); other failures: "
                     f"{c['failed'] - c['serious']}; passed {c['passed']} of {c['cases']}"
                     + (f", {c['skipped']} skipped" if c["skipped"] else ""))
    if hostile_ran:
        if hostile is None:
            lines.append("hostile pages: skipped (samplesite/hostile.py does not exist yet)")
        else:
            lines.append(f"hostile cases crashed / mis-counted / off-site requests: {hostile['crashed']}/"
                         f"{hostile['miscounted']}/{hostile['offsite_requests']} (goal 0/0/0) "
                         f"of {hostile['cases']} cases, crawl exit {hostile['exit']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, help="SIGKILLs of the kill test (default 20; --short: 3)")
    parser.add_argument("--articles", type=int, help="articles of the kill test's portal (default 2000; --short: 300)")
    parser.add_argument("--short", action="store_true", help="the quick form: 3 kills on a 300-article portal")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--seed", type=int, default=0, help="seed of the portals and the kill moments")
    parser.add_argument("--only", choices=("kill", "faults", "hostile"), help="run one part only")
    parser.add_argument("--keep", metavar="DIR", help="keep archives and logs in DIR")
    parser.add_argument("--reader", metavar="DB", help=argparse.SUPPRESS)  # the kill test's reader process
    args = parser.parse_args(argv)
    if args.reader:
        print(json.dumps(reader_loop(args.reader), ensure_ascii=False))
        return 0
    kills = args.kills if args.kills is not None else 3 if args.short else 20
    articles = args.articles if args.articles is not None else FAULT_ARTICLES if args.short else 2000
    progress = (lambda message: None) if args.json else (lambda message: print("  " + message, file=sys.stderr))
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    with (contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory()) as tmp, \
            Harness(Path(tmp), articles, args.seed) as h:
        kill = verdicts = hostile = None
        broken = []  # parts that could not run
        try:
            if args.only in (None, "kill"):
                kill = kill_test(h, kills, args.seed, progress=progress)
        except CaseError as exc:
            broken.append(f"kill test could not run: {exc}")
        if args.only in (None, "faults"):
            verdicts = fault_cases(h, progress=progress)
        try:
            if args.only in (None, "hostile"):
                hostile = hostile_pages(h)
        except CaseError as exc:
            broken.append(f"hostile pages could not run: {exc}")
    goals = [not broken, kill is None or kill_goal_met(kill),
             verdicts is None or fault_counts(verdicts)["failed"] == 0,
             hostile_goal_met(hostile)]
    if args.json:
        print(json.dumps({"broken": broken, "kill": kill,
                          "faults": verdicts and [dataclasses.asdict(v) for v in verdicts],
                          "faults_counts": verdicts and fault_counts(verdicts), "hostile": hostile,
                          "goals_met": all(goals)}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(broken + report(kill, verdicts, hostile, args.only in (None, "hostile")
                                         and not any(b.startswith("hostile") for b in broken))))
    return 0 if all(goals) else 1


if __name__ == "__main__":
    sys.exit(main())
