"""The full-text index ``articles_fts``: its table, the queue that keeps it in step with
the articles, and its upkeep.

A plain FTS5 table (``content=''``, tokenizer ``unicode61``) holds the tokens made in Python
(:mod:`archive.tokenizer`): title, body and byline (author and source) of each article, its
rowid the article's id. Its persistent rank is bm25 with :data:`BM25_WEIGHTS`.

Upkeep: triggers on ``articles`` queue every insert, change and delete in ``search_queue``
(with the text that is in the index, which a contentless FTS5 table needs to delete it);
:func:`sync_index` applies the queue. Every writer applies it as an explicit step of its
write transaction: the archive writer in each batch (so the index commits with the
articles), re-extraction and ``split-copies`` in each of theirs, the migration that created
the index, and every command that writes before it starts. Readers never write: an edit
made by another program is indexed by the next writer.
"""

from __future__ import annotations

from sqlite_utils import Database

from archive.tokenizer import index_tokens, tokenizer_fingerprint

FTS_TABLE = "articles_fts"
# bm25 weights of the columns title, body, byline (author and source).
BM25_WEIGHTS = "10.0, 1.0, 2.0"
RANK_FUNCTION = f"bm25({BM25_WEIGHTS})"
SYNC_BATCH = 500  # queued articles read and indexed at a time


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


def stale(db: Database) -> bool:
    """True when the index was made by another tokenizer (or never): it must be rebuilt."""
    row = db.execute("SELECT value FROM search_state WHERE key = 'tokenizer'").fetchone()
    return row is None or row[0] != tokenizer_fingerprint()


def pending(db: Database) -> int:
    """Articles whose index entry waits for :func:`sync_index` (0 when in sync)."""
    if stale(db):
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return db.execute("SELECT count(*) FROM search_queue").fetchone()[0]


def sync_index(db: Database) -> int:
    """Apply the queued changes to the index; returns how many articles were (re)indexed.

    Call inside a write transaction (the writer's batch, or :func:`sync_now`). Rebuilds
    the whole index when it was made by another tokenizer version.
    """
    if stale(db):
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
