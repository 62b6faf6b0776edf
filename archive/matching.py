"""Which stored article a record belongs to.

An article is one publication: one site's page (with its redirects, tracking-parameter
variants, mobile and print copies and continuation pages, see :mod:`archive.sites` for what
one site is). The same text on another site is another publication, stored as its own article
and linked to the earliest one by ``near_duplicate_of`` (:mod:`archive.neardup`). A record
belongs to the article whose URL is its URL, else to one of its site that knows any of its
URLs, else to one of its site with the same text (:func:`content_hash`); a canonical link is
believed only when the two texts agree (:func:`texts_agree`).
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

from sqlite_utils import Database

from archive.neardup import MIN_CONTAINMENT, NearDuplicates, exact_similarity, normalize, shingles
from archive.sites import same_site, site_of

logger = logging.getLogger(__name__)


def content_hash(title: str, body: str) -> str:
    """SHA-256 (hex) of the title and body: equal text at two URLs of one site means one article."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def texts_agree(a: dict, b: dict) -> bool:
    """Whether two records (``title``, ``body``) can be one article's, as a page and the
    page its canonical link names must be: the same title (letters and Han characters,
    simplified), or the shorter body found in the other as a near-duplicate copy would be
    (``MIN_CONTAINMENT`` of its 5-character shingles, see :mod:`archive.neardup`)."""
    if a["title"] and normalize(a["title"]) == normalize(b["title"] or ""):
        return True
    return exact_similarity(shingles(a["body"]), shingles(b["body"]))[1] >= MIN_CONTAINMENT


def _same_page(a: str, b: str) -> bool:
    """Two URLs with one host and path (scheme, query and fragment aside)."""
    a, b = urlsplit(a), urlsplit(b)
    return a.netloc.lower() == b.netloc.lower() and (a.path or "/") == (b.path or "/")


def _without_canonical(record: dict) -> dict:
    """``record`` under the URL it was fetched at: its canonical link is not believed."""
    fetched = record.get("fetched_url") or record["url"]
    aliases = [u for u in record.get("aliases", []) if u not in (fetched, record["url"])]
    logger.info("%(fetched)s names %(canonical)s as canonical, an article with other text: archived under "
                "its own URL", {"fetched": fetched, "canonical": record["url"]})
    return {**record, "url": fetched, "url_source": "fetched", "aliases": aliases}


def record_urls(record: dict) -> list[str]:
    """The record's URL, then its aliases."""
    return [record["url"], *[u for u in record.get("aliases", []) if u != record["url"]]]


def record_site(record: dict) -> str:
    """The site a record was fetched from (its URL's when the record does not say)."""
    return record.get("site") or site_of(record["url"])


class ArticleMatcher:
    """Finds the stored article of a record, and repairs what older archives got wrong on
    the way (a URL held by another site's article, a canonical link of a page with other
    text). Works inside the writer's transaction."""

    def __init__(self, db: Database, neardup: NearDuplicates):
        self.db = db
        self.neardup = neardup  # told when an article's URL changes

    def find(self, record: dict) -> dict | None:
        """The stored article (its ``articles`` row) that saving ``record`` would update, or
        None when it would make a new one."""
        return self._find(record_urls(record), content_hash(record["title"], record["body"]), record_site(record))[0]

    def _find(self, urls: list[str], chash: str, site: str) -> tuple[dict | None, list[str]]:
        """``(article, claimed)``: the stored article a record of ``site`` belongs to: the one
        whose URL is the record's URL, else one of the same site that knows any of the
        record's URLs, else one of the same site with the same text (a copy on another site
        is another publication). ``claimed``: the record's URLs on its own site that an
        article of another site holds (as an archive written before this rule may have them);
        they move to the record's article."""
        row = self.db.execute("SELECT id, site FROM articles WHERE url = ?", [urls[0]]).fetchone()
        claimed: list[str] = []
        if row is None:
            placeholders = ", ".join("?" for _ in urls)
            holders = self.db.execute(
                f"SELECT u.url, u.article_id, a.site FROM article_urls u JOIN articles a ON a.id = u.article_id "
                f"WHERE u.url IN ({placeholders}) ORDER BY u.article_id",
                urls,
            ).fetchall()
            row = next((h[1:2] for h in holders if same_site(h[2], site)), None)
            claimed = [h[0] for h in holders if not same_site(h[2], site) and same_site(site_of(h[0]), site)]
        if row is None:
            row = next((r[:1] for r in self.db.execute(
                "SELECT id, site FROM articles WHERE content_hash = ? ORDER BY id", [chash]) if same_site(r[1], site)),
                None)
        if row is None:
            return None, claimed
        return self.db["articles"].get(row[0]), claimed

    def resolve(self, record: dict, chash: str) -> tuple[dict, dict | None, list[str]]:
        """``(record, existing, claimed)``: the stored article ``record`` belongs to (None: a
        new one) and the URLs it takes over (see :meth:`_find`). A URL an older archive gave
        to another site's article is taken back first; a canonical link is believed only
        when the texts agree, else the record comes back under the URL it was fetched at."""
        existing, claimed = self._find(record_urls(record), chash, record_site(record))
        if existing is not None and existing["url"] == record["url"] and not same_site(existing["site"], record_site(record)):
            # an old archive gave this URL to another site's article: take it back, look again
            if self._free_url(existing):
                existing, claimed = self._find(record_urls(record), chash, record_site(record))
        if existing is not None and existing["content_hash"] != chash and self._canonical_in_doubt(record, existing):
            # a canonical link is believed only when the texts agree
            if record.get("fetched_url", record["url"]) == record["url"] == existing["url"]:
                self._give_back_canonical(existing)  # the page at the URL takes it
            else:
                record = _without_canonical(record)
            existing, claimed = self._find(record_urls(record), chash, record_site(record))
        return record, existing, claimed

    def own_site_url(self, article_id: int, site: str) -> str | None:
        """The first URL of ``site`` an article was known by that no article has as its URL."""
        for (url,) in self.db.execute("SELECT url FROM article_urls WHERE article_id = ? ORDER BY rowid", [article_id]):
            if same_site(site_of(url), site) and self.db.execute(
                    "SELECT 1 FROM articles WHERE url = ?", [url]).fetchone() is None:
                return url
        return None

    def _free_url(self, holder: dict) -> bool:
        """An archive written before copies on other sites were kept apart may have given a
        copy's URL to another site's article (``holder``), when the copy named itself
        canonical: the holder gets back a URL of its own site, so the copy's record does not
        merge into it (``python -m archive split-copies`` repairs the rest). Returns False
        when the holder has no URL of its own site to take."""
        own = self.own_site_url(holder["id"], holder["site"])
        if own is None:  # the record will merge into it: split-copies can tell them apart
            logger.warning("%(url)s is the URL of an article of %(site)s that has no URL of its own site; "
                           "run 'python -m archive split-copies'", {"url": holder["url"], "site": holder["site"]})
            return False
        self.db.execute("UPDATE articles SET url = ?, url_source = 'fetched' WHERE id = ?", [own, holder["id"]])
        self.neardup.url_changed(holder["url"], own)
        return True

    def _canonical_in_doubt(self, record: dict, existing: dict) -> bool:
        """True when ``record`` meets ``existing`` only through a canonical link and their
        texts are not one article's (:func:`texts_agree`), so that a template naming another
        article (or the home page) as every page's canonical does not merge publications:

        - the record's page names ``existing``'s URL as canonical, and that page is not one
          of ``existing``'s known URLs (a known page with new text is a correction);
        - the record is the page at ``existing``'s URL, which ``existing`` took from another
          page's canonical link and was never fetched at (told by its captures; an archive
          kept without captures cannot tell and believes the link)."""
        fetched = record.get("fetched_url") or record["url"]
        if fetched != record["url"]:
            if record.get("url_source") != "canonical" or self.db.execute(
                    "SELECT 1 FROM article_urls WHERE article_id = ? AND url = ?", [existing["id"], fetched]).fetchone():
                return False
        elif not (existing["url"] == record["url"] and existing["url_source"] == "canonical"
                  and not self._fetched_at(existing["id"], fetched)):
            return False
        return not texts_agree(record, existing)

    def _fetched_at(self, article_id: int, url: str) -> bool:
        """True when a capture of ``article_id`` was fetched at the page ``url`` names (host
        and path: a capture keeps the URL as requested, tracking parameters and all), or when
        it has no capture at all (nothing tells). Loose on purpose: a doubt wrongly cleared
        keeps a merge as it was; a doubt wrongly raised would split an article."""
        urls = [u for (u,) in self.db.execute("SELECT url FROM captures WHERE article_id = ?", [article_id])]
        return not urls or any(_same_page(u, url) for u in urls)

    def _give_back_canonical(self, holder: dict) -> None:
        """``holder`` took its URL from a canonical link of a page with other text; the page
        at that URL has come: the URL goes to it, ``holder`` gets the URL it was fetched at."""
        url = holder["url"]
        own = self.own_site_url(holder["id"], holder["site"])  # (not ``url``: the holder's own)
        if own is None:  # nothing else to call it by: the two stay one article
            return
        self.db.execute("DELETE FROM article_urls WHERE url = ? AND article_id = ?", [url, holder["id"]])
        self.db.execute("UPDATE articles SET url = ?, url_source = 'fetched' WHERE id = ?", [own, holder["id"]])
        self.neardup.url_changed(url, own)
        logger.warning("%(url)s was archived from another page's canonical link, with other text; it now "
                       "holds the page at that URL, and that article keeps %(own)s", {"url": url, "own": own})
