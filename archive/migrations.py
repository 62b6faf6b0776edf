"""Schema migrations, applied in order by :func:`archive.db.open_archive`.

Never edit a migration that has shipped: add a new one. ``docs/schema.md`` documents the
resulting tables and columns.
"""

from sqlite_utils import Database, Migrations

from archive.searchindex import create_index

migrations = Migrations("newsarchive")


@migrations()
def m001_initial(db: Database) -> None:
    """Articles, their URLs, related links and earlier versions, and crawl runs."""
    _articles(db)
    _crawl_runs(db)
    _article_urls(db)
    _related_links(db)
    _article_versions(db)


def _articles(db: Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "url_source": str,
            "title": str,
            "published_at": str,
            "published_at_raw": str,
            "author": str,
            "source": str,
            "body": str,
            "site": str,
            "language": str,
            "content_hash": str,
            "pages": int,
            "first_seen_at": str,
            "last_seen_at": str,
            "versions": int,
            "near_duplicate_of": str,
            "crawl_run_id": int,
        },
        pk="id",
        not_null={"url", "title", "body", "site", "content_hash", "first_seen_at", "last_seen_at", "versions"},
        defaults={"versions": 1, "pages": 1},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["site", "published_at"])


def _crawl_runs(db: Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "start_urls": str,
            "started_at": str,
            "ended_at": str,
            "finish_reason": str,
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "items_dropped": int,
            "errors": int,
            "stats": str,
        },
        pk="id",
        not_null={"started_at"},
    )


def _article_urls(db: Database) -> None:
    db["article_urls"].create(
        {"url": str, "article_id": int, "first_seen_at": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"article_id", "first_seen_at"},
    )
    db["article_urls"].create_index(["article_id"])


def _related_links(db: Database) -> None:
    db["related_links"].create(
        {"article_id": int, "position": int, "url": str, "anchor_text": str},
        pk=("article_id", "position"),
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"url"},
    )
    db["related_links"].create_index(["url"])


def _article_versions(db: Database) -> None:
    db["article_versions"].create(
        {
            "article_id": int,
            "version": int,
            "seen_at": str,
            "title": str,
            "published_at": str,
            "author": str,
            "source": str,
            "body": str,
            "content_hash": str,
        },
        pk=("article_id", "version"),
        foreign_keys=[("article_id", "articles", "id")],
    )


@migrations()
def m002_fetch_state(db: Database) -> None:
    """What a re-crawl needs to fetch only what is new or changed: the validators of the
    article's last response and the sitemap's lastmod for it."""
    articles = db["articles"]
    articles.add_column("etag", str)
    articles.add_column("last_modified", str)
    articles.add_column("sitemap_lastmod", str)
    articles.add_column("last_fetched_at", str)


@migrations()
def m003_near_duplicates(db: Database) -> None:
    """The near-duplicate index (archive/neardup.py): one MinHash signature per article and
    its 16 band keys. Articles archived before this migration are indexed by
    ``python -m archive neardup`` (a one-off backfill)."""
    db["neardup_signatures"].create(
        {"article_id": int, "minhash": bytes, "shingles": int},
        pk="article_id", foreign_keys=[("article_id", "articles", "id")],
    )
    db["neardup_bands"].create({"band": int, "key": int, "article_id": int},
                               foreign_keys=[("article_id", "articles", "id")])
    db["neardup_bands"].create_index(["key"])
    db["neardup_bands"].create_index(["article_id"])
    db["articles"].create_index(["near_duplicate_of"])
    # articles written by a crawl, waiting for the linking pass at its end
    db["neardup_pending"].create({"article_id": int}, pk="article_id")


@migrations()
def m004_search(db: Database) -> None:
    """The full-text index (archive/searchindex.py): a contentless FTS5 table of tokens made in
    Python, the queue its triggers fill, and the tokenizer version it was built with. The
    articles already archived are indexed at once, in the migration's transaction."""
    create_index(db)


@migrations()
def m005_captures(db: Database) -> None:
    """Raw captures: every archived page's HTTP response as received (body zlib-compressed),
    so the archive can be exported as WARC and re-extracted without re-crawling. Each
    article points at the capture its current text came from; each re-extraction that
    changed an article is logged."""
    db["captures"].create(
        {
            "id": int,
            "article_id": int,
            "url": str,
            "fetched_at": str,
            "status": int,
            "protocol": str,
            "method": str,
            "request_headers": str,
            "response_headers": str,
            "body": bytes,
            "body_size": int,
            "payload_digest": str,
            "page": int,
            "part_of": int,
            "crawl_run_id": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"url", "fetched_at", "status", "body", "body_size", "payload_digest", "page"},
        defaults={"page": 1, "method": "GET", "protocol": "HTTP/1.1"},
    )
    db["captures"].create_index(["article_id"])
    db["captures"].create_index(["url", "payload_digest"])
    db["articles"].add_column("capture_id", int)
    db["article_versions"].add_column("capture_id", int)
    db["reextractions"].create(
        {"id": int, "at": str, "article_id": int, "capture_id": int, "extractor": str,
         "changed_fields": str, "version_before": int},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db["reextractions"].create_index(["article_id"])


@migrations()
def m006_link_texts(db: Database) -> None:
    """The texts of the links that led to each article (listings, feeds, related lists), as
    a crawl saw them: a re-crawl that meets a link text not seen before (a changed title)
    checks the article again. ``first_seen_at``: ISO 8601 UTC. And ``articles.last_checked_at``."""
    db["link_texts"].create(
        {"article_id": int, "text": str, "first_seen_at": str},
        pk=("article_id", "text"), foreign_keys=[("article_id", "articles", "id")],
    )
    # when the revisit budget last asked for the article, whatever the answer (a page gone
    # too): the budget then moves on to the next one
    db["articles"].add_column("last_checked_at", str)


@migrations()
def m007_neardup_folding(db: Database) -> None:
    """Near-duplicate signatures are made from text folded as search folds it
    (:func:`archive.chinese.fold`): those made before are dropped and every article is
    queued, checked again by the next crawl's linking pass or ``python -m archive neardup``."""
    db.execute("DELETE FROM neardup_bands")
    db.execute("DELETE FROM neardup_signatures")
    db.execute("INSERT OR IGNORE INTO neardup_pending (article_id) SELECT id FROM articles")


@migrations()
def m008_item_stream(db: Database) -> None:
    """Runs written through the item stream (``archive.streamwriter``): ``crawl_runs.run_key``
    names such a run (NULL for a crawl writing the archive itself); it is closed by its
    ``run_end`` entry, never as killed by the next writer; ``run_jobs`` holds its crawls'
    counts. ``stream_positions``: per stream,
    the ID of the last entry whose changes are committed, so an entry delivered again after
    a writer died is not applied twice."""
    db["crawl_runs"].add_column("run_key", str)
    db.execute("CREATE UNIQUE INDEX idx_crawl_runs_run_key ON crawl_runs (run_key) WHERE run_key IS NOT NULL")
    db["stream_positions"].create({"stream": str, "last_id": str}, pk="stream")
    # per run, the counts and stats of each of its crawls as it last ended (a crawl run again
    # replaces its own), and the run's own stats (job "")
    db["run_jobs"].create(
        {"run_id": int, "job": str, "pages_fetched": int, "items_dropped": int, "errors": int, "stats": str},
        pk=("run_id", "job"), foreign_keys=[("run_id", "crawl_runs", "id")],
    )


@migrations()
def m009_reading_room(db: Database) -> None:
    """Indexes for reading the archive by date: the newest articles of all sites
    (``published_at``), and per site the articles per day and the share with a date, an
    author and a source per month, read from the index alone (``site, published_at, author,
    source``; it replaces the ``site, published_at`` index, its prefix)."""
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["site", "published_at", "author", "source"])
    db.execute("DROP INDEX idx_articles_site_published_at")
