from crawler.urls import canonicalize, first_page_of, same_site


def test_canonicalize_drops_tracking_and_fragment_keeps_real_parameters():
    assert canonicalize(
        "HTTP://News.Test:80/a.shtml?utm_source=wechat&utm_medium=social&spm=a1.b2&from=timeline#top"
    ) == "http://news.test/a.shtml"
    assert canonicalize("http://news.test/list.asp?id=3&page=2&utm_campaign=x") == "http://news.test/list.asp?id=3&page=2"


def test_same_site():
    assert same_site("http://m.news.cn/a", "http://www.news.cn/b")
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a")


def test_first_page_of_continuations():
    assert first_page_of("http://h/c/content_2000001_2.shtml") == "http://h/c/content_2000001.shtml"
    assert first_page_of("http://h/c/content_2000001.shtml") is None
    assert first_page_of("http://h/c/index_1.shtml") is None


def test_same_site_respects_two_label_public_suffixes():
    assert same_site("http://m.dailyqd.com.cn/a", "http://www.dailyqd.com.cn/b")
    assert not same_site("http://www.pingdu.gov.cn/a", "http://www.qingdao.gov.cn/a")
    assert not same_site("http://a.com.cn/x", "http://b.com.cn/x")
