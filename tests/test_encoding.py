"""Decoding: GBK pages that declare gb2312, none, or the wrong charset; binary bodies."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.encoding import choose_encoding, is_binary, redecode, text_sample, ungarbled_encoding

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


# -- pages without a usable declaration, judged on their text -------------------------------------

SAMPLES = Path(__file__).parent / "fixtures" / "encoding"
# What CMS templates put before the article: kilobytes of inline CSS and scripts, all ASCII.
CSS = "".join(f".c{i} {{ margin: {i % 7}px {i % 5}px; color: #{i * 2654435761 % 0xFFFFFF:06x}; }}\n"
              for i in range(300))
JS = "".join(f"function f{i}(a) {{ var x = document.getElementById('n{i}'); if (x) x.hidden = !a; }}\n"
             for i in range(100))


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.txt").read_text(encoding="utf-8").strip()


def article_page(text: str, head_bytes: int = 20 * 1024, meta: str = "") -> str:
    head = ((CSS + JS) * (1 + head_bytes // len(CSS + JS)))[:head_bytes]
    paragraphs = text.strip().split("\n\n")
    return (f"<html><head>{meta}<title>{paragraphs[0][:12]}</title>\n<style>\n{head}</style>\n</head>\n<body>\n"
            + "".join(f"<p>{p}</p>\n" for p in paragraphs) + "</body></html>")


def paragraphs(response) -> list[str]:
    return response.xpath("//p/text()").getall()


@pytest.mark.parametrize("name", ["zh_news", "zh_pua", "zh_symbols"])
@pytest.mark.parametrize("head_bytes", [0, 5 * 1024, 20 * 1024, 100 * 1024])
def test_undeclared_gbk_page_after_a_long_ascii_head(name, head_bytes):
    # Detection on the first 64 KB read these as iso8859-13, ptcp154, cp874 or UTF-8.
    text = sample(name)
    body = article_page(text, head_bytes).encode("gb18030")
    assert choose_encoding(body, None) == "gb18030"
    response = redecode(HtmlResponse("http://news.test/a.html", body=body))
    assert paragraphs(response) == text.split("\n\n")


@pytest.mark.parametrize(
    "name, written",
    [
        ("ru_news", "cp1251"),
        ("ru_news", "koi8-r"),
        ("pt_latin1", "latin-1"),
        ("pt_news", "cp1252"),
        ("fr_news", "cp1252"),
        ("en_news", "cp1252"),  # only typographic punctuation outside ASCII
        ("zh_hant_news", "big5"),
        ("ja_news", "shift_jis"),
        ("ja_news", "euc-jp"),
        ("ko_news", "euc-kr"),
    ],
)
@pytest.mark.parametrize("head_bytes", [0, 20 * 1024, 100 * 1024])
def test_undeclared_pages_in_other_encodings_stay_right(name, written, head_bytes):
    if name == "pt_latin1":  # Portuguese with straight quotes: every character in Latin-1
        text = sample("pt_news").replace("“", '"').replace("”", '"')
    elif written == "koi8-r":  # no « » — in KOI8-R
        text = sample(name).replace("«", '"').replace("»", '"').replace("—", "-")
    else:
        text = sample(name)
    body = article_page(text, head_bytes).encode(written)
    response = redecode(HtmlResponse("http://news.test/a.html", body=body))
    assert paragraphs(response) == text.split("\n\n"), response.encoding


def test_declared_latin1_that_reads_as_text_is_kept():
    text = sample("pt_news").replace("“", '"').replace("”", '"')
    body = article_page(text, meta='<meta charset="iso-8859-1">').encode("latin-1")
    assert paragraphs(redecode(HtmlResponse("http://news.test/a.html", body=body))) == text.split("\n\n")


def test_big5_page_declared_gb2312_is_retried_as_big5():
    text = sample("zh_hant_news")
    body = article_page(text, meta='<meta charset="gb2312">').encode("big5")
    body.decode("gb18030")  # the declared charset decodes the bytes, into mojibake
    response = redecode(HtmlResponse("http://news.test/a.html", body=body))
    assert paragraphs(response) == text.split("\n\n")


def test_utf8_page_declared_gb2312_is_retried_as_utf8():
    # Text runs of an even number of three-byte characters pair up into valid GB18030 bytes.
    texts = ["报告指出，过去一年，我国经济回升向好，高质量发展扎实推进", "报告强调，要大力推进现代化产业体系建设，加快发展新质生产"]
    body = ('<html><head><meta charset="gb2312"></head><body>'
            + "".join(f"<p>{t}</p>" for t in texts) + "</body></html>").encode()
    body.decode("gb18030")  # the declared charset decodes the bytes, into mojibake
    response = redecode(HtmlResponse("http://news.test/a.html", body=body))
    assert response.encoding == "utf-8"
    assert paragraphs(response) == texts


def test_garbled_decoding_is_retried():
    body = article_page(sample("zh_news")).encode("gb18030")
    assert ungarbled_encoding(body, "gb18030") == "gb18030"
    assert ungarbled_encoding(body, "cp1251") == "gb18030"  # read as Cyrillic: retried as GB18030
    # UTF-8 of text that was already mojibake: no decoding reads it as text.
    double = article_page(sample("zh_news").encode("gb18030").decode("latin-1")).encode("utf-8")
    assert ungarbled_encoding(double, "utf-8") is None


def test_text_sample_keeps_the_text_and_leaves_the_markup():
    body = article_page(sample("zh_pua"), 30 * 1024).encode("gb18030") + "<p>Informação</p>".encode("latin-1")
    run = text_sample(body)
    assert len(run) < 2000 and b"{" not in run
    assert run.decode("gb18030").startswith("\ue5e5\ue5e5新华社北京")  # runs start on characters
    assert run.endswith("Informação".encode("latin-1"))  # with the ASCII start of the word
