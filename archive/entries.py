"""Entries of the item stream: what a crawl that does not write the archive itself
(``NEWS_SINK=redis``) sends to the archive's one writer (:mod:`archive.streamwriter`), each
as one Redis stream entry of flat fields.

Fields: ``v`` (:data:`ENTRY_VERSION`), ``kind`` (one of :data:`KINDS`), ``run`` (the run's
key: the dispatcher's run, or the job's own for a crawl started by hand), ``job`` (the
crawl's key) and ``data`` (JSON; ``bytes`` as ``{"$bytes": "<base64>"}``):

- ``job_start``: ``{"spider", "start_urls", "started_at"}``: a crawl of the run began;
- ``article``: an article record as :meth:`archive.store.ArchiveWriter.save_many` takes it;
- ``revisit``: ``[url, fetched_at, sitemap_lastmod, link_texts]`` (an unchanged re-fetch);
- ``seen``: ``[[url, sitemap_lastmod, link_texts, seen_at], ...]`` (links met);
- ``checks``: ``[[url, checked_at], ...]`` (the revisit budget's re-checks);
- ``job_end``: ``{"reason", "stats"}``: the crawl ended (Scrapy's finish reason and stats);
- ``run_end``: ``{"reason", "stats", "exit_code"}``: the run is over, its row is closed.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

ENTRY_VERSION = "1"
KINDS = frozenset({"job_start", "article", "revisit", "seen", "checks", "job_end", "run_end"})


class EntryError(ValueError):
    """A stream entry this writer cannot read (another version, a missing field, bad JSON)."""


@dataclass(frozen=True)
class Entry:
    kind: str
    run: str
    job: str
    data: Any


def _jsonable(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot send {type(value).__name__} through the stream")


def _revive(obj: dict):
    if len(obj) == 1 and "$bytes" in obj:
        return base64.b64decode(obj["$bytes"], validate=True)
    return obj


def encode(kind: str, run: str, job: str, data: Any) -> dict[str, str]:
    """The fields of one stream entry."""
    if kind not in KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    return {"v": ENTRY_VERSION, "kind": kind, "run": run, "job": job,
            "data": json.dumps(data, ensure_ascii=False, default=_jsonable)}


def decode(fields: dict) -> Entry:
    """An :class:`Entry` from a stream entry's fields (``bytes`` or ``str`` keys and values,
    as redis-py gives them); raises :class:`EntryError` for one that is not readable."""
    text = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()}
    if text.get("v") != ENTRY_VERSION:
        raise EntryError(f"entry version {text.get('v')!r}, this writer reads {ENTRY_VERSION}")
    if text.get("kind") not in KINDS or not text.get("run") or "data" not in text:
        raise EntryError(f"entry without a known kind, a run or data (kind {text.get('kind')!r})")
    try:
        data = json.loads(text["data"], object_hook=_revive)
    except (ValueError, TypeError) as exc:
        raise EntryError(f"entry data is not readable JSON: {exc}") from None
    return Entry(text["kind"], text["run"], text.get("job", ""), data)
