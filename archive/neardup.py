"""Near-duplicate detection: syndicated copies of one story, linked to its original.

Signature: the body is folded as search folds it (:func:`archive.chinese.fold`: annotations
removed, NFKC, simplified script so that a traditional-script copy reads the same, lower
case), reduced to its Han characters, letters and digits, and cut into overlapping character
5-grams ("shingles": word tokens do not exist in Chinese text). A MinHash of 128 values
estimates how many shingles two bodies share. Signatures stored before the folding was
search's are made again (migration ``m007_neardup_folding``).

Index: the 128 values form 32 bands of 4; each band's hash is a row of ``neardup_bands``,
indexed, so finding the candidates for a new article is 32 index lookups whatever the
archive's size (locality-sensitive hashing; no scan, no in-memory index to rebuild). The
signatures of the candidates then estimate their similarity, and the few that may be copies
are compared exactly.

Decision (see README, "Near-duplicates"): two bodies are copies when the shorter one's
shingles are at least ``MIN_CONTAINMENT`` (0.9) contained in the longer one's and the two
share at least ``MIN_JACCARD`` (0.5) of all their shingles. A copy differs by a
line or a paragraph; different articles that reuse formulaic sentences share some sentences
but not most of their text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import lru_cache

import numpy as np
from sqlite_utils import Database

from archive.chinese import HAN_CLASS, fold

SHINGLE = 5
PERMUTATIONS = 128
BANDS, ROWS = 32, 4
# Calibrated on exact shingle sets. Copies of the portal articles with an extra source line
# or a trimmed last paragraph: containment >= 0.95, Jaccard >= 0.60; in the other script
# (OpenCC s2t): containment >= 0.93, Jaccard >= 0.87 (folding is character by character, so
# 瞭解 and 答覆 stay apart from 了解 and 答复).
# The 465 pairs of different portal articles: Jaccard <= 0.02. The 44,850 pairs of synthetic
# articles written from one pool of 24 stock sentences (the hardest case of "formulaic"
# news): Jaccard <= 0.59, and where Jaccard >= 0.45 containment <= 0.81.
MIN_CONTAINMENT = 0.9
MIN_JACCARD = 0.5
MIN_SHINGLES = 20  # bodies shorter than this (in shingles) are never linked: too little evidence
# Sharing one of the 32 bands makes a candidate: that catches a pair at Jaccard 0.6 with
# probability 0.99 (0.87 at 0.5). Per band key only the newest MAX_PER_KEY articles are
# candidates, which bounds the work per article however large the archive grows.
MAX_PER_KEY = 5
# Of those, the articles sharing the most bands are compared: at most this many.
MAX_CANDIDATES = 64
# Earliest publication first, compared as instants (julianday() reads the UTC offset; a
# date-only value counts as midnight UTC of that day), undated last, ties by archive order.
PUBLISHED_ORDER = "published_at IS NULL, julianday(published_at), id"
# One statement, one index range per band key, newest first.
_CANDIDATES_SQL = " UNION ALL ".join(
    ["SELECT * FROM (SELECT article_id FROM neardup_bands WHERE key = ? ORDER BY rowid DESC LIMIT ?)"] * BANDS
)
# The estimates from 128 values have a standard error of ~0.04; candidates within three of
# them below the thresholds are checked exactly.
ESTIMATE_MARGIN = 0.12
_MERSENNE = np.uint64((1 << 61) - 1)
_BASE = np.uint64(1_000_003)
# What a folded body loses before shingling: everything but Han characters, letters and digits.
_DROP = re.compile(f"[^{HAN_CLASS}a-z0-9]+")


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20211125)  # fixed: signatures must stay comparable forever
    a = rng.integers(1, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
    return a, b


def normalize(body: str) -> str:
    """The Han characters, letters and digits of ``body`` folded (:func:`archive.chinese.fold`),
    nothing else: ``團(tuán)隊 Ａ-1`` -> ``团队a1``."""
    return _DROP.sub("", fold(body))


def shingles(body: str) -> np.ndarray:
    """The body's distinct shingles as sorted 64-bit polynomial hashes of their characters
    (computed for all positions at once; collisions are negligible at 2^-64)."""
    text = normalize(body)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < SHINGLE:
        codes = np.concatenate([codes, np.zeros(SHINGLE - len(codes), dtype=np.uint64)])
    width = len(codes) - SHINGLE + 1
    hashes = np.zeros(width, dtype=np.uint64)
    for k in range(SHINGLE):
        hashes = hashes * _BASE + codes[k:k + width]
    return np.unique(hashes)


def exact_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """``(jaccard, containment)`` of two shingle sets (see :func:`shingles`), exactly."""
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / max(1, len(a) + len(b) - shared), shared / max(1, min(len(a), len(b)))


def signature(body: str) -> tuple[np.ndarray, int]:
    """``(minhash, shingle count)``: 128 uint64 values and the number of distinct shingles."""
    shingles_ = shingles(body)
    return _minhash(shingles_), len(shingles_)


def _minhash(hashes: np.ndarray) -> np.ndarray:
    a, b = _permutations()
    # (a*x + b) mod p for every permutation and shingle; uint64 wraps, which keeps the values
    # spread uniformly enough for MinHash (the same trick as 32-bit universal hashing)
    values = (np.outer(a, hashes) + b[:, None]) % _MERSENNE
    return values.min(axis=1)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 63-bit key per band of ``ROWS`` signature values; the band number is hashed in,
    so one indexed ``key IN (...)`` lookup finds every band's matches."""
    keys = []
    for band in range(BANDS):
        chunk = band.to_bytes(1, "little") + sig[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1)
    return keys


def similarity(sig_a: np.ndarray, n_a: int, sig_b: np.ndarray, n_b: int) -> tuple[float, float]:
    """``(jaccard, containment)`` estimated from two signatures: the share of all shingles
    the two bodies have in common, and the share of the smaller body found in the larger."""
    jaccard = float(np.mean(sig_a == sig_b))
    shared = jaccard * (n_a + n_b) / (1 + jaccard)
    return jaccard, min(1.0, shared / max(1, min(n_a, n_b)))


def is_copy(jaccard: float, containment: float) -> bool:
    return jaccard >= MIN_JACCARD and containment >= MIN_CONTAINMENT


class NearDuplicates:
    """The signature index of an archive (tables ``neardup_signatures``, ``neardup_bands``)."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, article_id: int, body: str) -> list[int]:
        """Index an article's body and return the ids of archived copies of it, most similar
        first. Re-adding an article (its body changed) replaces its signature.

        The signatures pick candidates (estimates, with a margin for their error); the
        decision is then made on the exact shingle sets of those few candidates."""
        own = shingles(body)
        sig, n = _minhash(own), len(own)
        keys = band_keys(sig)
        conn = self.db.conn
        conn.execute("DELETE FROM neardup_bands WHERE article_id = ?", [article_id])
        conn.execute(
            "INSERT OR REPLACE INTO neardup_signatures (article_id, minhash, shingles) VALUES (?, ?, ?)",
            [article_id, sig.tobytes(), n],
        )
        copies = []
        if n >= MIN_SHINGLES:
            # at most MAX_PER_KEY of the newest articles per band key: a story needs only one
            # of its copies found, and a key shared by crowds is stock text, not a story
            shared = Counter(i for (i,) in conn.execute(_CANDIDATES_SQL, [v for key in keys for v in (key, MAX_PER_KEY)]))
            shared.pop(article_id, None)
            # a copy shares several bands (32 x Jaccard^4: 4 at 0.6), stock text one or two
            ids = [i for i, _ in shared.most_common(MAX_CANDIDATES)]
            candidates = conn.execute(
                f"SELECT article_id, minhash, shingles FROM neardup_signatures WHERE article_id IN ({','.join('?' * len(ids))})",
                list(ids),
            ).fetchall() if ids else []
            if candidates:
                ids = np.array([c[0] for c in candidates])
                sigs = np.frombuffer(b"".join(c[1] for c in candidates), dtype=np.uint64).reshape(len(candidates), -1)
                sizes = np.array([c[2] for c in candidates], dtype=float)
                jaccard = (sigs == sig).mean(axis=1)
                contained = np.minimum(1.0, jaccard * (n + sizes) / (1 + jaccard) / np.maximum(1, np.minimum(n, sizes)))
                likely = (jaccard >= MIN_JACCARD - ESTIMATE_MARGIN) & (contained >= MIN_CONTAINMENT - ESTIMATE_MARGIN)
                likely &= sizes >= MIN_SHINGLES
                scored = []
                for other_id, other_body in conn.execute(
                    f"SELECT id, body FROM articles WHERE id IN ({','.join('?' * int(likely.sum()))})",
                    [int(i) for i in ids[likely]],
                ):
                    exact = exact_similarity(own, shingles(other_body or ""))
                    if is_copy(*exact):
                        scored.append((exact[0], other_id))
                copies = [other_id for _, other_id in sorted(scored, reverse=True)]
        conn.executemany(
            "INSERT INTO neardup_bands (band, key, article_id) VALUES (?, ?, ?)",
            [(band, key, article_id) for band, key in enumerate(keys)],
        )
        return copies

    def link(self, article_id: int, copies: list[int]) -> None:
        """Make ``article_id`` and its copies (and their stories) one story whose original is
        the earliest published member (ties: the first archived); set near_duplicate_of."""
        if not copies:
            return
        members = {article_id}
        for other in copies:
            members.add(other)
            original = self.db.execute("SELECT near_duplicate_of FROM articles WHERE id = ?", [other]).fetchone()[0]
            if original:
                row = self.db.execute("SELECT id FROM articles WHERE url = ?", [original]).fetchone()
                if row:
                    members.add(row[0])
        urls = [r[0] for r in self.db.execute(
            f"SELECT url FROM articles WHERE id IN ({','.join('?' * len(members))})", list(members))]
        for url in urls:  # everything already linked to any member joins the story too
            members.update(r[0] for r in self.db.execute("SELECT id FROM articles WHERE near_duplicate_of = ?", [url]))
        placeholders = ",".join("?" * len(members))
        original_id, original_url = self.db.execute(
            f"SELECT id, url FROM articles WHERE id IN ({placeholders}) "
            f"ORDER BY {PUBLISHED_ORDER} LIMIT 1",
            list(members),
        ).fetchone()
        self.db.execute(f"UPDATE articles SET near_duplicate_of = ? WHERE id IN ({placeholders}) AND id != ?",
                        [original_url, *members, original_id])
        self.db.execute("UPDATE articles SET near_duplicate_of = NULL WHERE id = ?", [original_id])

    def check(self, article_id: int, body: str) -> None:
        """Index one article and link it with the copies found. An article checked again
        (its body changed) first leaves the story it was in."""
        self.unlink(article_id)
        self.link(article_id, self.add(article_id, body))

    def unlink(self, article_id: int) -> None:
        """Take an article out of its story. If it was the story's original, the earliest of
        its copies becomes the original of the others."""
        url = self.db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        self.db.execute("UPDATE articles SET near_duplicate_of = NULL WHERE id = ?", [article_id])
        copies = [r[0] for r in self.db.execute(
            f"SELECT id FROM articles WHERE near_duplicate_of = ? ORDER BY {PUBLISHED_ORDER}", [url])]
        if copies:
            head = self.db.execute("SELECT url FROM articles WHERE id = ?", [copies[0]]).fetchone()[0]
            self.db.execute("UPDATE articles SET near_duplicate_of = NULL WHERE id = ?", [copies[0]])
            if copies[1:]:
                self.db.execute(f"UPDATE articles SET near_duplicate_of = ? WHERE id IN ({','.join('?' * len(copies[1:]))})",
                                [head, *copies[1:]])

    def url_changed(self, old: str, new: str) -> None:
        """An article's URL changed: its copies now point at the new one."""
        self.db.execute("UPDATE articles SET near_duplicate_of = ? WHERE near_duplicate_of = ?", [new, old])

    def defer(self, article_id: int) -> None:
        """Queue an article for :meth:`process_pending` (a crawl links in one pass at its end)."""
        self.db.conn.execute("INSERT OR IGNORE INTO neardup_pending (article_id) VALUES (?)", [article_id])

    def process_pending(self, batch: int = 200) -> int:
        """Check every queued article, oldest first, in transactions of ``batch``; returns
        how many were checked."""
        done = 0
        while True:
            rows = self.db.execute(
                "SELECT a.id, a.body FROM neardup_pending p JOIN articles a ON a.id = p.article_id "
                "ORDER BY p.article_id LIMIT ?", [batch]
            ).fetchall()
            if not rows:
                self.db.execute("DELETE FROM neardup_pending")  # rows of deleted articles, if any
                return done
            with self.db.atomic():
                for article_id, body in rows:
                    self.check(article_id, body or "")
                self.db.conn.executemany("DELETE FROM neardup_pending WHERE article_id = ?", [(r[0],) for r in rows])
            done += len(rows)

    def backfill(self) -> int:
        """Queue and check every article without a signature (archived before this feature
        existed); returns how many were checked. A one-off: it reads the whole archive."""
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO neardup_pending (article_id) SELECT a.id FROM articles a "
                "LEFT JOIN neardup_signatures s ON s.article_id = a.id WHERE s.article_id IS NULL"
            )
        return self.process_pending()
