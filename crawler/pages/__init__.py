"""Page objects: one response in, one article (or a reason it is not one) out."""

from crawler.pages.article import ArticlePage, NotArticle
from crawler.pages.rules import RuleBook
from crawler.pages.siterule import SiteRule

__all__ = ["ArticlePage", "NotArticle", "RuleBook", "SiteRule"]
