"""``writer``: the archive's one writer for crawls that send their items through Redis
(``scrapy crawl news -s NEWS_SINK=redis``; see :mod:`archive.streamwriter`)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from archive.commands.options import db_option, open_to_write
from archive.db import open_archive
from archive.streamwriter import DEFAULT_STREAM, StreamWriter, shown_url


@click.command()
@db_option
@click.option("--redis", "redis_url", required=True, metavar="URL", envvar="NEWS_REDIS_URL",
              help="The Redis server the crawls send to, e.g. redis://:password@10.0.0.5:6379/0 (or the "
                   "environment's NEWS_REDIS_URL: a password stays out of the command line).")
@click.option("--stream", default=DEFAULT_STREAM, show_default=True, help="The stream's key (NEWS_STREAM of the crawls).")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="Entries per write transaction, at most.")
@click.option("--until-idle", is_flag=True,
              help="Stop once every entry in the stream is written, instead of waiting for more.")
def writer(db_path, redis_url, stream, batch, until_idle):
    """Write what crawls send through Redis into the archive, as its one writer: it holds
    the archive's lock (exit 75 while a crawl or another writer holds it), commits each
    batch before acknowledging it, and on start writes first what a writer that died left
    unacknowledged (nothing is written twice). SIGTERM or Ctrl-C: the batch in hand is
    committed and acknowledged, then it stops (exit 0). Redis unreachable: one line, exit 1.

    Example: news-archive writer --db news.db --redis redis://127.0.0.1:6379/0
    """
    import redis

    if not Path(db_path).exists():
        open_archive(db_path, create=True).close()  # a first run: the archive starts here
    # (a read waits at most a second for entries: a longer silence is a dead connection)
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with open_to_write(db_path) as db:
        stream_writer = StreamWriter(db, client, stream, batch_size=batch)
        try:
            if until_idle:
                stream_writer.drain()
            else:
                stream_writer.serve(stop.is_set)
                if stream_writer.copies_due:
                    stream_writer.link_copies()
        except redis.RedisError as exc:
            raise click.ClickException(f"cannot use Redis at {shown_url(redis_url)}: {exc}") from None
    counts = stream_writer.counts
    click.echo(f"writer stopped: {counts['applied']} entries written, {counts['skipped']} written before "
               f"(replayed), {counts['dead_letter']} moved to {stream_writer.dead_stream}")


COMMANDS = [writer]
