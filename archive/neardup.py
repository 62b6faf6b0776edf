"""Near-duplicate detection: syndicated copies of one story, linked to its original.

Signature: the body is reduced to its Han characters, letters and digits, converted to
simplified script (so a traditional-script copy reads the same), and cut into overlapping
character 5-grams ("shingles": word tokens do not exist in Chinese text). A MinHash of 128
values estimates how many shingles two bodies share.

Index: the 128 values form 32 bands of 4; each band's hash is a row of ``neardup_bands``,
indexed, so finding the candidates for a new article is 32 index lookups whatever the
archive's size (locality-sensitive hashing; no scan, no in-memory index to rebuild). Two
bodies sharing 62% of their shingles meet in at least one band with probability 0.99.

Decision (see README, "Near-duplicates"): a candidate is a copy when, estimated from the two
signatures, the two bodies share at least ``MIN_JACCARD`` of all their shingles and the
shorter body is at least ``MIN_CONTAINMENT`` contained in the longer one. A copy differs by a
line or a paragraph; different articles that reuse formulaic sentences share some sentences
but not most of their text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np
from sqlite_utils import Database

SHINGLE = 5
PERMUTATIONS = 128
BANDS, ROWS = 32, 4
# Calibrated on the sample portals: copies with an extra source line score Jaccard >= 0.93,
# with a trimmed last paragraph 0.67-0.80 (3-5 paragraph articles), in the other script 1.0;
# the 465 pairs of different portal articles stay below 0.05, and 44,850 pairs of synthetic
# articles built from one pool of 24 formulaic sentences reach at most 0.61.
MIN_CONTAINMENT = 0.8
MIN_JACCARD = 0.62
MIN_SHINGLES = 20  # bodies shorter than this (in shingles) are never linked: too little evidence
_MERSENNE = np.uint64((1 << 61) - 1)
_KEEP = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]+")
# Annotations a converter leaves, e.g. 團(tuán): dropped before comparing.
_ANNOTATION = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20211125)  # fixed: signatures must stay comparable forever
    a = rng.integers(1, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
    return a, b


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(body: str) -> str:
    """Simplified-script Han characters, letters and digits of ``body``, nothing else."""
    text = unicodedata.normalize("NFKC", _ANNOTATION.sub("", body))
    return _KEEP.sub("", _t2s().convert(text)).lower()


def signature(body: str) -> tuple[np.ndarray, int]:
    """``(minhash, shingle count)``: 64 uint64 values and the number of distinct shingles."""
    text = normalize(body)
    shingles = {text[i:i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") >> 3 for s in shingles),
        dtype=np.uint64, count=len(shingles),
    )
    a, b = _permutations()
    # (a*x + b) mod p for every permutation and shingle; uint64 wraps, which keeps the values
    # spread uniformly enough for MinHash (the same trick as 32-bit universal hashing)
    values = (np.outer(a, hashes) + b[:, None]) % _MERSENNE
    return values.min(axis=1), len(shingles)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 63-bit key per band of ``ROWS`` signature values."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].tobytes()
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
        first. Re-adding an article (its body changed) replaces its signature."""
        sig, n = signature(body)
        keys = band_keys(sig)
        conn = self.db.conn
        conn.execute("DELETE FROM neardup_bands WHERE article_id = ?", [article_id])
        conn.execute(
            "INSERT OR REPLACE INTO neardup_signatures (article_id, minhash, shingles) VALUES (?, ?, ?)",
            [article_id, sig.tobytes(), n],
        )
        copies = []
        if n >= MIN_SHINGLES:
            candidates = conn.execute(
                "SELECT DISTINCT b.article_id, s.minhash, s.shingles FROM neardup_bands b "
                "JOIN neardup_signatures s ON s.article_id = b.article_id "
                "WHERE b.article_id != ? AND (" + " OR ".join(["(b.band = ? AND b.key = ?)"] * BANDS) + ")",
                [article_id, *[v for band, key in enumerate(keys) for v in (band, key)]],
            ).fetchall()
            scored = []
            for other_id, blob, other_n in candidates:
                jaccard, contained = similarity(sig, n, np.frombuffer(blob, dtype=np.uint64), other_n)
                if other_n >= MIN_SHINGLES and is_copy(jaccard, contained):
                    scored.append((jaccard, other_id))
            copies = [other_id for score, other_id in sorted(scored, reverse=True)]
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
            "ORDER BY published_at IS NULL, published_at, id LIMIT 1",
            list(members),
        ).fetchone()
        self.db.execute(f"UPDATE articles SET near_duplicate_of = ? WHERE id IN ({placeholders}) AND id != ?",
                        [original_url, *members, original_id])
        self.db.execute("UPDATE articles SET near_duplicate_of = NULL WHERE id = ?", [original_id])

    def backfill(self, batch: int = 500) -> int:
        """Index every article that has no signature yet (articles archived before this
        feature existed) and link the copies found; returns how many were indexed."""
        done = 0
        while True:
            rows = self.db.execute(
                "SELECT a.id, a.body FROM articles a LEFT JOIN neardup_signatures s ON s.article_id = a.id "
                "WHERE s.article_id IS NULL ORDER BY a.id LIMIT ?", [batch]
            ).fetchall()
            if not rows:
                return done
            with self.db.atomic():
                for article_id, body in rows:
                    self.link(article_id, self.add(article_id, body or ""))
            done += len(rows)
