"""Text cleaning: whitespace, entities, invisible characters, converter annotations, mojibake."""

import pytest

from crawler.text import clean_body, clean_line, garbled_reason, script_of, strip_annotations
from samplesite import seed


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("王清憲參加平度代表團(tuán)審議", "王清憲參加平度代表團審議"),
        ("強(qiáng)調(diào)", "強調"),
        ("國信平度奧體中心做好CBA聯(lián)賽(CBA)保障", "國信平度奧體中心做好CBA聯賽(CBA)保障"),
        ("市政府（更正）通告", "市政府（更正）通告"),
        ("見附件(1)與(a)項", "見附件(1)與(a)項"),
        ("這是什麼(me)", "這是什麼"),  # toneless syllable after a traditional-only character
        ("的(de)", "的(de)"),  # but not after a character both scripts share
    ],
)
def test_strip_annotations(raw, clean):
    assert strip_annotations(raw) == clean


def test_clean_line_normalizes_spaces_entities_and_invisibles():
    assert clean_line("\u3000\u3000平度&nbsp;市\u200b委&amp;市政府\u00a0 ") == "平度 市委&市政府"
    assert clean_line("Cafe\u0301") == "Café"  # NFC


def test_seed_article_cleans_to_traditional_without_annotations():
    body = clean_body("\n".join([seed.TITLE, *seed.PARAGRAPHS]))
    assert "(" not in body.replace("(CBA)", "")
    assert "王清憲參加平度代表團審議時強調" in body
    assert "代表團對政府工作報告的審議" in body
    assert script_of(body) == "zh-Hant"


def test_script_of():
    assert script_of("王清宪参加平度代表团审议时强调以真抓实干推动平度快速崛起") == "zh-Hans"
    assert script_of("王清憲參加平度代表團審議時強調以真抓實干推動平度快速崛起") == "zh-Hant"
    assert script_of("Qingdao news in English only") is None


def test_garbled_text_is_recognized():
    text = "王清宪参加平度代表团审议时强调：以真抓实干推动平度快速崛起。" * 5
    assert garbled_reason(text) is None
    assert garbled_reason(text + " 5G基站 CBA联赛 iPhone 15") is None
    assert garbled_reason(text.encode("utf-8").decode("latin-1")) is not None
    assert garbled_reason(text.encode("gb18030").decode("utf-8", "replace")) is not None
