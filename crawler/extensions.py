"""Crawl extensions: the progress line."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.runstats import run_counts

logger = logging.getLogger(__name__)


class Progress:
    """The crawl's progress line, every ``NEWS_PROGRESS_INTERVAL`` seconds (0: off), in place
    of Scrapy's LogStats (switched off in crawler/settings.py)::

        progress: 1200 pages (310/min), 1040 articles archived, 3 failed, 57 queued

    pages: responses received so far, and the rate over the last interval (pages a
    minute); articles archived: new and updated ones; failed: requests that failed for good
    (as the end-of-run line counts them); queued: requests waiting in the scheduler."""

    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self.task: task.LoopingCall | None = None
        self.last: tuple[float, int] = (0.0, 0)  # (time.monotonic(), pages) of the last line

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWS_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("NEWS_PROGRESS_INTERVAL is 0")
        ext = cls(crawler.stats, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.last = (time.monotonic(), 0)
        self.task = task.LoopingCall(self.log)
        self.task.start(self.interval, now=False)

    def log(self):
        stats = self.stats.get_stats()
        counts = run_counts(stats)
        now, pages = time.monotonic(), counts["pages"]
        minutes = max(now - self.last[0], 1e-9) / 60
        rate = (pages - self.last[1]) / minutes
        self.last = (now, pages)
        queued = stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)
        logger.info(
            "progress: %(pages)d pages (%(rate).0f/min), %(archived)d articles archived, %(failed)d failed, "
            "%(queued)d queued",
            {"pages": pages, "rate": rate, "archived": counts["new"] + counts["updated"], "failed": counts["failed"],
             "queued": queued},
        )

    def spider_closed(self, spider):
        if self.task and self.task.running:
            self.task.stop()
