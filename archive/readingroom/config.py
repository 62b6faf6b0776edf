"""What Datasette is told about a news archive it serves, and the archive's SQL functions.

* The articles table gets a search box backed by ``articles_fts``: Datasette builds its
  search SQL with the SQL function ``escape_fts``, which :func:`register_functions` replaces
  (plugins' ``prepare_connection`` runs after Datasette's own) with
  :func:`archive.search.fts_query`, so 平度, 王清憲 or "CBA联赛" find what
  ``python -m archive search`` finds. For an English FTS table of another database it quotes
  words as Datasette does; Chinese text in other FTS tables is split in pairs.
* SQL functions for hand-written queries: ``news_fts_query(text)`` (the MATCH expression for
  what a user typed) and ``news_snippet(text, query)`` (a passage with the matches marked 【】).
* Canned queries for archivists: search, latest articles per site, articles per day, the
  articles of one day, and an article's versions.
* The archive's internal tables (migrations, the search queue, the near-duplicate index,
  stream positions) are hidden, and the database and its articles table point to the
  reading room (:mod:`archive.readingroom.views`).

How this reaches Datasette, on 0.65 and 1.0 alike: the ``startup`` hook (in both) gives
every attached archive :func:`archive_config`, the block a configuration file holds under
``databases: <name>:``. Datasette 1.0 takes table settings from its configuration (what
``datasette.yaml`` fills), descriptions from its metadata tables (``set_resource_metadata``)
and queries from its query store (``add_query``); the 0.x series reads all of it from its
metadata (what ``metadata.yaml`` fills). The hooks 1.0 removed (``get_metadata``,
``canned_queries``) are not used. What a user configured for an archive himself wins over
this block.

Nothing here writes to a database: it registers SQL functions and reads the schema through a
read-only connection, so ``datasette -i news.db`` (immutable) serves a read-only archive.
"""

from __future__ import annotations

import copy
import sqlite3
from functools import lru_cache

from archive.db import connect_readonly
from archive.errors import ArchiveError, QueryError
from archive.schema import VERSIONED_FIELDS
from archive.search import fts_query, parse_query, snippet

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


def register_functions(conn) -> None:
    """Give a connection ``escape_fts``, ``news_fts_query`` and ``news_snippet``."""
    conn.create_function("escape_fts", 1, _fts_or_nothing, deterministic=True)
    conn.create_function("news_fts_query", 1, _fts_or_nothing, deterministic=True)
    conn.create_function("news_snippet", 2, _snippet, deterministic=True)


@lru_cache(maxsize=64)
def is_archive(path: str | None) -> bool:
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


_ARTICLES = {
    "fts_table": "articles_fts", "fts_pk": "id", "sort_desc": "published_at", "label_column": "title",
    "description": "One row per article; the search box finds Chinese words in simplified or traditional script. "
                   "The reading room (/<database>/-/articles) shows them as an archivist reads them.",
}



def _version_meta(table: str) -> str:
    """The metadata columns of a version in ``table`` (its body is shown last, with its
    length before it)."""
    return ", ".join(f"{table}.{f}" for f in VERSIONED_FIELDS if f != "body")


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
    # (not named after the article_versions table: Datasette 1.0 serves a table before a query)
    "article_history": {
        "title": "Versions of an article",
        "description": "Every stored version of the article at a URL (or any of its aliases), newest first.",
        "sql": f"""
with a as (select a.* from articles a join article_urls u on u.article_id = a.id where u.url = :url)
select a.versions as version, a.last_seen_at as seen_until, {_version_meta("a")},
       length(a.body) as body_chars, a.body
from a
union all
select v.version, v.seen_at, {_version_meta("v")}, length(v.body), v.body
from article_versions v join a on v.article_id = a.id
order by version desc""",
        "params": ["url"],
    },
}


# Tables only the archive's own code reads: hidden from the database page (and from the
# first table its SQL box would open on).
INTERNAL_TABLES = ("_sqlite_migrations", "search_queue", "search_state", "stream_positions",
                   "neardup_signatures", "neardup_bands", "neardup_pending")


def archive_config() -> dict:
    """What Datasette is told about a news archive, as a configuration file holds it under
    ``databases: <name>:``: the articles table's search settings and description, the
    internal tables hidden (``tables``) and the canned queries (``queries``)."""
    tables = {"articles": dict(_ARTICLES), **{t: {"hidden": True} for t in INTERNAL_TABLES}}
    return {"tables": tables, "queries": copy.deepcopy(CANNED_QUERIES)}


def configure_on_startup(datasette):
    """The coroutine the ``startup`` hook returns: :func:`archive_config` for every archive."""
    async def configure():
        for name, database in list(datasette.databases.items()):
            if not is_archive(getattr(database, "path", None)):
                continue  # another database's articles table keeps Datasette's defaults
            if hasattr(datasette, "add_query"):  # Datasette 1.0
                await _configure(datasette, name, archive_config())
            else:
                own = {**archive_config(), "description_html": _pointer(datasette.urls.database(name))}
                datasette._metadata_local = _under(datasette._metadata_local or {}, {"databases": {name: own}})

    return configure


def _pointer(database_path: str) -> str:
    """The archive's description on Datasette's pages: where the reading room is."""
    return (f'A news archive. Read it in the <a href="{database_path}/-/articles">reading room</a>: '
            f'articles and search, versions, copies and captures, <a href="{database_path}/-/sites">sites</a> '
            f'and <a href="{database_path}/-/runs">crawl runs</a>.')


async def _configure(datasette, name: str, config: dict) -> None:
    """Give the archive ``name`` its ``config`` on Datasette 1.0: table settings in the
    instance configuration, descriptions as metadata, queries in the query store."""
    descriptions = {table: settings.pop("description") for table, settings in config["tables"].items()
                    if "description" in settings}
    datasette.config = _under(datasette.config or {}, {"databases": {name: {"tables": config["tables"]}}})
    for table, description in descriptions.items():
        if "description" not in await datasette.get_resource_metadata(name, table):
            await datasette.set_resource_metadata(name, table, "description", description)
    for query_name, query in config["queries"].items():
        if await datasette.get_query(name, query_name) is None:
            await datasette.add_query(name, query_name, query["sql"], title=query["title"],
                                      description=query["description"], parameters=query.get("params"),
                                      is_trusted=True)


def _under(own: dict, defaults: dict) -> dict:
    """``defaults`` with ``own`` laid over it, key by key at every depth: what is set in
    ``own`` wins."""
    merged = copy.deepcopy(defaults)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _under(value, merged[key])
        else:
            merged[key] = value
    return merged
