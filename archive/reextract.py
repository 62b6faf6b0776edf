"""Re-extraction: run today's extractor over the stored captures, without re-crawling, and
keep what changed as a new version of each article.

The extractor is any callable taking an article's captures (first page, then continuation
pages; dicts with url, fetched_at, status, response_headers, body as received) and
returning an article record with the export's field names, or raising to say the capture
is not (or no longer) an article. The crawler provides one (``crawler.extract:
capture_extractor``); this module does not depend on it.
"""

from __future__ import annotations

import importlib
import logging
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from archive.captures import capture_group
from archive.errors import ArchiveError
from archive.schema import VERSIONED_FIELDS, fill_gaps
from archive.searchindex import sync_index
from archive.store import ArchiveWriter

logger = logging.getLogger(__name__)

DEFAULT_EXTRACTOR = "crawler.extract:capture_extractor"
BATCH = 200  # articles re-extracted per write transaction
# Fields compared and updated: the versioned ones and ``related``, the related list (URLs and
# anchor texts).
FIELDS = (*VERSIONED_FIELDS, "related")

Extractor = Callable[[list[dict]], dict]


@dataclass
class Report:
    """What a re-extraction did: articles ``checked``, ``changed`` (and how often each field
    changed), ``failed`` (reason -> count) and ``without_capture``."""

    checked: int = 0
    changed: int = 0
    fields: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    without_capture: int = 0
    examples: list[dict] = field(default_factory=list)  # the first changes: url and fields


def load_extractor(spec: str, **options) -> Extractor:
    """``module:factory`` -> the extractor the factory returns (called with ``options``)."""
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr or "extractor")
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise ArchiveError(f"cannot load the extractor {spec!r}: {exc}") from None
    if not callable(factory):
        raise ArchiveError(f"the extractor {spec!r} is not a factory (not callable)")
    try:
        extractor = factory(**options)
    except ValueError as exc:  # e.g. bad per-site rules
        raise ArchiveError(str(exc)) from None
    except Exception as exc:
        raise ArchiveError(f"the extractor factory {spec!r} failed: {exc}") from None
    if not callable(extractor):
        raise ArchiveError(f"the extractor factory {spec!r} did not return an extractor")
    return extractor


def _related(db: Database, article_id: int) -> list[dict]:
    return [{"url": u, "text": t or ""} for u, t in db.execute(
        "SELECT url, anchor_text FROM related_links WHERE article_id = ? ORDER BY position", [article_id])]


def reextract(db: Database, extractor: Extractor, *, name: str = DEFAULT_EXTRACTOR, site: str | None = None,
              dry_run: bool = False) -> Report:
    """Re-extract every article (of ``site``) from its capture; with ``dry_run`` only report."""
    report = Report()
    writer = ArchiveWriter(db, link_copies=False)
    report.without_capture = db.execute(
        "SELECT count(*) FROM articles WHERE capture_id IS NULL AND (:site IS NULL OR site = :site)", {"site": site}
    ).fetchone()[0]
    ids = [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE capture_id IS NOT NULL AND (:site IS NULL OR site = :site) ORDER BY id",
        {"site": site})]
    for start in range(0, len(ids), BATCH):
        with db.atomic():
            for article_id in ids[start:start + BATCH]:
                _one(db, writer, extractor, article_id, name, dry_run, report)
            if not dry_run:
                sync_index(db)  # the index commits with the new versions
    if not dry_run:
        writer.link_pending_copies()
    return report


def _one(db, writer, extractor, article_id, name, dry_run, report) -> None:
    existing = db["articles"].get(article_id)
    report.checked += 1
    try:
        captures = capture_group(db, existing["capture_id"])
    except zlib.error:
        report.failed["capture unreadable"] += 1
        return
    try:
        record = extractor(captures)
    except Exception as exc:  # the page no longer extracts: keep the stored article as it is
        reason = getattr(exc, "reason", None) or type(exc).__name__
        report.failed[str(reason)] += 1
        logger.info("re-extraction failed for %(url)s: %(exc)s", {"url": existing["url"], "exc": exc})
        return
    stored = {**{f: existing[f] for f in VERSIONED_FIELDS}, "related": _related(db, article_id)}
    fresh = {f: record.get(f) for f in FIELDS}
    fresh["related"] = [{"url": r["url"], "text": r.get("text", "")} for r in record.get("related") or []]
    # as when copies merge: what the capture does not tell (a byline another copy gave)
    # keeps its stored value; re-extraction corrects, it never erases
    fresh = fill_gaps(fresh, stored, FIELDS)
    changed = [f for f in FIELDS if fresh[f] != stored[f]]
    if not changed:
        return
    report.changed += 1
    report.fields.update(changed)
    if len(report.examples) < 20:
        report.examples.append({"url": existing["url"], "changed": changed})
    if not dry_run:
        writer.apply_reextraction(existing, {**record, **fresh}, changed, name)
