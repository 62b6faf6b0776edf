"""Writing articles: one writer, batched transactions, dedup by URL and text.

An article record is the dict produced by ``crawler.items.Article.to_record()`` (the export's
field names). :meth:`ArchiveWriter.save` decides whether it is new (inserted), a known article
seen again (possibly under another URL) or a known article whose content changed (merged into
it); which article a record belongs to is :mod:`archive.matching`'s rule. Crawl runs are
:mod:`archive.runs`, raw captures :mod:`archive.captures`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import Enum

from sqlite_utils import Database

from archive.captures import add_captures
from archive.clock import utc_now
from archive.db import immediate
from archive.matching import ArticleMatcher, content_hash, record_urls
from archive.neardup import NearDuplicates
from archive.schema import VERSIONED_FIELDS, fill_gaps
from archive.searchindex import sync_index

# How well founded an article's URL is; a copy met later with a better one takes its URL.
URL_RANK = {"copy": 0, "fetched": 1, "canonical": 2}


class Outcome(str, Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


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
        self.matcher = ArticleMatcher(db, self.neardup)
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

    def _save(self, record: dict, run_id: int | None) -> Outcome:
        """Save one record, inside the caller's transaction: a new article, or merged into
        the stored article it belongs to."""
        chash = content_hash(record["title"], record["body"])
        record, existing, claimed = self.matcher.resolve(record, chash)
        now = record.get("fetched_at") or utc_now()
        if existing is None:
            return self._insert(record, chash, claimed, now, run_id)
        return self._merge(record, existing, claimed, now, run_id)

    def _insert(self, record: dict, chash: str, claimed: list[str], now: str, run_id: int | None) -> Outcome:
        """Store ``record`` as a new article, with its URLs, link texts, related list and
        captures."""
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
        self._add_urls(article_id, record_urls(record), now)
        self._add_link_texts(article_id, record.get("link_texts") or [], now)
        self._add_related(article_id, record.get("related", []))
        self._check_copies(article_id, record["body"])
        capture_id = add_captures(self.db, article_id, record.get("captures") or [], run_id, new_article=True)
        if capture_id is not None:
            self.db.execute("UPDATE articles SET capture_id = ? WHERE id = ?", [capture_id, article_id])
        return Outcome.NEW

    def _merge(self, record: dict, existing: dict, claimed: list[str], now: str, run_id: int | None) -> Outcome:
        """Merge ``record`` into the stored article ``existing``: its URLs, link texts and
        captures are added, the fields it lacks keep their stored values
        (:func:`archive.schema.fill_gaps`), and other text on the article's own page makes a
        new version (other text on a print or mobile copy does not)."""
        article_id = self.last_article_id = existing["id"]
        self._claim_urls(article_id, claimed)
        self._add_urls(article_id, record_urls(record), now)
        self._add_link_texts(article_id, record.get("link_texts") or [], now)
        capture_id = add_captures(self.db, article_id, record.get("captures") or [], run_id)
        # (records may arrive out of fetch order)
        update = self._seen_again(record, existing, max(now, existing["last_seen_at"]), capture_id)
        # the article's own page: its URL (scheme aside), or the page its own URL redirected to
        is_main_copy = _same_address(record["url"], update.get("url", existing["url"])) or (
            existing["url"] in record.get("aliases", ()) and record.get("url_source") != "copy")
        merged = fill_gaps(record, existing)
        changed = [f for f in VERSIONED_FIELDS if merged[f] != existing[f]]
        if changed and all(existing[f] is None for f in changed):  # gaps filled: no new version
            update.update({f: merged[f] for f in changed})
            changed = []
        if not changed or not is_main_copy:
            self.db["articles"].update(article_id, update)
            if record.get("related") and (is_main_copy or not self._has_related(article_id)):
                self.replace_related(article_id, record["related"])
            return Outcome.UNCHANGED
        if capture_id is not None:
            update["capture_id"] = capture_id  # the new text came from this capture
        self._new_version(existing, merged, **{
            "published_at_raw": record.get("published_at_raw") or existing["published_at_raw"],
            "pages": record.get("pages", 1), **update})
        self.replace_related(article_id, record.get("related", []))
        return Outcome.UPDATED

    def _seen_again(self, record: dict, existing: dict, now: str, capture_id: int | None) -> dict:
        """The columns of ``existing`` that seeing it again as ``record`` updates, whatever
        its text: when it was last seen; its fetch state when asked for by its own URL; a
        better founded URL (the old one stays an alias); the capture that re-extraction and
        WARC cite."""
        update: dict = {"last_seen_at": now}
        if (record["url"] == existing["url"] or record.get("url_source") == "canonical"
                or existing["url"] in record.get("aliases", ())):  # (asked for by its own URL)
            update.update(self._fetch_state(record, now))
        source = record.get("url_source", "fetched")
        if (record["url"] != existing["url"] and URL_RANK.get(source, 1) > URL_RANK.get(existing["url_source"], 1)
                and self.db.execute("SELECT 1 FROM articles WHERE url = ?", [record["url"]]).fetchone() is None):
            update.update(url=record["url"], url_source=source)  # the old URL stays an alias
            self.neardup.url_changed(existing["url"], record["url"])
        captures = record.get("captures") or []
        if capture_id is not None and (existing["capture_id"] is None
                                       or _same_address(captures[0]["url"], update.get("url", existing["url"]))):
            # a fresh capture of the article's own URL: what re-extraction and WARC cite
            update["capture_id"] = capture_id
        return update

    def _new_version(self, existing: dict, fields: dict, **columns) -> None:
        """Make ``fields`` (:data:`archive.schema.VERSIONED_FIELDS`) the article's current
        content, a new version: the current one is kept in ``article_versions``, ``columns``
        are updated too, and a changed body is checked for near-duplicates."""
        self.keep_version(existing)
        self.db["articles"].update(existing["id"], {
            **fields, "content_hash": content_hash(fields["title"], fields["body"]), **columns,
            "versions": existing["versions"] + 1})
        if fields["body"] != existing["body"]:
            self._check_copies(existing["id"], fields["body"])

    def apply_reextraction(self, existing: dict, record: dict, changed: list[str], extractor: str) -> None:
        """Store what re-extracting an article's capture gave (``changed``: the fields that
        differ) as a new version, and log it in ``reextractions``. Call in a transaction."""
        if set(changed) - {"related"}:
            self._new_version(existing, {f: record.get(f) for f in VERSIONED_FIELDS},
                              published_at_raw=record.get("published_at_raw"), pages=record.get("pages", 1))
        if "related" in changed:
            self.replace_related(existing["id"], record.get("related") or [])
        self.db["reextractions"].insert({
            "at": utc_now(), "article_id": existing["id"], "capture_id": existing["capture_id"],
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
        """The article's related list becomes ``related`` (dicts with url, text), in order."""
        self.db.conn.execute("DELETE FROM related_links WHERE article_id = ?", [article_id])
        self._add_related(article_id, related)

    def _add_related(self, article_id: int, related: list[dict]) -> None:
        """:meth:`replace_related` for an article that has no related list yet (a new one)."""
        self.db.conn.executemany(
            "INSERT INTO related_links (article_id, position, url, anchor_text) VALUES (?, ?, ?, ?)",
            [(article_id, i, r["url"], r.get("text", "")) for i, r in enumerate(related)],
        )


def _same_address(a: str, b: str) -> bool:
    """True when two URLs differ at most in their scheme (``http://`` and ``https://``)."""
    return a.split("://", 1)[-1] == b.split("://", 1)[-1]
