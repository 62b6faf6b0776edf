"""Crawl extensions."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


class Progress:
    """A progress line every ``NEWS_PROGRESS_INTERVAL`` seconds (0: off) for long runs:
    pages done, articles archived, the page rate and the number of queued requests."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task: task.LoopingCall | None = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWS_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("NEWS_PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.started = time.monotonic()
        self.task = task.LoopingCall(self.log)
        self.task.start(self.interval, now=False)

    def log(self):
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        archived = sum(stats.get_value(f"archive/articles/{k}", 0) for k in ("new", "updated"))
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        minutes = max(time.monotonic() - self.started, 1e-9) / 60
        logger.info(
            "progress: %(pages)d pages (%(rate).0f/min), %(archived)d articles archived, %(queued)d queued",
            {"pages": pages, "rate": pages / minutes, "archived": archived, "queued": queued},
        )

    def spider_closed(self, spider):
        if self.task and self.task.running:
            self.task.stop()


class ArchiveDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, kept in memory even with ``JOBDIR``.

    With JOBDIR Scrapy would save the fingerprint of every request as it is *scheduled*; a
    crawl killed before the articles of those requests were written would then never fetch
    them again. Here the archive is what remembers finished work: after a restart the
    pending queue (saved by JOBDIR) goes on, the start pages are read again, and archived
    articles are skipped by the incremental check, so nothing is fetched twice for nothing
    and nothing is lost.
    """

    @classmethod
    def from_crawler(cls, crawler):
        return cls(path=None, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)
