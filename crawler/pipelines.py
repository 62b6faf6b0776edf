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

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from archive import ArchiveWriter, open_archive
from archive.db import utc_now
from crawler.cleaning import BadArticle, clean_article
from crawler.incremental import revisits_planned
from crawler.items import Article, LinksSeen, Revisit
from crawler.runstats import run_counts

logger = logging.getLogger(__name__)


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

    Articles are written in batches of ``ARCHIVE_BATCH_SIZE``, each batch one transaction,
    by this one writer. The run's new and changed articles are checked for near-duplicates
    in one pass when the spider closes (stats ``archive/neardup/checked`` and ``.../seconds``). A row in ``crawl_runs`` records the crawl: it is opened with the
    spider and closed (with the finish reason and counts) when the spider closes.
    Stats: ``archive/articles/new``, ``archive/articles/updated``, ``archive/articles/unchanged``.
    """

    def __init__(self, crawler, path: str, batch_size: int):
        self.crawler = crawler
        self.path = path
        self.batch_size = batch_size
        self.db = None
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.pending: list[dict] = []
        self.revisits: list[tuple] = []
        self.seen: list[tuple] = []  # from LinksSeen items: (url, sitemap_lastmod, link_texts, seen_at)
        self.checks: list[tuple] = []  # (url, checked_at) of the revisit budget's re-checks

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ARCHIVE_PATH")
        if not path:
            raise NotConfigured("ARCHIVE_PATH is empty")
        pipeline = cls(crawler, path, max(1, crawler.settings.getint("ARCHIVE_BATCH_SIZE")))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.revisits_planned, signal=revisits_planned)
        return pipeline

    def revisits_planned(self, urls: list[str]) -> None:
        """The revisit budget asks for ``urls`` in this run: noted as checked now, whatever the
        answer, so the next runs' budget goes on to other articles (an article whose page is
        gone, moved off-site or disallowed must not hold a place for ever)."""
        now = utc_now()
        self.checks += [(url, now) for url in urls]

    def open_spider(self):
        self.db = open_archive(self.path)
        # near-duplicates are linked in one pass when the crawl ends (spider_closed)
        self.writer = ArchiveWriter(self.db, link_copies=False)
        spider = self.crawler.spider
        self.run_id = self.writer.start_run(spider.name, getattr(spider, "start_urls", []))
        logger.info("archiving to %(path)s (run %(run)s)", {"path": self.path, "run": self.run_id})

    def process_item(self, item):
        if isinstance(item, Revisit):
            self.revisits.append((item.url, item.fetched_at, item.sitemap_lastmod, item.link_texts))
        elif isinstance(item, LinksSeen):
            now = utc_now()
            self.seen += [(url, lastmod, texts, now) for url, lastmod, texts in item.entries]
        else:
            self.pending.append(item.to_record() if isinstance(item, Article) else ItemAdapter(item).asdict())
        if len(self.pending) + len(self.revisits) + len(self.seen) + len(self.checks) >= self.batch_size:
            self.flush()
        return item

    def flush(self):
        if not (self.pending or self.revisits or self.seen or self.checks):
            return
        pending, revisits, seen, checks = self.pending, self.revisits, self.seen, self.checks
        self.pending, self.revisits, self.seen, self.checks = [], [], [], []
        try:
            outcomes = self.writer.save_many(pending, self.run_id, revisits, seen, checks)
        except sqlite3.Error:
            # One bad record must not take its batch (and every later one) with it: save
            # them one by one and count what still fails.
            logger.exception("batch of %(n)s articles failed; saving one by one", {"n": len(pending)})
            outcomes = []
            for record in pending:
                try:
                    outcomes += self.writer.save_many([record], self.run_id)
                except sqlite3.Error as exc:
                    self.crawler.stats.inc_value("archive/write_errors")
                    logger.error("could not archive %(url)s: %(exc)s", {"url": record.get("url"), "exc": exc})
            try:
                outcomes += self.writer.save_many([], self.run_id, revisits, seen, checks)
            except sqlite3.Error:
                self.crawler.stats.inc_value("archive/write_errors", len(revisits) + len(seen) + len(checks))
        for outcome in outcomes:
            self.crawler.stats.inc_value(f"archive/articles/{outcome.value}")

    def close_spider(self):
        self.flush()

    def spider_closed(self, spider, reason):
        """Record the run's end; the finish reason is only known once the spider closed."""
        if self.writer is None:
            return
        started = time.monotonic()
        try:
            checked = self.writer.link_pending_copies()
        except sqlite3.Error:  # the articles stay queued for the next run
            logger.exception("near-duplicate linking failed")
            checked = 0
        self.crawler.stats.set_value("archive/neardup/checked", checked)
        self.crawler.stats.set_value("archive/neardup/seconds", round(time.monotonic() - started, 3))
        stats = self.crawler.stats.get_stats()
        c = run_counts(stats)
        counts = {
            "pages_fetched": c["pages"], "articles_new": c["new"], "articles_updated": c["updated"],
            "articles_unchanged": c["unchanged"], "items_dropped": c["dropped"], "errors": c["failed"],
        }
        self.writer.finish_run(self.run_id, finish_reason=reason, counts=counts, stats=stats)
        self.db.close()
        self.writer = None
