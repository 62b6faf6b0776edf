"""``scrapy crawl``, made fit for schedulers.

- Spider arguments are checked before Scrapy starts: a spider class may have a
  ``check_arguments(**spider_args)`` hook raising ``ValueError``; the mistake is one line on
  stderr and exit code 2, not a traceback from inside the engine.
- One crawl per archive: the archive (``ARCHIVE_PATH``) is locked for the run; a second
  crawl on the same archive exits at once with exit code 75 and touches nothing.
- Exit codes a scheduler can act on, and a one-line summary on stdout at the end.

Exit codes: 0 finished; 2 usage error; 3 nothing fetched, or a start URL could not be fetched;
4 too many failed requests (share above ``NEWS_MAX_ERROR_RATIO``); 5 the crawl was stopped
before finishing (signal, close-spider limit, the item stream of ``NEWS_SINK = "redis"`` unusable); 74 the archive failed during the crawl (disk full,
file removed or replaced, turned read-only, I/O error: the crawl stops at once) or refused
records; 75 the archive is in use by another crawl.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from archive.errors import ArchiveError, ArchiveLocked
from archive.lock import ArchiveLock
from crawler.settings_check import check_log_file, check_settings
from crawler.runstats import run_counts
from crawler.streamsink import sends_to_stream

EXIT_NOTHING_FETCHED = 3
EXIT_TOO_MANY_ERRORS = 4
EXIT_STOPPED = 5
EXIT_ARCHIVE_FAILED = 74  # EX_IOERR
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


def exit_code(stats: dict, max_error_ratio: float) -> tuple[int, str]:
    summary = run_counts(stats)
    reason = stats.get("finish_reason", "")
    if stats.get("archive/failure"):  # first: whatever else happened, the archive is in doubt
        unstored = stats.get("archive/articles/not_stored", 0)
        return EXIT_ARCHIVE_FAILED, (stats["archive/failure"]
                                     + (f"; {unstored} articles of this crawl were not stored" if unstored else "")
                                     + "; run the crawl again once the archive is usable")
    if stats.get("news/sink/failure"):  # what was not sent is fetched again by the next run
        unsent = stats.get("news/sink/not_sent", 0)
        return EXIT_STOPPED, stats["news/sink/failure"] + (f"; {unsent} entries not sent" if unsent else "")
    if stats.get("archive/write_errors"):  # records the archive refused one by one: lost unless said
        return EXIT_ARCHIVE_FAILED, (f"{stats['archive/write_errors']} records could not be written to the "
                                     "archive (see 'could not archive' in the log)")
    if not stats.get("news/pages/fetched"):
        return EXIT_NOTHING_FETCHED, "nothing fetched: the start URLs are unreachable or refused"
    failed_starts = stats.get("news/start/failed", 0)
    if failed_starts:
        return EXIT_NOTHING_FETCHED, (f"{failed_starts} of {stats.get('news/start/requested', 0)} start URLs "
                                      "could not be fetched (see news/requests/failed/* in the log)")
    # HTTP errors (404, 500 ...) were received as responses and are in "pages" already
    http_failed = sum(v for k, v in stats.items() if k.startswith("news/requests/failed/http_"))
    attempts = summary["pages"] + summary["failed"] - http_failed
    if attempts and summary["failed"] / attempts > max_error_ratio:
        return EXIT_TOO_MANY_ERRORS, (f"{summary['failed']} of {attempts} requests failed "
                                      f"(more than NEWS_MAX_ERROR_RATIO={max_error_ratio})")
    if reason != "finished":
        return EXIT_STOPPED, f"stopped before finishing ({reason})"
    return 0, ""


def summary_line(stats: dict) -> str:
    """The run's one line on stdout: ``crawl finished: pages 2121, new 2000, ..., duration 16.6s``
    (``sent 2000 to the archive's writer`` for a crawl with ``NEWS_SINK = "redis"``)."""
    s = run_counts(stats)
    saved = f", skipped before fetch {s['skipped_before_fetch']}" if s["skipped_before_fetch"] else ""
    unstored = f", not stored {stats['archive/articles/not_stored']}" if stats.get("archive/articles/not_stored") else ""
    sent = sum(v for k, v in stats.items() if k in ("news/sink/sent/article", "news/sink/sent/revisit"))
    outcomes = (f"sent {sent} to the archive's writer" if any(k.startswith("news/sink/") for k in stats)
                else f"new {s['new']}, updated {s['updated']}, unchanged {s['unchanged']}")
    return (f"crawl {stats.get('finish_reason', '?')}: pages {s['pages']}, {outcomes}, "
            f"failed {s['failed']}{saved}{unstored}, duration {s['duration']:.1f}s")


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        """Scrapy's options, then the settings Scrapy itself uses before :meth:`run` (the log
        file is opened as soon as the crawler process exists): a mistake is one line, exit 2."""
        super().process_options(args, opts)
        try:
            check_log_file(self.settings)
        except ValueError as exc:
            sys.stderr.write(f"scrapy crawl: {exc}\n")
            sys.exit(2)

    def run(self, args, opts):
        if len(args) != 1:
            return self._fail("scrapy crawl: give one spider name: scrapy crawl news -a start_urls=https://news.example.cn/", 2)
        if self.crawler_process is None:
            return super().run(args, opts)
        name = args[0]
        try:
            spidercls = self.crawler_process.spider_loader.load(name)
        except KeyError:
            return self._fail(f"scrapy crawl: no spider named {name!r}", 2)
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(**opts.spargs)
            except ValueError as exc:
                return self._fail(f"scrapy crawl {name}: {exc}", 2)

        crawler = self.crawler_process.create_crawler(spidercls)
        settings = crawler.settings
        archive_path = settings.get("ARCHIVE_PATH")
        # a crawl sending its items to the archive's writer only reads the archive: no lock
        lock = ArchiveLock(archive_path) if archive_path and not sends_to_stream(settings) else None
        try:
            if lock:
                lock.acquire()  # first: a second crawl must not touch the archive at all
        except ArchiveLocked as exc:
            return self._fail(f"scrapy crawl {name}: {exc}", EXIT_LOCKED)
        except ArchiveError as exc:  # a directory
            return self._fail(f"scrapy crawl {name}: ARCHIVE_PATH: {exc}", 2)
        except OSError as exc:
            return self._fail(f"scrapy crawl {name}: cannot lock {archive_path}: {exc.strerror}", 2)
        try:
            check_settings(settings)
        except ValueError as exc:
            if lock:
                lock.discard()  # an archive file the lock created is removed again: no litter
            return self._fail(f"scrapy crawl {name}: {exc}", 2)
        try:
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock:
                lock.release()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats()
        print(summary_line(stats), flush=True)
        code, why = exit_code(stats, settings.getfloat("NEWS_MAX_ERROR_RATIO"))
        if code:
            self._fail(f"scrapy crawl {name}: {why}", code)

    def _fail(self, message: str, code: int) -> None:
        sys.stderr.write(message + "\n")
        self.exitcode = code

