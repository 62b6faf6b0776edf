"""The crawl's components one by one, in Scrapy's style: a crawler built from settings, the
component built from it, and in-memory responses of the sample portals' real markup
(samplesite) with the requests and meta the crawl would give them. No network."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from archive import ArchiveWriter, open_archive
from crawler import settings as project_settings
from crawler.compression import TruncatedBody, TruncatedBodyMiddleware
from crawler.incremental import (UNKNOWN_META, AlreadyArchived, IncrementalMiddleware, RecheckPolicy,
                                 RevisitMiddleware, lastmod_changed, revisits_planned)
from crawler.extract import extract_record
from crawler.items import Article, Capture, LinksSeen, Revisit
from crawler.middlewares import AliasingRedirectMiddleware, CaptureMiddleware, EncodingMiddleware
from crawler.onsite import OFFSITE_META, OnSiteMiddleware
from crawler.pages import NotArticle, RuleBook
from crawler.spiders.news import NewsSpider
from samplesite.portals import MP_PAGES, build_dailyqd, build_pdnews

BASE = "http://news.test"
FETCHED_AT = "2021-03-01T00:00:00+00:00"  # after every sample article
ARTICLE = "/content/202101/25/content_1234567.shtml"  # dailyqd's first expected article
LISTING = "/channel/politics/index.shtml"
PDNEWS_ARTICLE = "/html/2021-01/25/news_1023.html"


def project(**over) -> dict:
    """The project's settings (crawler/settings.py) with ``over``, as a crawl would have them."""
    values = {name: getattr(project_settings, name) for name in dir(project_settings)
              if name.isupper() and name != "TWISTED_REACTOR"}
    return {**values, **over}


@pytest.fixture(scope="module")
def dailyqd():
    return build_dailyqd()


@pytest.fixture
def spider(tmp_path) -> NewsSpider:
    crawler = get_crawler(NewsSpider, project(ARCHIVE_PATH=str(tmp_path / "a.db")))
    spider = NewsSpider.from_crawler(crawler, start_urls=BASE + "/")
    crawler.spider = spider
    crawler.stats.open_spider()
    yield spider
    spider.closed("finished")


def body_of(site, path: str) -> bytes:
    return site.resources[path].body.replace(b"__BASE__", BASE.encode())


def response(site, path: str, meta: dict | None = None, status: int = 200, cls=HtmlResponse, **headers) -> Response:
    """The page ``path`` of ``site`` as the spider receives it, for a request with ``meta``."""
    resource = site.resources[path]
    headers = {"Content-Type": resource.content_type, **headers} if resource.content_type else headers
    request = Request(BASE + path, meta={"news_fetched_at": FETCHED_AT, **(meta or {})})
    return cls(BASE + path, status=status, body=body_of(site, path), headers=headers, request=request)


def expected(site, path: str) -> dict:
    return next(e for e in site.expected if e["url"] == path)


def requests_of(out) -> list[tuple[str, str, int, str | None]]:
    return [(r.url, r.meta.get("news_door"), r.meta.get("news_hops"), r.meta.get("news_link_text"))
            for r in out if isinstance(r, Request)]


# -- the spider's parse_page ----------------------------------------------------------------------

def test_an_article_page_gives_its_article_and_its_related_requests(spider, dailyqd):
    capture = Capture(url=BASE + ARTICLE, fetched_at=FETCHED_AT, status=200, body=b"<html>...</html>")
    page = response(dailyqd, ARTICLE, {"news_door": "sitemap", "news_hops": 3, "news_lastmod": "2021-01-25",
                                       "news_link_text": "十七届人大五次会议开幕", "news_capture": capture},
                    ETag='"v1"', **{"Last-Modified": "Mon, 25 Jan 2021 09:30:00 GMT"})
    out = list(spider.parse_page(page))
    (article,) = [o for o in out if isinstance(o, Article)]
    want = expected(dailyqd, ARTICLE)
    assert article.url == BASE + ARTICLE
    assert article.url_source == "fetched"
    assert article.fetched_url == BASE + ARTICLE
    assert article.title == want["title"] == "青岛市十七届人大五次会议隆重开幕"
    assert article.published_at == want["published_at"] == "2021-01-25T17:30:00+08:00"
    assert article.published_at_raw == "2021-01-25 17:30:00"
    assert article.author == want["author"] == "张晓"
    assert article.source == want["source"] == "青岛日报"
    assert article.body == want["body"]
    assert article.related_urls == [BASE + u for u in want["related_urls"]]
    assert article.site == "news.test"
    assert article.language == want["language"] == "zh-Hans"
    assert article.fetched_at == FETCHED_AT
    assert article.pages == 1
    assert article.aliases == []
    assert article.http_etag == '"v1"'
    assert article.http_last_modified == "Mon, 25 Jan 2021 09:30:00 GMT"
    assert article.sitemap_lastmod == "2021-01-25"
    assert article.link_texts == ["十七届人大五次会议开幕"]  # not the title itself: that tells nothing
    assert article.captures == [capture]
    assert requests_of(out) == [(link.url, "related", 4, link.text) for link in article.related]
    # the very same callback objects every time: Scrapy checks a callback's source each time
    # its weak cache lacks the object, and a bound method made per request dies with it
    assert all(r.callback is spider.parse_page and r.errback is spider.on_error for r in out if isinstance(r, Request))
    stats = spider.crawler.stats
    assert stats.get_value("news/pages/fetched") == 1
    assert stats.get_value("news/pages/article") == 1
    assert stats.get_value("news/extract/method/markup") == 1
    assert stats.get_value("news/links/related") == 3


def test_a_link_text_met_after_the_article_is_sent_as_links_seen(spider, dailyqd):
    (request,) = spider.page_request(BASE + ARTICLE, hops=1, door="listing")
    list(spider.parse_page(response(dailyqd, ARTICLE, request.meta)))
    out = list(spider.page_request(BASE + ARTICLE, hops=1, door="listing", link_text="人大五次会议开幕了"))
    assert out == []  # asked already: nothing requested again
    assert spider.links.take_notes() == LinksSeen(entries=[(BASE + ARTICLE, None, ["人大五次会议开幕了"])])


def test_a_listing_gives_requests_for_its_links_while_hops_remain(spider, dailyqd):
    out = list(spider.parse_page(response(dailyqd, LISTING, {"news_door": "listing", "news_hops": 1})))
    assert not [o for o in out if isinstance(o, Article)]
    requests = requests_of(out)
    assert len(requests) >= 5
    assert (BASE + ARTICLE, "listing", 2, "青岛市十七届人大五次会议隆重开幕") in requests
    assert (BASE + "/channel/politics/index_2.shtml", "listing", 2, None) in requests
    assert all(url.startswith(BASE + "/") for url, *_ in requests)
    assert spider.crawler.stats.get_value("news/pages/not_article/no_article_text") == 1
    # at the last hop, a listing leads nowhere (the crawl stays finite)
    last = response(dailyqd, "/channel/economy/index.shtml", {"news_door": "listing", "news_hops": spider.max_hops})
    assert requests_of(spider.parse_page(last)) == []


def test_a_304_answer_is_a_revisit(spider, dailyqd):
    page = Response(BASE + ARTICLE + "?from=rss", status=304, request=Request(BASE + ARTICLE + "?from=rss", meta={
        "news_door": "sitemap", "news_lastmod": "2021-02-01", "news_link_text": "人大会议开幕",
        "news_stored_title": "青岛市十七届人大五次会议隆重开幕"}))
    (revisit,) = spider.parse_page(page)
    assert isinstance(revisit, Revisit)
    assert revisit.url == BASE + ARTICLE
    assert revisit.sitemap_lastmod == "2021-02-01"
    assert revisit.link_texts == ["人大会议开幕"]
    assert dt.datetime.fromisoformat(revisit.fetched_at).utcoffset() == dt.timedelta(0)


def test_a_split_article_is_assembled_from_its_pages(spider, dailyqd):
    first, second, third = MP_PAGES
    out = list(spider.parse_page(response(dailyqd, first, {"news_door": "listing", "news_hops": 1})))
    assert not [o for o in out if isinstance(o, Article)]
    (following,) = [r for r in out if isinstance(r, Request) and r.callback == spider.parse_continuation]
    assert following.url == BASE + second and following.dont_filter
    assert following.meta["news_pending"] == [BASE + third]
    capture = Capture(url=BASE + second, fetched_at=FETCHED_AT, status=200, body=b"")
    out = list(spider.parse_continuation(response(dailyqd, second, {**following.meta, "news_capture": capture})))
    (last,) = [r for r in out if isinstance(r, Request) and r.callback == spider.parse_continuation]
    assert last.url == BASE + third and last.meta["news_pending"] == []
    out = list(spider.parse_continuation(response(dailyqd, third, last.meta)))
    (article,) = [o for o in out if isinstance(o, Article)]
    want = expected(dailyqd, first)
    assert article.url == BASE + first
    assert article.pages == 3
    assert article.body == want["body"]
    assert article.title == want["title"]
    assert article.published_at == want["published_at"]
    assert article.aliases == [BASE + second, BASE + third]
    assert article.related_urls == [BASE + u for u in want["related_urls"]]
    assert article.captures == [capture]


def test_re_extraction_refuses_an_article_whose_later_page_is_unreadable(dailyqd):
    """Offline (archive reextract) a continuation page that is no text fails the article, so
    the stored whole article is kept; the crawl keeps what the pages it could read gave."""
    first, second, third = MP_PAGES
    pages = [response(dailyqd, first), response(dailyqd, second),
             response(dailyqd, third).replace(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)]
    with pytest.raises(NotArticle):
        extract_record(pages, RuleBook())
    assert extract_record(pages[:2], RuleBook())["pages"] == 2


def test_a_continuation_page_met_first_asks_for_its_first_page(spider, dailyqd):
    first, second, _ = MP_PAGES
    out = list(spider.parse_page(response(dailyqd, second, {"news_door": "related", "news_hops": 4})))
    assert requests_of(out) == [(BASE + first, "continuation", 0, None)]
    assert spider.crawler.stats.get_value("news/pages/continuation") == 1


def test_a_binary_body_is_skipped(spider):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    page = Response(BASE + "/a.shtml", body=png, request=Request(BASE + "/a.shtml"))
    assert list(spider.parse_page(page)) == []
    assert spider.crawler.stats.get_value("news/pages/skipped/binary") == 1


def test_a_feed_gives_a_request_per_item_with_its_title(spider, dailyqd):
    feed = response(dailyqd, "/rss.xml", {"news_door": "feed"}, cls=XmlResponse)
    requests = requests_of(spider.parse_page(feed))
    assert (BASE + ARTICLE, "feed", spider.max_hops, "青岛市十七届人大五次会议隆重开幕") in requests
    assert spider.crawler.stats.get_value("news/links/feed") == len(requests)


def test_robots_txt_leads_to_its_sitemaps_and_a_gzipped_sitemap_to_its_pages(spider, dailyqd):
    robots = response(dailyqd, "/robots.txt", {"news_door": "robots"}, cls=TextResponse)
    (index,) = spider.parse_sitemap(robots)
    assert (index.url, index.meta["news_door"], index.callback) == (BASE + "/sitemap_index.xml", "sitemap",
                                                                     spider.parse_sitemap)
    sitemap = response(dailyqd, "/sitemap/2021.xml.gz", {"news_door": "sitemap"}, cls=Response)
    gz = sitemap.replace(body=gzip.compress(sitemap.body))  # as served, with Content-Encoding: identity
    requests = requests_of(spider.parse_sitemap(gz))
    assert requests and all(door == "sitemap" and hops == spider.max_hops - 1 for _, door, hops, _ in requests)
    assert spider.crawler.stats.get_value("news/links/sitemap") == len(requests)
    cut = gz.replace(body=gz.body[:len(gz.body) // 2])
    assert list(spider.parse_sitemap(cut)) == []
    assert spider.crawler.stats.get_value("news/requests/failed/truncated_body") == 1


# -- downloader middlewares -------------------------------------------------------------------------

def test_capture_middleware_keeps_the_response_as_received():
    mw = CaptureMiddleware.from_crawler(get_crawler(settings_dict=project()))
    request = Request(BASE + ARTICLE, headers={"Accept-Encoding": "gzip"})
    answer = Response(BASE + ARTICLE, status=200, body=b"\x1f\x8b...", protocol="HTTP/1.1",
                      headers={"Content-Encoding": "gzip", "ETag": '"v1"'}, request=request)
    assert mw.process_response(request, answer) is answer
    capture = request.meta["news_capture"]
    assert capture.url == BASE + ARTICLE
    assert capture.status == 200
    assert capture.body == b"\x1f\x8b..."
    assert capture.method == "GET"
    assert capture.protocol == "HTTP/1.1"
    assert ("Content-Encoding", "gzip") in capture.response_headers and ("Etag", '"v1"') in capture.response_headers
    assert ("Accept-Encoding", "gzip") in capture.request_headers
    assert capture.fetched_at == request.meta["news_fetched_at"]
    assert dt.datetime.fromisoformat(capture.fetched_at).utcoffset() == dt.timedelta(0)
    missing = Request(BASE + "/gone.shtml")
    mw.process_response(missing, Response(BASE + "/gone.shtml", status=404, request=missing))
    assert "news_capture" not in missing.meta and "news_fetched_at" in missing.meta
    with pytest.raises(NotConfigured):
        CaptureMiddleware.from_crawler(get_crawler(settings_dict=project(NEWS_KEEP_CAPTURES=False)))


def test_encoding_middleware_redecodes_a_page_whose_charset_is_wrong():
    pdnews = build_pdnews()
    crawler = get_crawler(settings_dict=project())
    mw = EncodingMiddleware.from_crawler(crawler)
    body = pdnews.resources[PDNEWS_ARTICLE].body
    request = Request(BASE + PDNEWS_ARTICLE)
    wrong = HtmlResponse(request.url, body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=request)
    fixed = mw.process_response(request, wrong)
    assert fixed is not wrong and fixed.encoding == "gb18030"
    assert "平度" in fixed.text and "\ufffd" not in fixed.text
    assert crawler.stats.get_value("news/encoding/redecoded/gb18030") == 1
    right = HtmlResponse(request.url, body=body, headers={"Content-Type": "text/html; charset=gbk"}, request=request)
    assert mw.process_response(request, right) is right


def _redirect_mw() -> AliasingRedirectMiddleware:
    crawler = get_crawler(NewsSpider, project())
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls=BASE + "/")  # Scrapy's part reads it
    return AliasingRedirectMiddleware.from_crawler(crawler)


def test_aliasing_redirects_are_fetched_even_when_crawled_already():
    mw = _redirect_mw()
    request = Request(BASE + "/html/2021-01/26/old_88.htm", meta={"news_door": "related"})
    moved = Response(request.url, status=301, headers={"Location": ARTICLE}, request=request)
    target = mw.process_response(request, moved)
    assert isinstance(target, Request)
    assert target.url == BASE + ARTICLE
    assert target.dont_filter  # the old URL must reach the archive as an alias
    assert target.meta["redirect_urls"] == [request.url]
    assert target.meta["news_door"] == "related"


def test_a_refresh_header_is_followed_like_a_meta_refresh():
    mw = _redirect_mw()
    request = Request(BASE + "/m/old.shtml")
    refreshed = HtmlResponse(request.url, body=b"<html></html>", headers={"Refresh": "0; url=/new.shtml"}, request=request)
    target = mw.process_response(request, refreshed)
    assert isinstance(target, Request) and target.url == BASE + "/new.shtml" and target.dont_filter
    assert target.meta["redirect_reasons"] == ["refresh header"]
    slow = refreshed.replace(headers={"Refresh": "600; url=/new.shtml"})
    assert mw.process_response(request, slow) is slow  # past METAREFRESH_MAXDELAY: the page itself
    itself = refreshed.replace(headers={"Refresh": "0; url=/m/old.shtml"})
    assert mw.process_response(request, itself) is itself


def test_the_on_site_guard_refuses_other_hosts_and_counts_them():
    crawler = get_crawler(settings_dict=project(NEWS_CRAWL_NETLOCS=["news.test"]))
    mw = OnSiteMiddleware.from_crawler(crawler)
    assert mw.process_request(Request(BASE + ARTICLE)) is None
    away = Request("http://elsewhere.test/a.shtml", meta={"news_door": "related"})
    with pytest.raises(IgnoreRequest):
        mw.process_request(away)
    assert away.meta[OFFSITE_META] == "link"
    redirected = Request("http://news.test:8080/a.shtml", meta={"redirect_reasons": [301], "redirect_urls": [BASE + "/a"]})
    with pytest.raises(IgnoreRequest):
        mw.process_request(redirected)
    assert redirected.meta[OFFSITE_META] == "http_redirect"
    assert crawler.stats.get_value("news/offsite/link") == 1
    assert crawler.stats.get_value("news/offsite/http_redirect") == 1
    robots = Request(BASE + "/robots.txt", meta={"dont_obey_robotstxt": True})
    assert mw.process_request(robots) is None and robots.meta["dont_retry"] is True
    with pytest.raises(NotConfigured):
        OnSiteMiddleware.from_crawler(get_crawler(settings_dict=project()))


def test_truncated_compressed_bodies_are_failed_requests():
    mw = TruncatedBodyMiddleware.from_crawler(get_crawler(settings_dict=project()))
    whole = gzip.compress("<p>正文</p>".encode() * 2000)
    request = Request(BASE + ARTICLE)
    complete = Response(request.url, body=whole, headers={"Content-Encoding": "gzip"}, request=request)
    assert mw.process_response(request, complete) is complete
    with pytest.raises(TruncatedBody):
        mw.process_response(request, complete.replace(body=whole[: len(whole) // 2]))
    head = Request(BASE + ARTICLE, method="HEAD")
    cut = complete.replace(body=whole[:10], request=head)
    assert mw.process_response(head, cut) is cut


# -- the incremental check and the revisit budget, on a small archive -------------------------------

STORED = {"aliases": [], "title": "标题", "body": "正文。" * 30, "site": "news.test",
          "published_at": "2021-01-25T10:00:00+08:00", "fetched_at": "2021-01-25T03:00:00+00:00",
          "sitemap_lastmod": "2021-01-25", "http_etag": '"e1"', "http_last_modified": "Mon, 25 Jan 2021 03:00:00 GMT",
          "related": [{"url": BASE + "/content/202101/24/content_1.shtml", "text": "相关"}]}


@pytest.fixture
def archived(tmp_path):
    """An archive holding one article, ``BASE + ARTICLE``; the settings of a crawl on it."""
    path = tmp_path / "a.db"
    db = open_archive(path)
    ArchiveWriter(db).save({**STORED, "url": BASE + ARTICLE})
    db.close()
    return project(ARCHIVE_PATH=str(path), NEWS_CRAWL_NETLOCS=["news.test"])


def test_incremental_middleware_skips_what_is_archived_and_not_due(archived):
    crawler = get_crawler(settings_dict=archived)
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(None)
    try:
        with pytest.raises(AlreadyArchived) as refused:
            mw.process_request(Request(BASE + ARTICLE + "?utm_source=x", meta={"news_door": "sitemap",
                                                                              "news_lastmod": "2021-01-25"}))
        assert refused.value.related == [BASE + "/content/202101/24/content_1.shtml"]
        assert refused.value.lastmod_to_record is None  # the archive has one
        assert crawler.stats.get_value("news/incremental/skipped") == 1
        unknown = Request(BASE + "/content/202101/26/content_9.shtml", meta={"news_door": "listing"})
        assert mw.process_request(unknown) is None and "handle_httpstatus_list" not in unknown.meta
        start = Request(BASE + ARTICLE, meta={"news_door": "start"})
        assert mw.process_request(start) is None and not start.headers
        changed = Request(BASE + ARTICLE, meta={"news_door": "sitemap", "news_lastmod": "2021-01-30"})
        assert mw.process_request(changed) is None
        assert changed.headers[b"If-None-Match"] == b'"e1"'
        assert changed.headers[b"If-Modified-Since"] == b"Mon, 25 Jan 2021 03:00:00 GMT"
        assert changed.meta["handle_httpstatus_list"] == [304]
        assert changed.meta["news_stored_title"] == "标题"
        assert crawler.stats.get_value("news/incremental/rechecked/lastmod") == 1
    finally:
        mw.spider_closed(None)
    with pytest.raises(NotConfigured):
        IncrementalMiddleware.from_crawler(get_crawler(settings_dict={**archived, "NEWS_INCREMENTAL": False}))


def test_a_url_the_spider_found_unknown_to_the_archive_is_not_weighed_again(archived, tmp_path):
    """The spider asks the archive before it makes a request and marks a URL it does not know
    (UNKNOWN_META); the middleware then does not ask a second time."""
    crawler = get_crawler(NewsSpider, archived)
    spider = NewsSpider.from_crawler(crawler, start_urls=BASE + "/")
    new_url = BASE + "/content/202101/26/content_9.shtml"
    (request,) = list(spider.page_request(new_url, hops=1, door="listing"))
    assert request.meta[UNKNOWN_META] is True
    (unchanged,) = list(spider.page_request(BASE + "/content/202101/27/content_8.shtml", hops=1, door="start"))
    assert UNKNOWN_META not in unchanged.meta  # start pages are not asked about
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(None)
    try:  # even were it archived by now, the middleware believes the spider's answer
        marked = Request(BASE + ARTICLE, meta={"news_door": "listing", UNKNOWN_META: True})
        assert mw.process_request(marked) is None and not marked.headers
        assert crawler.stats.get_value("news/incremental/skipped") is None
    finally:
        mw.spider_closed(None)
        spider.closed("finished")


async def _collect(agen) -> list:
    return [entry async for entry in agen]


async def _starts(*requests):
    for request in requests:
        yield request


def test_revisit_middleware_adds_the_revisit_budget_after_the_start_requests(archived):
    crawler = get_crawler(settings_dict={**archived, "NEWS_REVISIT_RUNS": 1})
    planned = []
    crawler.signals.connect(lambda urls: planned.extend(urls), signal=revisits_planned, weak=False)
    mw = RevisitMiddleware.from_crawler(crawler)
    start = Request(BASE + "/", meta={"news_door": "start"})
    out = asyncio.run(_collect(mw.process_start(_starts(start))))
    assert out[0] is start
    (revisit,) = out[1:]
    assert revisit.url == BASE + ARTICLE
    assert revisit.meta == {"news_door": "revisit", "handle_httpstatus_list": [304, 404, 410]}
    assert revisit.dont_filter and revisit.priority == -1 and revisit.callback is None
    assert planned == [BASE + ARTICLE]
    assert crawler.stats.get_value("news/incremental/revisit_planned") == 1
    backfill = Request(BASE + "/", meta={"news_door": "start", "news_backfill": True})
    assert asyncio.run(_collect(mw.process_start(_starts(backfill)))) == [backfill]
    with pytest.raises(NotConfigured):
        RevisitMiddleware.from_crawler(get_crawler(settings_dict={**archived, "NEWS_REVISIT_RUNS": 0}))


def test_the_spider_asks_the_archive_before_it_makes_a_request(archived):
    crawler = get_crawler(NewsSpider, archived)
    spider = NewsSpider.from_crawler(crawler, start_urls=BASE + "/")
    crawler.spider = spider
    try:
        out = list(spider.page_request(BASE + ARTICLE, hops=4, door="related"))
        # not requested; its stored related list is followed instead
        assert requests_of(out) == [(BASE + "/content/202101/24/content_1.shtml", "related", 4, None)]
        assert crawler.stats.get_value("news/incremental/skipped") == 1
        # a link text naming another title, met later, asks for it again
        (again,) = spider.page_request(BASE + ARTICLE, hops=1, door="listing", link_text="标题改了：新的标题")
        assert (again.url, again.meta["news_door"], again.dont_filter) == (BASE + ARTICLE, "again", True)
    finally:
        spider.closed("finished")


# -- the re-check policy ----------------------------------------------------------------------------

NOW = dt.datetime(2021, 3, 10, 12, 0, tzinfo=dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize("age, since_fetch, due", [
    (dt.timedelta(days=1), dt.timedelta(hours=6), True),  # 0.25 x its age: due
    (dt.timedelta(days=1), dt.timedelta(hours=6) - dt.timedelta(seconds=1), False),
    (dt.timedelta(days=4), dt.timedelta(days=1), True),
    (dt.timedelta(days=4), dt.timedelta(hours=23, minutes=59), False),
    (dt.timedelta(days=7), dt.timedelta(days=7), True),  # NEWS_RECHECK_DAYS old: still re-checked
    (dt.timedelta(days=7, seconds=1), dt.timedelta(days=7), False),  # older: never again by policy
    (-dt.timedelta(hours=1), dt.timedelta(days=1), False),  # "published" in the future: a mistake
])
def test_recheck_policy_boundaries(age, since_fetch, due):
    policy = RecheckPolicy(days=7, backoff=0.25)
    assert policy.due(_iso(NOW - age), _iso(NOW - since_fetch), NOW) is due


def test_recheck_policy_needs_both_times_and_backoff_zero_rechecks_every_run():
    policy = RecheckPolicy(days=7, backoff=0.25)
    assert policy.due(None, _iso(NOW - dt.timedelta(days=1)), NOW) is False
    assert policy.due(_iso(NOW - dt.timedelta(days=1)), None, NOW) is False
    assert policy.due("not a date", _iso(NOW - dt.timedelta(days=1)), NOW) is False
    every_run = RecheckPolicy(days=7, backoff=0)
    assert every_run.due(_iso(NOW - dt.timedelta(days=2)), _iso(NOW), NOW) is True
    # a time with another offset is the same moment
    assert policy.due("2021-03-09T20:00:00+08:00", "2021-03-10T06:00:00+00:00", NOW) is True


@pytest.mark.parametrize("lastmod, last_fetched, due", [
    # a day without a time: due unless it ended before the day of the last fetch (site time)
    ("2021-03-01", "2021-02-28T20:00:00+00:00", True),   # 04:00 on 1 March in Shanghai
    ("2021-03-01", "2021-03-01T16:30:00+00:00", False),  # 00:30 on 2 March in Shanghai
    ("2021-03", "2021-03-20T01:00:00+00:00", True),       # a month: the fetch's month
    ("2021-02", "2021-03-01T01:00:00+00:00", False),
    # a moment without an offset is the site's time: 10:00 in Shanghai is 02:00 UTC
    ("2021-03-01T10:00:00", "2021-03-01T05:00:00+00:00", False),
    ("2021-03-01T10:00:00+08:00", "2021-03-01T01:00:00+00:00", True),
    ("not a date", "2021-03-01T01:00:00+00:00", False),
])
def test_a_lastmod_is_weighed_against_the_last_fetch_in_the_sites_time(lastmod, last_fetched, due):
    state = {"sitemap_lastmod": None, "last_fetched_at": last_fetched, "last_seen_at": last_fetched}
    assert lastmod_changed(lastmod, state, "Asia/Shanghai") is due
