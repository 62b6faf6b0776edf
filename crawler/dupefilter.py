"""The duplicate filter of a crawl: Scrapy's, kept in memory even with ``JOBDIR``."""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter


class MemoryDupeFilter(RFPDupeFilter):
    """Scrapy's request-fingerprint duplicate filter, which never writes its fingerprints to
    ``JOBDIR`` (``requests.seen``).

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
