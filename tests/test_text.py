"""Text cleaning: whitespace, entities, invisible characters, converter annotations, mojibake."""

from pathlib import Path

import pytest

from archive.chinese import fold, strip_annotations
from crawler.text import clean_body, clean_line, garbled_reason, han_share, script_of
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
        ("增长3（tuán）.9%", "增长3（tuán）.9%"),  # stored text: only after a Han character
        ("音节 ma(mā)、ma(má)", "音节 ma(mā)、ma(má)"),  # a text about pinyin keeps it
        ("第三声 (ǎ)", "第三声 (ǎ)"),
        ("Python(abc)", "Python(abc)"),
    ],
)
def test_strip_annotations(raw, clean):
    assert strip_annotations(raw) == clean


def test_fold_is_how_comparisons_read_text():
    """Search and near-duplicates compare text folded one way: annotations removed, NFKC,
    simplified script, lower case; real parentheses stay."""
    assert fold("王清憲參加代表團(tuán)審議") == "王清宪参加代表团审议"
    assert fold("ＣＢＡ聯(lián)賽①") == "cba联赛1"
    assert fold("見附件(1)與(a)項") == "见附件(1)与(a)项"
    # comparisons also drop a toned syllable after any other character but white space
    assert fold("增长3（tuán）.9%") == "增长3.9%"
    assert fold("第三声 (ǎ)") == "第三声 (ǎ)"


def test_han_characters_beyond_the_bmp_are_han():
    assert han_share("𠮷野家吃饭") == 1.0  # 𠮷: CJK Extension B


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


# -- mojibake: calibrated on realistic paragraphs (tests/fixtures/encoding) ---------------------

SAMPLES = Path(__file__).parent / "fixtures" / "encoding"
CORRECT = ["zh_news", "zh_hant_news", "zh_pua", "zh_symbols", "ja_news", "ja_symbols", "ko_news", "id_news",
           "id_religious", "ru_news", "pt_news", "fr_news", "hu_news", "vi_news", "en_news"]


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CORRECT)
def test_correct_text_is_not_mojibake(name):
    text = sample(name)
    assert garbled_reason(text) is None
    first = text.split("\n\n")[0]
    assert garbled_reason(first) is None  # a title-sized piece too
    assert garbled_reason(first[:40] + "\n" + text) is None  # as clean_article passes title + body


def test_what_correct_text_scores_stays_far_below_the_thresholds():
    from charset_normalizer.md import mess_ratio

    from crawler.text import (COMMON_HAN_SHARE, MOJIBAKE_MESS_RATIO, RARE_HAN_SHARE, _CJK_AND_SYMBOLS, _measurable,
                              han_plausibility)

    for name in CORRECT:
        text = _measurable(sample(name))
        assert mess_ratio(_CJK_AND_SYMBOLS.sub(" ", text), maximum_threshold=1.0) < MOJIBAKE_MESS_RATIO / 5, name
        count, rare, common = han_plausibility(text)
        if count:
            assert rare < RARE_HAN_SHARE / 5 and common > COMMON_HAN_SHARE * 1.5, name


def test_private_use_indents_and_c1_quotes_are_not_evidence():
    text = sample("zh_news")
    indented = "\n\n".join("\ue5e5\ue5e5" + p for p in text.split("\n\n"))
    assert garbled_reason(indented) is None
    assert garbled_reason(text.replace("“", "\x93").replace("”", "\x94") + "\x93郑重道歉\x94" * 5) is None
    assert garbled_reason(text + "\u200b" * 40) is None


@pytest.mark.parametrize(
    "name, written, read",
    [
        ("zh_news", "gb18030", "latin-1"),
        ("zh_news", "gb18030", "cp1252"),
        ("zh_news", "gb18030", "cp1251"),
        ("zh_news", "gb18030", "ptcp154"),
        ("zh_news", "gb18030", "koi8-r"),
        ("zh_news", "gb18030", "iso8859-13"),
        ("zh_news", "gb18030", "utf-8"),
        ("zh_news", "gb18030", "big5"),
        ("zh_news", "gb18030", "shift_jis"),
        ("zh_news", "gb18030", "euc-kr"),
        ("zh_pua", "gb18030", "cp1251"),
        ("zh_news", "utf-8", "cp1252"),
        ("zh_news", "utf-8", "latin-1"),
        ("zh_news", "utf-8", "gb18030"),
        ("zh_hant_news", "big5", "gb18030"),
        ("zh_hant_news", "big5", "latin-1"),
        ("zh_hant_news", "utf-8", "gb18030"),
        ("ja_news", "shift_jis", "gb18030"),
        ("ja_news", "shift_jis", "cp1252"),
        ("ja_news", "euc-jp", "gb18030"),
        ("ja_news", "utf-8", "cp1252"),
        ("ko_news", "euc-kr", "latin-1"),
        ("ru_news", "cp1251", "latin-1"),
        ("ru_news", "utf-8", "cp1252"),
        ("ru_news", "cp1251", "gb18030"),
        ("pt_news", "utf-8", "cp1252"),
        ("fr_news", "utf-8", "latin-1"),
        ("vi_news", "utf-8", "cp1252"),
    ],
)
def test_mojibake_is_recognized(name, written, read):
    garbled = sample(name).encode(written).decode(read, "replace")
    assert garbled_reason(garbled) is not None


def test_han_plausibility():
    from crawler.text import fluent_han, garbled_han, han_plausibility

    for name in ("zh_news", "zh_hant_news", "zh_symbols", "ja_news", "ja_symbols"):
        stats = han_plausibility(sample(name))
        assert fluent_han(*stats) and not garbled_han(*stats), name
    names = "获奖名单：" + "、".join("张伟 王芳 李娜 刘洋 陈静 杨帆 赵磊 黄婷 周杰 吴昊 徐丽 孙涛 胡斌 朱琳 高翔 林峰 何敏 郭靖".split())
    assert garbled_reason(names) is None  # rarely common characters, but frequent ones
    for name, written in (("zh_hant_news", "big5"), ("ja_news", "shift_jis"), ("ja_news", "euc-jp")):
        stats = han_plausibility(sample(name).encode(written).decode("gb18030", "replace"))
        assert garbled_han(*stats) and not fluent_han(*stats), (name, written)
    # EUC-KR read as GB18030 lands on frequent characters: not proof enough to refuse an
    # article, but never taken for Chinese when an encoding is chosen.
    assert not fluent_han(*han_plausibility(sample("ko_news").encode("euc-kr").decode("gb18030")))
    assert han_plausibility("Qingdao") == (0, 0.0, 0.0)
    assert not garbled_han(*han_plausibility("鍙戝竷"))  # too few characters to tell


def test_clean_article_keeps_chinese_with_private_use_indents_and_units():
    from crawler.cleaning import clean_article
    from crawler.items import Article

    body = sample("zh_pua") + "\n" + sample("zh_symbols")
    article = clean_article(Article(url="http://news.test/a.html", title="全国人大会议开幕", body=body))
    assert "13908亿斤" in article.body and "28℃" in article.body
