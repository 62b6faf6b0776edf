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


# -- one URL per file ----------------------------------------------------------------------

PORTAL_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}_青岛新闻_半岛网</title>
<meta name="keywords" content="青岛,城市更新,民生">
<meta name="description" content="{lead}">
<link rel="stylesheet" href="/static/css/article.css">
<script src="/static/js/jquery.min.js"></script>
</head>
<body>
<div class="top-bar"><div class="wrap"><a href="/">首页</a> | <a href="/user/login">登录</a> | <a href="/user/reg">注册</a></div></div>
<div class="header"><div class="wrap">
  <a class="logo" href="/"><img src="/static/img/logo.png" alt="半岛网"></a>
  <ul class="nav">
    <li><a href="/news/">新闻</a></li><li><a href="/qingdao/">青岛</a></li><li><a href="/finance/">财经</a></li>
    <li><a href="/sports/">体育</a></li><li><a href="/ent/">娱乐</a></li><li><a href="/house/">房产</a></li>
  </ul>
</div></div>
<div class="wrap main">
  <div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/qingdao/">青岛新闻</a> &gt; 正文</div>
  <div class="article">
    <h1>{title}</h1>
    <div class="info">来源：半岛都市报&nbsp;&nbsp;作者：{author}&nbsp;&nbsp;编辑：王海涛</div>
    <div class="content" id="ArticleContent">
      <p>　　{lead}</p>
      {paragraphs}
    </div>
    <div class="editor">（责任编辑：王海涛）</div>
  </div>
  <div class="xgxw">
    <h3>相关新闻</h3>
    <ul>
      <li><a href="content_5011877.html">青岛今年将新增城市绿地200万平方米</a></li>
      <li><a href="content_5010932.html">崂山区启动老旧小区改造三年行动</a></li>
      <li><a href="content_5009411.html">市北区“口袋公园”成居民休闲好去处</a></li>
    </ul>
  </div>
</div>
<div class="footer"><div class="wrap">
  <p><a href="/about/">关于我们</a> | <a href="/contact/">联系我们</a> | <a href="/ad/">广告服务</a></p>
  <p>版权所有：半岛网 鲁ICP备09023866号 鲁公网安备37020202000123号</p>
</div></div>
</body>
</html>
"""

PARKS = dict(
    title="崂山区今年将新建改建12处口袋公园",
    author="刘晓雯",
    lead="记者从崂山区城市管理局获悉，今年该区将结合城市更新和老旧小区改造，新建改建口袋公园12处，"
         "新增绿化面积约3.6万平方米，让市民出门就能见到绿色、走进公园。",
    paragraphs=[
        "据介绍，此次建设的口袋公园主要分布在中韩、沙子口、北宅等街道，选址多为道路转角、边角空地和闲置地块。"
        "设计中充分考虑周边居民的使用需求，设置休闲座椅、健身步道和儿童游乐设施，部分公园还将配建公共卫生间和便民服务驿站。",
        "“以前这里是一片杂草丛生的空地，下雨天满地泥水。”家住沙子口街道的张先生说，听说家门口要建公园，周边居民都很期待。"
        "崂山区城市管理局相关负责人表示，口袋公园建设将坚持“一园一策”，尽量保留原有树木，少用硬质铺装，突出生态功能。",
        "下一步，崂山区还将建立口袋公园长效管护机制，明确养护责任单位，定期开展巡查和设施维修，确保公园建得好、管得好、用得好。",
    ],
)
BUSES = dict(
    title="青岛新开通三条社区微循环公交线路",
    author="孙明浩",
    lead="记者从青岛公交集团获悉，为解决部分社区居民出行“最后一公里”问题，三条社区微循环公交线路正式开通运营，"
         "串联起李沧区、城阳区的十余个居民小区、农贸市场和地铁站点。",
    paragraphs=[
        "据了解，三条线路均采用小型新能源车辆运营，票价一元，发车间隔为十五分钟至二十分钟。线路走向经过多次实地踏勘，"
        "并充分征求了沿线社区居民的意见，重点覆盖此前公交线网难以深入的背街小巷。",
        "“以前去地铁站要走二十多分钟，现在下楼就能坐上车。”家住李沧区的市民王女士说。青岛公交集团相关负责人表示，"
        "将根据客流变化及时优化调整线路和班次，持续提升社区公交服务水平。",
        "下一步，青岛公交集团还将在西海岸新区、即墨区等地陆续开通更多社区微循环线路，进一步织密公交服务网络。",
    ],
)

PARKS_URL = "http://news.bandao.cn/a/202103/15/content_5012345.html"
BUSES_URL = "https://www.dailyqd.com/qdnews/2021-02/08/content_488123.htm"


def portal_page(path: Path, article: dict) -> Path:
    """A saved article page of a Chinese news portal whose byline and metadata carry no date:
    only the URL it was fetched from can date it."""
    paragraphs = "\n      ".join(f"<p>　　{p}</p>" for p in article["paragraphs"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PORTAL_PAGE.format(**{**article, "paragraphs": paragraphs}), encoding="utf-8")
    return path


def lines_of(proc):
    return [json.loads(line) for line in proc.stdout.splitlines()]


def one_line_usage_error(proc):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    return proc.stderr


def test_each_file_gets_its_own_url(tmp_path):
    parks = portal_page(tmp_path / "content_5012345.html", PARKS)
    buses = portal_page(tmp_path / "content_488123.htm", BUSES)

    proc = extract(parks, buses)  # without URLs nothing dates the pages
    assert proc.returncode == 0, proc.stderr
    assert [r["published_at"] for r in lines_of(proc)] == [None, None]

    proc = extract(parks, buses, "--url", PARKS_URL, "--url", BUSES_URL)
    assert proc.returncode == 0, proc.stderr
    first, second = lines_of(proc)
    assert (first["title"], first["url"], first["published_at"], first["site"]) == \
        (PARKS["title"], PARKS_URL, "2021-03-15", "news.bandao.cn")
    assert (second["title"], second["url"], second["published_at"], second["site"]) == \
        (BUSES["title"], BUSES_URL, "2021-02-08", "www.dailyqd.com")
    assert first["related_urls"][0] == "http://news.bandao.cn/a/202103/15/content_5011877.html"
    assert second["related_urls"][0] == "https://www.dailyqd.com/qdnews/2021-02/08/content_5011877.html"

    proc = extract(buses, parks, "--url", BUSES_URL, "--url", PARKS_URL)  # paired in order
    assert [(r["title"], r["published_at"]) for r in lines_of(proc)] == \
        [(BUSES["title"], "2021-02-08"), (PARKS["title"], "2021-03-15")]


def test_one_file_one_url_still_prints_indented_json(tmp_path):
    parks = portal_page(tmp_path / "content_5012345.html", PARKS)
    proc = extract(parks, "--url", PARKS_URL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("{\n  ")
    assert json.loads(proc.stdout)["published_at"] == "2021-03-15"


@pytest.mark.parametrize("n_files, n_urls", [(2, 1), (3, 2), (1, 2)])
def test_url_count_must_match_the_files(tmp_path, n_files, n_urls):
    page = portal_page(tmp_path / "content_5012345.html", PARKS)
    proc = extract(*[page] * n_files, *["--url", PARKS_URL] * n_urls)
    assert "--url" in one_line_usage_error(proc)


def test_every_url_is_checked_and_the_bad_one_named(tmp_path):
    parks = portal_page(tmp_path / "content_5012345.html", PARKS)
    buses = portal_page(tmp_path / "content_488123.htm", BUSES)
    proc = extract(parks, buses, "--url", PARKS_URL, "--url", "ftp://www.dailyqd.com/a.htm")
    stderr = one_line_usage_error(proc)
    assert "--url" in stderr and "ftp://www.dailyqd.com/a.htm" in stderr


def test_manifest_pairs_files_with_urls_relative_to_its_folder(tmp_path):
    batch = tmp_path / "batch"
    portal_page(batch / "pages" / "content_5012345.html", PARKS)
    buses = portal_page(tmp_path / "elsewhere" / "content_488123.htm", BUSES)
    lone = portal_page(tmp_path / "content_5012345.html", PARKS)
    manifest = batch / "urls.tsv"
    manifest.write_text(
        "# saved page\tfetched from\n"
        f"pages/content_5012345.html\t{PARKS_URL}\n"
        "\n"
        f"{buses}\t{BUSES_URL}\n"                     # absolute paths are kept
        f"pages/missing.html\t{PARKS_URL}\n",
        encoding="utf-8")
    proc = extract(lone, "--urls", manifest)  # run from the repository, not the manifest's folder
    assert proc.returncode == 1  # the missing file
    records = lines_of(proc)
    assert [r.get("published_at") for r in records] == [None, "2021-03-15", "2021-02-08", None]
    assert [r.get("url") for r in records[1:]] == [PARKS_URL, BUSES_URL, PARKS_URL]
    assert records[3]["file"] == str(batch / "pages" / "missing.html")
    assert "cannot read" in records[3]["error"]
    assert records[1].keys() == json.loads(extract(lone, "--url", PARKS_URL).stdout).keys()

    proc = extract(lone, "--url", BUSES_URL, "--urls", manifest)  # --url pairs with the FILE arguments
    assert [r.get("published_at") for r in lines_of(proc)] == ["2021-02-08", "2021-03-15", "2021-02-08", None]


def test_a_one_entry_manifest_alone_is_enough(tmp_path):
    portal_page(tmp_path / "content_488123.htm", BUSES)
    manifest = tmp_path / "urls.tsv"
    manifest.write_text(f"content_488123.htm\t{BUSES_URL}\n", encoding="utf-8")
    proc = extract("--urls", manifest)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["published_at"] == "2021-02-08"


@pytest.mark.parametrize("bad_line, expected", [
    ("content_488123.htm " + BUSES_URL, "expected PATH<TAB>URL"),           # spaces, not a TAB
    ("content_488123.htm\t" + BUSES_URL + "\textra", "expected PATH<TAB>URL"),
    ("content_488123.htm\t", "expected PATH<TAB>URL"),
    ("content_488123.htm\twww.dailyqd.com/qdnews/1.htm", "www.dailyqd.com/qdnews/1.htm"),
])
def test_malformed_manifest_line_is_a_one_line_error_with_its_number(tmp_path, bad_line, expected):
    portal_page(tmp_path / "content_488123.htm", BUSES)
    manifest = tmp_path / "urls.tsv"
    manifest.write_text(f"# batch of 2021-02\ncontent_488123.htm\t{BUSES_URL}\n{bad_line}\n", encoding="utf-8")
    stderr = one_line_usage_error(extract("--urls", manifest))
    assert "line 3" in stderr and expected in stderr and "--urls" in stderr


def test_no_file_at_all_is_a_usage_error(tmp_path):
    manifest = tmp_path / "urls.tsv"
    manifest.write_text("# nothing yet\n", encoding="utf-8")
    one_line_usage_error(extract("--urls", manifest))
    one_line_usage_error(extract())


def test_without_url_related_links_that_cannot_be_resolved_are_a_note():
    case = PAGES / "dailyqd-content_1236789"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    proc = extract(case / "page.html")
    assert proc.returncode == 0 and json.loads(proc.stdout)["related_urls"] == []
    assert proc.stderr.splitlines() == [
        f"note: {case / 'page.html'}: {len(expected['related_urls'])} related links not resolved: "
        "give --url, the URL the page was fetched from"]
    given = extract(case / "page.html", "--url", expected["url"])
    assert given.stderr == "" and json.loads(given.stdout)["related_urls"] == expected["related_urls"]
    # a page whose related links are absolute needs no URL to resolve them: no note
    other = PAGES / "gov-trs_zoom"
    proc = extract(other / "page.html")
    related = json.loads((other / "expected.json").read_text(encoding="utf-8"))["related_urls"]
    assert proc.stderr == "" and related and json.loads(proc.stdout)["related_urls"] == related
