"""Crawl jobs: one ``scrapy crawl news`` run over one site group (the start URLs of one line
of a sites file), or over one date window of a backfill, sending its items to the archive's
writer through Redis (``NEWS_SINK=redis``, :mod:`crawler.streamsink`).

A sites file holds one site group per line: start URLs separated by white space; empty
lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from crawler.spiders.arguments import start_urls_of

# Redis keys (under the stream's key): a run's job results, the run's lock.
RESULTS_KEY = "{stream}:run:{run}:jobs"
LOCK_KEY = "{stream}:dispatch"


@dataclass(frozen=True)
class Job:
    """One crawl of a run: ``start_urls``, and for a backfill window ``since``/``until``
    (ISO days, inclusive)."""
    run: str
    job: str
    start_urls: tuple[str, ...]
    since: str | None = None
    until: str | None = None

    def as_message(self) -> dict:
        return {**asdict(self), "start_urls": list(self.start_urls)}

    @classmethod
    def from_message(cls, message: dict) -> Job:
        return cls(message["run"], message["job"], tuple(message["start_urls"]), message.get("since"),
                   message.get("until"))


def read_sites(path: str | Path) -> list[list[str]]:
    """The site groups of a sites file (see the module doc); raises ValueError naming the
    line of a URL that is no http(s) URL, or for a file without any."""
    groups = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            groups.append(start_urls_of(",".join(line.split())))
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from None
    if not groups:
        raise ValueError(f"{path} names no site (one group of start URLs per line)")
    return groups


def windows(since: dt.date, until: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """``[since, until]`` cut into ``count`` consecutive windows of whole days (fewer when
    there are fewer days), the earlier ones a day longer when the days do not divide evenly."""
    days = (until - since).days + 1
    count = max(1, min(count, days))
    out, start = [], since
    for n in range(count):
        length = days // count + (1 if n < days % count else 0)
        end = start + dt.timedelta(days=length - 1)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def plan(run: str, groups: list[list[str]], since: dt.date | None, until: dt.date | None,
         count: int = 1) -> list[Job]:
    """The jobs of a run: each site group, in each window of ``[since, until]`` when both
    are given (a backfill split into ``count`` windows), else once."""
    spans = windows(since, until, count) if since and until else [(since, until)]
    return [Job(run, uuid.uuid4().hex, tuple(group), s.isoformat() if s else None, u.isoformat() if u else None)
            for group in groups for s, u in spans]


def crawl_command(job: Job, stream: str, archive: str | None, settings: list[str]) -> list[str]:
    """The ``scrapy crawl news`` command line of ``job``; ``archive``: a read-only view or
    snapshot of the archive for the incremental checks (none: every page is fetched). The
    Redis URL is not in it (it may hold a password, and command lines are public): see
    :func:`start_crawl`."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_urls=" + ",".join(job.start_urls)]
    if job.since:
        cmd += ["-a", f"since={job.since}"]
    if job.until:
        cmd += ["-a", f"until={job.until}"]
    for name, value in (("NEWS_SINK", "redis"), ("NEWS_STREAM", stream),
                        ("NEWS_RUN", job.run), ("NEWS_JOB", job.job), ("ARCHIVE_PATH", archive or "")):
        cmd += ["-s", f"{name}={value}"]
    for setting in settings:
        cmd += ["-s", setting]
    return cmd


_PR_SET_PDEATHSIG = 1
try:  # looked up here, not in the forked child (the loader's lock may be held by another thread)
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the crawl outlives a killed worker
    _PRCTL = None


def _dies_with(parent: int):
    """For the crawl's child process: be killed when the worker ``parent`` dies (Linux), so a
    crawl never runs on after its job went to another worker."""
    def preexec() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the worker died before the line above
            os._exit(1)
    return preexec


def start_crawl(cmd: list[str], redis_url: str, stdout, stderr) -> subprocess.Popen:
    """Start a job's crawl as a child that dies with the process starting it, in a session of
    its own (a signal for the worker reaches it only through the worker), sending to
    ``redis_url`` (given in its environment, ``NEWS_REDIS_URL``); its output goes to the
    files ``stdout`` and ``stderr``."""
    return subprocess.Popen(cmd, preexec_fn=_dies_with(os.getpid()), stdout=stdout, stderr=stderr,
                            start_new_session=True, env={**os.environ, "NEWS_REDIS_URL": redis_url})


def tail(file, lines: int = 20) -> list[str]:
    """The last ``lines`` lines of an output file (read from its last 16 kB)."""
    file.seek(0, os.SEEK_END)
    file.seek(max(0, file.tell() - 16384))
    return file.read().decode(errors="replace").splitlines()[-lines:]
