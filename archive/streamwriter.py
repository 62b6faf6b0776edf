"""The archive's one writer for crawls that send their items through a Redis stream
(``NEWS_SINK=redis``): ``news-archive writer --db news.db --redis redis://host:6379/0``.

It reads the stream (:mod:`archive.entries`) as the one consumer of a consumer group and
applies each batch of entries with :class:`archive.store.ArchiveWriter` (the same
de-duplication, versions, captures, search index and near-duplicates as a crawl writing the
archive itself), in one transaction together with the ID of the batch's last entry
(``stream_positions``). Entries are acknowledged (XACK, then XDEL: the stream does not grow)
only after COMMIT. A writer that died leaves its entries pending: the next one reads them
again first and skips those at or before the committed position, so a replay changes nothing
and the counts of ``crawl_runs`` stay exact.

Each run (``run`` of its entries: the dispatcher's run, or a crawl's own) has one
``crawl_runs`` row, found by ``run_key``: outcomes are added to it as batches commit, the
crawls' counts and stats as their ``job_end`` arrives; ``run_end`` closes it. An entry that
cannot be read, or whose changes fail :data:`MAX_DELIVERIES` times, goes to the dead-letter
stream (``<stream>:dead``, with the error) and is counted in its run's stats
(``archive/stream/dead_letter``) and the writer's. A failure of the archive itself (disk full ...) is raised:
nothing of the batch is acknowledged, and the next writer takes it up.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable

from sqlite_utils import Database

from archive.clock import utc_now
from archive.db import immediate
from archive.entries import Entry, EntryError, decode
from archive.errors import archive_failure
from archive.store import ArchiveWriter

logger = logging.getLogger(__name__)

DEFAULT_STREAM = "news:entries"
GROUP = "archive"
# One writer at a time (it holds the archive's lock), always under this name: a restarted
# writer finds the entries its predecessor left pending.
CONSUMER = "writer"
MAX_DELIVERIES = 3
# crawl_runs count columns a crawl's job_end adds to its run (names as the sink sends them)
JOB_COUNTS = ("pages_fetched", "items_dropped", "errors")
# crawl_runs columns announced to the dispatcher when a run's end is written
_ANNOUNCED = ("pages_fetched", "articles_new", "articles_updated", "articles_unchanged", "items_dropped", "errors")


def shown_url(url: str) -> str:
    """A Redis URL as messages show it: without its password."""
    scheme, sep, rest = (url or "").partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def _field(fields: dict, name: str) -> str | None:
    """A raw stream entry's field as text (redis-py gives bytes keys and values)."""
    value = fields.get(name.encode(), fields.get(name))
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _summed(parts: list[dict]) -> dict:
    """Stats added key by key (numbers summed; any other value: the last one given)."""
    out: dict = {}
    for stats in parts:
        for key, value in stats.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and isinstance(out.get(key, 0), (int, float)) and not isinstance(out.get(key, 0), bool):
                out[key] = out.get(key, 0) + value
            else:
                out[key] = value
    return out


def _id_key(entry_id) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class StreamWriter:
    """Apply the entries of ``stream`` (on the redis-py ``client``) to the archive ``db``,
    whose lock the caller holds."""

    def __init__(self, db: Database, client, stream: str = DEFAULT_STREAM, *, batch_size: int = 200,
                 block_ms: int = 1000, max_deliveries: int = MAX_DELIVERIES):
        self.db = db
        self.client = client
        self.stream = stream
        self.dead_stream = f"{stream}:dead"
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.max_deliveries = max_deliveries
        self.writer = ArchiveWriter(db, link_copies=False)  # linked in one pass when the stream is idle
        row = db.execute("SELECT last_id FROM stream_positions WHERE stream = ?", [stream]).fetchone()
        self.position = _id_key(row[0]) if row else (0, 0)
        self.copies_due = False
        self.counts: Counter = Counter()  # applied, skipped (replayed), dead_letter
        self.ended: list = []  # run keys whose run_end this batch wrote: announced after COMMIT

    # -- reading ----------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """The consumer group, reading from the stream's first entry (made with the stream)."""
        import redis

        try:
            self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def serve(self, stopping: Callable[[], bool]) -> None:
        """Apply entries until ``stopping()`` says so (checked between batches, at least
        every ``block_ms``): first this consumer's pending ones, then new ones."""
        self.ensure_group()
        self.replay()
        while not stopping():
            if not self.step() and self.copies_due:
                self.link_copies()

    def step(self) -> int:
        """Read and apply one batch of new entries; returns how many were read."""
        got = self.client.xreadgroup(GROUP, CONSUMER, {self.stream: ">"}, count=self.batch_size, block=self.block_ms)
        entries = got[0][1] if got else []
        if entries:
            self.apply(entries)
        return len(entries)

    def replay(self) -> int:
        """Apply the entries delivered to this consumer and not acknowledged (by a writer
        that died); returns how many were read."""
        read, after = 0, "0"
        while True:
            got = self.client.xreadgroup(GROUP, CONSUMER, {self.stream: after}, count=self.batch_size)
            entries = got[0][1] if got else []
            if not entries:
                return read
            read += len(entries)
            after = entries[-1][0]
            self.apply(entries, replay=True)

    def drain(self) -> int:
        """Apply everything in the stream now (pending, then new) and link the copies;
        returns how many entries were read. For tests and a last pass before stopping."""
        self.ensure_group()
        read = self.replay()
        while (n := self.step()):
            read += n
        if self.copies_due:
            self.link_copies()
        return read

    # -- applying ---------------------------------------------------------------------------

    def apply(self, entries: list, replay: bool = False) -> None:
        """Apply ``(id, fields)`` entries, then acknowledge them: runs of readable entries each
        in one transaction with the position of their last entry. An entry that cannot be
        read, or whose changes fail :data:`MAX_DELIVERIES` times, is moved to the dead-letter
        stream, and the position moves past it only then: it never passes an entry that is
        neither written nor kept there. ``replay``: entries delivered before (this consumer's
        pending ones); those at or before the position were written, and are skipped. A new
        entry there (a stream made again, a Redis restored from a backup) is kept as a dead
        letter, never dropped."""
        done, segment = [], []
        for entry_id, fields in entries:
            if _id_key(entry_id) <= self.position:
                done += self._commit(segment)
                segment = []
                if replay:  # written before its acknowledgement was lost
                    self.counts["skipped"] += 1
                    if _field(fields, "kind") == "run_end":
                        self.ended.append(_field(fields, "run"))  # announced again
                else:
                    self._bury(entry_id, fields, "its ID is at or before what this archive wrote from the stream "
                                                 "(the stream was made again?)", _field(fields, "run"))
                done.append(entry_id)
                continue
            try:
                segment.append((entry_id, decode(fields)))
            except EntryError as exc:  # no retry reads it better
                done += self._commit(segment)
                segment = []
                self._bury(entry_id, fields, str(exc), _field(fields, "run"))
                done.append(entry_id)
        done += self._commit(segment)
        self._announce()
        self._acknowledge(done)

    def _commit(self, segment: list) -> list:
        """Write ``segment`` (``(id, Entry)`` in stream order) in one transaction; on a failure
        of one of its entries, entry by entry. Returns the IDs written or dead-lettered."""
        if not segment:
            return []
        try:
            with immediate(self.db):
                ended = self._write(segment)
                self._save_position(segment[-1][0])
            self.ended += ended
            self.counts["applied"] += len(segment)
        except Exception as exc:  # noqa: BLE001 - one bad entry must not stop the stream
            if isinstance(exc, sqlite3.Error) and archive_failure(exc, "") is not None:
                raise  # the archive itself: nothing acknowledged, the next writer goes on
            logger.exception("a batch of %(n)s entries failed; writing them one by one", {"n": len(segment)})
            self._one_by_one(segment)
        return [entry_id for entry_id, _ in segment]

    def _one_by_one(self, segment: list) -> None:
        for entry_id, entry in segment:
            for attempt in range(1, self.max_deliveries + 1):
                try:
                    with immediate(self.db):
                        ended = self._write([(entry_id, entry)])
                        self._save_position(entry_id)
                    self.ended += ended
                    self.counts["applied"] += 1
                    break
                except Exception as exc:  # noqa: BLE001
                    if isinstance(exc, sqlite3.Error) and archive_failure(exc, "") is not None:
                        raise
                    if attempt == self.max_deliveries:
                        self._bury(entry_id, None, f"{type(exc).__name__}: {exc}", entry.run)

    def _write(self, todo: list[tuple]) -> list[str]:
        """The entries' changes, in order, inside the caller's transaction; returns the runs
        whose end was written (announced once committed)."""
        batch: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        ended = []
        for _, entry in todo:
            if entry.kind in ("article", "revisit", "seen", "checks"):
                batch[entry.run][entry.kind] += entry.data if entry.kind in ("seen", "checks") else [entry.data]
            else:
                self._save_run_batch(entry.run, batch.pop(entry.run, None))
                self._run_event(entry)
                if entry.kind == "run_end":
                    ended.append(entry.run)
        for run, lists in batch.items():
            self._save_run_batch(run, lists)
        return ended

    def _save_run_batch(self, run: str, lists: dict | None) -> None:
        if not lists:
            return
        run_id = self._run_row(run)
        outcomes = self.writer.save_many(
            lists["article"], run_id, [tuple(r) for r in lists["revisit"]], [tuple(s) for s in lists["seen"]],
            [tuple(c) for c in lists["checks"]])
        tally = Counter(outcome.value for outcome in outcomes)
        self.db.execute(
            "UPDATE crawl_runs SET articles_new = coalesce(articles_new, 0) + ?, "
            "articles_updated = coalesce(articles_updated, 0) + ?, "
            "articles_unchanged = coalesce(articles_unchanged, 0) + ? WHERE id = ?",
            [tally["new"], tally["updated"], tally["unchanged"], run_id])
        if lists["article"]:
            self.copies_due = True

    def _run_row(self, run: str, spider: str = "news", started_at: str | None = None) -> int:
        row = self.db.execute("SELECT id FROM crawl_runs WHERE run_key = ?", [run]).fetchone()
        if row:
            return row[0]
        return self.db.execute(
            "INSERT INTO crawl_runs (spider, start_urls, started_at, run_key) VALUES (?, '[]', ?, ?)",
            [spider, started_at or utc_now(), run]).lastrowid

    def _run_event(self, entry: Entry) -> None:
        data = entry.data or {}
        run_id = self._run_row(entry.run, data.get("spider", "news"), data.get("started_at"))
        if entry.kind == "job_start":
            (urls,) = self.db.execute("SELECT start_urls FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
            merged = list(dict.fromkeys([*json.loads(urls or "[]"), *data.get("start_urls", [])]))
            self.db.execute("UPDATE crawl_runs SET start_urls = ? WHERE id = ?", [json.dumps(merged), run_id])
        elif entry.kind == "job_end":
            # a job run again (its worker stopped or died) replaces its earlier counts
            counts = data.get("counts") or {}
            self.db.execute(
                f"INSERT OR REPLACE INTO run_jobs (run_id, job, {', '.join(JOB_COUNTS)}, stats) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, entry.job, *[int(counts.get(c) or 0) for c in JOB_COUNTS],
                 json.dumps(data.get("stats") or {}, default=str)])
            self._sum_jobs(run_id)
        else:  # run_end
            self._add_stats(run_id, data.get("stats") or {})
            self.db.execute("UPDATE crawl_runs SET ended_at = ?, finish_reason = ? WHERE id = ?",
                            [utc_now(), data.get("reason", "finished"), run_id])
            self.copies_due = True

    def _add_stats(self, run_id: int, stats: dict) -> None:
        """Add stats of the run itself (dead letters, the dispatcher's) to its run-level row
        of ``run_jobs`` (job ``""``), then the run's stats are summed again."""
        row = self.db.execute("SELECT stats FROM run_jobs WHERE run_id = ? AND job = ''", [run_id]).fetchone()
        merged = _summed([json.loads(row[0]) if row else {}, stats])
        self.db.execute("INSERT OR REPLACE INTO run_jobs (run_id, job, stats) VALUES (?, '', ?)",
                        [run_id, json.dumps(merged, default=str)])
        self._sum_jobs(run_id)

    def _sum_jobs(self, run_id: int) -> None:
        """The run's counts and stats: those of its crawls (each the last time it ended) and
        its own, summed."""
        rows = self.db.execute(f"SELECT {', '.join(JOB_COUNTS)}, stats FROM run_jobs WHERE run_id = ?", [run_id]).fetchall()
        sums = [sum(row[n] or 0 for row in rows) for n in range(len(JOB_COUNTS))]
        stats = _summed([json.loads(row[-1] or "{}") for row in rows])
        self.db.execute(f"UPDATE crawl_runs SET {', '.join(f'{c} = ?' for c in JOB_COUNTS)}, stats = ? WHERE id = ?",
                        [*sums, json.dumps(stats, default=str), run_id])

    def _save_position(self, entry_id) -> None:
        last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        self.db.execute("INSERT OR REPLACE INTO stream_positions (stream, last_id) VALUES (?, ?)", [self.stream, last])
        self.position = _id_key(last)

    # -- acknowledging, dead letters, copies ----------------------------------------------------

    def _announce(self) -> None:
        """For each run whose end was written: its counts in Redis (``<stream>:written:<run>``,
        kept 7 days), which the dispatcher waits for (a run's end is written last)."""
        ended, self.ended = self.ended, []
        for run in dict.fromkeys(r.decode() if isinstance(r, bytes) else r for r in ended if r):
            row = self.db.execute(f"SELECT {', '.join(_ANNOUNCED)} FROM crawl_runs WHERE run_key = ?", [run]).fetchone()
            if row is not None:
                key = f"{self.stream}:written:{run}"
                self.client.hset(key, mapping={name: value or 0 for name, value in zip(_ANNOUNCED, row)})
                self.client.expire(key, 7 * 24 * 3600)

    def _acknowledge(self, ids: list) -> None:
        if ids:
            pipe = self.client.pipeline()
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            pipe.execute()

    def _bury(self, entry_id, fields: dict | None, error: str, run: str | None) -> None:
        """Move an entry that cannot be written to the dead-letter stream, counted in its run;
        the position moves past it with the count, so it is moved once."""
        if fields is None:
            got = self.client.xrange(self.stream, min=entry_id, max=entry_id)
            fields = got[0][1] if got else {}
        ident = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        self.client.xadd(self.dead_stream, {**fields, "error": error, "entry_id": ident})
        with immediate(self.db):
            if run:
                self._add_stats(self._run_row(run), {"archive/stream/dead_letter": 1})
            if _id_key(ident) > self.position:
                self._save_position(ident)
        self.counts["dead_letter"] += 1
        logger.error("stream entry %(id)s moved to %(dead)s: %(error)s",
                     {"id": ident, "dead": self.dead_stream, "error": error})

    def link_copies(self) -> int:
        """Link the new and changed articles to their near-duplicates (one pass)."""
        self.copies_due = False
        return self.writer.link_pending_copies()
