"""HTML/XML templates of the bundled fake portals.

Three CMS families are imitated:

* ``dq_*``  -- 青岛日报网 (dailyqd): classic div layout, UTF-8.
* ``pd_*``  -- 平度新闻网 (pdnews): old table/font layout, GBK bytes.
* ``jd_*``  -- 胶东在线 (jiaodong): modern HTML5 with JSON-LD and OpenGraph.

All functions return ``str``; callers encode.  Links may contain the
placeholder ``__BASE__`` which the server replaces with the site base URL.
Article dictionaries use these keys (missing keys mean "not shown"):
``title, time, source, author, editor, paras, heading, channel`` and, for
jiaodong, ``iso, figures, summary, tags``.
"""
from __future__ import annotations

import json
from html import escape

__all__ = [
    "esc", "dq_article", "dq_listing", "dq_home", "dq_mobile_article", "dq_print_article",
    "dq_shell", "pd_article", "pd_listing", "pd_shell", "jd_article", "jd_listing",
    "jd_shell", "rss_feed", "atom_feed", "sitemap", "sitemap_index", "pager_links",
]


def esc(s: str) -> str:
    return escape(s, quote=True)


# ---------------------------------------------------------------------------
# dailyqd -- 青岛日报网
# ---------------------------------------------------------------------------
DQ_NAME = "青岛日报网"
DQ_CHANNELS = [
    ("politics", "时政"), ("economy", "经济"), ("society", "社会"),
    ("sports", "文体"), ("pingdu", "区市"),
]

_DQ_CSS = """body{margin:0;font:14px/1.8 "Microsoft YaHei","SimSun",sans-serif;color:#333;background:#fff}
a{color:#333;text-decoration:none}a:hover{color:#c00}
.top{height:30px;line-height:30px;background:#f2f2f2;border-bottom:1px solid #ddd;font-size:12px}
.w1200{width:1200px;margin:0 auto}.logo{float:left;margin:12px 0}.nav{background:#b40000;height:44px}
.nav a{color:#fff;font-size:16px;padding:0 18px;line-height:44px}.ad{margin:10px auto;text-align:center}
.main{float:left;width:820px}.side{float:right;width:340px}.article-content p{text-indent:2em;font-size:18px}
.info{color:#888;font-size:13px;border-bottom:1px dashed #ccc;padding-bottom:8px}
.footer{clear:both;background:#333;color:#aaa;text-align:center;padding:20px 0;font-size:12px;margin-top:30px}"""


def dq_shell(title: str, content_html: str, *, keywords: str = "", description: str = "",
             extra_head: str = "", crumbs: list[tuple[str, str]] | None = None) -> str:
    nav = "\n".join(
        ['<a href="/">首页</a>']
        + [f'<a href="/channel/{cid}/index.shtml">{name}</a>' for cid, name in DQ_CHANNELS]
        + ['<a href="/zt/promo.shtml">专题</a>', '<a href="/calendar/">新闻日历</a>',
           '<a href="/download/app.shtml">客户端</a>']
    )
    crumb_html = ""
    if crumbs:
        parts = ['<a href="/">首页</a>'] + [f'<a href="{h}">{esc(t)}</a>' if h else esc(t) for t, h in crumbs]
        crumb_html = '<div class="crumbs w1200">当前位置：' + " &gt; ".join(parts) + "</div>"
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>{esc(title)}</title>
<meta name="keywords" content="{esc(keywords)}" />
<meta name="description" content="{esc(description)}" />
<link rel="shortcut icon" href="/favicon.ico" />
<link rel="stylesheet" type="text/css" href="/static/css/common.css" />
<style type="text/css">{_DQ_CSS}</style>
{extra_head}<script type="text/javascript">
var _hmt = _hmt || [];
(function() {{
  var hm = document.createElement("script");
  hm.src = "https://hm.baidu.com/hm.js?3c1f8e2a9b7d6e5f4a3b2c1d0e9f8a7b";
  var s = document.getElementsByTagName("script")[0];
  s.parentNode.insertBefore(hm, s);
}})();
</script>
</head>
<body>
<div class="top"><div class="w1200">
<span class="fl">欢迎访问青岛日报网！</span>
<span class="fr"><a href="/m/">手机版</a> | <a href="/rss.xml">RSS订阅</a> | <a href="/admin/login.shtml">网站管理</a> | <a href="/search/?q=平度">站内搜索</a></span>
</div></div>
<div class="header w1200">
<div class="logo"><a href="/"><img src="/static/images/logo.png" alt="青岛日报网" width="320" height="60" /></a></div>
<div class="search-box"><form action="/search/" method="get"><input type="text" name="q" value="请输入关键字" /><input type="submit" value="搜索" /></form></div>
</div>
<div class="nav"><div class="w1200">
{nav}
</div></div>
<div class="ad w1200" id="ad_top_banner">
<a href="http://ad.example-ads.cn/click?id=10231" target="_blank"><img src="/static/ad/banner_1200x90_bank.jpg" width="1200" height="90" alt="广告" /></a>
</div>
{crumb_html}
{content_html}
<div class="footer">
<div class="w1200">
<p><a href="/about/">关于我们</a> | <a href="/about/contact.shtml">联系我们</a> | <a href="/about/ad.shtml">广告服务</a> | <a href="/about/copyright.shtml">版权声明</a> | <a href="/about/jobs.shtml">招聘信息</a></p>
<p>版权所有 © 2005-2021 青岛日报社 未经书面授权禁止转载、摘编或建立镜像</p>
<p>互联网新闻信息服务许可证：37120170003　<a href="https://beian.miit.gov.cn/" target="_blank">鲁ICP备09023866号</a>　鲁公网安备 37020202000135号</p>
<p>违法和不良信息举报电话：0532-82860000　举报邮箱：jubao@dailyqd.example</p>
</div>
</div>
<script type="text/javascript" src="/static/js/jquery-1.8.3.min.js"></script>
<script type="text/javascript">document.write('<scr'+'ipt src="/static/js/stat.js?t=' + new Date().getTime() + '"></scr'+'ipt>');</script>
</body>
</html>
"""


def _dq_side(hot: list[tuple[str, str]]) -> str:
    items = "\n".join(f'<li><em>{i}</em><a href="{h}" target="_blank">{esc(t)}</a></li>'
                      for i, (t, h) in enumerate(hot, 1))
    return f"""<div class="side">
<div class="ad"><iframe src="/static/ad/side_300x250.html" width="300" height="250" frameborder="0" scrolling="no"></iframe></div>
<div class="hot-list">
<h3>热点排行</h3>
<ul>
{items}
</ul>
</div>
<div class="qrcode">
<img src="/static/images/qr_wechat.png" width="120" height="120" alt="二维码" />
<p>扫一扫关注青岛日报微信公众号</p>
<p>扫码下载观海新闻客户端</p>
</div>
<div class="ad"><a href="http://ad.example-ads.cn/click?id=10488" target="_blank"><img src="/static/ad/side_300x100_car.jpg" width="300" height="100" alt="" /></a></div>
</div>"""


def _dq_related(heading: str, related: list[tuple[str, str, str | None]]) -> str:
    lis = []
    for t, h, d in related:
        date = f'<span class="date">{d}</span>' if d else ""
        lis.append(f'<li><a href="{h}" target="_blank">{esc(t)}</a>{date}</li>')
    body = "\n".join(lis)
    return f"""<div class="related">
<div class="related-hd"><h3>{heading}</h3></div>
<ul class="related-list">
{body}
</ul>
</div>"""


def dq_article(a: dict, *, related: list[tuple[str, str, str | None]], hot: list[tuple[str, str]],
               pages_html: str = "", mobile_href: str | None = None, print_href: str | None = None,
               promo: bool = True, channel_name: str = "时政", channel_id: str = "politics",
               paras: list[str] | None = None, extra_head: str = "") -> str:
    info = []
    if a.get("time"):
        info.append(a["time"])
    if a.get("source"):
        info.append(f'来源：{esc(a["source"])}')
    if a.get("author"):
        info.append(f'作者：{esc(a["author"])}')
    paras = a["paras"] if paras is None else paras
    body_ps = [f"<p>{esc(p)}</p>" for p in paras]
    if promo and len(body_ps) > 2:
        body_ps.insert(2, '<p style="text-align:center"><a href="/zt/promo.shtml" target="_blank">'
                          '<img src="/static/zt/2021lianghui_banner.jpg" width="600" alt="" /></a></p>')
        body_ps.append('<div class="zt-link"><a href="/zt/promo.shtml" target="_blank">'
                       '<strong>点击进入专题&gt;&gt;</strong></a></div>')
    tools = []
    if print_href:
        tools.append(f'<a href="{print_href}" target="_blank">打印本页</a>')
    if mobile_href:
        tools.append(f'<a href="{mobile_href}">手机阅读</a>')
    tools.append('<a href="javascript:window.close();">关闭窗口</a>')
    editor = f'<div class="editor">责任编辑：{esc(a["editor"])}</div>' if a.get("editor") else ""
    nl = "\n"
    content = f"""<div class="w1200 clearfix">
<div class="main">
<div class="article">
<h1>{esc(a["title"])}</h1>
<div class="info">{"　".join(info)}</div>
<div class="share-bar">分享到：<a class="wx" href="javascript:;">微信</a> <a class="wb" href="javascript:;">微博</a> <a class="qzone" href="javascript:;">QQ空间</a>
<span class="font-size">字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span></div>
<div class="article-content" id="zoom">
{nl.join(body_ps)}
</div>
{pages_html}
{editor}
<div class="article-tools">{" | ".join(tools)}</div>
<div class="ad" id="ad_article_bottom"><script type="text/javascript">BAIDU_CLB_fillSlot("5823127");</script></div>
{_dq_related(a.get("heading", "相关新闻"), related)}
<div class="comment-box"><h3>网友评论</h3><p>已有<span>0</span>人参与 <a href="javascript:;">登录</a>后发表评论</p></div>
</div>
</div>
{_dq_side(hot)}
</div>"""
    return dq_shell(f'{a["title"]}_{DQ_NAME}', content, keywords=a.get("keywords", ""),
                    description=(paras[0][:60] if paras else ""), extra_head=extra_head,
                    crumbs=[(channel_name, f"/channel/{channel_id}/index.shtml"), ("正文", "")])


def dq_mobile_article(a: dict, *, canonical: str) -> str:
    ps = "\n".join(f"<p>{esc(p)}</p>" for p in a["paras"])
    t = a.get("time", "") or ""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no">
<title>{esc(a["title"])}_{DQ_NAME}手机版</title>
<link rel="canonical" href="{canonical}">
<link rel="stylesheet" href="/m/static/m.css">
</head>
<body class="m">
<header class="m-head"><a class="back" href="/m/">&lt;</a><a href="/m/"><img src="/m/static/logo_m.png" alt="青岛日报网"></a><a class="open-app" href="/download/app.shtml">打开APP</a></header>
<section class="m-article">
<h1 class="m-title">{esc(a["title"])}</h1>
<div class="m-info"><span class="m-time">{t[:16]}</span><span class="m-src">{esc(a.get("source") or "")}</span></div>
<div class="m-body">
{ps}
</div>
<div class="m-editor">编辑：{esc(a.get("editor") or "")}</div>
</section>
<div class="m-open-app"><a href="/download/app.shtml">打开观海新闻APP，阅读体验更佳</a></div>
<footer class="m-foot"><a href="{canonical}">电脑版</a> © 青岛日报社</footer>
<script>window.__M_CONFIG={{"channel":"society","share":true}};</script>
</body>
</html>
"""


def dq_print_article(a: dict) -> str:
    ps = "\n".join(f"<p>{esc(p)}</p>" for p in a["paras"])
    info = "　".join(x for x in [a.get("time") or "", f'来源：{a["source"]}' if a.get("source") else "",
                                f'作者：{a["author"]}' if a.get("author") else ""] if x)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{esc(a["title"])}_{DQ_NAME}</title>
<style>body{{width:680px;margin:20px auto;font:16px/1.8 SimSun,serif}}.noprint{{text-align:right}}@media print{{.noprint{{display:none}}}}</style>
</head>
<body onload="window.print()">
<div class="noprint"><a href="javascript:window.print();">打印</a> <a href="javascript:window.close();">关闭</a></div>
<h1>{esc(a["title"])}</h1>
<div class="info">{esc(info)}</div>
<div class="article-content">
{ps}
</div>
<p class="print-foot">本文来自青岛日报网</p>
</body>
</html>
"""


def dq_listing(title: str, items: list[tuple[str, str, str | None]], *, pager: str = "",
               hot: list[tuple[str, str]] = (), crumbs=None, intro: str = "") -> str:
    lis = "\n".join(
        f'<li><a href="{h}" target="_blank">{esc(t)}</a>' + (f'<span class="time">{d}</span>' if d else "") + "</li>"
        for t, h, d in items)
    content = f"""<div class="w1200 clearfix">
<div class="main">
<div class="list-hd"><h2>{esc(title)}</h2></div>
{intro}
<ul class="news-list">
{lis}
</ul>
<div class="pages">{pager}</div>
</div>
{_dq_side(list(hot))}
</div>"""
    return dq_shell(f"{title}_{DQ_NAME}", content, crumbs=crumbs or [(title, "")])


def pager_links(cur: int, total: int, href, *, first_label="首页", prev_label="上一页",
                next_label="下一页", last_label="尾页") -> str:
    """Return a Chinese-style pager; ``href(n)`` gives the URL of page n."""
    out = [f'<span class="total">共{total}页</span>']
    out.append(f'<a href="{href(1)}">{first_label}</a>')
    out.append(f'<a href="{href(cur - 1)}">{prev_label}</a>' if cur > 1 else f'<span class="disabled">{prev_label}</span>')
    for n in range(1, total + 1):
        out.append(f'<span class="current">{n}</span>' if n == cur else f'<a href="{href(n)}">{n}</a>')
    out.append(f'<a href="{href(cur + 1)}">{next_label}</a>' if cur < total else f'<span class="disabled">{next_label}</span>')
    out.append(f'<a href="{href(total)}">{last_label}</a>')
    return " ".join(out)


def dq_home(blocks_html: str) -> str:
    head = ('<link rel="alternate" type="application/rss+xml" title="青岛日报网 - 要闻" href="/rss.xml" />\n'
            '<meta name="mobile-agent" content="format=html5; url=__BASE__/m/" />\n')
    content = f"""<div class="w1200 clearfix home">
{blocks_html}
</div>
<div class="ad w1200"><a href="http://ad.example-ads.cn/click?id=10777" target="_blank"><img src="/static/ad/home_mid_1200x80.gif" alt="" /></a></div>
<div class="w1200 qr-promo"><img src="/static/images/qr_wechat.png" alt="" /><span>扫一扫关注青岛日报</span></div>"""
    return dq_shell(f"{DQ_NAME}_青岛日报社主办", content, keywords="青岛,青岛新闻,青岛日报,平度,胶州",
                    description="青岛日报网是青岛日报社主办的综合性新闻网站。", extra_head=head)


# ---------------------------------------------------------------------------
# pdnews -- 平度新闻网 (GBK, tables)
# ---------------------------------------------------------------------------
PD_NAME = "平度新闻网"
PD_COLUMNS = [("3", "平度新闻"), ("5", "镇街动态"), ("7", "民生热线"), ("9", "图片新闻")]


def pd_shell(title: str, content_html: str, *, charset_meta: str | None = "gb2312",
             extra_head: str = "") -> str:
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">\n'
            if charset_meta else "")
    nav = " | ".join(['<a href="/index.html"><font color="#FFFFFF">首 页</font></a>'] + [
        f'<a href="/list.asp?id={cid}"><font color="#FFFFFF">{name}</font></a>' for cid, name in PD_COLUMNS])
    return f"""<html>
<head>
{meta}<title>{esc(title)}</title>
<meta name="keywords" content="平度,平度新闻,平度日报">
<link href="/css/style.css" rel="stylesheet" type="text/css">
{extra_head}<script language="javascript">
function doZoom(size){{document.getElementById('zoom').style.fontSize=size+'px';}}
function MM_openBrWindow(theURL,winName,features){{window.open(theURL,winName,features);}}
</script>
</head>
<body leftmargin="0" topmargin="0" bgcolor="#FFFFFF">
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="300" height="80"><a href="/index.html"><img src="/images/logo.gif" width="300" height="80" border="0"></a></td>
    <td width="660" align="right"><a href="/member/login.asp"><font color="#666666">会员登录</font></a> | <a href="/rss.xml"><font color="#666666">RSS</font></a> | <a href="#" onClick="this.style.behavior='url(#default#homepage)';this.setHomePage('http://www.pdnews.example');"><font color="#666666">设为首页</font></a></td>
  </tr>
  <tr>
    <td colspan="2" height="32" bgcolor="#0A4E9B" align="center">{nav}</td>
  </tr>
  <tr>
    <td colspan="2" class="ad" align="center"><div class="ad"><a href="http://ad.example-ads.cn/c.asp?id=88" target="_blank"><img src="/ad/960x60_pdnongshang.gif" width="960" height="60" border="0"></a></div></td>
  </tr>
</table>
{content_html}
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0" bgcolor="#E8E8E8">
  <tr><td height="80" align="center"><font style="font-size:12px" color="#666666">
  主办：中共平度市委宣传部　承办：平度市融媒体中心<br>
  版权所有 Copyright &copy; 2008-2021 平度新闻网 All Rights Reserved　<a href="https://beian.miit.gov.cn/" target="_blank">鲁ICP备08104536号</a><br>
  地址：山东省平度市红旗路38号　电话：0532-88362000
  </font></td></tr>
</table>
<script language="javascript" src="/js/count.asp?id=1"></script>
</body>
</html>
"""


def pd_article(a: dict, *, related: list[tuple[str, str]], hot: list[tuple[str, str]],
               charset_meta: str | None = "gb2312", column: tuple[str, str] = ("3", "平度新闻")) -> str:
    ps = "\n".join(f"<p>　　{esc(p)}</p>" for p in a["paras"])
    rel = "\n".join(f'<tr><td height="24">·<a href="{h}" target="_blank">{esc(t)}</a></td></tr>' for t, h in related)
    hots = "\n".join(f'<tr><td height="22"><img src="/images/dot.gif"> <a href="{h}">{esc(t)}</a></td></tr>' for t, h in hot)
    content = f"""<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="30" class="crumb">您现在的位置： <a href="/index.html">平度新闻网</a> &gt;&gt; <a href="/list.asp?id={column[0]}">{column[1]}</a> &gt;&gt; 正文</td></tr>
</table>
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="700" valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="6">
        <tr><td align="center" class="title"><font size="5" color="#B00000"><b>{esc(a["title"])}</b></font></td></tr>
        <tr><td align="center"><font color="#666666" style="font-size:12px">{a["date_text"]}　{a["byline"]}　点击数：<script src="/count.asp?id={a["id"]}"></script></font></td></tr>
        <tr><td align="center"><font style="font-size:12px">【字体：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</font></td></tr>
        <tr><td height="1" bgcolor="#CCCCCC"></td></tr>
        <tr><td id="zoom" style="font-size:14px;line-height:200%">
<div id="article">
{ps}
</div>
        </td></tr>
        <tr><td align="right"><font color="#999999">（编辑：{esc(a.get("editor", "张燕"))}）</font></td></tr>
        <tr><td>上一篇：{a.get("prev_html", "没有了")}<br>下一篇：{a.get("next_html", "没有了")}</td></tr>
        <tr><td>
          <table width="100%" border="0" cellpadding="0" cellspacing="0" class="xgwz">
            <tr><td bgcolor="#EEF3FA" height="26"><b>&nbsp;相关文章</b></td></tr>
{rel}
          </table>
        </td></tr>
      </table>
    </td>
    <td width="10"></td>
    <td width="250" valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td bgcolor="#0A4E9B" height="26"><font color="#FFFFFF"><b>&nbsp;点击排行</b></font></td></tr>
{hots}
      </table>
      <div class="ad"><a href="http://ad.example-ads.cn/c.asp?id=91" target="_blank"><img src="/ad/250x250_jiaju.jpg" width="250" height="250" border="0"></a></div>
      <p align="center"><img src="/images/weixin_qr.jpg" width="150"><br><font style="font-size:12px">扫一扫关注平度发布</font></p>
    </td>
  </tr>
</table>"""
    return pd_shell(f'{a["title"]}-{PD_NAME}', content, charset_meta=charset_meta)


def pd_listing(title: str, items: list[tuple[str, str, str]], pager: str, *, column_id: str = "3") -> str:
    rows = "\n".join(
        f'<tr><td height="26">·<a href="{h}" target="_blank">{esc(t)}</a></td><td width="90" align="right"><font color="#999999">{d}</font></td></tr>'
        for t, h, d in items)
    content = f"""<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="30">您现在的位置： <a href="/index.html">平度新闻网</a> &gt;&gt; {esc(title)}</td></tr>
  <tr><td valign="top">
    <table width="100%" border="0" cellpadding="0" cellspacing="0">
{rows}
    </table>
  </td></tr>
  <tr><td align="center" height="40" class="pager">{pager}</td></tr>
</table>"""
    return pd_shell(f"{title}-{PD_NAME}", content)


# ---------------------------------------------------------------------------
# jiaodong -- 胶东在线 (HTML5, JSON-LD, OpenGraph)
# ---------------------------------------------------------------------------
JD_NAME = "胶东在线"
JD_CHANNELS = [("yantai", "烟台"), ("weihai", "威海"), ("economy", "财经"), ("culture", "文旅"), ("latest", "最新")]
_LAZY = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def jd_shell(title: str, main_html: str, *, head_extra: str = "", lang: str = "zh-CN") -> str:
    nav = "\n".join(['<li><a href="/">首页</a></li>'] + [
        f'<li><a href="{"/latest" if cid == "latest" else "/" + cid + "/"}">{name}</a></li>' for cid, name in JD_CHANNELS])
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/atom+xml" title="胶东在线 最新" href="/atom.xml">
<link rel="stylesheet" href="/assets/css/app.3f9c2e1.css">
{head_extra}<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){{dataLayer.push(arguments);}}
  gtag('js', new Date()); gtag('config', 'UA-00000000-1');
</script>
</head>
<body>
<header class="site-header">
  <div class="container">
    <a class="brand" href="/"><img src="/assets/img/logo.svg" alt="胶东在线" width="180" height="48"></a>
    <nav class="main-nav" aria-label="主导航"><ul>
{nav}
    </ul></nav>
    <button class="nav-toggle" aria-label="菜单"><span></span></button>
  </div>
</header>
<div class="ad ad-leaderboard" data-slot="jd-top-970"><ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000000000" data-ad-slot="1234567890"></ins></div>
<main class="container">
{main_html}
</main>
<footer class="site-footer">
  <div class="container">
    <div class="footer-qr"><img src="/assets/img/qr.png" alt="" loading="lazy"><p>扫一扫关注胶东在线</p></div>
    <p><a href="/about">关于我们</a> · <a href="/contact">联系我们</a> · <a href="/privacy">隐私政策</a></p>
    <p>版权所有 © 2021 胶东在线 <a href="https://beian.miit.gov.cn/" rel="nofollow">鲁ICP备05018620号</a></p>
  </div>
</footer>
<script src="/assets/js/vendor.8a1b2c3.js" defer></script>
<script src="/assets/js/app.4d5e6f7.js" defer></script>
</body>
</html>
"""


def jd_article(a: dict, *, path: str, related: list[tuple[str, str]], trending: list[tuple[str, str]],
               jsonld: bool = True, traditional: bool = False) -> str:
    url = "__BASE__" + path
    head = [f'<link rel="canonical" href="{url}">',
            f'<meta name="description" content="{esc(a.get("summary", a["paras"][0][:70]))}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(a["title"])}">',
            f'<meta property="og:url" content="{url}">',
            '<meta property="og:site_name" content="胶东在线">']
    if a.get("figures"):
        head.append(f'<meta property="og:image" content="__BASE__{a["figures"][0][0]}">')
    if jsonld:
        head.append(f'<meta property="article:published_time" content="{a["iso"]}">')
        head.append(f'<meta property="article:section" content="{esc(a.get("section", "烟台"))}">')
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": a["title"],
            "datePublished": a["iso"], "dateModified": a.get("modified", a["iso"]),
            "author": {"@type": "Person", "name": a["author"]} if a.get("author") else None,
            "publisher": {"@type": "Organization", "name": "胶东在线",
                          "logo": {"@type": "ImageObject", "url": "__BASE__/assets/img/logo.png"}},
            "image": ["__BASE__" + f[0] for f in a.get("figures", [])],
            "description": a.get("summary", a["paras"][0][:70]),
        }
        ld = {k: v for k, v in ld.items() if v is not None}
        head.append('<script type="application/ld+json">\n' + json.dumps(ld, ensure_ascii=False, indent=2) + "\n</script>")
    figs = {i: f for i, f in enumerate(a.get("figures", []))}
    parts = []
    for i, p in enumerate(a["paras"]):
        parts.append(f"<p>{esc(p)}</p>")
        if i in figs:
            src, cap = figs[i]
            parts.append(f'<figure class="article-figure"><img class="lazyload" src="{_LAZY}" data-src="{src}" alt="" width="800" height="533">'
                         f'<figcaption>{esc(cap)}</figcaption></figure>')
        if i == 1 and len(a["paras"]) > 3:
            parts.append('<aside class="inline-promo"><a href="/culture/">更多精彩内容，请下载胶东在线客户端 &raquo;</a></aside>')
    if traditional:
        meta_html = (f'<div class="article-meta"><span class="time">發佈時間：{a["time"]}</span>'
                     f'<span class="source">來源：{esc(a["source"])}</span>'
                     f'<span class="author">作者：{esc(a["author"])}</span></div>')
        share = "分享到：微信 微博 QQ空間"
        rel_h = "相關閱讀"
    else:
        meta_html = (f'<div class="article-meta"><time datetime="{a["iso"]}">{a["time"]}</time>'
                     f'<span class="source">来源：{esc(a["source"])}</span>'
                     + (f'<span class="author">作者：{esc(a["author"])}</span>' if a.get("author") else "")
                     + "</div>")
        share = "分享到：微信 微博 QQ空间"
        rel_h = a.get("heading", "相关阅读")
    tags = "".join(f'<a href="/tag/{esc(t)}" rel="tag">{esc(t)}</a>' for t in a.get("tags", []))
    rel = "\n".join(f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in related)
    trend = "\n".join(f'<li><span class="rank">{i}</span><a href="{h}">{esc(t)}</a></li>' for i, (t, h) in enumerate(trending, 1))
    nl = "\n"
    main = f"""<div class="layout">
<article class="article" itemscope itemtype="https://schema.org/NewsArticle">
  <nav class="breadcrumb" aria-label="breadcrumb"><a href="/">首页</a> / <a href="/{a.get("channel", "yantai")}/">{esc(a.get("section", "烟台"))}</a></nav>
  <header>
    <h1 class="article-title">{esc(a["title"])}</h1>
    {meta_html}
  </header>
  <div class="share" data-share="wechat,weibo,qzone">{share}</div>
  <div class="article-body">
{nl.join(parts)}
  </div>
  <footer class="article-footer">
    <div class="tags">{tags}</div>
    <p class="editor">{"責任編輯" if traditional else "责任编辑"}：{esc(a.get("editor", "林晓"))}</p>
    <p class="statement">{"【版權聲明】本文為胶东在线原創稿件，轉載請註明出處。" if traditional else "【版权声明】本文为胶东在线原创稿件，转载请注明出处。"}</p>
  </footer>
  <section class="related">
    <h2>{rel_h}</h2>
    <ul>
{rel}
    </ul>
  </section>
</article>
<aside class="sidebar">
  <div class="ad ad-rect" data-slot="jd-side-300"><iframe src="/ads/side.html" width="300" height="250" loading="lazy" title="ad"></iframe></div>
  <section class="trending"><h2>24小时热榜</h2><ol>
{trend}
  </ol></section>
</aside>
</div>"""
    return jd_shell(f'{a["title"]} | {JD_NAME}', main, head_extra=nl.join(head) + nl,
                    lang="zh-Hant" if traditional else "zh-CN")


def jd_listing(title: str, items: list[tuple[str, str, str, str]], pager: str) -> str:
    """items: (title, href, iso, display time)."""
    cards = "\n".join(
        f'<li class="card"><a href="{h}"><img class="lazyload" src="{_LAZY}" data-src="/img/thumb/{i}.jpg" alt=""><h3>{esc(t)}</h3></a>'
        f'<time datetime="{iso}">{d}</time></li>' for i, (t, h, iso, d) in enumerate(items))
    main = f"""<section class="listing">
<h1>{esc(title)}</h1>
<ul class="cards">
{cards}
</ul>
<nav class="pagination" aria-label="分页">{pager}</nav>
</section>"""
    return jd_shell(f"{title} | {JD_NAME}", main)


# ---------------------------------------------------------------------------
# feeds and sitemaps
# ---------------------------------------------------------------------------
def rss_feed(title: str, link: str, description: str, items: list[dict], *, encoding: str = "utf-8") -> str:
    """items: dicts with title, link, pubDate (RFC 822), description, author (optional)."""
    out = [f'<?xml version="1.0" encoding="{encoding}"?>',
           '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">', "<channel>",
           f"<title>{esc(title)}</title>", f"<link>{link}</link>",
           f"<description>{esc(description)}</description>", "<language>zh-cn</language>",
           "<generator>CMS</generator>"]
    for it in items:
        out += ["<item>", f"<title>{esc(it['title'])}</title>", f"<link>{esc(it['link'])}</link>",
                f"<guid isPermaLink=\"true\">{esc(it['link'])}</guid>",
                f"<pubDate>{it['pubDate']}</pubDate>"]
        if it.get("author"):
            out.append(f"<dc:creator>{esc(it['author'])}</dc:creator>")
        out += [f"<description><![CDATA[{it.get('description', '')}]]></description>", "</item>"]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom_feed(title: str, base: str, feed_path: str, updated: str, entries: list[dict]) -> str:
    """entries: dicts with title, link, id, published, updated, author, summary."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
           f"<title>{esc(title)}</title>", f'<link rel="self" href="{base}{feed_path}"/>',
           f'<link rel="alternate" type="text/html" href="{base}/"/>', f"<id>{base}/</id>",
           f"<updated>{updated}</updated>"]
    for e in entries:
        out += ["<entry>", f"<title>{esc(e['title'])}</title>",
                f'<link rel="alternate" type="text/html" href="{e["link"]}"/>',
                f"<id>{e['id']}</id>", f"<published>{e['published']}</published>",
                f"<updated>{e.get('updated', e['published'])}</updated>"]
        if e.get("author"):
            out.append(f"<author><name>{esc(e['author'])}</name></author>")
        out += [f'<summary type="text">{esc(e.get("summary", ""))}</summary>', "</entry>"]
    out += ["</feed>", ""]
    return "\n".join(out)


def sitemap(urls: list[tuple[str, str | None]], *, news: bool = False) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in urls:
        out.append("<url><loc>" + esc(loc) + "</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
                   + "<changefreq>daily</changefreq><priority>0.8</priority></url>")
    out += ["</urlset>", ""]
    return "\n".join(out)


def sitemap_index(maps: list[tuple[str, str | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in maps:
        out.append("<sitemap><loc>" + esc(loc) + "</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</sitemap>")
    out += ["</sitemapindex>", ""]
    return "\n".join(out)


def split_article(a: dict, render, pages: int = 3) -> dict[str, str]:
    """Path -> HTML of article ``a`` split into ``pages`` pages (``_2``, ``_3`` ... after the
    first page's file stem), its paragraphs shared out in order, each page with a pager, as
    ``render(paras=..., pages_html=..., last=...)`` draws a page (``last``: the last page,
    where CMSs often put the related list)."""
    stem, ext = a["path"].rsplit(".", 1)
    paths = [a["path"]] + [f"{stem}_{k}.{ext}" for k in range(2, pages + 1)]
    names = [p.rsplit("/", 1)[1] for p in paths]
    n = len(a["paras"])
    out = {}
    for i, path in enumerate(paths):
        nav = " ".join(f'<a href="{name}">{k}</a>' for k, name in enumerate(names, 1))
        if i + 1 < len(paths):
            nav += f' <a href="{names[i + 1]}">下一页</a>'
        out[path] = render(paras=a["paras"][i * n // pages:(i + 1) * n // pages],
                           pages_html=f'<div class="page-nav">{nav}</div>', last=i + 1 == len(paths))
    return out
