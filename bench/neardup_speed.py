"""Near-duplicate check cost as the archive grows.

Builds one archive of synthetic articles (written from one pool of stock sentences: the
hardest case for candidate search) and, at 1,000, 10,000 and 100,000 archived articles, times
the check of 200 new articles (half of them syndicated copies of archived ones, half new
stories). Prints milliseconds per checked article and the copies found.

    python bench/neardup_speed.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from archive import open_archive
from archive.neardup import NearDuplicates
from samplesite.synthetic import _make_articles


def grow(db, nd: NearDuplicates, articles: list[dict], start: int) -> None:
    """Archive and index ``articles`` (ids from ``start``) in transactions of 1,000."""
    for k in range(0, len(articles), 1000):
        chunk = articles[k:k + 1000]
        with db.atomic():
            db.conn.executemany(
                "INSERT INTO articles (id, url, title, body, site, content_hash, first_seen_at, last_seen_at, "
                "versions, published_at) VALUES (?, ?, ?, ?, 'bench', ?, '2026-01-01', '2026-01-01', 1, ?)",
                [(start + k + i, f"http://bench/{start + k + i}", a["title"], "\n\n".join(a["paras"]),
                  str(start + k + i), a["iso"]) for i, a in enumerate(chunk)],
            )
            for i, a in enumerate(chunk):
                nd.add(start + k + i, "\n\n".join(a["paras"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rnd = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(Path(tmp) / "bench.db")
        nd = NearDuplicates(db)
        have = 0
        print(f"{'archived':>9}  {'ms/article':>10}  linked")
        for size in sizes:
            t = time.monotonic()
            grow(db, nd, _make_articles(size - have, random.Random(size)), have + 1)
            build = time.monotonic() - t
            have = size
            fresh = _make_articles(100, random.Random(size + 1))
            sources = rnd.sample(range(1, have + 1), 100)
            probes = [("\n\n".join(a["paras"]), False) for a in fresh]
            for src in sources:
                body = db.execute("SELECT body FROM articles WHERE id = ?", [src]).fetchone()[0]
                paras = body.split("\n\n")
                probes.append(("\n\n".join(["本文转自：青岛日报", *paras[:-1]]), True))  # trimmed reprint
            found = found_fresh = 0
            base = 10_000_000 + size
            with db.atomic():
                db.conn.executemany(
                    "INSERT INTO articles (id, url, title, body, site, content_hash, first_seen_at, last_seen_at, "
                    "versions) VALUES (?, ?, 'probe', ?, 'bench', ?, '2026-01-01', '2026-01-01', 1)",
                    [(base + i, f"http://probe/{base + i}", body, f"p{base + i}") for i, (body, _) in enumerate(probes)],
                )
            t = time.monotonic()
            with db.atomic():
                for i, (body, is_copy) in enumerate(probes):
                    hit = bool(nd.add(base + i, body))
                    found += hit and is_copy
                    found_fresh += hit and not is_copy
            ms = (time.monotonic() - t) / len(probes) * 1000
            with db.atomic():
                for table in ("neardup_bands", "neardup_signatures"):
                    db.execute(f"DELETE FROM {table} WHERE article_id >= 10000000")
                db.execute("DELETE FROM articles WHERE id >= 10000000")
            print(f"{size:>9}  {ms:>10.2f}  {found} of 100 copies, {found_fresh} of 100 new stories"
                  f"   (building the archive took {build:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
