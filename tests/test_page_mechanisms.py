"""One test per extraction mechanism of the page object (``crawler.pages``), on saved pages
that look like the portals they stand for (tests/fixtures/mechanisms/*.html: raw bytes, GBK
where the site declares gb2312).

Every page goes through the page object as the crawler calls it: ``redecode`` then
``RuleBook().page(...).article()``, with a fixed fetch time in ``response.meta``. Fields are
compared as a dict so a failure shows every wrong field at once; bodies are compared by the
first characters of each paragraph (order, count and every extra line show).

Tests marked ``xfail(strict=True)`` record extraction that is wrong today: the reason gives the
observed value. Fix the extraction, then drop the mark (strict: an unexpected pass fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.items import Article

from .savedpages import START, extract, fields, record

PAGES = Path(__file__).parent / "fixtures" / "mechanisms"
FETCHED_AT = "2024-03-06T02:00:00+00:00"


def fetch(name: str, url: str, fetched_at: str = FETCHED_AT, body: bytes | None = None):
    return extract(PAGES / name, url, fetched_at, body)


def saved(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def refused(result) -> str:
    """The NotArticle reason; fails with the extracted fields when the page was accepted."""
    if isinstance(result, Article):
        rec = record(result)
        pytest.fail(f"accepted as an article: title={rec['title']!r} published_at={rec['published_at']!r} "
                    f"body starts {rec['starts'][:4]}")
    return result.reason


# -- 1. body container class/id words match whole words ---------------------------------------
# "TRS_Editor", "mp-editor" and "web_page" hold the body although "editor" and "page" name
# chrome as whole class names; "share-box", "related-news" and "comment-list" inside the body
# are still left out.

@pytest.mark.parametrize("name, url, expected, left_out", [
    pytest.param(
        "body_trs_editor.html", "http://www.laixi.gov.example/zwgk/bmdt/202403/t20240305_7712345.html",
        {"title": "莱西市启动2024年春季农田水利设施维修养护工作", "published_at": "2024-03-05T09:30:00+08:00",
         "author": None, "source": "莱西市农业农村局",
         "starts": ["为保障春灌用水需求，近日", "此次维修养护采取“镇街自", "截至目前，全市已完成排查", "下一步，莱西市将结合高标"]},
        ["打开微信，点击底部"], id="trs-editor"),
    pytest.param(
        "body_mp_editor.html", "https://www.sohu.example/a/771234567_120045678",
        {"title": "县城咖啡店三年翻了两倍，小城青年在喝什么？", "published_at": "2024-03-05T08:50:00+08:00",
         "author": None, "source": "消费观察室",
         "starts": ["过去三年，在不少中部省份", "在河南一座县城经营咖啡店", "业内人士分析，县城咖啡市", "“能活下来的店，靠的是熟"],
         "related_urls": ["https://www.sohu.example/a/770998812_121234", "https://www.sohu.example/a/769876543_121234"]},
        ["连锁咖啡品牌", "多家连锁咖啡品牌公布", "价格战持续一年多", "我们县城去年", "回老家发现", "责任编辑"], id="mp-editor"),
    pytest.param(
        "body_web_page_table.html", "http://www.jimonews.example/whly/200902/18832.html",
        {"title": "即墨古城春节民俗展演吸引游客十万人次", "published_at": "2009-02-03T10:15:32+08:00",
         "author": "王建国", "source": "即墨日报",
         "starts": ["春节期间，即墨古城举办了", "在古城县衙广场，即墨柳腔", "民俗街上，剪纸、面塑、糖", "据古城管理处负责人介绍，"]},
        ["即墨古城迎来首个", "打印本页", "热点排行"], id="table-web_page"),
])
def test_body_container_words_match_whole_words(name, url, expected, left_out):
    rec = record(fetch(name, url))
    assert fields(rec, expected) == expected
    assert [s for s in left_out if s in rec["body"]] == []


# -- 2. an ancestor that holds the article never disqualifies it -------------------------------
# WordPress themes wrap the post in "penci_sidebar" / "theiaStickySidebar", "l-sidebar-fixed",
# "page_container"; the real sidebar next to it has prose of its own.

@pytest.mark.parametrize("name, url, expected, sidebar", [
    pytest.param(
        "wp_penci_sidebar.html",
        "https://www.asiamarketwatch.example/2024/03/05/china-factory-activity-slows-fifth-month/?utm_source=newsletter",
        {"url": "https://www.asiamarketwatch.example/2024/03/05/china-factory-activity-slows-fifth-month/",
         "title": "China's factory activity slows for a fifth month as export orders shrink",
         "published_at": "2024-03-05T00:30:00+00:00", "author": "Jane Liu", "source": None, "language": "en-US",
         "starts": ["China's manu", "The official", "Large state-", "Analysts sai"]},
        ["Asia Market Watch is an independent", "Every supplier I talk to"], id="penci_sidebar"),
    pytest.param(
        "wp_l_sidebar_fixed.html", "https://shanghaibizreview.example/trade/yangtze-delta-exporters-orders-rebound/",
        {"title": "Yangtze Delta exporters see orders rebound after the holiday",
         "published_at": "2024-02-27T09:15:00+08:00", "author": "Tom Becker", "source": None,
         "starts": ["Exporters in", "At an electr", "Freight forw", "Economists c"]},
        ["Shanghai Business Review is written by", "Recent posts"], id="l-sidebar-fixed"),
    pytest.param(
        "wp_page_container.html", "https://coastalchinanotes.example/qingdao-brewery-warehouse-museum/",
        {"title": "How a Qingdao brewery turned its old warehouse into a museum",
         "published_at": "2023-09-18T16:40:00+08:00", "author": "Sarah Okafor", "source": None,
         "starts": ["The red-bric", "Today it is ", "Curators spe", "The museum e"]},
        ["Sarah Okafor has lived in Qingdao", "Categories"], id="page_container"),
])
def test_article_wrapper_classes_never_disqualify_the_body(name, url, expected, sidebar):
    rec = record(fetch(name, url))
    assert fields(rec, expected) == expected
    assert [s for s in sidebar if s in rec["body"]] == []


# -- 3. ASP.NET: the whole page inside one <form id="Form1"> with __VIEWSTATE ------------------

def test_aspnet_form_page_keeps_body_and_byline():
    rec = record(fetch("aspnet_form.html", "http://www.pingdu-info.example/News/ShowNews.aspx?NewsID=20513"))
    expected = {
        "url": "http://www.pingdu-info.example/News/ShowNews.aspx?NewsID=20513",
        "title": "平度市2012年春季植树造林工作全面展开",
        "published_at": "2012-04-18T09:42:13+08:00", "published_at_raw": "2012-4-18 9:42:13",
        "author": "孙立新", "source": "平度日报",
        "starts": ["近日，平度市2012年春", "今年，平度市围绕“绿色平", "为确保造林质量，市林业部", "同时，平度市将造林绿化纳"],
    }
    assert fields(rec, expected) == expected
    assert "明村镇召开" not in rec["body"] and "热点新闻" not in rec["body"]


# -- 4. article evidence: prose, headline, date; none alone required ---------------------------

def test_prose_without_title_h1_or_date_is_an_article():
    """No <title>, no <h1>, the headline is an image, no date anywhere: five paragraphs of prose."""
    rec = record(fetch("evidence_no_title_no_date.html", "http://www.jdwenxue.example/sanwen/sw_0313.htm"))
    expected = {
        "title": "", "published_at": None, "author": None, "source": None,
        "starts": ["村子东头有一条小河，河面", "夏天的傍晚，大人们从地里", "那时候河里的鱼很多，最常", "后来我到城里读书、工作，",
                   "站在桥上往下看，我忽然明"],
    }
    assert fields(rec, expected) == expected


def test_prose_without_title_tag_takes_the_positional_headline():
    """A FrontPage page without <title>: the centred bold first line of the body is the headline."""
    rec = record(fetch("evidence_positional_headline.html", "http://www.shazikou.example/lyzy/yujiayan.htm"))
    expected = {
        "title": "沙子口的渔家宴", "published_at": None, "author": None, "source": None,
        "starts": ["到沙子口，不能不吃一顿渔", "最有名的要数鲅鱼水饺。鲅", "如今，沙子口沿海的渔家乐", "除了海鲜，渔家宴上还少不",
                   "街道有关负责人表示，下一"],
    }
    assert fields(rec, expected) == expected


def test_channel_listing_is_refused():
    """30 dated headline links under a channel header, with pagination."""
    reason = refused(fetch("evidence_listing.html", "https://news.qdnews.example/qingdao/list_12_1.html"))
    assert reason in ("link list", "no article text")


@pytest.mark.parametrize("name, url", [
    pytest.param("evidence_tag_page.html", "https://www.qdnews.example/tags/xinnengyuanqiche.html", id="tag-page"),
    pytest.param("evidence_search_page.html",
                 "https://www.qdnews.example/search?q=%E8%83%B6%E4%B8%9C%E5%9B%BD%E9%99%85%E6%9C%BA%E5%9C%BA",
                 id="search-results"),
])
def test_snippet_lists_are_refused(name, url):
    """Tag and search-result pages: headline links, each with a one-sentence snippet cut with '……'."""
    assert refused(fetch(name, url)) == "link list"


def test_link_dense_prose_with_headline_and_date_is_an_article():
    """Finance copy with linked stock names and terms: link density 0.38 in the body container."""
    rec = record(fetch("evidence_link_dense_article.html", "https://stock.qdcaijing.example/gsxw/view.php?aid=7712"))
    expected = {
        "title": "青岛本地上市公司年报预告出炉 家电与港口板块表现亮眼", "published_at": "2024-02-01T19:42:00+08:00",
        "author": "于海波", "source": "青岛财经网",
        "starts": ["截至1月31日，青岛A股", "从预告数据看，海尔智家受", "消费板块方面，青岛啤酒(", "也有部分企业业绩承压。受",
                   "分析人士认为，随着稳增长"],
    }
    assert fields(rec, expected) == expected


def test_link_rich_lede_paragraph_is_kept():
    """The same kind of finance copy with a denser lede: a sentence of prose, not a link row."""
    rec = record(fetch("body_link_rich_lede.html", "https://stock.qdcaijing.example/gsxw/view.php?aid=7713"))
    expected = {
        "title": "青岛本地上市公司年报预告出炉 家电与港口板块表现亮眼", "published_at": "2024-02-01T19:42:00+08:00",
        "starts": ["截至1月31日，青岛A股", "从预告数据看，海尔智家受", "消费板块方面，青岛啤酒(", "也有部分企业业绩承压。受",
                   "分析人士认为，随着稳增长"],
    }
    assert fields(rec, expected) == expected


# -- 5. dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, url, fetched_at, expected", [
    pytest.param(
        "date_header_today.html", "https://www.shm.example/news/yantai/content_2671290.html",
        "2026-12-01T02:00:00+00:00",
        {"title": "烟台港开通至日韩冷链集装箱航线", "published_at": "2024-03-05T08:30:00+08:00",
         "published_at_raw": "2024-03-05 08:30", "author": "曲晓婷", "source": "烟台日报"},
        id="header-today-vs-byline"),
    pytest.param(
        "date_header_today_undated_byline.html", "https://www.shm.example/news/yantai/content_2671305.html",
        "2026-12-01T02:00:00+00:00",
        {"title": "芝罘区二十处老旧小区今年完成改造", "published_at": None, "author": "王梦琪", "source": "烟台晚报"},
        id="header-today-only"),
    pytest.param(
        "date_infobox_birth.html", "http://www.ytwh.example/mingren/show.php?id=3342", FETCHED_AT,
        {"title": "王振东：把一辈子交给胶东剪纸的人", "published_at": "2023-05-06", "source": "烟台文化网"},
        id="infobox-birth-date"),
    pytest.param(
        "date_blog_sidebar_created.html", "http://laochuanzhang.blogchina.example/2456789.html",
        "2005-09-16T03:00:00+00:00",
        {"title": "崂山看海", "published_at": "2005-09-15T11:46:00+08:00", "published_at_raw": "2005-9-15 11:46:00"},
        id="blog-created-on"),
    pytest.param(
        "date_future_event.html", "https://ent.bandao.example/qdwy/show.php?itemid=9982345", FETCHED_AT,
        {"title": "青岛交响乐团“海之韵”专场音乐会下周六上演", "published_at": "2024-03-05T10:12:00+08:00",
         "author": "丁雪", "source": "半岛都市报"},
        id="event-date-after-fetch"),
    pytest.param(
        "date_future_event.html", "https://ent.bandao.example/qdwy/show.php?itemid=9982345",
        "2024-03-20T02:00:00+00:00",
        {"title": "青岛交响乐团“海之韵”专场音乐会下周六上演", "published_at": "2024-03-05T10:12:00+08:00",
         "author": "丁雪", "source": "半岛都市报"},
        id="event-date-refetched-after-the-event"),
    pytest.param(
        "date_far_from_url.html", "https://www.weihaiguancha.example/2021/03/05/liugongdao-banhaibao/", FETCHED_AT,
        {"title": "威海刘公岛海域首次发现斑海豹集群", "published_at": "2021-03-05", "published_at_raw": None,
         "source": "威海日报"},
        id="far-from-url-date"),
    pytest.param(
        "date_us_format_asp.html", "http://www.jzinfo.example/news/ShowArticle.asp?ArticleID=3512",
        "2005-07-06T02:00:00+00:00",
        {"title": "胶州市召开防汛工作会议", "published_at": "2005-07-05T21:23:57+08:00",
         "published_at_raw": "7/5/2005 9:23:57 PM", "source": "胶州市水利局"},
        id="us-numeric-date"),
    pytest.param(
        "date_jsonld_lenient.html", "https://www.rizhaoonline.example/port/92345.html", FETCHED_AT,
        {"title": "日照港开通首条至南美集装箱直航航线", "published_at": "2023-11-20T07:45:00+08:00",
         "published_at_raw": "2023-11-20T07:45:00+08:00", "source": "日照日报"},
        id="json-ld-comments-trailing-commas"),
    pytest.param(
        "date_meta_name_date.html", "https://news.qdhyzy.example/info/1013/18823.htm", FETCHED_AT,
        {"title": "我校学生在全国大学生海洋知识竞赛中获佳绩", "published_at": "2021-06-01", "published_at_raw": "2021-06-01",
         "author": None},
        id="meta-name-date"),
    pytest.param(
        "title_blog_name_h1.html", "http://www.laowang-photo.example/archives/48213576.html", FETCHED_AT,
        {"title": "在八大关拍了一整天的老房子", "published_at": "2009-10-18T21:37:00+08:00"},
        id="date-as-permalink-text"),
])
def test_publication_date(name, url, fetched_at, expected):
    rec = record(fetch(name, url, fetched_at))
    assert fields(rec, expected) == expected


def test_fetch_day_is_the_sites_day():
    """Fetched at 07:30 in Qingdao, still the previous day in UTC: the article published at
    07:01 local time that morning is not "after the fetch day"."""
    rec = record(fetch("title_from_title_tag.html", "https://new.qq.example/rain/a/20240305A01XYZ00",
                       "2024-03-04T23:30:00+00:00"))
    assert rec["published_at"] == "2024-03-05T07:01:12+08:00"


# -- 6. titles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, url, expected", [
    pytest.param(
        "title_h2_post_title.html", "https://www.jdzixun.example/post/1831.html",
        {"title": "莱阳梨花节将于四月上旬开幕 今年新增夜游和露营活动", "published_at": "2024-03-04T16:20:00+08:00",
         "starts": ["记者从莱阳市文化和旅游局", "与往届相比，今年的梨花节", "为方便游客出行，莱阳市将"]},
        id="h2.post-title-under-logo-h1"),
    pytest.param(
        "title_div_title.html", "http://wf.dzwww.example/wfxw/202404/t20240420_12346789.htm",
        {"title": "潍坊风筝会国际风筝放飞表演赛举行", "published_at": "2024-04-20T15:32:10+08:00",
         "author": "张晓光", "source": "潍坊日报",
         "starts": ["4月20日，第四十一届潍", "放飞场上，长达数百米的龙", "本届风筝会期间，潍坊还将"]},
        id="div.title"),
    pytest.param(
        "title_from_title_tag.html", "https://new.qq.example/rain/a/20240305A01XYZ00",
        {"title": "山东海上风电装机容量突破四百万千瓦", "published_at": "2024-03-05T07:01:12+08:00",
         "starts": ["记者从山东省能源局获悉，", "山东海岸线长、近海风能资", "在产业配套方面，烟台、东", "据了解，山东还在探索“海",
                    "按照规划，到2025年，"]},
        id="title-tag-without-heading"),
    pytest.param(
        "title_blog_name_h1.html", "http://www.laowang-photo.example/archives/48213576.html",
        {"title": "在八大关拍了一整天的老房子",
         "starts": ["入秋以后的八大关最好看。", "八大关的路以关隘命名，每", "这里的老房子风格各异，有", "傍晚在花石楼附近碰到一对"]},
        id="blog-name-h1-links-home"),
    pytest.param(
        "title_blog_name_h1_uid_home.html", "http://blog.sina.example/s/blog_6761a9d90102x8ab.html",
        {"title": "台东夜市的烤鱿鱼", "published_at": "2015-08-02T22:14:51+08:00",
         "starts": ["来青岛这么多年，最常去的", "烤鱿鱼我只认一家，摊主是", "大姐说，这几年来夜市的外", "吃完鱿鱼，再去隔壁摊买一"]},
        id="blog-name-h1-links-/u/uid"),
])
def test_headline(name, url, expected):
    rec = record(fetch(name, url, "2024-04-21T02:00:00+00:00"))
    assert fields(rec, expected) == expected


# <title> without <h1>: the segments that name the site or a channel go, by what the page
# itself says its name is (the logo's alt, the copyright line, og:site_name, menu and
# breadcrumb links); a bracket prefix such as 【转载】 belongs to the headline as printed.

SYNDICATED = "title_syndicated_no_h1.html"
SYNDICATED_URL = "http://www.haiyousudi.example/chengjian/2021/0202/42011.html"
SYNDICATED_TITLE = "【转载】青岛地铁6号线一期工程全线轨通 年内具备开通条件"
SYNDICATED_STARTS = ["2月2日上午，随着最后一", "6号线一期工程线路全长约", "施工方负责人介绍，铺轨作", "按照计划，6号线一期工程"]


@pytest.mark.parametrize("name, url, expected", [
    pytest.param(
        SYNDICATED, SYNDICATED_URL,
        {"title": SYNDICATED_TITLE, "published_at": "2021-02-02T19:25:00+08:00", "source": "青岛早报", "author": "林君",
         "starts": SYNDICATED_STARTS},
        id="repost-prefix-site-suffix-dotted-meta-line"),
    pytest.param(
        "title_channel_and_site_suffix.html", "http://www.lansejimo.example/qsdt/202403/38812.html",
        {"title": "即墨区今年将新建改造城市口袋公园12处", "published_at": "2024-03-05T10:20:00+08:00", "source": "即墨日报",
         "author": "王晓",
         "starts": ["记者从即墨区住房和城乡建", "今年的口袋公园选址主要集", "在建设过程中，即墨区将广", "据介绍，去年即墨区已建成"]},
        id="headline_channel_site-span-meta-line"),
    pytest.param(
        "title_dash_in_headline_h1.html", "https://www.xihaian.example/culture/2024/0408/3320.html",
        {"title": "探访崂山茶园 - 春茶开采进入高峰", "published_at": "2024-04-08T09:12:00+08:00",
         "source": "青岛西海岸新闻网", "author": "薛莹",
         "starts": ["清明前后，崂山茶区迎来春", "“今年开春气温回升快，茶", "记者了解到，崂山区目前茶", "为方便游客体验采茶制茶，"]},
        id="dash-inside-the-h1-headline"),
])
def test_site_name_affixes_of_title(name, url, expected):
    rec = record(fetch(name, url, "2024-04-21T02:00:00+00:00"))
    assert fields(rec, expected) == expected


_LOGO_ALT = 'alt="海右速递" title="海右速递"'.encode()
_COPYRIGHT = "Copyright © 2016-2021 海右速递 All Rights Reserved".encode()


@pytest.mark.parametrize("replacements, title", [
    pytest.param([(_LOGO_ALT, b'alt=""')], SYNDICATED_TITLE, id="copyright-line-only"),
    pytest.param([(_LOGO_ALT, b'alt=""'), (_COPYRIGHT, b"Copyright 2016-2021 All Rights Reserved"),
                  (b"</head>", '<meta property="og:site_name" content="海右速递"></head>'.encode())],
                 SYNDICATED_TITLE, id="og:site_name-only"),
    pytest.param([(_LOGO_ALT, b'alt=""'), (_COPYRIGHT, b"Copyright 2016-2021 All Rights Reserved")],
                 SYNDICATED_TITLE + " - 海右速递", id="no-evidence-no-cut"),
    pytest.param([("<title>【转载】".encode(), "<title>海右速递 | 【转载】".encode()),
                  (" - 海右速递</title>".encode(), b"</title>")], SYNDICATED_TITLE, id="site-name-prefix"),
])
def test_site_name_is_cut_on_the_pages_evidence(replacements, title):
    body = saved(SYNDICATED)
    for old, new in replacements:
        assert old in body
        body = body.replace(old, new)
    rec = record(fetch(SYNDICATED, SYNDICATED_URL, "2024-04-21T02:00:00+00:00", body=body))
    assert rec["title"] == title


@pytest.mark.parametrize("headline", [
    pytest.param("中日韩-东盟青年交流营在青岛开营", id="dash-between-chinese"),
    pytest.param("Qingdao - Incheon ferry service resumes after three years", id="english-spaced-dash"),
    pytest.param("胶东国际机场T2航站楼开建 2027年投用", id="latin-digits"),
    pytest.param("【转载】海右速递年度盘点：十件大事", id="site-name-inside-the-headline"),
])
def test_a_headline_with_a_dash_keeps_it(headline):
    """Without <h1>, a segment the page gives no evidence for is part of the headline."""
    old = "【转载】青岛地铁6号线一期工程全线轨通 年内具备开通条件"
    body = saved(SYNDICATED).replace(old.encode(), headline.encode())
    body = body.replace('<span class="zz">【转载】</span>青岛地铁6号线一期工程全线轨通 年内具备开通条件'.encode(), headline.encode())
    rec = record(fetch(SYNDICATED, SYNDICATED_URL, "2024-04-21T02:00:00+00:00", body=body))
    assert rec["title"] == headline


def test_a_dash_headline_from_og_title_keeps_it():
    """The same headline as og:title, the <h1> turned into a plain <div>: the part after the
    dash is no name the page gives its site or a channel."""
    body = saved("title_dash_in_headline_h1.html").replace(b'<h1 class="article-title">', b'<div class="lead">')
    body = body.replace(b"</h1>", b"</div>")
    rec = record(fetch("title_dash_in_headline_h1.html", "https://www.xihaian.example/culture/2024/0408/3320.html",
                       "2024-04-21T02:00:00+00:00", body=body))
    assert rec["title"] == "探访崂山茶园 - 春茶开采进入高峰"


# -- 7. bodies ---------------------------------------------------------------------------------

def test_forum_thread_gives_the_opening_post():
    """Discuz! X: four posts in the same markup, each under its author and '发表于' date; the
    replies are longer than the opening post."""
    rec = record(fetch("body_forum_thread.html", "http://bbs.qingdaonews.example/thread-3312456-1-1.html"))
    expected = {
        "title": "北九水的冰瀑开始化了，周末去的注意防滑", "published_at": "2024-03-05T08:31:00+08:00",
        "starts": ["上周末带孩子去了一趟北九", "从大河东检票口进去，沿着", "提醒一下想去的朋友，背阴"],
    }
    assert fields(rec, expected) == expected


@pytest.mark.parametrize("name, url, expected", [
    pytest.param(
        "body_split_chunks.html", "https://www.coastalbizdaily.example/energy/2024/02/19/port-city-hydrogen-trucks",
        {"title": "Port city bets on hydrogen trucks to clean up its container traffic",
         "published_at": "2024-02-19T06:00:00+00:00", "author": "Daniel Wu",
         "starts": ["Every mornin", "The port ope", "Drivers say ", "Cost remains", "Local offici", "Whether the "]},
        id="equal-chunks"),
    pytest.param(
        "body_split_chunks_lead_heavy.html",
        "https://www.coastalbizdaily.example/markets/2024/01/30/shandong-apple-cold-storage",
        {"title": "Shandong apple growers turn to cold storage to ride out price swings",
         "published_at": "2024-01-30T01:30:00+00:00", "author": "Grace Lin",
         "starts": ["In the hills", "Over the pas", '"Before, the', "The storage ", "Storage is n", "Still, most "]},
        id="long-first-chunk"),
])
def test_body_split_by_ads_is_read_whole(name, url, expected):
    rec = record(fetch(name, url))
    assert fields(rec, expected) == expected


def test_body_of_div_paragraphs():
    """CNN: paragraphs are <div class="paragraph"> elements; no <p> in the body."""
    rec = record(fetch("body_div_paragraphs.html", "https://edition.cnn.example/travel/qingdao-beer-tourism-intl-hnk"))
    expected = {"title": "China's oldest brewery town is betting on beer tourism",
                "published_at": "2024-02-10T03:12:44+00:00", "author": "Ivy Chen"}
    assert fields(rec, expected) == expected
    paragraphs = ["Every summer", "The city's b", "Local offici", "Smaller brew", '"People used']
    assert [s for s in rec["starts"] if s in paragraphs] == paragraphs
    assert "The night markets" not in rec["body"]  # the related-content teaser


def test_div_paragraph_body_leaves_out_image_captions():
    rec = record(fetch("body_div_paragraphs.html", "https://edition.cnn.example/travel/qingdao-beer-tourism-intl-hnk"))
    assert rec["starts"] == ["Every summer", "The city's b", "Local offici", "Smaller brew", '"People used']


@pytest.mark.parametrize("name, url, expected, infobox", [
    pytest.param(
        "body_wiki_infobox.html", "https://wiki.qingdao-baike.example/wiki/%E6%A0%88%E6%A1%A5_(%E9%9D%92%E5%B2%9B)",
        {"title": "栈桥 (青岛)", "published_at": None,
         "prose": ["栈桥位于青岛市市南区太平", "栈桥始建于1892年，当", "1985年，栈桥再次进行", "栈桥所在的青岛湾一带是观",
                   "回澜阁内曾长期举办展览，"]},
        ["海上栈桥、游览景点", "440米", "从小青岛远眺栈桥", "八大关 · 小青岛"], id="wiki-table.infobox"),
    pytest.param(
        "date_infobox_birth.html", "http://www.ytwh.example/mingren/show.php?id=3342",
        {"title": "王振东：把一辈子交给胶东剪纸的人", "published_at": "2023-05-06",
         "prose": ["王振东出生在福山区的一个", "二十岁那年，他的作品《渔", "四十多年来，王振东创作剪", "“剪纸不难学，难的是坚持"]},
        ["人物信息", "1965年3月2日", "民间剪纸艺人"], id="portal-person-card"),  # label/value rows, floated
])
def test_infobox_table_inside_the_body_is_left_out(name, url, expected, infobox):
    rec = record(fetch(name, url))
    rec["prose"] = [p[:START] for p in rec["paragraphs"] if len(p) > 20]  # section headings aside
    assert fields(rec, expected) == expected
    assert [s for s in infobox if s in rec["body"]] == []


def test_a_table_between_paragraphs_stays():
    """The same label/value table, neither floated nor before the text: part of the article."""
    body = saved("date_infobox_birth.html")
    table = body[body.index(b'<table class="rwxx"'):body.index(b"</table>") + len(b"</table>")]
    first = body.index(b"</p>", body.index(table) + len(table)) + len(b"</p>")
    moved = table.replace(b' align="right" width="260"', b"")
    body = body[:first] + moved + body[first:]
    body = body.replace(table, b"", 1)
    rec = record(fetch("date_infobox_birth.html", "http://www.ytwh.example/mingren/show.php?id=3342", body=body))
    assert "出生日期" in rec["body"] and "民间剪纸艺人" in rec["body"]


def test_wiki_section_heading_without_edit_link():
    rec = record(fetch("body_wiki_infobox.html", "https://wiki.qingdao-baike.example/wiki/%E6%A0%88%E6%A1%A5"))
    assert rec["paragraphs"][3] == "游览"


# -- 8. authors --------------------------------------------------------------------------------

def test_reporter_signature_closing_the_last_paragraph():
    rec = record(fetch("author_signature_end.html", "https://qingdao.iqilu.example/yaowen/2024/0304/5561301.shtml"))
    expected = {
        "title": "青岛西海岸新区海洋牧场项目年内新增投放人工鱼礁十万空方", "published_at": "2024-03-04T17:48:21+08:00",
        "author": "刘涛", "source": "大众日报",
        "starts": ["记者从青岛西海岸新区海洋", "海洋牧场通过投放人工鱼礁", "在灵山岛附近海域，潜水员", "下一步，新区将探索“海洋"],
    }
    assert fields(rec, expected) == expected


DATELINE_URL = "http://www.jjrb.example/macro/202404/16/t20240416_38971301.shtml"


@pytest.mark.parametrize("line, author", [
    # names printed without a space cannot be split reliably: kept as printed
    pytest.param("本报记者罗科苏盈发自北京", "罗科苏盈", id="names-run-together"),
    pytest.param("本报记者 罗科 苏盈 发自北京", "罗科、苏盈", id="names-spaced"),
])
def test_reporter_dateline_first_line(line, author):
    """"本报记者…发自北京" as the first line of the body, the byline above only names the paper."""
    body = saved("author_dateline_first_line.html").replace("本报记者罗科苏盈发自北京".encode(), line.encode())
    rec = record(fetch("author_dateline_first_line.html", DATELINE_URL, "2024-04-17T02:00:00+00:00", body=body))
    expected = {"title": "一季度跨境电商出口保持较快增长", "published_at": "2024-04-16T06:05:00+08:00",
                "author": author, "source": "经济日报"}
    assert fields(rec, expected) == expected


def test_reporter_dateline_stays_in_the_body():
    """The dateline is a line the paper prints with the article: the body keeps it, as printed."""
    rec = record(fetch("author_dateline_first_line.html", DATELINE_URL, "2024-04-17T02:00:00+00:00"))
    assert rec["starts"] == ["本报记者罗科苏盈发自北京", "海关总署最新数据显示，一", "业内人士表示，跨境电商出", "多地也在加大对跨境电商的"]


def test_author_name_with_its_latin_form():
    rec = record(fetch("author_name_with_latin.html",
                       "http://chinese.joelonsoftware.example/Articles/PainlessSpecifications/WhyWriteSpecs.html"))
    expected = {
        "title": "为什么要写功能规格说明书", "published_at": "2004-06-13", "author": "周思博 (Joel Spolsky)",
        "starts": ["很多程序员不喜欢写规格说", "可是在我看来，不写规格说", "规格说明书最大的好处，是", "另一个好处是沟通。测试人"],
    }
    assert fields(rec, expected) == expected


def test_footer_sentence_about_authors_is_no_author():
    """'为了尊重作者的劳动，转载请注明出处' in the site footer; the byline names no author."""
    rec = record(fetch("author_footer_sentence.html", "http://www.manongzhijia.example/kaiyuan/21357.html"))
    expected = {"title": "国产开源数据库社区年度报告发布：贡献者数量增长四成", "published_at": "2023-09-12T10:21:00+08:00",
                "author": None, "source": "开源中国社区",
                "starts": ["近日，一个国产开源数据库", "报告提到，过去一年社区共", "社区负责人表示，下一步将"]}
    assert fields(rec, expected) == expected


@pytest.mark.parametrize("line, source, author", [
    pytest.param("2021-02-02 19:25 · 青岛早报 · 记者 林君", "青岛早报", "林君", id="middle-dots"),
    pytest.param("2021-02-02 19:25 | 青岛早报 | 记者：林君", "青岛早报", "林君", id="bars"),
    pytest.param("2021-02-02 19:25&nbsp;&nbsp;&nbsp;青岛早报&nbsp;&nbsp;&nbsp;记者 林君", "青岛早报", "林君", id="spaces"),
    pytest.param("2021-02-02 19:25 · 来源：青岛早报 · 记者 林君", "青岛早报", "林君", id="labelled"),
    pytest.param("2021-02-02 19:25·来源：青岛早报·作者：林君", "青岛早报", "林君", id="labelled-no-spaces"),
    pytest.param("2021-02-02 19:25 · 城建交通 · 记者 林君", None, "林君", id="channel-name"),
    pytest.param("2021-02-02 19:25 · 扫码看新闻 · 记者 林君", None, "林君", id="page-tool"),
    pytest.param("2021-02-02 19:25 · 新华社 · 记者 林君", "新华社", "林君", id="agency"),
])
def test_source_named_in_a_meta_line_without_label(line, source, author):
    """A field of the dated meta line that reads as an outlet's name is the source."""
    body = saved(SYNDICATED).replace("2021-02-02 19:25 · 青岛早报 · 记者 林君".encode(), line.encode())
    rec = record(fetch(SYNDICATED, SYNDICATED_URL, "2024-04-21T02:00:00+00:00", body=body))
    expected = {"published_at": "2021-02-02T19:25:00+08:00", "source": source, "author": author}
    assert fields(rec, expected) == expected


def test_a_channel_named_like_an_outlet_is_no_source():
    """"即墨新闻" in the meta line is a link of the site's menu: a channel, not the source."""
    body = saved("title_channel_and_site_suffix.html").replace("<span>即墨日报</span>".encode(), "<span>即墨新闻</span>".encode())
    rec = record(fetch("title_channel_and_site_suffix.html", "http://www.lansejimo.example/qsdt/202403/38812.html",
                       "2024-04-21T02:00:00+00:00", body=body))
    assert rec["source"] is None


def test_source_ends_at_the_next_label_element():
    body = saved("author_footer_sentence.html").replace(
        "开源中国社区 <small>点击:</small>".encode(), "开源中国社区<small>点击:</small>".encode())
    rec = record(fetch("author_footer_sentence.html", "http://www.manongzhijia.example/kaiyuan/21357.html", body=body))
    assert rec["source"] == "开源中国社区"


@pytest.mark.parametrize("name, url, expected", [
    pytest.param(
        "author_meta_account.html", "http://www.shinan.gov.example/zwgk/qnyw/202403/t20240305_7812345.shtml",
        {"title": "市南区启动2024年度“口袋公园”建设 今年新建改建十二处", "published_at": "2024-03-05T15:40:00+08:00",
         "author": None, "source": "市南区园林和林业局"},
        id="cms-account-L_104485"),
    pytest.param(
        "body_forum_thread.html", "http://bbs.qingdaonews.example/thread-3312456-1-1.html",
        {"title": "北九水的冰瀑开始化了，周末去的注意防滑", "author": None},
        id="discuz-software-credit"),
])
def test_meta_author_that_names_no_person_is_no_author(name, url, expected):
    rec = record(fetch(name, url))
    assert fields(rec, expected) == expected


# -- 9. what the rules must not do (ordinary pages, hostile pages) -------------------------------

SIGNATURE_URL = "https://qingdao.iqilu.example/yaowen/2024/0304/5561301.shtml"


@pytest.mark.parametrize("ending", ["（新华社）", "（同比）", "（未完待续）"])
def test_a_closing_parenthesis_is_no_signature(ending):
    """Only 记者/报道 or two names or more make a closing parenthesis a reporter's signature."""
    body = saved("author_signature_end.html").replace("（记者 刘涛）".encode(), ending.encode())
    rec = record(fetch("author_signature_end.html", SIGNATURE_URL, body=body))
    assert rec["author"] is None


@pytest.mark.parametrize("line", ["图片社交平台上，相关话题的阅读量已超过一亿次。", "点赞的人越来越多。"])
def test_prose_starting_like_a_caption_or_a_tool_stays(line):
    old = "海洋牧场通过投放人工鱼礁、增殖放流等方式，为鱼类、贝类和藻类提供栖息和繁衍场所，既能修复海洋生态，又能带动休闲渔业和渔民增收。目前，新区已建成国家级海洋牧场示范区五处。"
    body = saved("author_signature_end.html").replace(old.encode(), line.encode())
    rec = record(fetch("author_signature_end.html", SIGNATURE_URL, body=body))
    assert line in rec["paragraphs"]


def test_a_byline_with_its_weekday_fetched_the_same_day():
    """"2024年3月5日 星期二 08:30" under the headline is the byline, also on the day it is fetched."""
    body = saved("date_header_today.html").replace(b"<span>2024-03-05 08:30</span>",
                                                     "<span>2024年3月5日 星期二 08:30</span>".encode())
    rec = record(fetch("date_header_today.html", "https://www.shm.example/news/yantai/content_2671290.html",
                       "2024-03-05T02:00:00+00:00", body=body))
    assert rec["published_at"] == "2024-03-05T08:30:00+08:00"


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"])
def test_placeholder_dates_are_no_dates(placeholder):
    body = saved("date_jsonld_lenient.html").replace(b"2023-11-20T07:45:00+08:00", placeholder.encode())
    rec = record(fetch("date_jsonld_lenient.html", "https://www.rizhaoonline.example/port/92345.html", body=body))
    assert rec["published_at"] is None


def test_a_blog_home_is_no_article_for_its_json_ld():
    """JSON-LD of type Blog describes the blog, not a post: the listing is still refused."""
    blog = b'<script type="application/ld+json">{"@context":"https://schema.org","@type":"Blog","name":"x"}</script></head>'
    body = saved("evidence_listing.html").replace(b"</head>", blog, 1)
    assert refused(fetch("evidence_listing.html", "https://news.qdnews.example/qingdao/list_12_1.html", body=body))


def test_broken_links_and_metadata_do_not_lose_the_article():
    """An href and a <base href> that are no URL, JSON-LD nested past any limit and a <title>
    of separators: the article is still extracted, its good related links kept (resolved
    against the page's URL)."""
    body = saved("author_signature_end.html")
    body = body.replace(b"</head>", b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script>"
                        b'<link rel="canonical" href="http://[bad"><base href="http://[x"></head>', 1)
    body = body.replace(b"<title>", b"<title>" + "_-".encode() * 5000, 1)
    related = ('<div class="related"><h3>相关新闻</h3><ul><li><a href="/xinqu/2021-02/26/content_9001.htm">'
               '西海岸新区海洋牧场建设再提速</a></li><li><a href="http://[bad">broken</a></li>'
               '<li><a href="5561288.shtml">青岛港集装箱航线再添新成员</a></li></ul></div>')
    body = body.replace(b"</body>", related.encode() + b"</body>", 1)
    rec = record(fetch("author_signature_end.html", SIGNATURE_URL, body=body))
    assert rec["title"] == "青岛西海岸新区海洋牧场项目年内新增投放人工鱼礁十万空方"
    assert rec["author"] == "刘涛"
    origin = "/".join(SIGNATURE_URL.split("/")[:3])
    assert rec["related_urls"] == [origin + "/xinqu/2021-02/26/content_9001.htm",
                                   SIGNATURE_URL.rsplit("/", 1)[0] + "/5561288.shtml"]
