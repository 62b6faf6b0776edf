"""The job queue: Dramatiq over the same Redis server as the item stream.

Dramatiq's Redis broker keeps a message a worker took among that worker's unacknowledged
ones, and puts it back in the queue when the worker stops heart-beating (killed, its machine
gone) for ``heartbeat_timeout`` ms: the job runs again on another worker. A worker takes one
job at a time (one thread, prefetch 1), so the jobs spread over the workers. A worker told to
stop (SIGTERM) stops its crawl and hands the job back (:class:`HandBack`, which Dramatiq's
retries put back in the queue); other failures of a crawl are its result, not retried.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading

import dramatiq
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.middleware import TimeLimit

from crawler.fleet.jobs import RESULTS_KEY, Job, crawl_command, start_crawl, tail

logger = logging.getLogger(__name__)

EXIT_STOPPED = 5  # a job that could not run counts as a crawl stopped before finishing

QUEUE = "news-crawls"
# Share of the broker's commands that also look for dead workers' messages: high, because
# a crawl job is long and few commands are sent meanwhile.
MAINTENANCE_CHANCE = MAINTENANCE_SCALE // 10
RESULT_TTL = 7 * 24 * 3600  # seconds a run's job results stay in Redis


class HandBack(dramatiq.Retry):
    """The worker is stopping: its crawl was stopped, the job goes back to the queue (a
    Dramatiq retry: not logged as a failure)."""


def make_broker(redis_url: str, heartbeat_timeout_ms: int = 60_000) -> RedisBroker:
    broker = RedisBroker(url=redis_url, heartbeat_timeout=heartbeat_timeout_ms, maintenance_chance=MAINTENANCE_CHANCE)
    # a crawl takes as long as its sites need: no time limit
    for middleware in [m for m in broker.middleware if isinstance(m, TimeLimit)]:
        broker.middleware.remove(middleware)
    return broker


class CrawlRunner:
    """What a worker needs to run a job's crawl: where to send items, the archive view, extra
    settings; the crawl running now (stopped when the worker stops)."""

    def __init__(self, redis_url: str, stream: str, archive: str | None, settings: list[str], client):
        self.redis_url = redis_url
        self.stream = stream
        self.archive = archive
        self.settings = settings
        self.client = client
        self.stopping = threading.Event()
        self.current = None  # the running crawl's Popen

    def run(self, message: dict) -> None:
        """Run one job's crawl and record its result (a crawl that could not run: exit 5 with
        the reason), unless the worker is stopping (:class:`HandBack`)."""
        job = Job.from_message(message)
        results = RESULTS_KEY.format(stream=self.stream, run=job.run)
        if self.client.hexists(results, job.job):
            return  # delivered again after it finished (its worker died before the acknowledgement)
        try:
            code, summary, why = self._crawl(job)
        except HandBack:
            raise
        except Exception as exc:  # noqa: BLE001 - the dispatcher must hear of every job
            logger.exception("job %(job)s could not run", {"job": job.job})
            code, summary, why = EXIT_STOPPED, "", f"the job could not run on this worker: {exc}"
        self.client.hset(results, job.job, json.dumps({"exit_code": code, "summary": summary, "why": why,
                                                        "start_urls": list(job.start_urls)}))
        self.client.expire(results, RESULT_TTL)

    def _crawl(self, job: Job) -> tuple[int, str, str]:
        """``(exit code, summary line, last line on stderr when it failed)`` of the job's crawl."""
        if self.stopping.is_set():
            raise HandBack()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = self.current = start_crawl(crawl_command(job, self.stream, self.archive, self.settings),
                                              self.redis_url, out, err)
            if self.stopping.is_set():  # SIGTERM came while it started
                proc.terminate()
            try:
                proc.wait()
            finally:
                self.current = None
            if self.stopping.is_set() and proc.returncode != 0:
                raise HandBack()  # stopped by the worker's SIGTERM: another worker runs it
            summary = next((line for line in reversed(tail(out)) if line.startswith("crawl ")), "")
            lines = tail(err)
        return proc.returncode, summary, lines[-1] if proc.returncode and lines else ""

    def stop(self) -> None:
        """Stop taking jobs; stop the running crawl (it finishes its in-flight requests)."""
        self.stopping.set()
        proc = self.current
        if proc is not None and proc.poll() is None:
            proc.terminate()


def crawl_actor(broker: RedisBroker, runner: CrawlRunner | None = None):
    """The actor jobs are sent to (``runner``: the worker's; a dispatcher only sends)."""

    def crawl_job(message: dict) -> None:
        if runner is None:
            raise RuntimeError("this process only sends jobs")
        runner.run(message)

    return dramatiq.actor(crawl_job, broker=broker, queue_name=QUEUE, actor_name="crawl_job", max_retries=1_000,
                          min_backoff=1_000, max_backoff=5_000,
                          retry_when=lambda retries, exc: isinstance(exc, HandBack))
