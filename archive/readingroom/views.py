"""The reading room's pages as Datasette routes (``register_routes``), for every database
that is a news archive:

=========================================  ==============================================
``/<db>/-/articles``                        the articles list and search (``q``, ``site``,
                                            ``since``, ``until``, ``page``)
``/<db>/-/articles/<id>``                   an article: fields, body, versions and their
                                            differences, copies, related links, captures
``/<db>/-/articles/<id>/captures/<cid>``    a capture made inert (:mod:`.capture`), for the
                                            article page's sandboxed frame
``/<db>/-/articles/<id>.warc.gz``           the article's WARC records (download)
``/<db>/-/article?url=URL``                 the article a URL (or an alias) leads to
``/<db>/-/sites``                           per site: articles per day, field coverage
``/<db>/-/runs``                            the crawl runs, their counts and failure reasons
=========================================  ==============================================

Each page reads through Datasette's read-only connection (:meth:`Database.execute_fn`).
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote, urlencode

from datasette.utils import tilde_decode
from datasette.utils.asgi import Response
from sqlite_utils import Database

from archive import query
from archive.clock import day_filter
from archive.errors import ArchiveError
from archive.readingroom import capture, charts, pages
from archive.readingroom.config import is_archive
from archive.sites import the_site_named

DB = r"(?P<database>[^/]+)"


def routes() -> list[tuple[str, object]]:
    return [
        (rf"^/{DB}/-/articles$", articles_view),
        (rf"^/{DB}/-/articles/(?P<id>\d+)$", article_view),
        (rf"^/{DB}/-/articles/(?P<id>\d+)/captures/(?P<capture>\d+)$", capture_view),
        (rf"^/{DB}/-/articles/(?P<id>\d+)\.warc\.gz$", warc_view),
        (rf"^/{DB}/-/article$", article_by_url_view),
        (rf"^/{DB}/-/sites$", sites_view),
        (rf"^/{DB}/-/runs$", runs_view),
    ]


def base_path(datasette, name: str) -> str:
    """The reading room's path prefix for the archive ``name``."""
    return datasette.urls.database(name) + "/-"


async def _archive(datasette, request):
    """The Datasette database of the request if it is a news archive, else None."""
    name = tilde_decode(request.url_vars["database"])  # as Datasette writes names in paths
    try:
        database = datasette.get_database(name)
    except KeyError:
        return None
    return database if is_archive(getattr(database, "path", None)) else None


async def _read(database, fn, *args):
    """``fn(Database, *args)`` on Datasette's read-only connection of ``database``."""
    return await database.execute_fn(lambda conn: fn(Database(conn, recursive_triggers=False), *args))


async def _page(datasette, request, database, template: str, context: dict) -> Response:
    """The page ``readingroom_<template>.html`` of ``database`` (its tab: ``template``, or
    the articles' for an article)."""
    name = database.name
    context = {**context, "database": name, "room": base_path(datasette, name),
               "section": "articles" if template == "article" else template}
    html = await datasette.render_template([f"readingroom_{template}.html"], context, request=request)
    return Response.html(html)


async def _not_found(datasette, request, message: str) -> Response:
    html = await datasette.render_template(["readingroom_error.html"], {"message": message}, request=request)
    return Response.html(html, status=404)


def _day(value: str | None) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD or None, error message or None) of a day typed in a form."""
    if not value:
        return None, None
    try:
        return day_filter(value), None
    except ValueError as error:
        return None, str(error)


def _site(value: str | None, sites: list[str]) -> tuple[str | None, str | None]:
    """(the site, or None, error message or None) of a site typed or chosen in a form: a
    site, a host without its port or a URL of it, as ``--site`` takes it."""
    if not value:
        return None, None
    try:
        return the_site_named(value, sites), None
    except ValueError as error:
        return None, str(error)


# Pages beyond this are empty anyway; ids beyond SQLite's integers are no id.
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1


def _int(value: str | None, default: int = 1) -> int:
    """A page number from a form: ``default`` unless a number, at least 1, at most MAX_PAGE."""
    try:
        return min(max(1, int(value or default)), MAX_PAGE)
    except ValueError:
        return default


def _id(value: str) -> int | None:
    """An id from a path (digits), or None when it is beyond SQLite's integers."""
    number = int(value)
    return number if number <= MAX_ID else None


async def articles_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    args = request.args
    since, since_error = _day(args.get("since"))
    until, until_error = _day(args.get("until"))
    sites = await _read(database, query.sites)
    site, site_error = _site(args.get("site"), sites)
    req = pages.ListRequest(q=args.get("q") or "", site=site, since=since, until=until, page=_int(args.get("page")))
    form_error = site_error or since_error or until_error
    if form_error:
        listing = {"rows": [], "total": 0, "ranked": 0, "pages": 1, "order": "newest", "unindexed": 0,
                   "error": form_error}
    else:
        listing = await _read(database, pages.article_list, req)
    form = {k: v for k, v in (("q", req.q), ("site", req.site), ("since", args.get("since")),
                               ("until", args.get("until"))) if v}
    return await _page(datasette, request, database, "articles", {
        "req": req, "listing": listing, "sites": sites, "form": form, "page_size": pages.PAGE_SIZE,
        "page_url": lambda n: "?" + urlencode({**form, "page": n}),
    })


async def article_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    article_id = _id(request.url_vars["id"])
    record = None if article_id is None else await _read(database, pages.article, article_id)
    if record is None:
        return await _not_found(datasette, request, f"no archived article has the id {request.url_vars['id']}")
    asked = request.args.get("capture") or ""
    shown = int(asked) if asked.isdigit() else None
    if shown not in {c["id"] for c in record["captures"]}:  # none asked, or not one of its captures
        shown = record["shown_capture"]
    return await _page(datasette, request, database, "article", {"a": record, "shown": shown})


async def article_by_url_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    url = (request.args.get("url") or "").strip()
    if not url:
        return await _not_found(datasette, request, "give the URL of an article: ?url=")
    try:
        article_id = await _read(database, query.find_article_id, url)
    except ArchiveError as error:  # the message show and history give
        return await _not_found(datasette, request, str(error))
    return Response.redirect(f"{base_path(datasette, database.name)}/articles/{article_id}")


def _capture_row(db: Database, article_id: int, capture_id: int):
    return db.execute("SELECT url, response_headers, body FROM captures WHERE id = ? AND article_id = ?",
                      [capture_id, article_id]).fetchone()


async def capture_view(datasette, request):
    import zlib

    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    ids = _id(request.url_vars["id"]), _id(request.url_vars["capture"])
    row = None if None in ids else await _read(database, _capture_row, *ids)
    if row is None:
        return await _not_found(datasette, request, "this article has no capture by this id")
    url, headers, body = row
    try:
        html = capture.inert_html(capture.decoded(zlib.decompress(body), json.loads(headers or "[]"))[1])
    except (zlib.error, ValueError, capture.CaptureUnreadable) as error:
        html = f"<!doctype html><p>The stored capture of {_escape(url)} cannot be shown: {_escape(str(error))}</p>"
    return Response(html, content_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": capture.POLICY, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "private, max-age=3600"})


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _warc_bytes(db: Database, article_id: int) -> bytes | None:
    from archive.warc import write_article_warc

    if db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is None:
        return None
    out = io.BytesIO()
    write_article_warc(db, out, article_id, filename=f"article-{article_id}.warc.gz")
    return out.getvalue()


async def warc_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    article_id = _id(request.url_vars["id"])
    data = None if article_id is None else await _read(database, _warc_bytes, article_id)
    if data is None:
        return await _not_found(datasette, request, f"no archived article has the id {request.url_vars['id']}")
    filename = quote(f"{database.name}-article-{article_id}.warc.gz")
    return Response(data, content_type="application/warc", headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\""})


async def sites_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    site_charts = await _read(database, pages.site_charts)
    return await _page(datasette, request, database, "sites", {
        "sites": site_charts, "bars_svg": charts.bars_svg, "coverage_svg": charts.coverage_svg,
        "coverage_table": charts.coverage_table, "legend": charts.LEGEND_WIDTH})


async def runs_view(datasette, request):
    database = await _archive(datasette, request)
    if database is None:
        return await _not_found(datasette, request, "no news archive by this name is served here")
    page = _int(request.args.get("page"))
    listing = await _read(database, pages.runs, database.path, page)
    return await _page(datasette, request, database, "runs", {
        "listing": listing, "page": page, "page_url": lambda n: "?" + urlencode({"page": n})})
