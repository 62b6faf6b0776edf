"""Splitting copies on other sites out of the articles they were merged into.

An article is one site's publication (see :mod:`archive.store`). Archives written before that
rule stored a word-for-word copy on another site as an alias of the first article: the copy's
URLs in ``article_urls`` and its raw responses in ``captures``, both under the first article,
its site, source and byline lost (and when the copy named itself canonical, its URL could
even replace the article's own). :func:`split_copies` repairs such an archive from the stored
captures, without re-crawling:

- each capture group (first page and continuation pages) of an article whose URL is on
  another site than the article's (``articles.site``; :func:`archive.sites.same_site`) is
  re-extracted into a record and saved through :class:`~archive.store.ArchiveWriter` as that
  site's article (search index, near-duplicate link to the earliest copy), oldest group
  first; the group and the URLs the record names move to that article;
- an article whose URL is on another site gets back its first URL of its own site;
- a URL of another site without any capture (a redirect from another host, or an archive
  older than captures) is left as it is and counted.

Nothing is deleted. A second run finds nothing to move.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections import Counter
from dataclasses import dataclass, field

from sqlite_utils import Database

from archive.captures import capture_group
from archive.reextract import Extractor
from archive.schema import VERSIONED_FIELDS
from archive.searchindex import sync_index
from archive.sites import same_site, site_of
from archive.store import ArchiveWriter, Outcome

logger = logging.getLogger(__name__)

BATCH = 50  # articles repaired per write transaction
# Rows whose URL does not start with the article's own site: the only candidates (the exact
# rule, same_site, is applied to them in Python).
_NOT_ON_OWN_HOST = "substr(lower({url}), instr({url}, '://') + 3, length(a.site) + 1) != a.site || '/'"


@dataclass
class SplitReport:
    """What :func:`split_copies` did (or, dry, would do).

    ``articles``: articles holding URLs of another site. ``split``: capture groups stored as
    their site's article, ``new`` of them as a new article. ``captures_moved``: capture rows
    (pages) moved; ``urls_moved``: ``article_urls`` rows moved; ``urls_restored``: articles
    given back a URL of their own site; ``texts_restored``: articles whose current text had
    come from a copy, given back their own latest version. ``left``: URLs of another site without a capture,
    left where they are. ``failed``: reason -> capture groups that did not extract (left).
    ``examples``: the first splits, dicts with ``url`` (the copy) and ``article`` (its host).
    """

    articles: int = 0
    split: int = 0
    new: int = 0
    captures_moved: int = 0
    urls_moved: int = 0
    urls_restored: int = 0
    texts_restored: int = 0
    left: int = 0
    failed: Counter = field(default_factory=Counter)
    examples: list[dict] = field(default_factory=list)


@dataclass
class _Group:
    """A capture group of another site held by an article: its first page's row."""

    id: int
    url: str
    fetched_at: str
    crawl_run_id: int | None


def split_copies(db: Database, extractor: Extractor, *, dry_run: bool = False) -> SplitReport:
    """Give every copy on another site that an article holds its own article (see the module
    docstring); with ``dry_run`` only report. One transaction per ``BATCH`` articles."""
    report = SplitReport()
    writer = ArchiveWriter(db, link_copies=False)
    ids = _articles_with_foreign_urls(db)
    report.articles = len(ids)
    for start in range(0, len(ids), BATCH):
        with db.atomic():
            for article_id in ids[start:start + BATCH]:
                _repair(db, writer, extractor, article_id, dry_run, report)
            if not dry_run:
                sync_index(db)  # the index commits with the split articles
    if not dry_run:
        writer.link_pending_copies()
    logger.info("split %(split)s copies on other sites (%(new)s new articles), %(left)s URLs left",
                {"split": report.split, "new": report.new, "left": report.left})
    return report


def _articles_with_foreign_urls(db: Database) -> list[int]:
    """Ids of the articles whose URL, an alias or a capture is on another site, in id order."""
    rows = db.execute(
        f"SELECT a.id, a.url, a.site FROM articles a WHERE {_NOT_ON_OWN_HOST.format(url='a.url')} "
        f"UNION ALL SELECT a.id, u.url, a.site FROM article_urls u JOIN articles a ON a.id = u.article_id "
        f"WHERE {_NOT_ON_OWN_HOST.format(url='u.url')} "
        f"UNION ALL SELECT a.id, c.url, a.site FROM captures c JOIN articles a ON a.id = c.article_id "
        f"WHERE c.page = 1 AND {_NOT_ON_OWN_HOST.format(url='c.url')}"
    )
    return sorted({article_id for article_id, url, site in rows if _foreign(url, site)})


def _foreign(url: str, site: str) -> bool:
    return not same_site(site_of(url), site)


def _repair(db, writer: ArchiveWriter, extractor: Extractor, article_id: int, dry_run: bool,
            report: SplitReport) -> None:
    """Split the copies of other sites out of one article."""
    article = db["articles"].get(article_id)
    site = article["site"]
    if _foreign(article["url"], site):
        _restore_url(db, writer, article, dry_run, report)
    groups = [_Group(*row) for row in db.execute(
        "SELECT id, url, fetched_at, crawl_run_id FROM captures WHERE article_id = ? AND page = 1 "
        "ORDER BY fetched_at, id", [article_id]) if _foreign(row[1], site)]
    moving: set[str] = set()
    validators: set[str] = set()
    for group in groups:
        urls = _split_group(db, writer, extractor, article, group, dry_run, report)
        if urls is not None:
            moving |= urls
            validators |= _validators(db, group.id)
    held = [u for (u,) in db.execute("SELECT url FROM article_urls WHERE article_id = ?", [article_id])]
    report.left += sum(1 for u in held if _foreign(u, site) and u not in moving)
    if dry_run or not moving:
        return
    if _after_split(db, writer, extractor, article_id, validators):
        report.texts_restored += 1
    writer.neardup.defer(article_id)  # its story may have changed


def _split_group(db, writer: ArchiveWriter, extractor: Extractor, article: dict, group: _Group, dry_run: bool,
                 report: SplitReport) -> set[str] | None:
    """Store one capture group as its site's article; returns the URLs it names (None when
    the group stays where it is)."""
    record = _extract(db, extractor, group, report)
    if record is None:
        return None
    if not _foreign(record["url"], article["site"]):
        report.failed["extracts as a page of the article's own site"] += 1
        return None
    target = writer.matcher.find(record)
    if target is not None and target["id"] == article["id"]:
        if not dry_run:  # (dry, the article's URL was not given back first)
            report.failed["still found as the same article"] += 1
            return None
        target = None
    urls = {record["url"], *record.get("aliases", []), group.url}
    marks = ",".join("?" * len(urls))
    report.split += 1
    report.captures_moved += db.execute(
        "SELECT count(*) FROM captures WHERE id = ? OR part_of = ?", [group.id, group.id]).fetchone()[0]
    if len(report.examples) < 20:
        report.examples.append({"url": record["url"], "article": article["url"]})
    report.urls_moved += db.execute(f"SELECT count(*) FROM article_urls WHERE article_id = ? AND url IN ({marks})",
                                    [article["id"], *urls]).fetchone()[0]
    if dry_run:
        report.new += target is None
        return urls
    # a capture older than what the copy's article already holds adds no version over it
    outcome = None
    if target is not None and (target["last_fetched_at"] or target["last_seen_at"]) > group.fetched_at:
        copy_id = target["id"]
    else:
        outcome = writer.save_many([record], group.crawl_run_id)[0]
        copy_id = writer.last_article_id
        report.new += outcome is Outcome.NEW
    # (saving claimed the URLs of the copy's own site; the rest of what it names moves too)
    db.execute(f"UPDATE article_urls SET article_id = ? WHERE article_id = ? AND url IN ({marks})",
               [copy_id, article["id"], *urls])
    db.execute("UPDATE captures SET article_id = ? WHERE id = ? OR part_of = ?", [copy_id, group.id, group.id])
    copy = db["articles"].get(copy_id)
    if copy["capture_id"] is None or (outcome is not None and (outcome is not Outcome.UNCHANGED or group.url == copy["url"])):
        db.execute("UPDATE articles SET capture_id = ? WHERE id = ?", [group.id, copy_id])  # its text's source
    logger.info("split %(url)s out of %(article)s", {"url": record["url"], "article": article["url"]})
    return urls


def _extract(db, extractor: Extractor, group: _Group, report: SplitReport) -> dict | None:
    """The record a capture group gives today, with the capture's fetch time and validators
    (no captures: the stored ones move); None when it does not extract (counted)."""
    try:
        captures = capture_group(db, group.id)
    except zlib.error:
        report.failed["capture unreadable"] += 1
        return None
    try:
        record = extractor(captures)
    except Exception as exc:  # not (or no longer) an article: the capture stays where it is
        report.failed[str(getattr(exc, "reason", None) or type(exc).__name__)] += 1
        logger.info("cannot split %(url)s: %(exc)s", {"url": group.url, "exc": exc})
        return None
    headers = {name.lower(): value for name, value in captures[0]["response_headers"]}
    return {**record, "site": record.get("site") or site_of(captures[0]["url"]),
            "fetched_at": record.get("fetched_at") or group.fetched_at, "captures": [],
            "http_etag": record.get("http_etag") or headers.get("etag"),
            "http_last_modified": record.get("http_last_modified") or headers.get("last-modified")}


def _restore_url(db, writer: ArchiveWriter, article: dict, dry_run: bool, report: SplitReport) -> None:
    """An article whose URL is another site's (a copy naming itself canonical took it) gets
    back the first URL of its own site it was known by."""
    url = writer.matcher.own_site_url(article["id"], article["site"])
    if url is None:
        report.failed["no URL of its own site"] += 1
        return
    report.urls_restored += 1
    if dry_run:
        return
    db.execute("UPDATE articles SET url = ?, url_source = 'fetched' WHERE id = ?", [url, article["id"]])
    writer.neardup.url_changed(article["url"], url)
    article["url"] = url


def _validators(db, capture_id: int) -> set[str]:
    """The ETag and Last-Modified values a capture came with."""
    headers = json.loads(db.execute("SELECT response_headers FROM captures WHERE id = ?", [capture_id]).fetchone()[0]
                         or "[]")
    return {value for name, value in headers if name.lower() in ("etag", "last-modified")}


def _after_split(db, writer: ArchiveWriter, extractor: Extractor, article_id: int, validators: set[str]) -> bool:
    """The article's capture and validators after its copies left: a capture of its own site
    (of its own URL first, newest first) instead of a moved one, and no ETag/Last-Modified
    of a copy's response (its next re-fetch is then unconditional). When its current text
    came from a moved capture (a copy had taken it over), its latest version extracted from
    a capture it kept becomes current again, as a new version. Returns True then."""
    article = db["articles"].get(article_id)
    owner = db.execute("SELECT article_id FROM captures WHERE id = ?", [article["capture_id"]]).fetchone()
    update = {}
    moved = article["capture_id"] is not None and owner is not None and owner[0] != article_id
    restored = moved and _restore_own_text(db, writer, extractor, article)
    if restored:
        article = db["articles"].get(article_id)  # its capture is the restored version's
    elif moved:
        own = [i for i, url in db.execute(
            "SELECT id, url FROM captures WHERE article_id = ? AND page = 1 ORDER BY url = ? DESC, fetched_at DESC, id DESC",
            [article_id, article["url"]]) if not _foreign(url, article["site"])]
        update["capture_id"] = own[0] if own else None
    for column in ("etag", "last_modified"):
        if article[column] in validators:
            update[column] = None
    if update:
        db["articles"].update(article_id, update)
    return restored


def _restore_own_text(db, writer: ArchiveWriter, extractor: Extractor, article: dict) -> bool:
    """Make the article's latest version whose capture it kept current again (a new version;
    the copy's text stays in its history), when that differs from the current text; its
    related list and page count come again from that capture, when it still extracts."""
    row = db.execute(
        "SELECT v.* FROM article_versions v JOIN captures c ON c.id = v.capture_id "
        "WHERE v.article_id = ? AND c.article_id = ? ORDER BY v.version DESC LIMIT 1",
        [article["id"], article["id"]]).fetchone()
    if row is None:
        return False
    cursor = db.execute("SELECT * FROM article_versions LIMIT 0")
    version = dict(zip([c[0] for c in cursor.description], row))
    fields = {f: version[f] for f in VERSIONED_FIELDS}
    if all(fields[f] == article[f] for f in VERSIONED_FIELDS):
        return False
    writer.keep_version(article)
    db["articles"].update(article["id"], {**fields, "content_hash": version["content_hash"],
                                          "capture_id": version["capture_id"], "versions": article["versions"] + 1})
    try:
        record = extractor(capture_group(db, version["capture_id"]))
    except Exception:  # damaged or no longer extracting: the related list stays as it was
        return True
    writer.replace_related(article["id"], record.get("related") or [])
    db["articles"].update(article["id"], {"pages": record.get("pages", 1),
                                          "published_at_raw": record.get("published_at_raw")})
    return True
