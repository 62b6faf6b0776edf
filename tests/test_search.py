"""Chinese full-text search: per-query expectations over an archive that mixes simplified,
traditional and annotated text, index upkeep on every insert, update and delete, and the CLI.

The expectation for every query is computed independently of the index: the articles whose
normalized title, body or byline contain the query (:func:`contains`).
"""

import json
import random
import re
import sqlite3
import subprocess
import sys

import pytest

from archive import ArchiveWriter, open_archive
from archive.chinese import HAN_CLASS, to_simplified
from archive.search import SearchResults, search
from archive.searchindex import sync_now
from archive.tokenizer import TOKENIZER_VERSION, normalize
from samplesite import seed, texts_dailyqd, texts_jiaodong, texts_pdnews


def _s2t(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _corpus() -> list[dict]:
    """~50 articles: the sample portals' texts, every third one in traditional script, plus
    the annotated seed article and annotated traditional titles as they were published."""
    texts = [*texts_dailyqd.ARTICLES, *texts_jiaodong.ARTICLES, *texts_pdnews.ARTICLES]
    out = []
    for i, t in enumerate(texts):
        paras = t["paras"] if "paras" in t else [p for page in t["pages"] for p in page]
        title, body = t["title"], "\n\n".join(paras)
        author, source = t.get("author"), t.get("source")
        if i % 3 == 1:
            title, body = _s2t(title), _s2t(body)
        out.append(dict(title=title, body=body, author=author, source=source,
                        site=("news.a" if i % 2 else "news.b"), published_at=f"2021-0{1 + i % 3}-1{i % 10}T08:00:00+08:00"))
    out.append(dict(title=seed.TITLE, body="\n\n".join(seed.PARAGRAPHS), author="王倩", source="青島日報",
                    site="news.a", published_at="2021-01-26T21:05:00+08:00"))
    for j, title in enumerate(seed.RELATED_TITLES):
        out.append(dict(title=title, body=f"（本報訊）{title}。詳見今日報紙第{j + 2}版。", author=None, source=None,
                        site="news.b", published_at=None))
    # Latin and digits beside Chinese, full-width forms, and near misses for whole-word matching
    out.append(dict(title="我市新建5G基站1200个", body="全市累计建成５Ｇ基站一千二百个，CBA联赛场馆实现5G全覆盖。",
                    author="李娜", source="青岛日报", site="news.a", published_at="2021-02-01T09:00:00+08:00"))
    out.append(dict(title="移动网络升级", body="新设备支持15G带宽与NBA赛事直播，基站改造完成。",
                    author=None, source=None, site="news.b", published_at="2021-02-02T09:00:00+08:00"))
    return out


CORPUS = _corpus()


def contains(article: dict, query: str) -> bool:
    """The specification: every word of ``query`` occurs in the article after normalization.

    Han characters must be contiguous; letters and digits are whole words; between a Latin and
    a Han part of one word, spaces and punctuation may stand.
    """
    text = normalize("\n".join(x for x in (article["title"], article["body"], article["author"],
                                           article["source"]) if x))
    for word in query.split():
        runs = re.findall(rf"[{HAN_CLASS}]+|[^\W_{HAN_CLASS}]+", normalize(word))
        parts = []
        for i, run in enumerate(runs):
            if re.match(f"[{HAN_CLASS}]", run):
                han_end = "" if i == len(runs) - 1 else f"(?![{HAN_CLASS}])"
                parts.append(re.escape(run) + han_end)
            else:
                parts.append(rf"(?<![^\W_{HAN_CLASS}]){re.escape(run)}(?![^\W_{HAN_CLASS}])")
        if not parts or not re.search(r"[\W_]*".join(parts), text):
            return False
    return True


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "news.db"
    db = open_archive(path)
    writer = ArchiveWriter(db)
    writer.save_many(
        {**a, "url": f"http://{a['site']}/a/{n}.html", "language": "zh", "related": [], "aliases": []}
        for n, a in enumerate(CORPUS)
    )
    ids = {row[0]: row[1] for row in db.execute("SELECT url, id FROM articles")}
    by_id = {ids[f"http://{a['site']}/a/{n}.html"]: a for n, a in enumerate(CORPUS)}
    return db, by_id, path


def found(db, query: str, **filters) -> set[int]:
    urls = {h["url"] for h in search(db, query, limit=10_000, **filters).hits}
    return {i for (i,) in db.execute("SELECT id FROM articles WHERE url IN (SELECT value FROM json_each(?))",
                                     [json.dumps(sorted(urls))])}


HANDPICKED = [
    # one and two characters, simplified and traditional forms of the same word
    "平", "島", "平度", "青岛", "青島", "团队", "團隊", "书记", "書記", "胶州", "膠州",
    # three and four characters, names
    "王清宪", "王清憲", "代表团", "代表團", "高质量发展", "高質量發展", "乡村振兴", "鄉村振興",
    # mixed Chinese and Latin, digits, full-width
    "CBA联赛", "CBA", "5G基站", "5g", "５Ｇ", "G基站", "15G", "NBA赛事", "2021年",
    # several words (all must occur), quoted phrases (one sequence)
    "平度 莱西", "平度 烟台", '"平度代表团"', '"经济工作"', '"平度 代表团"', '"真抓 实干"', "萊西 攻勢",
    # annotated text never breaks a match; pinyin is not text
    "團隊", "規劃", "tuán", "強調",
]


@pytest.mark.parametrize("query", HANDPICKED)
def test_handpicked_queries_find_exactly_the_articles_containing_them(archive, query):
    db, by_id, _ = archive
    expected = {i for i, a in by_id.items() if contains(a, query)}
    assert found(db, query) == expected


def test_handpicked_expectations_are_not_trivial(archive):
    """The oracle itself: script variants agree, and the corpus really is mixed."""
    db, by_id, _ = archive
    sets = {q: {i for i, a in by_id.items() if contains(a, q)} for q in HANDPICKED}
    assert sets["王清宪"] == sets["王清憲"] and len(sets["王清宪"]) == 1
    assert sets["青岛"] == sets["青島"] and 3 < len(sets["青岛"]) < len(by_id)
    assert sets["平度"] and len(sets["平度 莱西"]) < len(sets["平度"])
    assert sets["5G基站"] and sets["5G基站"] == sets["５Ｇ"] & sets["5G基站"]
    assert not sets["G基站"] and not sets["tuán"]  # not whole words / annotations
    assert sets["15G"] and not sets["15G"] & sets["5g"]
    assert sets['"平度 代表团"'] == sets['"平度代表团"']
    assert sets['"经济工作"'] < {i for i, a in by_id.items() if contains(a, "经济 工作")}
    traditional = [a for a in by_id.values() if to_simplified(a["body"]) != a["body"]]
    annotated = [a for a in by_id.values() if "(tuán)" in a["title"] + a["body"]]
    assert len(traditional) >= 10 and len(annotated) >= 2


def _sampled_queries(by_id: dict, n: int = 120) -> list[str]:
    """Substrings of 1-4 characters of random articles, half of them turned traditional."""
    rng = random.Random(7)
    articles = list(by_id.values())
    queries = []
    while len(queries) < n:
        text = normalize(rng.choice(articles)["body"])
        length = rng.choice((1, 2, 2, 3, 4))
        start = rng.randrange(len(text) - length)
        q = text[start:start + length]
        if re.fullmatch(f"[{HAN_CLASS}]+", q):
            queries.append(_s2t(q) if len(queries) % 2 else q)
    return queries


def test_sampled_queries_find_exactly_the_articles_containing_them(archive):
    db, by_id, _ = archive
    mismatches = []
    for q in _sampled_queries(by_id):
        expected = {i for i, a in by_id.items() if contains(a, q)}
        assert expected, q  # sampled from an article, so at least that one
        got = found(db, q)
        if got != expected:
            mismatches.append((q, sorted(got ^ expected)))
    assert mismatches == []


def test_filters_ranking_and_snippets(archive):
    db, by_id, _ = archive
    everything = found(db, "平度")
    only_a = found(db, "平度", site="news.a")
    assert only_a == {i for i in everything if by_id[i]["site"] == "news.a"} and only_a != everything
    february = found(db, "平度", since="2021-02-01", until="2021-02-28")
    assert february == {i for i in everything if (by_id[i]["published_at"] or "").startswith("2021-02")}
    results = search(db, "王清宪", limit=5)
    assert results.total == 1
    (hit,) = results.hits
    assert hit["title"] == seed.TITLE  # stored as published, annotations and all
    assert "【王清憲】" in hit["snippet"] and hit["published_at"] == "2021-01-26T21:05:00+08:00"
    # title matches outrank body matches
    ranked = search(db, "海带", limit=3).hits
    assert "海带" in normalize(ranked[0]["title"])
    assert [h["score"] for h in ranked] == sorted(h["score"] for h in ranked)


def test_byline_matches_come_after_text_matches_with_the_byline_as_snippet(archive):
    db, by_id, _ = archive
    hits = search(db, "日报", limit=100).hits
    ids = found_ids(db, SearchResults("日报", 0, 0, hits))
    in_text = [contains({**by_id[i], "author": None, "source": None}, "日报") for i in ids]
    # 今日報紙 in ten bodies, 青岛日报 and kin in two dozen bylines: the body matches first
    assert in_text == sorted(in_text, reverse=True) and 5 < in_text.count(True) < in_text.count(False)
    assert sorted(ids) == sorted(found(db, "日报"))
    text_hits, byline_hits = hits[:in_text.count(True)], hits[in_text.count(True):]
    for part in (text_hits, byline_hits):
        assert [h["score"] for h in part] == sorted(h["score"] for h in part)
    assert all("【日報】" in h["snippet"] or "【日报】" in h["snippet"] for h in text_hits)
    for hit in byline_hits:
        assert hit["snippet"].startswith(("作者：", "来源："))
        assert f"来源：{hit['source'][:-2]}【{hit['source'][-2:]}】" in hit["snippet"]
    # the author's field says it matched; a word in the body and one in the byline find it too
    (hit,) = search(db, "王倩").hits
    assert hit["snippet"] == "作者：【王倩】" and hit["title"] == seed.TITLE
    (hit,) = search(db, "王倩 平度代表团").hits  # found through its byline: both parts shown
    assert "【平度代表團】" in hit["snippet"] and hit["snippet"].endswith("作者：【王倩】")


def test_scores_are_bm25_with_significant_digits(archive):
    db, _, _ = archive
    for query in ("日报", "平度", "海带", "王倩", "记者 工作"):
        results = search(db, query, limit=100)
        scores = [h["score"] for h in results.hits]
        assert results.order == "relevance" and all(score < 0 for score in scores), (query, scores)  # never -0.0
        if len(scores) > 1:
            assert len(set(scores)) > 1, (query, scores)
    # a word in most articles scores nearer zero than a rare one, still below it
    assert search(db, "王倩").hits[0]["score"] < search(db, "日报").hits[0]["score"] < 0


def test_the_last_day_there_is_as_until_means_every_dated_article(archive):
    db, _, _ = archive
    dated = {h["url"] for h in search(db, "平度", limit=1000).hits if h["published_at"]}
    assert dated and {h["url"] for h in search(db, "平度", until="9999-12-31", limit=1000).hits} == dated


def test_a_later_page_of_results_is_the_next_slice_of_the_ranking(archive):
    db, _, _ = archive
    for query in ("日报", "平度", "的"):
        everything = search(db, query, limit=1000).hits
        pages = [search(db, query, limit=4, offset=n).hits for n in range(0, len(everything) + 4, 4)]
        assert [h["url"] for page in pages for h in page] == [h["url"] for h in everything], query
        assert everything and pages[-1] == []


def test_a_one_character_word_lists_the_newest_matches_first(archive):
    db, by_id, _ = archive
    for query in ("的", "海", "平度 市"):
        results = search(db, query, limit=1000)
        assert results.order == "newest" and results.total == results.ranked == len(results.hits) > 1, query
        assert all(h["score"] is None for h in results.hits)
        ids = [db.execute("SELECT id FROM articles WHERE url = ?", [h["url"]]).fetchone()[0] for h in results.hits]
        if " " not in query:  # (with two words, one may be found in the byline only: those come last)
            text = [i for i, h in zip(ids, results.hits) if not h["snippet"].startswith(("作者：", "来源："))]
            assert text == sorted(text, reverse=True), query  # the last archived first
        assert found(db, query) == {i for i, a in by_id.items() if all(
            w in to_simplified(a["title"] + a["body"] + (a.get("author") or "") + (a.get("source") or ""))
            for w in query.split())}, query


def test_any_sqlite_client_can_query_the_index(archive):
    _, _, path = archive
    plain = sqlite3.connect(path)  # no project code, no extension
    rows = plain.execute(
        "SELECT a.title FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH '\"王清\" AND \"清宪\"'"
    ).fetchall()
    assert rows == [(seed.TITLE,)]


def test_index_follows_inserts_updates_and_deletes_by_any_program(tmp_path):
    path = tmp_path / "news.db"
    db = open_archive(path)
    writer = ArchiveWriter(db)
    base = {"site": "news.a", "language": "zh", "related": [], "aliases": [], "author": None, "source": None,
            "published_at": None}
    writer.save({**base, "url": "http://news.a/1", "title": "莱西举办马拉松", "body": "莱西马拉松鸣枪开跑。"})
    assert search(db, "马拉松").total == 1  # the writer indexes in its own transaction

    # a correction: the writer keeps a version and the index follows the new text
    writer.save({**base, "url": "http://news.a/1", "title": "莱西举办半程马拉松", "body": "莱西半程马拉松鸣枪开跑。"})
    assert search(db, "半程").total == 1 and search(db, "马拉松").total == 1

    # another program writes with plain SQL: its changes are queued by triggers ...
    other = sqlite3.connect(path)
    with other:
        other.execute(
            "INSERT INTO articles (url, title, body, site, content_hash, first_seen_at, last_seen_at) "
            "VALUES ('http://news.a/2', '胶州湾大桥通车', '胶州湾大桥正式通车。', 'news.a', 'x', 't', 't')")
        other.execute("UPDATE articles SET body = '莱西越野赛鸣枪开跑。', title = '莱西举办越野赛' "
                      "WHERE url = 'http://news.a/1'")
    # ... and applied before the next search
    assert sync_now(db) == 2
    assert search(db, "胶州湾").total == 1
    assert search(db, "马拉松").total == 0 and search(db, "越野").total == 1
    with other:
        other.execute("DELETE FROM article_urls WHERE article_id = (SELECT id FROM articles WHERE url = 'http://news.a/1')")
        other.execute("DELETE FROM related_links")
        other.execute("DELETE FROM article_versions")
        other.execute("DELETE FROM articles WHERE url = 'http://news.a/1'")
    sync_now(db)
    assert search(db, "越野").total == 0 and search(db, "莱西").total == 0
    # no stale tokens left: the index holds exactly the one remaining article's rows
    assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"大桥\"'").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM search_queue").fetchone()[0] == 0


def test_index_is_rebuilt_when_the_tokenizer_changes(tmp_path):
    path = tmp_path / "news.db"
    db = open_archive(path)
    ArchiveWriter(db).save({"url": "http://news.a/1", "title": "平度新闻", "body": "平度。", "site": "news.a",
                            "related": [], "aliases": []})
    with db.conn:
        db.execute("UPDATE search_state SET value = ? WHERE key = 'tokenizer'", [f"{TOKENIZER_VERSION - 1}/opencc 1.0"])
        db.execute("INSERT INTO articles_fts (rowid, title, body, byline) VALUES (1, 'stale', 'stale', '')")
    assert sync_now(db) == 1
    assert search(db, "stale").total == 0 and search(db, "平度").total == 1


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "archive", *args], capture_output=True, text=True, timeout=60)


def test_cli_search_text_json_and_mistakes(archive):
    _, _, path = archive
    out = _cli("search", "王清宪", "--db", str(path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "1 article matches '王清宪':"
    assert seed.TITLE in lines[2] and "2021-01-26T21:05:00+08:00  news.a  http://news.a/a/" in lines[3]
    assert "【王清憲】" in lines[4]

    data = json.loads(_cli("search", "青岛", "--db", str(path), "--json", "--limit", "2", "--site", "news.a").stdout)
    assert data["total"] > 2 and len(data["results"]) == 2
    assert set(data["results"][0]) == {"url", "title", "published_at", "site", "author", "source", "score", "snippet"}
    assert all(r["site"] == "news.a" for r in data["results"])

    for args, message in [
        (['"平度'], "unbalanced quote"),
        (["()*:^"], "nothing to search for"),
        ([""], "nothing to search for"),
        (["平度", "--since", "last week"], "is not a date"),
    ]:
        out = _cli("search", *args, "--db", str(path))
        assert out.returncode != 0 and message in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    # FTS5 operators are plain text, never syntax
    out = _cli("search", "平度 OR NEAR(x)", "--db", str(path))
    assert out.returncode == 0 and out.stdout.startswith("no article matches")


def test_cli_query_may_start_with_a_dash(archive):
    _, _, path = archive
    plain = json.loads(_cli("search", "CBA", "--db", str(path), "--json").stdout)
    assert plain["total"] >= 1
    # wherever the query stands, and with options before and after it (also --opt=value)
    for args in (["-CBA", "--db", str(path), "--json"], ["--db", str(path), "-CBA", "--json"],
                 ["--json", "--db", str(path), "--limit=5", "-CBA"], ["--db", str(path), "--json", "--", "-CBA"]):
        out = _cli("search", *args)
        assert out.returncode == 0, (args, out.stderr)
        data = json.loads(out.stdout)
        assert data["query"] == "-CBA" and data["results"] == plain["results"]
    # an option's value may start with a dash too; a mistyped long option stays an error
    out = _cli("search", "-平度", "--db", "-news.db")
    assert out.returncode == 1 and "no archive at -news.db" in out.stderr
    out = _cli("search", "-平度", "--limt", "2", "--db", str(path))
    assert out.returncode == 2 and "No such option '--limt'" in out.stderr


def test_export_takes_the_search_filters(archive):
    db, by_id, path = archive
    out = _cli("export", "--db", str(path), "--query", "平度", "--site", "news.a", "--since", "2021-01-01")
    assert out.returncode == 0, out.stderr
    titles = sorted(json.loads(line)["title"] for line in out.stdout.splitlines())
    expected = sorted(a["title"] for a in by_id.values()
                      if contains(a, "平度") and a["site"] == "news.a" and (a["published_at"] or "") >= "2021-01-01")
    assert titles == expected and len(titles) >= 3


def test_very_common_words_are_ranked_among_the_newest_matches(archive):
    db, by_id, _ = archive
    everything = found(db, "平度")
    capped = search(db, "平度", limit=10, max_ranked=3)
    assert capped.total == len(everything) > 3 and capped.ranked == 3
    newest = sorted(everything)[-3:]  # ids grow with archiving order
    assert sorted(found_ids(db, capped)) == newest
    assert search(db, "平度", limit=100, max_ranked=None).ranked == len(everything)


def found_ids(db, results) -> list[int]:
    return [db.execute("SELECT id FROM articles WHERE url = ?", [h["url"]]).fetchone()[0] for h in results.hits]


def test_insert_or_replace_by_another_program_leaves_no_stale_words(tmp_path):
    path = tmp_path / "news.db"
    db = open_archive(path)
    ArchiveWriter(db).save({"url": "http://news.a/1", "title": "寒假安全提醒", "body": "寒假将至。", "site": "news.a",
                            "related": [], "aliases": []})
    other = sqlite3.connect(path)  # recursive_triggers off, as in the sqlite3 shell
    with other:
        other.execute(
            "INSERT OR REPLACE INTO articles (id, url, title, body, site, content_hash, first_seen_at, last_seen_at) "
            "VALUES (1, 'http://news.a/1', '春季招生公告', '春季招生开始。', 'news.a', 'y', 't', 't')")
    sync_now(db)
    assert search(db, "寒假").total == 0 and search(db, "招生").total == 1


def test_an_archive_from_before_search_is_indexed_when_opened(tmp_path):
    from archive.migrations import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from sqlite_utils import Database

    old = Database(conn)
    migrations.apply(old, stop_before="m004_search")
    conn.execute("INSERT INTO articles (url, title, body, site, content_hash, first_seen_at, last_seen_at) "
                 "VALUES ('http://news.a/1', '王清憲參加審議', '正文。', 'news.a', 'x', 't', 't')")
    conn.commit()
    conn.close()
    open_archive(path, create=False).close()  # what any archive command does first
    plain = sqlite3.connect(path)  # e.g. Datasette, which never writes
    assert plain.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"王清\" AND \"清宪\"'").fetchall() == [(1,)]
    assert plain.execute("SELECT count(*) FROM search_queue").fetchone()[0] == 0


@pytest.mark.parametrize("text, query, marked", [
    ("團(tuán)隊在青岛……℃℃", "青岛", "團(tuán)隊在【青岛】……℃℃"),  # annotation removed, ellipses expanded
    ("新设备支持15G带宽，5G基站改造完成。", "5G", "新设备支持15G带宽，【5G】基站改造完成。"),
    ("ＣＢＡ联赛开幕", "cba联赛", "【ＣＢＡ联赛】开幕"),
])
def test_snippets_mark_what_the_search_matched(text, query, marked):
    from archive.search import parse_query, snippet

    assert snippet(text, parse_query(query).terms, width=100) == marked
