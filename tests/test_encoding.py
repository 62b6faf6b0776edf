"""Decoding: GBK pages that declare gb2312, none, or the wrong charset; binary bodies."""

import pytest
from scrapy.http import HtmlResponse

from crawler.encoding import is_binary, redecode

TEXT = "朱镕基同志视察平度，陶喆、王堃参加座谈。平度市蕴藏着推动青岛未来发展的巨大潜力和空间。"


def page(meta: str) -> str:
    return f"<html><head>{meta}<title>平度新闻</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize(
    "meta, content_type",
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "text/html"),
        ("", "text/html"),  # no charset anywhere
        ('<meta charset="utf-8">', "text/html"),  # wrong charset declared
        ('<meta charset="iso-8859-1">', "text/html"),  # a permissive wrong charset
        ("", "text/html; charset=gb2312"),
    ],
)
def test_gbk_pages_decode_including_chars_outside_gb2312(meta, content_type):
    response = HtmlResponse("http://news.test/a.html", body=page(meta).encode("gb18030"),
                            headers={"Content-Type": content_type})
    assert redecode(response).xpath("//p/text()").get() == TEXT


def test_utf8_page_is_left_alone():
    response = HtmlResponse("http://news.test/a.html", body=page('<meta charset="utf-8">').encode(),
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert redecode(response) is response


def test_binary_bodies():
    assert is_binary(b"PK\x03\x04" + b"\x00" * 20)
    assert is_binary(b"\x89PNG\r\n\x1a\n")
    assert not is_binary(page("").encode("gb18030"))
