"""Article templates of the major Chinese portals and platforms as they served them around
2020-2024 (tests/fixtures/modern/*.html: raw bytes, GB2312 for people.com.cn as the site
declares it, UTF-8 for the others), each with the page's own chrome: top bars, navigation,
share bars, related and hot lists, comment boxes, footers, editor lines.

Every page goes through the page object as the crawler calls it: ``redecode`` then
``RuleBook().page(...).article()``, with a fixed fetch time (the day after publication) in
``response.meta``. Expected values are what the page says, as an archivist would record it:
the headline without site suffix, the publication time the page shows (compared to the
minute in Asia/Shanghai, so a script's seconds or another UTC offset do not matter), the
reporter named as 记者/作者, the 来源, and the article text only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .savedpages import extract, fields
from .savedpages import record as saved_record

PAGES = Path(__file__).parent / "fixtures" / "modern"
FETCHED_AT = "2021-02-26T02:00:00+00:00"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fetch(name: str, url: str, fetched_at: str = FETCHED_AT):
    return extract(PAGES / name, url, fetched_at)


def shanghai_minute(published_at: str | None) -> str | None:
    """``published_at`` as the page would show it: "YYYY-MM-DD HH:MM" in Asia/Shanghai, or the
    day alone when no time was read."""
    if not published_at or "T" not in published_at:
        return published_at
    moment = datetime.fromisoformat(published_at)
    if moment.tzinfo is None:
        return published_at  # a naive time is a mistake of its own: show it as it is
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def record(result) -> dict:
    """:func:`savedpages.record` with ``published``: the time to the minute in Asia/Shanghai."""
    rec = saved_record(result)
    rec["published"] = shanghai_minute(rec["published_at"])
    return rec


# Each case: saved page, URL, the fields the page states, and pieces of the page's chrome that
# must not be in the body (editor lines, share/tool lines, related and hot lists, comments,
# captions, platform statements).
#
# Where the page shows no 来源 line, only a platform account's name (Tencent's media name,
# filled in by script; Toutiao's and Baijiahao's account names), ``source`` is None: the schema's
# source is the publication named on a 来源 line, and an account is no person either (author None).

CASES = [
    pytest.param(
        "sina.html", "https://news.sina.example/c/2021-02-25/doc-ikftssap1234567.shtml",
        {"url": "https://news.sina.example/c/2021-02-25/doc-ikftssap1234567.shtml",
         "title": "北京今年将新建3000个公共充电桩 年底前核心区实现“3公里充电圈”",
         "published": "2021-02-25 09:30", "author": "王俊", "source": "新京报",
         "starts": ["新京报讯（记者 王俊）2", "据介绍，截至2020年底", "针对这一问题，市城市管理", "在公共领域，北京将继续推",
                    "此外，北京还将完善充电设", "市城市管理委相关负责人表"]},
        ["责任编辑", "海量资讯", "新京报资料图", "文章关键词", "分享到", "北京老旧小区充电设施改造", "我们小区十几年",
         "多地中小学开学", "国务院常务会议"],
        id="sina"),
    pytest.param(
        "netease.html", "https://news.163.example/21/0225/09/G3ABCDEF0001899O.html",
        {"url": "https://news.163.example/21/0225/09/G3ABCDEF0001899O.html",
         "title": "春运前28天全国累计发送旅客6.6亿人次 同比下降近六成",
         "published": "2021-02-25 09:30", "author": "刘亮", "source": "中国新闻网",
         "starts": ["中新网北京2月25日电（", "分运输方式看，铁路累计发", "交通运输部运输服务司有关", "在疫情防控方面，各地继续",
                    "据预测，随着学校陆续开学"]},
        ["本文来源", "责任编辑", "NBJ", "跟贴", "春运返程客流持续增长", "今年回家和返程", "举报", "中新社记者"],
        id="netease-163"),
    pytest.param(
        "qq.html", "https://new.qq.example/rain/a/20210225A01ABC00",
        {"url": "https://new.qq.example/rain/a/20210225A01ABC00",
         "title": "全国冬小麦苗情总体好于常年 农业农村部部署春季田管",
         "published": "2021-02-25 10:12", "author": "王恩博", "source": None,
         "starts": ["中新网北京2月25日电 ", "农业农村部种植业管理司负", "不过，这位负责人也提醒，", "为此，农业农村部已派出1",
                    "农业农村部要求，各地要把"]},
        ["春耕备耕进行时", "24小时热文", "多地中小学春季学期", "腾讯公司"],
        id="qq-rain"),
    pytest.param(
        "sohu.html", "https://www.sohu.example/a/452111234_120099890",
        {"url": "https://www.sohu.example/a/452111234_120099890",
         "title": "我国首条跨海高铁主体工程基本完成 福州至厦门将实现一小时通达",
         "published": "2021-02-25 09:30", "author": "李文瑶", "source": "环球网",
         "starts": ["【环球网科技报道 记者 ", "据介绍，福厦高铁北起福州", "跨海大桥施工面临风大、浪", "业内专家表示，福厦高铁建",
                    "按照计划，福厦高铁将于2"]},
        ["原标题", "返回搜狐", "责任编辑", "平台声明", "阅读 (", "全国铁路今年计划", "还没有评论", "130.3万"],
        id="sohu-mp"),
    pytest.param(
        "people.html", "http://politics.people.example/n1/2021/0225/c1001-32036123.html",
        {"url": "http://politics.people.example/n1/2021/0225/c1001-32036123.html",
         "title": "去年全国新改建农村公路超过20万公里",
         "published": "2021-02-25 08:23", "author": "韩鑫", "source": "人民网－人民日报",
         "starts": ["记者从交通运输部获悉：2", "交通运输部有关负责人介绍", "在农村公路管理养护方面，", "与此同时，“四好农村路”",
                    "交通运输部表示，今年将启"]},
        ["责编", "《 人民日报 》", "交通运输部：今年将新改建", "分享到", "繁体", "热门排行"],
        id="people-gb2312"),
    pytest.param(
        "xinhua.html", "http://www.xinhuanet.example/tech/2021-02/25/c_1127136123.htm",
        {"url": "http://www.xinhuanet.example/tech/2021-02/25/c_1127136123.htm",
         "title": "我国科研人员研制出新型高效稳定钙钛矿太阳能电池",
         "published": "2021-02-25 09:30", "author": "程博文", "source": "新华网",
         "starts": ["新华社合肥2月25日电（", "钙钛矿太阳能电池具有材料", "研究团队在钙钛矿薄膜表面", "论文通讯作者介绍，这种处",
                    "目前，团队正与相关企业合"]},
        ["纠错", "责任编辑", "关闭", "字体", "我国光伏发电装机", "新华推荐"],
        id="xinhuanet"),
    pytest.param(
        "ifeng.html", "https://news.ifeng.example/c/84Fxyz12345",
        {"url": "https://news.ifeng.example/c/84Fxyz12345",
         "title": "今年首场沙尘天气将影响北方多地 北京27日有扬沙",
         "published": "2021-02-25 16:45", "author": None, "source": "中国天气网",
         "starts": ["记者从中央气象台获悉，受", "中央气象台首席预报员介绍", "受此影响，北京27日午后", "气象专家提醒，沙尘天气期",
                    "另据预测，3月上中旬北方"]},
        ["责任编辑", "不良信息举报", "中央气象台发布沙尘暴蓝色预警", "去年春天也是", "24小时热点"],
        id="ifeng-hashed-classes"),
    pytest.param(
        "thepaper.html", "https://www.thepaper.example/newsDetail_forward_11523456",
        {"url": "https://www.thepaper.example/newsDetail_forward_11523456",
         "title": "上海今年将新增轨道交通运营里程超80公里 14号线、18号线一期年内开通",
         "published": "2021-02-25 09:30", "author": "朱奕奕", "source": "澎湃新闻",
         "starts": ["2月25日上午，上海市交", "据介绍，14号线西起嘉定", "18号线一期全长约36.", "市交通委相关负责人表示，",
                    "此外，今年上海还将推进轨"]},
        ["车站内景", "责任编辑", "关键词", "上海地铁春节后客流", "14号线终于要开了", "点赞"],
        id="thepaper-br"),
    pytest.param(
        "wechat.html", "https://mp.weixin.qq.example/s/AbCdEfGhIjKlMnOpQrStUv",
        {"url": "https://mp.weixin.qq.example/s/AbCdEfGhIjKlMnOpQrStUv",
         "title": "北京25家市属公园3月1日起延长开放时间，春季赏花攻略来了",
         # the page shows no time: its <em id=publish_time> is filled by a script from a Unix
         # time in a platform-specific variable, which is not read; the script's day is
         "published": "2021-02-25", "author": "王斌", "source": "北京日报客户端",
         "starts": ["记者从北京市公园管理中心", "随着气温回升，各公园陆续", "为做好疫情防控，市属公园", "市公园管理中心提醒，赏花"]},
        ["资料图", "来源：", "记者：王斌", "流程编辑", "点分享", "微信扫一扫", "功能介绍", "赞赏"],
        id="wechat-mp"),
    pytest.param(
        "toutiao.html", "https://www.toutiao.example/article/6932123456789012345/",
        {"url": "https://www.toutiao.example/article/6932123456789012345/",
         "title": "春节后首批上市公司年报出炉 多家企业净利润翻倍",
         "published": "2021-02-25 17:42", "author": None, "source": "每日经济新闻",  # the meta line's outlet
         "starts": ["截至2月25日，沪深两市", "从行业分布看，业绩大幅增", "也有部分公司业绩承压。受", "分析人士指出，随着年报披",
                    "按照规定，上市公司需在4"]},
        ["图片来源", "举报", "年报季又来了", "A股年报披露进入高峰期", "头条热榜", "官方头条号"],
        id="toutiao-ssr"),
    pytest.param(
        "baijiahao.html", "https://baijiahao.baidu.example/s?id=1692612345678901234",
        {"url": "https://baijiahao.baidu.example/s?id=1692612345678901234",
         "title": "春节后各地复工复产加速 多地开行返岗专列专车",
         "published": "2021-02-25 09:30", "author": None, "source": None,
         "starts": ["中新网2月25日电 春节", "为稳定就业岗位，多地出台", "在招聘服务方面，人社部门", "人社部有关负责人表示，下"]},
        ["发布时间", "举报/反馈", "人社部：春风行动", "热搜榜", "官方帐号"],
        id="baijiahao"),
    pytest.param(
        "cctv.html", "https://news.cctv.example/2021/02/25/ARTI1614223456789123.shtml",
        {"url": "https://news.cctv.example/2021/02/25/ARTI1614223456789123.shtml",
         "title": "南水北调东中线一期工程累计调水突破400亿立方米",
         "published": "2021-02-25 09:30", "author": None, "source": "央视新闻客户端",
         "starts": ["央视网消息：记者从水利部", "其中，中线一期工程累计向", "水利部南水北调工程管理司", "今年，水利部将继续加强工"]},
        ["编辑：", "南水北调中线工程今年计划", "分享到", "打印", "视频推荐"],
        id="cctv"),
]


@pytest.mark.parametrize("name, url, expected, left_out", CASES)
def test_portal_article(name, url, expected, left_out):
    rec = record(fetch(name, url))
    assert fields(rec, expected) == expected
    assert [s for s in left_out if s in rec["body"]] == []
