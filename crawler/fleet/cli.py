"""``news-crawl``: crawl many sites from many worker processes into one archive.

- ``news-crawl worker --redis URL [--archive VIEW]``: runs the queue's jobs, one crawl at a
  time, each a ``scrapy crawl news`` child sending its items through Redis; SIGTERM stops
  the running crawl and hands its job back, then the worker exits 0.
- ``news-crawl dispatch --redis URL --sites FILE [--since D --until D --windows N]``: one
  run from cron: it queues one job per site group (and per window of a backfill), waits for
  them and for the archive's writer to have written the run, prints one line over all jobs
  and exits with the worst job's exit code: 0 finished; 3 nothing fetched or a start URL
  unreachable; 4 too many failed requests; 5 stopped before finishing (a crawl stopped,
  Redis lost, the writer did not write the run in time); 75 the previous run is still
  going; 2 a mistake on the command line.

The archive's writer is ``news-archive writer --db PATH --redis URL``.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import uuid

import click

from archive.entries import encode
from archive.streamwriter import DEFAULT_STREAM, shown_url
from crawler.fleet.jobs import LOCK_KEY, RESULTS_KEY, plan, read_sites

EXIT_STOPPED = 5
EXIT_RUNNING = 75
# The worst of the jobs' exit codes, in order of gravity.
_GRAVITY = {0: 0, 3: 1, 4: 2, 5: 3}

redis_option = click.option("--redis", "redis_url", required=True, metavar="URL", envvar="NEWS_REDIS_URL",
                            help="The Redis server of the queue and the item stream, e.g. redis://:pw@10.0.0.5:6379/0 "
                                 "(or the environment's NEWS_REDIS_URL: a password stays out of the command line).")
stream_option = click.option("--stream", default=DEFAULT_STREAM, show_default=True,
                             help="The item stream's key (as the writer's --stream).")
heartbeat_option = click.option("--heartbeat-timeout", default=60.0, show_default=True, type=click.FloatRange(1),
                                help="Seconds without a sign of life after which a worker's job is run by another.")


@click.group()
def cli():
    """Crawl many sites from many workers into one archive (see the README, "Several machines")."""


@cli.command()
@redis_option
@stream_option
@heartbeat_option
@click.option("--archive", default=None, metavar="PATH",
              help="A read-only view or snapshot of the archive for the incremental checks (none: every page is fetched).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting for the crawls.")
def worker(redis_url, stream, heartbeat_timeout, archive, settings):
    """Run crawl jobs from the queue, one at a time, until SIGTERM or Ctrl-C.

    Example: news-crawl worker --redis redis://127.0.0.1:6379/0 --archive /srv/news/news.db
    """
    import dramatiq
    import redis

    from crawler.fleet.queue import QUEUE, CrawlRunner, crawl_actor, make_broker

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"cannot reach Redis at {shown_url(redis_url)}: {exc}") from None
    broker = make_broker(redis_url, int(heartbeat_timeout * 1000))
    runner = CrawlRunner(redis_url, stream, archive, list(settings), client)
    crawl_actor(broker, runner)
    done = threading.Event()

    def stop(*_):
        runner.stop()
        done.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    consumer = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=1)
    consumer.queue_prefetch = 1  # one job in hand at a time: the others stay for other workers
    consumer.start()
    click.echo(f"worker ready: queue {QUEUE} at {shown_url(redis_url)}", err=True)
    done.wait()
    consumer.stop()
    click.echo("worker stopped", err=True)


@cli.command()
@redis_option
@stream_option
@heartbeat_option
@click.option("--sites", "sites_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="One site group per line: start URLs separated by spaces.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="A backfill's first day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="A backfill's last day.")
@click.option("--windows", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Date windows a backfill (--since and --until) is split into, one job each per site group.")
@click.option("--writer-timeout", default=600.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait, after the last job, for the writer to have written the run.")
@click.option("--timeout", "run_timeout", default=86_400.0, show_default=True, type=click.FloatRange(1),
              help="Seconds to wait for the jobs (no worker alive, a job lost): the run then ends, exit 5.")
def dispatch(redis_url, stream, heartbeat_timeout, sites_file, since, until, windows, writer_timeout, run_timeout):
    """Queue one run's crawl jobs, wait for them, print one line, exit with the worst job's code.

    Example (crontab): 0 * * * * news-crawl dispatch --redis redis://127.0.0.1:6379/0 --sites /srv/news/sites.txt
    """
    import redis

    from crawler.fleet.queue import crawl_actor, make_broker

    try:
        groups = read_sites(sites_file)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    if (since is None) != (until is None) or (since and since > until):
        raise click.UsageError("a backfill needs --since and --until, the first not after the second")
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
    run = uuid.uuid4().hex
    held = RunLock(client, LOCK_KEY.format(stream=stream), run, int(heartbeat_timeout * 3))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    jobs, results = [], []
    started = time.monotonic()
    try:
        if not held.take():
            click.echo(f"news-crawl dispatch: the previous run ({held.holder()}) is still going", err=True)
            sys.exit(EXIT_RUNNING)
        jobs = plan(run, groups, since and since.date(), until and until.date(), windows)
        actor = crawl_actor(make_broker(redis_url, int(heartbeat_timeout * 1000)))
        for job in jobs:
            actor.send(job.as_message())
        results = _wait_for_jobs(client, stream, run, held, len(jobs), started + run_timeout, stop)
        if len(results) < len(jobs):  # stopped, or out of time: the run ends here
            code, reason = EXIT_STOPPED, "shutdown" if stop.is_set() else "timeout"
        else:
            code = max((r["exit_code"] for r in results), key=lambda c: _GRAVITY.get(c, 3))
            code = code if code in _GRAVITY else EXIT_STOPPED
            reason = "finished" if code == 0 else f"exit {code}"
        client.xadd(stream, encode("run_end", run, "", {"reason": reason, "stats": {"dispatch/jobs": len(jobs)},
                                                       "exit_code": code}))
        written = None if stop.is_set() else _wait_for_writer(client, stream, run, held, writer_timeout, stop)
    except redis.RedisError as exc:
        click.echo(f"news-crawl dispatch: Redis at {shown_url(redis_url)} failed: {exc}", err=True)
        sys.exit(EXIT_STOPPED)
    except RuntimeError as exc:  # the lock was lost
        click.echo(f"news-crawl dispatch: {exc}", err=True)
        sys.exit(EXIT_STOPPED)
    finally:
        held.release()
    if reason in ("shutdown", "timeout"):
        click.echo(f"news-crawl dispatch: {len(results)} of {len(jobs)} jobs done when the run "
                   + ("was stopped" if stop.is_set() else f"ran out of time ({run_timeout:.0f}s)"), err=True)
    failed = [r for r in results if r["exit_code"]]
    line = (f"run {reason}: jobs {len(jobs)} ({len(failed)} failed), " + _counts(written)
            + f", duration {time.monotonic() - started:.1f}s")
    click.echo(line)
    for result in failed:
        click.echo(f"news-crawl dispatch: {' '.join(result['start_urls'])}: {result['why'] or result['summary']}", err=True)
    if written is None and not stop.is_set():
        click.echo(f"news-crawl dispatch: the archive's writer has not written the run within {writer_timeout:.0f}s "
                   "(is 'news-archive writer' running?)", err=True)
        sys.exit(max(code, EXIT_STOPPED, key=lambda c: _GRAVITY.get(c, 3)))
    sys.exit(code)


class RunLock:
    """The dispatcher's lock (one run at a time), held by the run's key for ``ttl`` seconds
    and kept alive while the run goes on; kept and given up only by its holder (compared
    and changed in one Redis script), so a dispatcher that stalled past the TTL never takes
    back a newer run's lock."""

    _KEEP = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
    _GIVE_UP = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, client, key: str, run: str, ttl: int):
        self.client, self.key, self.run, self.ttl = client, key, run, ttl

    def take(self) -> bool:
        return bool(self.client.set(self.key, self.run, nx=True, ex=self.ttl))

    def holder(self) -> str:
        return (self.client.get(self.key) or b"?").decode()

    def keep(self) -> None:
        """Extend the lock; raises RuntimeError when it was lost (the run must not go on)."""
        if not self.client.eval(self._KEEP, 1, self.key, self.run, self.ttl):
            raise RuntimeError("the dispatch lock expired and another run took it")

    def release(self) -> None:
        try:
            self.client.eval(self._GIVE_UP, 1, self.key, self.run)
        except Exception:  # noqa: BLE001 - it expires by itself
            pass


def _wait_for_jobs(client, stream: str, run: str, held: RunLock, count: int, deadline: float,
                   stop: threading.Event) -> list[dict]:
    """The jobs' results, once all are in, or those in when stopped or past ``deadline``."""
    key = RESULTS_KEY.format(stream=stream, run=run)
    while True:
        results = [json.loads(v) for v in client.hvals(key)]
        if len(results) >= count or stop.is_set() or time.monotonic() >= deadline:
            return results
        held.keep()
        stop.wait(0.5)


def _wait_for_writer(client, stream: str, run: str, held: RunLock, timeout: float,
                     stop: threading.Event) -> dict | None:
    """The run's counts once the writer wrote its run_end (see StreamWriter), None after ``timeout``."""
    key = f"{stream}:written:{run}"
    deadline = time.monotonic() + timeout
    while True:
        got = client.hgetall(key)
        if got:
            return {k.decode(): int(v) for k, v in got.items()}
        if time.monotonic() >= deadline or stop.is_set():
            return None
        held.keep()
        stop.wait(0.5)


def _counts(written: dict | None) -> str:
    if written is None:
        return "not written yet"
    return ", ".join(f"{name.replace('articles_', '').replace('pages_fetched', 'pages').replace('errors', 'failed')} "
                     f"{written.get(name, 0)}"
                     for name in ("pages_fetched", "articles_new", "articles_updated", "articles_unchanged", "errors"))


def main(argv=None):
    cli.main(args=argv, prog_name="news-crawl")


if __name__ == "__main__":
    main()
