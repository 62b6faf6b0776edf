"""Crawling from many worker processes into one archive: jobs on a Dramatiq queue over Redis
(:mod:`crawler.fleet.queue`), each a ``scrapy crawl news`` sending its items through the
item stream (:mod:`crawler.streamsink`) to the archive's one writer; the ``news-crawl``
command (:mod:`crawler.fleet.cli`)."""
