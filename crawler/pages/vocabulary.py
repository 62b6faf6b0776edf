"""The words extraction looks for: class/id words of page chrome, byline labels, related-list
headings, footer lines. Kept apart from the code that uses them, so a new portal convention
is one line here (trafilatura keeps its XPath vocabularies the same way)."""

from __future__ import annotations

import re

from archive.chinese import HAN_CLASS

# One Han character, as a piece of the patterns below.
HAN = f"[{HAN_CLASS}]"


def gated(pattern: str, first: str, flags: int = 0) -> re.Pattern:
    """``pattern`` behind a lookahead of ``first``, the characters every match of it starts
    with (letters in either case under ``re.I``): the regex engine then skips the positions
    where no match can start instead of trying each alternative there, 2-4x faster on the
    short texts a page tests one by one. ``first`` must name every possible first character."""
    return re.compile(f"(?=[{re.escape(first)}])(?:{pattern})", flags)

ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                 "OpinionNewsArticle", "BackgroundNewsArticle", "TechArticle", "ScholarlyArticle",
                 "LiveBlogPosting", "Report", "SocialMediaPosting", "DiscussionForumPosting"}  # not "Blog": the blog's home

RELATED_HEADINGS = re.compile(
    r"^\s*[【\[]?\s*(相关新闻|相关链接|相关阅读|相关文章|相关报道|相关稿件|相关推荐|延伸阅读|"
    r"相關新聞|相關鏈接|相關連結|相關閱讀|相關文章|相關報導|相關報道|延伸閱讀)\s*[】\]]?\s*[:：]?\s*$"
)
# Paths of printer-friendly and mobile copies.
COPY_URL = re.compile(r"(^|/)(print|m|mobile|wap|amp)/|[_-]print\.|[?&](print|mobile)=", re.I)
ALTERNATE_TEXT = re.compile(r"打印|手机版|手机阅读|手機版|手機閱讀|移动版|移動版|触屏版|觸屏版")

# Elements whose content is never article text. ``form`` is not here: ASP.NET pages wrap
# the whole page in one ``<form>``; form controls are.
SKIP_TAGS = {"script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "button",
             "select", "figcaption", "template", "svg", "textarea", "input", "option", "label"}

# Class/id words of page chrome. A class or id is cut into words at white space, "-", "_"
# and lower-to-upper case changes ("mp-editor" -> mp, editor; "TRS_Editor" -> trs, editor).
# CHROME_WORDS count as whole class names or as any word of one ("share-box", "nav_top");
# CHROME_NAMES only as a whole class name or id, because as words they also name content
# containers ("TRS_Editor", "article-info", "page_container", "tag-economy", "post-meta").
# NAV_WORDS, the chrome words of menus and breadcrumbs, whose links name the site's channels.
NAV_WORDS = frozenset({"nav", "navbar", "navigation", "menu", "submenu", "breadcrumb", "breadcrumbs", "crumb",
                       "crumbs"})
CHROME_WORDS = NAV_WORDS | frozenset({
    "footer", "share", "sharing", "bdshare", "social", "related", "xgxw", "recommend", "recommended", "advert",
    "advertisement", "ads", "banner", "comment", "comments", "copyright", "sidebar", "qrcode", "ewm",
    "pagination", "fenye", "toolbar", "subscribe", "infobox", "navbox", "ad", "caption", "editsection",
    "descr", "qr", "newsletter", "popup", "modal", "cookie",
})
CHROME_NAMES = frozenset({
    "header", "hot", "editor", "picinfo", "pic-info", "imgdesc", "img-desc", "tag", "tags",
    "keyword", "keywords", "page", "pages", "print", "tool", "tools", "byline", "info", "source", "author",
    "meta", "side", "aside", "top", "bottom", "left", "right", "footnav", "topnav", "dateline", "widget",
})

# Lines that are CMS furniture even inside the body container: a byline/editor label with a
# colon ("责任编辑：王芳", "来源：青岛日报"), a short line starting with such a label
# ("记者 李强"), or page tools ("分享到", "【打印】"). "记者从…获悉" is prose and stays.
LABELS = (r"责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對|终审|終審|值班编辑|来源|來源|稿源|作者|"
          r"记者|記者|通讯员|通訊員|实习生|實習生|摄影|攝影|原标题|原標題|本文来源|本文來源|图片来源|圖片來源|"
          r"发布时间|發佈時間|發布時間|发布日期|出处|出處|本文转自|本文轉自|转自|轉自|转载自|轉載自|"
          r"当前位置|當前位置|您的位置|您现在的位置|你的位置|所在位置|浏览次数|瀏覽次數|点击数|點擊數|阅读次数|閱讀次數")
BOILERPLATE = re.compile(
    r"^\s*[（(【\[]?\s*(?:(?:" + LABELS + r")\s*[:：]|(?:" + LABELS + r")(?=.{0,16}$)|"
    # any kind of editor with a colon: 流程编辑：, 视频编辑：, 图片编辑：
    + HAN + r"{1,4}(?:编辑|編輯)\s*[:：]|"
    r"(?:分享到|扫一扫|掃一掃|扫码|掃碼|长按|長按|识别二维码|識別二維碼|点击进入|點擊進入|点击查看|字体|字號|字号|【?打印|【?关闭|【?關閉|"
    r"【?纠错|【?糾錯|点击关注|點擊關注|"
    r"上一篇|下一篇|上一页|下一页|返回顶部|返回首頁|返回首页|更多>>|第\s*\d+\s*页\s*/\s*共|<<\s*上一页)|"
    # a newspaper's print-edition line: 《 人民日报 》（ 2021年02月25日 02 版）
    r"《\s*[^》]{2,16}\s*》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[\w\s]{0,8}版\s*[)）]\s*$)"
)
# Picture captions and credits as lines of their own: "资料图：…", "图为…", "… 记者 朱奕奕 图",
# "新京报资料图", "… 摄" (short lines that do not end as a sentence: prose.is_prose checks).
CAPTION = re.compile(r"^\s*(?:资料图|資料圖|图为|圖為|图片[:：]|圖片[:：]|图片来源|圖片來源|图片由|圖片由|图/|圖/|图：|圖：)|"
                     r"(?:资料图|資料圖|供图|供圖|摄|攝|\s图|\s圖)\s*$")
CAPTION_MAX_LEN = 60
# A platform's share prompt as a line of its own: "点分享点收藏点点赞点在看".
SHARE_PROMPT = re.compile(r"^(?:[点點](?:分享|收藏|[点點]?赞|[点點]?讚|在看))+$")
BOILERPLATE_MAX_LEN = 60
# Lines that are only an advertisement marker.
AD_LINE = re.compile(r"^\s*(?:advertisement|advert|ad|sponsored|广告|廣告|推广|推廣)\s*$", re.I)
# Site footer lines (licences, copyright), dropped wherever they appear.
FOOTER_WORDS = (r"ICP备|ICP備|版权所有|版權所有|Copyright|All Rights Reserved|公网安备|公網安備|"
                r"举报电话|舉報電話|主办[:：]|主辦[:：]|承办[:：]|承辦[:：]|版权声明|版權聲明")
FOOTER = gated(FOOTER_WORDS, "ICA版公举舉主承", re.I)

# The value of a 来源 label ends at white space, a separator or the next label with its colon
# ("来源:开源中国社区点击:次"; "来源：青岛发布" is one name).
_NEXT_LABEL = r"点击|點擊|浏览|瀏覽|阅读|閱讀|作者|编辑|編輯|责任|責任|发布|發佈|發布|发表|發表|时间|時間|日期|字号|字號"
# Separators between the fields of a byline line ("2021-02-02 19:25 · 青岛早报 · 记者 林君",
# "来源：青岛早报 | 作者：林君"); white space separates fields too.
BYLINE_SEPARATORS = "|｜·•"
BYLINE_FIELDS = re.compile(rf"[{BYLINE_SEPARATORS}\s]+")
SOURCE = re.compile(r"(?<!图片)(?<!圖片)(?<![图圖])(?:来源|來源|稿源|出处|出處|来自)\s*[:：]\s*(?P<v>[^\s"
                    + BYLINE_SEPARATORS + r"/,，　]{2,40}?)(?=$|[\s" + BYLINE_SEPARATORS + r"/,，　]|(?:"
                    + _NEXT_LABEL + r")\s*[:：])")
# A publication named without a label, as a field of a byline line ("… · 青岛早报 · 记者 林君"):
# a name of 3-17 characters ending as the names of papers, sites, stations, agencies and
# accounts end (新华社, 青岛早报, 澎湃新闻, 头条号); not a page tool ("举报", "更多新闻",
# "扫码看新闻") nor a greeting.
_MEDIA_ENDINGS = r"网|網|报|報|新闻|新聞|在线|在線|台|客户端|客戶端"
OUTLET_NAME = re.compile(r"^(?!.*(?:更多|相关|相關|返回|查看|点击|點擊|分享|扫码|掃碼|订阅|訂閱|关注|關注|下载|下載|欢迎|歡迎))"
                         "[" + HAN_CLASS + "A-Za-z][" + HAN_CLASS + "A-Za-z0-9]{1,13}(?:" + _MEDIA_ENDINGS
                         + r"|刊|社|号|號|传媒|傳媒|融媒|发布|發佈)$")
AUTHOR_LABEL = re.compile(r"(?:作者|记者|記者|撰文|撰稿|采写|採寫|本报记者|本報記者)\s*[:：]?\s*|(?:^|\s)文\s*[/／:：]\s*")
NAME = re.compile("^(?:" + HAN + "{2,4}|" + HAN + "{1,3}·" + HAN + "{1,6}|[A-Z][a-z]+(?: [A-Z][a-z]+)*)$")
NOT_NAMES = {"通讯员", "通訊員", "编辑", "編輯", "责任编辑", "責任編輯", "实习生", "實習生", "摄影", "攝影",
             "报道", "報道", "报导", "報導", "来源", "來源", "发布", "發佈", "发布时间", "發佈時間",
             "时间", "時間", "日期", "本报", "本報", "综合", "綜合", "整理", "摄", "攝", "文", "图", "圖",
             "本人", "个人", "個人", "自己", "不详", "不詳", "佚名", "匿名", "网友", "網友"}
# Reporter signatures inside the body: "（记者 刘涛）", "（常书香 马丹阳）", "(信报记者 蔡雪婧)",
# "（姚峰 上海报道）" closing the last paragraph; "本报记者罗科苏盈发自北京", "□ 本报记者 葛灵丹",
# "执笔人：…" as a line of their own.
_CN_NAMES = HAN + "{2,4}(?:[ 　、，,]" + HAN + "{2,4}){0,5}?"
# Closing a paragraph, a parenthesis is a signature only with 记者 or 报道 in it, or with two
# names or more ("（常书香 马丹阳）"): "（同比）", "（新华社）", "（未完待续）" are not.
SIGNATURE_END = re.compile(
    r"[（(]\s*(?:(?:" + HAN + r"{0,6}(?:记者|記者))\s*(?P<reporters>" + _CN_NAMES + r")"
    r"|(?P<reported>" + _CN_NAMES + r")\s*(?:" + HAN + r"{2,4})?(?:报道|報道)"
    r"|(?P<names>" + HAN + "{2,3}(?:[ 　、，,]" + HAN + r"{2,3}){1,5}))\s*[)）]\s*$")
# A signature line: a strong label ("本报记者罗科苏盈发自北京", "执笔人：…") or 记者 with a space
# or colon before the names ("记者节快乐" is no signature).
SIGNATURE_LINE = re.compile(r"^\W{0,3}(?:(?:本报记者|本報記者|执笔人|執筆人|执笔|執筆|撰稿人)\s*[:：]?|(?:记者|記者)[\s:：]+)\s*"
                            r"(?P<names>" + _CN_NAMES + r")\s*(?:发自|發自|报道|報道|$)")
# Reporters named in the dateline opening the first paragraph: "新京报讯（记者 王俊）",
# "新华社合肥2月25日电（记者程博文）", "【环球网科技报道 记者 李文瑶】".
SIGNATURE_START = re.compile(r"^.{0,40}?[（(【\[][^）)】\]]{0,20}?(?:记者|記者)\s*(?P<names>" + _CN_NAMES
                             + r")\s*[)）】\]]")
# Labels after which a name is an editor's, not an author's.
EDITOR_BEFORE = re.compile(r"(?:编辑|編輯|责编|責編|编审|編審|审核|審核|校对|校對)\s*[:：]?\s*$")
# A name with its Latin form: "周思博 (Joel Spolsky)".
NAME_WITH_LATIN = re.compile("^" + HAN + r"{2,4}\s*[（(][A-Z][A-Za-z .'-]+[)）]")
# A two-character name printed with its characters spaced out ("本报记者  韩   鑫").
SPACED_NAME = re.compile(f"^({HAN})[ 　]+({HAN})(?!{HAN})")
# Inline elements that hold one field of a byline line ("<span>2021-02-02</span> · <span>青岛早报</span>").
INLINE_TAGS = {"span", "em", "i", "b", "strong", "font", "small", "a", "time", "label", "cite"}
# Words that continue a sentence, never start a name after a label ("作者的劳动").
NOT_NAME_START = ("的", "之", "是", "在", "和", "与", "與", "们", "們", "简介", "簡介")
# Own text that may be (part of) a byline: a label or a year.
BYLINE_HINT_WORDS = r"来源|來源|发布|發佈|發布|作者|记者|記者|时间|時間|日期|稿源|文[/／]|(?:19|20)\d\d"
BYLINE_HINT = gated(BYLINE_HINT_WORDS, "来來发發作记記时時日稿文12")
NO_BYLINE_TAGS = {"script", "style", "head", "title", "meta", "a", "option", "select", "li", "dd", "html"}
# Class/id words of containers whose dates are never the article's (lists, sidebars, calendars);
# DATE_CHROME_NAMES only as a whole class name or id ("header-time", "top-bar-wrap" hold bylines).
DATE_CHROME_WORDS = frozenset({"related", "xgxw", "copyright", "nav", "sidebar", "calendar", "weather", "comment",
                               "comments", "reply", "infobox", "archive", "archives"})
DATE_CHROME_NAMES = frozenset({"hot", "list", "header", "top", "topbar", "widget"})
# Class/id words of the element that shows the source without a label (<span class="source">).
SOURCE_WORDS = frozenset({"source", "laiyuan"})
# Words next to a date that say it is not a publication date (birth dates in infoboxes,
# "blog created on", "registered", "last login", "member since").
NOT_PUBLICATION = re.compile(r"出生|生于|生於|诞生|誕生|逝世|卒于|卒於|建立于|建立於|创建于|創建於|注册|註冊|"
                             r"加入于|加入時間|加入时间|登录|登錄|最后登录|最後登錄|上次登录|born|died|joined|"
                             r"member since|registered|last login|"
                             # times of an event the article announces, not of the article
                             r"(?:演出|活动|活動|开始|開始|截止|报名|報名|举办|舉辦|会议|會議|比赛|比賽|开幕|開幕|营业|營業|"
                             r"考试|考試|开放|開放|有效|出发|出發|开奖|開獎|上映|发车|發車)(?:时间|時間|日期)", re.I)
# A weekday after a date: the "today is" line of a portal's header (2026年12月1日 星期二).
WEEKDAY = re.compile(r"(?:星期|礼拜|禮拜|周|週)[一二三四五六日天]")

# Class/id words of a headline element.
TITLE_WORDS = frozenset({"title", "headline", "heading", "biaoti", "bt", "tit", "subject", "topic",
                         "entry-title", "post-title", "article-title", "main-title"})
# Site-name affixes of <title>, when the page itself names no site: a segment with one of
# these words reads as the site's or a channel's name.
SITE_NAME_HINT = re.compile(_MEDIA_ENDINGS + r"|频道|頻道|政府|电视|网站|博客|论坛|論壇|社区|社區|资讯|資訊|"
                            r"门户|門戶|官网|官網|"
                            r"中心|首页|首頁|com|cn|net|org|News|Blog|Online|Times|Post|Daily", re.I)
# Separators of the segments of <title> ("标题_频道_网站", "【转载】标题 - 网站", "网站 » 标题"):
# "_", "|", "｜", "»", "«", "<", ">" anywhere; dashes, "·" and "•" unless between two Latin letters
# or digits ("A-B合作", "COVID-19" are one segment); " / " with spaces. Never ":" ("北京：…"
# is part of a headline).
TITLE_SEPARATOR = re.compile(r"\s*[_|｜»«<>]+\s*|\s+(?:[-–—·•/]+\s+)+|\s*(?<![A-Za-z0-9\s])[-–—·•]+\s*"
                             r"|\s*[-–—·•]+(?![A-Za-z0-9\s])\s*")
# Texts of a home link that say "home", not the site's name.
HOME_LINK_TEXT = re.compile(r"^(?:网站|網站|返回|回到)?(?:首页|首頁|主页|主頁)$|^home(?: ?page)?$", re.I)
# Hosts that serve mobile copies of a site's pages (``m.example.cn``, ``wap.``, ``3g.``).
COPY_HOST = re.compile(r"^(m|wap|3g|mobile|amp)\.", re.I)
