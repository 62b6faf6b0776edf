"""Item pipelines: clean, then archive (which de-duplicates against everything stored).

De-duplication is done where the knowledge is: the archive, which records each publication.
An article is the same as a stored article of its site (one host, or hosts of one registered
domain; see ``archive.sites``) when any of its URLs (canonical URL, redirects,
tracking-parameter variants, mobile copies naming it as canonical, continuation pages) is
already known there, or when its title and body are exactly those of that article. Either
way its URLs are added as aliases and no second record is made, in this crawl or any later
one. The same text on another site is its own record, linked by ``near_duplicate_of`` to the
earliest-published copy.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from archive import ArchiveWriter, open_archive
from archive.clock import utc_now
from archive.errors import archive_failure
from archive.lock import FileIdentity
from archive.runs import finish_run, start_run
from crawler.cleaning import BadArticle, clean_article
from crawler.incremental import revisits_planned
from crawler.items import Article, LinksSeen, Revisit
from crawler.runstats import run_counts
from crawler.streamsink import sends_to_stream

logger = logging.getLogger(__name__)

# Signal sent (no arguments) by whoever reads the crawl's archived records while the crawl runs
# or before its last step, i.e. feeds (crawler/feeds.py) when they close: the archive's writer
# stores what it holds and links the new near-duplicates now (otherwise it links them after
# Scrapy's ``spider_closed`` stats), so the records read are complete up to that moment.
archive_wanted = object()


class CleanPipeline:
    """Normalize text fields; drop articles without title/body or with mojibake.

    Stats: ``clean/dropped/<reason>``.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        try:
            return clean_article(item)
        except BadArticle as exc:
            self.crawler.stats.inc_value(f"clean/dropped/{exc.reason}")
            raise DropItem(f"{exc} ({item.url})") from None


class ArchivePipeline:
    """Store articles in the SQLite archive at ``ARCHIVE_PATH``.

    Articles (and the other items' notes) are written in batches, each batch one transaction,
    by this one writer: a batch is written when it holds ``ARCHIVE_BATCH_SIZE`` entries, or
    when its first entry has waited ``ARCHIVE_BATCH_SECONDS`` (a slow or stalled crawl still
    commits what it fetched every half minute or so; checked as entries arrive and on a timer
    a third as long), and when the spider closes. The run's new and changed articles are checked for near-duplicates
    in one pass after the last write (stats ``archive/neardup/checked`` and ``.../seconds``).
    A row in ``crawl_runs`` records the crawl: it is opened with the spider and closed (with
    the finish reason and counts) when the spider closes.
    Stats: ``archive/articles/new``, ``archive/articles/updated``, ``archive/articles/unchanged``.
    """

    def __init__(self, crawler, path: str, batch_size: int, batch_seconds: float = 30.0):
        self.crawler = crawler
        self.path = path
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.batch_started: float | None = None  # time.monotonic() of the batch's first entry
        self.timer: task.LoopingCall | None = None  # writes a batch that waited long enough
        self.db = None
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.pending: list[dict] = []
        self.revisits: list[tuple] = []
        self.seen: list[tuple] = []  # from LinksSeen items: (url, sitemap_lastmod, link_texts, seen_at)
        self.checks: list[tuple] = []  # (url, checked_at) of the revisit budget's re-checks
        self.identity: FileIdentity | None = None
        self.failure: str | None = None  # set when the archive itself failed (see fail())

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ARCHIVE_PATH")
        if not path:
            raise NotConfigured("ARCHIVE_PATH is empty")
        if sends_to_stream(crawler.settings):
            raise NotConfigured("NEWS_SINK is redis: the archive's writer stores the items")
        pipeline = cls(crawler, path, max(1, crawler.settings.getint("ARCHIVE_BATCH_SIZE")),
                       crawler.settings.getfloat("ARCHIVE_BATCH_SECONDS"))
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.revisits_planned, signal=revisits_planned)
        crawler.signals.connect(pipeline.complete, signal=archive_wanted)
        return pipeline

    def revisits_planned(self, urls: list[str]) -> None:
        """The revisit budget asks for ``urls`` in this run: noted as checked now, whatever the
        answer, so the next runs' budget goes on to other articles (an article whose page is
        gone, moved off-site or disallowed must not hold a place for ever)."""
        now = utc_now()
        self.checks += [(url, now) for url in urls]

    def open_spider(self):
        self.db = open_archive(self.path)
        self.identity = FileIdentity(self.path)
        # near-duplicates are linked in one pass when the crawl ends (close_spider)
        self.writer = ArchiveWriter(self.db, link_copies=False)
        # the crawl's start URLs, as the spider (crawler/spiders/news.py) sets them
        start_urls = self.crawler.settings.getlist("NEWS_START_URLS")
        self.run_id = start_run(self.writer.db, self.crawler.spider.name, start_urls)
        logger.info("archiving to %(path)s (run %(run)s)", {"path": self.path, "run": self.run_id})

    def process_item(self, item):
        if self.failure is not None:
            if isinstance(item, Article):
                self.not_stored(1)
            return item
        if isinstance(item, Revisit):
            self.revisits.append((item.url, item.fetched_at, item.sitemap_lastmod, item.link_texts))
        elif isinstance(item, LinksSeen):
            now = utc_now()
            self.seen += [(url, lastmod, texts, now) for url, lastmod, texts in item.entries]
        else:
            self.pending.append(item.to_record() if isinstance(item, Article) else ItemAdapter(item).asdict())
        if self.batch_started is None:
            self.batch_started = time.monotonic()
        if len(self.pending) + len(self.revisits) + len(self.seen) + len(self.checks) >= self.batch_size:
            self.flush()
        else:
            self.flush_if_due()
        return item

    def spider_opened(self, spider):
        if self.batch_seconds > 0:
            self.timer = task.LoopingCall(self.flush_if_due)
            self.timer.start(self.batch_seconds / 3, now=False)

    def flush_if_due(self) -> None:
        """Write the batch when its first entry has waited ``ARCHIVE_BATCH_SECONDS``."""
        if self.batch_started is not None and time.monotonic() - self.batch_started >= self.batch_seconds:
            self.flush()

    def flush(self):
        self.batch_started = None
        if self.failure is not None:  # the archive failed: nothing more is written
            self.not_stored(len(self.pending))
            self.pending, self.revisits, self.seen, self.checks = [], [], [], []
            return
        if not (self.pending or self.revisits or self.seen or self.checks):
            return
        pending, revisits, seen, checks = self.pending, self.revisits, self.seen, self.checks
        self.pending, self.revisits, self.seen, self.checks = [], [], [], []
        try:
            outcomes = self.writer.save_many(pending, self.run_id, revisits, seen, checks)
        except sqlite3.Error as exc:
            if self.is_archive_failure(exc):
                return self.fail(exc, unstored=len(pending))
            # One bad record must not take its batch (and every later one) with it: save
            # them one by one and count what still fails.
            logger.exception("batch of %(n)s articles failed; saving one by one", {"n": len(pending)})
            outcomes = []
            for n, record in enumerate(pending):
                try:
                    outcomes += self.writer.save_many([record], self.run_id)
                except sqlite3.Error as exc:
                    if self.is_archive_failure(exc):
                        self.count(outcomes)
                        return self.fail(exc, unstored=len(pending) - n)
                    self.crawler.stats.inc_value("archive/write_errors")
                    logger.error("could not archive %(url)s: %(exc)s", {"url": record.get("url"), "exc": exc})
            try:
                outcomes += self.writer.save_many([], self.run_id, revisits, seen, checks)
            except sqlite3.Error as exc:
                if self.is_archive_failure(exc):
                    self.count(outcomes)
                    return self.fail(exc, unstored=0)
                self.crawler.stats.inc_value("archive/write_errors", len(revisits) + len(seen) + len(checks))
        self.count(outcomes)
        self.check_file()

    def count(self, outcomes) -> None:
        for outcome in outcomes:
            self.crawler.stats.inc_value(f"archive/articles/{outcome.value}")

    def check_file(self) -> None:
        """Stop when the archive's path no longer names the file being written (removed,
        its folder removed, or replaced): what was written is saved beside it if possible."""
        gone = self.identity.changed() if self.identity else None
        if gone:
            rescued = self.rescue()
            self.let_go()
            self.fail(f"the archive {self.path} was {gone} during the crawl"
                      + (f"; what this crawl wrote is saved as {rescued}" if rescued else
                         "; what this crawl wrote is lost with it"), unstored=0)

    def let_go(self) -> None:
        """Empty this writer's ``-wal`` file into the file it belongs to (the removed or
        replaced one): the ``-wal`` is found by name, so left full it would be read as part
        of whatever file is at the path now, and damage it."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            logger.exception("could not empty the write-ahead log of the archive's old file")

    @staticmethod
    def is_archive_failure(exc: Exception) -> bool:
        """A failure of the archive itself (disk full, read-only, I/O error, damaged), not of
        one record."""
        return archive_failure(exc, "") is not None

    def rescue(self) -> str | None:
        """Copy the archive as this writer still sees it (the removed or replaced file) next
        to its old path; returns the copy's path, or None when that is impossible."""
        target = Path(f"{self.path}.rescued-{utc_now().replace(':', '').replace('+0000', 'Z')}")
        try:
            if not target.parent.is_dir() or target.exists():
                return None
            self.db.execute("VACUUM INTO ?", [str(target)])
            return str(target)
        except (sqlite3.Error, OSError):
            logger.exception("could not save the archive being written to %(target)s", {"target": target})
            return None

    def fail(self, why: Exception | str, unstored: int) -> None:
        """The archive itself failed (``why``: the error, or what happened to its file): stop
        the crawl (finish reason ``archive_failed``; the crawl command exits 74 with
        ``archive/failure`` as its one-line reason) and count what is not stored from now
        on as ``archive/articles/not_stored``."""
        self.not_stored(unstored)
        if self.failure is not None:
            return
        self.failure = str(archive_failure(why, self.path) if isinstance(why, Exception) else why)
        self.crawler.stats.set_value("archive/failure", self.failure)
        logger.error("%(failure)s; stopping the crawl", {"failure": self.failure})
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="archive_failed"))

    def not_stored(self, n: int) -> None:
        if n:
            self.crawler.stats.inc_value("archive/articles/not_stored", n)

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def complete(self) -> None:
        """:data:`archive_wanted`: store what is pending and link the near-duplicates so far."""
        self.flush()
        self.link_copies()

    def link_copies(self) -> None:
        """Link the run's new and changed articles (those not linked yet) to their
        near-duplicates: when the spider has closed (after the crawl's timing), or earlier
        when :data:`archive_wanted`."""
        if self.writer is None or self.failure is not None:
            return
        try:
            self._link_copies()
        except sqlite3.Error as exc:
            self.fail(exc, unstored=0)

    def _link_copies(self) -> None:
        started = time.monotonic()
        try:
            checked = self.writer.link_pending_copies()
        except sqlite3.Error as exc:  # the articles stay queued for the next run
            if self.is_archive_failure(exc):
                raise
            logger.exception("near-duplicate linking failed")
            checked = 0
        stats = self.crawler.stats  # summed over the passes (feeds may ask for one mid-crawl)
        stats.set_value("archive/neardup/checked", stats.get_value("archive/neardup/checked", 0) + checked)
        stats.set_value("archive/neardup/seconds",
                        round(stats.get_value("archive/neardup/seconds", 0.0) + time.monotonic() - started, 3))

    def spider_closed(self, spider, reason):
        """Record the run's end; the finish reason is only known once the spider closed."""
        if self.writer is None:
            return
        self.link_copies()
        try:
            if self.failure is None:
                self.finish(reason)
        except sqlite3.Error as exc:
            self.fail(exc, unstored=0)
        finally:
            self.db.close()
            self.writer = None

    def finish(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        c = run_counts(stats)
        counts = {
            "pages_fetched": c["pages"], "articles_new": c["new"], "articles_updated": c["updated"],
            "articles_unchanged": c["unchanged"], "items_dropped": c["dropped"], "errors": c["failed"],
        }
        finish_run(self.writer.db, self.run_id, finish_reason=reason, counts=counts, stats=stats)
        self.check_file()
