"""Datasette plugin (``pip install newsarchive[datasette]``, then ``datasette news.db``).

* The articles table of each attached news archive gets a search box backed by ``articles_fts``: Datasette builds its
  search SQL with the SQL function ``escape_fts``, which this plugin replaces (plugins'
  ``prepare_connection`` runs after Datasette's own) with :func:`archive.search.fts_query`,
  so 平度, 王清憲 or "CBA联赛" find what ``python -m archive search`` finds.
* ``escape_fts`` is replaced for every database Datasette serves: for an English FTS table it
  quotes words as Datasette does; Chinese text in other FTS tables is split in pairs.
* SQL functions for hand-written queries: ``news_fts_query(text)`` (the MATCH expression for
  what a user typed) and ``news_snippet(text, query)`` (a passage with the matches marked 【】).
* Canned queries for archivists: search, latest articles per site, articles per day, the
  articles of one day, and an article's versions.

The plugin never writes to a database: it registers SQL functions and reads the schema
through a read-only connection, so ``datasette -i news.db`` (immutable) serves a read-only
archive.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from datasette import hookimpl

from archive.db import ArchiveError, connect_readonly
from archive.search import QueryError, fts_query, parse_query, snippet

# Matches nothing: what a query without searchable text finds (an error page helps no one).
_NOTHING = '"\u0001"'


def _fts_or_nothing(text) -> str:
    try:
        return fts_query(str(text or ""))
    except QueryError:
        return _NOTHING


def _snippet(text, query) -> str | None:
    if not text:
        return text
    try:
        terms = parse_query(str(query or "")).terms
    except QueryError:
        return text[:80]
    return snippet(text, terms) or text[:80]


@hookimpl
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, _fts_or_nothing, deterministic=True)
    conn.create_function("news_fts_query", 1, _fts_or_nothing, deterministic=True)
    conn.create_function("news_snippet", 2, _snippet, deterministic=True)


@lru_cache(maxsize=64)
def _is_archive(path: str | None) -> bool:
    """True when the database file at ``path`` has the archive's search index (asked once,
    through a connection that never writes, so a read-only archive served with
    ``datasette -i`` is recognised too)."""
    if not path:
        return False
    try:
        conn = connect_readonly(path)
    except ArchiveError:
        return False
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


_ARCHIVE_TABLES = {
    "articles": {
        "fts_table": "articles_fts", "fts_pk": "id", "sort_desc": "published_at", "label_column": "title",
        "description": "One row per article; the search box finds Chinese words in simplified or traditional script.",
    },
}


@hookimpl
def get_metadata(datasette, key, database, table):
    """Search settings for the articles table of every attached news archive (only those:
    another database's ``articles`` table keeps Datasette's defaults)."""
    return {"databases": {name: {"tables": _ARCHIVE_TABLES} for name, db in datasette.databases.items()
                          if _is_archive(getattr(db, "path", None))}}


CANNED_QUERIES = {
    "search": {
        "title": "Search articles",
        "description": "Every word must occur (simplified and traditional are the same); best matches first.",
        "sql": """
select a.title, a.published_at, a.site, a.url, news_snippet(a.body, :q) as snippet, a.id
from articles_fts f join articles a on a.id = f.rowid
where articles_fts match news_fts_query(:q)
order by f.rank
limit 100""",
        "params": ["q"],
    },
    "latest_per_site": {
        "title": "Latest articles per site",
        "description": "The ten most recently published articles of each site.",
        "sql": """
select site, published_at, title, url from (
  select site, published_at, title, url,
         row_number() over (partition by site order by published_at desc, id desc) as n
  from articles)
where n <= 10
order by site, published_at desc""",
    },
    "articles_per_day": {
        "title": "Articles per day",
        "description": "How many articles each site published each day (by published_at, the site's local day).",
        "sql": """
select substr(published_at, 1, 10) as day, site, count(*) as articles
from articles where published_at is not null
group by day, site
order by day desc, site""",
    },
    "articles_of_day": {
        "title": "Articles of one day",
        "description": "The articles published on a day (YYYY-MM-DD).",
        "sql": """
select published_at, site, title, author, source, url
from articles where substr(published_at, 1, 10) = :day
order by published_at, site""",
        "params": ["day"],
    },
    "article_versions": {
        "title": "Versions of an article",
        "description": "Every stored version of the article at a URL (or any of its aliases), newest first.",
        "sql": """
with a as (select a.* from articles a join article_urls u on u.article_id = a.id where u.url = :url)
select a.versions as version, a.last_seen_at as seen_until, a.title, a.published_at, a.author, a.source,
       length(a.body) as body_chars, a.body
from a
union all
select v.version, v.seen_at, v.title, v.published_at, v.author, v.source, length(v.body), v.body
from article_versions v join a on v.article_id = a.id
order by version desc""",
        "params": ["url"],
    },
}


@hookimpl
def canned_queries(datasette, database, actor):
    async def queries():
        db = datasette.get_database(database)
        if "articles_fts" not in await db.table_names():
            return {}
        return CANNED_QUERIES

    return queries
