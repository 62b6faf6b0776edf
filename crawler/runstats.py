"""The counts that describe a finished crawl, read from its Scrapy stats. The end-of-run line
of ``scrapy crawl`` and the run's row in ``crawl_runs`` both use them, so they always agree."""

from __future__ import annotations


def run_counts(stats: dict) -> dict:
    """``pages`` (responses), ``new``/``updated``/``unchanged`` (archive outcomes),
    ``failed`` (requests that failed for good: HTTP errors, timeouts, oversized pages, spider
    errors; robots.txt refusals are obeyed, not failed), ``dropped`` (articles refused by
    cleaning), ``skipped_before_fetch`` (backfill requests saved), ``duration`` (seconds)."""
    failed = sum(
        v for k, v in stats.items()
        if k.startswith(("news/requests/failed/", "spider_exceptions/")) and k != "news/requests/failed/ignored"
    )
    return {
        "pages": stats.get("response_received_count", 0),
        "new": stats.get("archive/articles/new", 0),
        "updated": stats.get("archive/articles/updated", 0),
        "unchanged": stats.get("archive/articles/unchanged", 0),
        "failed": failed,
        "dropped": stats.get("item_dropped_count", 0),
        "skipped_before_fetch": stats.get("news/backfill/skipped_before_fetch", 0),
        "duration": stats.get("elapsed_time_seconds", 0.0),
    }
