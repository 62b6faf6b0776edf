"""Crawl runs: one ``crawl_runs`` row per crawl, opened when it starts and closed when it ends.

A writer killed outright (SIGKILL, a power cut) leaves its row open (``ended_at`` NULL).
Readers never change the table: they show such a run as killed whenever no writer holds the
archive (:func:`mark_state`, computed as they read). The next writer holds the archive's lock
(:class:`archive.lock.ArchiveLock`), so it knows every open run is dead: it closes them with
``finish_reason`` ``killed`` (:func:`close_dead_runs`) before it writes anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from archive.clock import utc_now
from archive.db import immediate
from archive.lock import is_locked


def start_run(db: Database, spider: str, start_urls: Iterable[str]) -> int:
    """Open a ``crawl_runs`` row for a crawl of ``spider``; returns its id. The caller holds
    the archive's lock, so runs left open are those of writers that died: they are closed
    as ``killed`` first."""
    with immediate(db):
        close_dead_runs(db)
        table = db["crawl_runs"].insert(
            {"spider": spider, "start_urls": json.dumps(list(start_urls)), "started_at": utc_now()}
        )
    return table.last_pk


def finish_run(db: Database, run_id: int, *, finish_reason: str, counts: dict, stats: dict) -> None:
    """Close a crawl run: ``ended_at`` now, its finish reason, ``counts`` (the crawl_runs
    count columns by name) and ``stats`` (stored as JSON)."""
    row = {"ended_at": utc_now(), "finish_reason": finish_reason, "stats": json.dumps(stats, default=str)}
    row.update(counts)
    with immediate(db):
        db["crawl_runs"].update(run_id, row)


def close_dead_runs(db: Database) -> int:
    """Close the crawl runs whose writer died (``ended_at`` NULL): ``ended_at`` now,
    ``finish_reason`` ``killed``. Returns how many. Call only while holding the archive's
    lock (a crawl's own open run would be closed otherwise). A run written through the item
    stream (``run_key``) outlives its writer: its ``run_end`` entry closes it."""
    with db.atomic():
        return db.execute(
            "UPDATE crawl_runs SET ended_at = ?, finish_reason = 'killed' WHERE ended_at IS NULL AND run_key IS NULL",
            [utc_now()],
        ).rowcount


def mark_state(runs: list[dict], path: str | Path) -> list[dict]:
    """Give each run (a dict with ``ended_at`` and ``finish_reason``, as
    :func:`archive.query.summary` lists them) ``running``: not ended while a writer holds
    the archive at ``path``. A run not ended while no writer holds it died: shown with
    ``finish_reason`` ``killed`` (``ended_at`` stays None until a writer closes it).
    Reads only; returns ``runs``."""
    live = any(run["ended_at"] is None for run in runs) and is_locked(path)
    for run in runs:
        streamed = bool(run.get("run_key"))  # closed by its run_end entry, whoever writes meanwhile
        run["running"] = run["ended_at"] is None and (live or streamed)
        if run["ended_at"] is None and not live and not streamed:
            run["finish_reason"] = "killed"
    return runs
