"""Raw captures: every archived page's HTTP response as received, kept in ``captures``.

A capture group is an article's first page (``page`` 1) and its continuation pages (``part_of``
the first page's id), stored together; the body is the payload before content decoding,
zlib-compressed, with its size and WARC payload digest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

from sqlite_utils import Database


def payload_digest(body: bytes) -> str:
    """``sha1:`` + base32 SHA-1 of a response body, as WARC's WARC-Payload-Digest writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def add_captures(db: Database, article_id: int, captures: list[dict], run_id: int | None,
                 new_article: bool = False) -> int | None:
    """Store an article's raw responses (first page, then continuation pages; dicts with url,
    fetched_at, status, body and optionally protocol, method, request_headers and
    response_headers as ``[name, value]`` pairs) as one group; returns the first page's
    capture id. A group identical to one already kept for the article (same URLs and
    payloads, page for page) is not stored twice (``new_article``: the article has none yet,
    nothing to look up)."""
    if not captures:
        return None
    digests = [payload_digest(c["body"]) for c in captures]
    row = None if new_article else db.execute(
        "SELECT id FROM captures WHERE article_id = ? AND url = ? AND payload_digest = ? AND page = 1 "
        "AND (SELECT count(*) FROM captures p WHERE p.part_of = captures.id) = ? ORDER BY id DESC LIMIT 1",
        [article_id, captures[0]["url"], digests[0], len(captures) - 1],
    ).fetchone()
    if row is not None:
        same = [tuple(r) for r in db.execute(
            "SELECT url, payload_digest FROM captures WHERE part_of = ? ORDER BY page", [row[0]])]
        if same == [(c["url"], d) for c, d in zip(captures[1:], digests[1:])]:
            return row[0]
    first = None
    for page, (capture, digest) in enumerate(zip(captures, digests), 1):
        cursor = db.execute(
            "INSERT INTO captures (article_id, url, fetched_at, status, protocol, method, request_headers, "
            "response_headers, body, body_size, payload_digest, page, part_of, crawl_run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [article_id, capture["url"], capture["fetched_at"], capture["status"], capture.get("protocol"),
             capture.get("method", "GET"), json.dumps(capture.get("request_headers", [])),
             json.dumps(capture.get("response_headers", [])), zlib.compress(capture["body"], 1),
             len(capture["body"]), digest, page, first, run_id],
        )
        if first is None:
            first = cursor.lastrowid
    return first


def capture_group(db: Database, capture_id: int) -> list[dict]:
    """The capture ``capture_id`` (a first page) and its continuation pages, in page order, as
    an extractor takes them: dicts with id, url, fetched_at, status, response_headers
    (``[name, value]`` pairs) and body (the payload as received). Raises zlib.error for a
    damaged capture."""
    rows = db.execute(
        "SELECT id, url, fetched_at, status, response_headers, body FROM captures "
        "WHERE id = ? OR part_of = ? ORDER BY (id != ?), page, id", [capture_id, capture_id, capture_id],
    ).fetchall()
    return [{"id": i, "url": url, "fetched_at": at, "status": status,
             "response_headers": json.loads(headers or "[]"), "body": zlib.decompress(body)}
            for i, url, at, status, headers, body in rows]
