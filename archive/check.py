"""Checking an archive without writing to it: SQLite's integrity and foreign keys, the search
index against the articles, and every stored capture.

:func:`check` yields one :class:`Problem` per finding and fills a :class:`CheckReport` with
what was looked at; it reads through a read-only connection
(:func:`archive.db.connect_readonly`), so it is safe on an archive a crawl is writing and on
a read-only one.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from archive import searchindex
from archive.captures import payload_digest
from archive.migrations import migrations
from archive.tokenizer import index_tokens

# PRAGMA integrity_check stops after this many findings (a badly damaged file has thousands).
MAX_INTEGRITY_FINDINGS = 100
# Articles whose own title is searched for, spread evenly over the archive: a search index
# whose entries are damaged does not find them.
SEARCH_SAMPLE = 200


@dataclass(frozen=True)
class Problem:
    """One finding: ``area`` (``integrity``, ``foreign key``, ``search index``, ``capture``)
    and a one-line ``message``."""

    area: str
    message: str

    def __str__(self) -> str:
        return f"{self.area}: {self.message}"


@dataclass
class CheckReport:
    """What :func:`check` looked at: ``articles``, ``captures`` checked (decompressed, size
    and digest compared), ``searched`` (articles looked up by their title), ``notes`` (facts
    that are no damage, e.g. search index entries waiting for the next writing command)."""

    articles: int = 0
    captures: int = 0
    searched: int = 0
    notes: list[str] = field(default_factory=list)


def check(db: Database, report: CheckReport) -> Iterator[Problem]:
    """Yield the problems of the archive ``db`` (read-only), filling ``report``. Captures
    are read one at a time (memory stays bounded by the largest capture). A part of the
    file too damaged to read is one problem, and the checks go on with the rest."""
    pending = migrations.pending(db)
    if pending:
        report.notes.append(f"{len(pending)} schema migrations pending (applied by the next writable open)")
    tables = set(db.table_names())
    yield from _guarded("integrity", _integrity(db, tables))
    yield from _guarded("foreign key", _foreign_keys(db, tables))
    try:
        report.articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        yield Problem("articles", f"cannot be counted ({exc})")
    if searchindex.FTS_TABLE in tables:
        yield from _guarded("search index", _search_index(db, report))
    if "captures" in tables:
        yield from _guarded("capture", _captures(db, report))


def _guarded(area: str, problems: Iterator[Problem]) -> Iterator[Problem]:
    """``problems``, ended by one more problem when SQLite cannot read on."""
    try:
        yield from problems
    except sqlite3.DatabaseError as exc:
        yield Problem(area, f"the check stopped: {exc}")


def _integrity(db: Database, tables: set[str]) -> Iterator[Problem]:
    """PRAGMA integrity_check; when SQLite cannot finish it (a table it must scan is
    unreadable), the same check table by table, naming the unreadable ones."""
    try:
        findings = [f for (f,) in db.execute(f"PRAGMA integrity_check({MAX_INTEGRITY_FINDINGS})")]
    except sqlite3.DatabaseError:
        findings = []
        for table in sorted(tables):
            try:
                findings += [f for (f,) in db.execute("SELECT * FROM pragma_integrity_check(?)", [table])]
            except sqlite3.DatabaseError as exc:
                findings.append(f"table {table} is unreadable ({exc})")
    for finding in findings:
        if finding != "ok":
            yield Problem("integrity", " ".join(str(finding).split()))


def _foreign_keys(db: Database, tables: set[str]) -> Iterator[Problem]:
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check"):
        yield Problem("foreign key", f"{table} row {rowid} names a missing {parent} row")
    if "captures" in tables:
        for article_id, capture_id in db.execute(
            "SELECT a.id, a.capture_id FROM articles a LEFT JOIN captures c ON c.id = a.capture_id "
            "WHERE a.capture_id IS NOT NULL AND c.id IS NULL"
        ):
            yield Problem("foreign key", f"article {article_id} names capture {capture_id}, which is missing")


def _search_index(db: Database, report: CheckReport) -> Iterator[Problem]:
    """The index's rows against the articles (FTS5's own 'integrity-check' is a write, so
    not run), then a sample of articles searched for by their title."""
    if searchindex.stale(db):
        report.notes.append("the search index was built by another tokenizer version "
                            "(rebuilt by the next writer: a crawl or an archive command that writes)")
        return
    queued = {article_id: indexed for article_id, indexed in db.execute(
        "SELECT article_id, indexed FROM search_queue")}
    if queued:
        report.notes.append(f"{len(queued)} articles wait for the search index "
                            "(indexed by the next writer: a crawl or an archive command that writes)")
    # the index holds every article not queued, and the queued ones marked indexed
    missing = db.execute(
        f"SELECT count(*), min(a.id) FROM articles a WHERE a.id NOT IN (SELECT rowid FROM {searchindex.FTS_TABLE}) "
        "AND a.id NOT IN (SELECT article_id FROM search_queue WHERE indexed = 0)").fetchone()
    if missing[0]:
        yield Problem("search index", f"{missing[0]} articles are not in the index (the first: article {missing[1]})")
    extra = db.execute(
        f"SELECT count(*), min(f.rowid) FROM {searchindex.FTS_TABLE} f WHERE f.rowid NOT IN (SELECT id FROM articles) "
        "AND f.rowid NOT IN (SELECT article_id FROM search_queue WHERE indexed = 1)").fetchone()
    if extra[0]:
        yield Problem("search index", f"{extra[0]} index entries name no article (the first: {extra[1]})")
    step = max(1, report.articles // SEARCH_SAMPLE)
    lost = []
    for article_id, title in db.execute(
        "SELECT id, title FROM (SELECT id, title, row_number() OVER (ORDER BY id) AS n FROM articles) "
        "WHERE (n - 1) % ? = 0", [step]
    ):
        tokens = index_tokens(title or "")
        if not tokens or article_id in queued:
            continue
        report.searched += 1
        # the tokens hold only letters, digits and Han characters: a plain FTS5 phrase
        if db.execute(f"SELECT 1 FROM {searchindex.FTS_TABLE} WHERE {searchindex.FTS_TABLE} MATCH ? AND rowid = ?",
                      [f'"{tokens}"', article_id]).fetchone() is None:
            lost.append(article_id)
    if lost:
        yield Problem("search index", f"{len(lost)} of {report.searched} sampled articles are not found by their "
                                      f"own title (the first: article {lost[0]})")


def _capture_rows(db: Database, batch: int = 200) -> Iterator[tuple]:
    """``(id, url, body, body_size, payload_digest)`` of every capture, read in batches of
    ``batch``, each its own short read: a crawl writing meanwhile can checkpoint its WAL."""
    last = 0
    while True:
        rows = db.execute("SELECT id, url, CAST(body AS BLOB), body_size, payload_digest FROM captures "
                          "WHERE id > ? ORDER BY id LIMIT ?", [last, batch]).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _captures(db: Database, report: CheckReport) -> Iterator[Problem]:
    """Every capture decompresses to its recorded size and payload digest."""
    for capture_id, url, body, size, digest in _capture_rows(db):
        report.captures += 1
        try:
            inflater = zlib.decompressobj()
            payload = inflater.decompress(body or b"", size + 1)  # never more than the recorded size allows
            complete = inflater.eof
        except zlib.error as exc:
            yield Problem("capture", f"#{capture_id} ({url}) does not decompress: {exc}")
            continue
        if not complete or len(payload) != size:
            yield Problem("capture", f"#{capture_id} ({url}) does not decompress to its recorded {size} bytes")
        elif payload_digest(payload) != digest:
            yield Problem("capture", f"#{capture_id} ({url}) does not match its payload digest {digest}")
