"""Hostile pages are bounded and counted right: a crawl of samplesite/hostile.py (bombs,
truncated bodies, NUL bytes, 10,000 nested elements, lying charsets, redirect loops,
off-site redirects, huge and broken sitemaps, XML bombs ...) crashes nowhere, counts every
page under the reason its case expects and never fetches the other host it points to; and
the mechanisms behind it, one by one."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, ResponseDataLossError
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from archive import ArchiveWriter, open_archive
from crawler.compression import TruncatedBody, TruncatedBodyMiddleware, stream_ended
from crawler.encoding import is_binary
from crawler.extract import extract_bytes
from crawler.failures import failure_reason
from crawler.pages import RuleBook
from crawler.pages.markup import MAX_DEPTH, flatten, is_too_deep
from crawler.runstats import run_counts
from crawler.sitemaps import SITEMAP_MAXSIZE, Sitemap
from crawler.spiders.news import NewsSpider
from samplesite import templates as T
from samplesite.hostile import CASES, CRAWL_SETTINGS, build_hostile_site, judge
from samplesite.server import Resource, Site, SiteServer

from .conftest import ROOT, run_crawl

PAGE = (ROOT / "tests" / "fixtures" / "pages" / "dailyqd-content_1234567" / "page.html").read_bytes()
PAGE_URL = "http://127.0.0.1:8001/content/202101/25/content_1234567.shtml"
TITLE = "青岛市十七届人大五次会议隆重开幕"


# -- the hostile portal, crawled once ---------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """``(judged, crawl, hits on the other site)`` of one crawl of the hostile portal."""
    elsewhere = Site("elsewhere", {"/": Resource("<html><body><p>别处</p></body></html>")})
    with SiteServer([elsewhere]) as other:
        site = build_hostile_site(other.base_urls["elsewhere"])
        with SiteServer([site]) as server:
            db_path = tmp_path_factory.mktemp("hostile") / "news.db"
            crawl = run_crawl(server, [server.base_urls[site.name] + "/"], db_path, **CRAWL_SETTINGS)
        hits = len(other.requests["elsewhere"])
    return judge(crawl.stats(), str(db_path), hits), crawl, hits


def test_hostile_crawl_crashes_nowhere_and_stays_on_site(hostile):
    judged, crawl, hits = hostile
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert "Traceback" not in crawl.log
    assert " ERROR: " not in crawl.log, [line for line in crawl.log.splitlines() if " ERROR: " in line]
    assert judged["crashed"] == 0
    assert judged["offsite_requests"] == hits == 0
    assert judged["unexpected"] == {}
    assert judged["cases"] == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_hostile_case(hostile, case):
    judged = hostile[0]
    detail = next(d for d in judged["details"] if d["path"] == case.path)
    assert detail["ok"], f"{case.tests}: {detail['why']}"


# -- failures get their own reasons, and count as failed ---------------------------------------

def _failure(exc: Exception, **meta) -> Failure:
    failure = Failure(exc)
    failure.request = Request("http://news.test/a.shtml", meta=meta)
    return failure


def _ignored_from(cause: Exception) -> IgnoreRequest:
    try:
        raise IgnoreRequest("ignored") from cause
    except IgnoreRequest as exc:
        return exc


@pytest.mark.parametrize("exc, meta, reason", [
    (_ignored_from(_DecompressionMaxSizeExceeded(10_551_296, 10_485_760)), {}, "decompression_bomb"),
    (TruncatedBody("cut"), {}, "truncated_body"),
    (ResponseDataLossError(), {}, "truncated_body"),
    (IgnoreRequest("max redirections reached"), {"redirect_ttl": 0, "redirect_times": 20}, "too_many_redirects"),
    (IgnoreRequest("Forbidden by robots.txt"), {}, "ignored"),
    (HttpError(Response("http://news.test/a.shtml", status=410), "gone"), {}, "http_410"),
])
def test_failure_reasons(exc, meta, reason):
    assert failure_reason(_failure(exc, **meta)) == reason


def test_bombs_and_truncated_bodies_count_as_failed_requests():
    stats = {"news/requests/failed/decompression_bomb": 1, "news/requests/failed/truncated_body": 2,
             "news/requests/failed/too_many_redirects": 1, "news/requests/failed/ignored": 5}
    assert run_counts(stats)["failed"] == 4


# -- compressed bodies cut short ------------------------------------------------------------------

ARTICLE_GZ = gzip.compress(PAGE, mtime=0)


def test_a_whole_stream_ends_and_a_cut_one_does_not():
    assert stream_ended(ARTICLE_GZ, b"gzip")
    assert not stream_ended(ARTICLE_GZ[:len(ARTICLE_GZ) // 2], b"gzip")
    assert not stream_ended(ARTICLE_GZ[:-4], b"x-gzip")  # the trailer's length missing
    assert stream_ended(ARTICLE_GZ + ARTICLE_GZ, b"gzip")  # members one after another
    assert not stream_ended(ARTICLE_GZ + ARTICLE_GZ[:-10], b"gzip")
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = packer.compress(PAGE) + packer.flush()
    assert stream_ended(raw, b"deflate") and not stream_ended(raw[:-20], b"deflate")
    assert stream_ended(zlib.compress(PAGE), b"deflate")
    assert stream_ended(PAGE, b"gzip")  # no stream at all: Scrapy's decoder says so
    assert stream_ended(b"whatever", b"zstd")  # not judged


def test_a_bomb_is_left_to_scrapys_size_limit():
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(packer.compress(b" " * 2**20) for _ in range(64)) + packer.flush()
    assert stream_ended(bomb, b"gzip", max_size=2**20)  # stops after 1 MiB, not 64


def test_the_middleware_refuses_a_cut_body_and_passes_a_whole_one():
    mw = TruncatedBodyMiddleware(max_size=10 * 2**20)
    request = Request(PAGE_URL)
    whole = HtmlResponse(PAGE_URL, body=ARTICLE_GZ, headers={"Content-Encoding": "gzip"}, request=request)
    assert mw.process_response(request, whole) is whole
    with pytest.raises(TruncatedBody):
        mw.process_response(request, whole.replace(body=ARTICLE_GZ[:-100]))
    plain = HtmlResponse(PAGE_URL, body=PAGE, request=request)
    assert mw.process_response(request, plain) is plain


# -- binary files and stray NUL bytes -------------------------------------------------------------

def test_a_page_with_a_stray_nul_is_text_and_read():
    head = PAGE.index(b"<title>")
    page = PAGE[:head] + b"<!-- tpl \x00 -->" + PAGE[head:]
    assert not is_binary(page)
    assert extract_bytes(page, PAGE_URL, RuleBook())["title"] == TITLE


@pytest.mark.parametrize("body", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    b"PK\x03\x04\x14\x00\x06\x00",
    b"RIFF\x00\x20\x00\x00WEBPVP8 ",
    b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    bytes(range(256)) * 16,  # no signature: control bytes give it away
])
def test_binary_files_are_still_refused(body):
    assert is_binary(body)


def test_utf16_text_is_not_binary():
    assert not is_binary(PAGE.decode("utf-8").encode("utf-16"))


# -- deep nesting ----------------------------------------------------------------------------------

def _nested(depth: int, tag: str = "div") -> bytes:
    start, end = PAGE.index(b"<body>") + len(b"<body>"), PAGE.index(b"</body>")
    return PAGE[:start] + f"<{tag}>".encode() * depth + PAGE[start:end] + f"</{tag}>".encode() * depth + PAGE[end:]


@pytest.mark.parametrize("depth", [900, 1500, 10_000])
def test_an_article_inside_thousands_of_divs_is_read_whole(depth):
    plain = extract_bytes(PAGE, PAGE_URL, RuleBook())
    deep = extract_bytes(_nested(depth), PAGE_URL, RuleBook())
    assert (deep["title"], deep["published_at"], deep["body"]) == (plain["title"], plain["published_at"], plain["body"])


def test_flattening_keeps_text_order_and_raw_text():
    markup = ("<html><body>" + "<div>" * 3000 + "<p>甲</p><script>if (a<b) { s = '</div><p>'; }</script><p>乙</p>"
              + "</div>" * 3000 + "<!-- <div> --><p>丙</p></body></html>")
    flat = flatten(markup)
    assert "if (a<b) { s = '</div><p>'; }" in flat and "<!-- <div> -->" in flat
    page = HtmlResponse("http://news.test/", body=flat.encode(), encoding="utf-8")
    assert not is_too_deep(page.selector.root)
    assert page.xpath("//p/text()").getall() == ["甲", "乙", "丙"]


def test_elements_past_the_depth_limit_become_siblings_at_it():
    markup = "".join(f'<div class="d{i}">' for i in range(MAX_DEPTH + 50)) + "<p>正文</p>"
    page = HtmlResponse("http://news.test/", body=flatten(markup).encode(), encoding="utf-8")
    assert not is_too_deep(page.selector.root)
    assert page.xpath("//p/text()").get() == "正文"


# -- sitemaps ------------------------------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10))
          + ']><urlset><url><loc>http://news.test/a.shtml</loc></url><url><loc>http://news.test/&lol9;</loc></url>'
            "<url><loc>http://news.test/b.shtml</loc></url></urlset>").encode()


def test_an_xml_bomb_does_not_expand():
    sitemap = Sitemap(LAUGHS)
    assert sitemap.type == "urlset"
    assert [e["loc"] for e in sitemap] == ["http://news.test/a.shtml"]
    assert sitemap.broken


def test_an_external_entity_is_never_fetched():
    elsewhere = Site("elsewhere", {"/x.xml": Resource(b"http://news.test/stolen.shtml", "text/plain")})
    with SiteServer([elsewhere]) as server:
        body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "{server.base_urls["elsewhere"]}/x.xml">]>'
                "<urlset><url><loc>&x;</loc></url><url><loc>http://news.test/ok.shtml</loc></url></urlset>").encode()
        assert [e["loc"] for e in Sitemap(body)] == ["http://news.test/ok.shtml"]
    assert server.requests["elsewhere"] == []


def test_sitemap_formats():
    text = Sitemap(b"http://news.test/a.shtml\r\n\nhttps://news.test/b.shtml\nnot a URL\n")
    assert text.type == "text" and [e["loc"] for e in text] == ["http://news.test/a.shtml", "https://news.test/b.shtml"]
    index = Sitemap(T.sitemap_index([("/maps/1.xml", "2021-03-01")]).encode(), "http://news.test/robots.txt")
    assert index.type == "sitemapindex" and list(index) == [{"loc": "http://news.test/maps/1.xml", "lastmod": "2021-03-01"}]
    assert Sitemap(b"<rss><channel/></rss>").type == "rss"
    assert Sitemap(b"<html><body>404</body></html>").type is None
    assert Sitemap(b"").type is None


def test_a_long_sitemap_is_read_one_entry_at_a_time():
    body = T.sitemap([(f"http://news.test/a/{i}.shtml", "2021-03-01") for i in range(20_000)]).encode()
    sitemap = Sitemap(body)
    sizes = []
    for n, entry in enumerate(sitemap):
        if n % 5000 == 0:
            sizes.append(len(sitemap._events.root) if sitemap._events.root is not None else 0)
    assert n == 19_999 and max(sizes) <= 2  # the tree never holds more than the entry read


def _spider(db_path: Path, **settings) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(db_path), **settings})
    spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def _sitemap_response(locs: list[str]) -> XmlResponse:
    body = T.sitemap([(loc, "2021-03-01") for loc in locs]).encode()
    return XmlResponse("http://news.test/sitemap.xml", body=body,
                       request=Request("http://news.test/sitemap.xml", meta={"news_door": "sitemap"}))


def test_archived_sitemap_entries_cost_no_request(tmp_path):
    locs = [f"http://news.test/content/202103/01/content_{i}.shtml" for i in range(2000)]
    writer = ArchiveWriter(open_archive(tmp_path / "a.db"), link_copies=False)
    writer.save_many([{"url": url, "aliases": [], "title": f"标题{i}", "body": f"正文{i}。" * 30, "site": "news.test",
                       "published_at": "2021-03-01T08:00:00+08:00", "fetched_at": "2021-03-02T00:00:00+00:00",
                       "sitemap_lastmod": "2021-03-01", "related": []} for i, url in enumerate(locs[:1500])])
    spider = _spider(tmp_path / "a.db")
    out = list(spider.parse_sitemap(_sitemap_response(locs)))
    assert [r.url for r in out if isinstance(r, Request)] == locs[1500:]  # only the new ones
    assert spider.crawler.stats.get_value("news/incremental/skipped") == 1500
    assert spider.crawler.stats.get_value("news/links/sitemap") == 2000
    spider.closed("finished")


def test_sitemaps_may_be_larger_than_pages(tmp_path):
    spider = _spider(tmp_path / "a.db", DOWNLOAD_MAXSIZE=2**20)
    robots = Response("http://news.test/robots.txt", body=b"Sitemap: http://news.test/big.xml\n",
                      request=Request("http://news.test/robots.txt", meta={"news_door": "robots"}))
    (request,) = spider.parse_sitemap(robots)
    assert request.meta["download_maxsize"] == SITEMAP_MAXSIZE and request.meta["news_door"] == "sitemap"
