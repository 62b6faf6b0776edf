"""Whether a page is an article, weighed from the evidence it gives: article metadata, a site
rule, a body of prose, a headline, a date, an article-like URL; against it, a body container
that is a listing or mostly link text. None of them alone is required.

Mixed into :class:`crawler.pages.article.ArticlePage` (uses its ``layout``, ``rule``,
``response``, ``json_ld``, ``meta()`` and the ``_split_first_page`` of
:class:`crawler.pages.body.BodyFields`). A verdict is the reason the page is not an article
(``str``: ``no article text``, ``link list``, ``no title``, ``no date``), or None.
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import islice
from urllib.parse import urlsplit

from crawler.pages.body import MIN_BODY_CHARS
from crawler.pages.prose import SENTENCE_END
from crawler.text import han_share

# Body text that is an article by itself, without a headline or a date (characters, and
# sentence ends: a listing's snippets rarely make 3 full sentences).
PROSE_BODY_CHARS = 400
PROSE_SENTENCES = 3
# Above this share of link text in the body container a page without other evidence is a
# listing; with a headline and a date it may have up to LISTING_LINK_DENSITY.
MAX_LINK_DENSITY = 0.35
LISTING_LINK_DENSITY = 0.5
# Characters of the body that the prose test and the script test read.
PROSE_SAMPLE_CHARS = 20000
# A body in another script than Chinese, with less Han text than this share, needs
# PROSE_BODY_CHARS to be an article.
MIN_HAN_SHARE = 0.2
# Article URLs of Chinese CMSs carry a long numeric id (content_1234567, news_1057, t20210125_1).
_ARTICLE_URL = re.compile(r"\d{4,}[^/]*\.[a-z]{3,5}$|/t\d{8}_\d+")


class ArticleEvidence:
    """:meth:`verdict` and the evidence it weighs."""

    @cached_property
    def vouched(self) -> bool:
        """The page's metadata says it is an article (JSON-LD of an article type, og:type)."""
        return bool(self.json_ld) or self.meta("og:type") == "article"

    def link_density(self) -> float:
        """The share (0-1) of link text in the body's first container; 1.0 without one."""
        containers = self.layout.containers
        return 1.0 if not containers else self.layout.link_density(containers[0])

    def verdict(self, title: str | None, published: str | None, paragraphs: list[str], method: str) -> str | None:
        """Why the page is not an article, or None when it is one. Weighs the evidence:
        article metadata or a site rule vouch for the page; otherwise a body of prose
        (PROSE_BODY_CHARS with sentences) is enough, a shorter body needs a headline and a
        date (or an article-like URL), and one under MIN_BODY_CHARS is enough only on the
        first page of a split article; link-dense containers are listings."""
        body_len = sum(len(p) for p in paragraphs)
        if body_len < MIN_BODY_CHARS and not (title and published and self._split_first_page(paragraphs)):
            return "no article text"  # unless page 1 of a split article: the text goes on
        text = "".join(paragraphs)[:PROSE_SAMPLE_CHARS]
        # (counting stops at the sentences prose needs)
        prose = body_len >= PROSE_BODY_CHARS and next(
            islice(SENTENCE_END.finditer(text), PROSE_SENTENCES - 1, None), None) is not None
        if method == "markup" and self.layout.is_listing(self.layout.containers[0]) and (
                _snippets(paragraphs) or not (self.vouched or prose and title and published)):
            return "link list"  # items led by headline links; a digest of full paragraphs is an article
        if self.vouched or self.rule.body is not None:
            return None
        dated = published is not None or bool(_ARTICLE_URL.search(urlsplit(self.response.url).path))
        if method == "markup":
            density = self.link_density()
            limit = LISTING_LINK_DENSITY if prose and (title or dated) else MAX_LINK_DENSITY
            if density > limit:
                return "link list"
        if method == "trafilatura":
            if sum(p.startswith("- ") for p in paragraphs) * 2 > len(paragraphs):
                return "link list"
            if body_len < 2 * MIN_BODY_CHARS:
                return "no article text"
        if body_len < PROSE_BODY_CHARS and han_share(text) < MIN_HAN_SHARE:
            return "no article text"
        if prose:
            return None
        if not title:
            return "no title"
        if not dated:
            return "no date"
        return None


def _snippets(paragraphs: list[str]) -> bool:
    """True when most of the paragraphs that end as sentences are cut short with an ellipsis
    (a listing's snippets, between its date and source lines)."""
    ends = [p.rstrip() for p in paragraphs if len(p) >= 20 and SENTENCE_END.search(p.rstrip()[-1:])]
    return bool(ends) and sum(p.endswith(("…", "...")) for p in ends) * 2 > len(ends)
