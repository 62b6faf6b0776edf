"""Dates in Chinese bylines, metadata and URLs; never a guess."""

import pytest

from crawler.dates import parse_machine_date, parse_text_date
from crawler.urls import date_from_url


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2021-01-25 17:30", "2021-01-25T17:30:00+08:00"),
        ("2021-01-25 17:30:00", "2021-01-25T17:30:00+08:00"),
        ("2021年01月25日 17:30", "2021-01-25T17:30:00+08:00"),
        ("2021年1月5日 9:05", "2021-01-05T09:05:00+08:00"),
        ("发布时间：2021/01/25 17:30", "2021-01-25T17:30:00+08:00"),
        ("發佈時間：2021-03-05 10:20 來源：膠東在線", "2021-03-05T10:20:00+08:00"),
        ("来源：平度日报　2021-1-5 9:05　记者 李强", "2021-01-05T09:05:00+08:00"),
        ("2021年01月25日", "2021-01-25"),
        ("浏览 2020-12-01 发布时间: 2021-01-02 08:00", "2021-01-02T08:00:00+08:00"),
    ],
)
def test_text_dates(text, iso):
    assert parse_text_date(text)[0] == iso


@pytest.mark.parametrize("text", ["编号2021", "2021年13月40日", "第2021期", "1月25日 17:30", "17:30"])
def test_unreadable_dates_are_none(text):
    assert parse_text_date(text) is None


def test_site_timezone():
    assert parse_text_date("2021-01-25 17:30", "Asia/Taipei")[0] == "2021-01-25T17:30:00+08:00"
    assert parse_text_date("2021-01-25 17:30", "Europe/Berlin")[0] == "2021-01-25T17:30:00+01:00"


def test_machine_dates():
    assert parse_machine_date("2021-03-02T08:15:00+08:00") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("2021-03-02T00:15:00Z") == "2021-03-02T00:15:00+00:00"
    assert parse_machine_date("2021-03-02T08:15:00") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("2021-03-02") == "2021-03-02"
    assert parse_machine_date("2021年03月02日 08:15") == "2021-03-02T08:15:00+08:00"
    assert parse_machine_date("not a date") is None


@pytest.mark.parametrize(
    "url, day",
    [
        ("http://h/content/202101/25/content_1.shtml", "2021-01-25"),
        ("http://h/html/2021-01/26/old_88.htm", "2021-01-26"),
        ("http://h/2021/01/25/a.html", "2021-01-25"),
        ("http://h/gov/t20210125_123.html", "2021-01-25"),
        ("http://h/content/202113/45/content_1.shtml", None),
        ("http://h/list.asp?id=3&page=2", None),
    ],
)
def test_dates_in_urls(url, day):
    found = date_from_url(url)
    assert (found.isoformat() if found else None) == day
