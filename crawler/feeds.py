"""Feed exports (``scrapy crawl news -o articles.jsonl``, ``FEEDS``) that write the archive's records.

A crawl yields more Article items than it archives articles: copies of one article (print and
mobile pages, tracking-parameter variants) merge in the archive. So a feed only notes the
article each item belongs to, and when the crawl ends (after the archive's last write and
near-duplicate linking, asked for with the ``archive_wanted`` signal of crawler/pipelines.py)
writes each noted article once,
in the order first noted, as ``python -m archive export`` writes it: the export's fields
(``archive.query.EXPORT_FIELDS``) with the same values; in CSV, lists as the export's CSV
writes them (JSON arrays). ``FEED_EXPORT_FIELDS`` or a feed's ``fields`` choose among these
fields. Revisit and LinksSeen items are not articles: feeds skip them.

Without an archive (``ARCHIVE_PATH`` empty) each Article item is written as it comes
(:meth:`crawler.items.Article.feed_record`). Raw captures are never in a feed.

Scrapy closes a feed batch (``FEED_EXPORT_BATCH_ITEM_COUNT``) mid-crawl: the archive's writer
first stores what it holds (``archive_wanted``), so the batch holds each of its articles. An
article an item noted but the archive refused (``archive/write_errors``) is counted as
``feeds/articles/not_archived`` and leaves the feed unfinished, like a failed archive.

When the archive failed during the crawl (stat ``archive/failure``) or cannot be read at the
end, the feed is left unfinished (a JSON or XML feed then lacks its closing bracket or tag)
and an error is logged; the crawl exits 74. Scrapy's own line "Stored ... feed (N items)"
counts items; the articles written are logged by these exporters.

One class per format of Scrapy's ``FEED_EXPORTERS_BASE``, each wrapping Scrapy's exporter of
that format; registered in ``FEED_EXPORTERS`` (crawler/settings.py).
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from typing import IO

from scrapy.exporters import (
    BaseItemExporter,
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    MarshalItemExporter,
    PickleItemExporter,
    XmlItemExporter,
)

from archive import ArchiveError, open_archive
from archive.errors import archive_failure
from archive.query import EXPORT_FIELDS, show, url_state, write_records
from crawler.items import Article
from crawler.pipelines import archive_wanted

logger = logging.getLogger(__name__)


class ArticleFeed:
    """Scrapy's exporter ``exporter_class``, fed the archived records of the crawl's articles.

    ``archive_path``: the archive the crawl writes (empty: none; items are written as they
    come). ``options``: Scrapy's exporter options (``fields_to_export``, ``encoding``,
    ``indent``, a feed's ``item_export_kwargs``); ``fields_to_export`` defaults to the
    export's fields.
    """

    exporter_class: type[BaseItemExporter]

    def __init__(self, file: IO[bytes], *, archive_path: str, stats, signals=None, fields_to_export=None,
                 **options):
        self.exporter = self.exporter_class(file, fields_to_export=fields_to_export or EXPORT_FIELDS, **options)
        self.archive_path = archive_path
        self.stats = stats
        self.signals = signals  # the crawler's: to ask the archive's writer for its last links
        self.noted: dict[str, None] = {}  # article URLs as the items gave them, first noted first
        self.items = 0  # Article items seen

    @classmethod
    def from_crawler(cls, crawler, file: IO[bytes], **options):
        return cls(file, archive_path=crawler.settings.get("ARCHIVE_PATH"), stats=crawler.stats,
                   signals=crawler.signals, **options)

    def start_exporting(self) -> None:
        self.exporter.start_exporting()

    def export_item(self, item) -> None:
        if not isinstance(item, Article):
            return
        self.items += 1
        if self.archive_path:
            # the URL the page was fetched at names the article it was stored in, whether or not
            # the archive believed its rel=canonical (item.url)
            self.noted.setdefault(item.fetched_url or item.url)
        else:
            self.export_record(item.feed_record())

    def export_record(self, record: dict) -> None:
        self.exporter.export_item(record)

    def finish_exporting(self) -> None:
        if self.archive_path and not self.export_archived():
            return  # left unfinished: the feed must not look complete
        self.exporter.finish_exporting()

    def export_archived(self) -> bool:
        """Write the noted articles' archived records; False when the archive failed."""
        if self.signals is not None:  # the archive's writer stores what it holds, links copies
            self.signals.send_catch_log(archive_wanted)
        failure = self.stats.get_value("archive/failure")
        if failure:
            logger.error("feed left unfinished: %(failure)s", {"failure": failure})
            return False
        try:
            db = open_archive(self.archive_path, create=False, readonly=True)
            try:
                written, missing = self.write_from(db)
            finally:
                db.close()
        except (ArchiveError, sqlite3.Error) as exc:
            failure = f"the feed could not read the archive: {archive_failure(exc, self.archive_path) or exc}"
            self.stats.set_value("archive/failure", failure)
            logger.error("feed left unfinished: %(failure)s", {"failure": failure})
            return False
        if missing:  # records the archive refused (archive/write_errors): the crawl exits 74
            self.stats.inc_value("feeds/articles/not_archived", missing)
            logger.error("feed left unfinished: %(n)s articles of the crawl are not in the archive",
                         {"n": missing})
            return False
        logger.info("feed: %(n)s archived articles for %(items)s article items",
                    {"n": written, "items": self.items})
        return True

    def write_from(self, db) -> tuple[int, int]:
        """Export each noted article's record once, read from the archive ``db``; returns
        (articles written, noted URLs the archive does not know)."""
        written: set[str] = set()
        missing = 0
        for url in self.noted:
            state = url_state(db, url)  # the URL, or an alias, of an archived article
            if state is None:
                missing += 1
            elif state["url"] not in written:
                written.add(state["url"])
                record = show(db, state["url"])  # the export's record of one article, and more
                self.export_record({name: record[name] for name in EXPORT_FIELDS})
        return len(written), missing


def csv_values(record: dict) -> dict:
    """A record's values as ``python -m archive export --format csv`` writes them (lists as
    JSON arrays): its writer writes the row, read back here, so the two CSVs cannot differ."""
    text = io.StringIO(newline="")
    write_records(text, "csv", [dict(record)])
    text.seek(0)
    return next(csv.DictReader(text))


class CsvFeed(ArticleFeed):
    exporter_class = CsvItemExporter

    def export_record(self, record: dict) -> None:
        self.exporter.export_item(csv_values(record))


class JsonFeed(ArticleFeed):
    exporter_class = JsonItemExporter


class JsonLinesFeed(ArticleFeed):
    exporter_class = JsonLinesItemExporter


class XmlFeed(ArticleFeed):
    exporter_class = XmlItemExporter


class MarshalFeed(ArticleFeed):
    exporter_class = MarshalItemExporter


class PickleFeed(ArticleFeed):
    exporter_class = PickleItemExporter
