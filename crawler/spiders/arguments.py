"""The news spider's arguments (``scrapy crawl news -a NAME=VALUE``), checked by ``scrapy
crawl`` before the engine starts (crawler/commands/crawl.py), so a mistake is one line."""

from __future__ import annotations

import difflib
from urllib.parse import urlsplit

from crawler.backfill import DateRange

# the spider arguments it understands
ARGUMENTS = ("start_urls", "since", "until")


def start_urls_of(value: str | list[str] | None) -> list[str]:
    """``"https://a.cn/,https://b.cn/"`` -> list of URLs; ValueError when unusable."""
    urls = [u.strip() for u in value.split(",") if u.strip()] if isinstance(value, str) else list(value or [])
    if not urls:
        raise ValueError("give the sites to crawl: -a start_urls=https://news.example.cn/,https://other.example.cn/")
    bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc]
    if bad:
        raise ValueError(f"start_urls must be http(s) URLs, got: {', '.join(bad)}")
    return urls


def check_arguments(start_urls=None, since=None, until=None, **others) -> None:
    """Raise ValueError for unusable arguments. An unknown argument (``-a sinse=...``) is a
    mistake, not something to ignore."""
    for name in others:
        close = difflib.get_close_matches(name, ARGUMENTS, n=1)
        raise ValueError(f"unknown argument -a {name}=..." + (f" (did you mean {close[0]}?)" if close else "")
                         + f"; the arguments are {', '.join(ARGUMENTS)}")
    start_urls_of(start_urls)
    DateRange.from_args(since, until)
