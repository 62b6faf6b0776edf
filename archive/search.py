"""Chinese-aware full-text search: queries, bm25 ranking and snippets, over the index of
:mod:`archive.searchindex` with the tokens of :mod:`archive.tokenizer`.

A query word becomes an FTS5 phrase of the tokens the index stores for it (:func:`fts_query`):
``青岛`` -> ``"青岛"``, ``岛市政`` -> ``"岛市 市政"``, a single character ``青`` -> ``"青" *``,
``CBA联赛`` -> ``"cba 联赛"``. So a query matches exactly the articles whose normalized
title, body or byline contain it; letters and digits match as whole words (``5G`` is not
found in ``15G``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlite_utils import Database

from archive.chinese import HAN_CLASS
from archive.errors import QueryError
from archive.searchindex import BM25_WEIGHTS, FTS_TABLE
from archive.tokenizer import TOKEN_RUNS, normalize, normalize_with_offsets, query_tokens

_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"'})
_QUERY_PART = re.compile(r'"([^"]*)"|([^\s"]+)')
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{HAN_CLASS}])\s+(?=[{HAN_CLASS}])")


# --- queries ------------------------------------------------------------------------------

def _phrase(text: str) -> str | None:
    """One query word or quoted phrase as an FTS5 phrase; None when it holds no word."""
    found = query_tokens(text)
    if found is None:
        return None
    tokens, prefix = found
    # tokens hold only letters, digits and Han characters: nothing to escape
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


@dataclass(frozen=True)
class ParsedQuery:
    """A user query: ``terms`` (as typed, normalized) and the FTS5 expression for them;
    ``single_character``: one of its words is, or ends in, a lone Han character (a prefix
    query: it matches every token starting with the character)."""

    terms: tuple[str, ...]
    fts: str
    single_character: bool = False


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
    return ParsedQuery(tuple(terms), " AND ".join(phrases), any(p.endswith(" *") for p in phrases))


def fts_query(query: str) -> str:
    """The FTS5 MATCH expression for ``query`` (for other clients, e.g. Datasette)."""
    return parse_query(query).fts


def filters(site: str | None = None, since: str | None = None, until: str | None = None) -> tuple[str, dict]:
    """The SQL condition on ``articles a`` for the filters shared by search, export and the
    reading room, and its parameters: published on or after ``since``, on or before
    ``until`` (inclusive ``YYYY-MM-DD`` days, compared with published_at's day), of ``site``.
    Only the given filters are in it, each a range of an index (``site, published_at`` or
    ``published_at``); ``"1"`` without any."""
    parts, params = [], {}
    if site is not None:
        parts.append("a.site = :site")
        params["site"] = site
    if since is not None:
        parts.append("a.published_at >= :since")  # every value starts with its day
        params["since"] = since
    if until is not None and dt.date.fromisoformat(until) < dt.date.max:
        parts.append("a.published_at < :before")
        params["before"] = (dt.date.fromisoformat(until) + dt.timedelta(days=1)).isoformat()
    elif until is not None:  # the last day there is: every dated article
        parts.append("a.published_at IS NOT NULL")
    return " AND ".join(parts) or "1", params


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
    order: str = "relevance"  # or "newest": a query with a one-character word (see search)


# An article is found first by its text: a match in title or body (every word there) always
# outranks one that needs the byline (author and source).
_TEXT_COLUMNS = "{title body}"
# How a byline snippet names the field that matched (as Chinese bylines do: 作者：王倩).
BYLINE_LABELS = (("author", "作者"), ("source", "来源"))
MARKS = ("【", "】")  # around a match in a snippet


def search(
    db: Database, query: str, *, site: str | None = None, since: str | None = None,
    until: str | None = None, limit: int = 20, max_ranked: int | None = MAX_RANKED,
    marks: tuple[str, str] = MARKS, offset: int = 0,
) -> SearchResults:
    """Articles matching ``query`` (see :func:`parse_query`) in title, body, author or source:
    those with every word in title or body first, best first by bm25, then those found
    through their byline, best first. A query with a one-character word
    (``ParsedQuery.single_character``) lists them newest (last archived) first instead, with
    ``order`` "newest" and scores None: ranking such a prefix costs more than the rest of
    the search (0.3 s for a common character in 100,000 articles) and tells little.

    ``since``/``until``: inclusive ``YYYY-MM-DD`` days of publication; ``offset``: skip that
    many of the best (a later page of results). When more than
    ``max_ranked`` articles match, the best are chosen among the ``max_ranked`` most
    recently archived (None: rank them all). Each hit has url, title, published_at, site,
    author, source, score and snippet. score: FTS5's bm25 to 4 significant digits, negative,
    lower is better (a word in more than half of the articles scores near zero, e.g.
    -2.5e-06); for a hit found in title or body, the matches in its byline do not count.
    snippet: about 80 characters of the body, or the title, with the matches marked ``marks``; for
    a hit found through its byline, also the fields that matched (``作者：【王倩】``; alone
    when nothing of the query is in its title or body).
    """
    parsed = parse_query(query)
    condition, filter_params = filters(site, since, until)
    # the ids of the first offset + limit hits are read from the index; rows and snippets
    # only for the ``limit`` after ``offset`` (a page of results)
    params = {"fts": parsed.fts, "text_fts": f"{_TEXT_COLUMNS} : ({parsed.fts})", **filter_params,
              "limit": offset + limit, "floor": 0}
    limit += offset
    restrict = ""
    # FTS5 sorts by its rank column itself, scoring every match; with filters, scoring in an
    # ORDER BY expression scores only the matches that pass them (3-4 times faster)
    order = "rank"
    if condition != "1":  # a filter on the matches, not a lookup per id
        restrict = f" AND +rowid IN (SELECT a.id FROM articles a WHERE {condition})"
        order = f"bm25({FTS_TABLE}, {BM25_WEIGHTS})"
    newest = parsed.single_character
    if newest:
        # a prefix merges the lists of every token starting with the character, and bm25
        # reads them all again for its weights: newest first instead, which FTS5 reads in
        # rowid order and stops after ``limit``
        order = "-rowid"
    where = f"{FTS_TABLE} MATCH :fts{restrict}"
    total = db.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {where}", params).fetchone()[0]
    ranked = total
    if max_ranked is not None and total > max_ranked and not newest:
        params["floor"] = db.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {where} ORDER BY rowid DESC LIMIT 1 OFFSET :offset",
            {**params, "offset": max_ranked - 1},
        ).fetchone()[0]
        ranked = max_ranked
    sort = "rowid DESC" if newest else "score"
    # rank on the index alone; only the best rows are read from the articles table
    text_where = f"{FTS_TABLE} MATCH :text_fts{restrict} AND rowid >= :floor"
    top = db.execute(
        f"SELECT rowid, {order} AS score FROM {FTS_TABLE} WHERE {text_where} ORDER BY {sort} LIMIT :limit", params,
    ).fetchall()
    by_text = len(top)
    if len(top) < limit and len(top) < ranked:  # every text match is in: the byline's come next
        top += db.execute(
            f"SELECT rowid, {order} AS score FROM {FTS_TABLE} WHERE {where} AND rowid >= :floor "
            f"AND rowid NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {text_where}) ORDER BY {sort} LIMIT :rest",
            {**params, "rest": limit - len(top)},
        ).fetchall()
    hits = []
    for n, (article_id, rank) in enumerate(top[offset:], offset):
        row = db.execute(_ARTICLE_SQL, [article_id]).fetchone()
        if row is None:  # deleted by another program since the index was last synced
            continue
        url, title, published_at, site_, author, source, body = row
        text = snippet(body, parsed.terms, marks=marks) or snippet(title, parsed.terms, width=100, marks=marks)
        # found through its byline: what the byline holds of the query, after the text's part
        byline = byline_snippet({"author": author, "source": source}, parsed.terms, marks) if n >= by_text else None
        snip = "  ".join(x for x in (text, byline) if x) or body[:80]
        hits.append({
            "url": url, "title": title, "published_at": published_at, "site": site_,
            "author": author, "source": source, "score": None if newest else float(f"{rank:.4g}"),
            "snippet": snip,
        })
    return SearchResults(query, total, ranked, hits, "newest" if newest else "relevance")


def matching_ids_sql() -> str:
    """SQL selecting the rowids matching ``:fts`` (an :func:`fts_query` expression)."""
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts"


# --- snippets -----------------------------------------------------------------------------

def _term_pattern(term: str) -> re.Pattern | None:
    """Where a (normalized) query word occurs in normalized text, as the index matches it:
    letters and digits as whole words, a Han run followed by more of the word ending there."""
    runs = TOKEN_RUNS.findall(term)
    if not runs:
        return None
    parts = []
    for i, (han, other) in enumerate(runs):
        if han:
            parts.append(re.escape(han) + ("" if i == len(runs) - 1 else f"(?![{HAN_CLASS}])"))
        else:
            parts.append(rf"(?<![^\W_{HAN_CLASS}]){re.escape(other)}(?![^\W_{HAN_CLASS}])")
    return re.compile(r"[\W_]*".join(parts))


def snippet(text: str, terms: tuple[str, ...], width: int = 40, marks: tuple[str, str] = MARKS) -> str | None:
    """About ``2 * width`` characters of ``text`` around the first match of ``terms``, every
    match inside marked with ``marks`` (【】); None when no term occurs in ``text``."""
    flat = " ".join(text.split())
    norm, offsets = normalize_with_offsets(flat)
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
        pieces += [flat[pos:s], marks[0], flat[s:e], marks[1]]
        pos = e
    pieces.append(flat[pos:end])
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(flat) else "")


def byline_snippet(byline: dict, terms: tuple[str, ...], marks: tuple[str, str] = MARKS) -> str | None:
    """The byline fields (``author``, ``source``) in which ``terms`` occur, each labelled
    (:data:`BYLINE_LABELS`) with its matches marked 【】: ``作者：【王倩】  来源：青岛【日报】``;
    None when no term occurs in them."""
    marked = []
    for field, label in BYLINE_LABELS:
        found = snippet(byline[field], terms, width=100, marks=marks) if byline[field] else None
        if found:
            marked.append(f"{label}：{found}")
    return "  ".join(marked) or None
