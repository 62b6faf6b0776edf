"""Writing articles and crawl runs: one writer, batched transactions, dedup by URL and text.

An article record is the dict produced by ``crawler.items.Article.to_record()`` (the export's
field names). :meth:`ArchiveWriter.save` decides whether it is new, a known article seen again
(possibly under another URL), or a known article whose content changed.

An article is one publication: one site's page (with its redirects, tracking-parameter
variants, mobile and print copies and continuation pages, see :mod:`archive.sites` for what
one site is). The same text on another site is another publication, stored as its own article
and linked to the earliest one by ``near_duplicate_of`` (:mod:`archive.neardup`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import zlib
from collections.abc import Iterable
from enum import Enum
from urllib.parse import urlsplit

from sqlite_utils import Database

from archive.db import immediate, utc_now
from archive.lock import close_dead_runs
from archive.neardup import MIN_CONTAINMENT, NearDuplicates, exact_similarity, normalize, shingles
from archive.search import sync_index
from archive.sites import same_site, site_of

logger = logging.getLogger(__name__)

# How well founded an article's URL is; a copy met later with a better one takes its URL.
URL_RANK = {"copy": 0, "fetched": 1, "canonical": 2}
# Fields whose change makes a new version of an article.
VERSIONED_FIELDS = ("title", "published_at", "author", "source", "body")


class Outcome(str, Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


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


def payload_digest(body: bytes) -> str:
    """``sha1:`` + base32 SHA-1 of a response body, as WARC's WARC-Payload-Digest writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


class ArchiveWriter:
    """The only writer of an archive during a crawl.

    Records are saved in batches (:meth:`save_many`), each batch in one transaction, so a
    reader sees either all of a batch or none of it; each begins ``IMMEDIATE``
    (:func:`archive.db.immediate`), so another program's short write (a command closing a
    dead run) makes it wait, never fail.
    """

    def __init__(self, db: Database, *, link_copies: bool = True):
        """``link_copies``: check each new or changed article for near-duplicates as it is
        saved; when false they are queued, and :meth:`link_pending_copies` checks them in
        one pass (what a crawl does at its end)."""
        self.db = db
        self.neardup = NearDuplicates(db)
        self.link_copies = link_copies
        self.last_article_id: int | None = None  # the article the last saved record went to

    def link_pending_copies(self) -> int:
        """Check the queued articles for near-duplicates; returns how many were checked."""
        return self.neardup.process_pending()

    def _check_copies(self, article_id: int, body: str) -> None:
        if self.link_copies:
            self.neardup.check(article_id, body)
        else:
            self.neardup.defer(article_id)

    # -- crawl runs -------------------------------------------------------------------------

    def start_run(self, spider: str, start_urls: Iterable[str]) -> int:
        """Open a ``crawl_runs`` row; the caller holds the archive's lock, so runs left open
        are those of writers that died: they are closed as ``killed`` first."""
        with immediate(self.db):
            close_dead_runs(self.db)
            table = self.db["crawl_runs"].insert(
                {"spider": spider, "start_urls": json.dumps(list(start_urls)), "started_at": utc_now()}
            )
        return table.last_pk

    def finish_run(self, run_id: int, *, finish_reason: str, counts: dict, stats: dict) -> None:
        """Close a crawl run. ``counts`` holds the crawl_runs count columns by name."""
        row = {"ended_at": utc_now(), "finish_reason": finish_reason, "stats": json.dumps(stats, default=str)}
        row.update(counts)
        with immediate(self.db):
            self.db["crawl_runs"].update(run_id, row)

    # -- articles ---------------------------------------------------------------------------

    def save_many(
        self, records: Iterable[dict], run_id: int | None = None, revisits: Iterable[tuple] = (),
        seen: Iterable[tuple] = (), checks: Iterable[tuple] = (),
    ) -> list[Outcome]:
        """Save records, ``(url, seen_at[, sitemap_lastmod[, link_texts]])`` revisits (see
        :meth:`revisit`), ``(url, sitemap_lastmod, link_texts, seen_at)`` notes (see
        :meth:`note_seen`) and ``(url, at)`` checks (see :meth:`checked`), in one transaction;
        returns one outcome per record and per known revisit, in order."""
        with immediate(self.db):
            outcomes = [self._save(record, run_id) for record in records]
            outcomes += [Outcome.UNCHANGED for revisit in revisits if self.revisit(*revisit)]
            for note in seen:
                self.note_seen(*note)
            for check in checks:
                self.checked(*check)
            sync_index(self.db)  # the index commits with the articles
            return outcomes

    def save(self, record: dict, run_id: int | None = None) -> Outcome:
        return self.save_many([record], run_id)[0]

    def find(self, record: dict) -> dict | None:
        """The stored article (its ``articles`` row) that saving ``record`` would update, or
        None when it would make a new one."""
        urls = [record["url"], *[u for u in record.get("aliases", []) if u != record["url"]]]
        return self._find(urls, content_hash(record["title"], record["body"]), _site(record))[0]

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

    def _save(self, record: dict, run_id: int | None) -> Outcome:
        now = record.get("fetched_at") or utc_now()
        urls = [record["url"], *[u for u in record.get("aliases", []) if u != record["url"]]]
        chash = content_hash(record["title"], record["body"])
        existing, claimed = self._find(urls, chash, _site(record))
        if existing is not None and existing["url"] == record["url"] and not same_site(existing["site"], _site(record)):
            # an old archive gave this URL to another site's article: take it back, look again
            if self._free_url(existing):
                existing, claimed = self._find(urls, chash, _site(record))
        if existing is not None and existing["content_hash"] != chash and self._canonical_in_doubt(record, existing):
            # a canonical link is believed only when the texts agree
            if record.get("fetched_url", record["url"]) == record["url"] == existing["url"]:
                self._give_back_canonical(existing)  # the page at the URL takes it
            else:
                record = _without_canonical(record)
                urls = [record["url"], *[u for u in record.get("aliases", []) if u != record["url"]]]
            existing, claimed = self._find(urls, chash, _site(record))
        if existing is None:
            row = {
                "url": record["url"],
                "url_source": record.get("url_source", "fetched"),
                "title": record["title"],
                "published_at": record.get("published_at"),
                "published_at_raw": record.get("published_at_raw"),
                "author": record.get("author"),
                "source": record.get("source"),
                "body": record["body"],
                "site": record["site"],
                "language": record.get("language"),
                "content_hash": chash,
                "pages": record.get("pages", 1),
                "first_seen_at": now,
                "last_seen_at": now,
                "versions": 1,
                "crawl_run_id": run_id,
                **self._fetch_state(record, now),
            }
            article_id = self.db.conn.execute(  # prepared: cheaper than sqlite-utils' insert
                f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
            ).lastrowid
            self.last_article_id = article_id
            self._claim_urls(article_id, claimed)
            self._add_urls(article_id, urls, now)
            self._add_link_texts(article_id, record.get("link_texts") or [], now)
            self.replace_related(article_id, record.get("related", []))
            self._check_copies(article_id, record["body"])
            capture_id = self._add_captures(article_id, record.get("captures") or [], run_id)
            if capture_id is not None:
                self.db.execute("UPDATE articles SET capture_id = ? WHERE id = ?", [capture_id, article_id])
            return Outcome.NEW

        article_id = self.last_article_id = existing["id"]
        self._claim_urls(article_id, claimed)
        self._add_urls(article_id, urls, now)
        self._add_link_texts(article_id, record.get("link_texts") or [], now)
        capture_id = self._add_captures(article_id, record.get("captures") or [], run_id)
        now = max(now, existing["last_seen_at"])  # records may arrive out of fetch order
        update: dict = {"last_seen_at": now}
        if (record["url"] == existing["url"] or record.get("url_source") == "canonical"
                or existing["url"] in record.get("aliases", ())):  # (asked for by its own URL)
            update.update(self._fetch_state(record, now))
        source = record.get("url_source", "fetched")
        if (record["url"] != existing["url"] and URL_RANK.get(source, 1) > URL_RANK.get(existing["url_source"], 1)
                and self.db.execute("SELECT 1 FROM articles WHERE url = ?", [record["url"]]).fetchone() is None):
            update.update(url=record["url"], url_source=source)  # the old URL stays an alias
            self.neardup.url_changed(existing["url"], record["url"])
        # the article's own page: its URL (scheme aside), or the page its own URL redirected to
        is_main_copy = _same_address(record["url"], update.get("url", existing["url"])) or (
            existing["url"] in record.get("aliases", ()) and record.get("url_source") != "copy")
        # A copy with less metadata (a mobile page without the byline) fills gaps but never
        # erases: a field missing from the record keeps its stored value.
        merged = {f: record.get(f) if record.get(f) not in (None, "") else existing[f] for f in VERSIONED_FIELDS}
        changed = [f for f in VERSIONED_FIELDS if merged[f] != existing[f]]
        if changed and all(existing[f] is None for f in changed):
            update.update({f: merged[f] for f in changed})
            changed = []
        captures = record.get("captures") or []
        if capture_id is not None and (existing["capture_id"] is None
                                       or _same_address(captures[0]["url"], update.get("url", existing["url"]))):
            # a fresh capture of the article's own URL: what re-extraction and WARC cite
            update["capture_id"] = capture_id
        if not changed or not is_main_copy:  # other text on a print/mobile copy is no new version
            self.db["articles"].update(article_id, update)
            if record.get("related") and (is_main_copy or not self._has_related(article_id)):
                self.replace_related(article_id, record["related"])
            return Outcome.UNCHANGED
        self.keep_version(existing)
        if capture_id is not None:
            update["capture_id"] = capture_id  # the new text came from this capture
        self.db["articles"].update(
            article_id,
            {
                **merged,
                "published_at_raw": record.get("published_at_raw") or existing["published_at_raw"],
                "content_hash": content_hash(merged["title"], merged["body"]),
                "pages": record.get("pages", 1),
                **update,
                "versions": existing["versions"] + 1,
            },
        )
        self.replace_related(article_id, record.get("related", []))
        if merged["body"] != existing["body"]:
            self._check_copies(article_id, merged["body"])
        return Outcome.UPDATED

    def apply_reextraction(self, existing: dict, record: dict, changed: list[str], extractor: str) -> None:
        """Store what re-extracting an article's capture gave (``changed``: the fields that
        differ) as a new version, and log it in ``reextractions``. Call in a transaction."""
        article_id = existing["id"]
        update: dict = {}
        if set(changed) - {"related"}:
            self.keep_version(existing)
            fields = {f: record.get(f) for f in VERSIONED_FIELDS}
            update = {**fields, "content_hash": content_hash(fields["title"], fields["body"]),
                      "published_at_raw": record.get("published_at_raw"), "pages": record.get("pages", 1),
                      "versions": existing["versions"] + 1}
            self.db["articles"].update(article_id, update)
            if fields["body"] != existing["body"]:
                self._check_copies(article_id, fields["body"])
        if "related" in changed:
            self.replace_related(article_id, record.get("related") or [])
        self.db["reextractions"].insert({
            "at": utc_now(), "article_id": article_id, "capture_id": existing["capture_id"],
            "extractor": extractor, "changed_fields": json.dumps(changed), "version_before": existing["versions"],
        })

    @staticmethod
    def _fetch_state(record: dict, now: str) -> dict:
        """Validators of the article's response, for conditional re-fetches."""
        state = {"last_fetched_at": now}
        for column, key in (("etag", "http_etag"), ("last_modified", "http_last_modified"),
                            ("sitemap_lastmod", "sitemap_lastmod")):
            if record.get(key):
                state[column] = record[key]
        return state

    def revisit(self, url: str, seen_at: str, sitemap_lastmod: str | None = None,
                link_texts: Iterable[str] = ()) -> bool:
        """An archived article was re-fetched and found unchanged (HTTP 304): note when, the
        sitemap lastmod and the link texts that were current then. Returns False when no
        article has that URL."""
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if row is None:
            return False
        self.db.execute(
            "UPDATE articles SET last_seen_at = max(last_seen_at, :t), last_fetched_at = :t, "
            "sitemap_lastmod = coalesce(:lastmod, sitemap_lastmod) WHERE id = :id",
            {"t": seen_at, "id": row[0], "lastmod": sitemap_lastmod},
        )
        self._add_link_texts(row[0], link_texts, seen_at)
        return True

    def note_seen(self, url: str, sitemap_lastmod: str | None, link_texts: Iterable[str], seen_at: str) -> bool:
        """Record what the site said about an archived article in this crawl, when the stored
        copy is as current as that (see ``crawler.items.LinksSeen``): the sitemap's lastmod
        and the texts of links to it. Returns False when no article has that URL."""
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if row is None:
            return False
        if sitemap_lastmod:
            self.db.execute("UPDATE articles SET sitemap_lastmod = ? WHERE id = ?", [sitemap_lastmod, row[0]])
        self._add_link_texts(row[0], link_texts, seen_at)
        return True

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

    def checked(self, url: str, at: str) -> bool:
        """The archived article ``url`` leads to is re-checked (asked for) at ``at``, whatever
        the answer: a page gone, moved or no longer an article is checked too. Returns False
        for an unknown URL."""
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if row is None:
            return False
        self.db.execute("UPDATE articles SET last_checked_at = ? WHERE id = ?", [at, row[0]])
        return True

    def _add_link_texts(self, article_id: int, texts: Iterable[str], now: str) -> None:
        rows = [(article_id, t, now) for t in dict.fromkeys(texts) if t]
        if rows:  # most articles have none (texts naming the title are not kept)
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO link_texts (article_id, text, first_seen_at) VALUES (?, ?, ?)", rows)

    def _has_related(self, article_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM related_links WHERE article_id = ?", [article_id]).fetchone() is not None

    def keep_version(self, existing: dict) -> None:
        """Copy the current content of an article into article_versions before it changes."""
        self.db["article_versions"].insert(
            {
                "article_id": existing["id"],
                "version": existing["versions"],
                "seen_at": existing["last_seen_at"],
                **{f: existing[f] for f in VERSIONED_FIELDS},
                "content_hash": existing["content_hash"],
                "capture_id": existing["capture_id"],
            },
            replace=True,
        )

    def _add_captures(self, article_id: int, captures: list[dict], run_id: int | None) -> int | None:
        """Store an article's raw responses (first page, then continuation pages) as one
        group; returns the first page's capture id. A group identical to one already kept
        for the article (same URLs and payloads, page for page) is not stored twice."""
        if not captures:
            return None
        digests = [payload_digest(c["body"]) for c in captures]
        row = self.db.execute(
            "SELECT id FROM captures WHERE article_id = ? AND url = ? AND payload_digest = ? AND page = 1 "
            "AND (SELECT count(*) FROM captures p WHERE p.part_of = captures.id) = ? ORDER BY id DESC LIMIT 1",
            [article_id, captures[0]["url"], digests[0], len(captures) - 1],
        ).fetchone()
        if row is not None:
            same = [tuple(r) for r in self.db.execute(
                "SELECT url, payload_digest FROM captures WHERE part_of = ? ORDER BY page", [row[0]])]
            if same == [(c["url"], d) for c, d in zip(captures[1:], digests[1:])]:
                return row[0]
        first = None
        for page, (capture, digest) in enumerate(zip(captures, digests), 1):
            cursor = self.db.execute(
                "INSERT INTO captures (article_id, url, fetched_at, status, protocol, method, request_headers, "
                "response_headers, body, body_size, payload_digest, page, part_of, crawl_run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article_id, capture["url"], capture["fetched_at"], capture["status"], capture.get("protocol"),
                 capture.get("method", "GET"), json.dumps(capture.get("request_headers", [])),
                 json.dumps(capture.get("response_headers", [])), zlib.compress(capture["body"], 1),
                 len(capture["body"]), digest, page, first, run_id],
            )
            if first is None:
                first = cursor.lastrowid
        return first

    # The two hottest writes use prepared statements: sqlite-utils' insert_all re-reads the
    # table's columns on every call, which cost more than the inserts themselves.
    def _add_urls(self, article_id: int, urls: list[str], now: str) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) VALUES (?, ?, ?)",
            [(u, article_id, now) for u in urls],
        )

    def _claim_urls(self, article_id: int, urls: list[str]) -> None:
        """Tie ``urls`` (held by another article) to ``article_id``."""
        self.db.conn.executemany("UPDATE article_urls SET article_id = ? WHERE url = ?", [(article_id, u) for u in urls])

    def replace_related(self, article_id: int, related: list[dict]) -> None:
        self.db.conn.execute("DELETE FROM related_links WHERE article_id = ?", [article_id])
        self.db.conn.executemany(
            "INSERT INTO related_links (article_id, position, url, anchor_text) VALUES (?, ?, ?, ?)",
            [(article_id, i, r["url"], r.get("text", "")) for i, r in enumerate(related)],
        )


def _site(record: dict) -> str:
    """The site a record was fetched from (its URL's when the record does not say)."""
    return record.get("site") or site_of(record["url"])


def _same_address(a: str, b: str) -> bool:
    """True when two URLs differ at most in their scheme (``http://`` and ``https://``)."""
    return a.split("://", 1)[-1] == b.split("://", 1)[-1]
