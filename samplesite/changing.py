"""A portal that changes between two crawls, for the incremental-crawl tests.

``build_changing_site(stage, now)``: stage 1 is a synthetic portal of ``N_ARTICLES`` articles
published over the 20 days before ``now``; stage 2 is the same portal an hour later:

- ``N_NEW`` new articles (published 2 to 26 hours earlier) lead the listings, the feed and the sitemap;
- ``corrected``: articles got a correction paragraph, and a new sitemap ``lastmod``;
- ``retitled_with_lastmod``: articles got a new title and a new ``lastmod``;
- ``retitled_silently``: older articles got a new title without any new ``lastmod``: only
  the listings' link texts show it;
- ``corrected_silently``: an older article got a correction paragraph and nothing else shows
  it: only re-checking archived articles (the revisit budget) can notice it;
- everything else is unchanged.

Like many portals, its sitemap gives ``lastmod`` as a day without a time (W3C Datetime
allows it; stage 1: the day of publication) and answers slowly
(``SITEMAP_DELAY`` seconds), so a crawl reaches the articles through the home page and
the listings before the sitemap names them. A changed day is a changed lastmod, even though
midnight of the correction's day is earlier than the first crawl.

``changes(now)`` names the changed paths so tests can check each group.
"""

from __future__ import annotations

import datetime as _dt
import random

from .server import Site
from .synthetic import _make_articles, build_synthetic_site

N_ARTICLES = 60
N_NEW = 6
CORRECTION = "【更正】本报此前报道中项目总投资额有误，现已更正。特此说明。"
SEED = 7
SITEMAP_DELAY = 1.0  # seconds (tests time out after 2)


def _plan(arts: list[dict]) -> dict[str, list[int]]:
    by_age = sorted(range(len(arts)), key=lambda i: arts[i]["time"])  # oldest first
    return {
        "corrected": by_age[5:10],
        "retitled_with_lastmod": by_age[10:12],
        "retitled_silently": [by_age[15], by_age[20]],
        "corrected_silently": [by_age[25]],
    }


def _edit(stage: int, now: _dt.datetime, changed_at: _dt.datetime):
    def edit(arts: list[dict]) -> None:
        for a in arts:
            a["lastmod"] = a["time"][:10]
        if stage < 2:
            return
        plan = _plan(arts)
        day = changed_at.strftime("%Y-%m-%d")
        for i in plan["corrected"] + plan["corrected_silently"]:
            arts[i]["paras"] = arts[i]["paras"] + [CORRECTION]
        for i in plan["retitled_with_lastmod"]:
            arts[i]["title"] += "（更新）"
        for i in plan["corrected"] + plan["retitled_with_lastmod"]:
            arts[i]["lastmod"] = day
        for i in plan["retitled_silently"]:
            arts[i]["title"] = "最新：" + arts[i]["title"]
        rnd = random.Random(SEED + 1)
        # published 2 to 26 hours before now: new, and not due for a re-check minutes later
        fresh = _make_articles(N_NEW, rnd, start=now - _dt.timedelta(hours=26), span_days=1)
        for j, a in enumerate(fresh):
            old_id, new_id = str(3000000 + j), str(3900000 + j)
            a["path"] = a["path"].replace(old_id, new_id)
            a["idx"] = len(arts)
            a["related"] = rnd.sample(range(N_ARTICLES), 5)
            a["lastmod"] = a["time"][:10]
            arts.append(a)
    return edit


def build_changing_site(stage: int, now: _dt.datetime, changed_at: _dt.datetime | None = None) -> Site:
    """``now``: naive Asia/Shanghai wall-clock time the site's dates are relative to;
    ``changed_at`` (default ``now``): when the stage-2 changes were made (their lastmod)."""
    site = build_synthetic_site(N_ARTICLES, SEED, start=now - _dt.timedelta(days=20), span_days=20,
                                edit=_edit(stage, now, changed_at or now), name="changing")
    for path, resource in site.resources.items():
        if path.startswith("/sitemap/"):
            resource.delay = SITEMAP_DELAY
    return site


def changes(now: _dt.datetime) -> dict[str, list[str]]:
    """Paths of the articles in each changed group (and ``new``) of stage 2."""
    arts = _make_articles(N_ARTICLES, random.Random(SEED), now - _dt.timedelta(days=20), 20)
    plan = {k: [arts[i]["path"] for i in v] for k, v in _plan(arts).items()}
    stage2 = {e["url"] for e in build_changing_site(2, now).expected}
    plan["new"] = sorted(stage2 - {a["path"] for a in arts})
    return plan
