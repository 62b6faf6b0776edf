"""WARC export: the archive's raw captures as standard WARC 1.1 records (written with warcio).

For each exported article, oldest capture first:

* a ``request`` and a ``response`` record per capture (first page, continuation pages,
  print/mobile copies, and captures of earlier versions), the response exactly as received:
  payload before content decoding, original headers; a ``Transfer-Encoding`` header is
  renamed ``X-Archive-Orig-Transfer-Encoding`` and ``Content-Length`` set to the stored
  payload's length, because transfer encoding was undone on receipt;
* one ``metadata`` record (``application/json``) holding the article as the JSON export
  writes it, with ``WARC-Refers-To`` naming the response record of the capture its current
  text was extracted from. Its ``WARC-Target-URI`` is ``urn:newsarchive:article:<url>`` so
  that replay tools never serve it in place of the page.

Every record is its own gzip member (``.warc.gz``); warcio adds block and payload digests.
"""

from __future__ import annotations

import io
import json
import zlib
from typing import BinaryIO
from urllib.parse import urlsplit

from sqlite_utils import Database
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import query

SOFTWARE = "newsarchive WARC export (warcio)"

_CAPTURES_SQL = """
SELECT id, url, fetched_at, status, protocol, method, request_headers, response_headers, body
FROM captures WHERE article_id = ? ORDER BY fetched_at, page, id
"""


def _warc_date(iso: str) -> str:
    """``2021-01-25T09:30:00+00:00`` -> ``2021-01-25T09:30:00Z`` (captures are stored in UTC)."""
    return iso.replace("+00:00", "Z") if iso.endswith("+00:00") else iso


def _response_headers(pairs: list[list[str]], size: int) -> list[tuple[str, str]]:
    out = []
    for name, value in pairs:
        lower = name.lower()
        if lower == "transfer-encoding":
            out.append(("X-Archive-Orig-Transfer-Encoding", value))
        elif lower == "content-length":
            if value.strip() != str(size):
                out.append(("X-Archive-Orig-Content-Length", value))
        else:
            out.append((name, value))
    out.append(("Content-Length", str(size)))
    return out


def write_warc(
    db: Database, out: BinaryIO, *, filename: str = "news.warc.gz", site: str | None = None,
    since: str | None = None, until: str | None = None, text: str | None = None,
) -> dict:
    """Write the captures of the selected articles (filters as :func:`query.export_records`)
    to ``out``; returns counts: ``articles``, ``captures``, ``without_capture`` (articles
    archived before captures were kept) and ``unreadable`` (damaged captures, skipped)."""
    return _write_articles(db, out, filename, query.export_rows(db, site=site, since=since, until=until, query=text))


def write_article_warc(db: Database, out: BinaryIO, article_id: int, *, filename: str) -> dict:
    """Write one article's captures and metadata record to ``out``, as :func:`write_warc`
    writes every article (the reading room's download); returns its counts."""
    return _write_articles(db, out, filename, query.export_rows(db, article_id=article_id))


def _write_articles(db: Database, out: BinaryIO, filename: str, rows) -> dict:
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = writer.create_warcinfo_record(filename, {
        "software": SOFTWARE, "format": "WARC File Format 1.1",
        "description": "Raw HTTP captures of archived news articles, each followed by the extracted article",
    })
    writer.write_record(info)
    info_id = info.rec_headers.get_header("WARC-Record-ID")
    counts = {"articles": 0, "captures": 0, "without_capture": 0, "unreadable": 0}
    for article_id, current, record in rows:
        response_ids: dict[int, tuple[str, str, str]] = {}
        for row in db.execute(_CAPTURES_SQL, [article_id]).fetchall():
            try:
                response_ids[row[0]] = _write_capture(writer, row, info_id)
            except zlib.error:
                counts["unreadable"] += 1  # a damaged capture: skipped, the rest is written
                continue
            counts["captures"] += 1
        counts["articles"] += 1
        if current is None:
            counts["without_capture"] += 1
        # None: no capture kept, or a damaged one
        _write_metadata(writer, record, response_ids.get(current), info_id)
    return counts


def _write_capture(writer: WARCWriter, row: tuple, info_id: str) -> tuple[str, str, str]:
    """Write one capture (a :data:`_CAPTURES_SQL` row) as a request and a response record;
    returns the response's record id, URL and date. Raises zlib.error for a damaged capture
    (before writing anything)."""
    _, url, fetched_at, status, protocol, method, req_headers, resp_headers, body = row
    payload = zlib.decompress(body)
    date = _warc_date(fetched_at)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = writer.create_warc_record(
        url, "request",
        http_headers=StatusAndHeaders(
            f"{method or 'GET'} {path} {protocol or 'HTTP/1.1'}",
            [("Host", parts.netloc), *[tuple(h) for h in json.loads(req_headers or "[]")]],
            is_http_request=True),
        warc_headers_dict={"WARC-Date": date, "WARC-Warcinfo-ID": info_id},
    )
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(payload), length=len(payload),
        http_headers=StatusAndHeaders(
            f"{status} {_REASONS.get(status, 'OK' if status < 300 else '')}".strip(),
            _response_headers(json.loads(resp_headers or "[]"), len(payload)),
            protocol=protocol or "HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date, "WARC-Warcinfo-ID": info_id},
    )
    writer.write_request_response_pair(request, response)
    return response.rec_headers.get_header("WARC-Record-ID"), url, date


def _write_metadata(writer: WARCWriter, record: dict, refers: tuple[str, str, str] | None, info_id: str) -> None:
    """Write an article's metadata record (its export as JSON), referring to the response
    its text was extracted from (``refers``: record id, URL and date; None when unknown)."""
    data = json.dumps(record, ensure_ascii=False).encode()
    headers = {"WARC-Warcinfo-ID": info_id}
    if refers is not None:
        headers.update({"WARC-Refers-To": refers[0], "WARC-Concurrent-To": refers[0],
                        "WARC-Refers-To-Target-URI": refers[1], "WARC-Refers-To-Date": refers[2],
                        "WARC-Date": refers[2]})
    writer.write_record(writer.create_warc_record(
        f"urn:newsarchive:article:{record['url']}", "metadata", payload=io.BytesIO(data), length=len(data),
        warc_content_type="application/json", warc_headers_dict=headers,
    ))


_REASONS = {200: "OK", 201: "Created", 203: "Non-Authoritative Information", 206: "Partial Content"}
