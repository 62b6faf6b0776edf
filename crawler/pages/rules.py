"""Per-site extraction rules, looked up by host.

Rules come from the ``NEWS_SITE_RULES`` setting (a dict) and/or the JSON file named by
``NEWS_SITE_RULES_FILE``, both shaped like::

    {"www.dailyqd.com": {"title": "h1.title", "body": "div.article-content p",
                         "date": ".info .time", "author": "//span[@class='author']",
                         "source": ".info .source", "related": ".xgxw a",
                         "timezone": "Asia/Shanghai"}}

A selector starting with ``/`` or ``(`` is XPath, anything else CSS. Every key is optional:
a missing one leaves that field to the generic extractor. A key may be ``host`` or
``host:port``; the more specific one wins.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

from archive.clock import DEFAULT_TIMEZONE
from crawler.dates import EARLIEST_DATE, earliest_date
from crawler.pages.article import ArticlePage
from crawler.pages.siterule import SiteRule, check_timezone


class RuleBook:
    """All per-site rules; :meth:`for_url` picks the one for a page (or the empty rule)."""

    def __init__(self, rules: dict[str, SiteRule] | None = None, default_timezone: str = DEFAULT_TIMEZONE,
                 earliest: dt.date = EARLIEST_DATE):
        self.rules = {k.lower(): v for k, v in (rules or {}).items()}
        self.default_timezone = default_timezone
        self.earliest = earliest  # the first day a publication date may fall on

    @classmethod
    def from_settings(cls, settings) -> RuleBook:
        raw: dict = dict(settings.getdict("NEWS_SITE_RULES"))
        path = settings.get("NEWS_SITE_RULES_FILE")
        if path:
            try:
                raw.update(json.loads(Path(path).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise ValueError(f"cannot read NEWS_SITE_RULES_FILE {path}: {exc}") from exc
        rules = {host: SiteRule.from_dict(data, where=f"rules for {host}") for host, data in raw.items()}
        timezone = settings.get("NEWS_TIMEZONE", DEFAULT_TIMEZONE)
        check_timezone(timezone)
        return cls(rules, timezone, earliest_date(settings.get("NEWS_EARLIEST_DATE", EARLIEST_DATE)))

    def page(self, response, fetched_at: str | None = None):
        """The :class:`~crawler.pages.ArticlePage` for a response, with its site's rule;
        ``fetched_at`` (ISO 8601) when the response does not carry its fetch time."""
        return ArticlePage(response, self.for_url(response.url), self.default_timezone, fetched_at, self.earliest)

    def for_url(self, url: str) -> SiteRule:
        parts = urlsplit(url)
        return self.rules.get(parts.netloc.lower()) or self.rules.get((parts.hostname or "").lower()) or SiteRule()

    def timezone_for(self, url: str) -> str:
        return self.for_url(url).timezone or self.default_timezone
