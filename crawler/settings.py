"""Scrapy settings of the news crawler. Every value can be overridden with ``-s NAME=VALUE``."""

import os

from archive import clock

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# -- politeness ------------------------------------------------------------------------------
USER_AGENT = "newsarchive/0.1 (news archiving crawler; respects robots.txt)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Items and requests processed in parallel per response. Scrapy's default (100) starts 100
# worker tasks for every response; a news page yields one item and a few dozen requests.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# -- robustness ------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30          # seconds
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024   # bytes; larger responses are dropped (news/requests/failed/too_large)
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2                # transient 5xx, 408, 429 and connection errors
# A request that fails for good is counted with its reason (news/requests/failed/*); one
# warning line, not an error, in the log.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
HTTPERROR_ALLOWED_CODES: list[int] = []
COOKIES_ENABLED = False
# A crawl listens on no port: Scrapy's telnet console and remote control (which runs Python
# code sent to a 127.0.0.1 port with a token) are off; set either to True to use it.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # First of all: requests (links, redirects of every kind, robots.txt, sitemaps) stay on
    # the start URLs' hosts and ports; off-site ones are counted as news/offsite/<kind>.
    "crawler.onsite.OnSiteMiddleware": 40,
    # Before robots.txt (100): archived, not-due articles are never requested at all.
    "crawler.incremental.IncrementalMiddleware": 90,
    # After decompression (590) in the response path, before spiders see the text.
    "crawler.middlewares.EncodingMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.AliasingRedirectMiddleware": 600,
    # Between redirects (600) and decompression (590): sees the body as sent.
    "crawler.middlewares.CaptureMiddleware": 595,
    # Between the capture (595) and decompression (590): a compressed body cut short is a
    # failed request (news/requests/failed/truncated_body), not half an article.
    "crawler.compression.TruncatedBodyMiddleware": 592,
}
# One progress line a minute, the project's (pages, rate, archived, failed, queued): Scrapy's
# LogStats ("Crawled 0 pages (at 0 pages/min)") is off.
EXTENSIONS = {"crawler.extensions.Progress": 500, "scrapy.extensions.logstats.LogStats": None}
DUPEFILTER_CLASS = "crawler.dupefilter.MemoryDupeFilter"
# With JOBDIR: a queue file a killed crawl left damaged is set aside, not fatal
SCHEDULER_DISK_QUEUE = "crawler.jobqueue.RecoveringLifoDiskQueue"
NEWS_PROGRESS_INTERVAL = 60    # seconds between progress lines in the log; 0: none

ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.ArchivePipeline": 800,   # NEWS_SINK = "archive"
    "crawler.streamsink.StreamPipeline": 800,   # NEWS_SINK = "redis"
}

# -- the archive -----------------------------------------------------------------------------
ARCHIVE_PATH = "archive.db"
ARCHIVE_BATCH_SIZE = 200       # entries (articles, revisits, notes) per write transaction, at most
ARCHIVE_BATCH_SECONDS = 30     # ... or fewer: a batch is written once its first entry waited this long
# Where the crawl's items go: "archive" (it writes ARCHIVE_PATH itself) or "redis" (it sends
# them to the stream NEWS_STREAM at NEWS_REDIS_URL, which `news-archive writer` writes into
# the archive; ARCHIVE_PATH is then only read, for the incremental checks). NEWS_RUN: the run
# a dispatched crawl belongs to (empty: a run of its own); NEWS_JOB: the crawl's key.
NEWS_SINK = "archive"
# (also from the environment: a password in it stays out of command lines, which `ps` shows)
NEWS_REDIS_URL = os.environ.get("NEWS_REDIS_URL", "redis://127.0.0.1:6379/0")
NEWS_STREAM = "news:entries"
NEWS_RUN = ""
NEWS_JOB = ""

# -- discovery and extraction ----------------------------------------------------------------
# Non-article pages (home, channels, listings, calendars) followed in a row from a start page.
# 4 reaches page 3 of a channel linked from the home page; traps end after 4 steps.
NEWS_MAX_LISTING_HOPS = 4
NEWS_TIMEZONE = clock.DEFAULT_TIMEZONE  # for naive page times; per host: NEWS_SITE_RULES[host]["timezone"]
# A publication date before this day (ISO date) or after the day after the fetch is stored as
# null, published_at_raw keeping what the page said (stats: news/dates/rejected/too_old|future).
NEWS_EARLIEST_DATE = "1990-01-01"
NEWS_SITE_RULES: dict = {}        # {host: {field: selector}}; see crawler/pages/rules.py
NEWS_SITE_RULES_FILE = None       # the same as a JSON file
NEWS_ENCODING_DETECTION = True
# Keep the raw response of every archived page (compressed in the archive; WARC export and
# re-extraction read it). Costs about the page's compressed size per archived page.
NEWS_KEEP_CAPTURES = True

# The crawl exits with code 4 when more than this share of its requests failed.
NEWS_MAX_ERROR_RATIO = 0.5

# -- incremental re-crawls (crawler/incremental.py) ------------------------------------------
NEWS_INCREMENTAL = True        # skip archived articles that are not due for a re-check
NEWS_RECHECK_DAYS = 7          # articles younger than this are re-checked ...
NEWS_RECHECK_BACKOFF = 0.25    # ... once time since their last fetch >= this x their age
# The revisit budget: every run re-checks (conditionally) the 1/N of each site's archived
# articles fetched longest ago, so a correction nothing else reveals is seen within N runs.
# 0: off.
NEWS_REVISIT_RUNS = 30
SPIDER_MIDDLEWARES = {"crawler.incremental.RevisitMiddleware": 50}

# -- backfills (-a since / -a until) -----------------------------------------------------------
# Articles whose URL dates them less than this many days after the range's last day are read
# (not archived) for the related links that lead back into it: articles linked only from
# those are found too.
NEWS_BACKFILL_MARGIN_DAYS = 7

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# Feeds (-o articles.jsonl, FEEDS) write one record per archived article, as
# `python -m archive export` does, not one per item (crawler/feeds.py).
FEED_EXPORTERS = {
    "json": "crawler.feeds.JsonFeed",
    "jsonlines": "crawler.feeds.JsonLinesFeed",
    "jsonl": "crawler.feeds.JsonLinesFeed",
    "jl": "crawler.feeds.JsonLinesFeed",
    "csv": "crawler.feeds.CsvFeed",
    "xml": "crawler.feeds.XmlFeed",
    "marshal": "crawler.feeds.MarshalFeed",
    "pickle": "crawler.feeds.PickleFeed",
}
