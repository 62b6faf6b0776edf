"""Near-duplicates: syndicated copies linked to the earliest-published original, different
articles that look alike never linked."""

from __future__ import annotations

import itertools
import random

import opencc
import pytest
from click.testing import CliRunner

from archive import ArchiveWriter, open_archive
from archive.cli import cli
from archive.neardup import NearDuplicates, exact_similarity, is_copy, normalize, shingles
from archive.query import export_records, show
from samplesite import texts_dailyqd, texts_jiaodong, texts_pdnews
from samplesite.synthetic import _make_articles

PORTAL = [a for m in (texts_dailyqd, texts_pdnews, texts_jiaodong) for a in m.ARTICLES if a.get("paras")]
ORIGINAL = next(a for a in texts_dailyqd.ARTICLES if a["key"] == "d2")  # 平度 GDP, 4 paragraphs


def record(url, title, paras, published_at, site):
    return {"url": url, "aliases": [], "title": title, "body": "\n\n".join(paras), "published_at": published_at,
            "site": site, "related": [], "fetched_at": "2026-11-29T01:00:00+00:00"}


def copies_of(original: dict) -> dict[str, dict]:
    """The ways portals republish a story, on another site, hours later."""
    paras, title = original["paras"], original["title"]
    s2t = opencc.OpenCC("s2t").convert
    return {
        "prefixed": record("http://copy.test/a/1.html", "【转载】" + title,
                           ["本文转自：青岛日报", *paras, "（责任编辑：李明）"], "2021-01-25T21:00:00+08:00", "copy.test"),
        "trimmed": record("http://copy.test/a/2.html", title, [*paras[:-1], "来源：大众网"],
                          "2021-01-25T22:10:00+08:00", "copy.test"),
        "traditional": record("http://tw.test/n/3.html", s2t(title), [s2t(p) for p in paras],
                              "2021-01-26T08:00:00+08:00", "tw.test"),
    }


@pytest.fixture
def writer():
    return ArchiveWriter(open_archive(":memory:"))


def near_dup_of(db) -> dict[str, str | None]:
    return {r["url"]: r["near_duplicate_of"] for r in export_records(db)}


def test_copies_link_to_the_earliest_published_original(writer):
    original_url = "http://dailyqd.test" + ORIGINAL["path"]
    copies = copies_of(ORIGINAL)
    # the copies are archived first: the original, published earlier, still becomes the story's head
    for copy in copies.values():
        writer.save(copy)
    writer.save(record(original_url, ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "dailyqd.test"))
    links = near_dup_of(writer.db)
    assert links[original_url] is None
    assert {url: links[url] for url in (c["url"] for c in copies.values())} == dict.fromkeys(
        (c["url"] for c in copies.values()), original_url)


def test_different_articles_are_never_linked(writer):
    for i, a in enumerate(PORTAL):
        writer.save(record(f"http://site.test/{i}.html", a["title"], a["paras"], None, "site.test"))
    assert all(v is None for v in near_dup_of(writer.db).values())


def test_false_link_rate_on_formulaic_articles(writer):
    """Synthetic articles written from one pool of 24 stock sentences (the same reporter's
    template, the same government phrases), archived through the real write path: none is
    linked to another."""
    for i, a in enumerate(_make_articles(300, random.Random(1))):
        writer.save(record(f"http://gov.test/{i}.html", a["title"], a["paras"], a["iso"], "gov.test"))
    assert [u for u, v in near_dup_of(writer.db).items() if v] == []


def test_exact_rule_on_all_formulaic_pairs():
    arts = _make_articles(200, random.Random(1))
    sets = [shingles("\n\n".join(a["paras"])) for a in arts]
    assert sum(is_copy(*exact_similarity(a, b)) for a, b in itertools.combinations(sets, 2)) == 0  # of 19,900


def test_copy_leaves_the_story_when_its_body_changes(writer):
    writer.save(record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "a.test"))
    writer.save(copies_of(ORIGINAL)["prefixed"])
    other = next(a for a in texts_jiaodong.ARTICLES if a.get("paras"))
    writer.save({**copies_of(ORIGINAL)["prefixed"], "body": "\n\n".join(other["paras"]), "title": other["title"]})
    assert near_dup_of(writer.db)["http://copy.test/a/1.html"] is None


def test_when_the_original_changes_its_earliest_copy_takes_over(writer):
    writer.save(record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "a.test"))
    for copy in copies_of(ORIGINAL).values():
        writer.save(copy)
    other = next(a for a in texts_jiaodong.ARTICLES if a.get("paras"))
    writer.save(record("http://a.test/1", other["title"], other["paras"], "2021-01-25T19:12:00+08:00", "a.test"))
    links = near_dup_of(writer.db)
    assert links["http://a.test/1"] is None and links["http://copy.test/a/1.html"] is None
    assert links["http://copy.test/a/2.html"] == links["http://tw.test/n/3.html"] == "http://copy.test/a/1.html"


def test_links_follow_the_original_when_its_url_changes(writer):
    writer.save({**record("http://a.test/m/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00",
                          "a.test"), "url_source": "copy"})
    writer.save(copies_of(ORIGINAL)["trimmed"])
    writer.save({**record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00",
                          "a.test"), "url_source": "canonical", "aliases": ["http://a.test/m/1"]})
    assert near_dup_of(writer.db) == {"http://a.test/1": None, "http://copy.test/a/2.html": "http://a.test/1"}
    assert show(writer.db, "http://a.test/1")["copies"] == ["http://copy.test/a/2.html"]


def test_earliest_is_compared_as_an_instant_across_offsets(writer):
    # 10:00 in Shanghai (02:00 UTC) is earlier than 03:00 UTC, though it sorts later as text
    writer.save(record("http://utc.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T03:00:00+00:00", "utc.test"))
    writer.save(record("http://sh.test/1", ORIGINAL["title"], ["本文转自：青岛日报", *ORIGINAL["paras"]],
                       "2021-01-25T10:00:00+08:00", "sh.test"))
    assert near_dup_of(writer.db) == {"http://utc.test/1": "http://sh.test/1", "http://sh.test/1": None}


def test_annotations_in_either_parentheses_never_break_a_match():
    text = "\n\n".join(ORIGINAL["paras"])
    annotated = "".join(c + ("（tuán）" if i % 6 == 5 else "") for i, c in enumerate(text))
    assert is_copy(*exact_similarity(shingles(text), shingles(annotated)))


def test_bodies_are_folded_as_search_folds_them():
    """One folding for every comparison (archive.chinese.fold): only converter annotations go,
    a parenthesis of plain letters is text; full-width and circled forms read as ASCII."""
    assert normalize("王清憲參加代表團(tuán)審議，ＣＢＡ(cba)①號") == "王清宪参加代表团审议cbacba1号"
    assert normalize("𠮷野家") == "𠮷野家"  # Han beyond the BMP is kept


def test_signatures_made_before_the_folding_are_made_again(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(open_archive(path))
    writer.save(record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "a.test"))
    for copy in copies_of(ORIGINAL).values():
        writer.save(copy)
    with writer.db.atomic():  # as an archive whose signatures were made with another folding
        writer.db.execute("UPDATE neardup_signatures SET minhash = zeroblob(1024)")
        writer.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_neardup_folding'")
    writer.db.close()
    db = open_archive(path)
    assert db.execute("SELECT count(*) FROM neardup_signatures").fetchone()[0] == 0
    assert ArchiveWriter(db).link_pending_copies() == 4
    assert sorted(v for v in near_dup_of(db).values() if v) == ["http://a.test/1"] * 3
    assert db.execute("SELECT count(*) FROM neardup_signatures").fetchone()[0] == 4


def test_show_and_stats_list_the_copies(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(open_archive(path))
    original_url = "http://dailyqd.test" + ORIGINAL["path"]
    writer.save(record(original_url, ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "dailyqd.test"))
    for copy in copies_of(ORIGINAL).values():
        writer.save(copy)
    shown = show(writer.db, "http://copy.test/a/2.html")
    assert shown["near_duplicate_of"] == original_url
    assert shown["copies"][0] == original_url and len(shown["copies"]) == 3
    out = CliRunner().invoke(cli, ["show", original_url, "--db", str(path)]).output
    assert "http://tw.test/n/3.html" in out
    stats = CliRunner().invoke(cli, ["stats", "--db", str(path), "--json"]).output
    assert '"copies": 2' in stats and '"originals": 1' in stats


def test_backfill_links_articles_archived_before_the_feature(writer):
    writer.save(record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "a.test"))
    for copy in copies_of(ORIGINAL).values():
        writer.save(copy)
    db = writer.db
    db.execute("DELETE FROM neardup_bands")  # as an archive from before this feature
    db.execute("DELETE FROM neardup_signatures")
    db.execute("UPDATE articles SET near_duplicate_of = NULL")
    assert NearDuplicates(db).backfill() == 4
    assert sorted(v for v in near_dup_of(db).values() if v) == ["http://a.test/1"] * 3


def test_an_updated_body_is_indexed_again(writer):
    writer.save(record("http://a.test/1", "旧闻", ["与原文无关的一段很长的文字，讲的是另一件事情，完全不同。" * 5],
                       "2021-01-25T10:00:00+08:00", "a.test"))
    writer.save(record("http://b.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T19:12:00+08:00", "b.test"))
    assert near_dup_of(writer.db)["http://a.test/1"] is None
    # a.test replaces its page with the story: it is now the earliest copy
    writer.save(record("http://a.test/1", ORIGINAL["title"], ORIGINAL["paras"], "2021-01-25T10:00:00+08:00", "a.test"))
    assert near_dup_of(writer.db) == {"http://a.test/1": None, "http://b.test/1": "http://a.test/1"}
