"""Reading the archive: export records, an article's fields and history, counts.

All user text reaches SQLite as bound parameters; no SQL is built from it.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator
from typing import IO

from sqlite_utils import Database

from archive import search
from archive.errors import ArchiveError
from archive.neardup import PUBLISHED_ORDER
from archive.schema import VERSIONED_FIELDS
from archive.urls import canonicalize

# The export's fields, in order (the contract other tools read).
EXPORT_FIELDS = (
    "url", "aliases", "title", "published_at", "author", "source", "body", "related_urls",
    "site", "language", "first_seen_at", "last_seen_at", "versions", "near_duplicate_of",
)

_EXPORT_SQL = """
SELECT a.id AS article_id, a.capture_id, a.url, a.title, a.published_at, a.author, a.source, a.body, a.site, a.language,
       a.first_seen_at, a.last_seen_at, a.versions, a.near_duplicate_of,
       (SELECT json_group_array(url) FROM
           (SELECT u.url FROM article_urls u WHERE u.article_id = a.id AND u.url != a.url
            ORDER BY u.first_seen_at, u.rowid)) AS aliases,
       (SELECT json_group_array(url) FROM
           (SELECT r.url FROM related_links r WHERE r.article_id = a.id ORDER BY r.position)) AS related_urls
FROM articles a
WHERE {where}
ORDER BY a.id
"""


def require_archive(db: Database) -> None:
    if "articles" not in db.table_names():
        raise ArchiveError("this file is not a news archive (no articles table)")


def export_records(
    db: Database, *, site: str | None = None, since: str | None = None, until: str | None = None,
    query: str | None = None,
) -> Iterator[dict]:
    """Yield every article as a dict with :data:`EXPORT_FIELDS`, streaming (constant memory).

    ``since``/``until`` are inclusive ``YYYY-MM-DD`` days compared with published_at's date;
    ``query`` keeps the articles a search for it finds (see :func:`archive.search.parse_query`).
    """
    for _article_id, _capture_id, record in export_rows(db, site=site, since=since, until=until, query=query):
        yield record


def export_rows(
    db: Database, *, site: str | None = None, since: str | None = None, until: str | None = None,
    query: str | None = None, article_id: int | None = None,
) -> Iterator[tuple[int, int | None, dict]]:
    """As :func:`export_records`, each record with its article id and capture id (for WARC);
    ``article_id``: only that article."""
    require_archive(db)
    where, params = search.filters(site, since, until)
    if article_id is not None:
        where += " AND a.id = :id"
        params["id"] = article_id
    if query is not None:
        params["fts"] = search.parse_query(query).fts
        where += f" AND a.id IN ({search.matching_ids_sql()})"
    yield from _export_where(db, where, params)


def write_records(out: IO[str], fmt: str, records: Iterable[dict]) -> None:
    """Write export records to ``out`` as ``fmt``: ``jsonl`` (one JSON object per line) or
    ``csv`` (a header of :data:`EXPORT_FIELDS`, then one row per record, its lists as JSON
    arrays). The records' lists are replaced by their JSON text in CSV."""
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for record in records:
        record["aliases"] = json.dumps(record["aliases"], ensure_ascii=False)
        record["related_urls"] = json.dumps(record["related_urls"], ensure_ascii=False)
        writer.writerow(record)


def _export_where(db: Database, where: str, params: dict) -> Iterator[tuple[int, int | None, dict]]:
    cursor = db.execute(_EXPORT_SQL.format(where=where), params)
    columns = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(columns, values))
        row["aliases"] = json.loads(row["aliases"])
        row["related_urls"] = json.loads(row["related_urls"])
        yield row["article_id"], row["capture_id"], {name: row[name] for name in EXPORT_FIELDS}


def summary(db: Database) -> dict:
    """Counts for a quick look: articles per site, URL aliases, related links, last runs."""
    require_archive(db)
    per_site = [
        {"site": site, "articles": n, "with_date": d, "with_author": a, "with_source": s}
        for site, n, d, a, s in db.execute(
            "SELECT site, count(*), count(published_at), count(author), count(source) "
            "FROM articles GROUP BY site ORDER BY site"
        )
    ]
    runs = [
        dict(zip(("id", "started_at", "ended_at", "finish_reason", "pages_fetched",
                  "articles_new", "articles_updated", "articles_unchanged", "items_dropped", "errors", "run_key"), r))
        for r in db.execute(
            "SELECT id, started_at, ended_at, finish_reason, pages_fetched, articles_new, "
            "articles_updated, articles_unchanged, items_dropped, errors, run_key "
            "FROM crawl_runs ORDER BY id DESC LIMIT 5"
        )
    ]
    return {
        "articles": db.execute("SELECT count(*) FROM articles").fetchone()[0],
        "aliases": db.execute(
            "SELECT count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url != a.url"
        ).fetchone()[0],
        "related_links": db.execute("SELECT count(*) FROM related_links").fetchone()[0],
        "sites": per_site,
        "runs": runs,
    }


def sites(db: Database) -> list[str]:
    """The sites the archive has articles of (``host[:port]``), sorted."""
    return [site for (site,) in db.execute("SELECT DISTINCT site FROM articles ORDER BY site")]


_STATE_SQL = """
SELECT a.id, a.url, a.title, a.published_at, a.last_fetched_at, a.last_seen_at, a.etag, a.last_modified,
       a.sitemap_lastmod, c.url AS capture_url, c.fetched_at AS capture_fetched_at
FROM article_urls u JOIN articles a ON a.id = u.article_id LEFT JOIN captures c ON c.id = a.capture_id
WHERE u.url = ?
"""


def url_state(db: Database, url: str) -> dict | None:
    """What the archive knows about the article a URL leads to, or None for an unknown URL:
    ``id``, ``url`` (the article's), ``title``, ``published_at``, ``last_fetched_at``,
    ``last_seen_at``, ``etag``, ``last_modified``, ``sitemap_lastmod``, ``capture_url`` and
    ``capture_fetched_at`` (the URL whose response the stored text came from, and when; NULL
    without captures)."""
    cursor = db.execute(_STATE_SQL, [url])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row))


def history(db: Database, url: str) -> list[dict]:
    """Every version of the article ``url`` leads to (see :func:`find_article_id`), oldest first:
    dicts with ``version``, ``seen_at`` (when that content was last seen), ``title``,
    ``published_at``, ``author``, ``source`` and ``body``. Raises ArchiveError for an
    unknown URL."""
    require_archive(db)
    article_id = find_article_id(db, url)
    fields = ", ".join(VERSIONED_FIELDS)
    cursor = db.execute(
        f"SELECT version, seen_at, {fields} FROM article_versions WHERE article_id = :id "
        f"UNION ALL SELECT versions, last_seen_at, {fields} FROM articles WHERE id = :id ORDER BY 1",
        {"id": article_id},
    )
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, values)) for values in cursor]


def find_article_id(db: Database, url: str) -> int:
    """The id of the article ``url`` leads to: ``url`` is one of its URLs (its own or an
    alias), or canonicalizes to one (:func:`archive.urls.canonicalize`: tracking parameters,
    fragment, host case, default port). Raises ArchiveError for an unknown URL."""
    canonical = canonicalize(url)
    for candidate in dict.fromkeys((url, canonical)):
        row = db.execute("SELECT article_id FROM article_urls WHERE url = ?", [candidate]).fetchone()
        if row is not None:
            return row[0]
    raise ArchiveError(f"no archived article has the URL {url}"
                       + (f" (nor its canonical form {canonical})" if canonical != url else ""))


def version_diff(old: dict, new: dict) -> list[str]:
    """A readable diff between two versions: changed metadata fields, then a unified diff of
    the body by paragraph."""
    import difflib

    lines = [f"{name}: {old[name]!r} -> {new[name]!r}"
             for name in VERSIONED_FIELDS if name != "body" and old[name] != new[name]]
    lines += list(difflib.unified_diff(
        (old["body"] or "").split("\n\n"), (new["body"] or "").split("\n\n"),
        fromfile=f"version {old['version']}", tofile=f"version {new['version']}", lineterm="", n=1,
    ))
    return lines


def show(db: Database, url: str) -> dict:
    """One article by a URL that leads to it (see :func:`find_article_id`): the export's fields
    plus ``related`` (url and anchor text), ``copies`` (URLs of the other copies of its story,
    original first), ``original`` (the story's original URL, itself when it is the original),
    published_at_raw, url_source, pages, ``captures`` (id, url, fetched_at, status, bytes;
    ``capture_id`` is the one the text was extracted from) and ``reextractions``."""
    require_archive(db)
    article_id = find_article_id(db, url)
    ((_, _, record),) = list(_export_where(db, "a.id = :id", {"id": article_id}))
    record["related"] = [
        {"url": u, "text": t}
        for u, t in db.execute("SELECT url, anchor_text FROM related_links WHERE article_id = ? ORDER BY position", [article_id])
    ]
    original = record["near_duplicate_of"] or record["url"]
    story = [u for (u,) in db.execute(
        "SELECT url FROM articles WHERE url = :o OR near_duplicate_of = :o "
        f"ORDER BY url != :o, {PUBLISHED_ORDER}", {"o": original})]
    record["original"] = original if len(story) > 1 else None
    record["copies"] = [u for u in story if u != record["url"]]
    extra = db.execute(
        "SELECT published_at_raw, url_source, pages, capture_id FROM articles WHERE id = ?", [article_id]).fetchone()
    record.update(zip(("published_at_raw", "url_source", "pages", "capture_id"), extra))
    record["captures"] = [
        dict(zip(("id", "url", "fetched_at", "status", "bytes"), c)) for c in db.execute(
            "SELECT id, url, fetched_at, status, body_size FROM captures WHERE article_id = ? ORDER BY fetched_at, page, id",
            [article_id])
    ]
    record["reextractions"] = [
        dict(zip(("at", "changed_fields", "version_before"), (at, json.loads(f), v))) for at, f, v in db.execute(
            "SELECT at, changed_fields, version_before FROM reextractions WHERE article_id = ? ORDER BY id", [article_id])
    ]
    return record


def copies_per_site(db: Database) -> list[dict]:
    """Per site: stories with copies elsewhere or here (``originals``) and copies (``copies``)."""
    return [
        {"site": site, "originals": originals, "copies": copies}
        for site, originals, copies in db.execute(
            "SELECT site, sum(id IN (SELECT o.id FROM articles o JOIN articles c ON c.near_duplicate_of = o.url)), "
            "sum(near_duplicate_of IS NOT NULL) FROM articles GROUP BY site ORDER BY site"
        )
    ]


def per_month(db: Database) -> list[dict]:
    """Articles per site and month of publication (``YYYY-MM``; ``None``: no date), oldest first."""
    return [
        {"month": month, "site": site, "articles": n}
        for month, site, n in db.execute(
            "SELECT substr(published_at, 1, 7) AS month, site, count(*) FROM articles "
            "GROUP BY month, site ORDER BY month IS NULL, month, site"
        )
    ]


def coverage(db: Database) -> list[dict]:
    """Per site: articles, the share (0-1) with a date, an author, a source, and the range
    of publication days."""
    return [
        {"site": site, "articles": n, "date": d / n, "author": a / n, "source": s / n,
         "first_day": first, "last_day": last}
        for site, n, d, a, s, first, last in db.execute(
            "SELECT site, count(*), count(published_at), count(author), count(source), "
            "min(substr(published_at, 1, 10)), max(substr(published_at, 1, 10)) FROM articles GROUP BY site ORDER BY site"
        )
    ]


def related_urls(db: Database, article_id: int) -> list[str]:
    """The stored related-list URLs of an article, in page order."""
    return [u for (u,) in db.execute("SELECT url FROM related_links WHERE article_id = ? ORDER BY position", [article_id])]


def link_texts(db: Database, article_id: int) -> list[str]:
    """The texts of the links to an article that crawls recorded (see ``link_texts``)."""
    return [t for (t,) in db.execute("SELECT text FROM link_texts WHERE article_id = ?", [article_id])]


def least_recently_checked(db: Database, sites: list[str], share: float) -> list[str]:
    """URLs of the archived articles of ``sites`` (``host[:port]``) checked longest ago: per
    site the ``ceil(share x articles)`` with the oldest last check (the later of
    ``last_fetched_at`` and ``last_checked_at``, or the first sighting for articles archived
    before fetch times were kept), oldest first."""
    urls: list[str] = []
    for site in sites:
        (count,) = db.execute("SELECT count(*) FROM articles WHERE site = ?", [site]).fetchone()
        take = math.ceil(count * share) if count else 0
        if take:
            urls += [u for (u,) in db.execute(
                "SELECT url FROM articles WHERE site = ? "
                "ORDER BY max(coalesce(last_checked_at, ''), coalesce(last_fetched_at, first_seen_at)), id "
                "LIMIT ?", [site, take])]
    return urls
