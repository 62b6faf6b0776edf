"""Dates in Chinese bylines, metadata and URLs; never a guess, and never an impossible one."""

import datetime as dt
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from archive import clock
from crawler import settings as project_settings
from crawler.dates import DateWindow, earliest_date, parse_machine_date, parse_text_date
from crawler.encoding import redecode
from crawler.extract import CaptureExtractor, extract_bytes
from crawler.incremental import lastmod_changed
from crawler.pages import RuleBook
from crawler.pages.siterule import SiteRule
from crawler.urls import date_from_url
from tests.savedpages import record


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2021-01-25 17:30", "2021-01-25T17:30:00+08:00"),
        ("2021-01-25 17:30:00", "2021-01-25T17:30:00+08:00"),
        ("2021年01月25日 17:30", "2021-01-25T17:30:00+08:00"),
        ("2021年1月5日 9:05", "2021-01-05T09:05:00+08:00"),
        ("发布时间：2021/01/25 17:30", "2021-01-25T17:30:00+08:00"),
        ("發佈時間：2021-03-05 10:20 來源：膠東在線", "2021-03-05T10:20:00+08:00"),
        ("来源：平度日报　2021-1-5 9:05　记者 李强", "2021-01-05T09:05:00+08:00"),
        ("2021年01月25日", "2021-01-25"),
        ("浏览 2020-12-01 发布时间: 2021-01-02 08:00", "2021-01-02T08:00:00+08:00"),
    ],
)
def test_text_dates(text, iso):
    assert parse_text_date(text)[0] == iso


@pytest.mark.parametrize("text", ["编号2021", "2021年13月40日", "第2021期", "1月25日 17:30", "17:30"])
def test_unreadable_dates_are_none(text):
    assert parse_text_date(text) is None


def test_site_timezone():
    assert parse_text_date("2021-01-25 17:30", "Asia/Taipei")[0] == "2021-01-25T17:30:00+08:00"
    assert parse_text_date("2021-01-25 17:30", "Europe/Berlin")[0] == "2021-01-25T17:30:00+01:00"


def test_machine_dates():
    assert parse_machine_date("2021-03-02T08:15:00+08:00") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("2021-03-02T00:15:00Z") == "2021-03-02T00:15:00+00:00"
    assert parse_machine_date("2021-03-02T08:15:00") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("2021-03-02") == "2021-03-02"
    assert parse_machine_date("2021年03月02日 08:15") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("not a date") is None


@pytest.mark.parametrize(
    "url, day",
    [
        ("http://h/content/202101/25/content_1.shtml", "2021-01-25"),
        ("http://h/html/2021-01/26/old_88.htm", "2021-01-26"),
        ("http://h/2021/01/25/a.html", "2021-01-25"),
        ("http://h/gov/t20210125_123.html", "2021-01-25"),
        ("http://h/content/202113/45/content_1.shtml", None),
        ("http://h/list.asp?id=3&page=2", None),
    ],
)
def test_dates_in_urls(url, day):
    found = date_from_url(url)
    assert (found.isoformat() if found else None) == day


# -- impossible dates: the date window ------------------------------------------------------

PAGES = Path(__file__).parent / "fixtures" / "mechanisms"
# The Yantai port article: a byline "2024-03-05 08:30" under its headline, nothing else dated.
BYLINE_PAGE, BYLINE_URL = PAGES / "date_header_today.html", "https://www.shm.example/news/yantai/content_2671290.html"
BYLINE = b"<span>2024-03-05 08:30</span>"
# The Rizhao port article: dated by its JSON-LD datePublished only.
JSONLD_PAGE, JSONLD_URL = PAGES / "date_jsonld_lenient.html", "https://www.rizhaoonline.example/port/92345.html"
FETCHED = "2024-03-06T02:00:00+00:00"  # 10:00 in Yantai


def test_the_window_runs_from_the_earliest_day_to_the_day_after_the_fetch():
    window = DateWindow(dt.datetime(2024, 3, 5, 20, 0, tzinfo=dt.timezone.utc), "Asia/Shanghai")  # 04:00 on the 6th
    assert (window.today, window.latest) == (dt.date(2024, 3, 6), dt.date(2024, 3, 7))
    assert window.rejects("2024-03-07T23:59:00+08:00") is None
    assert window.rejects("2024-03-07T20:00:00-05:00") == "future"  # 09:00 on the 8th in Yantai
    assert window.rejects("2024-03-08") == "future"
    assert window.rejects("1990-01-01") is None
    assert window.rejects("1989-12-31T23:59:00+08:00") == "too_old"
    assert window.rejects("not a date") == "unreadable"


def test_local_mean_time_is_written_in_utc():
    """zoneinfo gives Shanghai +08:05:43 before 1901, no ISO 8601 offset: the same instant in UTC."""
    assert parse_text_date("1900-01-01 10:00")[0] == "1900-01-01T01:54:17+00:00"
    assert parse_machine_date("1900-01-01T10:00:00") == "1900-01-01T01:54:17+00:00"
    assert parse_machine_date("0001-01-01T00:00:00") == "0001-01-01"  # before UTC's calendar: the day


def _page(path: Path, url: str, old: bytes = b"", new: bytes = b"", rulebook: RuleBook | None = None):
    """``(article, page)`` of a saved page (``old`` replaced by ``new``) fetched at FETCHED."""
    body = path.read_bytes().replace(old, new)
    response = redecode(HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html"}))
    page = (rulebook or RuleBook()).page(response, FETCHED)
    return page.article(), page


@pytest.mark.parametrize("old, new, raw, reason", [
    pytest.param(b"2023-11-20T07:45:00+08:00", b"3000-01-01T10:00:00+08:00", "3000-01-01T10:00:00+08:00", "future",
                 id="json-ld-year-3000"),
    pytest.param(b"2023-11-20T07:45:00+08:00", b"1900-01-01T00:00:00", "1900-01-01T00:00:00", "too_old",
                 id="json-ld-1900-placeholder"),
    pytest.param(b"2023-11-20T07:45:00+08:00", b"2024-03-08T08:00:00+08:00", "2024-03-08T08:00:00+08:00", "future",
                 id="json-ld-two-days-ahead"),
])
def test_an_impossible_date_is_null_and_keeps_its_raw_text(old, new, raw, reason):
    article, page = _page(JSONLD_PAGE, JSONLD_URL, old, new)
    rec = record(article)
    assert (rec["published_at"], rec["published_at_raw"], page.date_rejection) == (None, raw, reason)
    assert rec["title"] == "日照港开通首条至南美集装箱直航航线"


def test_a_site_rule_date_is_judged_too():
    rulebook = RuleBook({"www.shm.example": SiteRule(date=".con_info span")})
    article, page = _page(BYLINE_PAGE, BYLINE_URL, BYLINE, b"<span>1900-01-01 08:30</span>", rulebook=rulebook)
    assert (article.published_at, article.published_at_raw, page.date_rejection) == (None, "1900-01-01 08:30", "too_old")
    # the day after the fetch is still possible: a site's clock a few hours ahead
    article, page = _page(BYLINE_PAGE, BYLINE_URL, BYLINE, b"<span>2024-03-07 08:30</span>", rulebook=rulebook)
    assert (article.published_at, page.date_rejection) == ("2024-03-07T08:30:00+08:00", None)


def test_an_impossible_day_in_the_url_neither_dates_the_page_nor_judges_its_byline():
    url = "https://www.shm.example/news/2099/01/01/content_2671290.html"
    article, page = _page(BYLINE_PAGE, url)
    assert (article.published_at, page.date_rejection) == ("2024-03-05T08:30:00+08:00", None)
    article, page = _page(BYLINE_PAGE, url, BYLINE, b"<span></span>")
    assert (article.published_at, article.published_at_raw, page.date_rejection) == (None, None, "future")


def test_a_labelled_byline_date_is_stated_an_unlabelled_old_one_is_not():
    article, page = _page(BYLINE_PAGE, BYLINE_URL, BYLINE, "<span>发布时间：1989-06-01 08:30</span>".encode())
    assert (article.published_at, article.published_at_raw, page.date_rejection) == (None, "1989-06-01 08:30", "too_old")
    article, page = _page(BYLINE_PAGE, BYLINE_URL, BYLINE, b"<span>1989-06-01 08:30</span>")
    assert (article.published_at, article.published_at_raw, page.date_rejection) == (None, None, None)


def test_the_earliest_day_is_a_setting():
    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("NEWS_EARLIEST_DATE", "1980-01-01")
    rulebook = RuleBook.from_settings(settings)
    article, page = _page(BYLINE_PAGE, BYLINE_URL, BYLINE, "<span>发布时间：1989-01-10 08:30</span>".encode(),
                          rulebook=rulebook)
    assert (article.published_at, page.date_rejection) == ("1989-01-10T08:30:00+08:00", None)
    assert earliest_date("1990-01-01") == dt.date(1990, 1, 1)
    for bad in ("1990-13-01", "1990", "yesterday", ""):
        settings.set("NEWS_EARLIEST_DATE", bad)
        with pytest.raises(ValueError, match="NEWS_EARLIEST_DATE must be a day like 1990-01-01"):
            RuleBook.from_settings(settings)


def test_extract_and_reextract_judge_by_their_own_now():
    """``python -m crawler.extract`` judges by today; ``archive reextract`` by the capture's
    fetch time, so an old capture of a page dated after it is refused its date."""
    rulebook = RuleBook()
    body = JSONLD_PAGE.read_bytes().replace(b"2023-11-20T07:45:00+08:00", b"3000-01-01T10:00:00+08:00")
    rec = extract_bytes(body, JSONLD_URL, rulebook)
    assert (rec["published_at"], rec["published_at_raw"]) == (None, "3000-01-01T10:00:00+08:00")
    capture = {"url": JSONLD_URL, "status": 200, "response_headers": [["Content-Type", "text/html"]],
               "body": JSONLD_PAGE.read_bytes()}
    extractor = CaptureExtractor(rulebook)
    assert extractor([{**capture, "fetched_at": "2023-11-21T02:00:00+00:00"}])["published_at"] == "2023-11-20T07:45:00+08:00"
    rec = extractor([{**capture, "fetched_at": "2023-11-18T02:00:00+00:00"}])
    assert (rec["published_at"], rec["published_at_raw"]) == (None, "2023-11-20T07:45:00+08:00")


def test_a_lastmod_in_the_year_3000_makes_an_article_due_once():
    """A site's lastmod is compared with what it said before: the first time none is recorded
    (later than the last fetch: due), then the recorded one (the same: not due)."""
    state = {"sitemap_lastmod": None, "last_fetched_at": "2024-03-06T02:00:00+00:00", "last_seen_at": None}
    assert lastmod_changed("3000-01-01", state)
    assert not lastmod_changed("3000-01-01", {**state, "sitemap_lastmod": "3000-01-01"})


def test_one_rule_for_iso_values_without_an_offset():
    """archive.clock: a day is a day (itself wherever it is read), and the start of that day in
    the site's timezone where an instant is needed; a naive moment is read in that timezone;
    less than a day is no date."""
    assert clock.parse_iso("2021-03-01") == dt.date(2021, 3, 1)
    assert clock.day_of("2021-03-01", "America/New_York") == dt.date(2021, 3, 1)
    assert clock.instant("2021-03-01").isoformat() == "2021-03-01T00:00:00+08:00"
    assert clock.instant("2021-03-01", "Europe/Berlin").isoformat() == "2021-03-01T00:00:00+01:00"
    assert clock.instant("2021-03-01 10:00").isoformat() == "2021-03-01T10:00:00+08:00"
    assert clock.instant("2021-03-01T10:00:00Z").isoformat() == "2021-03-01T10:00:00+00:00"
    assert clock.day_of("2021-02-28T20:00:00+00:00", "Asia/Shanghai") == dt.date(2021, 3, 1)
    for partial in ("2021", "2021-03", "2021-02-30", "20210301", "2021-03-01 来源", None):
        assert clock.parse_iso(partial) is None
    assert clock.parse_day("2021-03-01") == dt.date(2021, 3, 1)
    for bad in ("2021-03-01T10:00", "2021-03", ""):
        with pytest.raises(ValueError, match="not a day like 2021-03-01"):
            clock.parse_day(bad)
    assert clock.utc_now().endswith("+00:00") and clock.now_utc().utcoffset() == dt.timedelta(0)
