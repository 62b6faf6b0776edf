"""What each page of the reading room shows, read from an archive (a ``sqlite_utils``
Database on a connection that never writes): plain dicts and lists, rendered by the
templates in ``templates/``. Nothing here knows Datasette.

Every query is bounded for a large archive (100,000 articles and more): lists are read a
page at a time from an index, counts and charts from covering indexes (migration m009).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlite_utils import Database

from archive import query, search
from archive.errors import QueryError
from archive.readingroom import charts, versiondiff

PAGE_SIZE = 50  # articles per page of the list
RUNS_PAGE_SIZE = 50
LEAD_CHARS = 120
MARK = "\u0001"  # around a match in a snippet (the templates' ``marked``)  # characters of the body shown for an article when nothing was searched


@dataclass
class ListRequest:
    """What the articles list was asked for: a search (``q``) or the newest articles, both
    optionally of one ``site`` and between two days (``since``/``until``, YYYY-MM-DD,
    inclusive); ``page`` counts from 1."""

    q: str = ""
    site: str | None = None
    since: str | None = None
    until: str | None = None
    page: int = 1


def article_list(db: Database, req: ListRequest) -> dict:
    """The articles list: ``rows`` (id, title, published_at, site, source, snippet: marked
    with 【】 around the matches when searched, else the body's start), ``total``, ``pages``,
    ``order`` (``relevance`` for a search ranked by bm25, else ``newest``), and for a search
    ``ranked`` (how many of the newest matches were ranked) and ``error``
    (the one-line message the CLI gives for an unusable query) and ``unindexed`` (articles
    not in the search index yet)."""
    out = {"rows": [], "total": 0, "ranked": 0, "order": "newest", "error": None, "unindexed": 0}
    offset = (req.page - 1) * PAGE_SIZE
    if req.q.strip():
        from archive.searchindex import pending

        out["unindexed"] = pending(db)
        try:
            results = search.search(db, req.q, site=req.site, since=req.since, until=req.until,
                                    limit=PAGE_SIZE, offset=offset, marks=(MARK, MARK))
        except QueryError as error:
            out["error"] = str(error)
            return out
        hits = results.hits
        ids = _ids_of(db, [h["url"] for h in hits])
        out["rows"] = [{**h, "id": ids.get(h["url"])} for h in hits]
        out["total"], out["ranked"], out["order"] = results.total, results.ranked, results.order
    else:
        where, params = search.filters(req.site, req.since, req.until)
        out["total"] = db.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]
        out["ranked"] = out["total"]
        cursor = db.execute(
            f"SELECT a.id, a.url, a.title, a.published_at, a.site, a.source, a.author, substr(a.body, 1, {LEAD_CHARS + 1}) "
            f"FROM articles a WHERE {where} ORDER BY a.published_at DESC, a.id DESC LIMIT :limit OFFSET :offset",
            {**params, "limit": PAGE_SIZE, "offset": offset})
        for id_, url, title, published_at, site, source, author, lead in cursor:
            lead = " ".join((lead or "").split())
            out["rows"].append({
                "id": id_, "url": url, "title": title, "published_at": published_at, "site": site,
                "source": source, "author": author,
                "snippet": lead[:LEAD_CHARS] + ("…" if len(lead) > LEAD_CHARS else "")})
    out["pages"] = max(1, -(-min(out["total"], out["ranked"]) // PAGE_SIZE))
    return out


def _ids_of(db: Database, urls: list[str]) -> dict[str, int]:
    if not urls:
        return {}
    marks = ",".join("?" * len(urls))
    return dict(db.execute(f"SELECT url, id FROM articles WHERE url IN ({marks})", urls).fetchall())


def article(db: Database, article_id: int) -> dict | None:
    """Everything the article page shows, or None for an unknown id: the fields of
    :func:`archive.query.show` (body as ``paragraphs``), ``versions`` (oldest first) with a
    ``diff`` from each to the next (:func:`versiondiff.diff`), ``copies`` (the story's
    articles on every site, earliest publication first, each with id, url, site, title,
    published_at and ``original``), ``links_out`` (its related list: url, text and the
    archived article's id or None) and ``links_in`` (archived articles whose related list
    names one of its URLs)."""
    row = db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()
    if row is None:
        return None
    record = query.show(db, row[0])
    record["id"] = article_id
    record["paragraphs"] = [p for p in (record["body"] or "").split("\n\n") if p.strip()]
    versions = query.history(db, row[0])
    record["history"] = [
        {**v, "diff": versiondiff.diff(versions[i - 1], v) if i else None} for i, v in enumerate(versions)]
    story = [record["url"], *record["copies"]]
    marks = ",".join("?" * len(story))
    copies = {r[1]: r for r in db.execute(
        f"SELECT id, url, site, title, published_at FROM articles WHERE url IN ({marks})", story)}
    original = record["original"]
    record["story"] = [
        {"id": c[0], "url": c[1], "site": c[2], "title": c[3], "published_at": c[4],
         "original": c[1] == original, "this": c[0] == article_id}
        for c in (copies.get(u) for u in ([original] if original else []) + [u for u in story if u != original])
        if c is not None] if len(story) > 1 else []  # (an original no longer archived is left out)
    targets = [r["url"] for r in record["related"]]
    linked = dict(db.execute(
        f"SELECT u.url, u.article_id FROM article_urls u WHERE u.url IN ({','.join('?' * len(targets))})",
        targets).fetchall()) if targets else {}
    record["links_out"] = [{**r, "id": linked.get(r["url"])} for r in record["related"]]
    record["links_in"] = [
        dict(zip(("id", "url", "title", "site", "published_at"), r)) for r in db.execute(
            "SELECT DISTINCT a.id, a.url, a.title, a.site, a.published_at FROM related_links r "
            "JOIN articles a ON a.id = r.article_id "
            "WHERE r.url IN (SELECT url FROM article_urls WHERE article_id = ?) AND a.id != ? "
            "ORDER BY a.published_at DESC LIMIT 200", [article_id, article_id])]
    shown = record["capture_id"] or (record["captures"][-1]["id"] if record["captures"] else None)
    record["shown_capture"] = shown
    return record


def site_charts(db: Database) -> list[dict]:
    """Per site: ``articles``, ``undated``, ``per_day`` (:func:`charts.bars` of articles per
    publication day, grouped in weeks or months over long spans) and ``coverage``
    (:func:`charts.coverage_strip`: per month the share with a date, an author, a source;
    an article without a date counts in the month it was first archived)."""
    days: dict[str, list[tuple[str, int]]] = {}
    months: dict[str, dict[str, list[int]]] = {}

    def add(site, month, n, dated, authored, sourced):
        counts = months.setdefault(site, {}).setdefault(month, [0, 0, 0, 0])
        for i, v in enumerate((n, dated, authored, sourced)):
            counts[i] += v

    # one pass over the (site, published_at, author, source) index
    for site, day, n, authored, sourced in db.execute(
            "SELECT site, substr(published_at, 1, 10) AS day, count(*), count(author), count(source) "
            "FROM articles WHERE published_at IS NOT NULL GROUP BY site, day"):
        days.setdefault(site, []).append((day, n))
        add(site, day[:7], n, n, authored, sourced)
    for site, month, n, authored, sourced in db.execute(
            "SELECT site, substr(first_seen_at, 1, 7) AS month, count(*), count(author), count(source) "
            "FROM articles WHERE published_at IS NULL GROUP BY site, month"):
        add(site, month, n, 0, authored, sourced)
    out = []
    for site in sorted(set(days) | set(months)):
        per_month = sorted(months.get(site, {}).items())
        total = sum(c[0] for _, c in per_month)
        out.append({
            "site": site, "articles": total, "undated": total - sum(c[1] for _, c in per_month),
            "per_day": charts.bars(sorted(days.get(site, []))),
            "coverage": charts.coverage_strip(per_month),
        })
    return out


# Counters of a run's stats that say why pages or articles were lost, by the prefix of
# their names (see the stats column of crawl_runs), with the label the runs page shows.
FAILURE_PREFIXES = (
    ("news/requests/failed/", "request failed"),
    ("news/pages/skipped/", "page skipped"),
    ("news/pages/not_article/", "not an article"),
    ("clean/dropped/", "article dropped"),
    ("archive/stream/dead_letter", "dead letter"),
    ("news/sink/failure", "item stream failed"),
)


def runs(db: Database, path: str | None, page: int = 1) -> dict:
    """The crawl runs, newest first, ``RUNS_PAGE_SIZE`` a page: their counts, duration in
    seconds, and ``reasons``: (label, reason, count) of every failure counter in the run's
    stats (:data:`FAILURE_PREFIXES`), largest first, and ``reason_groups``: (label,
    [(reason, count)]) of the same; ``sites``: the hosts of its start URLs; ``running`` as
    :func:`archive.runs.mark_state` tells for the archive at ``path``. ``total`` runs, ``pages``."""
    from archive.runs import mark_state

    total = db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    cursor = db.execute(
        "SELECT id, spider, start_urls, started_at, ended_at, finish_reason, pages_fetched, articles_new, "
        "articles_updated, articles_unchanged, items_dropped, errors, run_key, stats, "
        "(julianday(ended_at) - julianday(started_at)) * 86400 AS seconds "
        "FROM crawl_runs ORDER BY id DESC LIMIT ? OFFSET ?", [RUNS_PAGE_SIZE, (page - 1) * RUNS_PAGE_SIZE])
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, r)) for r in cursor]
    for row in rows:
        row["reasons"] = failure_reasons(row.pop("stats"))
        groups: dict[str, list[tuple[str, int]]] = {}
        for label, reason, n in row["reasons"]:
            groups.setdefault(label, []).append((reason, n))
        row["reason_groups"] = list(groups.items())  # by label, the largest count's first
        try:
            row["start_urls"] = json.loads(row["start_urls"] or "[]")
        except ValueError:
            row["start_urls"] = [row["start_urls"]]
        row["sites"] = sorted({_netloc(u) for u in row["start_urls"] if isinstance(u, str)})
    mark_state(rows, path)
    return {"rows": rows, "total": total, "pages": max(1, -(-total // RUNS_PAGE_SIZE))}


def _netloc(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:  # not a URL (an IPv6 address cut short): shown as it is
        return url


def failure_reasons(stats_json: str | None) -> list[tuple[str, str, int]]:
    """(label, reason, count) of the failure counters in a run's stats JSON, largest first."""
    try:
        stats = json.loads(stats_json or "{}")
    except ValueError:
        return []
    if not isinstance(stats, dict):
        return []
    found = []
    for name, value in stats.items():
        for prefix, label in FAILURE_PREFIXES:
            if name.startswith(prefix) and isinstance(value, (int, float)) and value:
                found.append((label, name[len(prefix):].strip("/") or label, int(value)))
                break
    return sorted(found, key=lambda f: (-f[2], f[0], f[1]))

