"""Search latency on a large archive, and what the index costs in file size.

Builds an archive of realistic Chinese news articles (default 100,000; see
:func:`article_maker`), indexes it the way a crawl does (triggers queue each article,
:func:`archive.searchindex.sync_index` indexes the queue), then times ``archive.search.search``
(ranked top 20, the total count and the snippets: what ``python -m archive search`` does)
for 200 queries of each length 1-4 characters. Two query sets per length:

* words: a length-n slice of a random name, place, organisation or topic word of the corpus,
  the kind of query an archivist types;
* substrings: a length-n slice at a random position of a random article (it often spans
  two words, like 的发, and so hits the most frequent character pairs: a worst case).

Prints latency median and p95 in ms, median matches, and the index's share of the file;
for two characters also the substring queries limited to one site (``--site``).
Then exports all articles and 1 % of them as JSONL and prints each export's peak memory and
their ratio (streaming: the ratio should stay near 1).

    python bench/search_speed.py [--articles 100000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from archive import open_archive
from archive.chinese import HAN_CLASS
from archive.search import search
from archive.searchindex import sync_index
from samplesite import seed, synthetic, texts_dailyqd, texts_jiaodong, texts_pdnews

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
PLACE_SUFFIXES = ["镇", "村", "街道", "社区", "区", "县", "乡", "湾", "港", "路"]
ORG_SUFFIXES = ["公司", "集团", "合作社", "研究院", "中学", "医院", "大学", "协会", "银行", "产业园"]
ANNOTATIONS = {"團": "tuán", "書": "shū", "記": "jì", "會": "huì", "議": "yì", "報": "bào", "發": "fā",
               "區": "qū", "鎮": "zhèn", "產": "chǎn", "業": "yè", "們": "men", "強": "qiáng", "調": "diào"}


def _texts() -> list[str]:
    out = []
    for module in (texts_dailyqd, texts_jiaodong, texts_pdnews):
        for a in module.ARTICLES:
            paras = a["paras"] if "paras" in a else [p for page in a["pages"] for p in page]
            out += [a["title"], *paras]
    out += synthetic.SENTENCES + synthetic.SUBJECTS
    from archive.chinese import strip_annotations, to_simplified
    out += [to_simplified(strip_annotations(p)) for p in seed.PARAGRAPHS]
    return out


def article_maker(rng: random.Random):
    """A function returning (title, body, author, source) of a new article each call.

    Bodies are 400-1,600 characters of real clauses from the sample portals' articles,
    reshuffled, with generated people (surname + 1-2 characters), places and organisations
    (random character pairs + a suffix) and numbers, so that the corpus has a long tail of
    rare words like a real one. A fifth of the articles are in traditional script and one in
    thirty carries converter annotations (團(tuán)).
    """
    import opencc

    s2t = opencc.OpenCC("s2t")
    texts = _texts()
    clauses = [c for t in texts for c in re.split(r"[，。；！？：、“”]", re.sub(r"\{\w\}", "", t)) if len(c) >= 4]
    chars = sorted({ch for t in texts for ch in t if re.match(f"[{HAN_CLASS}]", ch)})
    people = ["".join([rng.choice(SURNAMES), *rng.sample(chars, rng.choice((1, 2)))]) for _ in range(20_000)]
    places = [rng.choice(chars) + rng.choice(chars) + rng.choice(PLACE_SUFFIXES) for _ in range(5_000)]
    places += synthetic.PLACES
    orgs = [rng.choice(places)[:2] + rng.choice(chars) + rng.choice(chars) + rng.choice(ORG_SUFFIXES)
            for _ in range(5_000)]
    topics = synthetic.SUBJECTS
    words = people + places + orgs + topics

    def entity() -> str:
        kind = rng.random()
        if kind < 0.35:
            return rng.choice(people) + rng.choice(("说", "介绍", "表示", "告诉记者"))
        if kind < 0.7:
            return "在" + rng.choice(places)
        if kind < 0.9:
            return rng.choice(orgs) + rng.choice(("负责人", "有关部门", "职工", "相关项目"))
        return f"共{rng.randint(2, 9999)}{rng.choice(('万元', '人', '亩', '吨', '个'))}"

    def paragraph() -> str:
        parts = []
        for _ in range(rng.randint(3, 7)):
            parts.append(rng.choice(clauses) if rng.random() < 0.75 else entity())
        return "，".join(parts) + "。"

    def make() -> tuple[str, str, str, str]:
        title = rng.choice(places)[:-1] + rng.choice(clauses)[:14]
        paras, size = [], rng.randint(400, 1600)
        while sum(map(len, paras)) < size:
            paras.append(paragraph())
        body = "\n\n".join(paras)
        author = rng.choice(people)
        source = rng.choice(orgs[:50]) if rng.random() < 0.3 else "青岛日报"
        roll = rng.random()
        if roll < 0.2:
            title, body, author, source = (s2t.convert(x) for x in (title, body, author, source))
            if roll < 1 / 30:
                body = "".join(ch + f"({ANNOTATIONS[ch]})" if ch in ANNOTATIONS and rng.random() < 0.5 else ch
                               for ch in body)
        return title, body, author, source

    make.words = words  # type: ignore[attr-defined]
    return make


def build(db, n: int, make) -> list[str]:
    """Archive ``n`` articles in transactions of 2,000, indexing each batch; returns 500
    article bodies to draw substring queries from."""
    sample = []
    for start in range(0, n, 2000):
        rows = []
        for i in range(start, min(n, start + 2000)):
            title, body, author, source = make()
            day = f"20{10 + i * 15 // n:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            rows.append((i + 1, f"http://bench{i % 7}.test/{i}.html", title, body, author, source,
                         f"bench{i % 7}.test", str(i), f"{day}T08:00:00+08:00"))
            if len(sample) < 500 and i % 97 == 0:
                sample.append(body)
        with db.atomic():
            db.conn.executemany(
                "INSERT INTO articles (id, url, title, body, author, source, site, content_hash, published_at, "
                "first_seen_at, last_seen_at, versions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 't', 't', 1)", rows)
            sync_index(db)
        print(f"\r  archived {min(n, start + 2000):,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return sample


def queries(rng: random.Random, words: list[str], bodies: list[str], length: int) -> dict[str, list[str]]:
    from archive.tokenizer import normalize

    han = re.compile(f"[{HAN_CLASS}]{{{length}}}")
    sets: dict[str, list[str]] = {"words": [], "substrings": []}
    while len(sets["words"]) < 200:
        w = rng.choice(words)
        if len(w) >= length:
            start = rng.randrange(len(w) - length + 1)
            sets["words"].append(w[start:start + length])
    while len(sets["substrings"]) < 200:
        text = normalize(rng.choice(bodies))
        start = rng.randrange(len(text) - length)
        if han.fullmatch(text[start:start + length]):
            sets["substrings"].append(text[start:start + length])
    return sets


def index_share(db) -> tuple[int, int]:
    total = db.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0]
    index = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'").fetchone()[0]
    return index, total


def bench_archive(path: Path, articles: int, make) -> tuple:
    """The benchmark archive at ``path``: reused when it holds articles, else built with
    ``articles`` articles of ``make`` (:func:`build`) and its index optimized. Returns the
    archive and 500 article bodies to draw substring queries from."""
    reuse = path.exists()
    db = open_archive(path)
    if reuse and db["articles"].count:
        print(f"reusing {path} ({db['articles'].count:,} articles)")
        return db, [r[0] for r in db.execute("SELECT body FROM articles WHERE id % 97 = 0 LIMIT 500")]
    t0 = time.perf_counter()
    bodies = build(db, articles, make)
    took = time.perf_counter() - t0
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    print(f"archived and indexed {articles:,} articles in {took:.0f} s "
          f"({articles / took:,.0f} articles/s, generation included)")
    return db, bodies


def archive_arguments(description: str) -> argparse.ArgumentParser:
    """The options of a benchmark on this archive: ``--articles`` and ``--keep PATH``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", metavar="PATH", help="build (or reuse) the archive at PATH instead of a temp file")
    return parser


def main() -> int:
    args = archive_arguments(__doc__.splitlines()[0]).parse_args()
    rng = random.Random(11)
    make = article_maker(rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or Path(tmp) / "bench.db")
        db, bodies = bench_archive(path, args.articles, make)
        index, total = index_share(db)
        print(f"file {total / 2**20:,.0f} MiB, of which the search index {index / 2**20:,.0f} MiB "
              f"({100 * index / total:.0f} %)")
        print(f"{'query':>10} {'chars':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'median matches':>15}")
        for length in (1, 2, 3, 4):
            sets = queries(rng, make.words, bodies, length)
            if length == 2:  # the same queries limited to one site of seven: filters cost more
                sets["subs+site"] = sets["substrings"]
            for name, qs in sets.items():
                lat, hits = [], []
                site = "bench3.test" if name == "subs+site" else None
                for q in qs:
                    t = time.perf_counter()
                    result = search(db, q, limit=20, site=site)
                    lat.append((time.perf_counter() - t) * 1000)
                    hits.append(result.total)
                lat.sort()
                print(f"{name:>10} {length:>5} {statistics.median(lat):>10.1f} {lat[int(0.95 * len(lat)) - 1]:>8.1f} "
                      f"{lat[-1]:>8.1f} {statistics.median(hits):>15,.0f}")
        db.close()
        export_memory(path)
    return 0


def export_memory(path: Path) -> None:
    """Peak RSS of ``python -m archive export`` over the whole archive and over one site's
    first year (about 1 %), output discarded."""
    import os
    import subprocess

    peaks = []
    for filters in ([], ["--site", "bench3.test", "--until", "2010-12-31"]):
        proc = subprocess.Popen([sys.executable, "-m", "archive", "export", "--db", str(path), *filters],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        peaks.append(usage.ru_maxrss / 1024)
    print(f"export jsonl peak memory: all articles {peaks[0]:.0f} MiB, 1 % of them {peaks[1]:.0f} MiB "
          f"(ratio {peaks[0] / peaks[1]:.2f})")


if __name__ == "__main__":
    sys.exit(main())
