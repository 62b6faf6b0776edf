"""What a crawl met of each page URL, and what the site said about it.

The news spider keeps one :class:`LinkBook`. It says whether a URL was queued already, and
keeps what travels to the archive with an article (the sitemap's ``lastmod``, the texts of
the links met): given to the article when its page answers, or noted for a
:class:`~crawler.items.LinksSeen` item when the page answered before, or was not fetched
because the incremental check found its archived article not due.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from crawler.items import LinksSeen
from crawler.text import link_text_names
from crawler.urls import canonicalize

_NO_TEXTS: frozenset[str] = frozenset()  # shared by the many URLs met without a link text


class LinkBook:
    """The page URLs of one crawl (all as requested, not canonicalized):

    - ``sitemap_lastmods``: loc -> ``<lastmod>`` of every sitemap entry read;
    - ``queued``: URLs the spider asked for. Pages link the same URLs over and over (related
      lists, listings); skipping them saves building a Request and its fingerprint only for
      the duplicate filter to drop it. The duplicate filter stays the authority;
    - ``unfetched``: archived URLs the incremental check did not fetch -> (lastmod, link
      texts) it weighed; a lastmod or link text met later asks the URL again;
    - ``pending_texts``: link texts met for URLs queued and not yet answered;
    - ``answered``: URLs answered by an article (or a 304) -> (lastmod, link texts, title)
      sent with it;
    - ``notes``: ``(url, lastmod, link texts)`` for the next LinksSeen item (:meth:`take_notes`).
    """

    def __init__(self):
        self.sitemap_lastmods: dict[str, str] = {}
        self.queued: set[str] = set()
        self.unfetched: dict[str, tuple[str | None, frozenset[str]]] = {}
        self.pending_texts: dict[str, set[str]] = {}
        self.answered: dict[str, tuple[str | None, frozenset[str], str | None]] = {}
        self.notes: list[tuple[str, str | None, list[str]]] = []

    def note_lastmods(self, entries: Iterable[dict]) -> Iterator[dict]:
        """Sitemap entries (``{"loc": ..., "lastmod": ...}``) passed on, each lastmod kept for
        the requests made of its URL, from the sitemap or later from a listing."""
        for entry in entries:
            if entry.get("lastmod"):
                self.sitemap_lastmods[entry["loc"]] = entry["lastmod"]
            yield entry

    def forget_texts(self, url: str) -> None:
        """Drop the link texts met for ``url`` (they only matter for articles)."""
        self.pending_texts.pop(url, None)

    def met_again(self, url: str, lastmod: str | None, link_text: str | None) -> bool:
        """A queued URL met again, with a sitemap lastmod or a link text. True when it must be
        asked again: the incremental check did not fetch it and did not weigh this lastmod
        or link text yet (it is no longer :attr:`unfetched` until the check answers again).
        Otherwise what is new about an answered URL is noted for a LinksSeen item, and the
        link text of a URL still waiting is kept for its article."""
        if url in self.answered:
            sent_lastmod, texts, title = self.answered[url]
            new_lastmod = lastmod if lastmod and lastmod != sent_lastmod else None
            new_text = [link_text] if link_text and link_text not in texts else []
            if new_lastmod or new_text:
                self.answered[url] = (lastmod or sent_lastmod, texts.union(new_text), title)
            if new_text and title and link_text_names(link_text, title):
                new_text = []  # the title itself: nothing to record
            if new_lastmod or new_text:
                self.notes.append((canonicalize(url), new_lastmod, new_text))
        elif url in self.unfetched:
            weighed_lastmod, texts = self.unfetched[url]
            if (lastmod and lastmod != weighed_lastmod) or (link_text and link_text not in texts):
                del self.unfetched[url]
                return True
        elif link_text:
            self.pending_texts.setdefault(url, set()).add(link_text)
        return False

    def note_unfetched(self, url: str, lastmod: str | None, text: str | None,
                       lastmod_to_record: str | None) -> tuple[str | None, str | None] | None:
        """The incremental check did not fetch ``url`` (met with a sitemap ``lastmod`` and a
        link ``text``): its archived article is not due. ``lastmod_to_record`` (the archive
        has none for it) is noted for a LinksSeen item. What was met while the check was
        under way is weighed now: the ``(lastmod, link text)`` to ask it again with, or None."""
        weighed_lastmod, texts = self.unfetched.get(url, (None, _NO_TEXTS))
        self.unfetched[url] = (lastmod or weighed_lastmod, texts.union([text]) if text else texts or _NO_TEXTS)
        if lastmod_to_record:
            self.notes.append((canonicalize(url), lastmod_to_record, []))
        later_texts = self.pending_texts.pop(url, set()) - self.unfetched[url][1]
        first = min(later_texts, default=None)
        again_lastmod = self.sitemap_lastmods.get(url)
        again = self.met_again(url, again_lastmod, first)
        for other in later_texts - {first}:
            self.pending_texts.setdefault(url, set()).add(other)
        return (again_lastmod, first) if again else None

    def answer(self, urls: list[str], lastmod: str | None, link_text: str | None, title: str | None = None,
               keep: bool = True) -> tuple[str | None, list[str]]:
        """The sitemap lastmod and the link texts met for ``urls`` (a response's URLs before
        and after redirects; ``lastmod`` and ``link_text``: its request's), marked (``keep``)
        as sent with its article (its ``title``) or revisit. Texts that name the title are
        not sent: they never make it due."""
        lastmod = lastmod or next((self.sitemap_lastmods[u] for u in urls if u in self.sitemap_lastmods), None)
        texts = frozenset([link_text] if link_text else [])
        for url in urls:
            texts |= self.pending_texts.pop(url, _NO_TEXTS)
        for url in urls if keep else ():
            self.answered[url] = (lastmod, texts or _NO_TEXTS, title)
        return lastmod, sorted(t for t in texts if not (title and link_text_names(t, title)))

    def take_notes(self) -> LinksSeen | None:
        """One LinksSeen item for what was noted since the last call, or None."""
        if not self.notes:
            return None
        entries, self.notes = self.notes, []
        return LinksSeen(entries=entries)


def ending_with_notes(callback):
    """A spider callback that ends with one LinksSeen item for what its spider's LinkBook
    (``spider.links``) noted meanwhile, if anything."""
    @functools.wraps(callback)
    def wrapper(self, *args, **kwargs):
        yield from callback(self, *args, **kwargs)
        notes = self.links.take_notes()
        if notes is not None:
            yield notes
    return wrapper
