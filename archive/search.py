"""Chinese-aware full-text search: the ``articles_fts`` index, its upkeep and its queries.

SQLite's own tokenizers fail on Chinese (``unicode61`` makes a whole clause one token,
``trigram`` cannot find two-character words), and a custom tokenizer would need a loadable
extension that other clients lack. So the text is tokenized here, in Python, and stored in
a plain FTS5 table (``content=''``, tokenizer ``unicode61``) that any SQLite client and
Datasette can query:

* Text is first normalized (:func:`normalize`): converter annotations removed (``團(tuán)``),
  NFKC (full-width letters and digits to ASCII), lower case, traditional to simplified
  character by character (so 王清憲 and 王清宪 are one word).
* A run of Han characters becomes its overlapping bigrams plus its last character:
  ``青岛市`` -> ``青岛 岛市 市``. A run of letters and digits is one word: ``5g``.
* A query word becomes an FTS5 phrase of the same tokens (:func:`fts_query`): ``青岛`` ->
  ``"青岛"``, ``岛市政`` -> ``"岛市 市政"``, a single character ``青`` -> ``"青" *``
  (every Han character starts exactly one token), ``CBA联赛`` -> ``"cba 联赛"``.

So a query matches exactly the articles whose normalized title, body or byline contain it;
letters and digits match as whole words (``5G`` is not found in ``15G``).

Upkeep: triggers on ``articles`` queue every insert, change and delete in ``search_queue``
(with the text that is in the index, which a contentless FTS5 table needs to delete it);
:func:`sync_index` applies the queue. The archive writer calls it in each batch's
transaction, so the index commits with the articles; edits made by other programs are
applied by the next archive command.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache

from sqlite_utils import Database

from archive.chinese import HAN_CLASS, search_folding, strip_annotations
from archive.db import ArchiveError

FTS_TABLE = "articles_fts"
# Bump when normalize() or index_tokens() change: the index is then rebuilt, because a
# contentless FTS5 table can only delete rows whose tokens are given again exactly.
TOKENIZER_VERSION = 2


@lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """What the tokens depend on: this module's version, OpenCC's dictionaries and Python's
    Unicode tables (NFKC, case). The index is rebuilt when it changes."""
    import unicodedata
    from importlib.metadata import PackageNotFoundError, version

    try:
        opencc_version = version("opencc")
    except PackageNotFoundError:
        opencc_version = "?"
    return f"{TOKENIZER_VERSION}/opencc {opencc_version}/unicode {unicodedata.unidata_version}"
# bm25 weights of the columns title, body, byline (author and source).
BM25_WEIGHTS = "10.0, 1.0, 2.0"
RANK_FUNCTION = f"bm25({BM25_WEIGHTS})"
SYNC_BATCH = 500  # queued articles read and indexed at a time

# A run of Han characters (group 1) or of other letters and digits (group 2).
_RUNS = re.compile(rf"([{HAN_CLASS}]+)|([^\W_{HAN_CLASS}]+)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"'})
_QUERY_PART = re.compile(r'"([^"]*)"|([^\s"]+)')
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{HAN_CLASS}])\s+(?=[{HAN_CLASS}])")


class QueryError(ArchiveError):
    """A search query that cannot be run (unbalanced quotes, nothing to search for)."""


# --- normalization and tokens -------------------------------------------------------------

def normalize(text: str) -> str:
    """The text as search compares it: annotations removed, then character by character NFKC,
    traditional to simplified, and lower case (see :func:`archive.chinese.search_folding`)."""
    return strip_annotations(text).translate(search_folding()).lower()


def index_tokens(text: str) -> str:
    """The space-separated tokens stored in the index for ``text`` (see the module doc)."""
    parts: list[str] = []
    for han, other in _RUNS.findall(normalize(text)):
        if han:
            if len(han) > 1:
                parts.append(" ".join(map(operator.add, han, han[1:])))  # the bigrams
            parts.append(han[-1])
        else:
            parts.append(other)
    return " ".join(parts)


def _phrase(text: str) -> str | None:
    """One query word or quoted phrase as an FTS5 phrase; None when it holds no word."""
    runs = _RUNS.findall(normalize(text))
    if not runs:
        return None
    tokens: list[str] = []
    prefix = False
    for i, (han, other) in enumerate(runs):
        if other:
            tokens.append(other)
            continue
        tokens.extend(map(operator.add, han, han[1:]))
        if i < len(runs) - 1:
            tokens.append(han[-1])  # the text's run ends here too, so it has this token
        elif len(han) == 1:
            tokens.append(han)  # any token starting with the character
            prefix = True
    # tokens hold only letters, digits and Han characters: nothing to escape
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


@dataclass(frozen=True)
class ParsedQuery:
    """A user query: ``terms`` (as typed, normalized) and the FTS5 expression for them."""

    terms: tuple[str, ...]
    fts: str


def parse_query(query: str) -> ParsedQuery:
    """Turn what a user typed into an FTS5 expression; raise :class:`QueryError` if unusable.

    Words separated by spaces must all occur; ``"a quoted phrase"`` must occur as one
    sequence (spaces between Han characters inside it are ignored). Every other character,
    FTS5 operators included, is plain text.
    """
    query = query.translate(_QUOTES)
    if query.count('"') % 2:
        raise QueryError(f"unbalanced quote in the search query {query!r}")
    terms, phrases = [], []
    for quoted, word in _QUERY_PART.findall(query):
        text = _SPACE_BETWEEN_HAN.sub("", quoted) if quoted else word
        phrase = _phrase(text)
        if phrase is not None:
            terms.append(normalize(text))
            phrases.append(phrase)
    if not phrases:
        raise QueryError(f"nothing to search for in {query!r}: give a word of letters, digits or Chinese")
    return ParsedQuery(tuple(terms), " AND ".join(phrases))


def fts_query(query: str) -> str:
    """The FTS5 MATCH expression for ``query`` (for other clients, e.g. Datasette)."""
    return parse_query(query).fts


# --- the index ------------------------------------------------------------------------------

def _byline(author: str | None, source: str | None) -> str:
    return " ".join(x for x in (author, source) if x)


def create_index(db: Database) -> None:
    """Create the FTS table, the queue and the triggers, and index every article (a migration;
    about 2,000 articles a second)."""
    db.executescript(f"""
        CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
            title, body, byline, content='', tokenize='unicode61');
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('rank', '{RANK_FUNCTION}');
        CREATE TABLE search_queue (
            article_id INTEGER PRIMARY KEY,
            indexed INTEGER NOT NULL,  -- 1: the index holds the text below for this article
            title TEXT, body TEXT, author TEXT, source TEXT);
        CREATE TABLE search_state (key TEXT PRIMARY KEY, value);
        -- Each trigger queues an article only when it is not queued yet: the queued row holds
        -- what the index holds. (NOT EXISTS, not OR IGNORE: an outer INSERT OR REPLACE would
        -- turn OR IGNORE into OR REPLACE.) INSERT OR REPLACE deletes the row it replaces
        -- without delete triggers (unless recursive_triggers is on): queue it before.
        CREATE TRIGGER articles_search_replace BEFORE INSERT ON articles BEGIN
            INSERT INTO search_queue
            SELECT id, 1, title, body, author, source FROM articles a
            WHERE (a.id = new.id OR a.url = new.url)
              AND NOT EXISTS (SELECT 1 FROM search_queue q WHERE q.article_id = a.id);
        END;
        CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
            INSERT INTO search_queue (article_id, indexed)
            SELECT new.id, 0 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE article_id = new.id);
        END;
        CREATE TRIGGER articles_search_update AFTER UPDATE OF title, body, author, source ON articles BEGIN
            INSERT INTO search_queue
            SELECT old.id, 1, old.title, old.body, old.author, old.source
            WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE article_id = old.id);
        END;
        CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
            INSERT INTO search_queue
            SELECT old.id, 1, old.title, old.body, old.author, old.source
            WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE article_id = old.id);
        END;
        INSERT INTO search_queue (article_id, indexed) SELECT id, 0 FROM articles;
    """)
    db.execute("INSERT INTO search_state VALUES ('tokenizer', ?)", [tokenizer_fingerprint()])
    sync_index(db)  # the articles already archived: searchable by any client from now on


def _insert(db: Database, rowid: int, title: str, body: str, byline: str, *, delete: bool = False) -> None:
    if delete:
        db.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body, byline) VALUES ('delete', ?, ?, ?, ?)",
            [rowid, index_tokens(title or ""), index_tokens(body or ""), index_tokens(byline)],
        )
    else:
        db.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, title, body, byline) VALUES (?, ?, ?, ?)",
            [rowid, index_tokens(title), index_tokens(body), index_tokens(byline)],
        )


def _stale(db: Database) -> bool:
    """True when the index was made by another tokenizer (or never): it must be rebuilt."""
    row = db.execute("SELECT value FROM search_state WHERE key = 'tokenizer'").fetchone()
    return row is None or row[0] != tokenizer_fingerprint()


def pending(db: Database) -> int:
    """Articles whose index entry waits for :func:`sync_index` (0 when in sync)."""
    if _stale(db):
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return db.execute("SELECT count(*) FROM search_queue").fetchone()[0]


def sync_index(db: Database) -> int:
    """Apply the queued changes to the index; returns how many articles were (re)indexed.

    Call inside a write transaction (the writer's batch, or :func:`sync_now`). Rebuilds
    the whole index when it was made by another tokenizer version.
    """
    if _stale(db):
        db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
        db.execute("DELETE FROM search_queue")
        db.execute("INSERT INTO search_queue (article_id, indexed) SELECT id, 0 FROM articles")
        db.execute("INSERT OR REPLACE INTO search_state VALUES ('tokenizer', ?)", [tokenizer_fingerprint()])
    done = 0
    while True:
        queued = db.execute(
            "SELECT article_id, indexed, title, body, author, source FROM search_queue "
            "ORDER BY article_id LIMIT ?", [SYNC_BATCH],
        ).fetchall()
        if not queued:
            return done
        for article_id, indexed, title, body, author, source in queued:
            if indexed:
                _insert(db, article_id, title, body, _byline(author, source), delete=True)
        ids = [q[0] for q in queued]
        marks = ",".join("?" * len(ids))
        for article_id, title, body, author, source in db.execute(
            f"SELECT id, title, body, author, source FROM articles WHERE id IN ({marks})", ids
        ).fetchall():
            _insert(db, article_id, title, body, _byline(author, source))
            done += 1
        db.execute(f"DELETE FROM search_queue WHERE article_id IN ({marks})", ids)


def sync_now(db: Database) -> int:
    """Apply queued changes in a transaction of their own (for commands run outside a crawl)."""
    if not pending(db):
        return 0
    with db.conn:
        db.execute("BEGIN IMMEDIATE")
        return sync_index(db)


# --- queries ------------------------------------------------------------------------------

# Filters shared by search and export; bound parameters :site, :since, :until.
FILTERS = (
    "(:site IS NULL OR a.site = :site) "
    "AND (:since IS NULL OR substr(a.published_at, 1, 10) >= :since) "
    "AND (:until IS NULL OR substr(a.published_at, 1, 10) <= :until)"
)

# Articles passing the filters: read from the (site, published_at) index, never the rows.
_FILTERED_IDS = f"SELECT a.id FROM articles a WHERE {FILTERS}"

_ARTICLE_SQL = "SELECT url, title, published_at, site, author, source, body FROM articles WHERE id = ?"


# Scoring costs ~3 µs per matching article; a word found in more articles than this is
# ranked among the newest this many of them (the total is still counted exactly).
MAX_RANKED = 10_000


@dataclass
class SearchResults:
    """``total`` matching articles; ``hits`` the best ``limit`` of the ``ranked`` newest."""

    query: str
    total: int
    ranked: int
    hits: list[dict]


def search(
    db: Database, query: str, *, site: str | None = None, since: str | None = None,
    until: str | None = None, limit: int = 20, max_ranked: int | None = MAX_RANKED,
) -> SearchResults:
    """Articles matching ``query`` (see :func:`parse_query`), best first by bm25.

    ``since``/``until``: inclusive ``YYYY-MM-DD`` days of publication. When more than
    ``max_ranked`` articles match, the best are chosen among the ``max_ranked`` most
    recently archived (None: rank them all). Each hit has url, title, published_at, site,
    author, source, score (bm25; lower is better) and snippet (about 80 characters of the
    body, or the title, with the matches marked 【】).
    """
    parsed = parse_query(query)
    params = {"fts": parsed.fts, "site": site, "since": since, "until": until, "limit": limit, "floor": 0}
    where = f"{FTS_TABLE} MATCH :fts"
    # FTS5 sorts by its rank column itself, scoring every match; with filters, scoring in an
    # ORDER BY expression scores only the matches that pass them (3-4 times faster)
    order = "rank"
    if site is not None or since is not None or until is not None:
        where += f" AND +rowid IN ({_FILTERED_IDS})"  # a filter on the matches, not a lookup per id
        order = f"bm25({FTS_TABLE}, {BM25_WEIGHTS})"
    total = db.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {where}", params).fetchone()[0]
    ranked = total
    if max_ranked is not None and total > max_ranked:
        params["floor"] = db.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {where} ORDER BY rowid DESC LIMIT 1 OFFSET :offset",
            {**params, "offset": max_ranked - 1},
        ).fetchone()[0]
        ranked = max_ranked
    # rank on the index alone; only the best rows are read from the articles table
    top = db.execute(
        f"SELECT rowid, {order} AS score FROM {FTS_TABLE} WHERE {where} AND rowid >= :floor "
        "ORDER BY score LIMIT :limit",
        params,
    ).fetchall()
    hits = []
    for article_id, rank in top:
        row = db.execute(_ARTICLE_SQL, [article_id]).fetchone()
        if row is None:  # deleted by another program since the index was last synced
            continue
        url, title, published_at, site_, author, source, body = row
        snip = snippet(body, parsed.terms) or snippet(title, parsed.terms, width=100) or body[:80]
        hits.append({
            "url": url, "title": title, "published_at": published_at, "site": site_,
            "author": author, "source": source, "score": round(rank, 4), "snippet": snip,
        })
    return SearchResults(query, total, ranked, hits)


def matching_ids_sql() -> str:
    """SQL selecting the rowids matching ``:fts`` (an :func:`fts_query` expression)."""
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts"


# --- snippets -----------------------------------------------------------------------------

def _normalized_with_offsets(text: str) -> tuple[str, list[int] | range]:
    """:func:`normalize` of ``text``, and for each character of the result the index of the
    character of ``text`` it came from."""
    norm = normalize(text)
    # the common case, character for character: nothing removed (folding only ever expands)
    if len(norm) == len(text) and len(strip_annotations(text)) == len(text):
        return norm, range(len(text))
    table = search_folding()
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    # strip_annotations only deletes "(pinyin)" after a character: walk both texts together
    for ch in strip_annotations(text):
        while text[i] != ch:
            i += 1
        piece = ch.translate(table).lower()
        out.append(piece)
        offsets.extend([i] * len(piece))
        i += 1
    return "".join(out), offsets


def _term_pattern(term: str) -> re.Pattern | None:
    """Where a (normalized) query word occurs in normalized text, as the index matches it:
    letters and digits as whole words, a Han run followed by more of the word ending there."""
    runs = _RUNS.findall(term)
    if not runs:
        return None
    parts = []
    for i, (han, other) in enumerate(runs):
        if han:
            parts.append(re.escape(han) + ("" if i == len(runs) - 1 else f"(?![{HAN_CLASS}])"))
        else:
            parts.append(rf"(?<![^\W_{HAN_CLASS}]){re.escape(other)}(?![^\W_{HAN_CLASS}])")
    return re.compile(r"[\W_]*".join(parts))


def snippet(text: str, terms: tuple[str, ...], width: int = 40) -> str | None:
    """About ``2 * width`` characters of ``text`` around the first match of ``terms``, every
    match inside marked with 【】; None when no term occurs in ``text``."""
    flat = " ".join(text.split())
    norm, offsets = _normalized_with_offsets(flat)
    spans = []
    for term in terms:
        pattern = _term_pattern(term)
        if pattern is not None:
            spans += [(offsets[m.start()], offsets[m.end() - 1] + 1) for m in pattern.finditer(norm) if m.end() > m.start()]
    if not spans:
        return None
    spans.sort()
    first = spans[0][0]
    start, end = max(0, first - width), min(len(flat), first + width)
    inside = [s for s in spans if s[0] >= start and s[1] <= end + width]
    end = max([end] + [e for _, e in inside])
    pieces, pos = [], start
    for s, e in inside:
        if s < pos:
            continue
        pieces += [flat[pos:s], "【", flat[s:e], "】"]
        pos = e
    pieces.append(flat[pos:end])
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(flat) else "")


__all__ = [
    "FTS_TABLE", "ParsedQuery", "QueryError", "SearchResults", "create_index", "fts_query",
    "index_tokens", "matching_ids_sql", "normalize", "parse_query", "pending", "search",
    "snippet", "sync_index", "sync_now",
]
