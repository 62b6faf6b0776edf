"""Sending a crawl's items to the archive's one writer through a Redis stream instead of
writing the archive (``NEWS_SINK = "redis"``): how crawl processes on several machines feed
one archive (:mod:`archive.streamwriter` writes it; README, "Several machines").

Settings: ``NEWS_SINK`` (``archive``, the default: the crawl writes ``ARCHIVE_PATH`` itself;
``redis``: it sends), ``NEWS_REDIS_URL``, ``NEWS_STREAM`` (the stream's key), ``NEWS_RUN``
(the run the crawl belongs to, given by the dispatcher; empty: the crawl is a run of its own)
and ``NEWS_JOB`` (the crawl's key; empty: made up). With ``NEWS_SINK = "redis"``,
``ARCHIVE_PATH`` is only read (a read-only view or a snapshot of the archive, for the
incremental checks), never locked or written.
"""

from __future__ import annotations

import logging
import uuid

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archive.clock import utc_now
from archive.entries import encode
from archive.streamwriter import DEFAULT_STREAM, shown_url
from crawler.items import Article, LinksSeen, Revisit
from crawler.runstats import run_counts

logger = logging.getLogger(__name__)

SINKS = ("archive", "redis")


def sends_to_stream(settings) -> bool:
    """True when the crawl sends its items through Redis (``NEWS_SINK = "redis"``)."""
    return settings.get("NEWS_SINK", "archive") == "redis"


class StreamPipeline:
    """Send each cleaned article, unchanged re-fetch, note of links met and revisit-budget
    check as one stream entry (:mod:`archive.entries`), counted as sent
    (``news/sink/sent/<kind>``) once Redis has it; the crawl's start and end too
    (``job_start``, ``job_end`` with its stats, and ``run_end`` for a crawl that is its own
    run). When Redis cannot take an entry the crawl stops: finish reason ``sink_failed``,
    ``news/sink/failure`` its one-line reason (exit code 5), and what is not sent is counted
    as ``news/sink/not_sent``: the dispatcher runs the crawl again."""

    def __init__(self, crawler, url: str, stream: str, run: str, job: str):
        self.crawler = crawler
        self.url = url
        self.stream = stream
        self.job = job
        self.own_run = not run
        self.run = run or job
        self.client = None
        self.failure: str | None = None
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not sends_to_stream(settings):
            raise NotConfigured("NEWS_SINK is not redis")
        job = settings.get("NEWS_JOB") or uuid.uuid4().hex
        pipeline = cls(crawler, settings.get("NEWS_REDIS_URL"), settings.get("NEWS_STREAM") or DEFAULT_STREAM,
                       settings.get("NEWS_RUN") or "", job)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        from crawler.incremental import revisits_planned  # (incremental asks sends_to_stream)

        crawler.signals.connect(pipeline.revisits_planned, signal=revisits_planned)
        return pipeline

    def open_spider(self):
        import redis

        self.client = redis.Redis.from_url(self.url, socket_connect_timeout=10, socket_timeout=30)
        self.send("job_start", {"spider": self.crawler.spider.name, "started_at": utc_now(),
                                "start_urls": self.crawler.settings.getlist("NEWS_START_URLS")})

    def spider_opened(self, spider):
        self.opened = True
        if self.failure is not None:  # Redis refused the crawl's first entry: nothing to crawl for
            self.stop()

    def process_item(self, item):
        if isinstance(item, Article):
            self.send("article", item.to_record())
        elif isinstance(item, Revisit):
            self.send("revisit", [item.url, item.fetched_at, item.sitemap_lastmod, item.link_texts])
        elif isinstance(item, LinksSeen):
            now = utc_now()
            self.send("seen", [[url, lastmod, texts, now] for url, lastmod, texts in item.entries])
        return item

    def revisits_planned(self, urls: list[str]) -> None:
        """Noted as checked now, whatever the answer (see ArchivePipeline.revisits_planned)."""
        now = utc_now()
        self.send("checks", [[url, now] for url in urls])

    def spider_closed(self, spider, reason):
        stats = dict(self.crawler.stats.get_stats())
        counts = run_counts(stats)
        self.send("job_end", {"reason": reason, "stats": _plain(stats),
                              "counts": {"pages_fetched": counts["pages"], "items_dropped": counts["dropped"],
                                         "errors": counts["failed"]}})
        if self.own_run:
            self.send("run_end", {"reason": reason, "stats": {}})
        if self.client is not None:
            self.client.close()

    def send(self, kind: str, data) -> bool:
        """One entry to the stream; False (counted as not sent) once Redis failed."""
        import redis

        stats = self.crawler.stats
        if self.failure is None:
            try:
                self.client.xadd(self.stream, encode(kind, self.run, self.job, data))
                stats.inc_value(f"news/sink/sent/{kind}")
                return True
            except redis.RedisError as exc:
                self.fail(exc)
        stats.inc_value("news/sink/not_sent")
        return False

    def fail(self, exc: Exception) -> None:
        self.failure = f"the item stream at {shown_url(self.url)} is unusable ({exc}); the crawl stopped"
        self.crawler.stats.set_value("news/sink/failure", self.failure)
        logger.error("%(failure)s", {"failure": self.failure})
        if self.opened:  # (while the spider opens, it is stopped once open)
            self.stop()

    def stop(self) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="sink_failed"))


def _plain(stats: dict) -> dict:
    """Stats as JSON can carry them (times as ISO text)."""
    return {k: (v if isinstance(v, (int, float, str, bool)) or v is None else str(v)) for k, v in stats.items()}
