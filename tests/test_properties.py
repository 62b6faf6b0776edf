"""Properties of the pure functions every record passes through, checked with hypothesis on
realistic input (Chinese news text with converter annotations, full-width punctuation and
entities; portal URLs with tracking parameters, GBK percent escapes, IDNs, ports and
fragments; dates as pages write them) mixed with arbitrary text:

- the URL canonicalizer never raises, is idempotent, keeps the scheme, host and port, drops
  tracking parameters and keeps every other query parameter (the bytes the server receives);
- the date parsers never raise and give a day or a moment with a whole-minute offset that
  reads back to itself; the date window admits only days it contains, and a page never
  stores a publication date outside it;
- the text cleaners never raise, are idempotent, keep every Han character that is not part
  of a converter annotation and leave no control character behind.

Each bug the properties found is pinned by an ``@example``. Runs derandomized, without an
example database, so every run checks the same cases.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import unquote_plus, unquote_to_bytes, urljoin, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from archive import clock
from archive.chinese import (HAN_CLASS, count_traditional_only, fold, is_traditional_only, search_folding,
                             strip_annotations, strip_for_comparison)
from crawler import dates
from crawler.cleaning import BadArticle, clean_article
from crawler.items import Article, RelatedLink
from crawler.pages import RuleBook
from crawler.pages.metadata import _SCRIPT_DATE, SCRIPT_DATE_WORDS
from crawler.pages.siterule import SiteRule
from crawler.pages.vocabulary import BYLINE_HINT, BYLINE_HINT_WORDS, FOOTER, FOOTER_WORDS
from crawler.text import clean_body, clean_line, garbled_reason, link_text_key, script_of
from crawler.urls import TRACKING_PARAMS, TRACKING_PREFIXES, _join, absolute, canonicalize, date_from_url

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# -- strategies ------------------------------------------------------------------------------

HAN = "青岛市平度代表团审议政府工作报告新闻來源發佈時間團隊強調聯賽國際會議记者王清宪憲"
PUNCTUATION = "，。！？：；、“”‘’（）【】《》…—·　 "
_ANNOTATED = ["團(tuán)", "強(qiáng)", "調(diào)", "聯(lián)", "們(men)", "麼(me)", "團(tuán)(tuán)", "(CBA)", "（更正）",
              "(1)", "的(de)"]
_ENTITIES = ["&nbsp;", "&amp;", "&lt;", "&amp;lt;", "&#20013;", "&#x56fd;", "&#10;", "&#0;", "&#147;", "&#8203;",
             "&amp;nbsp;", "&"]
_ODD = ["\u200b", "\ufeff", "\u00ad", "\u200e", "\x00", "\x01", "\x08", "\x7f", "\x85", "\x93", "\x9d",
        "\r", "\n", "\t", "\x0b", "\u2028", "\u0301", "\ud800", "\uf900", "\U00020000"]

chinese_text = st.lists(
    st.one_of(st.text(alphabet=HAN + PUNCTUATION, min_size=1, max_size=12), st.sampled_from(_ANNOTATED),
              st.sampled_from(_ENTITIES), st.sampled_from(_ODD), st.text(alphabet="CBA5Gabcxyz ", max_size=5)),
    max_size=12,
).map("".join)
any_text = st.one_of(chinese_text, st.text(max_size=40), st.text(alphabet=st.characters(), max_size=20))

_HOSTS = ["news.example.cn", "WWW.Dailyqd.COM", "新闻.中国", "xn--fiqs8s.cn", "127.0.0.1", "[::1]", "m.news.example.cn"]
_PORTS = ["", ":80", ":443", ":8080", ":08080"]
_SEGMENTS = ["content", "202101", "25", "content_1234567.shtml", "新闻", "%E4%B8%AD%E6%96%87", "%D6%D0%CE%C4",
             "a%2Fb", "%25", "t20210125_123.html", "", "..", "a b"]
_PARAMS = ["id=3", "page=2", "q=%D6%D0%CE%C4", "q=%E9%9D%92%E5%B2%9B", "12345", "kw=a+b", "x=", "=y",
           "utm_source=wechat", "UTM_Medium=social", "spm=a1.b2", "from=timeline", "a=1;b=2", "t=%zz", "&"]

portal_url = st.builds(
    lambda space, scheme, host, port, path, params, fragment: (
        f"{space}{scheme}://{host}{port}/{'/'.join(path)}" + ("?" + "&".join(params) if params else "")
        + fragment + space),
    st.sampled_from(["", " ", "\t"]), st.sampled_from(["http", "https", "HTTP", "Https"]), st.sampled_from(_HOSTS),
    st.sampled_from(_PORTS), st.lists(st.sampled_from(_SEGMENTS), max_size=4), st.lists(st.sampled_from(_PARAMS), max_size=4),
    st.sampled_from(["", "#", "#top", "#评论"]),
)
url_like = st.one_of(portal_url, st.text(max_size=30), st.builds(lambda u, t: u + t, portal_url, st.text(max_size=6)))

_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?$")
ZONES = ["Asia/Shanghai", "Asia/Taipei", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "Africa/Monrovia"]


def _written(day: dt.date, hour: int, minute: int, form: int) -> str:
    y, m, d = day.year, day.month, day.day
    return [f"{y}-{m:02d}-{d:02d} {hour:02d}:{minute:02d}", f"{y}年{m}月{d}日 {hour}:{minute:02d}",
            f"{y}/{m:02d}/{d:02d}", f"{y}-{m:02d}-{d:02d}T{hour:02d}:{minute:02d}:00",
            f"{y}-{m:02d}-{d:02d}T{hour:02d}:{minute:02d}:00+09:00", f"{y}.{m}.{d}", f"{m}/{d}/{y} {hour % 12 + 1}:{minute:02d} PM",
            f"{y}-{m:02d}-{d:02d}"][form]


written_date = st.builds(_written, st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.integers(0, 23),
                         st.integers(0, 59), st.integers(0, 7))
near_date = st.builds(_written, st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)), st.integers(0, 23),
                      st.integers(0, 59), st.integers(0, 7))
date_text = st.one_of(
    written_date, near_date,
    st.builds(lambda label, date, tail: label + date + tail, st.sampled_from(["发布时间：", "來源：膠東在線 ", "日期:", "更新时间 ", ""]),
              near_date, st.sampled_from(["", " 来源：青岛日报", "星期二", ":61", "Z", "+08:00", "+0805"])),
    any_text,
)
aware_now = st.datetimes(dt.datetime(1995, 1, 1), dt.datetime(2090, 1, 1), timezones=st.just(dt.timezone.utc))


def _han(text: str) -> list[str]:
    return re.findall(f"[{HAN_CLASS}]", text)


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _controls(text: str, allowed: str = "") -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed]


# -- URLs ------------------------------------------------------------------------------------

def _query_bytes(query: str) -> list[bytes]:
    """The query's parameters as the server receives them (escapes decoded, text as UTF-8)."""
    return [unquote_to_bytes(p) for p in query.split("&") if p]


def _tracking(pair: str) -> bool:
    key = unquote_plus(pair.split("=", 1)[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@PROPERTY
@given(url_like)
@example("http://news.example.cn/search.asp?q=%D6%D0%CE%C4&utm_source=x")  # GBK escapes were turned into U+FFFD
@example("http://news.example.cn/show.asp?12345")  # a bare query became "12345="
@example("http://[::1")  # no valid URL: returned as it is, not raised
@example("HTTP://0?\x08")  # control characters around a URL are no part of it
def test_canonicalize_is_idempotent_and_keeps_site_and_parameters(url):
    canon = canonicalize(url)
    assert canonicalize(canon) == canon
    try:
        before, after = urlsplit(re.sub(r"^[\s\x00-\x1f]+|[\s\x00-\x1f]+$", "", url)), urlsplit(canon)
        port_before = before.port
    except ValueError:
        return  # no URL: nothing to keep
    if before.scheme not in ("http", "https"):
        return
    assert after.scheme == before.scheme
    assert after.hostname in (before.hostname, _idna(before.hostname or ""))
    assert after.port == (None if port_before == {"http": 80, "https": 443}[before.scheme] else port_before)
    assert not after.fragment
    kept = [p for p in before.query.split("&") if p and not _tracking(p)]
    assert _query_bytes(after.query) == _query_bytes("&".join(kept))


@PROPERTY
@given(portal_url, st.one_of(portal_url, st.sampled_from(["/a/1.html", "../b.html", "?page=2", "#c", "//other.example.cn/x",
                                                          "javascript:void(0)", "http://[bad", " "]), any_text))
def test_absolute_never_raises(base, href):
    url = absolute(base, href)
    assert url is None or canonicalize(url) == url


_PATH_PIECES = ["/", "//", ".", "..", "/.", "/..", "a", "新闻", "%2e", "?", "#", "?x=1", "#top", ";p", " ", "\t", "\x01"]


@PROPERTY
@given(portal_url, st.one_of(st.lists(st.sampled_from(_PATH_PIECES), max_size=8).map(lambda p: "/" + "".join(p)),
                             st.text(max_size=12).map(lambda t: "/" + t)))
@example("http://news.example.cn/a/b.html", "/x/../y")  # a ".." segment is resolved, not kept
@example("http://news.example.cn/a/b.html", "/x?")  # an empty query is dropped
def test_root_paths_join_as_urljoin_joins_them(base, href):
    assert _join(base, href) == urljoin(base, href)


@PROPERTY
@given(chinese_text)
@example("團\U00020000")  # beyond the BMP: counted by the other path
def test_traditional_characters_count_as_the_converter_says(text):
    assert count_traditional_only(text) == sum(1 for ch in text if _han(ch) and is_traditional_only(ch))


_GATED = [(FOOTER, FOOTER_WORDS), (BYLINE_HINT, BYLINE_HINT_WORDS)]
_GATED_WORDS = [re.sub(r"\[(.).*?\]", r"\1", word)  # each word as written, the first of a [class]
                for _, words in _GATED for word in words.replace("(?:19|20)\\d\\d", "2021").split("|")]


@PROPERTY
@given(st.lists(st.one_of(chinese_text, st.sampled_from(_GATED_WORDS), st.sampled_from(_GATED_WORDS).map(str.lower)),
                max_size=4).map(" ".join))
def test_a_gated_pattern_matches_as_its_words_do(text):
    """The lookahead in front of a vocabulary pattern (vocabulary.gated) names every first
    character its words can start with: it finds what the bare words find, where they find it."""
    for pattern, words in _GATED:
        for word in _GATED_WORDS:  # every word, not only those drawn
            assert bool(pattern.search(f"网站{word}")) == bool(re.search(words, f"网站{word}", pattern.flags)), word
        bare = re.search(words, text, pattern.flags)
        found = pattern.search(text)
        assert (found and found.span()) == (bare and bare.span()), (pattern.pattern, text)


_SCRIPT_PIECES = ["var publish_time = ", "_pubDate:", "PUBTIME=", '"datePublished": ', "a.ptime=", "repubtime=",
                  '"2021-01-02 10:00"', "'2021-01-02'", ";", " ", "x", "_", "\n", "pub", "date"]


@PROPERTY
@given(st.lists(st.sampled_from(_SCRIPT_PIECES), max_size=12).map("".join))
@example('x_pubDate:"2021-01-02"')  # "_" starts a name too
def test_script_dates_are_found_as_the_bare_pattern_finds_them(script):
    bare = re.compile(SCRIPT_DATE_WORDS, re.I)
    assert [m.span() for m in _SCRIPT_DATE.finditer(script)] == [m.span() for m in bare.finditer(script)]


@PROPERTY
@given(url_like)
def test_dates_in_urls_are_real_days(url):
    day = date_from_url(url)
    assert day is None or 1900 <= day.year <= 2099


# -- dates -----------------------------------------------------------------------------------

def _valid_iso(iso: str) -> None:
    assert _ISO_MOMENT.match(iso), iso
    if len(iso) == 10:
        dt.date.fromisoformat(iso)
    else:
        assert dt.datetime.fromisoformat(iso).utcoffset() is not None


@PROPERTY
@given(date_text, st.sampled_from(ZONES))
@example("1900-01-01 10:00", "Asia/Shanghai")  # was +08:05:43, zoneinfo's local mean time
@example("0001-01-01T00:00:00", "Asia/Shanghai")  # local mean time that UTC cannot hold
@example("1971-06-01 08:00", "Africa/Monrovia")  # -00:44:30 until 1972
def test_date_parsers_give_iso_that_reads_back(text, tz):
    found = dates.parse_text_date(text, tz)
    if found:
        iso, raw = found
        _valid_iso(iso)
        assert raw and raw in text
        assert dates.parse_machine_date(iso, tz) == iso
    for iso, raw, offset in dates.text_dates(text, tz):
        assert text[offset:].startswith(raw)
    iso = dates.parse_machine_date(text, tz)
    if iso:
        _valid_iso(iso)
        assert dates.parse_machine_date(iso, tz) == iso


@PROPERTY
@given(date_text, st.sampled_from(ZONES), aware_now, st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)))
def test_the_window_admits_only_its_days(text, tz, now, earliest):
    window = dates.DateWindow(now, tz, earliest)
    iso = dates.parse_machine_date(text, tz)
    if iso is None:
        return
    reason = window.rejects(iso)
    day = window.day_of(iso)
    if reason is None:
        assert earliest <= day <= now.astimezone(clock.zone(tz)).date() + dt.timedelta(days=1)
    else:
        assert reason == ("too_old" if day < earliest else "future")


_PROSE = "<p>" + "青岛市今天召开全市经济工作会议，研究部署明年重点任务。会议强调，要坚持稳中求进工作总基调。" * 6 + "</p>"
_DOORS = {
    "meta": '<meta property="article:published_time" content="{}">',
    "json-ld": '<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{}"}}</script>',
    "byline": '<div class="info">发布时间：{}　来源：青岛日报</div>',
    "rule": '<span class="pubtime">{}</span>',
}


@PROPERTY
@given(st.sampled_from(sorted(_DOORS)), date_text, aware_now, st.sampled_from(["", "2021/03/05/", "2099/01/01/", "1900/01/01/"]))
@example("rule", "1900-01-01 10:00", dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc), "")
@example("meta", "3000-01-01T10:00:00+08:00", dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc), "")
def test_a_page_never_stores_an_impossible_date(door, written, now, url_path):
    """Whatever a page writes, and wherever: ``published_at`` is null or inside the window
    of its fetch time; a rejected date keeps its raw text and says why."""
    head = _DOORS[door].format(written.replace('"', "").replace("<", "")) if door in ("meta", "json-ld") else ""
    line = _DOORS[door].format(written.replace("<", "")) if door in ("byline", "rule") else ""
    html = (f"<html><head><title>全市经济工作会议召开</title>{head}</head><body><h1>全市经济工作会议召开</h1>"
            f"{line}{_PROSE}</body></html>")
    response = HtmlResponse(url=f"http://news.example.cn/{url_path}content_1234567.html",
                            body=html.encode("utf-8", "replace"), encoding="utf-8")
    rulebook = RuleBook({"news.example.cn": SiteRule(date=".pubtime")} if door == "rule" else {})
    page = rulebook.page(response, now.isoformat())
    article = page.article()
    assert isinstance(article, Article)
    window = dates.DateWindow(now, "Asia/Shanghai")
    if article.published_at is not None:
        _valid_iso(article.published_at)
        assert window.rejects(article.published_at) is None
        assert page.date_rejection is None
    elif page.date_rejection:
        assert page.date_rejection in ("too_old", "future")


# -- text ------------------------------------------------------------------------------------

@PROPERTY
@given(any_text)
@example("&amp;lt;")  # decoded once per call: "&lt;", then "<"
@example("a&#10;b")  # an entity made a line break inside a line
@example("青岛\n   召开会议")  # a headline's source line break was kept
@example("團(tuán)(tuán)")  # an annotation doubled by running the converter twice
@example("e\u200d\u0301")  # removing an invisible joined a combining mark to its letter
@example("a\x00b\x93c\ud800")  # NUL, a cp1252 quote read as C1, half of a surrogate pair
def test_clean_line_is_idempotent_and_keeps_han(text):
    line = clean_line(text)
    assert clean_line(line) == line
    assert not _controls(line)
    assert not re.search("[\u200b-\u200f\u2060\ufeff\u00ad]", line)
    assert line.count("\ufffd") <= len(re.findall("[\ufffd\ud800-\udfff]|&", text))  # only for what no text can hold
    assert line == line.strip()
    before = _han(strip_annotations(unicodedata.normalize("NFC", text)))
    assert _is_subsequence(before, _han(line)) if "&" in text else _han(line) == before


@PROPERTY
@given(st.lists(any_text, max_size=5).map("\n".join))
def test_clean_body_is_idempotent(text):
    body = clean_body(text)
    assert clean_body(body) == body
    assert not _controls(body, allowed="\n")
    assert all(p and p == p.strip() for p in body.split("\n\n")) if body else True
    assert "\n\n\n" not in body


@PROPERTY
@given(any_text)
@example("團(tuán)(tuán)隊")
def test_strip_annotations_only_deletes_annotations(text):
    stripped = strip_annotations(text)
    assert strip_annotations(stripped) == stripped
    assert _han(stripped) == _han(text)
    assert _is_subsequence(list(stripped), list(text))


@PROPERTY
@given(st.lists(st.one_of(chinese_text, st.text(alphabet="abc 123,.", min_size=50, max_size=400)), max_size=40).map("".join))
@example("a" * 995 + "團" * 20)  # Han characters only past the first 1000 characters
def test_script_is_judged_by_the_first_600_han_characters(text):
    han = _han(text)
    expected = None
    if len(han) >= 10:
        sample = han[:600]
        expected = "zh-Hant" if sum(map(is_traditional_only, sample)) / len(sample) > 0.03 else "zh-Hans"
    assert script_of(text) == expected


@PROPERTY
@given(any_text)
def test_text_measures_never_raise(text):
    garbled_reason(text)
    script_of(text)
    link_text_key(text)


@PROPERTY
@given(chinese_text, st.lists(any_text, max_size=4).map("\n".join), st.one_of(st.none(), any_text), any_text)
def test_clean_article_is_idempotent(title, body, author, link_text):
    article = Article(url="http://news.example.cn/a/1.html", title=title, body=body, author=author,
                      source=author, related=[RelatedLink("http://news.example.cn/a/2.html", link_text)])
    try:
        once = clean_article(article).to_record()
    except BadArticle:
        return
    twice = clean_article(Article(**{**article.__dict__})).to_record()
    assert twice == once
    for name in ("title", "author", "source"):
        assert not _controls(once[name] or "")


@PROPERTY
@given(any_text)
@example("ＡＢ團\U0002F800")  # beyond the BMP: the dict path
def test_fold_translates_by_the_search_folding_table(text):
    assert fold(text) == strip_for_comparison(text).translate(search_folding()).lower()


def test_search_folding_is_idempotent_and_keeps_han():
    """Every character search folds (NFKC, then traditional to simplified) folds to text that
    folding leaves alone, and a Han character always to Han characters: checked for all of
    them, not sampled."""
    table = search_folding()
    for code, folded in table.items():
        assert folded.translate(table) == folded, (chr(code), folded)
        if _han(chr(code)):
            assert folded and len(_han(folded)) == len(folded), (chr(code), folded)
