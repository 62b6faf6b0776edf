"""The archive library and its CLI, on in-memory and temporary databases."""

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from archive import ArchiveWriter, open_archive
from archive.cli import cli
from archive.query import EXPORT_FIELDS, export_records
from archive.search import search
from archive.store import Outcome
from samplesite.portals import TRACKING_QUERY


def record(url="http://news.test/a/1.shtml", **over):
    base = {
        "url": url,
        "aliases": [],
        "title": "平度举行项目集中开工活动",
        "published_at": "2021-01-25T17:30:00+08:00",
        "published_at_raw": "2021-01-25 17:30",
        "author": "张晓",
        "source": "青岛日报",
        "body": "第一段。\n\n第二段。",
        "related": [{"url": "http://news.test/a/2.shtml", "text": "相关一"}],
        "site": "news.test",
        "language": "zh-Hans",
        "fetched_at": "2026-11-29T01:00:00+00:00",
        "pages": 1,
    }
    base.update(over)
    return base


@pytest.fixture
def db():
    return open_archive(":memory:")


def test_new_then_unchanged_then_alias(db):
    writer = ArchiveWriter(db)
    assert writer.save(record()) is Outcome.NEW
    assert writer.save(record(fetched_at="2026-11-29T02:00:00+00:00")) is Outcome.UNCHANGED
    # same text at another URL is the same article, the URL kept as an alias
    assert writer.save(record(url="http://news.test/print/1.shtml")) is Outcome.UNCHANGED
    # a tracking-parameter URL listed as alias
    assert writer.save(record(aliases=["http://news.test/a/1.shtml?utm_source=x"])) is Outcome.UNCHANGED
    rows = list(export_records(db))
    assert len(rows) == 1
    assert rows[0]["aliases"] == ["http://news.test/print/1.shtml", "http://news.test/a/1.shtml?utm_source=x"]
    assert rows[0]["first_seen_at"] == "2026-11-29T01:00:00+00:00"
    assert rows[0]["last_seen_at"] == "2026-11-29T02:00:00+00:00"


def test_changed_content_keeps_old_version(db):
    writer = ArchiveWriter(db)
    writer.save(record())
    assert writer.save(record(body="第一段。\n\n第二段。\n\n更正：第三段。")) is Outcome.UPDATED
    rows = list(export_records(db))
    assert rows[0]["versions"] == 2
    assert rows[0]["body"].endswith("更正：第三段。")
    old = db.execute("SELECT version, body FROM article_versions").fetchall()
    assert old == [(1, "第一段。\n\n第二段。")]


def test_export_has_exact_fields(db):
    ArchiveWriter(db).save(record())
    (row,) = export_records(db)
    assert tuple(row) == EXPORT_FIELDS
    assert row == {
        "url": "http://news.test/a/1.shtml",
        "aliases": [],
        "title": "平度举行项目集中开工活动",
        "published_at": "2021-01-25T17:30:00+08:00",
        "author": "张晓",
        "source": "青岛日报",
        "body": "第一段。\n\n第二段。",
        "related_urls": ["http://news.test/a/2.shtml"],
        "site": "news.test",
        "language": "zh-Hans",
        "first_seen_at": "2026-11-29T01:00:00+00:00",
        "last_seen_at": "2026-11-29T01:00:00+00:00",
        "versions": 1,
        "near_duplicate_of": None,
    }


def test_export_filters(db):
    writer = ArchiveWriter(db)
    writer.save(record())
    writer.save(record(url="http://other.test/b.html", site="other.test", title="另一篇", body="别的内容。",
                       published_at="2021-03-02"))
    assert [r["site"] for r in export_records(db, site="other.test")] == ["other.test"]
    assert [r["title"] for r in export_records(db, since="2021-03-01")] == ["另一篇"]
    assert [r["title"] for r in export_records(db, until="2021-01-25")] == ["平度举行项目集中开工活动"]


def test_search_ranks_and_treats_syntax_as_text(db):
    writer = ArchiveWriter(db)
    writer.save(record())
    writer.save(record(url="http://news.test/a/3.shtml", title="CBA联赛在平度开赛", body="100%的球迷到场。"))
    # both contain 平度; the one with it in its short title ranks first
    assert [r["title"] for r in search(db, "平度").hits] == ["CBA联赛在平度开赛", "平度举行项目集中开工活动"]
    assert [r["title"] for r in search(db, "100%").hits] == ["CBA联赛在平度开赛"]
    assert search(db, "'; DROP TABLE articles; --").hits == []
    (hit,) = search(db, "平度 开赛").hits
    assert hit["title"] == "CBA联赛在平度开赛"
    assert hit["snippet"] == "CBA联赛在【平度】【开赛】"  # no word is in the body: the title is shown
    assert db["articles"].count == 2


def test_wal_mode_and_concurrent_reader(tmp_path):
    path = tmp_path / "a.db"
    db = open_archive(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    writer = ArchiveWriter(db)
    with db.atomic():  # a write transaction is open ...
        writer._save(record(), None)
        reader = sqlite3.connect(path)
        # ... and a reader still reads the last committed state without waiting
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "a.db"
    open_archive(path).close()
    db = open_archive(path)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")]
    assert names == ["m001_initial", "m002_fetch_state", "m003_near_duplicates", "m004_search", "m005_captures",
                     "m006_link_texts", "m007_neardup_folding", "m008_item_stream", "m009_reading_room"]


@pytest.fixture
def archive_file(tmp_path):
    path = tmp_path / "news.db"
    ArchiveWriter(open_archive(path)).save(record())
    return path


def test_cli_export_jsonl(archive_file):
    result = CliRunner().invoke(cli, ["export", "--db", str(archive_file), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert json.loads(line)["title"] == "平度举行项目集中开工活动"


def test_cli_export_csv(archive_file):
    result = CliRunner().invoke(cli, ["export", "--db", str(archive_file), "--format", "csv"])
    assert result.exit_code == 0
    header, row = result.output.splitlines()[:2]
    assert header.split(",") == list(EXPORT_FIELDS)


def test_cli_export_csv_with_a_byte_order_mark_for_spreadsheets(archive_file, tmp_path):
    out = tmp_path / "articles.csv"
    for args in (["--output", str(out)], []):
        result = _run("export", "--db", str(archive_file), "--format", "csv", "--bom", *args)
        assert result.returncode == 0, result.stderr
        data = out.read_bytes() if args else result.stdout.encode()
        assert data.startswith(b"\xef\xbb\xbfurl,aliases,title,") and data.count(b"\xef\xbb\xbf") == 1
        (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        assert row["title"] == "平度举行项目集中开工活动" and row["url"] == "http://news.test/a/1.shtml"
    plain = _run("export", "--db", str(archive_file), "--format", "csv")
    assert plain.stdout.startswith("url,aliases,title,")
    for fmt in ("jsonl", "warc"):
        refused = _run("export", "--db", str(archive_file), "--format", fmt, "--bom", "--output", str(tmp_path / "x"))
        assert refused.returncode == 2 and refused.stderr.splitlines() == [
            f"python -m archive: Error: Invalid value for '--bom': a byte order mark is for --format csv, not {fmt}"]
        assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--db", "missing.db"], "no archive at missing.db"),
        (["export", "--db", "{db}", "--since", "yesterday"], "is not a date"),
        (["search", "", "--db", "{db}"], "nothing to search for"),
        (["search", '"平度', "--db", "{db}"], "unbalanced quote"),
        (["export", "--db", "{db}", "--query", "*"], "nothing to search for"),
        (["export", "--db", "{db}", "--format", "xml"], "Invalid value"),
    ],
)
def test_cli_mistakes_are_one_line_errors(archive_file, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{db}", str(archive_file)) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_not_an_archive(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)")
    result = CliRunner().invoke(cli, ["export", "--db", str(other)])
    assert result.exit_code == 1
    assert "not a news archive" in result.output


def test_every_command_has_help_with_example():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output, name


def test_copy_then_main_then_canonical_does_not_collide(db):
    """A print copy stored first, the main page with other text, then the main page naming
    itself canonical with the print URL as alias: no unique-URL collision, one record each."""
    writer = ArchiveWriter(db)
    writer.save(record(url="http://news.test/print/1.shtml", url_source="copy", body="打印版。"))
    writer.save(record(url="http://news.test/a/1.shtml", body="正文。"))
    writer.save(record(url="http://news.test/a/1.shtml", url_source="canonical", body="正文。",
                       aliases=["http://news.test/print/1.shtml"]))
    urls = sorted(r["url"] for r in export_records(db))
    assert urls == ["http://news.test/a/1.shtml", "http://news.test/print/1.shtml"]


def test_read_commands_never_touch_a_file_that_is_not_an_archive(tmp_path):
    from archive.errors import ArchiveError

    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    with pytest.raises(ArchiveError, match="not a news archive"):
        open_archive(empty, create=False)
    assert empty.read_bytes() == b""
    notes = tmp_path / "notes.db"
    sqlite3.connect(notes).execute("CREATE TABLE notes (x)")
    with pytest.raises(ArchiveError, match="not a news archive"):
        open_archive(notes)  # a crawl must not add its tables to someone else's database


def test_history_lists_versions_with_a_readable_diff(tmp_path):
    path = tmp_path / "h.db"
    writer = ArchiveWriter(open_archive(path))
    writer.save(record())
    writer.save(record(fetched_at="2026-11-29T02:00:00+00:00"))  # unchanged: no version
    writer.save(record(title="平度举行重点项目集中开工活动", body="第一段。\n\n第二段。\n\n【更正】第三段。",
                       fetched_at="2026-11-29T03:00:00+00:00"))
    result = CliRunner().invoke(cli, ["history", "http://news.test/a/1.shtml", "--db", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "http://news.test/a/1.shtml: 2 versions"
    assert lines[1] == "  version 1, last seen 2026-11-29T02:00:00+00:00: 平度举行项目集中开工活动"
    assert lines[2] == "  version 2, last seen 2026-11-29T03:00:00+00:00: 平度举行重点项目集中开工活动"
    assert "title: '平度举行项目集中开工活动' -> '平度举行重点项目集中开工活动'" in lines
    assert "+【更正】第三段。" in lines
    unknown = CliRunner().invoke(cli, ["history", "http://news.test/nope", "--db", str(path)])
    assert unknown.exit_code == 1 and "no archived article has the URL" in unknown.output


@pytest.mark.parametrize("given", [
    "http://news.test/a/1.shtml" + TRACKING_QUERY,  # as shared on WeChat
    "http://NEWS.Test/a/1.shtml#comments",
    "http://news.test:80/a/1.shtml?utm_campaign=x",
    " http://news.test/a/1.shtml\n",  # pasted with the line's end
])
def test_show_and_history_find_an_article_by_any_url_that_canonicalizes_to_it(tmp_path, given):
    path = tmp_path / "h.db"
    writer = ArchiveWriter(open_archive(path))
    writer.save(record())
    writer.save(record(title="平度举行重点项目集中开工活动", fetched_at="2026-11-29T03:00:00+00:00"))
    shown = CliRunner().invoke(cli, ["show", given, "--db", str(path)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[:2] == ["url: http://news.test/a/1.shtml", "title: 平度举行重点项目集中开工活动"]
    history = CliRunner().invoke(cli, ["history", given, "--db", str(path)])
    assert history.exit_code == 0, history.output
    assert history.output.splitlines()[0] == f"{given.strip()}: 2 versions"


def test_an_unknown_url_is_one_line_naming_its_canonical_form(tmp_path):
    path = tmp_path / "h.db"
    ArchiveWriter(open_archive(path)).save(record())
    for command in ("show", "history"):
        out = CliRunner().invoke(cli, [command, "http://news.test/a/2.shtml?spm=a1.b2#top", "--db", str(path)])
        assert out.exit_code == 1
        assert out.output == ("Error: no archived article has the URL http://news.test/a/2.shtml?spm=a1.b2#top "
                              "(nor its canonical form http://news.test/a/2.shtml)\n")


def _run(*args, cwd=None):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "archive", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_site_is_a_site_a_host_without_its_port_or_a_url(tmp_path):
    path = tmp_path / "s.db"
    writer = ArchiveWriter(open_archive(path))
    sites = ["127.0.0.1:8081", "127.0.0.1:8082", "localhost:8083", "news.test"]
    for n, site in enumerate(sites):
        writer.save(record(url=f"http://{site}/news/{n}.html", site=site, title=f"平度新闻{n}", body=f"平度第{n}段。",
                           related=[]))
    for given, site in [("127.0.0.1:8081", "127.0.0.1:8081"), ("http://127.0.0.1:8082/news/1.html", "127.0.0.1:8082"),
                        ("127.0.0.1:8082/news/1.html", "127.0.0.1:8082"), ("localhost", "localhost:8083"),
                        ("NEWS.test", "news.test"), ("https://news.test:443/", "news.test")]:
        exported = _run("export", "--db", str(path), "--site", given)
        assert exported.returncode == 0, exported.stderr
        assert [json.loads(line)["site"] for line in exported.stdout.splitlines()] == [site]
        found = _run("search", "平度", "--db", str(path), "--site", given, "--json")
        assert [hit["site"] for hit in json.loads(found.stdout)["results"]] == [site]
    # one host on two ports: which one is meant is the user's to say; no such site: the sites there are
    for given, message in [
        ("127.0.0.1", "127.0.0.1 names 2 sites of this archive: 127.0.0.1:8081, 127.0.0.1:8082; give one with its port"),
        ("http://news.example.cn/a/1.html", "http://news.example.cn/a/1.html is no site of this archive; its sites: "
                                            "127.0.0.1:8081, 127.0.0.1:8082, localhost:8083, news.test"),
        ("127.0.0.1:8080", "127.0.0.1:8080 is no site of this archive; its sites: "
                           "127.0.0.1:8081, 127.0.0.1:8082, localhost:8083, news.test"),
    ]:
        for command in (["search", "平度"], ["export"], ["reextract", "--dry-run"]):
            out = _run(*command, "--db", str(path), "--site", given)
            assert out.returncode == 2
            assert out.stderr.splitlines() == [f"python -m archive: Error: Invalid value for '--site': {message}"]


@pytest.mark.parametrize("args, code, message", [
    (["show"], 2, "Missing argument 'URL'."),
    (["export", "--db", "nope.db"], 1, "no archive at nope.db"),
    (["nonsense"], 2, "No such command 'nonsense'."),
])
def test_command_line_mistakes_are_one_line_on_stderr(args, code, message, tmp_path):
    proc = _run(*args, cwd=tmp_path)
    assert proc.returncode == code
    assert proc.stderr.splitlines() == [f"python -m archive: Error: {message}"]


def test_a_rewritten_article_first_fetched_through_a_tracking_url_stays_one_article_with_versions():
    """The page naming itself canonical is fetched first from a feed link with tracking
    parameters, then rewritten (new headline, new body): a correction, not another article
    claiming its URL."""
    writer = ArchiveWriter(open_archive(":memory:"))
    url = "https://news.test/content/202103/01/content_7100001.shtml"

    def capture(at):
        return [{"url": at, "fetched_at": "2021-03-01T08:00:00+00:00", "status": 200, "body": b"<html></html>",
                 "response_headers": [], "request_headers": [], "method": "GET", "protocol": "HTTP/1.1"}]

    first = writer.save(record(url=url, url_source="canonical", fetched_url=url, aliases=[url + "?utm_source=rss"],
                               title="快讯：青岛地铁6号线今日开通", body="青岛地铁6号线一期今天上午开通。",
                               captures=capture(url + "?utm_source=rss")))
    second = writer.save(record(url=url, url_source="canonical", fetched_url=url,
                                title="青岛地铁6号线一期开通运营 沿线居民出行更便捷",
                                body="记者从青岛地铁集团获悉，6号线一期工程今天上午全线开通运营，沿线居民出行更加便捷。",
                                captures=capture(url)))
    assert (first, second) == (Outcome.NEW, Outcome.UPDATED)
    rows = writer.db.execute("SELECT url, url_source, versions FROM articles").fetchall()
    assert rows == [(url, "canonical", 2)]
