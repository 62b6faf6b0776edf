"""One site's extraction rule (:class:`SiteRule`): a selector per field and a timezone, as
``NEWS_SITE_RULES`` gives them (see crawler/pages/rules.py for the format and the lookup)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parsel import Selector, SelectorList


@dataclass(frozen=True)
class SiteRule:
    title: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None
    related: str | None = None
    timezone: str | None = None

    @classmethod
    def from_dict(cls, data: dict, where: str = "rules") -> SiteRule:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{where}: unknown rule keys {sorted(unknown)}; known: {sorted(known)}")
        rule = cls(**data)
        if rule.timezone:
            check_timezone(rule.timezone, where)
        probe = Selector(text="<html><body></body></html>")
        for name in known - {"timezone"}:
            try:
                rule.select(probe, name)
            except Exception as exc:  # lxml and cssselect raise their own error types
                raise ValueError(f"{where}: bad {name} selector {getattr(rule, name)!r}: {exc}") from None
        return rule

    def select(self, selector: Selector, field: str) -> SelectorList | None:
        """The nodes a rule's selector picks for ``field``, or None when there is no rule."""
        query = getattr(self, field)
        if not query:
            return None
        if query.startswith(("/", "(")):
            return selector.xpath(query)
        return selector.css(query)


def check_timezone(name: str, where: str = "NEWS_TIMEZONE") -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{where}: unknown timezone {name!r} (use an IANA name such as Asia/Shanghai)") from None
