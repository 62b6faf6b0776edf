"""``python -m crawler.extract``: the per-site rule writer's tool."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages"


def extract(*args):
    return subprocess.run([sys.executable, "-m", "crawler.extract", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)


def test_one_file_prints_the_article_as_json():
    case = PAGES / "pdnews-news_1024"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    proc = extract(case / "page.html", "--url", expected["url"])
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    for field in ("url", "title", "published_at", "author", "source", "body", "related_urls", "language"):
        assert record[field] == expected[field], field
    assert "镕" in record["body"] or "喆" in record["body"] or "堃" in record["body"]


def test_several_files_print_one_line_each_in_order():
    cases = [PAGES / "jiaodong-1007", PAGES / "dailyqd-content_1236789", PAGES / "gov-trs_zoom"]
    proc = extract(*(c / "page.html" for c in cases))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    titles = [json.loads(line)["title"] for line in lines]
    assert titles == [json.loads((c / "expected.json").read_text(encoding="utf-8"))["title"] for c in cases]


def test_without_url_the_seed_article_still_extracts():
    proc = extract(PAGES / "dailyqd-content_1236789" / "page.html")
    record = json.loads(proc.stdout)
    assert record["title"] == "王清憲參加平度代表團審議時強調:以真抓實干推動平度快速崛起"
    assert "團(tuán)" not in record["body"] and "代表團對政府工作報告" in record["body"]
    assert record["language"] == "zh-Hant"


def test_missing_file_and_non_article_are_reported_not_raised(tmp_path):
    listing = tmp_path / "list.html"
    listing.write_text("<html><head><title>平度新闻_列表</title></head><body><ul>"
                       + "".join(f'<li><a href="/a/{i}.html">新闻标题{i}</a> 2021-01-2{i}</li>' for i in range(9))
                       + "</ul></body></html>", encoding="utf-8")
    proc = extract(tmp_path / "nope.html", listing)
    assert proc.returncode == 1
    first, second = map(json.loads, proc.stdout.splitlines())
    assert "cannot read" in first["error"]
    assert "not an article" in second["error"]
    assert "Traceback" not in proc.stderr


def test_site_rules_override_fields_and_timezone(tmp_path):
    case = PAGES / "dailyqd-content_1234567"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    host = expected["url"].split("/")[2]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({host: {
        "title": "div.crumbs",              # deliberately another element: the rule must win
        "source": "div.info",               # "…来源：青岛日报…" -> the value after the label
        "date": "div.info",
        "timezone": "Asia/Tokyo",
    }}), encoding="utf-8")
    proc = extract(case / "page.html", "--url", expected["url"], "--rules", rules)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["title"].startswith("当前位置")
    assert record["source"] == expected["source"]
    assert record["published_at"] == expected["published_at"].replace("+08:00", "+09:00")
    assert record["body"] == expected["body"]  # fields without a rule stay generic


def test_bad_rules_file_is_a_one_line_error(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text('{"news.test": {"headline": "h1"}}', encoding="utf-8")
    proc = extract(PAGES / "gov-trs_zoom" / "page.html", "--rules", rules)
    assert proc.returncode != 0
    assert "unknown rule keys ['headline']" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("url", ["http://[::1", "ftp://example.test/a", "not a url"])
def test_bad_url_is_a_one_line_error(url):
    proc = extract(PAGES / "gov-trs_zoom" / "page.html", "--url", url)
    assert proc.returncode == 2
    assert "--url" in proc.stderr and "Traceback" not in proc.stderr


def test_rules_with_bad_selector_or_timezone_are_refused(tmp_path):
    for rule in ({"title": "h1["}, {"timezone": "Mars/Olympus"}):
        rules = tmp_path / "rules.json"
        rules.write_text(json.dumps({"news.test": rule}), encoding="utf-8")
        proc = extract(PAGES / "gov-trs_zoom" / "page.html", "--rules", rules)
        assert proc.returncode == 1
        assert "Error:" in proc.stderr and "Traceback" not in proc.stderr
